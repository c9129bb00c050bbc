package room

import (
	"encoding/json"
	"time"
)

// This file puts together what a participant may see of a session
// afterwards; each kind's moment (in its own file) decides what of its runs:
// their own contributions, and what the group shared in the open while they
// were there. Never another member's facilitators-only or anonymous answer,
// never a closing state of anyone else, never a check-out word that was not
// revealed, and no names on the check-out cloud. Of intentions: their own,
// their own reflections and step, and the others' only as revealed (without
// names when the reveal was anonymous). Of a circle: the order of who shared
// and who passed, as everyone saw it, and the reactions to their own turns
// only.
//
// Of a session, a journey holds only the activities the participant was
// there for: those one of their stays (Member.Stays) overlaps, from the
// activity's start until it left the screen. Someone who came in the middle
// of an activity saw the screen as it was then, with everything on it, and
// what came after: the activity is theirs whole. Nothing of an activity that
// ended before they came, or began after they left for good, is. A room
// stored before stays were kept shows everyone who came every activity, as
// it did then.

// Journey is one session as a participant may look back on it.
type Journey struct {
	SessionID string    `json:"sessionId"`
	Title     string    `json:"title"`
	Status    Status    `json:"status"`
	OpenedAt  time.Time `json:"openedAt"`
	ClosedAt  time.Time `json:"closedAt,omitzero"`
	// Came is false when the participant did not come; Moments is empty
	// then, since what the group shared was shared with those present.
	Came    bool     `json:"came"`
	Moments []Moment `json:"moments"`
}

// Moment is one finished activity of a session, as the participant may see
// it: its own fields, and its kind's part (Detail, what the kind's moment
// returns), sent under the kind's name.
type Moment struct {
	Kind      Kind      `json:"kind"`
	Title     string    `json:"title,omitempty"`
	StartedAt time.Time `json:"startedAt"`
	Detail    any       `json:"-"`
}

// MarshalJSON encodes the moment with its detail under its kind's name.
func (mo Moment) MarshalJSON() ([]byte, error) {
	type plain Moment
	head, err := json.Marshal(plain(mo))
	if err != nil {
		return nil, err
	}
	return withKind(head, mo.Kind, mo.Detail)
}

// JourneyOf returns the session of s as the participant memberID may see
// it, and false when they were not on its roster. Only finished activities
// are in it: a live one is seen in the room.
func JourneyOf(s State, memberID string) (Journey, bool) {
	m, ok := s.Member(memberID)
	if !ok || m.Role != Participant {
		return Journey{}, false
	}
	j := Journey{
		SessionID: s.SessionID, Title: s.Title, Status: s.Status, OpenedAt: s.OpenedAt, ClosedAt: s.ClosedAt,
		Came: !m.FirstJoined.IsZero(), Moments: []Moment{},
	}
	if !j.Came {
		return j, true
	}
	for _, a := range s.History {
		if a.Run != nil && !m.saw(onScreen(a.Run)) {
			continue
		}
		j.Moments = append(j.Moments, moment(&s, memberID, a))
	}
	return j, true
}

// onScreen returns the span a run was on everyone's screen: its span, unless
// it stays on screen after its span ends (a closed check-in keeps its
// answers up until the activity ends).
func onScreen(r Run) (start, end time.Time) {
	start, end = r.span()
	if u, ok := r.(interface{ shownUntil() time.Time }); ok {
		end = u.shownUntil()
	}
	return start, end
}

// moment builds what the participant may see of one finished activity.
func moment(s *State, memberID string, a Activity) Moment {
	mo := Moment{Kind: a.Kind()}
	if i := s.itemIndex(a.ItemID); i >= 0 && a.ItemID != "" {
		mo.Title = s.Agenda[i].Title
	}
	if a.Run != nil {
		mo.StartedAt, _ = a.Run.span()
		mo.Detail = a.Run.moment(s, memberID)
	}
	return mo
}

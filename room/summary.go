package room

import (
	"cmp"
	"encoding/json"
	"time"
)

// This file turns a room's State into its summary: what facilitators read
// after a session (or during it). It is a pure function of the State, so a
// summary is the same whether the room is live, closed, or restored after a
// restart, and it can be tested without I/O.
//
// The summary is for facilitators only: it names who said what, whatever a
// check-in's visibility. What a participant may see of a past session is
// decided in journey.go.

// Summary is a session as its facilitators look back on it.
type Summary struct {
	SessionID string    `json:"sessionId"`
	CohortID  string    `json:"cohortId"`
	Title     string    `json:"title"`
	Cohort    string    `json:"cohort"`
	Status    Status    `json:"status"`
	OpenedAt  time.Time `json:"openedAt"`
	ClosedAt  time.Time `json:"closedAt,omitzero"`
	// Attendance has one line per member, in roster order (facilitators
	// first).
	Attendance []Attendance `json:"attendance"`
	// Sections has one entry per activity that ran, in the order it ran; the
	// last one is Running while the room is live and an activity is on.
	Sections []Section `json:"sections"`
	// Skipped lists the agenda items that were skipped, and Pending those
	// that never ran.
	Skipped []Item `json:"skipped"`
	Pending []Item `json:"pending"`
	// Care is the session's support signals, flags and private threads.
	Care CareSummary `json:"care"`
}

// Attendance is one member's presence over a session.
type Attendance struct {
	MemberID string `json:"memberId"`
	Name     string `json:"name"`
	Role     Role   `json:"role"`
	// Came is false for someone who never connected.
	Came        bool      `json:"came"`
	FirstJoined time.Time `json:"firstJoined,omitzero"`
	// Drops counts the times the member was away longer than the grace
	// period (a reload or a brief loss of connection is not one); Returns
	// how many of them the member came back from.
	Drops   int `json:"drops"`
	Returns int `json:"returns"`
	// LeftEarly is true for someone who came and was gone (longer than the
	// grace period) when the room closed, or by now while it is live;
	// LeftAt is when the absence they did not come back from began.
	LeftEarly bool      `json:"leftEarly"`
	LeftAt    time.Time `json:"leftAt,omitzero"`
	// Presence is the member's presence when the room closed, or now.
	Presence Presence `json:"presence"`
}

// Section is one activity that ran: its own fields, and its kind's part of
// the summary (Detail, what the kind's section returns), sent under the
// kind's name.
type Section struct {
	Kind      Kind      `json:"kind"`
	ItemID    string    `json:"itemId,omitempty"`
	Title     string    `json:"title,omitempty"` // the agenda item's own title, if it had one
	StartedAt time.Time `json:"startedAt"`
	EndedAt   time.Time `json:"endedAt,omitzero"`
	Running   bool      `json:"running,omitempty"`
	Detail    any       `json:"-"`
}

// MarshalJSON encodes the section with its detail under its kind's name.
func (sec Section) MarshalJSON() ([]byte, error) {
	type plain Section
	head, err := json.Marshal(plain(sec))
	if err != nil {
		return nil, err
	}
	return withKind(head, sec.Kind, sec.Detail)
}

// Summarize returns the summary of the session whose room is s.
func Summarize(s State) Summary {
	sum := Summary{
		SessionID: s.SessionID, CohortID: s.CohortID, Title: s.Title, Cohort: s.Cohort,
		Status: s.Status, OpenedAt: s.OpenedAt, ClosedAt: s.ClosedAt,
		Attendance: make([]Attendance, 0, len(s.Members)),
		Sections:   make([]Section, 0, len(s.History)+1),
		Skipped:    []Item{}, Pending: []Item{},
	}
	s.names = make(map[string]string, len(s.Members))
	for _, m := range s.Members {
		if _, ok := s.names[m.ID]; !ok { // the first wins, as in Member
			s.names[m.ID] = m.Name
		}
	}
	sum.Care = summarizeCare(&s)
	for _, m := range s.Members {
		sum.Attendance = append(sum.Attendance, attendance(m))
	}
	for i, a := range s.History {
		sum.Sections = append(sum.Sections, section(&s, s.History[:i], a))
	}
	if s.Current != nil {
		sec := section(&s, s.History, *s.Current)
		sec.Running = true
		sum.Sections = append(sum.Sections, sec)
	}
	for _, it := range s.Agenda {
		switch it.Status {
		case Skipped:
			sum.Skipped = append(sum.Skipped, it)
		case Pending:
			sum.Pending = append(sum.Pending, it)
		}
	}
	return sum
}

func attendance(m Member) Attendance {
	a := Attendance{
		MemberID: m.ID, Name: m.Name, Role: m.Role, Presence: m.Presence,
		Came: !m.FirstJoined.IsZero(), FirstJoined: m.FirstJoined, Drops: m.Drops,
	}
	if !a.Came {
		return a
	}
	// Between two drops the member was present again, so every drop but
	// the last is a return; the last is one too unless they are gone now.
	// An earlier version counted a drop as the connection was lost: one
	// reconnecting since the moment of its last drop has not come back
	// from it.
	a.Returns = m.Drops
	if m.Drops > 0 && (m.Presence == Left || m.Presence == Reconnecting && m.LastLeft.Equal(m.Since)) {
		a.Returns = m.Drops - 1
	}
	if m.Presence == Left {
		a.LeftEarly = true
		// A member lost in a server restart has no drop of their own: the
		// moment they counted as gone is all there is.
		a.LeftAt = m.Since
		if !m.LastLeft.IsZero() {
			a.LeftAt = m.LastLeft
		}
	}
	return a
}

// section builds the summary of one activity. before is the history that
// ran before it, for what an activity looks back on (the check-out's
// arrival states).
func section(s *State, before []Activity, a Activity) Section {
	sec := Section{ItemID: a.ItemID, Kind: a.Kind()}
	if i := s.itemIndex(a.ItemID); i >= 0 && a.ItemID != "" {
		// An activity without its run still shows what kind of item ran.
		sec.Title, sec.Kind = s.Agenda[i].Title, cmp.Or(sec.Kind, s.Agenda[i].Kind)
	}
	if a.Run != nil {
		sec.StartedAt, sec.EndedAt = a.Run.span()
		sec.Detail = a.Run.section(s, before)
	}
	return sec
}

// unanswered returns the names of the participants who came to the session
// and for whom answered is false, in roster order. Someone who never came
// is in the attendance, not missing from every activity.
func unanswered(s *State, answered func(id string) bool) []string {
	out := []string{}
	for _, m := range s.Members {
		if m.Role == Participant && !m.FirstJoined.IsZero() && !answered(m.ID) {
			out = append(out, m.Name)
		}
	}
	return out
}

func memberName(s *State, id string) string {
	if s.names != nil {
		return s.names[id]
	}
	m, _ := s.Member(id)
	return m.Name
}

// byTime orders by time, then by ID, so equal times still sort the same way
// every time.
func byTime(a, b time.Time, aID, bID string) bool {
	if !a.Equal(b) {
		return a.Before(b)
	}
	return aID < bID
}

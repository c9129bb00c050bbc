package room

import (
	"maps"
	"sort"
	"time"
)

// This file decides what a participant may see of a session afterwards, as
// view.go does for the live room: their own contributions, and what the
// group shared in the open while they were there. Never another member's
// facilitators-only or anonymous answer, never a closing state of anyone
// else, never a check-out word that was not revealed, and no names on the
// check-out cloud. Of intentions: their own, their own reflections and
// step, and the others' only as revealed (without names when the reveal
// was anonymous). Of a circle: the order of who shared and who passed, as
// everyone saw it, and the reactions to their own turns only.

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
// it. Kind says which field is set.
type Moment struct {
	Kind       Kind               `json:"kind"`
	Title      string             `json:"title,omitempty"`
	StartedAt  time.Time          `json:"startedAt"`
	CheckIn    *JourneyCheckIn    `json:"checkin,omitempty"`
	Grounding  *JourneyPause      `json:"grounding,omitempty"`
	CheckOut   *JourneyCheckOut   `json:"checkout,omitempty"`
	Intentions *JourneyIntentions `json:"intentions,omitempty"`
	Circle     *JourneyCircle     `json:"circle,omitempty"`
	// A new activity kind adds its field here and a case in moment.
}

// JourneyAnswer is a check-in answer. Name is empty for the participant's
// own.
type JourneyAnswer struct {
	Name    string    `json:"name,omitempty"`
	Scale   int       `json:"scale"`
	State   Arousal   `json:"state"`
	Feeling string    `json:"feeling,omitempty"`
	Note    string    `json:"note,omitempty"`
	At      time.Time `json:"at"`
}

// JourneyAggregate is an anonymous check-in as the group saw it.
type JourneyAggregate struct {
	Count        int             `json:"count"`
	ScaleAverage float64         `json:"scaleAverage"`
	States       map[Arousal]int `json:"states"`
}

// JourneyCheckIn is a check-in: the participant's own answer, the others'
// answers when the check-in was shared with the group, and the aggregate
// when it was anonymous and had enough answers to be shown.
type JourneyCheckIn struct {
	Prompt     string            `json:"prompt"`
	Visibility Visibility        `json:"visibility"`
	Mine       *JourneyAnswer    `json:"mine,omitempty"`
	Group      []JourneyAnswer   `json:"group"`
	Aggregate  *JourneyAggregate `json:"aggregate,omitempty"`
}

// JourneyPause is a grounding pause the participant took part in.
type JourneyPause struct {
	Seconds int `json:"seconds"`
}

// JourneyWord is the participant's own check-out.
type JourneyWord struct {
	Word  string  `json:"word"`
	State Arousal `json:"state,omitempty"`
}

// JourneyCheckOut is a check-out: the participant's own word and, when it
// was revealed, the group's cloud without names.
type JourneyCheckOut struct {
	Prompt string       `json:"prompt"`
	Mine   *JourneyWord `json:"mine,omitempty"`
	Cloud  []CloudWord  `json:"cloud"`
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
		j.Moments = append(j.Moments, moment(&s, memberID, a))
	}
	return j, true
}

// moment builds what the participant may see of one finished activity.
func moment(s *State, memberID string, a Activity) Moment {
	mo := Moment{}
	if i := s.itemIndex(a.ItemID); i >= 0 && a.ItemID != "" {
		mo.Title = s.Agenda[i].Title
	}
	switch {
	case a.CheckIn != nil:
		mo.Kind, mo.StartedAt = KindCheckIn, a.CheckIn.StartedAt
		mo.CheckIn = journeyCheckIn(s, memberID, a.CheckIn)
	case a.Grounding != nil:
		mo.Kind, mo.StartedAt = KindGrounding, a.Grounding.StartedAt
		mo.Grounding = &JourneyPause{Seconds: a.Grounding.Seconds}
	case a.CheckOut != nil:
		mo.Kind, mo.StartedAt = KindCheckOut, a.CheckOut.StartedAt
		mo.CheckOut = journeyCheckOut(memberID, a.CheckOut)
	case a.Intentions != nil:
		mo.Kind, mo.StartedAt = KindIntentions, a.Intentions.StartedAt
		mo.Intentions = journeyIntentions(s, memberID, a.Intentions)
	case a.Circle != nil:
		mo.Kind, mo.StartedAt = KindCircle, a.Circle.StartedAt
		mo.Circle = journeyCircle(s, memberID, a.Circle)
	}
	return mo
}

func journeyCheckIn(s *State, memberID string, ci *CheckIn) *JourneyCheckIn {
	out := &JourneyCheckIn{Prompt: ci.Prompt, Visibility: ci.Visibility, Group: []JourneyAnswer{}}
	if a, ok := ci.Answers[memberID]; ok {
		out.Mine = &JourneyAnswer{Scale: a.Scale, State: a.State, Feeling: a.Feeling, Note: a.Note, At: a.At}
	}
	switch ci.Visibility {
	case VisibleToGroup:
		for id, a := range ci.Answers {
			if id == memberID {
				continue
			}
			out.Group = append(out.Group, JourneyAnswer{Name: memberName(s, id), Scale: a.Scale, State: a.State,
				Feeling: a.Feeling, Note: a.Note, At: a.At})
		}
		sort.Slice(out.Group, func(i, j int) bool {
			return byTime(out.Group[i].At, out.Group[j].At, out.Group[i].Name, out.Group[j].Name)
		})
	case Anonymous:
		// The same threshold as in the room: fewer answers would give away
		// who said what.
		if len(ci.Answers) >= MinAnonymous {
			agg := &JourneyAggregate{States: map[Arousal]int{Hypo: 0, Within: 0, Hyper: 0}}
			sum := 0
			for _, a := range ci.Answers {
				agg.Count++
				sum += a.Scale
				agg.States[a.State]++
			}
			agg.ScaleAverage = float64(sum) / float64(agg.Count)
			out.Aggregate = agg
		}
	}
	return out
}

func journeyCheckOut(memberID string, co *CheckOut) *JourneyCheckOut {
	out := &JourneyCheckOut{Prompt: co.Prompt, Cloud: []CloudWord{}}
	if w, ok := co.Words[memberID]; ok {
		out.Mine = &JourneyWord{Word: w.Word, State: w.State}
	}
	if co.Revealed {
		out.Cloud = co.Cloud()
	}
	return out
}

// JourneyIntention is the participant's own intention.
type JourneyIntention struct {
	Text string    `json:"text"`
	At   time.Time `json:"at"`
}

// JourneyReflection is what the participant said of one of their earlier
// intentions.
type JourneyReflection struct {
	Intention    string    `json:"intention"`
	SessionTitle string    `json:"sessionTitle,omitempty"`
	Outcome      Outcome   `json:"outcome"`
	At           time.Time `json:"at"`
}

// JourneyStep is the participant's own step, with the intention it is for.
type JourneyStep struct {
	Step      string `json:"step"`
	Intention string `json:"intention"`
	// SessionTitle names the earlier session of the intention; empty for
	// the one written in this session.
	SessionTitle string    `json:"sessionTitle,omitempty"`
	At           time.Time `json:"at"`
}

// JourneyShown is a revealed intention as the group saw it: Name is set
// only in a named reveal, and empty for the participant's own, which Mine
// marks. In an anonymous reveal nothing tells whose is whose.
type JourneyShown struct {
	Name string `json:"name,omitempty"`
	Mine bool   `json:"mine,omitempty"`
	Text string `json:"text"`
}

// JourneyIntentions is an intentions activity: the participant's own part,
// and the revealed set when the facilitator revealed it.
type JourneyIntentions struct {
	Prompt      string              `json:"prompt"`
	Reveal      RevealMode          `json:"reveal"`
	Revealed    bool                `json:"revealed"`
	Mine        *JourneyIntention   `json:"mine,omitempty"`
	Reflections []JourneyReflection `json:"reflections"`
	Step        *JourneyStep        `json:"step,omitempty"`
	// Shown is empty unless the intentions were revealed.
	Shown []JourneyShown `json:"shown"`
}

// JourneyTurn is one turn of a circle as everyone saw it. Name is empty for
// the participant's own turns, which Mine marks; only those carry the
// reactions the speaker was shown after their share.
type JourneyTurn struct {
	Name      string         `json:"name,omitempty"`
	Mine      bool           `json:"mine,omitempty"`
	Outcome   TurnOutcome    `json:"outcome"`
	Reactions map[string]int `json:"reactions,omitempty"`
}

// JourneyCircle is a sharing circle: the order of who shared and who
// passed.
type JourneyCircle struct {
	Prompt string        `json:"prompt"`
	Mode   CircleMode    `json:"mode"`
	Turns  []JourneyTurn `json:"turns"`
}

func journeyIntentions(s *State, memberID string, in *Intentions) *JourneyIntentions {
	out := &JourneyIntentions{Prompt: in.Prompt, Reveal: in.Reveal, Revealed: in.Revealed,
		Reflections: []JourneyReflection{}, Shown: []JourneyShown{}}
	if w, ok := in.Written[memberID]; ok {
		out.Mine = &JourneyIntention{Text: w.Text, At: w.At}
	}
	for _, r := range sortedByAt(in.Reflections, func(r Reflection) (time.Time, string) { return r.At, r.IntentionID }) {
		if r.MemberID != memberID {
			continue
		}
		p, _ := s.pastOf(memberID, r.IntentionID)
		out.Reflections = append(out.Reflections, JourneyReflection{Intention: p.Text, SessionTitle: p.SessionTitle, Outcome: r.Outcome, At: r.At})
	}
	if c, ok := in.Commitments[memberID]; ok {
		st := &JourneyStep{Step: c.Step, At: c.At}
		if w, ok := in.Written[memberID]; ok && w.ID == c.IntentionID {
			st.Intention = w.Text
		} else if p, ok := s.pastOf(memberID, c.IntentionID); ok {
			st.Intention, st.SessionTitle = p.Text, p.SessionTitle
		}
		out.Step = st
	}
	if !in.Revealed {
		return out
	}
	// The same set, in the same order, as the room showed: shown() decides
	// it for both, so the history can never tell more than the reveal did.
	for _, sh := range shown(s, in) {
		js := JourneyShown{Name: sh.Name, Text: sh.Text}
		if in.Reveal == RevealNamed && sh.MemberID == memberID {
			js.Name, js.Mine = "", true
		}
		out.Shown = append(out.Shown, js)
	}
	return out
}

func journeyCircle(s *State, memberID string, c *Circle) *JourneyCircle {
	out := &JourneyCircle{Prompt: c.Prompt, Mode: c.Mode, Turns: make([]JourneyTurn, 0, len(c.Turns))}
	for _, t := range c.Turns {
		if t.MemberID == memberID {
			out.Turns = append(out.Turns, JourneyTurn{Mine: true, Outcome: t.Outcome, Reactions: maps.Clone(t.Reactions)})
			continue
		}
		out.Turns = append(out.Turns, JourneyTurn{Name: memberName(s, t.MemberID), Outcome: t.Outcome})
	}
	return out
}

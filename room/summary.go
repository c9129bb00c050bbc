package room

import (
	"sort"
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
}

// Attendance is one member's presence over a session.
type Attendance struct {
	MemberID string `json:"memberId"`
	Name     string `json:"name"`
	Role     Role   `json:"role"`
	// Came is false for someone who never connected.
	Came        bool      `json:"came"`
	FirstJoined time.Time `json:"firstJoined,omitzero"`
	// Drops counts lost connections; Returns how many of them the member
	// came back from.
	Drops   int `json:"drops"`
	Returns int `json:"returns"`
	// LeftEarly is true for someone who came and was gone (longer than the
	// grace period) when the room closed, or by now while it is live;
	// LeftAt is when their connection was last lost.
	LeftEarly bool      `json:"leftEarly"`
	LeftAt    time.Time `json:"leftAt,omitzero"`
	// Presence is the member's presence when the room closed, or now.
	Presence Presence `json:"presence"`
}

// Section is one activity that ran. Kind says which of the kind's fields is
// set.
type Section struct {
	Kind      Kind      `json:"kind"`
	ItemID    string    `json:"itemId,omitempty"`
	Title     string    `json:"title,omitempty"` // the agenda item's own title, if it had one
	StartedAt time.Time `json:"startedAt"`
	EndedAt   time.Time `json:"endedAt,omitzero"`
	Running   bool      `json:"running,omitempty"`

	CheckIn   *CheckInSection   `json:"checkin,omitempty"`
	Grounding *GroundingSection `json:"grounding,omitempty"`
	CheckOut  *CheckOutSection  `json:"checkout,omitempty"`
	// A new activity kind adds its field here, and one function below.
}

// SummaryAnswer is a check-in answer with the name of who gave it.
type SummaryAnswer struct {
	MemberID string    `json:"memberId"`
	Name     string    `json:"name"`
	Scale    int       `json:"scale"`
	State    Arousal   `json:"state"`
	Feeling  string    `json:"feeling,omitempty"`
	Note     string    `json:"note,omitempty"`
	At       time.Time `json:"at"`
}

// CheckInSection is a check-in's answers as facilitators saw them.
type CheckInSection struct {
	Prompt     string          `json:"prompt"`
	Visibility Visibility      `json:"visibility"`
	Answers    []SummaryAnswer `json:"answers"`
	// Unanswered names the participants who came to the session and gave no
	// answer here.
	Unanswered   []string        `json:"unanswered"`
	ScaleAverage float64         `json:"scaleAverage"`
	States       map[Arousal]int `json:"states"`
}

// GroundingSection is a grounding pause as it ran.
type GroundingSection struct {
	// Seconds is the pause's length with its extensions.
	Seconds int     `json:"seconds"`
	Breath  *Breath `json:"breath,omitempty"`
	// Ran is how long it was on, from start to end (pauses included);
	// EndedEarly is true when it was ended before its countdown ran out.
	Ran        time.Duration `json:"ran"`
	EndedEarly bool          `json:"endedEarly"`
}

// SummaryWord is a check-out word with who gave it, and how they arrived.
type SummaryWord struct {
	MemberID string  `json:"memberId"`
	Name     string  `json:"name"`
	Word     string  `json:"word"`
	State    Arousal `json:"state,omitempty"`
	// Arrival is the member's state in the latest check-in they answered
	// before this check-out, "" when none.
	Arrival Arousal   `json:"arrival,omitempty"`
	At      time.Time `json:"at"`
}

// CheckOutSection is a check-out's words, the closing states beside the
// arrival states, and the cloud.
type CheckOutSection struct {
	Prompt       string        `json:"prompt"`
	ClosingCheck bool          `json:"closingCheck"`
	Revealed     bool          `json:"revealed"`
	Words        []SummaryWord `json:"words"`
	Unanswered   []string      `json:"unanswered"`
	Cloud        []CloudWord   `json:"cloud"`
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
	// the last is a return; the last is one too if they are here now.
	a.Returns = max(m.Drops-1, 0)
	if m.Presence == Present && m.Drops > 0 {
		a.Returns = m.Drops
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
//
// A new activity kind adds one case here and one function like
// checkInSection below; nothing else in the summary changes. The
// intentions (with their reflections) and the sharing circle (its order,
// who shared and who passed) go here.
func section(s *State, before []Activity, a Activity) Section {
	sec := Section{ItemID: a.ItemID}
	if i := s.itemIndex(a.ItemID); i >= 0 && a.ItemID != "" {
		// The item's kind stands until a case below sets it, so a kind
		// without its function yet still shows where it ran.
		sec.Title, sec.Kind = s.Agenda[i].Title, s.Agenda[i].Kind
	}
	switch {
	case a.CheckIn != nil:
		sec.Kind, sec.StartedAt, sec.EndedAt = KindCheckIn, a.CheckIn.StartedAt, a.CheckIn.ClosedAt
		sec.CheckIn = checkInSection(s, a.CheckIn)
	case a.Grounding != nil:
		sec.Kind, sec.StartedAt, sec.EndedAt = KindGrounding, a.Grounding.StartedAt, a.Grounding.EndedAt
		sec.Grounding = groundingSection(a.Grounding)
	case a.CheckOut != nil:
		sec.Kind, sec.StartedAt, sec.EndedAt = KindCheckOut, a.CheckOut.StartedAt, a.CheckOut.EndedAt
		sec.CheckOut = checkOutSection(s, before, a.CheckOut)
	}
	return sec
}

func checkInSection(s *State, ci *CheckIn) *CheckInSection {
	out := &CheckInSection{
		Prompt: ci.Prompt, Visibility: ci.Visibility,
		Answers: make([]SummaryAnswer, 0, len(ci.Answers)),
		States:  map[Arousal]int{Hypo: 0, Within: 0, Hyper: 0},
	}
	sum := 0
	for _, a := range ci.Answers {
		out.Answers = append(out.Answers, SummaryAnswer{
			MemberID: a.MemberID, Name: memberName(s, a.MemberID), Scale: a.Scale, State: a.State,
			Feeling: a.Feeling, Note: a.Note, At: a.At,
		})
		sum += a.Scale
		out.States[a.State]++
	}
	if len(ci.Answers) > 0 {
		out.ScaleAverage = float64(sum) / float64(len(ci.Answers))
	}
	sort.Slice(out.Answers, func(i, j int) bool {
		return byTime(out.Answers[i].At, out.Answers[j].At, out.Answers[i].MemberID, out.Answers[j].MemberID)
	})
	out.Unanswered = unanswered(s, func(id string) bool { _, ok := ci.Answers[id]; return ok })
	return out
}

func groundingSection(g *Grounding) *GroundingSection {
	out := &GroundingSection{Seconds: g.Seconds, Breath: g.Breath}
	end := g.EndedAt
	if !end.IsZero() {
		out.Ran = end.Sub(g.StartedAt)
		// A pause ended while paused, or before its countdown reached zero,
		// was ended early.
		out.EndedEarly = g.Paused || end.Before(g.EndsAt)
	}
	return out
}

func checkOutSection(s *State, before []Activity, co *CheckOut) *CheckOutSection {
	out := &CheckOutSection{
		Prompt: co.Prompt, ClosingCheck: co.ClosingCheck, Revealed: co.Revealed,
		Words: make([]SummaryWord, 0, len(co.Words)), Cloud: co.Cloud(),
	}
	for _, w := range co.Words {
		out.Words = append(out.Words, SummaryWord{
			MemberID: w.MemberID, Name: memberName(s, w.MemberID), Word: w.Word, State: w.State,
			Arrival: arrivalIn(before, w.MemberID), At: w.At,
		})
	}
	sort.Slice(out.Words, func(i, j int) bool {
		return byTime(out.Words[i].At, out.Words[j].At, out.Words[i].MemberID, out.Words[j].MemberID)
	})
	out.Unanswered = unanswered(s, func(id string) bool { _, ok := co.Words[id]; return ok })
	return out
}

// arrivalIn returns the member's state in the latest check-in of history
// they answered, or "".
func arrivalIn(history []Activity, memberID string) Arousal {
	for i := len(history) - 1; i >= 0; i-- {
		if ci := history[i].CheckIn; ci != nil {
			if a, ok := ci.Answers[memberID]; ok {
				return a.State
			}
		}
	}
	return ""
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

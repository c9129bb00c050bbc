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

	CheckIn    *CheckInSection    `json:"checkin,omitempty"`
	Grounding  *GroundingSection  `json:"grounding,omitempty"`
	CheckOut   *CheckOutSection   `json:"checkout,omitempty"`
	Intentions *IntentionsSection `json:"intentions,omitempty"`
	Circle     *CircleSection     `json:"circle,omitempty"`
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
// checkInSection below; nothing else in the summary changes.
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
	case a.Intentions != nil:
		sec.Kind, sec.StartedAt, sec.EndedAt = KindIntentions, a.Intentions.StartedAt, a.Intentions.EndedAt
		sec.Intentions = intentionsSection(s, a.Intentions)
	case a.Circle != nil:
		sec.Kind, sec.StartedAt, sec.EndedAt = KindCircle, a.Circle.StartedAt, a.Circle.EndedAt
		sec.Circle = circleSection(s, a.Circle)
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

// SummaryIntention is an intention written in the session.
type SummaryIntention struct {
	MemberID string    `json:"memberId"`
	Name     string    `json:"name"`
	Text     string    `json:"text"`
	At       time.Time `json:"at"`
}

// SummaryReflection is what a participant said, in the session, of one of
// their intentions from an earlier session.
type SummaryReflection struct {
	MemberID string `json:"memberId"`
	Name     string `json:"name"`
	// Intention is the earlier intention's text, and SessionTitle the
	// session it was set in, as the room knew them when it opened.
	IntentionID  string    `json:"intentionId"`
	Intention    string    `json:"intention"`
	SessionTitle string    `json:"sessionTitle,omitempty"`
	Outcome      Outcome   `json:"outcome"`
	At           time.Time `json:"at"`
}

// SummaryStep is the one step a participant committed to in the session.
type SummaryStep struct {
	MemberID    string `json:"memberId"`
	Name        string `json:"name"`
	Step        string `json:"step"`
	IntentionID string `json:"intentionId"`
	// Intention is the text of the intention the step is for;
	// SessionTitle names the earlier session it was set in, and is empty
	// for an intention written in this one.
	Intention    string    `json:"intention"`
	SessionTitle string    `json:"sessionTitle,omitempty"`
	At           time.Time `json:"at"`
}

// IntentionsSection is an intentions activity as facilitators look back on
// it: every intention with its writer's name, whatever the reveal.
type IntentionsSection struct {
	Prompt     string     `json:"prompt"`
	Reveal     RevealMode `json:"reveal"`
	Commitment bool       `json:"commitment"`
	Revealed   bool       `json:"revealed"`
	RevealedAt time.Time  `json:"revealedAt,omitzero"`
	// Intentions, Reflections and Steps are each in the order they were
	// last written.
	Intentions  []SummaryIntention  `json:"intentions"`
	Reflections []SummaryReflection `json:"reflections"`
	Steps       []SummaryStep       `json:"steps"`
	// Unwritten names the participants who came and wrote no intention
	// here, in roster order.
	Unwritten []string `json:"unwritten"`
}

// SummaryTurn is one turn of a sharing circle. It has no reactions: those
// were for the speaker alone.
type SummaryTurn struct {
	// N numbers the holds of the talking piece from 1; 0 is someone
	// skipped while waiting, who never held it.
	N         int         `json:"n"`
	MemberID  string      `json:"memberId"`
	Name      string      `json:"name"`
	Outcome   TurnOutcome `json:"outcome,omitempty"` // "" for the share in progress
	StartedAt time.Time   `json:"startedAt"`
	EndedAt   time.Time   `json:"endedAt,omitzero"`
	// Duration is how long they held the piece (0 while they still do).
	Duration time.Duration `json:"duration"`
}

// CircleSection is a sharing circle as it happened.
type CircleSection struct {
	Prompt       string        `json:"prompt"`
	Mode         CircleMode    `json:"mode"`
	Order        SpeakingOrder `json:"order,omitempty"`
	ShareSeconds int           `json:"shareSeconds"`
	// Turns are the holds of the talking piece in the order they happened;
	// while the circle runs, the share in progress is the last one, without
	// an outcome.
	Turns []SummaryTurn `json:"turns"`
	// Waiting names who was still waiting for the piece when the circle
	// ended (or is now): the rest of the round, or the hands still raised
	// on the open floor.
	Waiting []string `json:"waiting"`
	// RoundOver is true when the facilitator ended the round.
	RoundOver bool `json:"roundOver"`
}

func intentionsSection(s *State, in *Intentions) *IntentionsSection {
	out := &IntentionsSection{
		Prompt: in.Prompt, Reveal: in.Reveal, Commitment: in.Commitment, Revealed: in.Revealed, RevealedAt: in.RevealedAt,
		Intentions:  make([]SummaryIntention, 0, len(in.Written)),
		Reflections: make([]SummaryReflection, 0, len(in.Reflections)),
		Steps:       make([]SummaryStep, 0, len(in.Commitments)),
	}
	for _, w := range sortedByAt(in.Written, func(w Intention) (time.Time, string) { return w.At, w.MemberID }) {
		out.Intentions = append(out.Intentions, SummaryIntention{MemberID: w.MemberID, Name: memberName(s, w.MemberID), Text: w.Text, At: w.At})
	}
	for _, r := range sortedByAt(in.Reflections, func(r Reflection) (time.Time, string) { return r.At, r.IntentionID }) {
		p, _ := s.pastOf(r.MemberID, r.IntentionID)
		out.Reflections = append(out.Reflections, SummaryReflection{MemberID: r.MemberID, Name: memberName(s, r.MemberID),
			IntentionID: r.IntentionID, Intention: p.Text, SessionTitle: p.SessionTitle, Outcome: r.Outcome, At: r.At})
	}
	for _, c := range sortedByAt(in.Commitments, func(c Commitment) (time.Time, string) { return c.At, c.MemberID }) {
		st := SummaryStep{MemberID: c.MemberID, Name: memberName(s, c.MemberID), Step: c.Step, IntentionID: c.IntentionID, At: c.At}
		if w, ok := in.Written[c.MemberID]; ok && w.ID == c.IntentionID {
			st.Intention = w.Text
		} else if p, ok := s.pastOf(c.MemberID, c.IntentionID); ok {
			st.Intention, st.SessionTitle = p.Text, p.SessionTitle
		}
		out.Steps = append(out.Steps, st)
	}
	out.Unwritten = unanswered(s, func(id string) bool { _, ok := in.Written[id]; return ok })
	return out
}

func circleSection(s *State, c *Circle) *CircleSection {
	out := &CircleSection{Prompt: c.Prompt, Mode: c.Mode, Order: c.Order, ShareSeconds: c.ShareSeconds,
		Turns: make([]SummaryTurn, 0, len(c.Turns)+1), Waiting: make([]string, 0, len(c.Queue)), RoundOver: c.RoundOver}
	for _, t := range c.Turns {
		out.Turns = append(out.Turns, SummaryTurn{N: t.N, MemberID: t.MemberID, Name: memberName(s, t.MemberID),
			Outcome: t.Outcome, StartedAt: t.StartedAt, EndedAt: t.EndedAt, Duration: t.EndedAt.Sub(t.StartedAt)})
	}
	if t := c.Turn; t != nil {
		out.Turns = append(out.Turns, SummaryTurn{N: t.N, MemberID: t.MemberID, Name: memberName(s, t.MemberID), StartedAt: t.StartedAt})
	}
	for _, id := range c.Queue {
		out.Waiting = append(out.Waiting, memberName(s, id))
	}
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

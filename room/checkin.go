package room

import (
	"encoding/json"
	"maps"
	"slices"
	"sort"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// The arrival check-in: each participant says how they arrive (a 0-10
// scale, a window-of-tolerance state, a feeling word, a sentence), shared
// with the group, with the facilitators only, or as an anonymous aggregate.

// KindCheckIn is the check-in's kind.
const KindCheckIn Kind = "checkin"

// Command types of the check-in.
const (
	TypeCheckInStart  = "checkin.start"
	TypeCheckInAnswer = "checkin.answer"
	TypeCheckInClose  = "checkin.close"
)

// Visibility decides who sees the answers of a check-in.
type Visibility string

const (
	VisibleToGroup        Visibility = "group"
	VisibleToFacilitators Visibility = "facilitators"
	Anonymous             Visibility = "anonymous"
)

// MinAnonymous is the number of answers an anonymous aggregate needs before
// participants see it, and the number of people whose answers must be new
// (or changed) before they see it again: from two aggregates that differ by
// fewer, one answer could be worked out.
const MinAnonymous = 3

var checkInKind = kindSpec{
	settings: decodeJSON[CheckInSettings, Settings],
	run:      decodeJSON[*CheckIn, Run],
	commands: map[string]transition{
		TypeCheckInStart:  checkInStart,
		TypeCheckInAnswer: checkInAnswer,
		TypeCheckInClose:  checkInClose,
	},
}

// CheckInSettings are a planned check-in's settings.
type CheckInSettings struct {
	Prompt     string     `json:"prompt,omitempty"`
	Visibility Visibility `json:"visibility,omitempty"`
}

func (CheckInSettings) kind() Kind { return KindCheckIn }

func (c CheckInSettings) check() (Settings, error) {
	p, err := checkPrompt(c.Prompt)
	if err != nil {
		return nil, err
	}
	switch c.Visibility {
	case VisibleToGroup, VisibleToFacilitators, Anonymous:
	default:
		return nil, errorf(CodeInvalid, "Visibility must be group, facilitators or anonymous.")
	}
	return CheckInSettings{Prompt: p, Visibility: c.Visibility}, nil
}

func (c CheckInSettings) start(_ *State, id string, now time.Time) Run {
	return &CheckIn{ID: id, Prompt: c.Prompt, Visibility: c.Visibility, Open: true, StartedAt: now, Answers: map[string]Answer{}, Stepped: true}
}

// Answer is one participant's check-in answer.
type Answer struct {
	MemberID string    `json:"memberId"`
	Scale    int       `json:"scale"`
	State    Arousal   `json:"state"`
	Feeling  string    `json:"feeling"`
	Note     string    `json:"note"`
	At       time.Time `json:"at"`
}

// CheckIn is a run of the check-in. Answers are keyed by member ID.
type CheckIn struct {
	ID         string     `json:"id"`
	Prompt     string     `json:"prompt"`
	Visibility Visibility `json:"visibility"`
	Open       bool       `json:"open"`
	StartedAt  time.Time  `json:"startedAt"`
	ClosedAt   time.Time  `json:"closedAt,omitzero"`
	// EndedAt is when the activity ended: its answers stay on screen after
	// ClosedAt until then. Check-ins stored before it was kept have none.
	EndedAt time.Time         `json:"endedAt,omitzero"`
	Answers map[string]Answer `json:"answers"`
	// Shown is the anonymous aggregate as participants see it, and
	// Included what each answer counts in it (scale and state, as first
	// given). Answers join it only MinAnonymous at a time, and an answer
	// changed after it joined is not counted again: so two aggregates a
	// participant sees differ by at least three people's answers, never by
	// one (nor by one and changes that leave the sum or the counts alone).
	// Facilitators see every answer as it is.
	Shown    *Aggregate         `json:"shown,omitempty"`
	Included map[string]Counted `json:"included,omitempty"`
	// Stepped is set on every check-in that keeps Shown; one stored without
	// it showed participants the aggregate of every answer from
	// MinAnonymous on, and goes on doing so.
	Stepped bool `json:"stepped,omitempty"`
}

// Counted is what one answer adds to an aggregate.
type Counted struct {
	Scale int     `json:"scale"`
	State Arousal `json:"state"`
}

// Aggregate is an anonymous summary of check-in answers.
type Aggregate struct {
	Count        int             `json:"count"`
	ScaleAverage float64         `json:"scaleAverage"`
	States       map[Arousal]int `json:"states"`
}

// CheckIn returns a's run when it is a check-in, or nil.
func (a *Activity) CheckIn() *CheckIn { return runOf[*CheckIn](a) }

func (*CheckIn) kind() Kind { return KindCheckIn }

func (ci *CheckIn) span() (time.Time, time.Time) { return ci.StartedAt, ci.ClosedAt }

func (ci *CheckIn) clone() Run {
	c := *ci
	c.Answers = cloneMap(ci.Answers)
	return &c // Shown and Included are replaced, never changed in place
}

// erase drops the member's answer. An aggregate that counted it is counted
// again without it, or dropped when too few answers would be left to keep
// anyone anonymous.
func (ci *CheckIn) erase(m Member) {
	delete(ci.Answers, m.ID)
	if _, ok := ci.Included[m.ID]; !ok {
		return
	}
	included := maps.Clone(ci.Included)
	delete(included, m.ID)
	ci.Included, ci.Shown = included, nil
	if len(included) >= MinAnonymous {
		ci.Shown = aggregateOf(slices.Collect(maps.Values(included)))
	} else {
		ci.Included = nil
	}
}

func (ci *CheckIn) finish(now time.Time) {
	if ci.Open {
		ci.Open = false
		ci.ClosedAt = now
	}
	if ci.EndedAt.IsZero() {
		ci.EndedAt = now
	}
}

// shownUntil is when the check-in left the screen; for one stored without
// EndedAt, when it closed, which is certain to have been seen.
func (ci *CheckIn) shownUntil() time.Time {
	if ci.EndedAt.IsZero() {
		return ci.ClosedAt
	}
	return ci.EndedAt
}

// aggregate sums every answer as it is now.
func (ci *CheckIn) aggregate() *Aggregate {
	counted := make([]Counted, 0, len(ci.Answers))
	for _, a := range ci.Answers {
		counted = append(counted, Counted{Scale: a.Scale, State: a.State})
	}
	return aggregateOf(counted)
}

// aggregateOf sums the counted answers.
func aggregateOf(counted []Counted) *Aggregate {
	agg := &Aggregate{States: map[Arousal]int{Hypo: 0, Within: 0, Hyper: 0}}
	sum := 0
	for _, c := range counted {
		agg.Count++
		sum += c.Scale
		agg.States[c.State]++
	}
	if agg.Count > 0 {
		agg.ScaleAverage = float64(sum) / float64(agg.Count)
	}
	return agg
}

// waiting returns, sorted, the members whose answers the shown aggregate
// does not count yet.
func (ci *CheckIn) waiting() []string {
	var out []string
	for id := range ci.Answers {
		if _, ok := ci.Included[id]; !ok {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// shownAggregate returns the aggregate participants may see: the last one
// shown. A check-in stored before Shown was kept has shown every answer.
func (ci *CheckIn) shownAggregate() *Aggregate {
	if !ci.Stepped && len(ci.Answers) >= MinAnonymous {
		return ci.aggregate()
	}
	return ci.Shown
}

func checkInStart(s State, now time.Time, actor Member, data json.RawMessage) (State, Change, error) {
	if err := requireFacilitator(actor); err != nil {
		return s, Change{}, err
	}
	var in CheckInSettings
	if err := decode(data, &in); err != nil {
		return s, Change{}, err
	}
	// The same rules as a planned check-in.
	it, err := Item{Kind: KindCheckIn, Settings: in}.Normalize()
	if err != nil {
		return s, Change{}, err
	}
	if s.Current != nil {
		return s, Change{}, errorf(CodeClosed, "Another activity is running; end it first.")
	}
	if len(s.Agenda) >= MaxItems {
		return s, Change{}, errorf(CodeInvalid, "An agenda has at most %d activities.", MaxItems)
	}
	// An ad-hoc check-in joins the agenda, so the agenda stays the whole
	// story of the session.
	next := s.clone()
	it.ID, it.Status = uuid.Must(uuid.NewV7()).String(), Pending
	next.Agenda = append(next.Agenda, it)
	var ch Change
	startItem(&next, len(next.Agenda)-1, now, &ch)
	return next, ch, nil
}

func checkInAnswer(s State, now time.Time, actor Member, data json.RawMessage) (State, Change, error) {
	if actor.Role != Participant {
		return s, Change{}, errorf(CodeNotAllowed, "Only participants answer the check-in.")
	}
	ci := s.Current.CheckIn()
	if ci == nil {
		return s, Change{}, errorf(CodeClosed, "There is no check-in now.")
	}
	if !ci.Open {
		return s, Change{}, errorf(CodeClosed, "The check-in is closed.")
	}
	var in struct {
		Scale   *int    `json:"scale"`
		State   Arousal `json:"state"`
		Feeling string  `json:"feeling"`
		Note    string  `json:"note"`
	}
	if err := decode(data, &in); err != nil {
		return s, Change{}, err
	}
	if in.Scale == nil || *in.Scale < 0 || *in.Scale > 10 {
		return s, Change{}, errorf(CodeInvalid, "The scale must be a whole number from 0 to 10.")
	}
	if err := checkArousal(in.State); err != nil {
		return s, Change{}, err
	}
	in.Feeling = CleanLine(in.Feeling)
	in.Note = CleanText(in.Note)
	if utf8.RuneCountInString(in.Feeling) > MaxFeeling {
		return s, Change{}, errorf(CodeInvalid, "The feeling word is longer than %d characters.", MaxFeeling)
	}
	if utf8.RuneCountInString(in.Note) > MaxNote {
		return s, Change{}, errorf(CodeInvalid, "The sentence is longer than %d characters.", MaxNote)
	}
	next := s.clone()
	nc := next.Current.CheckIn()
	nc.Answers[actor.ID] = Answer{
		MemberID: actor.ID, Scale: *in.Scale, State: in.State, Feeling: in.Feeling, Note: in.Note, At: now,
	}
	if waiting := nc.waiting(); nc.Visibility == Anonymous && len(waiting) >= MinAnonymous {
		included := maps.Clone(nc.Included)
		if included == nil {
			included = make(map[string]Counted, len(waiting))
		}
		for _, id := range waiting {
			a := nc.Answers[id]
			included[id] = Counted{Scale: a.Scale, State: a.State}
		}
		nc.Included = included
		nc.Shown = aggregateOf(slices.Collect(maps.Values(included)))
	}
	var ch Change
	ch.activity(&next)
	ch.mine(&next, actor.ID)
	return next, ch, nil
}

func checkInClose(s State, now time.Time, actor Member, _ json.RawMessage) (State, Change, error) {
	if err := requireFacilitator(actor); err != nil {
		return s, Change{}, err
	}
	if ci := s.Current.CheckIn(); ci == nil || !ci.Open {
		return s, Change{}, errorf(CodeClosed, "There is no open check-in.")
	}
	next := s.clone()
	next.Current.Run.finish(now)
	var ch Change
	ch.activity(&next)
	return next, ch, nil
}

func (*CheckIn) presence(*State, Member, Presence, time.Time, *Change) {}

// windowState gives care in the room (windowRun) a member's state.
func (ci *CheckIn) windowState(memberID string) (Arousal, time.Time, bool) {
	a, ok := ci.Answers[memberID]
	return a.State, a.At, ok
}

func (*CheckIn) arrival() bool { return true }

// --- what each member sees --------------------------------------------------

type answerView struct {
	MemberID string  `json:"memberId"`
	Name     string  `json:"name"`
	Scale    int     `json:"scale"`
	State    Arousal `json:"state"`
	Feeling  string  `json:"feeling"`
	Note     string  `json:"note"`
	At       int64   `json:"at"`
}

type checkInView struct {
	ID            string       `json:"id"`
	Kind          string       `json:"kind"`
	ItemID        string       `json:"itemId"`
	Prompt        string       `json:"prompt"`
	Visibility    Visibility   `json:"visibility"`
	Open          bool         `json:"open"`
	StartedAt     int64        `json:"startedAt"`
	AnsweredCount int          `json:"answeredCount"`
	Expected      int          `json:"expected"`
	Answered      []string     `json:"answered,omitempty"`
	Answers       []answerView `json:"answers,omitempty"`
	Aggregate     *Aggregate   `json:"aggregate,omitempty"`
}

func viewAnswer(s *State, a Answer) answerView {
	return answerView{
		MemberID: a.MemberID, Name: memberName(s, a.MemberID), Scale: a.Scale, State: a.State,
		Feeling: a.Feeling, Note: a.Note, At: millis(a.At),
	}
}

func (ci *CheckIn) view(s *State, itemID string, role Role) any {
	v := &checkInView{
		ID: ci.ID, Kind: string(KindCheckIn), ItemID: itemID, Prompt: ci.Prompt, Visibility: ci.Visibility,
		Open: ci.Open, StartedAt: millis(ci.StartedAt), AnsweredCount: len(ci.Answers), Expected: s.Expected(),
	}
	if role == Facilitator || ci.Visibility == VisibleToGroup {
		v.Answers = make([]answerView, 0, len(ci.Answers))
		for _, a := range ci.Answers {
			v.Answers = append(v.Answers, viewAnswer(s, a))
		}
		sort.Slice(v.Answers, func(i, j int) bool {
			if v.Answers[i].At != v.Answers[j].At {
				return v.Answers[i].At < v.Answers[j].At
			}
			return v.Answers[i].MemberID < v.Answers[j].MemberID
		})
		v.Answered = make([]string, len(v.Answers))
		for i, a := range v.Answers {
			v.Answered[i] = a.MemberID
		}
		v.Aggregate = ci.aggregate()
	} else if ci.Visibility == Anonymous {
		// Only as last shown: an aggregate that moved with every answer
		// would tell, from two in a row, what the newest one said.
		v.Aggregate = ci.shownAggregate()
	}
	return v
}

func (ci *CheckIn) mine(s *State, memberID string) (string, any) {
	a, ok := ci.Answers[memberID]
	if !ok {
		return "", nil
	}
	av := viewAnswer(s, a)
	return "answer", &av
}

// --- afterwards --------------------------------------------------------------

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

func (ci *CheckIn) section(s *State, _ []Activity) any {
	agg := ci.aggregate()
	out := &CheckInSection{
		Prompt: ci.Prompt, Visibility: ci.Visibility, Answers: make([]SummaryAnswer, 0, len(ci.Answers)),
		ScaleAverage: agg.ScaleAverage, States: agg.States,
	}
	for _, a := range ci.Answers {
		out.Answers = append(out.Answers, SummaryAnswer{
			MemberID: a.MemberID, Name: memberName(s, a.MemberID), Scale: a.Scale, State: a.State,
			Feeling: a.Feeling, Note: a.Note, At: a.At,
		})
	}
	sort.Slice(out.Answers, func(i, j int) bool {
		return byTime(out.Answers[i].At, out.Answers[j].At, out.Answers[i].MemberID, out.Answers[j].MemberID)
	})
	out.Unanswered = unanswered(s, func(id string) bool { _, ok := ci.Answers[id]; return ok })
	return out
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

// JourneyCheckIn is a check-in: the participant's own answer, the others'
// answers when the check-in was shared with the group, and the aggregate as
// the group last saw it when it was anonymous.
type JourneyCheckIn struct {
	Prompt     string          `json:"prompt"`
	Visibility Visibility      `json:"visibility"`
	Mine       *JourneyAnswer  `json:"mine,omitempty"`
	Group      []JourneyAnswer `json:"group"`
	Aggregate  *Aggregate      `json:"aggregate,omitempty"`
}

func (ci *CheckIn) moment(s *State, memberID string) any {
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
		// What the group saw in the room, and no more.
		out.Aggregate = ci.shownAggregate()
	}
	return out
}

// arrivalIn returns the member's state in the latest check-in of history
// they answered, or "".
func arrivalIn(history []Activity, memberID string) Arousal {
	for i := len(history) - 1; i >= 0; i-- {
		if ci := history[i].CheckIn(); ci != nil {
			if a, ok := ci.Answers[memberID]; ok {
				return a.State
			}
		}
	}
	return ""
}

// A check-in tells care in the room each person's state.
var _ windowRun = (*CheckIn)(nil)

package room

import (
	"crypto/sha256"
	"encoding/json"
	"maps"
	"slices"
	"sort"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// KindIntentions is the shared intentions activity: each participant writes
// an intention privately; the facilitator reveals them all together.
const KindIntentions Kind = "intentions"

// Command types of the intentions activity.
const (
	TypeIntentionWrite   = "intention.write"
	TypeIntentionReflect = "intention.reflect"
	TypeIntentionCommit  = "intention.commit"
	TypeIntentionReveal  = "intention.reveal"
)

var intentionsKind = kindSpec{
	settings: decodeJSON[IntentionsSettings, Settings],
	run:      decodeJSON[*Intentions, Run],
	commands: map[string]transition{
		TypeIntentionWrite:   intentionWrite,
		TypeIntentionReflect: intentionReflect,
		TypeIntentionCommit:  intentionCommit,
		TypeIntentionReveal:  intentionReveal,
	},
}

// IntentionsSettings are a planned intentions activity's settings.
type IntentionsSettings struct {
	Prompt     string     `json:"prompt,omitempty"`
	Reveal     RevealMode `json:"reveal,omitempty"`
	Commitment bool       `json:"commitment,omitempty"` // ask each participant for one step
}

func (IntentionsSettings) kind() Kind { return KindIntentions }

func (c IntentionsSettings) check() (Settings, error) {
	p, err := checkPrompt(c.Prompt)
	if err != nil {
		return nil, err
	}
	switch c.Reveal {
	case RevealNamed, RevealAnonymous:
	default:
		return nil, errorf(CodeInvalid, "Choose whether intentions are revealed with names or anonymously.")
	}
	return IntentionsSettings{Prompt: p, Reveal: c.Reveal, Commitment: c.Commitment}, nil
}

func (c IntentionsSettings) start(_ *State, id string, now time.Time) Run {
	return &Intentions{
		ID: id, Prompt: c.Prompt, Reveal: c.Reveal, Commitment: c.Commitment, StartedAt: now,
		Written: map[string]Intention{}, Reflections: map[string]Reflection{}, Commitments: map[string]Commitment{},
	}
}

// Limits of the intentions activity, in characters.
const (
	MaxIntention = 300
	MaxStep      = 200
)

// RevealMode is how the intentions are shown to the group once revealed.
type RevealMode string

const (
	RevealNamed     RevealMode = "named"     // each with its writer's name
	RevealAnonymous RevealMode = "anonymous" // without names, in an order that tells nothing
)

// Outcome is what a participant says became of an earlier intention.
type Outcome string

const (
	Lived     Outcome = "lived" // lived it
	StillWith Outcome = "still" // still with it
	LetGo     Outcome = "letgo" // let it go
)

// Intentions is a run of the intentions activity. Everything in it belongs
// to the participant who wrote it; its view, mine and moment decide who
// sees what.
type Intentions struct {
	ID         string     `json:"id"`
	Prompt     string     `json:"prompt"`
	Reveal     RevealMode `json:"reveal"`
	Commitment bool       `json:"commitment"` // the activity asks for one step each
	Revealed   bool       `json:"revealed"`
	RevealedAt time.Time  `json:"revealedAt,omitzero"`
	StartedAt  time.Time  `json:"startedAt"`
	EndedAt    time.Time  `json:"endedAt,omitzero"`
	// Written holds each participant's intention, by member ID.
	Written map[string]Intention `json:"written"`
	// Reflections holds what participants say of their earlier intentions,
	// by the earlier intention's ID.
	Reflections map[string]Reflection `json:"reflections"`
	// Commitments holds each participant's one step, by member ID.
	Commitments map[string]Commitment `json:"commitments"`
	// Shown holds, after an anonymous reveal, the text of each intention as
	// the group sees it, by intention ID. An intention written or changed
	// after the reveal waits until another one does too (or the activity
	// ends), so neither when it appears nor where tells whose it is. A
	// reveal stored without Shown showed every intention as written.
	Shown map[string]string `json:"shown,omitempty"`
	// Held lists the writers whose intention waits to be shown.
	Held []string `json:"held,omitempty"`
}

// Intention is one participant's intention. Its ID stays the same when its
// writer changes the text, and follows it into later sessions.
type Intention struct {
	ID       string    `json:"id"`
	MemberID string    `json:"memberId"`
	Text     string    `json:"text"`
	At       time.Time `json:"at"`
}

// Reflection is a participant's word on one of their earlier intentions.
type Reflection struct {
	IntentionID string    `json:"intentionId"`
	MemberID    string    `json:"memberId"`
	Outcome     Outcome   `json:"outcome"`
	At          time.Time `json:"at"`
}

// Commitment is one step a participant will take for one of their
// intentions (an earlier one or the one written now).
type Commitment struct {
	ID          string    `json:"id"`
	MemberID    string    `json:"memberId"`
	IntentionID string    `json:"intentionId"`
	Step        string    `json:"step"`
	At          time.Time `json:"at"`
}

// Journeys holds, by participant ID, the intentions each set in the cohort's
// earlier sessions (BuildJourneys): what a room carries in for its
// intentions activity.
type Journeys map[string][]PastIntention

// PastIntention is an intention set in an earlier session of the cohort,
// with what its writer made of it in the sessions since.
type PastIntention struct {
	ID           string           `json:"id"`
	MemberID     string           `json:"memberId"`
	SessionID    string           `json:"sessionId"`
	SessionTitle string           `json:"sessionTitle"`
	SetAt        time.Time        `json:"setAt"`
	Text         string           `json:"text"`
	Reflections  []PastReflection `json:"reflections,omitempty"` // oldest first
	Commitments  []PastCommitment `json:"commitments,omitempty"` // oldest first
}

// PastReflection is a reflection made in an earlier session.
type PastReflection struct {
	SessionID    string    `json:"sessionId"`
	SessionTitle string    `json:"sessionTitle"`
	Outcome      Outcome   `json:"outcome"`
	At           time.Time `json:"at"`
}

// PastCommitment is a commitment made in an earlier session.
type PastCommitment struct {
	ID           string    `json:"id"`
	SessionID    string    `json:"sessionId"`
	SessionTitle string    `json:"sessionTitle"`
	Step         string    `json:"step"`
	At           time.Time `json:"at"`
}

// BuildJourneys gathers, from the rooms of a cohort's earlier sessions, the
// intentions each participant on the roster set, with their reflections and
// commitments, oldest first. Only what happened in each room's own
// activities counts (never a room's Journeys, which came from the rooms
// before it), so nothing is counted twice. People no longer on the roster
// are left out: what they wrote stays with the sessions they were in.
func BuildJourneys(earlier []State, roster []Member) Journeys {
	rooms := slices.Clone(earlier)
	sort.SliceStable(rooms, func(i, j int) bool {
		if !rooms[i].OpenedAt.Equal(rooms[j].OpenedAt) {
			return rooms[i].OpenedAt.Before(rooms[j].OpenedAt)
		}
		return rooms[i].SessionID < rooms[j].SessionID
	})
	keep := map[string]bool{}
	for _, m := range roster {
		if m.Role == Participant {
			keep[m.ID] = true
		}
	}
	type at struct {
		member string
		index  int
	}
	out := Journeys{}
	where := map[string]at{} // intention ID → its place in out
	for _, s := range rooms {
		acts := slices.Clone(s.History)
		if s.Current != nil {
			acts = append(acts, *s.Current)
		}
		for _, a := range acts {
			in := a.Intentions()
			if in == nil {
				continue
			}
			for _, w := range sortedByAt(in.Written, func(w Intention) (time.Time, string) { return w.At, w.MemberID }) {
				if !keep[w.MemberID] {
					continue
				}
				if _, seen := where[w.ID]; seen {
					continue
				}
				where[w.ID] = at{w.MemberID, len(out[w.MemberID])}
				out[w.MemberID] = append(out[w.MemberID], PastIntention{
					ID: w.ID, MemberID: w.MemberID, SessionID: s.SessionID, SessionTitle: s.Title,
					SetAt: w.At, Text: w.Text,
				})
			}
			for _, r := range sortedByAt(in.Reflections, func(r Reflection) (time.Time, string) { return r.At, r.IntentionID }) {
				p, ok := where[r.IntentionID]
				if !ok || p.member != r.MemberID {
					continue
				}
				pi := &out[p.member][p.index]
				pi.Reflections = append(pi.Reflections, PastReflection{SessionID: s.SessionID, SessionTitle: s.Title, Outcome: r.Outcome, At: r.At})
			}
			for _, c := range sortedByAt(in.Commitments, func(c Commitment) (time.Time, string) { return c.At, c.MemberID }) {
				p, ok := where[c.IntentionID]
				if !ok || p.member != c.MemberID {
					continue
				}
				pi := &out[p.member][p.index]
				pi.Commitments = append(pi.Commitments, PastCommitment{ID: c.ID, SessionID: s.SessionID, SessionTitle: s.Title, Step: c.Step, At: c.At})
			}
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// sortedByAt returns m's values by time, then by key, so the order never
// depends on the map's.
func sortedByAt[V any](m map[string]V, key func(V) (time.Time, string)) []V {
	out := make([]V, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	sort.Slice(out, func(i, j int) bool {
		ti, ki := key(out[i])
		tj, kj := key(out[j])
		if !ti.Equal(tj) {
			return ti.Before(tj)
		}
		return ki < kj
	})
	return out
}

// Intentions returns a's run when it is an intentions activity, or nil.
func (a *Activity) Intentions() *Intentions { return runOf[*Intentions](a) }

func (*Intentions) kind() Kind { return KindIntentions }

func (in *Intentions) span() (time.Time, time.Time) { return in.StartedAt, in.EndedAt }

func (in *Intentions) clone() Run {
	c := *in
	c.Written = cloneMap(in.Written)
	c.Reflections = cloneMap(in.Reflections)
	c.Commitments = cloneMap(in.Commitments)
	if in.Shown != nil {
		c.Shown = cloneMap(in.Shown)
	}
	c.Held = slices.Clone(in.Held)
	return &c
}

// erase drops the member's intention (also as the group was shown it),
// their step and what they said of their earlier intentions.
func (in *Intentions) erase(m Member) {
	if w, ok := in.Written[m.ID]; ok {
		if in.Shown != nil {
			delete(in.Shown, w.ID)
		}
		delete(in.Written, m.ID)
	}
	delete(in.Commitments, m.ID)
	maps.DeleteFunc(in.Reflections, func(_ string, r Reflection) bool { return r.MemberID == m.ID })
	in.Held = slices.DeleteFunc(in.Held, func(id string) bool { return id == m.ID })
}

// finish shows what was held back: the activity's end is the moment every
// late intention appears together.
func (in *Intentions) finish(now time.Time) {
	if in.EndedAt.IsZero() {
		in.EndedAt = now
	}
	in.showHeld()
}

// showBlended shows the held intentions of each sort that can now be shown
// without one standing out: a new one takes a new place in the list and a
// changed one changes in its place, so each sort is shown two (or more) at
// a time; a lone one waits for another of its sort, or the end.
func (in *Intentions) showBlended() {
	var added, edited []string
	for _, id := range in.Held {
		if _, shown := in.Shown[in.Written[id].ID]; shown {
			edited = append(edited, id)
		} else {
			added = append(added, id)
		}
	}
	in.Held = nil
	for _, sort := range [][]string{added, edited} {
		if len(sort) < 2 {
			in.Held = append(in.Held, sort...)
			continue
		}
		for _, id := range sort {
			w := in.Written[id]
			in.Shown[w.ID] = w.Text
		}
	}
}

// showHeld adds the held intentions to the shown set.
func (in *Intentions) showHeld() {
	for _, id := range in.Held {
		if w, ok := in.Written[id]; ok {
			in.Shown[w.ID] = w.Text
		}
	}
	in.Held = nil
}

func (*Intentions) presence(*State, Member, Presence, time.Time, *Change) {}

// pastOf returns the member's earlier intention with the ID.
func (s *State) pastOf(memberID, id string) (PastIntention, bool) {
	for _, p := range s.Journeys[memberID] {
		if p.ID == id {
			return p, true
		}
	}
	return PastIntention{}, false
}

// currentIntentions returns the running intentions activity for a
// participant's own action.
func currentIntentions(s State, actor Member) (*Intentions, error) {
	if actor.Role != Participant {
		return nil, errorf(CodeNotAllowed, "Only participants write intentions.")
	}
	in := s.Current.Intentions()
	if in == nil {
		return nil, errorf(CodeClosed, "There is no intentions activity now.")
	}
	return in, nil
}

// ownChange is the change of a participant's own action in the activity:
// the facilitators follow it in their view, the participant gets their own
// part, and the others' view moves only by its counts.
func ownChange(next *State, actorID string) Change {
	var ch Change
	ch.activity(next)
	ch.mine(next, actorID)
	return ch
}

// intentionWrite sets or changes the participant's intention. It is taken
// after the reveal too: someone still typing when the facilitator revealed
// joins the shown set when they send (after an anonymous reveal, together
// with another, see Shown).
func intentionWrite(s State, now time.Time, actor Member, data json.RawMessage) (State, Change, error) {
	in, err := currentIntentions(s, actor)
	if err != nil {
		return s, Change{}, err
	}
	var msg struct {
		Text string `json:"text"`
	}
	if err := decode(data, &msg); err != nil {
		return s, Change{}, err
	}
	text := CleanText(msg.Text)
	if text == "" {
		return s, Change{}, errorf(CodeInvalid, "Write your intention first.")
	}
	if utf8.RuneCountInString(text) > MaxIntention {
		return s, Change{}, errorf(CodeInvalid, "The intention is longer than %d characters.", MaxIntention)
	}
	w, ok := in.Written[actor.ID]
	if !ok {
		w = Intention{ID: uuid.Must(uuid.NewV7()).String(), MemberID: actor.ID}
	}
	w.Text, w.At = text, now
	next := s.clone()
	nin := next.Current.Intentions()
	nin.Written[actor.ID] = w
	var released []string
	if nin.Shown != nil && nin.Shown[w.ID] != w.Text {
		holdLate(&nin.Held, actor.ID)
		held := slices.Clone(nin.Held)
		nin.showBlended()
		released = slices.DeleteFunc(held, func(id string) bool { return slices.Contains(nin.Held, id) })
	}
	ch := ownChange(&next, actor.ID)
	// Whoever's intention was shown now is told theirs no longer waits.
	ch.mine(&next, released...)
	return next, ch, nil
}

func intentionReflect(s State, now time.Time, actor Member, data json.RawMessage) (State, Change, error) {
	if _, err := currentIntentions(s, actor); err != nil {
		return s, Change{}, err
	}
	var msg struct {
		IntentionID string  `json:"intentionId"`
		Outcome     Outcome `json:"outcome"`
	}
	if err := decode(data, &msg); err != nil {
		return s, Change{}, err
	}
	switch msg.Outcome {
	case Lived, StillWith, LetGo:
	default:
		return s, Change{}, errorf(CodeInvalid, "Choose lived it, still with it or let it go.")
	}
	if _, ok := s.pastOf(actor.ID, msg.IntentionID); !ok {
		return s, Change{}, errorf(CodeInvalid, "You have no earlier intention with this ID.")
	}
	next := s.clone()
	next.Current.Intentions().Reflections[msg.IntentionID] = Reflection{
		IntentionID: msg.IntentionID, MemberID: actor.ID, Outcome: msg.Outcome, At: now,
	}
	// Facilitators follow each journey in their view of the activity.
	return next, ownChange(&next, actor.ID), nil
}

func intentionCommit(s State, now time.Time, actor Member, data json.RawMessage) (State, Change, error) {
	in, err := currentIntentions(s, actor)
	if err != nil {
		return s, Change{}, err
	}
	if !in.Commitment {
		return s, Change{}, errorf(CodeClosed, "This activity does not ask for a commitment.")
	}
	var msg struct {
		IntentionID string `json:"intentionId"`
		Step        string `json:"step"`
	}
	if err := decode(data, &msg); err != nil {
		return s, Change{}, err
	}
	step := CleanText(msg.Step)
	if step == "" {
		return s, Change{}, errorf(CodeInvalid, "Write the one step you will take.")
	}
	if utf8.RuneCountInString(step) > MaxStep {
		return s, Change{}, errorf(CodeInvalid, "The step is longer than %d characters.", MaxStep)
	}
	own := in.Written[actor.ID].ID == msg.IntentionID && msg.IntentionID != ""
	if _, past := s.pastOf(actor.ID, msg.IntentionID); !own && !past {
		return s, Change{}, errorf(CodeInvalid, "Choose one of your own intentions for this step.")
	}
	c, ok := in.Commitments[actor.ID]
	if !ok {
		c = Commitment{ID: uuid.Must(uuid.NewV7()).String(), MemberID: actor.ID}
	}
	c.IntentionID, c.Step, c.At = msg.IntentionID, step, now
	next := s.clone()
	next.Current.Intentions().Commitments[actor.ID] = c
	return next, ownChange(&next, actor.ID), nil
}

func intentionReveal(s State, now time.Time, actor Member, _ json.RawMessage) (State, Change, error) {
	if err := requireFacilitator(actor); err != nil {
		return s, Change{}, err
	}
	in := s.Current.Intentions()
	if in == nil {
		return s, Change{}, errorf(CodeClosed, "There is no intentions activity now.")
	}
	if in.Revealed {
		return s, Change{}, errorf(CodeClosed, "The intentions are revealed already.")
	}
	next := s.clone()
	nin := next.Current.Intentions()
	nin.Revealed = true
	nin.RevealedAt = now
	if nin.Reveal == RevealAnonymous {
		nin.Shown = make(map[string]string, len(nin.Written))
		for _, w := range nin.Written {
			nin.Shown[w.ID] = w.Text
		}
	}
	var ch Change
	ch.activity(&next)
	return next, ch, nil
}

// --- what each member may see ---------------------------------------------

type intentionView struct {
	ID       string `json:"id"`
	MemberID string `json:"memberId,omitempty"`
	Name     string `json:"name,omitempty"`
	Text     string `json:"text"`
	At       int64  `json:"at"`
}

// shownView is a revealed intention as the group sees it: with a name only
// when the facilitator chose a named reveal, and never with an ID that could
// be matched to its writer.
type shownView struct {
	MemberID string `json:"memberId,omitempty"`
	Name     string `json:"name,omitempty"`
	Text     string `json:"text"`
}

type reflectionView struct {
	SessionTitle string  `json:"sessionTitle"`
	Outcome      Outcome `json:"outcome"`
	At           int64   `json:"at"`
}

type commitmentView struct {
	IntentionID   string `json:"intentionId"`
	IntentionText string `json:"intentionText"`
	SessionTitle  string `json:"sessionTitle,omitempty"`
	Step          string `json:"step"`
	At            int64  `json:"at"`
}

// pastView is an earlier intention with everything said of it, this
// session's reflection included.
type pastView struct {
	ID           string           `json:"id"`
	SessionTitle string           `json:"sessionTitle"`
	SetAt        int64            `json:"setAt"`
	Text         string           `json:"text"`
	Reflections  []reflectionView `json:"reflections"`
	Commitments  []commitmentView `json:"commitments"`
	// Reflection is what its writer says of it in this activity ("" when
	// nothing yet).
	Reflection Outcome `json:"reflection,omitempty"`
}

// journeyView is one participant's path through their intentions, for
// facilitators.
type journeyView struct {
	MemberID   string          `json:"memberId"`
	Name       string          `json:"name"`
	Current    *intentionView  `json:"current"`
	Commitment *commitmentView `json:"commitment"`
	Past       []pastView      `json:"past"`
}

type intentionsView struct {
	ID           string     `json:"id"`
	Kind         string     `json:"kind"`
	ItemID       string     `json:"itemId"`
	Prompt       string     `json:"prompt"`
	Reveal       RevealMode `json:"reveal"`
	Commitment   bool       `json:"commitment"`
	Revealed     bool       `json:"revealed"`
	StartedAt    int64      `json:"startedAt"`
	WrittenCount int        `json:"writtenCount"`
	Expected     int        `json:"expected"`
	// Facilitators only.
	Intentions []intentionView `json:"intentions,omitempty"`
	Journeys   []journeyView   `json:"journeys,omitempty"`
	// Everyone, once revealed.
	Shown []shownView `json:"shown,omitempty"`
}

// myIntentionsView is a participant's own part of the activity.
type myIntentionsView struct {
	ActivityID      string           `json:"activityId"`
	Intention       *intentionView   `json:"intention,omitempty"`
	Commitment      *commitmentView  `json:"commitment,omitempty"`
	Past            []pastView       `json:"past,omitempty"`
	LastCommitments []commitmentView `json:"lastCommitments,omitempty"`
	// Held: their intention, written or changed after an anonymous reveal,
	// waits to be shown with another (theirs alone to know).
	Held bool `json:"held,omitempty"`
}

func (in *Intentions) view(s *State, itemID string, role Role) any {
	v := &intentionsView{
		ID: in.ID, Kind: string(KindIntentions), ItemID: itemID, Prompt: in.Prompt,
		Reveal: in.Reveal, Commitment: in.Commitment, Revealed: in.Revealed, StartedAt: millis(in.StartedAt),
		WrittenCount: len(in.Written), Expected: s.Expected(),
	}
	if role != Facilitator && in.Shown != nil {
		// After an anonymous reveal the group's count moves with what it is
		// shown: a count that rose when someone wrote would tie the new
		// place in the list, when it appears, to them.
		v.WrittenCount = len(in.Shown)
	}
	if role == Facilitator {
		v.Intentions = make([]intentionView, 0, len(in.Written))
		for _, w := range sortedByAt(in.Written, func(w Intention) (time.Time, string) { return w.At, w.MemberID }) {
			v.Intentions = append(v.Intentions, viewIntention(s, w, true))
		}
		v.Journeys = []journeyView{}
		for _, m := range s.Members {
			if m.Role != Participant {
				continue
			}
			j := journeyView{MemberID: m.ID, Name: m.Name, Past: viewPast(s, in, m.ID)}
			if w, ok := in.Written[m.ID]; ok {
				iv := viewIntention(s, w, false)
				j.Current = &iv
			}
			j.Commitment = viewCommitment(s, in, m.ID)
			v.Journeys = append(v.Journeys, j)
		}
	}
	if in.Revealed {
		v.Shown = shown(s, in)
	}
	return v
}

func viewIntention(s *State, w Intention, named bool) intentionView {
	v := intentionView{ID: w.ID, Text: w.Text, At: millis(w.At)}
	if named {
		m, _ := s.Member(w.MemberID)
		v.MemberID, v.Name = w.MemberID, m.Name
	}
	return v
}

// shown returns the revealed intentions. Named ones follow the roster.
// Anonymous ones are ordered by a hash of the activity and each intention's
// ID: not by time or roster, which would tell who wrote which, and the same
// order on every screen and every resync.
func shown(s *State, in *Intentions) []shownView {
	out := make([]shownView, 0, len(in.Written))
	if in.Reveal == RevealNamed {
		for _, m := range s.Members {
			if w, ok := in.Written[m.ID]; ok {
				out = append(out, shownView{MemberID: m.ID, Name: m.Name, Text: w.Text})
			}
		}
		return out
	}
	type keyed struct {
		key  [32]byte
		text string
	}
	ks := make([]keyed, 0, len(in.Written))
	for _, w := range in.Written {
		text := w.Text
		if in.Shown != nil {
			var ok bool
			if text, ok = in.Shown[w.ID]; !ok {
				continue // held back until it can join unnoticed
			}
		}
		ks = append(ks, keyed{sha256.Sum256([]byte(in.ID + "\x00" + w.ID)), text})
	}
	sort.Slice(ks, func(i, j int) bool { return string(ks[i].key[:]) < string(ks[j].key[:]) })
	for _, k := range ks {
		out = append(out, shownView{Text: k.text})
	}
	return out
}

// viewPast returns the member's earlier intentions, with this activity's
// reflections and commitments added to what was said before.
func viewPast(s *State, in *Intentions, memberID string) []pastView {
	past := s.Journeys[memberID]
	out := make([]pastView, 0, len(past))
	for _, p := range past {
		pv := pastView{ID: p.ID, SessionTitle: p.SessionTitle, SetAt: millis(p.SetAt), Text: p.Text,
			Reflections: []reflectionView{}, Commitments: []commitmentView{}}
		for _, r := range p.Reflections {
			pv.Reflections = append(pv.Reflections, reflectionView{SessionTitle: r.SessionTitle, Outcome: r.Outcome, At: millis(r.At)})
		}
		for _, c := range p.Commitments {
			pv.Commitments = append(pv.Commitments, commitmentView{IntentionID: p.ID, IntentionText: p.Text,
				SessionTitle: c.SessionTitle, Step: c.Step, At: millis(c.At)})
		}
		if r, ok := in.Reflections[p.ID]; ok && r.MemberID == memberID {
			pv.Reflection = r.Outcome
		}
		out = append(out, pv)
	}
	return out
}

// viewCommitment returns the member's commitment in this activity, or nil.
func viewCommitment(s *State, in *Intentions, memberID string) *commitmentView {
	c, ok := in.Commitments[memberID]
	if !ok {
		return nil
	}
	text := ""
	if w, ok := in.Written[memberID]; ok && w.ID == c.IntentionID {
		text = w.Text
	} else if p, ok := s.pastOf(memberID, c.IntentionID); ok {
		text = p.Text
	}
	return &commitmentView{IntentionID: c.IntentionID, IntentionText: text, Step: c.Step, At: millis(c.At)}
}

// lastCommitments returns the commitments of the latest earlier session in
// which the member made any: the steps they said they would take, to check
// back on.
func lastCommitments(s *State, memberID string) []commitmentView {
	var latest PastCommitment
	for _, p := range s.Journeys[memberID] {
		for _, c := range p.Commitments {
			if c.At.After(latest.At) {
				latest = c
			}
		}
	}
	if latest.SessionID == "" {
		return nil
	}
	var out []commitmentView
	for _, p := range s.Journeys[memberID] {
		for _, c := range p.Commitments {
			if c.SessionID == latest.SessionID {
				out = append(out, commitmentView{IntentionID: p.ID, IntentionText: p.Text,
					SessionTitle: c.SessionTitle, Step: c.Step, At: millis(c.At)})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].At < out[j].At })
	return out
}

// mine returns the member's own part of the running intentions activity, or
// nil when they have none (no intention, no step, no past).
func (in *Intentions) mine(s *State, memberID string) (string, any) {
	v := &myIntentionsView{ActivityID: in.ID, Commitment: viewCommitment(s, in, memberID), Held: slices.Contains(in.Held, memberID)}
	if w, ok := in.Written[memberID]; ok {
		iv := viewIntention(s, w, false)
		v.Intention = &iv
	}
	if len(s.Journeys[memberID]) > 0 {
		v.Past = viewPast(s, in, memberID)
		v.LastCommitments = lastCommitments(s, memberID)
	}
	if v.Intention == nil && v.Commitment == nil && len(v.Past) == 0 {
		return "", nil
	}
	return "intentions", v
}

// --- afterwards --------------------------------------------------------------

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

func (in *Intentions) section(s *State, _ []Activity) any {
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

func (in *Intentions) moment(s *State, memberID string) any {
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

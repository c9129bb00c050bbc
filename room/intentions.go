package room

import (
	"crypto/sha256"
	"encoding/json"
	"slices"
	"sort"
	"strings"
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
// to the participant who wrote it; view.go decides who sees what.
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
func BuildJourneys(earlier []State, roster []Member) map[string][]PastIntention {
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
	out := map[string][]PastIntention{}
	where := map[string]at{} // intention ID → its place in out
	for _, s := range rooms {
		acts := slices.Clone(s.History)
		if s.Current != nil {
			acts = append(acts, *s.Current)
		}
		for _, a := range acts {
			in := a.Intentions
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

// intentionSettings checks the settings of an intentions item into out.
func intentionSettings(it Item, out *Item) error {
	switch it.Reveal {
	case RevealNamed, RevealAnonymous:
		out.Reveal = it.Reveal
	default:
		return errorf(CodeInvalid, "Choose whether intentions are revealed with names or anonymously.")
	}
	out.Commitment = it.Commitment
	return nil
}

func newIntentions(id string, it Item, now time.Time) *Intentions {
	return &Intentions{
		ID: id, Prompt: it.Prompt, Reveal: it.Reveal, Commitment: it.Commitment, StartedAt: now,
		Written: map[string]Intention{}, Reflections: map[string]Reflection{}, Commitments: map[string]Commitment{},
	}
}

func (in *Intentions) clone() *Intentions {
	c := *in
	c.Written = cloneMap(in.Written)
	c.Reflections = cloneMap(in.Reflections)
	c.Commitments = cloneMap(in.Commitments)
	return &c
}

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
	if s.Current == nil || s.Current.Intentions == nil {
		return nil, errorf(CodeClosed, "There is no intentions activity now.")
	}
	return s.Current.Intentions, nil
}

// intentionWrite sets or changes the participant's intention. It is taken
// after the reveal too: someone still typing when the facilitator revealed
// joins the shown set when they send.
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
	text := strings.TrimSpace(msg.Text)
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
	next.Current.Intentions.Written[actor.ID] = w
	return next, Change{Activity: true, Mine: actor.ID}, nil
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
	next.Current.Intentions.Reflections[msg.IntentionID] = Reflection{
		IntentionID: msg.IntentionID, MemberID: actor.ID, Outcome: msg.Outcome, At: now,
	}
	// Facilitators follow each journey in their view of the activity.
	return next, Change{Activity: true, Mine: actor.ID}, nil
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
	step := strings.TrimSpace(msg.Step)
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
	next.Current.Intentions.Commitments[actor.ID] = c
	return next, Change{Activity: true, Mine: actor.ID}, nil
}

func intentionReveal(s State, now time.Time, actor Member) (State, Change, error) {
	if err := requireFacilitator(actor); err != nil {
		return s, Change{}, err
	}
	if s.Current == nil || s.Current.Intentions == nil {
		return s, Change{}, errorf(CodeClosed, "There is no intentions activity now.")
	}
	if s.Current.Intentions.Revealed {
		return s, Change{}, errorf(CodeClosed, "The intentions are revealed already.")
	}
	next := s.clone()
	next.Current.Intentions.Revealed = true
	next.Current.Intentions.RevealedAt = now
	return next, Change{Activity: true}, nil
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
}

func viewIntentions(s *State, role Role) *intentionsView {
	in := s.Current.Intentions
	v := &intentionsView{
		ID: in.ID, Kind: string(KindIntentions), ItemID: s.Current.ItemID, Prompt: in.Prompt,
		Reveal: in.Reveal, Commitment: in.Commitment, Revealed: in.Revealed, StartedAt: millis(in.StartedAt),
		WrittenCount: len(in.Written), Expected: s.Expected(),
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
		ks = append(ks, keyed{sha256.Sum256([]byte(in.ID + "\x00" + w.ID)), w.Text})
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

// viewMyIntentions returns the member's own part of the running intentions
// activity, or nil when they have none (no intention, no step, no past).
func viewMyIntentions(s *State, memberID string) *myIntentionsView {
	in := s.Current.Intentions
	v := &myIntentionsView{ActivityID: in.ID, Commitment: viewCommitment(s, in, memberID)}
	if w, ok := in.Written[memberID]; ok {
		iv := viewIntention(s, w, false)
		v.Intention = &iv
	}
	if len(s.Journeys[memberID]) > 0 {
		v.Past = viewPast(s, in, memberID)
		v.LastCommitments = lastCommitments(s, memberID)
	}
	if v.Intention == nil && v.Commitment == nil && len(v.Past) == 0 {
		return nil
	}
	return v
}

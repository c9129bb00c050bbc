package room

import (
	"encoding/json"
	"sort"
	"time"
)

// This file decides what each member may see. Every byte that leaves the room
// toward a member is built here, from the committed state and the member's
// role; nothing else in Hearth chooses what a client receives.

type memberView struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Role     Role     `json:"role"`
	Presence Presence `json:"presence"`
}

// MinAnonymous is the number of answers an anonymous aggregate needs before
// participants see it.
const MinAnonymous = 3

type answerView struct {
	MemberID string  `json:"memberId"`
	Name     string  `json:"name"`
	Scale    int     `json:"scale"`
	State    Arousal `json:"state"`
	Feeling  string  `json:"feeling"`
	Note     string  `json:"note"`
	At       int64   `json:"at"`
}

type aggregateView struct {
	Count        int             `json:"count"`
	ScaleAverage float64         `json:"scaleAverage"`
	States       map[Arousal]int `json:"states"`
}

type activityView struct {
	ID            string         `json:"id"`
	Kind          string         `json:"kind"`
	ItemID        string         `json:"itemId"`
	Prompt        string         `json:"prompt"`
	Visibility    Visibility     `json:"visibility"`
	Open          bool           `json:"open"`
	StartedAt     int64          `json:"startedAt"`
	AnsweredCount int            `json:"answeredCount"`
	Expected      int            `json:"expected"`
	Answered      []string       `json:"answered,omitempty"`
	Answers       []answerView   `json:"answers,omitempty"`
	Aggregate     *aggregateView `json:"aggregate,omitempty"`
}

type mineView struct {
	Answer *answerView `json:"answer,omitempty"`
	Word   *wordView   `json:"word,omitempty"`
	// Intentions is a participant's own part of an intentions activity.
	Intentions *myIntentionsView `json:"intentions,omitempty"`
	Circle     *circleMineView   `json:"circle,omitempty"`
}

type groundingView struct {
	ID         string  `json:"id"`
	Kind       string  `json:"kind"`
	ItemID     string  `json:"itemId"`
	Seconds    int     `json:"seconds"`
	Breath     *Breath `json:"breath"`
	StartedAt  int64   `json:"startedAt"`
	EndsAt     int64   `json:"endsAt"`
	Paused     bool    `json:"paused"`
	Remaining  int64   `json:"remaining"`
	CycleStart int64   `json:"cycleStart"`
	PausedAt   int64   `json:"pausedAt"`
}

type wordView struct {
	MemberID string  `json:"memberId,omitempty"`
	Name     string  `json:"name,omitempty"`
	Word     string  `json:"word"`
	State    Arousal `json:"state,omitempty"`
	// Arrival is how the member arrived (their latest check-in state this
	// session), for facilitators to compare with how they leave.
	Arrival Arousal `json:"arrival,omitempty"`
	At      int64   `json:"at"`
}

type checkOutView struct {
	ID            string      `json:"id"`
	Kind          string      `json:"kind"`
	ItemID        string      `json:"itemId"`
	Prompt        string      `json:"prompt"`
	ClosingCheck  bool        `json:"closingCheck"`
	Revealed      bool        `json:"revealed"`
	StartedAt     int64       `json:"startedAt"`
	AnsweredCount int         `json:"answeredCount"`
	Expected      int         `json:"expected"`
	Words         []wordView  `json:"words,omitempty"`
	Cloud         []CloudWord `json:"cloud,omitempty"`
}

// itemView is an agenda item as a participant sees it: where the group is,
// not what the facilitator has planned to ask.
type itemView struct {
	ID     string     `json:"id"`
	Kind   Kind       `json:"kind"`
	Title  string     `json:"title,omitempty"`
	Status ItemStatus `json:"status"`
}

type roomView struct {
	SessionID string       `json:"sessionId"`
	Title     string       `json:"title"`
	Cohort    string       `json:"cohort"`
	VideoURL  string       `json:"videoUrl"`
	Status    Status       `json:"status"`
	Members   []memberView `json:"members"`
	Agenda    any          `json:"agenda"`
	Activity  any          `json:"activity"`
	Mine      mineView     `json:"mine"`
}

type snapshotMessage struct {
	Type       string     `json:"type"`
	Version    uint64     `json:"version"`
	ServerTime int64      `json:"serverTime"`
	You        memberView `json:"you"`
	Room       roomView   `json:"room"`
}

// eventMessage is an event without its agenda and activity, which
// encodeChange appends to the encoded object: "agenda" and "activity" (null
// while gathering) when they changed.
type eventMessage struct {
	Type       string      `json:"type"`
	Version    uint64      `json:"version"`
	ServerTime int64       `json:"serverTime"`
	Member     *memberView `json:"member,omitempty"`
	Mine       *mineView   `json:"mine,omitempty"`
	Status     Status      `json:"status,omitempty"`
}

func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func viewMember(m Member) memberView {
	return memberView{ID: m.ID, Name: m.Name, Role: m.Role, Presence: m.Presence}
}

func viewAnswer(s *State, a Answer) answerView {
	m, _ := s.Member(a.MemberID)
	return answerView{
		MemberID: a.MemberID, Name: m.Name, Scale: a.Scale, State: a.State,
		Feeling: a.Feeling, Note: a.Note, At: millis(a.At),
	}
}

// viewAgenda returns the agenda as a member of role may see it.
func viewAgenda(s *State, role Role) any {
	if role == Facilitator {
		if s.Agenda == nil {
			return []Item{}
		}
		return s.Agenda
	}
	out := make([]itemView, len(s.Agenda))
	for i, it := range s.Agenda {
		out[i] = itemView{ID: it.ID, Kind: it.Kind, Title: it.Title, Status: it.Status}
	}
	return out
}

// viewActivity returns the current activity as a member of role may see it,
// or nil while the room is gathering.
func viewActivity(s *State, role Role) any {
	switch {
	case s.Current == nil:
		return nil
	case s.Current.Grounding != nil:
		return viewGrounding(s.Current)
	case s.Current.CheckOut != nil:
		return viewCheckOut(s, role)
	case s.Current.CheckIn != nil:
		return viewCheckIn(s, role)
	case s.Current.Intentions != nil:
		return viewIntentions(s, role)
	case s.Current.Circle != nil:
		return viewCircle(s)
	}
	return nil
}

func viewGrounding(a *Activity) *groundingView {
	g := a.Grounding
	return &groundingView{
		ID: g.ID, Kind: string(KindGrounding), ItemID: a.ItemID, Seconds: g.Seconds, Breath: g.Breath,
		StartedAt: millis(g.StartedAt), EndsAt: millis(g.EndsAt), Paused: g.Paused,
		Remaining: g.Remaining.Milliseconds(), CycleStart: millis(g.CycleStart), PausedAt: millis(g.PausedAt),
	}
}

func viewCheckOut(s *State, role Role) *checkOutView {
	co := s.Current.CheckOut
	v := &checkOutView{
		ID: co.ID, Kind: string(KindCheckOut), ItemID: s.Current.ItemID, Prompt: co.Prompt,
		ClosingCheck: co.ClosingCheck, Revealed: co.Revealed, StartedAt: millis(co.StartedAt),
		AnsweredCount: len(co.Words), Expected: s.Expected(),
	}
	if role == Facilitator {
		v.Words = make([]wordView, 0, len(co.Words))
		for _, w := range co.Words {
			m, _ := s.Member(w.MemberID)
			v.Words = append(v.Words, wordView{MemberID: w.MemberID, Name: m.Name, Word: w.Word, State: w.State,
				Arrival: arrival(s, w.MemberID), At: millis(w.At)})
		}
		sort.Slice(v.Words, func(i, j int) bool {
			if v.Words[i].At != v.Words[j].At {
				return v.Words[i].At < v.Words[j].At
			}
			return v.Words[i].MemberID < v.Words[j].MemberID
		})
	}
	// Words without names: the cloud tells nobody who chose what.
	if role == Facilitator || co.Revealed {
		v.Cloud = co.Cloud()
	}
	return v
}

// arrival returns the member's state in the session's latest check-in they
// answered, or "".
func arrival(s *State, memberID string) Arousal {
	for i := len(s.History) - 1; i >= 0; i-- {
		if ci := s.History[i].CheckIn; ci != nil {
			if a, ok := ci.Answers[memberID]; ok {
				return a.State
			}
		}
	}
	return ""
}

func viewCheckIn(s *State, role Role) *activityView {
	ci := s.Current.CheckIn
	v := &activityView{
		ID:            ci.ID,
		Kind:          "checkin",
		ItemID:        s.Current.ItemID,
		Prompt:        ci.Prompt,
		Visibility:    ci.Visibility,
		Open:          ci.Open,
		StartedAt:     millis(ci.StartedAt),
		AnsweredCount: len(ci.Answers),
		Expected:      s.Expected(),
	}
	seesAnswers := role == Facilitator || ci.Visibility == VisibleToGroup
	// With one or two answers an "anonymous" aggregate would give away who
	// said what, so participants see it from MinAnonymous answers on.
	seesAggregate := seesAnswers || (ci.Visibility == Anonymous && len(ci.Answers) >= MinAnonymous)
	if seesAnswers {
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
	}
	if seesAggregate {
		agg := &aggregateView{States: map[Arousal]int{Hypo: 0, Within: 0, Hyper: 0}}
		sum := 0
		for _, a := range ci.Answers {
			agg.Count++
			sum += a.Scale
			agg.States[a.State]++
		}
		if agg.Count > 0 {
			agg.ScaleAverage = float64(sum) / float64(agg.Count)
		}
		v.Aggregate = agg
	}
	return v
}

// viewMine returns the member's own contributions to the current activity.
func viewMine(s *State, memberID string) mineView {
	switch {
	case s.Current == nil:
	case s.Current.CheckIn != nil:
		if a, ok := s.Current.CheckIn.Answers[memberID]; ok {
			av := viewAnswer(s, a)
			return mineView{Answer: &av}
		}
	case s.Current.CheckOut != nil:
		if w, ok := s.Current.CheckOut.Words[memberID]; ok {
			return mineView{Word: &wordView{Word: w.Word, State: w.State, At: millis(w.At)}}
		}
	case s.Current.Intentions != nil:
		return mineView{Intentions: viewMyIntentions(s, memberID)}
	case s.Current.Circle != nil:
		return mineView{Circle: viewCircleMine(s.Current.Circle, memberID)}
	}
	return mineView{}
}

// snapshot encodes the whole room as the member may see it.
func snapshot(s *State, m Member, now time.Time) []byte {
	members := make([]memberView, len(s.Members))
	for i, mm := range s.Members {
		members[i] = viewMember(mm)
	}
	msg := snapshotMessage{
		Type:       "snapshot",
		Version:    s.Version,
		ServerTime: now.UnixMilli(),
		You:        viewMember(m),
		Room: roomView{
			SessionID: s.SessionID,
			Title:     s.Title,
			Cohort:    s.Cohort,
			VideoURL:  s.VideoURL,
			Status:    s.Status,
			Members:   members,
			Agenda:    viewAgenda(s, m.Role),
			Activity:  viewActivity(s, m.Role),
			Mine:      viewMine(s, m.ID),
		},
	}
	return mustJSON(msg)
}

// fanout holds the encoded event of one change for each audience. Each
// message is encoded once and shared by every member of its audience, so the
// cost of a change does not grow with the room's size beyond one queue send
// per member.
type fanout struct {
	facilitators *Message
	participants *Message
	mineFor      string // this member gets mine instead of its audience's message
	mine         *Message
	// mines holds the messages of members whose own part came with the
	// change itself (an activity that starts with something of theirs).
	mines map[string]*Message
}

// messageTo returns the message m is sent.
func (f *fanout) messageTo(m Member) *Message {
	if m.ID == f.mineFor && f.mine != nil {
		return f.mine
	}
	if msg, ok := f.mines[m.ID]; ok {
		return msg
	}
	if m.Role == Facilitator {
		return f.facilitators
	}
	return f.participants
}

// track makes every message of the change report to fan when written.
func (f *fanout) track(fan *fanTrack) {
	f.facilitators.fan, f.participants.fan = fan, fan
	if f.mine != nil {
		f.mine.fan = fan
	}
	for _, msg := range f.mines {
		msg.fan = fan
	}
}

// encodeChange builds the event messages of a committed change.
func encodeChange(s *State, ch Change, now time.Time) fanout {
	base := eventMessage{Type: "event", Version: s.Version, ServerTime: now.UnixMilli(), Status: ""}
	if ch.Status {
		base.Status = s.Status
	}
	if len(ch.Members) > 0 {
		if m, ok := s.Member(ch.Members[0]); ok {
			mv := viewMember(m)
			base.Member = &mv
		}
	}
	// The agenda and the activity are encoded once per role and appended
	// to each message as they are: as json.RawMessage fields they were
	// scanned again by every message that carried them, and encoded again
	// for each member's own message.
	type parts struct{ agenda, activity []byte }
	var byRole map[Role]parts
	partsFor := func(role Role) parts {
		p, ok := byRole[role]
		if !ok {
			if ch.Activity {
				p.activity = mustJSON(viewActivity(s, role))
			}
			if ch.Agenda {
				p.agenda = mustJSON(viewAgenda(s, role))
			}
			if byRole == nil {
				byRole = make(map[Role]parts, 2)
			}
			byRole[role] = p
		}
		return p
	}
	build := func(role Role, mineFor string) *Message {
		msg := base
		if mineFor != "" {
			mv := viewMine(s, mineFor)
			msg.Mine = &mv
		}
		b := mustJSON(msg)
		if !ch.Activity && !ch.Agenda {
			return &Message{Data: b}
		}
		p := partsFor(role)
		out := make([]byte, 0, len(b)+len(p.agenda)+len(p.activity)+len(`,"agenda":,"activity":`))
		out = append(out, b[:len(b)-1]...) // b ends with '}'
		if ch.Agenda {
			out = append(append(out, `,"agenda":`...), p.agenda...)
		}
		if ch.Activity {
			out = append(append(out, `,"activity":`...), p.activity...)
		}
		return &Message{Data: append(out, '}')}
	}
	f := fanout{
		facilitators: build(Facilitator, ""),
		participants: build(Participant, ""),
	}
	if ch.Mine != "" {
		if m, ok := s.Member(ch.Mine); ok {
			f.mineFor = m.ID
			f.mine = build(m.Role, m.ID)
		}
	}
	// An intentions activity starts (its item runs: the agenda changes with
	// it) with each participant's own past, which no shared message may
	// carry: those who have one get a message of their own.
	if ch.Activity && ch.Agenda && s.Current != nil && s.Current.Intentions != nil {
		for _, m := range s.Members {
			if m.Role == Participant && m.ID != f.mineFor && viewMine(s, m.ID).Intentions != nil {
				if f.mines == nil {
					f.mines = make(map[string]*Message)
				}
				f.mines[m.ID] = build(Participant, m.ID)
			}
		}
	}
	return f
}

// ackMessage and errorMessage are the replies to the sender of an action.
type ackMessage struct {
	Type      string `json:"type"`
	ID        string `json:"id"`
	Version   uint64 `json:"version"`
	Duplicate bool   `json:"duplicate,omitempty"`
}

type errorMessage struct {
	Type    string `json:"type"`
	ID      string `json:"id"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// ErrorMessage encodes an error reply for the client.
func ErrorMessage(actionID, code, message string) []byte {
	return mustJSON(errorMessage{Type: "error", ID: actionID, Code: code, Message: message})
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Only our own view types are encoded here; they cannot fail.
		panic("room: encode view: " + err.Error())
	}
	return b
}

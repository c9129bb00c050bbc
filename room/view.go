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
}

type roomView struct {
	SessionID string        `json:"sessionId"`
	Title     string        `json:"title"`
	Cohort    string        `json:"cohort"`
	VideoURL  string        `json:"videoUrl"`
	Status    Status        `json:"status"`
	Members   []memberView  `json:"members"`
	Activity  *activityView `json:"activity"`
	Mine      mineView      `json:"mine"`
}

type snapshotMessage struct {
	Type       string     `json:"type"`
	Version    uint64     `json:"version"`
	ServerTime int64      `json:"serverTime"`
	You        memberView `json:"you"`
	Room       roomView   `json:"room"`
}

type eventMessage struct {
	Type       string          `json:"type"`
	Version    uint64          `json:"version"`
	ServerTime int64           `json:"serverTime"`
	Member     *memberView     `json:"member,omitempty"`
	Activity   json.RawMessage `json:"activity,omitempty"` // "null" while gathering
	Mine       *mineView       `json:"mine,omitempty"`
	Status     Status          `json:"status,omitempty"`
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

// viewActivity returns the current activity as a member of role may see it,
// or nil while the room is gathering.
func viewActivity(s *State, role Role) *activityView {
	if s.Current == nil || s.Current.CheckIn == nil {
		return nil
	}
	ci := s.Current.CheckIn
	v := &activityView{
		ID:            ci.ID,
		Kind:          "checkin",
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
	if s.Current == nil || s.Current.CheckIn == nil {
		return mineView{}
	}
	a, ok := s.Current.CheckIn.Answers[memberID]
	if !ok {
		return mineView{}
	}
	av := viewAnswer(s, a)
	return mineView{Answer: &av}
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
	facilitators []byte
	participants []byte
	mineFor      string // this member gets mine instead of its audience's message
	mine         []byte
}

func (f *fanout) messageFor(m Member) []byte {
	if m.ID == f.mineFor && f.mine != nil {
		return f.mine
	}
	if m.Role == Facilitator {
		return f.facilitators
	}
	return f.participants
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
	build := func(role Role, mineFor string) []byte {
		msg := base
		if ch.Activity {
			msg.Activity = mustJSON(viewActivity(s, role))
		}
		if mineFor != "" {
			mv := viewMine(s, mineFor)
			msg.Mine = &mv
		}
		return mustJSON(msg)
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

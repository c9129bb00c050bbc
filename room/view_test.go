package room

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// The answers of the visibility tests. Their words are unique, so finding
// one anywhere in the bytes a member receives means it leaked.
var (
	samAnswer = Answer{MemberID: "p1", Scale: 6, State: Within, Feeling: "feeling-of-sam", Note: "note-of-sam: my sister called", At: t0.Add(2 * time.Minute)}
	kimAnswer = Answer{MemberID: "p2", Scale: 3, State: Hypo, Feeling: "feeling-of-kim", Note: "note-of-kim: I did not sleep", At: t0.Add(3 * time.Minute)}
)

func wantWire(a Answer, name string) wireAnswer {
	return wireAnswer{
		MemberID: a.MemberID, Name: name, Scale: a.Scale, State: string(a.State),
		Feeling: a.Feeling, Note: a.Note, At: a.At.UnixMilli(),
	}
}

// viewer is a member looking at the room, with what they must and must not
// see of the others.
type viewer struct {
	id     string
	mine   *Answer  // their own answer, shown in mine
	hidden []Answer // answers whose words they may not receive, unless visible
}

// activityKeys returns the activity object of a message as keys, so a
// missing field can be told from an empty one.
func activityKeys(tb testing.TB, raw json.RawMessage) map[string]json.RawMessage {
	tb.Helper()
	var keys map[string]json.RawMessage
	if err := json.Unmarshal(raw, &keys); err != nil {
		tb.Fatalf("decode activity %s: %v", raw, err)
	}
	return keys
}

// checkActivity checks a check-in as the viewer received it. raw is the
// whole message the viewer received.
func checkActivity(t testing.TB, vis Visibility, v viewer, role Role, raw []byte, act *wireActivity, actRaw json.RawMessage, mine *wireMine) {
	t.Helper()
	if act == nil {
		t.Fatalf("got no activity in %s", raw)
	}
	if act.Kind != "checkin" || act.ID != "ci-1" || act.Prompt != "How are you arriving?" || act.Visibility != string(vis) || !act.Open {
		t.Errorf("got activity %+v, want the open check-in ci-1 with visibility %s", act, vis)
	}
	if act.StartedAt != t0.Add(time.Minute).UnixMilli() {
		t.Errorf("got startedAt %d, want %d", act.StartedAt, t0.Add(time.Minute).UnixMilli())
	}
	if act.AnsweredCount != 2 || act.Expected != 3 {
		t.Errorf("got answeredCount %d expected %d, want 2 and 3", act.AnsweredCount, act.Expected)
	}

	seesAnswers := role == Facilitator || vis == VisibleToGroup
	// The fixture has two answers: fewer than MinAnonymous, so a
	// participant sees no aggregate of an anonymous check-in yet.
	seesAggregate := seesAnswers
	keys := activityKeys(t, actRaw)

	if seesAnswers {
		want := []wireAnswer{wantWire(samAnswer, "Sam"), wantWire(kimAnswer, "Kim")}
		if !reflect.DeepEqual(act.Answers, want) {
			t.Errorf("got answers %+v, want %+v", act.Answers, want)
		}
		if want := []string{"p1", "p2"}; !reflect.DeepEqual(act.Answered, want) {
			t.Errorf("got answered %v, want %v", act.Answered, want)
		}
	} else {
		for _, k := range []string{"answers", "answered"} {
			if _, ok := keys[k]; ok {
				t.Errorf("a participant got %q in a %s check-in: %s", k, vis, actRaw)
			}
		}
		// Not in the activity, not in mine, not anywhere.
		for _, a := range v.hidden {
			for _, word := range []string{a.Note, a.Feeling} {
				if bytes.Contains(raw, []byte(word)) {
					t.Errorf("%s received %s's %q in a %s check-in: %s", v.id, a.MemberID, word, vis, raw)
				}
			}
		}
	}

	if seesAggregate {
		want := &wireAggregate{Count: 2, ScaleAverage: 4.5, States: map[string]int{"hypo": 1, "within": 1, "hyper": 0}}
		if !reflect.DeepEqual(act.Aggregate, want) {
			t.Errorf("got aggregate %+v, want %+v", act.Aggregate, want)
		}
	} else if _, ok := keys["aggregate"]; ok {
		t.Errorf("a participant got the aggregate of a %s check-in: %s", vis, actRaw)
	}

	if v.mine != nil {
		name := map[string]string{"p1": "Sam", "p2": "Kim"}[v.id]
		want := wantWire(*v.mine, name)
		if mine == nil || mine.Answer == nil || *mine.Answer != want {
			t.Errorf("got mine %+v, want the answer %+v", mine, want)
		}
	}
}

// visibilityState is a room with a facilitator and three participants, all
// present, and a check-in that Sam and Kim answered and Lee did not.
func visibilityState(vis Visibility) State {
	s := withCheckIn(vis, true, samAnswer, kimAnswer)
	s.Version = 12
	return s
}

type looker struct {
	name string
	role Role
	v    viewer
}

// viewers returns who looks at the room in the visibility tests.
func viewers() []looker {
	sam, kim := samAnswer, kimAnswer
	return []looker{
		{"the facilitator", Facilitator, viewer{id: "f1"}},
		{"the participant who answered", Participant, viewer{id: "p1", mine: &sam, hidden: []Answer{kimAnswer}}},
		{"the other participant who answered", Participant, viewer{id: "p2", mine: &kim, hidden: []Answer{samAnswer}}},
		{"a participant who did not answer", Participant, viewer{id: "p3", hidden: []Answer{samAnswer, kimAnswer}}},
	}
}

func TestSnapshotVisibility(t *testing.T) {
	at := t0.Add(20 * time.Minute)
	for _, vis := range []Visibility{VisibleToGroup, VisibleToFacilitators, Anonymous} {
		s := visibilityState(vis)
		for _, w := range viewers() {
			t.Run(string(vis)+": "+w.name, func(t *testing.T) {
				m, _ := s.Member(w.v.id)
				raw := snapshot(&s, m, at)
				msg := decodeMsg(t, raw)
				if msg.Type != "snapshot" || msg.Version != 12 || msg.ServerTime != at.UnixMilli() {
					t.Errorf("got type %q version %d serverTime %d, want snapshot 12 %d", msg.Type, msg.Version, msg.ServerTime, at.UnixMilli())
				}
				if msg.You == nil || msg.You.ID != w.v.id || msg.You.Role != string(w.role) {
					t.Errorf("got you %+v, want %s (%s)", msg.You, w.v.id, w.role)
				}
				if msg.Room == nil {
					t.Fatalf("got no room in %s", raw)
				}
				if len(msg.Room.Members) != 4 {
					t.Errorf("got %d members, want 4", len(msg.Room.Members))
				}
				var room struct {
					Activity json.RawMessage `json:"activity"`
					Mine     json.RawMessage `json:"mine"`
				}
				if err := json.Unmarshal(msg.keys["room"], &room); err != nil {
					t.Fatal(err)
				}
				checkActivity(t, vis, w.v, w.role, raw, msg.Room.Activity, room.Activity, msg.Room.Mine)
				if w.v.mine == nil && string(room.Mine) != "{}" {
					t.Errorf("got mine %s, want {}", room.Mine)
				}
			})
		}
	}
}

func TestEventVisibility(t *testing.T) {
	at := t0.Add(20 * time.Minute)
	for _, vis := range []Visibility{VisibleToGroup, VisibleToFacilitators, Anonymous} {
		// Sam's answer is the change: Sam gets mine, everyone the activity.
		s := withCheckIn(vis, true, kimAnswer)
		s.Version = 11
		next, ch, err := Apply(s, samAnswer.At, "p1", Command{Type: TypeCheckInAnswer, ID: "a-1",
			Data: answer(samAnswer.Scale, samAnswer.State, samAnswer.Feeling, samAnswer.Note)})
		if err != nil {
			t.Fatal(err)
		}
		f := newFanout(next.Version, at, ch.parts, nil)
		for _, w := range viewers() {
			t.Run(string(vis)+": "+w.name, func(t *testing.T) {
				m, _ := next.Member(w.v.id)
				raw := f.messageFor(m)
				msg := decodeMsg(t, raw)
				if msg.Type != "event" || msg.Version != 12 || msg.ServerTime != at.UnixMilli() {
					t.Errorf("got type %q version %d serverTime %d, want event 12 %d", msg.Type, msg.Version, msg.ServerTime, at.UnixMilli())
				}
				if msg.has("member") || msg.has("status") || msg.has("agenda") {
					t.Errorf("got member, status or agenda in an answer's event: %s", raw)
				}
				v := w.v
				if v.id != "p1" {
					// Only the one whose answer changed gets mine.
					v.mine = nil
					if msg.has("mine") {
						t.Errorf("%s got mine in another member's event: %s", v.id, raw)
					}
				}
				checkActivity(t, vis, v, w.role, raw, msg.Activity, msg.keys["activity"], msg.Mine)
			})
		}
	}
}

// eventOf applies cmd from actor to s and returns the event it fans out.
func eventOf(tb testing.TB, s State, at time.Time, actor string, cmd Command) (State, *fanout) {
	tb.Helper()
	next, ch, err := Apply(s, at, actor, cmd)
	if err != nil {
		tb.Fatalf("%s by %s: %v", cmd.Type, actor, err)
	}
	return next, newFanout(next.Version, at, ch.parts, nil)
}

func TestEventParts(t *testing.T) {
	at := t0.Add(20 * time.Minute)
	t.Run("a presence change carries only the member", func(t *testing.T) {
		s, ch, ok := setPresence(gathering(), at, "p3", Reconnecting)
		if !ok {
			t.Fatal("the presence did not change")
		}
		f := newFanout(s.Version, at, ch.parts, nil)
		for _, id := range []string{"f1", "p1", "p3"} {
			m, _ := s.Member(id)
			msg := decodeMsg(t, f.messageFor(m))
			want := &wireMember{ID: "p3", Name: "Lee", Role: "participant", Presence: "reconnecting"}
			if !reflect.DeepEqual(msg.Member, want) {
				t.Errorf("%s: got member %+v, want %+v", id, msg.Member, want)
			}
			for _, k := range []string{"activity", "mine", "status", "agenda"} {
				if msg.has(k) {
					t.Errorf("%s: got %q in a presence event: %s", id, k, msg.raw)
				}
			}
		}
	})
	t.Run("a presence change during an activity carries the activity's count", func(t *testing.T) {
		s, ch, ok := setPresence(withCheckIn(VisibleToFacilitators, true, samAnswer, kimAnswer), at, "p3", Reconnecting)
		if !ok {
			t.Fatal("the presence did not change")
		}
		f := newFanout(s.Version, at, ch.parts, nil)
		for _, id := range []string{"f1", "p1", "p3"} {
			m, _ := s.Member(id)
			msg := decodeMsg(t, f.messageFor(m))
			if msg.Member == nil || msg.Member.ID != "p3" || msg.Activity == nil || msg.Activity.Expected != 3 {
				t.Errorf("%s: got %s, want Lee reconnecting and the check-in still waiting for 3", id, msg.raw)
			}
			if id != "f1" && bytes.Contains(msg.raw, []byte(kimAnswer.Note)) {
				t.Errorf("%s: got Kim's answer in a presence event: %s", id, msg.raw)
			}
		}
	})
	t.Run("an ended activity is null", func(t *testing.T) {
		s, f := eventOf(t, withCheckIn(VisibleToGroup, true), at, "f1", Command{Type: TypeActivityEnd})
		for _, id := range []string{"f1", "p1"} {
			m, _ := s.Member(id)
			msg := decodeMsg(t, f.messageFor(m))
			if got := string(msg.keys["activity"]); got != "null" {
				t.Errorf("%s: got activity %s, want null", id, got)
			}
		}
	})
	t.Run("closing carries the status", func(t *testing.T) {
		s, f := eventOf(t, withCheckIn(VisibleToGroup, true), at, "f1", Command{Type: TypeRoomClose})
		for _, id := range []string{"f1", "p1"} {
			m, _ := s.Member(id)
			msg := decodeMsg(t, f.messageFor(m))
			if msg.Status != "closed" || string(msg.keys["activity"]) != "null" {
				t.Errorf("%s: got status %q and activity %s, want closed and null", id, msg.Status, msg.keys["activity"])
			}
		}
	})
	t.Run("a gathering room's snapshot has a null activity and an empty mine", func(t *testing.T) {
		s := gathering()
		m, _ := s.Member("p1")
		msg := decodeMsg(t, snapshot(&s, m, at))
		var room map[string]json.RawMessage
		if err := json.Unmarshal(msg.keys["room"], &room); err != nil {
			t.Fatal(err)
		}
		if string(room["activity"]) != "null" || string(room["mine"]) != "{}" {
			t.Errorf("got activity %s and mine %s, want null and {}", room["activity"], room["mine"])
		}
	})
}

// TestAnonymousAggregate checks the aggregate of an anonymous check-in as
// each role sees it: facilitators every answer live, participants only the
// aggregate last shown (see TestApplyCheckInAnswerAnonymous for when it is).
func TestAnonymousAggregate(t *testing.T) {
	sam := Answer{MemberID: "p1", Scale: 0, State: Hypo, At: t0}
	kim := Answer{MemberID: "p2", Scale: 10, State: Hyper, At: t0}
	lee := Answer{MemberID: "p3", Scale: 8, State: Hyper, At: t0}
	samLater := Answer{MemberID: "p1", Scale: 5, State: Within, At: t0.Add(time.Minute)}
	three := &wireAggregate{Count: 3, ScaleAverage: 6, States: map[string]int{"hypo": 1, "within": 0, "hyper": 2}}
	// anonymous returns an anonymous check-in of the answers, with shown as
	// the aggregate shown and the members whose answers are new since.
	anonymous := func(stepped bool, shown *Aggregate, unshown []string, answers ...Answer) State {
		s := withCheckIn(Anonymous, true)
		ci := s.Current.CheckIn()
		for _, a := range answers {
			ci.Answers[a.MemberID] = a
		}
		ci.Shown, ci.Stepped = shown, stepped
		if shown != nil {
			include(ci, unshown...)
		}
		return s
	}
	shownThree := &Aggregate{Count: 3, ScaleAverage: 6, States: map[Arousal]int{Hypo: 1, Within: 0, Hyper: 2}}
	tests := []struct {
		name        string
		state       State
		participant *wireAggregate // nil: none
		facilitator *wireAggregate
	}{
		{"no answers yet: hidden", anonymous(true, nil, nil), nil, &wireAggregate{States: map[string]int{"hypo": 0, "within": 0, "hyper": 0}}},
		{
			"two answers: hidden, they would give people away",
			anonymous(true, nil, []string{"p1", "p2"}, sam, kim), nil,
			&wireAggregate{Count: 2, ScaleAverage: 5, States: map[string]int{"hypo": 1, "within": 0, "hyper": 1}},
		},
		{"three answers, shown", anonymous(true, shownThree, []string{}, sam, kim, lee), three, three},
		{
			"an answer changed since: participants see the aggregate as last shown",
			anonymous(true, shownThree, []string{"p1"}, samLater, kim, lee), three,
			&wireAggregate{Count: 3, ScaleAverage: 23.0 / 3, States: map[string]int{"hypo": 0, "within": 1, "hyper": 2}},
		},
		{
			// A check-in stored before Shown was kept showed the aggregate of
			// every answer from MinAnonymous on, and goes on doing so.
			"an earlier check-in with three answers shows them all",
			anonymous(false, nil, nil, samLater, kim, lee),
			&wireAggregate{Count: 3, ScaleAverage: 23.0 / 3, States: map[string]int{"hypo": 0, "within": 1, "hyper": 2}},
			&wireAggregate{Count: 3, ScaleAverage: 23.0 / 3, States: map[string]int{"hypo": 0, "within": 1, "hyper": 2}},
		},
		{
			"an earlier check-in with two answers shows none",
			anonymous(false, nil, nil, sam, kim), nil,
			&wireAggregate{Count: 2, ScaleAverage: 5, States: map[string]int{"hypo": 1, "within": 0, "hyper": 1}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, id := range []string{"p1", "p3", "f1"} {
				m, _ := tc.state.Member(id)
				msg := decodeMsg(t, snapshot(&tc.state, m, t0))
				if msg.Room == nil || msg.Room.Activity == nil {
					t.Fatalf("%s: got no activity in %s", id, msg.raw)
				}
				want := tc.participant
				if m.Role == Facilitator {
					want = tc.facilitator
				}
				if got := msg.Room.Activity.Aggregate; !reflect.DeepEqual(got, want) {
					t.Errorf("%s: got aggregate %+v, want %+v", id, got, want)
				}
			}
		})
	}
}

// messageFor returns the encoded message m is sent.
func (f *fanout) messageFor(m Member) []byte { return f.messageTo(m).Data }

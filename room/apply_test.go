package room

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// now is the time every Apply in this file happens at.
var now = t0.Add(10 * time.Minute)

// gathering returns an open room with everyone present and no activity.
func gathering() State {
	members := roster()
	for i := range members {
		members[i].Presence = Present
		members[i].Since = t0
		members[i].FirstJoined = t0
	}
	return State{
		SessionID: "s1", CohortID: "c1", Title: "Week 1", Cohort: "Tuesday circle",
		Status: Open, Version: 5, OpenedAt: t0,
		Members: members,
		Applied: map[string][]string{"f1": {"f-old"}, "p1": {"p-old"}},
	}
}

// withCheckIn returns a room running a check-in with the given answers.
func withCheckIn(vis Visibility, open bool, answers ...Answer) State {
	s := gathering()
	ci := &CheckIn{
		ID: "ci-1", Prompt: "How are you arriving?", Visibility: vis,
		Open: open, StartedAt: t0.Add(time.Minute), Answers: map[string]Answer{},
	}
	if !open {
		ci.ClosedAt = t0.Add(5 * time.Minute)
	}
	for _, a := range answers {
		ci.Answers[a.MemberID] = a
	}
	s.Current = &Activity{CheckIn: ci}
	return s
}

// withHistory adds a finished check-in to s's history.
func withHistory(s State) State {
	s.History = append(s.History, Activity{CheckIn: &CheckIn{
		ID: "ci-0", Prompt: "Earlier", Visibility: Anonymous,
		StartedAt: t0, ClosedAt: t0.Add(time.Minute),
		Answers: map[string]Answer{"p2": {MemberID: "p2", Scale: 3, State: Hypo, At: t0}},
	}})
	return s
}

func closedRoom() State {
	s := withHistory(gathering())
	s.Status = Closed
	s.ClosedAt = t0.Add(time.Hour)
	return s
}

// deepCopy copies s without the package's clone, so a bug in clone cannot
// hide a mutation from the comparison.
func deepCopy(s State) State {
	c := s
	c.Members = append([]Member(nil), s.Members...)
	copyActivity := func(a Activity) Activity {
		if a.CheckIn == nil {
			return a
		}
		ci := *a.CheckIn
		if a.CheckIn.Answers != nil {
			ci.Answers = make(map[string]Answer, len(a.CheckIn.Answers))
			for k, v := range a.CheckIn.Answers {
				ci.Answers[k] = v
			}
		}
		return Activity{CheckIn: &ci}
	}
	if s.Current != nil {
		a := copyActivity(*s.Current)
		c.Current = &a
	}
	if s.History != nil {
		c.History = make([]Activity, len(s.History))
		for i, a := range s.History {
			c.History[i] = copyActivity(a)
		}
	}
	if s.Applied != nil {
		c.Applied = make(map[string][]string, len(s.Applied))
		for k, v := range s.Applied {
			c.Applied[k] = append([]string(nil), v...)
		}
	}
	return c
}

// scribble changes every part of s that a later transition may change in
// place, to prove the state Apply returned shares none of it with its input.
func scribble(s *State) {
	for i := range s.Members {
		s.Members[i].Name = "scribbled"
		s.Members[i].Presence = Left
	}
	if s.Current != nil && s.Current.CheckIn != nil {
		s.Current.CheckIn.Prompt = "scribbled"
		s.Current.CheckIn.Open = !s.Current.CheckIn.Open
		s.Current.CheckIn.Answers["scribbled"] = Answer{Note: "scribbled"}
	}
	if s.Applied != nil {
		s.Applied["scribbled"] = []string{"x"}
	}
}

func data(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

func answer(scale int, state Arousal, feeling, note string) json.RawMessage {
	return data(map[string]any{"scale": scale, "state": state, "feeling": feeling, "note": note})
}

type applyCase struct {
	name     string
	state    State
	actor    string
	cmd      Command
	wantCode string // empty: the command is applied
	// check looks at a successful transition; the common rules are checked
	// for every case.
	check func(tb testing.TB, before, after State, ch Change)
}

// runApply checks the rules every transition keeps, then the case's own.
func runApply(t testing.TB, tc applyCase) {
	t.Helper()
	before := deepCopy(tc.state)
	after, ch, err := Apply(tc.state, now, tc.actor, tc.cmd)
	if !reflect.DeepEqual(tc.state, before) {
		t.Fatalf("Apply changed its input state:\ngot  %+v\nwant %+v", tc.state, before)
	}
	if tc.wantCode != "" {
		if err == nil {
			t.Fatalf("got no error, want code %q", tc.wantCode)
		}
		if got := ErrorCode(err); got != tc.wantCode {
			t.Fatalf("got code %q (%v), want %q", got, err, tc.wantCode)
		}
		var e *Error
		if !errors.As(err, &e) || e.Message == "" {
			t.Errorf("got error %#v, want an *Error with a message a person can read", err)
		}
		if after.Version != before.Version {
			t.Errorf("got version %d after a refusal, want %d", after.Version, before.Version)
		}
		if !reflect.DeepEqual(after, before) {
			t.Errorf("a refusal returned a changed state:\ngot  %+v\nwant %+v", after, before)
		}
		if !reflect.DeepEqual(ch, Change{}) {
			t.Errorf("got change %+v after a refusal, want none", ch)
		}
		if tc.cmd.ID != "" && after.applied(tc.actor, tc.cmd.ID) {
			t.Errorf("refused action %q is remembered as applied", tc.cmd.ID)
		}
		return
	}
	if err != nil {
		t.Fatalf("got error %v, want none", err)
	}
	if after.Version != before.Version+1 {
		t.Errorf("got version %d, want %d", after.Version, before.Version+1)
	}
	if tc.cmd.ID != "" && !after.applied(tc.actor, tc.cmd.ID) {
		t.Errorf("action %q is not remembered as applied; Applied = %v", tc.cmd.ID, after.Applied)
	}
	for member, ids := range before.Applied {
		if member == tc.actor && len(ids) >= appliedMemory {
			ids = ids[len(ids)-appliedMemory+1:] // the oldest make room
		}
		for _, id := range ids {
			if !after.applied(member, id) {
				t.Errorf("earlier action %s/%s is forgotten", member, id)
			}
		}
	}
	if tc.check != nil {
		tc.check(t, before, after, ch)
	}
	scribble(&after)
	if !reflect.DeepEqual(tc.state, before) {
		t.Errorf("the state Apply returned shares memory with its input: changing it changed the input")
	}
}

func wantChange(t testing.TB, got, want Change) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got change %+v, want %+v", got, want)
	}
}

func TestApplyCheckInStart(t *testing.T) {
	start := func(prompt string, vis Visibility) Command {
		return Command{Type: TypeCheckInStart, ID: "a-1", Data: data(map[string]any{"prompt": prompt, "visibility": vis})}
	}
	tests := []applyCase{
		{
			name: "facilitator starts a check-in", state: gathering(), actor: "f1",
			cmd: start("How are you arriving?", VisibleToFacilitators),
			check: func(t testing.TB, before, after State, ch Change) {
				wantChange(t, ch, Change{Activity: true, Agenda: true})
				if after.Current == nil || after.Current.CheckIn == nil {
					t.Fatalf("got current %+v, want a check-in", after.Current)
				}
				ci := after.Current.CheckIn
				if ci.ID == "" {
					t.Error("the check-in has no ID")
				}
				got := CheckIn{Prompt: ci.Prompt, Visibility: ci.Visibility, Open: ci.Open, StartedAt: ci.StartedAt, Answers: ci.Answers}
				want := CheckIn{Prompt: "How are you arriving?", Visibility: VisibleToFacilitators, Open: true, StartedAt: now, Answers: map[string]Answer{}}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("got check-in %+v, want %+v", got, want)
				}
				if !reflect.DeepEqual(after.Members, before.Members) {
					t.Errorf("members changed: got %+v, want %+v", after.Members, before.Members)
				}
			},
		},
		{
			name: "every visibility is accepted: group", state: gathering(), actor: "f1",
			cmd: start("Arriving", VisibleToGroup),
		},
		{
			name: "every visibility is accepted: anonymous", state: gathering(), actor: "f1",
			cmd: start("Arriving", Anonymous),
		},
		{
			name: "the prompt is trimmed", state: gathering(), actor: "f1",
			cmd: start("  \n How are you arriving?\t ", VisibleToGroup),
			check: func(t testing.TB, _, after State, _ Change) {
				if got, want := after.Current.CheckIn.Prompt, "How are you arriving?"; got != want {
					t.Errorf("got prompt %q, want %q", got, want)
				}
			},
		},
		{
			// Limits count characters, not bytes: each of these is four bytes.
			name: "a prompt of 300 characters is accepted", state: gathering(), actor: "f1",
			cmd: start(strings.Repeat("🌿", MaxPrompt), VisibleToGroup),
		},
		{
			name: "a prompt of 301 characters is refused", state: gathering(), actor: "f1",
			cmd: start(strings.Repeat("🌿", MaxPrompt+1), VisibleToGroup), wantCode: CodeInvalid,
		},
		{
			name: "an empty prompt is refused", state: gathering(), actor: "f1",
			cmd: start("", VisibleToGroup), wantCode: CodeInvalid,
		},
		{
			name: "a blank prompt is refused", state: gathering(), actor: "f1",
			cmd: start(" \t\n ", VisibleToGroup), wantCode: CodeInvalid,
		},
		{
			name: "an unknown visibility is refused", state: gathering(), actor: "f1",
			cmd: start("Arriving", "everyone"), wantCode: CodeInvalid,
		},
		{
			name: "a missing visibility is refused", state: gathering(), actor: "f1",
			cmd: Command{Type: TypeCheckInStart, ID: "a-1", Data: json.RawMessage(`{"prompt":"Arriving"}`)}, wantCode: CodeInvalid,
		},
		{
			name: "no data is refused", state: gathering(), actor: "f1",
			cmd: Command{Type: TypeCheckInStart, ID: "a-1"}, wantCode: CodeInvalid,
		},
		{
			name: "malformed data is refused", state: gathering(), actor: "f1",
			cmd: Command{Type: TypeCheckInStart, ID: "a-1", Data: json.RawMessage(`{"prompt":`)}, wantCode: CodeInvalid,
		},
		{
			name: "data of the wrong type is refused", state: gathering(), actor: "f1",
			cmd: Command{Type: TypeCheckInStart, ID: "a-1", Data: json.RawMessage(`{"prompt":42,"visibility":"group"}`)}, wantCode: CodeInvalid,
		},
		{
			name: "data that is not an object is refused", state: gathering(), actor: "f1",
			cmd: Command{Type: TypeCheckInStart, ID: "a-1", Data: json.RawMessage(`["Arriving","group"]`)}, wantCode: CodeInvalid,
		},
		{
			name: "start while another activity runs is refused", state: withCheckIn(VisibleToGroup, true), actor: "f1",
			cmd: start("Again", VisibleToGroup), wantCode: CodeClosed,
		},
		{
			name: "start while a closed check-in is on screen is refused", state: withCheckIn(VisibleToGroup, false), actor: "f1",
			cmd: start("Again", VisibleToGroup), wantCode: CodeClosed,
		},
		{
			name: "a participant may not start a check-in", state: gathering(), actor: "p1",
			cmd: start("Arriving", VisibleToGroup), wantCode: CodeNotAllowed,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runApply(t, tc) })
	}
}

func TestApplyCheckInAnswer(t *testing.T) {
	ans := func(raw json.RawMessage) Command { return Command{Type: TypeCheckInAnswer, ID: "a-1", Data: raw} }
	raw := func(s string) Command { return ans(json.RawMessage(s)) }
	open := withCheckIn(VisibleToGroup, true)
	earlier := Answer{MemberID: "p1", Scale: 2, State: Hypo, Feeling: "numb", Note: "first try", At: t0.Add(2 * time.Minute)}
	other := Answer{MemberID: "p2", Scale: 9, State: Hyper, Feeling: "buzzing", At: t0.Add(3 * time.Minute)}

	tests := []applyCase{
		{
			name: "a participant answers", state: open, actor: "p1",
			cmd: ans(answer(6, Within, "tender", "Tired but glad to be here.")),
			check: func(t testing.TB, _, after State, ch Change) {
				wantChange(t, ch, Change{Activity: true, Mine: "p1"})
				want := map[string]Answer{"p1": {MemberID: "p1", Scale: 6, State: Within, Feeling: "tender", Note: "Tired but glad to be here.", At: now}}
				if got := after.Current.CheckIn.Answers; !reflect.DeepEqual(got, want) {
					t.Errorf("got answers %+v, want %+v", got, want)
				}
			},
		},
		{
			name: "feeling and note are optional", state: open, actor: "p1",
			cmd: raw(`{"scale":0,"state":"hypo"}`),
			check: func(t testing.TB, _, after State, _ Change) {
				want := Answer{MemberID: "p1", Scale: 0, State: Hypo, At: now}
				if got := after.Current.CheckIn.Answers["p1"]; got != want {
					t.Errorf("got answer %+v, want %+v", got, want)
				}
			},
		},
		{
			name: "scale 10 is accepted", state: open, actor: "p1",
			cmd: raw(`{"scale":10,"state":"hyper"}`),
		},
		{
			name: "feeling and note are trimmed", state: open, actor: "p1",
			cmd: ans(answer(5, Within, "  calm ", "\n a sentence \t")),
			check: func(t testing.TB, _, after State, _ Change) {
				a := after.Current.CheckIn.Answers["p1"]
				if a.Feeling != "calm" || a.Note != "a sentence" {
					t.Errorf("got feeling %q and note %q, want %q and %q", a.Feeling, a.Note, "calm", "a sentence")
				}
			},
		},
		{
			name: "answering again replaces the answer", state: withCheckIn(VisibleToGroup, true, earlier, other), actor: "p1",
			cmd: ans(answer(7, Within, "lighter", "second thoughts")),
			check: func(t testing.TB, _, after State, _ Change) {
				want := map[string]Answer{
					"p1": {MemberID: "p1", Scale: 7, State: Within, Feeling: "lighter", Note: "second thoughts", At: now},
					"p2": other,
				}
				if got := after.Current.CheckIn.Answers; !reflect.DeepEqual(got, want) {
					t.Errorf("got answers %+v, want %+v", got, want)
				}
			},
		},
		{
			name: "a feeling of 40 characters is accepted", state: open, actor: "p1",
			cmd: ans(answer(5, Within, strings.Repeat("🌿", MaxFeeling), "")),
		},
		{
			name: "a feeling of 41 characters is refused", state: open, actor: "p1",
			cmd: ans(answer(5, Within, strings.Repeat("🌿", MaxFeeling+1), "")), wantCode: CodeInvalid,
		},
		{
			name: "a note of 500 characters is accepted", state: open, actor: "p1",
			cmd: ans(answer(5, Within, "", strings.Repeat("🌿", MaxNote))),
		},
		{
			name: "a note of 501 characters is refused", state: open, actor: "p1",
			cmd: ans(answer(5, Within, "", strings.Repeat("🌿", MaxNote+1))), wantCode: CodeInvalid,
		},
		{name: "a missing scale is refused", state: open, actor: "p1", cmd: raw(`{"state":"within"}`), wantCode: CodeInvalid},
		{name: "a null scale is refused", state: open, actor: "p1", cmd: raw(`{"scale":null,"state":"within"}`), wantCode: CodeInvalid},
		{name: "scale -1 is refused", state: open, actor: "p1", cmd: raw(`{"scale":-1,"state":"within"}`), wantCode: CodeInvalid},
		{name: "scale 11 is refused", state: open, actor: "p1", cmd: raw(`{"scale":11,"state":"within"}`), wantCode: CodeInvalid},
		{name: "scale 10.5 is refused", state: open, actor: "p1", cmd: raw(`{"scale":10.5,"state":"within"}`), wantCode: CodeInvalid},
		{name: "a scale written as a string is refused", state: open, actor: "p1", cmd: raw(`{"scale":"6","state":"within"}`), wantCode: CodeInvalid},
		{name: "a missing state is refused", state: open, actor: "p1", cmd: raw(`{"scale":6}`), wantCode: CodeInvalid},
		{name: "an unknown state is refused", state: open, actor: "p1", cmd: raw(`{"scale":6,"state":"calm"}`), wantCode: CodeInvalid},
		{name: "malformed data is refused", state: open, actor: "p1", cmd: raw(`{"scale":6,`), wantCode: CodeInvalid},
		{
			name: "an answer with no check-in is refused", state: gathering(), actor: "p1",
			cmd: ans(answer(6, Within, "", "")), wantCode: CodeClosed,
		},
		{
			name: "an answer after close is refused", state: withCheckIn(VisibleToGroup, false, other), actor: "p1",
			cmd: ans(answer(6, Within, "", "")), wantCode: CodeClosed,
		},
		{
			name: "a facilitator may not answer", state: open, actor: "f1",
			cmd: ans(answer(6, Within, "", "")), wantCode: CodeNotAllowed,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runApply(t, tc) })
	}
}

func TestApplyCheckInClose(t *testing.T) {
	a := Answer{MemberID: "p2", Scale: 4, State: Within, At: t0.Add(2 * time.Minute)}
	cmd := Command{Type: TypeCheckInClose, ID: "a-1"}
	tests := []applyCase{
		{
			name: "facilitator closes the check-in", state: withCheckIn(VisibleToGroup, true, a), actor: "f1", cmd: cmd,
			check: func(t testing.TB, before, after State, ch Change) {
				wantChange(t, ch, Change{Activity: true})
				ci := after.Current.CheckIn
				if ci.Open {
					t.Error("the check-in is still open")
				}
				if !ci.ClosedAt.Equal(now) {
					t.Errorf("got closedAt %v, want %v", ci.ClosedAt, now)
				}
				if !reflect.DeepEqual(ci.Answers, before.Current.CheckIn.Answers) {
					t.Errorf("got answers %+v, want them kept: %+v", ci.Answers, before.Current.CheckIn.Answers)
				}
			},
		},
		{
			name: "data is ignored", state: withCheckIn(VisibleToGroup, true), actor: "f1",
			cmd: Command{Type: TypeCheckInClose, ID: "a-1", Data: json.RawMessage(`{"whatever":1}`)},
		},
		{name: "closing a closed check-in is refused", state: withCheckIn(VisibleToGroup, false), actor: "f1", cmd: cmd, wantCode: CodeClosed},
		{name: "closing with no check-in is refused", state: gathering(), actor: "f1", cmd: cmd, wantCode: CodeClosed},
		{name: "a participant may not close the check-in", state: withCheckIn(VisibleToGroup, true), actor: "p1", cmd: cmd, wantCode: CodeNotAllowed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runApply(t, tc) })
	}
}

func TestApplyActivityEnd(t *testing.T) {
	a := Answer{MemberID: "p2", Scale: 4, State: Within, Note: "kept", At: t0.Add(2 * time.Minute)}
	cmd := Command{Type: TypeActivityEnd, ID: "a-1"}
	movedToHistory := func(t testing.TB, before, after State, ch Change) {
		t.Helper()
		wantChange(t, ch, Change{Activity: true, Agenda: true})
		if after.Current != nil {
			t.Errorf("got current %+v, want nil (gathering)", after.Current)
		}
		if got, want := len(after.History), len(before.History)+1; got != want {
			t.Fatalf("got %d activities in history, want %d", got, want)
		}
		if len(before.History) > 0 && !reflect.DeepEqual(after.History[:len(before.History)], before.History) {
			t.Errorf("earlier history changed: got %+v, want %+v", after.History[:len(before.History)], before.History)
		}
		ci := after.History[len(after.History)-1].CheckIn
		if ci == nil {
			t.Fatal("the last history entry is not a check-in")
		}
		bci := before.Current.CheckIn
		if ci.ID != bci.ID || ci.Prompt != bci.Prompt || !reflect.DeepEqual(ci.Answers, bci.Answers) {
			t.Errorf("got history check-in %+v, want the current one %+v", ci, bci)
		}
		if ci.Open {
			t.Error("the check-in in the history is still open")
		}
	}
	tests := []applyCase{
		{
			name: "ending moves the closed check-in into the history", state: withHistory(withCheckIn(VisibleToGroup, false, a)), actor: "f1", cmd: cmd,
			check: func(t testing.TB, before, after State, ch Change) {
				movedToHistory(t, before, after, ch)
				ci := after.History[len(after.History)-1].CheckIn
				if !ci.ClosedAt.Equal(before.Current.CheckIn.ClosedAt) {
					t.Errorf("got closedAt %v, want it kept: %v", ci.ClosedAt, before.Current.CheckIn.ClosedAt)
				}
			},
		},
		{
			name: "ending an open check-in closes it now", state: withCheckIn(VisibleToFacilitators, true, a), actor: "f1", cmd: cmd,
			check: func(t testing.TB, before, after State, ch Change) {
				movedToHistory(t, before, after, ch)
				ci := after.History[len(after.History)-1].CheckIn
				if !ci.ClosedAt.Equal(now) {
					t.Errorf("got closedAt %v, want %v", ci.ClosedAt, now)
				}
			},
		},
		{name: "ending while gathering is refused", state: gathering(), actor: "f1", cmd: cmd, wantCode: CodeClosed},
		{name: "a participant may not end the activity", state: withCheckIn(VisibleToGroup, true), actor: "p1", cmd: cmd, wantCode: CodeNotAllowed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runApply(t, tc) })
	}
}

func TestApplyRoomClose(t *testing.T) {
	a := Answer{MemberID: "p2", Scale: 4, State: Within, At: t0.Add(2 * time.Minute)}
	cmd := Command{Type: TypeRoomClose, ID: "a-1"}
	closed := func(t testing.TB, before, after State, ch Change) {
		t.Helper()
		wantChange(t, ch, Change{Activity: true, Status: true, Agenda: true})
		if after.Status != Closed {
			t.Errorf("got status %q, want %q", after.Status, Closed)
		}
		if !after.ClosedAt.Equal(now) {
			t.Errorf("got closedAt %v, want %v", after.ClosedAt, now)
		}
		if after.Current != nil {
			t.Errorf("got current %+v, want nil", after.Current)
		}
	}
	tests := []applyCase{
		{
			name: "facilitator closes a gathering room", state: withHistory(gathering()), actor: "f1", cmd: cmd,
			check: func(t testing.TB, before, after State, ch Change) {
				closed(t, before, after, ch)
				if !reflect.DeepEqual(after.History, before.History) {
					t.Errorf("got history %+v, want %+v", after.History, before.History)
				}
			},
		},
		{
			name: "closing moves the running check-in into the history, closed", state: withCheckIn(VisibleToGroup, true, a), actor: "f1", cmd: cmd,
			check: func(t testing.TB, before, after State, ch Change) {
				closed(t, before, after, ch)
				if len(after.History) != 1 || after.History[0].CheckIn == nil {
					t.Fatalf("got history %+v, want the check-in", after.History)
				}
				ci := after.History[0].CheckIn
				if ci.ID != "ci-1" || !reflect.DeepEqual(ci.Answers, before.Current.CheckIn.Answers) {
					t.Errorf("got history check-in %+v, want %+v", ci, before.Current.CheckIn)
				}
				if ci.Open || !ci.ClosedAt.Equal(now) {
					t.Errorf("got open %v closedAt %v, want closed at %v", ci.Open, ci.ClosedAt, now)
				}
			},
		},
		{name: "a participant may not close the room", state: gathering(), actor: "p1", cmd: cmd, wantCode: CodeNotAllowed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runApply(t, tc) })
	}
}

func TestApplyClosedRoomRefusesEverything(t *testing.T) {
	cmds := []Command{
		{Type: TypeCheckInStart, ID: "a-1", Data: data(map[string]any{"prompt": "Arriving", "visibility": VisibleToGroup})},
		{Type: TypeCheckInAnswer, ID: "a-1", Data: answer(5, Within, "", "")},
		{Type: TypeCheckInClose, ID: "a-1"},
		{Type: TypeActivityEnd, ID: "a-1"},
		{Type: TypeRoomClose, ID: "a-1"},
		{Type: "checkin.dance", ID: "a-1"},
	}
	// A room closed through Apply, and one as the store would hand it back.
	closedByApply, _, err := Apply(withCheckIn(VisibleToGroup, true), now, "f1", Command{Type: TypeRoomClose, ID: "close"})
	if err != nil {
		t.Fatalf("close the room: %v", err)
	}
	for _, st := range []struct {
		name  string
		state State
	}{{"closed by room.close", closedByApply}, {"closed in the store", closedRoom()}} {
		for _, actor := range []string{"f1", "p1"} {
			for _, cmd := range cmds {
				t.Run(fmt.Sprintf("%s: %s by %s", st.name, cmd.Type, actor), func(t *testing.T) {
					runApply(t, applyCase{state: st.state, actor: actor, cmd: cmd, wantCode: CodeClosed})
				})
			}
		}
	}
}

func TestApplyRefusals(t *testing.T) {
	tests := []applyCase{
		{name: "an unknown type is refused", state: gathering(), actor: "f1", cmd: Command{Type: "checkin.dance", ID: "a-1"}, wantCode: CodeUnknownType},
		{name: "an empty type is refused", state: gathering(), actor: "f1", cmd: Command{ID: "a-1"}, wantCode: CodeUnknownType},
		{name: "sync is not a transition", state: gathering(), actor: "p1", cmd: Command{Type: TypeSync, ID: "a-1"}, wantCode: CodeUnknownType},
		{
			name: "an unknown member is refused", state: gathering(), actor: "stranger",
			cmd: Command{Type: TypeCheckInStart, ID: "a-1", Data: data(map[string]any{"prompt": "Arriving", "visibility": VisibleToGroup})}, wantCode: CodeNotAllowed,
		},
		{
			name: "an unknown member of a closed room is refused", state: closedRoom(), actor: "stranger",
			cmd: Command{Type: TypeRoomClose, ID: "a-1"}, wantCode: CodeNotAllowed,
		},
		{
			name: "an empty member ID is refused", state: gathering(), actor: "",
			cmd: Command{Type: TypeRoomClose, ID: "a-1"}, wantCode: CodeNotAllowed,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runApply(t, tc) })
	}
}

func TestApplyRemembersActions(t *testing.T) {
	start := Command{Type: TypeCheckInStart, Data: data(map[string]any{"prompt": "Arriving", "visibility": VisibleToGroup})}
	end := Command{Type: TypeActivityEnd}

	t.Run("the oldest of 64 remembered IDs is forgotten", func(t *testing.T) {
		s := gathering()
		var ids []string
		for i := range appliedMemory {
			ids = append(ids, fmt.Sprintf("old-%d", i))
		}
		s.Applied["f1"] = ids
		cmd := start
		cmd.ID = "new"
		runApply(t, applyCase{state: s, actor: "f1", cmd: cmd, check: func(t testing.TB, before, after State, _ Change) {}})
		after, _, err := Apply(s, now, "f1", cmd)
		if err != nil {
			t.Fatal(err)
		}
		want := append(append([]string(nil), ids[1:]...), "new")
		if got := after.Applied["f1"]; !reflect.DeepEqual(got, want) {
			t.Errorf("got remembered IDs %v, want %v", got, want)
		}
		if got, want := after.Applied["p1"], s.Applied["p1"]; !reflect.DeepEqual(got, want) {
			t.Errorf("another member's IDs changed: got %v, want %v", got, want)
		}
	})

	t.Run("a long session remembers the last 64 IDs of each member", func(t *testing.T) {
		s := gathering()
		const n = 150
		var all []string
		for i := range n {
			// Start and end a check-in, and keep the agenda from filling up.
			cmd := start
			if i%2 == 1 {
				cmd = end
			}
			if i%4 == 2 {
				s.Agenda = nil
			}
			cmd.ID = fmt.Sprintf("a-%d", i)
			all = append(all, cmd.ID)
			next, _, err := Apply(s, now, "f1", cmd)
			if err != nil {
				t.Fatalf("action %d: %v", i, err)
			}
			if next.Version != s.Version+1 {
				t.Fatalf("action %d: got version %d, want %d", i, next.Version, s.Version+1)
			}
			if got := len(next.Applied["f1"]); got > appliedMemory {
				t.Fatalf("action %d: %d IDs remembered, want at most %d", i, got, appliedMemory)
			}
			s = next
		}
		if got, want := s.Applied["f1"], all[n-appliedMemory:]; !reflect.DeepEqual(got, want) {
			t.Errorf("got remembered IDs %v, want %v", got, want)
		}
		if s.applied("f1", all[n-appliedMemory-1]) {
			t.Errorf("ID %s is still remembered, want it forgotten", all[n-appliedMemory-1])
		}
	})

	t.Run("an action without an ID is applied and not remembered", func(t *testing.T) {
		s := gathering()
		after, _, err := Apply(s, now, "f1", start)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(after.Applied, s.Applied) {
			t.Errorf("got Applied %v, want %v", after.Applied, s.Applied)
		}
	})

	t.Run("the first action of a room without memory is remembered", func(t *testing.T) {
		s := gathering()
		s.Applied = nil
		cmd := start
		cmd.ID = "first"
		runApply(t, applyCase{state: s, actor: "p1", cmd: cmd, wantCode: CodeNotAllowed})
		runApply(t, applyCase{state: s, actor: "f1", cmd: cmd, check: func(t testing.TB, _, after State, _ Change) {
			if got, want := after.Applied, map[string][]string{"f1": {"first"}}; !reflect.DeepEqual(got, want) {
				t.Errorf("got Applied %v, want %v", got, want)
			}
		}})
	})
}

func TestErrorCode(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"a refusal has its code", errorf(CodeClosed, "closed"), CodeClosed},
		{"a wrapped refusal has its code", fmt.Errorf("apply: %w", errorf(CodeInvalid, "bad")), CodeInvalid},
		{"any other error is internal", errSaveFailed, CodeInternal},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := ErrorCode(tc.err); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

package room

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
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
		Applied: map[string][]AppliedAction{"f1": {{ID: "f-old", Version: 2}}, "p1": {{ID: "p-old", Version: 4}}},
	}
}

// withCheckIn returns a room running a check-in with the given answers, given
// in the order they came. An anonymous one has shown nothing yet, so it takes
// fewer than MinAnonymous answers (build a shown aggregate by hand).
func withCheckIn(vis Visibility, open bool, answers ...Answer) State {
	s := gathering()
	ci := &CheckIn{
		ID: "ci-1", Prompt: "How are you arriving?", Visibility: vis,
		Open: open, StartedAt: t0.Add(time.Minute), Answers: map[string]Answer{}, Stepped: true,
	}
	if !open {
		ci.ClosedAt = t0.Add(5 * time.Minute)
	}
	for _, a := range answers {
		ci.Answers[a.MemberID] = a
	}
	if vis == Anonymous && len(ci.waiting()) >= MinAnonymous {
		panic("withCheckIn: an anonymous check-in with this many answers has shown them")
	}
	s.Current = &Activity{Run: ci}
	return s
}

// include makes every answer of ci, except those of the members named, count
// in its shown aggregate as it is now.
func include(ci *CheckIn, except ...string) {
	ci.Included = map[string]Counted{}
	for id, a := range ci.Answers {
		if !slices.Contains(except, id) {
			ci.Included[id] = Counted{Scale: a.Scale, State: a.State}
		}
	}
}

// withHistory adds a finished check-in to s's history.
func withHistory(s State) State {
	s.History = append(s.History, Activity{Run: &CheckIn{
		ID: "ci-0", Prompt: "Earlier", Visibility: Anonymous,
		StartedAt: t0, ClosedAt: t0.Add(time.Minute), Stepped: true,
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

// scribble changes every part of s that a later transition may change in
// place, to prove the state Apply returned shares none of it with its input.
// Slices the state says are replaced, never changed in place (a member's
// applied actions), are left alone.
func scribble(s *State) {
	for i := range s.Members {
		s.Members[i].Name = "scribbled"
		s.Members[i].Presence = Left
	}
	if ci := s.Current.CheckIn(); ci != nil {
		ci.Prompt = "scribbled"
		ci.Open = !ci.Open
		ci.Answers["scribbled"] = Answer{Note: "scribbled"}
	}
	if s.Applied != nil {
		s.Applied["scribbled"] = []AppliedAction{{ID: "x"}}
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

// heard is what a change tells, and whom, in the terms the tests assert.
// Every part of a Change is one of these; heardOf fails on any other.
type heard struct {
	// Members are the members whose line of the roster everyone is sent
	// (the roster is marked changed).
	Members []string
	// Activity: the current activity, the facilitators their view of it
	// and the participants theirs.
	Activity bool
	// Agenda: the agenda, each role its view (the agenda is marked changed).
	Agenda bool
	// Status: the room's status, to everyone.
	Status bool
	// Mine are the members sent their own part of the activity, each alone.
	Mine []string
	// Quiet: nobody is sent anything, not even the version.
	Quiet bool
	// Hold: the room's hold, to everyone. Door: the door, to the
	// facilitators. Roster: the whole roster, each role its view.
	Hold, Door, Roster bool
	// People: the facilitators are sent each participant's state.
	People bool
	// Care lists the other parts of care in the room (care.go), sorted:
	// "support", "flags" or "thread" for the facilitators, "support:p1"
	// or "thread:p1" for one participant.
	Care []string
}

// heardOf reads ch as heard, failing the test on a part for an audience its
// field never has (the activity for everyone, a member's own part for
// another) and on flags that disagree with the parts.
func heardOf(tb testing.TB, ch Change) heard {
	tb.Helper()
	var h heard
	byRole := map[string][2]bool{} // field -> sent to facilitators, to participants
	for _, p := range ch.parts {
		switch {
		case (p.field == fieldActivity || p.field == fieldAgenda) && p.to == facilitatorsOnly():
			r := byRole[p.field]
			r[0] = true
			byRole[p.field] = r
		case (p.field == fieldActivity || p.field == fieldAgenda) && p.to == participantsOnly():
			r := byRole[p.field]
			r[1] = true
			byRole[p.field] = r
		case p.field == fieldMember && (p.to == everyone() || p.to == facilitatorsOnly() || p.to == participantsOnly()):
			mv, ok := p.value.(*memberView)
			if !ok {
				tb.Errorf("got member part %#v, want a *memberView", p.value)
				continue
			}
			// A member told each role apart counts once; participants
			// are never told of one the facilitators are not.
			if p.to == participantsOnly() {
				continue
			}
			h.Members = append(h.Members, mv.ID)
		case p.field == fieldMembers && (p.to == facilitatorsOnly() || p.to == participantsOnly()):
			r := byRole[p.field]
			r[map[bool]int{true: 0, false: 1}[p.to == facilitatorsOnly()]] = true
			byRole[p.field] = r
		case p.field == fieldHold && p.to == everyone():
			h.Hold = true
		case p.field == fieldDoor && p.to == facilitatorsOnly():
			h.Door = true
		case p.field == fieldStatus && p.to == everyone():
			h.Status = true
		case p.field == fieldMine && p.to.kind == toMember:
			if _, ok := p.value.(*mineView); !ok {
				tb.Errorf("got mine part %#v for %s, want a *mineView", p.value, p.to.member)
			}
			h.Mine = append(h.Mine, p.to.member)
		case p.field == fieldPeople && p.to == facilitatorsOnly():
			if h.People {
				tb.Errorf("people is sent twice")
			}
			h.People = true
		case (p.field == fieldSupport || p.field == fieldFlags || p.field == fieldThread) && p.to == facilitatorsOnly():
			h.Care = append(h.Care, p.field)
		case (p.field == fieldSupport || p.field == fieldThread) && p.to.kind == toMember:
			h.Care = append(h.Care, p.field+":"+p.to.member)
		default:
			tb.Errorf("got part %q for audience %+v, which no change sends", p.field, p.to)
		}
	}
	for field, r := range byRole {
		if r != [2]bool{true, true} {
			tb.Errorf("%s is sent to facilitators %v and to participants %v, want both, each their view", field, r[0], r[1])
		}
	}
	h.Activity = byRole[fieldActivity][0]
	h.Agenda = byRole[fieldAgenda][0]
	h.Roster = byRole[fieldMembers][0]
	if ch.agenda != h.Agenda {
		tb.Errorf("the change marks the agenda changed %v but sends it %v", ch.agenda, h.Agenda)
	}
	if ch.roster != (len(h.Members) > 0 || h.Roster) {
		tb.Errorf("the change marks the roster changed %v but sends members %v", ch.roster, h.Members)
	}
	care := slices.ContainsFunc(h.Care, func(c string) bool {
		return strings.HasPrefix(c, fieldSupport) || c == fieldFlags
	})
	if ch.care != care {
		tb.Errorf("the change marks signals and flags changed %v but sends %v", ch.care, h.Care)
	}
	if thread := slices.Contains(h.Care, fieldThread); thread != (ch.thread != "") ||
		thread && !slices.Contains(h.Care, fieldThread+":"+ch.thread) {
		tb.Errorf("the change marks the thread of %q changed but sends %v", ch.thread, h.Care)
	}
	h.Quiet = ch.quiet
	if ch.quiet && len(ch.parts) > 0 {
		tb.Errorf("a quiet change has %d parts to send", len(ch.parts))
	}
	slices.Sort(h.Members)
	slices.Sort(h.Mine)
	slices.Sort(h.Care)
	if n := len(h.Mine); n != len(slices.Compact(slices.Clone(h.Mine))) {
		tb.Errorf("a member is sent their own part twice: %v", h.Mine)
	}
	return h
}

// wantChange checks that ch tells what want says, and no more.
func wantChange(tb testing.TB, ch Change, want heard) {
	tb.Helper()
	got := heardOf(tb, ch)
	norm := func(h heard) heard {
		h.Members, h.Mine = slices.Sorted(slices.Values(h.Members)), slices.Sorted(slices.Values(h.Mine))
		h.Care = slices.Sorted(slices.Values(h.Care))
		return h
	}
	if got, want := norm(got), norm(want); !reflect.DeepEqual(got, want) {
		tb.Errorf("got change %+v, want %+v", got, want)
	}
}

// sentTo returns the fields of ch's event that member m is sent, with their
// values, failing the test when m would be sent a field twice.
func sentTo(tb testing.TB, ch Change, m Member) map[string]any {
	tb.Helper()
	out := map[string]any{}
	for _, p := range ch.parts {
		if !p.to.includes(m) {
			continue
		}
		if _, dup := out[p.field]; dup {
			tb.Errorf("%s is sent %q twice", m.ID, p.field)
		}
		out[p.field] = p.value
	}
	return out
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
	before := fullCopy(tc.state)
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
		if _, ok := after.applied(tc.actor, tc.cmd.ID); tc.cmd.ID != "" && ok {
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
	wantRemembered(t, before, after, tc.actor, tc.cmd.ID)
	if tc.check != nil {
		tc.check(t, before, after, ch)
	}
	scribble(&after)
	if !reflect.DeepEqual(tc.state, before) {
		t.Errorf("the state Apply returned shares memory with its input: changing it changed the input")
	}
}

// wantRemembered checks that the actor's action id (if any) is remembered
// with the version it was applied at, and every earlier action but the
// oldest the actor's memory had to make room for still is.
func wantRemembered(tb testing.TB, before, after State, actor, id string) {
	tb.Helper()
	if id != "" {
		if a, ok := after.applied(actor, id); !ok || a.Version != after.Version {
			tb.Errorf("action %q: got remembered %v %+v, want it at version %d; Applied = %v", id, ok, a, after.Version, after.Applied)
		}
	}
	for member, done := range before.Applied {
		if member == actor && id != "" && len(done) >= appliedMemory {
			done = done[len(done)-appliedMemory+1:] // the oldest make room
		}
		for _, d := range done {
			if a, ok := after.applied(member, d.ID); !ok || a != d {
				tb.Errorf("earlier action %s/%+v: got %v %+v, want it remembered as it was", member, d, ok, a)
			}
		}
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
				wantChange(t, ch, heard{Activity: true, Agenda: true})
				ci := after.Current.CheckIn()
				if ci == nil {
					t.Fatalf("got current %+v, want a check-in", after.Current)
				}
				if ci.ID == "" {
					t.Error("the check-in has no ID")
				}
				got := *ci
				got.ID = ""
				want := CheckIn{Prompt: "How are you arriving?", Visibility: VisibleToFacilitators, Open: true, StartedAt: now, Answers: map[string]Answer{}, Stepped: true}
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
				if got, want := after.Current.CheckIn().Prompt, "How are you arriving?"; got != want {
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
				wantChange(t, ch, heard{Activity: true, Mine: []string{"p1"}, People: true})
				want := map[string]Answer{"p1": {MemberID: "p1", Scale: 6, State: Within, Feeling: "tender", Note: "Tired but glad to be here.", At: now}}
				if got := after.Current.CheckIn().Answers; !reflect.DeepEqual(got, want) {
					t.Errorf("got answers %+v, want %+v", got, want)
				}
			},
		},
		{
			name: "feeling and note are optional", state: open, actor: "p1",
			cmd: raw(`{"scale":0,"state":"hypo"}`),
			check: func(t testing.TB, _, after State, _ Change) {
				want := Answer{MemberID: "p1", Scale: 0, State: Hypo, At: now}
				if got := after.Current.CheckIn().Answers["p1"]; got != want {
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
				a := after.Current.CheckIn().Answers["p1"]
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
				if got := after.Current.CheckIn().Answers; !reflect.DeepEqual(got, want) {
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

// TestApplyCheckInAnswerAnonymous follows what participants may see of an
// anonymous check-in: the aggregate moves on only once MinAnonymous members
// have answered, or changed their answer, since it was last shown.
func TestApplyCheckInAnswerAnonymous(t *testing.T) {
	ans := func(scale int, state Arousal) Command {
		return Command{Type: TypeCheckInAnswer, ID: "a-1", Data: answer(scale, state, "", "")}
	}
	sam := Answer{MemberID: "p1", Scale: 2, State: Hypo, At: t0.Add(2 * time.Minute)}
	kim := Answer{MemberID: "p2", Scale: 9, State: Hyper, At: t0.Add(3 * time.Minute)}
	lee := Answer{MemberID: "p3", Scale: 4, State: Within, At: t0.Add(4 * time.Minute)}
	firstShown := &Aggregate{Count: 3, ScaleAverage: 5, States: map[Arousal]int{Hypo: 1, Within: 1, Hyper: 1}}
	// published is the check-in once all three answered, with whoever
	// changed their answer since; newcomers p4, p5 and p6 are on the roster
	// (the answers given are theirs, not counted yet).
	published := func(given ...Answer) State {
		s := withCheckIn(Anonymous, true)
		for _, m := range []Member{{ID: "p4", Name: "Noor"}, {ID: "p5", Name: "Ines"}, {ID: "p6", Name: "Oli"}} {
			m.Role, m.Presence, m.Since, m.FirstJoined = Participant, Present, t0, t0
			s.Members = append(s.Members, m)
		}
		ci := s.Current.CheckIn()
		ci.Answers = map[string]Answer{"p1": sam, "p2": kim, "p3": lee}
		ci.Shown = firstShown
		include(ci)
		for _, a := range given {
			ci.Answers[a.MemberID] = a
		}
		return s
	}
	// wantShown checks what actor's answer left shown, and whose answers
	// wait to be counted.
	wantShown := func(actor string, shown *Aggregate, waiting ...string) func(tb testing.TB, before, after State, ch Change) {
		return func(tb testing.TB, _, after State, ch Change) {
			tb.Helper()
			wantChange(tb, ch, heard{Activity: true, Mine: []string{actor}, People: true})
			ci := after.Current.CheckIn()
			if !reflect.DeepEqual(ci.Shown, shown) {
				tb.Errorf("got shown %+v, want %+v", ci.Shown, shown)
			}
			if got := ci.waiting(); !slices.Equal(got, waiting) {
				tb.Errorf("got waiting %v, want %v", got, waiting)
			}
		}
	}
	at := func(id string, scale int, state Arousal) Answer {
		return Answer{MemberID: id, Scale: scale, State: state, At: now}
	}
	tests := []applyCase{
		{
			name: "the second answer waits", state: withCheckIn(Anonymous, true, sam), actor: "p2", cmd: ans(9, Hyper),
			check: wantShown("p2", nil, "p1", "p2"),
		},
		{
			name: "a changed answer waits as one", state: withCheckIn(Anonymous, true, sam, kim), actor: "p1", cmd: ans(3, Within),
			check: wantShown("p1", nil, "p1", "p2"),
		},
		{
			name: "the third answer shows all three", state: withCheckIn(Anonymous, true, sam, kim), actor: "p3", cmd: ans(4, Within),
			check: wantShown("p3", firstShown),
		},
		{
			name: "after it was shown, a changed answer is not counted again", state: published(), actor: "p1", cmd: ans(8, Within),
			check: func(tb testing.TB, before, after State, ch Change) {
				wantShown("p1", firstShown)(tb, before, after, ch)
				if got := after.Current.CheckIn().Included["p1"]; got != (Counted{Scale: 2, State: Hypo}) {
					tb.Errorf("got p1 counted as %+v, want as first given", got)
				}
			},
		},
		{
			name: "a newcomer waits", state: published(), actor: "p4", cmd: ans(10, Hyper),
			check: wantShown("p4", firstShown, "p4"),
		},
		{
			name: "changes do not help a newcomer out", state: published(at("p1", 8, Within), at("p2", 0, Hypo), at("p4", 10, Hyper)),
			actor: "p5", cmd: ans(1, Hypo),
			check: wantShown("p5", firstShown, "p4", "p5"),
		},
		{
			name: "three newcomers join it, the others counted as first given", state: published(at("p1", 8, Within), at("p4", 10, Hyper), at("p5", 1, Hypo)),
			actor: "p6", cmd: ans(4, Within),
			check: wantShown("p6", &Aggregate{Count: 6, ScaleAverage: 5, States: map[Arousal]int{Hypo: 2, Within: 2, Hyper: 2}}),
		},
		{
			name: "a group check-in keeps nothing back", state: withCheckIn(VisibleToGroup, true, sam, kim), actor: "p3", cmd: ans(4, Within),
			check: func(tb testing.TB, _, after State, _ Change) {
				if ci := after.Current.CheckIn(); ci.Shown != nil || len(ci.Included) != 0 {
					tb.Errorf("got shown %+v and included %v in a group check-in, want neither", ci.Shown, ci.Included)
				}
			},
		},
		{
			name: "a facilitators-only check-in keeps nothing back", state: withCheckIn(VisibleToFacilitators, true, sam, kim), actor: "p3", cmd: ans(4, Within),
			check: func(tb testing.TB, _, after State, _ Change) {
				if ci := after.Current.CheckIn(); ci.Shown != nil || len(ci.Included) != 0 {
					tb.Errorf("got shown %+v and included %v in a facilitators-only check-in, want neither", ci.Shown, ci.Included)
				}
			},
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
				wantChange(t, ch, heard{Activity: true})
				ci := after.Current.CheckIn()
				if ci.Open {
					t.Error("the check-in is still open")
				}
				if !ci.ClosedAt.Equal(now) {
					t.Errorf("got closedAt %v, want %v", ci.ClosedAt, now)
				}
				if !reflect.DeepEqual(ci.Answers, before.Current.CheckIn().Answers) {
					t.Errorf("got answers %+v, want them kept: %+v", ci.Answers, before.Current.CheckIn().Answers)
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
		wantChange(t, ch, heard{Activity: true, Agenda: true})
		if after.Current != nil {
			t.Errorf("got current %+v, want nil (gathering)", after.Current)
		}
		if got, want := len(after.History), len(before.History)+1; got != want {
			t.Fatalf("got %d activities in history, want %d", got, want)
		}
		if len(before.History) > 0 && !reflect.DeepEqual(after.History[:len(before.History)], before.History) {
			t.Errorf("earlier history changed: got %+v, want %+v", after.History[:len(before.History)], before.History)
		}
		ci := after.History[len(after.History)-1].CheckIn()
		if ci == nil {
			t.Fatal("the last history entry is not a check-in")
		}
		bci := before.Current.CheckIn()
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
				ci := after.History[len(after.History)-1].CheckIn()
				if !ci.ClosedAt.Equal(before.Current.CheckIn().ClosedAt) {
					t.Errorf("got closedAt %v, want it kept: %v", ci.ClosedAt, before.Current.CheckIn().ClosedAt)
				}
			},
		},
		{
			name: "ending an open check-in closes it now", state: withCheckIn(VisibleToFacilitators, true, a), actor: "f1", cmd: cmd,
			check: func(t testing.TB, before, after State, ch Change) {
				movedToHistory(t, before, after, ch)
				ci := after.History[len(after.History)-1].CheckIn()
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
		wantChange(t, ch, heard{Activity: true, Status: true, Agenda: true})
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
				if len(after.History) != 1 || after.History[0].CheckIn() == nil {
					t.Fatalf("got history %+v, want the check-in", after.History)
				}
				ci := after.History[0].CheckIn()
				if ci.ID != "ci-1" || !reflect.DeepEqual(ci.Answers, before.Current.CheckIn().Answers) {
					t.Errorf("got history check-in %+v, want %+v", ci, before.Current.CheckIn())
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
		var done []AppliedAction
		for i := range appliedMemory {
			done = append(done, AppliedAction{ID: fmt.Sprintf("old-%d", i), Version: uint64(i)})
		}
		s.Applied["f1"] = done
		cmd := start
		cmd.ID = "new"
		runApply(t, applyCase{state: s, actor: "f1", cmd: cmd})
		after, _, err := Apply(s, now, "f1", cmd)
		if err != nil {
			t.Fatal(err)
		}
		want := append(slices.Clone(done[1:]), AppliedAction{ID: "new", Version: s.Version + 1})
		if got := after.Applied["f1"]; !reflect.DeepEqual(got, want) {
			t.Errorf("got remembered actions %v, want %v", got, want)
		}
		if got, want := after.Applied["p1"], s.Applied["p1"]; !reflect.DeepEqual(got, want) {
			t.Errorf("another member's actions changed: got %v, want %v", got, want)
		}
	})

	t.Run("a long session remembers the last 64 actions of each member", func(t *testing.T) {
		s := gathering()
		const n = 150
		var all []AppliedAction
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
			next, _, err := Apply(s, now, "f1", cmd)
			if err != nil {
				t.Fatalf("action %d: %v", i, err)
			}
			if next.Version != s.Version+1 {
				t.Fatalf("action %d: got version %d, want %d", i, next.Version, s.Version+1)
			}
			if got := len(next.Applied["f1"]); got > appliedMemory {
				t.Fatalf("action %d: %d actions remembered, want at most %d", i, got, appliedMemory)
			}
			all = append(all, AppliedAction{ID: cmd.ID, Version: next.Version})
			s = next
		}
		if got, want := s.Applied["f1"], all[n-appliedMemory:]; !reflect.DeepEqual(got, want) {
			t.Errorf("got remembered actions %v, want %v", got, want)
		}
		if _, ok := s.applied("f1", all[n-appliedMemory-1].ID); ok {
			t.Errorf("action %s is still remembered, want it forgotten", all[n-appliedMemory-1].ID)
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
			want := map[string][]AppliedAction{"f1": {{ID: "first", Version: s.Version + 1}}}
			if got := after.Applied; !reflect.DeepEqual(got, want) {
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

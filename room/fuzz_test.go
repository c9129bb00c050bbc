package room

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// FuzzApply feeds arbitrary commands to the transition function, with each
// kind of activity running: it must never panic, a refused command must leave
// the state as it was, and whatever is accepted can be shown to everyone.
func FuzzApply(f *testing.F) {
	for _, seed := range []struct {
		typ, data string
		current   uint8
	}{
		{TypeCheckInStart, `{"prompt":"How are you?","visibility":"group"}`, 0},
		{TypeCheckInAnswer, `{"scale":5,"state":"within","feeling":"calm","note":"hello"}`, 1},
		{TypeCheckInAnswer, `{"scale":1e9,"state":"hyper"}`, 1},
		{TypeCheckInClose, `{}`, 1},
		{TypeActivityEnd, ``, 2},
		{TypeRoomClose, `null`, 3},
		{TypeAgendaAdd, `{"item":{"kind":"circle","prompt":"p","mode":"round","order":"random"}}`, 0},
		{TypeAgendaStart, `{"itemId":"i"}`, 0},
		{TypeGroundingExtend, `{"seconds":30}`, 2},
		{TypeIntentionWrite, `{"text":"to rest"}`, 3},
		{TypeIntentionReveal, ``, 3},
		{TypeCircleReact, `{"kind":"heard","turn":1}`, 4},
		{TypeCircleDone, `{"turn":1}`, 4},
		{TypeCircleRaise, ``, 4},
		{TypeCheckOutWord, `{"word":"light","state":"hypo"}`, 5},
		{TypeSupportRaise, `{"level":"now"}`, 4},
		{TypeSupportAck, `{"memberId":"p"}`, 0},
		{TypeMessageSend, `{"to":"p","text":"hello"}`, 1},
		{TypeMessageRead, `{"with":"p","n":1}`, 0},
		{"dance", `[]`, 0},
	} {
		f.Add(seed.typ, []byte(seed.data), true, seed.current)
		f.Add(seed.typ, []byte(seed.data), false, seed.current)
	}
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, typ string, data []byte, asFacilitator bool, current uint8) {
		s := State{
			SessionID: "s", CohortID: "c", Status: Open, Version: 3,
			Members: []Member{
				{ID: "f", Name: "Ana", Role: Facilitator, Presence: Present},
				{ID: "p", Name: "Sam", Role: Participant, Presence: Present},
				{ID: "q", Name: "Kim", Role: Participant, Presence: Present},
			},
			Agenda: []Item{{ID: "i", Kind: KindCheckIn, Status: Pending, Settings: CheckInSettings{Prompt: "p", Visibility: Anonymous}}},
		}
		switch current % 6 {
		case 1:
			s.Current = &Activity{Run: &CheckIn{ID: "ci", Prompt: "p", Visibility: Anonymous, Open: true, Stepped: true,
				Answers: map[string]Answer{"p": {MemberID: "p", Scale: 2, State: Hypo}}}}
		case 2:
			s.Current = &Activity{Run: &Grounding{ID: "g", Seconds: 60, StartedAt: now, EndsAt: now.Add(time.Minute), CycleStart: now}}
		case 3:
			s.Current = &Activity{Run: &Intentions{ID: "in", Prompt: "p", Reveal: RevealAnonymous, Commitment: true,
				Written:     map[string]Intention{"q": {ID: "w", MemberID: "q", Text: "to rest"}},
				Reflections: map[string]Reflection{}, Commitments: map[string]Commitment{}}}
		case 4:
			s.Current = &Activity{Run: &Circle{ID: "c", Prompt: "p", Mode: OpenFloor, Queue: []string{}, Passes: map[string]int{},
				Turn: &Turn{N: 1, MemberID: "q", StartedAt: now}, Held: 1, Reacted: map[string][]string{}, Turns: []Turn{}}}
		case 5:
			s.Current = &Activity{Run: &CheckOut{ID: "co", Prompt: "p", ClosingCheck: true, Words: map[string]Word{}}}
		}
		before, _ := json.Marshal(s)
		actor := "p"
		if asFacilitator {
			actor = "f"
		}
		next, ch, err := Apply(s, now, actor, Command{Type: typ, ID: "x", Data: data})
		after, _ := json.Marshal(s)
		if !reflect.DeepEqual(before, after) {
			t.Fatalf("Apply changed its input state")
		}
		if err != nil {
			if ErrorCode(err) == CodeInternal {
				t.Fatalf("a refusal without a code: %v", err)
			}
			return
		}
		want := s.Version + 1
		if ch.quiet {
			want = s.Version
		}
		if next.Version != want {
			t.Fatalf("version %d after %d (quiet %v)", next.Version, s.Version, ch.quiet)
		}
		// Whatever was accepted can be shown to everyone without failing, and
		// no member is sent a field twice.
		fan := newFanout(next.Version, now, ch.parts, nil)
		for _, m := range next.Members {
			snapshot(&next, m, now)
			sentTo(t, ch, m)
			var v map[string]json.RawMessage
			if err := json.Unmarshal(fan.messageTo(m).Data, &v); err != nil {
				t.Fatalf("the event for %s does not decode: %v", m.ID, err)
			}
		}
	})
}

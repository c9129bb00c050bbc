package room

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// FuzzApply feeds arbitrary commands to the transition function: it must
// never panic, and a refused command must leave the state as it was.
func FuzzApply(f *testing.F) {
	for _, seed := range []struct{ typ, data string }{
		{TypeCheckInStart, `{"prompt":"How are you?","visibility":"group"}`},
		{TypeCheckInAnswer, `{"scale":5,"state":"within","feeling":"calm","note":"hello"}`},
		{TypeCheckInAnswer, `{"scale":1e9,"state":"hyper"}`},
		{TypeCheckInClose, `{}`},
		{TypeActivityEnd, ``},
		{TypeRoomClose, `null`},
		{"dance", `[]`},
	} {
		f.Add(seed.typ, []byte(seed.data), true, false)
	}
	now := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, typ string, data []byte, asFacilitator, withCheckIn bool) {
		s := State{
			SessionID: "s", CohortID: "c", Status: Open, Version: 3,
			Members: []Member{
				{ID: "f", Name: "Ana", Role: Facilitator, Presence: Present},
				{ID: "p", Name: "Sam", Role: Participant, Presence: Present},
			},
		}
		if withCheckIn {
			s.Current = &Activity{CheckIn: &CheckIn{ID: "ci", Prompt: "p", Visibility: Anonymous, Open: true,
				Answers: map[string]Answer{"p": {MemberID: "p", Scale: 2, State: Hypo}}}}
		}
		before, _ := json.Marshal(s)
		actor := "p"
		if asFacilitator {
			actor = "f"
		}
		next, _, err := Apply(s, now, actor, Command{Type: typ, ID: "x", Data: data})
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
		if next.Version != s.Version+1 {
			t.Fatalf("version %d after %d", next.Version, s.Version)
		}
		// Whatever was accepted can be shown to everyone without failing.
		snapshot(&next, next.Members[0], now)
		snapshot(&next, next.Members[1], now)
	})
}

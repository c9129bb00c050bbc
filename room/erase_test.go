package room

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// erasedRoom is a closed room in which "zed" (to be erased) and "kim" (to
// be kept) took part in an activity of every kind.
func erasedRoom() State {
	t0 := time.Date(2026, 3, 1, 18, 0, 0, 0, time.UTC)
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	stay := []Stay{{From: at(0), To: at(90)}}
	members := []Member{
		{ID: "fac", Name: "Ana", Role: Facilitator, Presence: Left, FirstJoined: at(0), Stays: stay},
		{ID: "zed", Name: "Zed-name", Role: Participant, Presence: Left, FirstJoined: at(0), Stays: stay},
		{ID: "kim", Name: "Kim", Role: Participant, Presence: Left, FirstJoined: at(0), Stays: stay},
		{ID: "lou", Name: "Lou", Role: Participant, Presence: Left, FirstJoined: at(0), Stays: stay},
		{ID: "max", Name: "Max", Role: Participant, Presence: Left, FirstJoined: at(0), Stays: stay},
	}
	counted := map[string]Counted{"zed": {Scale: 9, State: Hyper}, "kim": {Scale: 3, State: Within}, "lou": {Scale: 4, State: Within}, "max": {Scale: 5, State: Hypo}}
	checkIn := &CheckIn{ID: "ci", Visibility: Anonymous, StartedAt: at(1), ClosedAt: at(5), EndedAt: at(6), Stepped: true,
		Answers: map[string]Answer{
			"zed": {MemberID: "zed", Scale: 9, State: Hyper, Feeling: "zed-feeling", Note: "zed-checkin-note", At: at(2)},
			"kim": {MemberID: "kim", Scale: 3, State: Within, Feeling: "kim-feeling", At: at(2)},
			"lou": {MemberID: "lou", Scale: 4, State: Within, At: at(2)},
			"max": {MemberID: "max", Scale: 5, State: Hypo, At: at(2)},
		},
		Included: counted, Shown: aggregateOf([]Counted{counted["zed"], counted["kim"], counted["lou"], counted["max"]})}
	intentions := &Intentions{ID: "in", Reveal: RevealAnonymous, Revealed: true, StartedAt: at(10), EndedAt: at(20),
		Written: map[string]Intention{
			"zed": {ID: "i-zed", MemberID: "zed", Text: "zed-intention", At: at(11)},
			"kim": {ID: "i-kim", MemberID: "kim", Text: "kim-intention", At: at(11)},
		},
		Reflections: map[string]Reflection{
			"old-zed": {IntentionID: "old-zed", MemberID: "zed", Outcome: Lived, At: at(12)},
			"old-kim": {IntentionID: "old-kim", MemberID: "kim", Outcome: Lived, At: at(12)},
		},
		Commitments: map[string]Commitment{"zed": {ID: "c-zed", MemberID: "zed", IntentionID: "i-zed", Step: "zed-step", At: at(13)}},
		Shown:       map[string]string{"i-zed": "zed-intention", "i-kim": "kim-intention"},
		Held:        []string{"zed"},
	}
	circle := &Circle{ID: "cc", Mode: "round", StartedAt: at(30), EndedAt: at(50), Queue: []string{"zed"}, Passes: map[string]int{"zed": 1},
		Reacted: map[string][]string{"zed": {"heart"}},
		Turns: []Turn{
			{N: 1, MemberID: "zed", StartedAt: at(31), EndedAt: at(35), Outcome: Spoke, Reactions: map[string]int{"heart": 2}},
			{N: 2, MemberID: "kim", StartedAt: at(36), EndedAt: at(40), Outcome: Spoke, Reactions: map[string]int{"heart": 1}},
		}, Held: 2}
	checkOut := &CheckOut{ID: "co", Revealed: true, StartedAt: at(60), EndedAt: at(65),
		Words: map[string]Word{"zed": {MemberID: "zed", Word: "zed-word", At: at(61)}, "kim": {MemberID: "kim", Word: "kim-word", At: at(61)}},
		Shown: map[string]Word{"zed": {MemberID: "zed", Word: "zed-word", At: at(61)}}, Held: []string{"zed"}}
	reading := &Reading{ID: "rd", Text: "A poem", StartedAt: at(70), EndedAt: at(72), Read: map[string]time.Time{"zed": at(71), "kim": at(71)}}
	grounding := &Grounding{ID: "gr", Seconds: 60, StartedAt: at(25), EndedAt: at(26)}
	return State{
		SessionID: "s1", CohortID: "c1", Title: "Week 1", Status: Closed, OpenedAt: at(0), ClosedAt: at(90),
		Members: members,
		History: []Activity{{ItemID: "a", Run: checkIn}, {ItemID: "b", Run: intentions}, {ItemID: "g", Run: grounding},
			{ItemID: "c", Run: circle}, {ItemID: "d", Run: checkOut}, {ItemID: "e", Run: reading}},
		Applied:  map[string][]AppliedAction{"zed": {{ID: "zed-action", Version: 3}}, "kim": {{ID: "kim-action", Version: 4}}},
		Journeys: Journeys{"zed": {{ID: "old-zed", MemberID: "zed", Text: "zed-old-intention"}}, "kim": {{ID: "old-kim", MemberID: "kim", Text: "kim-old-intention"}}},
		Signals:  []Signal{{MemberID: "zed", Level: SupportNow, At: at(33)}, {MemberID: "kim", Level: SupportMoment, At: at(34)}},
		Flags:    []Flag{{MemberID: "zed", Reason: DroppedWhileSharing, At: at(34)}},
		Threads: map[string]Thread{
			"zed": {Messages: []ThreadMessage{{N: 1, From: "zed", Text: "zed-message", At: at(33)}, {N: 2, From: "fac", Text: "to-zed-reply", At: at(34)}}},
			"kim": {Messages: []ThreadMessage{{N: 1, From: "kim", Text: "kim-message", At: at(33)}}},
		},
		Door: Door{Removed: []string{"zed"}, TurnedAway: []string{"zed", "kim"}},
	}
}

func TestEraseMember(t *testing.T) {
	before := erasedRoom()
	covered := map[Kind]bool{}
	for _, a := range before.History {
		covered[a.Kind()] = true
	}
	for k := range kinds {
		if !covered[k] {
			t.Fatalf("the erasure test has no activity of kind %q: add one to erasedRoom", k)
		}
	}
	beforeJSON, _ := json.Marshal(before)
	after := EraseMember(before, "zed")
	raw, err := json.Marshal(after)
	if err != nil {
		t.Fatal(err)
	}
	text := string(raw)
	for _, gone := range []string{`"zed"`, "zed-", "Zed-name", "i-zed", "old-zed", "c-zed", "to-zed-reply"} {
		if strings.Contains(text, gone) {
			t.Errorf("after erasure the room still holds %s:\n%s", gone, text)
		}
	}
	for _, kept := range []string{"kim-feeling", "kim-intention", "kim-word", "kim-message", "kim-old-intention", "old-kim", "kim-action", `"Kim"`, `"Lou"`, `"max"`} {
		if !strings.Contains(text, kept) {
			t.Errorf("erasure took %s, which is someone else's", kept)
		}
	}
	if again, _ := json.Marshal(before); string(again) != string(beforeJSON) {
		t.Error("EraseMember changed the state it was given")
	}
	ci := after.History[0].CheckIn()
	if ci.Shown == nil || ci.Shown.Count != 3 || ci.Shown.ScaleAverage != 4 || ci.Shown.States[Hyper] != 0 {
		t.Errorf("the anonymous aggregate after erasure is %+v, want the 3 answers left (average 4, no hyper)", ci.Shown)
	}
	circle := after.History[3].Circle()
	if len(circle.Turns) != 1 || circle.Turns[0].MemberID != "kim" || circle.Turns[0].Reactions != nil {
		t.Errorf("circle turns after erasure: %+v, want kim's only, without reaction counts zed may be in", circle.Turns)
	}

	// Fewer answers than anonymity needs: the aggregate goes.
	small := erasedRoom()
	small.History[0].CheckIn().Included = map[string]Counted{"zed": {Scale: 9}, "kim": {Scale: 3}, "lou": {Scale: 4}}
	if got := EraseMember(small, "zed").History[0].CheckIn(); got.Shown != nil || got.Included != nil {
		t.Errorf("an aggregate of 2 answers is kept after erasure: %+v", got.Shown)
	}
}

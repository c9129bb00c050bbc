package storage

import (
	"encoding/json"
	"maps"
	"reflect"
	"testing"
	"time"

	"hearth/room"
)

// TestEncodeRecord follows one room through changes to each part that
// encodeRecord keeps the encoding of, and checks every record against
// encoding/json's encoding of the same state: same object, and read back
// as the same room.
func TestEncodeRecord(t *testing.T) {
	s := loadRoom(t, 3)
	p := &partsCache{applied: make(map[string]appliedJSON)}
	check := func(what string) {
		t.Helper()
		got, err := encodeRecord(p, &s, len(s.History))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		want, err := json.Marshal(roomRecord{State: &s, HistoryLen: len(s.History)})
		if err != nil {
			t.Fatal(err)
		}
		var g, w any
		if err := json.Unmarshal(got, &g); err != nil {
			t.Fatalf("%s: the record is not JSON: %v\n%s", what, err, got)
		}
		json.Unmarshal(want, &w)
		if !reflect.DeepEqual(g, w) {
			t.Errorf("%s:\ngot  %s\nwant %s", what, got, want)
		}
		var back room.State
		if err := json.Unmarshal(got, &roomRecord{State: &back}); err != nil {
			t.Fatal(err)
		}
		wantBack := s
		wantBack.History = nil
		if !reflect.DeepEqual(back, roundTrip(t, wantBack)) {
			t.Errorf("%s: read back\ngot  %+v\nwant %+v", what, back, wantBack)
		}
	}
	check("first save")
	check("the same state again")
	s = cloneState(s)
	s.Version++
	s.Members[3].Presence, s.Members[3].Since = room.Reconnecting, t0.Add(time.Hour)
	check("a member reconnecting")
	s = cloneState(s)
	s.Applied[s.Members[2].ID] = append(s.Applied[s.Members[2].ID][:0:0], "a-new")
	check("one member's action IDs replaced")
	s = cloneState(s)
	s.Applied["someone-removed"] = []string{"a-1", `a-"quoted"<&>`}
	check("IDs of a member no longer on the roster")
	s = cloneState(s)
	s.Agenda[0].Title = "Renamed"
	check("an agenda item renamed")
	s = cloneState(s)
	s.Agenda[1].Breath = &room.Breath{In: 4, Hold: 2, Out: 6}
	check("a breath added")
	s = cloneState(s)
	b := *s.Agenda[1].Breath
	b.Out = 8
	s.Agenda[1].Breath = &b
	check("a breath changed")
	s = cloneState(s)
	s.Agenda, s.Applied = nil, nil
	check("no agenda, no action IDs")
	s = cloneState(s)
	s.Members = s.Members[:2]
	s.Status, s.ClosedAt = room.Closed, t0.Add(2*time.Hour)
	check("closed with a smaller roster")
	s = cloneState(s)
	s.Members = nil
	check("no members")
}

// cloneState copies what the test changes, as room's transitions do: the
// next state never shares a changed slice or map with the last.
func cloneState(s room.State) room.State {
	s.Members = append([]room.Member(nil), s.Members...)
	s.Agenda = append([]room.Item(nil), s.Agenda...)
	if s.Applied != nil {
		s.Applied = maps.Clone(s.Applied)
	}
	return s
}

package storage

import (
	"context"
	"encoding/json"
	"slices"
	"testing"

	"hearth/room"
)

// TestPausedRoomSurvivesRestart: a paused room, its door and the people it
// sent out come back from the file as they were, through a real Manager on
// a real database that is closed and opened again.
func TestPausedRoomSurvivesRestart(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	m := room.NewManager(room.Config{Store: db.DB})
	r, err := m.Open(ctx, room.State{
		SessionID: "s1", CohortID: "c1", Title: "Week 1", Cohort: "Tuesday circle",
		Members: []room.Member{
			{ID: "f1", Name: "Robin", Role: room.Facilitator},
			{ID: "p1", Name: "Sam", Role: room.Participant},
			{ID: "p2", Name: "Kai", Role: room.Participant},
		},
		Door: room.Door{AdmitOnArrival: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	fac, err := r.Join(ctx, "f1")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []room.Command{
		{Type: room.TypeRoomPause, ID: "a-1"},
		{Type: room.TypeDoorRemove, ID: "a-2", Data: json.RawMessage(`{"memberId":"p2"}`)},
		{Type: room.TypeDoorLock, ID: "a-3", Data: json.RawMessage(`{"locked":true}`)},
	} {
		if err := r.Act(ctx, "f1", c); err != nil {
			t.Fatalf("%s: %v", c.Type, err)
		}
	}
	fac.Leave()
	m.Stop()
	db.reopen(t)

	m2 := room.NewManager(room.Config{Store: db.DB})
	t.Cleanup(m2.Stop)
	if _, err := m2.Restore(ctx); err != nil {
		t.Fatal(err)
	}
	r2, ok := m2.Get("s1")
	if !ok {
		t.Fatal("the room did not come back")
	}
	s := r2.State()
	if !s.Hold.Paused || s.Hold.Since.IsZero() {
		t.Errorf("got hold %+v, want paused since the pause", s.Hold)
	}
	if !s.Door.AdmitOnArrival || !s.Door.Locked || !slices.Equal(s.Door.Removed, []string{"p2"}) {
		t.Errorf("got door %+v, want admission on, locked, Kai removed", s.Door)
	}
	if p2, _ := s.Member("p2"); p2.Presence != room.Removed {
		t.Errorf("got Kai %s, want removed", p2.Presence)
	}
	// Sam never came in: the locked door turns him away after the restart.
	if _, err := r2.Join(ctx, "p1"); err != room.ErrLocked {
		t.Errorf("got %v for a newcomer at the locked door, want ErrLocked", err)
	}
}

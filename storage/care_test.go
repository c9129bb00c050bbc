package storage

import (
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"hearth/room"
)

// TestCareSurvivesRestart runs care through a live room over a real bbolt
// file: a signal raised and answered, messages both ways with their read
// marks, a drop that flags, then a clear. After each step the server
// stops, the file is reopened and the room restored; the signals, flags,
// threads and read marks come back as they were.
func TestCareSurvivesRestart(t *testing.T) {
	db := newDB(t)
	ctx := context.Background()
	clock := t0
	now := func() time.Time { return clock }
	start := func() *room.Manager {
		m := room.NewManager(room.Config{Store: db.DB, Now: now, Grace: time.Hour})
		if _, err := m.Restore(ctx); err != nil {
			t.Fatal(err)
		}
		return m
	}
	m := start()
	r, err := m.Open(ctx, room.State{SessionID: "s-care", CohortID: "c-care", Title: "Week 1", Cohort: "Tuesday circle",
		Members: []room.Member{
			{ID: "f1", Name: "Ana", Role: room.Facilitator},
			{ID: "p1", Name: "Sam", Role: room.Participant},
			{ID: "p2", Name: "Kim", Role: room.Participant},
		}})
	if err != nil {
		t.Fatal(err)
	}
	act := func(r *room.Room, who, typ string, data any) {
		t.Helper()
		clock = clock.Add(10 * time.Second)
		raw, _ := json.Marshal(data)
		if err := r.Act(ctx, who, room.Command{Type: typ, ID: typ + "-" + clock.Format("150405"), Data: raw}); err != nil {
			t.Fatalf("%s by %s: %v", typ, who, err)
		}
	}
	// restart stops the server, reopens the file and restores the room,
	// and checks its care is what it was.
	restart := func(step string) *room.Room {
		t.Helper()
		want := r.State()
		m.Stop()
		db.reopen(t)
		m = start()
		got, ok := m.Get("s-care")
		if !ok {
			t.Fatalf("%s: the room did not come back", step)
		}
		s := got.State()
		if !reflect.DeepEqual(s.Signals, roundTrip(t, want).Signals) || !reflect.DeepEqual(s.Flags, roundTrip(t, want).Flags) ||
			!reflect.DeepEqual(s.Threads, roundTrip(t, want).Threads) {
			t.Errorf("%s: after a restart\ngot  %+v %+v %+v\nwant %+v %+v %+v", step, s.Signals, s.Flags, s.Threads, want.Signals, want.Flags, want.Threads)
		}
		return got
	}

	sam, err := r.Join(ctx, "p1")
	if err != nil {
		t.Fatal(err)
	}
	act(r, "p1", room.TypeSupportRaise, map[string]string{"level": "now"})
	act(r, "f1", room.TypeSupportAck, map[string]string{"memberId": "p1"})
	act(r, "f1", room.TypeMessageSend, map[string]string{"to": "p1", "text": "I see you. Take your time."})
	act(r, "p1", room.TypeMessageSend, map[string]string{"text": "Thank you."})
	act(r, "f1", room.TypeMessageRead, map[string]any{"with": "p1", "n": 2})
	act(r, "f1", room.TypeMessageSend, map[string]string{"to": "p2", "text": "How are you?"})
	// Sam's connection drops within the minute: a flag. Presence is only
	// queued; the next acknowledged action commits it.
	clock = clock.Add(5 * time.Second)
	sam.Leave()
	act(r, "p2", room.TypeMessageRead, map[string]any{"n": 1})
	r = restart("signal, messages, read marks, flag")

	s := r.State()
	if len(s.Signals) != 1 || s.Signals[0].AckedBy != "f1" || s.Signals[0].Ended != "" {
		t.Errorf("got signals %+v", s.Signals)
	}
	if len(s.Flags) != 1 || s.Flags[0].Reason != room.DroppedAfterSignal {
		t.Errorf("got flags %+v", s.Flags)
	}
	if th := s.Threads["p1"]; len(th.Messages) != 2 || th.ReadByFacilitators != 2 || th.ReadByParticipant != 2 {
		t.Errorf("got Sam's thread %+v", th)
	}
	if th := s.Threads["p2"]; len(th.Messages) != 1 || th.ReadByParticipant != 1 {
		t.Errorf("got Kim's thread %+v", th)
	}

	act(r, "f1", room.TypeSupportClear, map[string]string{"memberId": "p1"})
	r = restart("cleared")
	s = r.State()
	if s.Signals[0].Ended != room.SignalCleared || s.Flags[0].ClearedBy != "f1" {
		t.Errorf("got signals %+v, flags %+v after the clear", s.Signals, s.Flags)
	}
	m.Stop()
}

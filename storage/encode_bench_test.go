package storage

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"hearth/room"
)

// loadRoom returns a room of a facilitator and ten participants after the
// given number of check-in rounds as cmd/hearth-load runs them (start, ten
// answers, close, end), with the next round's check-in open and half
// answered: what a save encodes at the 1,000-room benchmark.
func loadRoom(tb testing.TB, rounds int) room.State {
	tb.Helper()
	s := room.State{
		SessionID: "0190f5c2-7b1d-7c3e-9a4f-1b2c3d4e5f60", CohortID: "0190f5c2-7b1d-7c3e-9a4f-1b2c3d4e5f61",
		Title: "Session 1", Cohort: "Load cohort 17", Status: room.Open, Version: 1, OpenedAt: t0,
	}
	s.Members = append(s.Members, room.Member{ID: "f-0190f5c2-7b1d-7c3e", Name: "Load", Role: room.Facilitator, Presence: room.Present, Since: t0, FirstJoined: t0})
	for i := range 10 {
		s.Members = append(s.Members, room.Member{ID: fmt.Sprintf("p-0190f5c2-7b1d-%04d", i), Name: fmt.Sprintf("Participant %d", i), Role: room.Participant, Presence: room.Present, Since: t0, FirstJoined: t0})
	}
	now, seq := t0, 0
	do := func(actor, typ string, data any) {
		tb.Helper()
		seq++
		now = now.Add(time.Second)
		raw, _ := json.Marshal(data)
		next, _, err := room.Apply(s, now, actor, room.Command{Type: typ, ID: fmt.Sprintf("a-17-%d", seq), Data: raw})
		if err != nil {
			tb.Fatalf("%s: %v", typ, err)
		}
		s = next
	}
	fac := s.Members[0].ID
	round := func(answers int) {
		do(fac, room.TypeCheckInStart, map[string]string{"prompt": "How are you arriving today?", "visibility": "group"})
		for _, p := range s.Members[1 : 1+answers] {
			do(p.ID, room.TypeCheckInAnswer, map[string]any{"scale": seq % 11, "state": "within", "feeling": "tender",
				"note": fmt.Sprintf("NOTE~r17~m%s~%d Tired but glad to be here; the week was long and I kept coming back to the intention.", p.ID, seq)})
		}
	}
	for range rounds {
		round(10)
		do(fac, room.TypeCheckInClose, struct{}{})
		do(fac, room.TypeActivityEnd, struct{}{})
	}
	round(5)
	return s
}

// BenchmarkEncodeRoom measures what a save encodes: the live part of a room
// (request, as SaveRoom calls it) once the room's history is handed over.
func BenchmarkEncodeRoom(b *testing.B) {
	for _, rounds := range []int{4, 20} {
		b.Run(fmt.Sprintf("%d rounds", rounds), func(b *testing.B) {
			db := newDB(b)
			s := loadRoom(b, rounds)
			req, err := db.request(whole(&s))
			if err != nil {
				b.Fatal(err)
			}
			db.handedOver(req)
			b.ReportAllocs()
			for b.Loop() {
				s.Version++
				if req, err = db.request(room.Record{State: &s}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(len(req.data)), "record-bytes")
		})
	}
}

package storage

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"hearth/room"
)

// BenchmarkSaveRooms saves answers to 1,000 live rooms of ten participants
// from 32 savers at once, as the 1,000-room load run does, in rooms early in
// a session (a few remembered action IDs per member) and late in one (the
// full 64 per member): what one acknowledged answer costs the storage,
// group commits included.
func BenchmarkSaveRooms(b *testing.B) {
	for _, ids := range []int{4, 64} {
		b.Run(fmt.Sprintf("%d IDs per member", ids), func(b *testing.B) {
			db := newDB(b)
			const rooms = 1000
			states := make([]room.State, rooms)
			base := loadRoom(b, 4)
			for i := range states {
				s := cloneState(base)
				s.SessionID = fmt.Sprintf("0190f5c2-7b1d-7c3e-9a4f-%012d", i)
				s.Applied = make(map[string][]room.AppliedAction, len(s.Members))
				for _, m := range s.Members {
					for k := range ids {
						s.Applied[m.ID] = append(s.Applied[m.ID], room.AppliedAction{ID: fmt.Sprintf("a-%d-%s-%d", i, m.ID, k), Version: s.Version})
					}
				}
				saveRoom(b, db.DB, &s)
				states[i] = s
			}
			var mu [rooms]sync.Mutex // one saver per room at a time, as a room's lock does
			b.ReportAllocs()
			b.SetParallelism(16) // 32 savers on 2 CPUs
			n := 0
			var nmu sync.Mutex
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					i := rand.IntN(rooms)
					mu[i].Lock()
					s := cloneState(states[i])
					s.Version++
					m := s.Members[1+rand.IntN(10)].ID
					nmu.Lock()
					n++
					id := fmt.Sprintf("b-%d", n)
					nmu.Unlock()
					s.Applied[m] = append(append([]room.AppliedAction(nil), s.Applied[m][1:]...), room.AppliedAction{ID: id, Version: s.Version})
					if err := db.SaveRoom(context.Background(), room.Record{State: &s, Applied: m}, nil); err != nil {
						b.Error(err)
					}
					states[i] = s
					mu[i].Unlock()
				}
			})
		})
	}
}

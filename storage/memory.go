package storage

import (
	"context"
	"runtime"
	"sync"

	bolt "go.etcd.io/bbolt"

	"hearth/room"
)

// RoomsToRead returns the stored rooms of the sessions, in their order,
// leaving out those that never opened: what a cohort's overview and exports
// read back (memory.Archive). A room stored in parts (schema 3) comes
// without its Journeys, which are copies of what the cohort's earlier rooms
// hold, growing with every session: a cohort's sixtieth room carries
// fifty-nine sessions of everyone's intentions, and reading them in every
// room made reading a cohort grow with the square of its sessions. A room
// stored before parts keeps them.
//
// Decoding is most of the time, so the rooms are read in a few read
// transactions at once, one per CPU, each room whole in one of them.
func (db *DB) RoomsToRead(ctx context.Context, sessionIDs []string) ([]room.State, error) {
	states := make([]room.State, len(sessionIDs))
	found := make([]bool, len(sessionIDs))
	workers := min(runtime.GOMAXPROCS(0), len(sessionIDs))
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[w] = db.bolt.View(func(tx *bolt.Tx) error {
				rooms := tx.Bucket(bucketRooms)
				for i := w; i < len(sessionIDs); i += workers {
					if err := ctx.Err(); err != nil {
						return err
					}
					id := []byte(sessionIDs[i])
					data := rooms.Get(id)
					if data == nil {
						continue
					}
					s, err := readRoomWith(tx, id, data, false)
					if err != nil {
						return err
					}
					states[i], found[i] = s, true
				}
				return nil
			})
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	out := states[:0]
	for i, s := range states {
		if found[i] {
			out = append(out, s)
		}
	}
	return out, nil
}

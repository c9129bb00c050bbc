package storage

import (
	"context"

	bolt "go.etcd.io/bbolt"

	"hearth/room"
)

// RoomsToRead returns the stored rooms of the sessions, in their order,
// leaving out those that never opened, all read in one read transaction:
// what a cohort's overview and exports read back (memory.Archive). A room
// stored in parts (schema 3) comes without its Journeys, which are copies
// of what the cohort's earlier rooms hold, growing with every session: a
// cohort's sixtieth room carries fifty-nine sessions of everyone's
// intentions, and reading them in every room made reading a cohort grow
// with the square of its sessions. A room stored before parts keeps them.
func (db *DB) RoomsToRead(ctx context.Context, sessionIDs []string) ([]room.State, error) {
	var out []room.State
	err := db.bolt.View(func(tx *bolt.Tx) error {
		rooms := tx.Bucket(bucketRooms)
		for _, id := range sessionIDs {
			if err := ctx.Err(); err != nil {
				return err
			}
			data := rooms.Get([]byte(id))
			if data == nil {
				continue
			}
			s, err := readRoomWith(tx, []byte(id), data, false)
			if err != nil {
				return err
			}
			out = append(out, s)
		}
		return nil
	})
	return out, err
}

package storage

import (
	"context"

	bolt "go.etcd.io/bbolt"

	"hearth/facilitator"
)

var _ facilitator.QuotaStore = (*DB)(nil)

// CohortCounts counts a cohort's participants, sessions and notes from
// their indexes, in one read transaction, without decoding a record: a
// quota check before each new note costs a walk over keys, not a read of
// every note.
func (db *DB) CohortCounts(ctx context.Context, cohortID string) (facilitator.CohortCounts, error) {
	var c facilitator.CohortCounts
	err := db.bolt.View(func(tx *bolt.Tx) error {
		count := func(bucket []byte) (int, error) {
			n := 0
			err := eachChild(tx.Bucket(bucket), cohortID, func(string) error { n++; return nil })
			return n, err
		}
		var err error
		if c.Participants, err = count(bucketCohortPeople); err != nil {
			return err
		}
		if c.Sessions, err = count(bucketCohortSession); err != nil {
			return err
		}
		c.Notes, err = count(bucketCohortNotes)
		return err
	})
	return c, err
}

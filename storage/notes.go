package storage

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"

	"hearth/facilitator"
)

// Facilitators' private notes: one bucket of notes by ID, and an index by
// cohort whose keys sort by note ID, which is time-ordered, so a cohort's
// notes come out oldest first without sorting.
var (
	bucketNotes       = []byte("notes")
	bucketCohortNotes = []byte("cohort_notes") // cohort ID \x00 note ID → nil
)

// PutNote stores a note, new or changed.
func (db *DB) PutNote(ctx context.Context, n facilitator.Note) error {
	return db.update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketCohortNotes).Put(indexKey(n.CohortID, n.ID), nil); err != nil {
			return err
		}
		return putJSON(tx.Bucket(bucketNotes), n.ID, n)
	})
}

// UpdateNote changes a note in one transaction (facilitator.NoteStore).
func (db *DB) UpdateNote(ctx context.Context, id string, fn func(*facilitator.Note) error) (facilitator.Note, error) {
	var n facilitator.Note
	err := db.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketNotes)
		if err := getJSON(b, id, &n); err != nil {
			return err
		}
		cohortID := n.CohortID
		if err := fn(&n); err != nil {
			return err
		}
		if n.ID != id || n.CohortID != cohortID {
			return fmt.Errorf("update note %s: the change moved it to %q in cohort %q", id, n.ID, n.CohortID)
		}
		return putJSON(b, id, n)
	})
	if err != nil {
		return facilitator.Note{}, err
	}
	return n, nil
}

// Note returns the note with the ID.
func (db *DB) Note(ctx context.Context, id string) (facilitator.Note, error) {
	var n facilitator.Note
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return getJSON(tx.Bucket(bucketNotes), id, &n)
	})
	return n, err
}

// CohortNotes returns a cohort's notes, oldest first.
func (db *DB) CohortNotes(ctx context.Context, cohortID string) ([]facilitator.Note, error) {
	var out []facilitator.Note
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return eachChild(tx.Bucket(bucketCohortNotes), cohortID, func(id string) error {
			var n facilitator.Note
			if err := getJSON(tx.Bucket(bucketNotes), id, &n); err != nil {
				return err
			}
			out = append(out, n)
			return nil
		})
	})
	return out, err
}

// DeleteNote removes a note and its index entry; ErrNotFound when there is
// no such note.
func (db *DB) DeleteNote(ctx context.Context, id string) error {
	return db.update(func(tx *bolt.Tx) error {
		var n facilitator.Note
		if err := getJSON(tx.Bucket(bucketNotes), id, &n); err != nil {
			return err
		}
		if err := tx.Bucket(bucketCohortNotes).Delete(indexKey(n.CohortID, n.ID)); err != nil {
			return err
		}
		return tx.Bucket(bucketNotes).Delete([]byte(id))
	})
}

package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"hearth/facilitator"
	"hearth/room"
)

// Deletion is for good. bbolt never overwrites a page in place: a change
// writes the pages it touches anew and frees the old ones, which keep
// their bytes until the space is used again, so a deleted sentence stays
// in the file (and in a backup, which copies every page) long after it is
// gone from every record. After each deletion the DB therefore scrubs:
// it has bbolt itself write over every free page (scrub, below). That
// keeps the file in place while the server runs, with no second file and
// no pause for the readers, unlike compacting into a fresh file and
// swapping it in; see docs/data.md.

// bucketScrub is the scratch bucket a scrub fills and drops. It exists only
// for the length of a scrub (or after a crash in one, until the next).
var bucketScrub = []byte("scrub")

var _ facilitator.EraseStore = (*DB)(nil)

// DeleteCohort removes a cohort and everything of it: its participants and
// their invite tokens, its sessions with their rooms (records, parts and
// finished activities) and its notes, then scrubs the file. ErrNotFound
// when there is no such cohort.
func (db *DB) DeleteCohort(ctx context.Context, id string) error {
	err := db.update(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketCohorts).Get([]byte(id)) == nil {
			return facilitator.ErrNotFound
		}
		// Each index of the cohort's children, with how one child goes.
		for _, each := range []struct {
			index  []byte
			delete func(tx *bolt.Tx, cohortID, childID string) error
		}{
			{bucketCohortPeople, deleteParticipant},
			{bucketCohortSession, deleteSession},
			{bucketCohortNotes, deleteNote},
		} {
			ids, err := children(tx.Bucket(each.index), id)
			if err != nil {
				return err
			}
			for _, child := range ids {
				if err := each.delete(tx, id, child); err != nil {
					return err
				}
			}
		}
		return tx.Bucket(bucketCohorts).Delete([]byte(id))
	})
	if err != nil {
		return err
	}
	return db.Scrub(ctx)
}

// DeleteSession removes a session, its room (record, parts and finished
// activities) and the notes about it, then scrubs the file. The caller
// makes sure the room is not live. ErrNotFound when there is no such
// session.
func (db *DB) DeleteSession(ctx context.Context, id string) error {
	err := db.update(func(tx *bolt.Tx) error {
		s, err := readSession(tx, id)
		if err != nil {
			return err
		}
		if tx.Bucket(bucketOpenRooms).Get([]byte(id)) != nil {
			return fmt.Errorf("delete session %s: its room is live", id)
		}
		notes, err := children(tx.Bucket(bucketCohortNotes), s.CohortID)
		if err != nil {
			return err
		}
		for _, nid := range notes {
			var n facilitator.Note
			if err := getJSON(tx.Bucket(bucketNotes), nid, &n); err != nil {
				return err
			}
			if n.SessionID == id {
				if err := deleteNote(tx, s.CohortID, nid); err != nil {
					return err
				}
			}
		}
		return deleteSession(tx, s.CohortID, id)
	})
	if err != nil {
		return err
	}
	db.forgetRoom(id)
	return db.Scrub(ctx)
}

// EraseParticipant removes a participant of the cohort and everything of
// theirs: their record and invite token, the notes about them, and what
// they wrote, chose or were sent in every room of the cohort
// (room.EraseMember), their roster entries included; then it scrubs the
// file. It erases someone already removed from the roster as well, from
// the rooms they were in. The caller makes sure no room of the cohort is
// live. ErrNotFound when the cohort has no participant of that ID, on its
// roster or in any of its rooms.
func (db *DB) EraseParticipant(ctx context.Context, cohortID, id string) error {
	err := db.update(func(tx *bolt.Tx) error {
		found := false
		var p facilitator.Participant
		switch err := getJSON(tx.Bucket(bucketParticipants), id, &p); {
		case err == nil && p.CohortID == cohortID:
			found = true
			if err := deleteParticipant(tx, cohortID, id); err != nil {
				return err
			}
		case err != nil && !errors.Is(err, facilitator.ErrNotFound):
			return err
		}
		sessions, err := children(tx.Bucket(bucketCohortSession), cohortID)
		if err != nil {
			return err
		}
		for _, sid := range sessions {
			data := tx.Bucket(bucketRooms).Get([]byte(sid))
			if data == nil {
				continue
			}
			if tx.Bucket(bucketOpenRooms).Get([]byte(sid)) != nil {
				return fmt.Errorf("erase participant %s: the room of session %s is live", id, sid)
			}
			s, err := readRoom(tx, []byte(sid), data)
			if err != nil {
				return err
			}
			if _, ok := s.Member(id); ok {
				found = true
			}
			erased := room.EraseMember(s, id)
			if err := rewriteRoom(tx, &erased); err != nil {
				return fmt.Errorf("rewrite room %s: %w", sid, err)
			}
		}
		if !found {
			return facilitator.ErrNotFound
		}
		notes, err := children(tx.Bucket(bucketCohortNotes), cohortID)
		if err != nil {
			return err
		}
		for _, nid := range notes {
			var n facilitator.Note
			if err := getJSON(tx.Bucket(bucketNotes), nid, &n); err != nil {
				return err
			}
			if n.ParticipantID == id {
				if err := deleteNote(tx, cohortID, nid); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return db.Scrub(ctx)
}

// DeleteAccount removes a facilitator account with its email, its logins
// and its agenda templates, then scrubs the file. What becomes of its
// cohorts is the caller's to settle first. ErrNotFound when there is no
// such account.
func (db *DB) DeleteAccount(ctx context.Context, id string) error {
	err := db.update(func(tx *bolt.Tx) error {
		var a facilitator.Account
		if err := getJSON(tx.Bucket(bucketAccounts), id, &a); err != nil {
			return err
		}
		if err := tx.Bucket(bucketEmails).Delete([]byte(a.Email)); err != nil {
			return err
		}
		logins := tx.Bucket(bucketLogins)
		var ended [][]byte
		err := logins.ForEach(func(k, v []byte) error {
			var l facilitator.Login
			if err := json.Unmarshal(v, &l); err != nil {
				return fmt.Errorf("decode login: %w", err)
			}
			if l.AccountID == id {
				ended = append(ended, bytes.Clone(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range ended {
			if err := logins.Delete(k); err != nil {
				return err
			}
		}
		templates, err := children(tx.Bucket(bucketAccountTmpl), id)
		if err != nil {
			return err
		}
		for _, tid := range templates {
			if err := tx.Bucket(bucketTemplates).Delete([]byte(tid)); err != nil {
				return err
			}
			if err := tx.Bucket(bucketAccountTmpl).Delete(indexKey(id, tid)); err != nil {
				return err
			}
		}
		return tx.Bucket(bucketAccounts).Delete([]byte(id))
	})
	if err != nil {
		return err
	}
	return db.Scrub(ctx)
}

// children returns the child IDs indexed under parent, read before any is
// deleted (a cursor does not walk a bucket that changes under it).
func children(b *bolt.Bucket, parent string) ([]string, error) {
	var out []string
	err := eachChild(b, parent, func(id string) error {
		out = append(out, id)
		return nil
	})
	return out, err
}

func deleteParticipant(tx *bolt.Tx, cohortID, id string) error {
	var p facilitator.Participant
	switch err := getJSON(tx.Bucket(bucketParticipants), id, &p); {
	case errors.Is(err, facilitator.ErrNotFound):
	case err != nil:
		return err
	default:
		if err := tx.Bucket(bucketTokens).Delete([]byte(p.TokenHash)); err != nil {
			return err
		}
		if err := tx.Bucket(bucketParticipants).Delete([]byte(id)); err != nil {
			return err
		}
	}
	return tx.Bucket(bucketCohortPeople).Delete(indexKey(cohortID, id))
}

func deleteNote(tx *bolt.Tx, cohortID, id string) error {
	if err := tx.Bucket(bucketNotes).Delete([]byte(id)); err != nil {
		return err
	}
	return tx.Bucket(bucketCohortNotes).Delete(indexKey(cohortID, id))
}

// deleteSession removes a session and its room's every key.
func deleteSession(tx *bolt.Tx, cohortID, id string) error {
	if err := deleteRoom(tx, id); err != nil {
		return err
	}
	if err := tx.Bucket(bucketSessions).Delete([]byte(id)); err != nil {
		return err
	}
	return tx.Bucket(bucketCohortSession).Delete(indexKey(cohortID, id))
}

// deleteRoom removes a room's record, its parts, its finished activities
// and its place among the live rooms.
func deleteRoom(tx *bolt.Tx, sessionID string) error {
	for _, name := range [][]byte{bucketParts, bucketHistory} {
		if err := deletePrefix(tx.Bucket(name), []byte(sessionID+"\x00")); err != nil {
			return err
		}
	}
	if err := tx.Bucket(bucketOpenRooms).Delete([]byte(sessionID)); err != nil {
		return err
	}
	return tx.Bucket(bucketRooms).Delete([]byte(sessionID))
}

func deletePrefix(b *bolt.Bucket, prefix []byte) error {
	var keys [][]byte
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		keys = append(keys, bytes.Clone(k))
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// rewriteRoom replaces every key of a room that is not live with s, in the
// current schema: what the room had is gone, not left beside it.
func rewriteRoom(tx *bolt.Tx, s *room.State) error {
	if err := deleteRoom(tx, s.SessionID); err != nil {
		return err
	}
	for i, a := range s.History {
		b, err := json.Marshal(a)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketHistory).Put(historyKey(s.SessionID, i), b); err != nil {
			return err
		}
	}
	data, parts, err := encodeRecord(room.Record{State: s}, len(s.History), true)
	if err != nil {
		return err
	}
	for _, p := range parts {
		if err := tx.Bucket(bucketParts).Put(p.key, p.value); err != nil {
			return err
		}
	}
	return tx.Bucket(bucketRooms).Put([]byte(s.SessionID), data)
}

// forgetRoom drops what the DB remembers of a room's saves in this process.
func (db *DB) forgetRoom(sessionID string) {
	db.handedMu.Lock()
	defer db.handedMu.Unlock()
	delete(db.handed, sessionID)
	delete(db.written, sessionID)
}

// scrubPasses bounds how many times Scrub tries to reach pages a reader
// still held; scrubWait is its first wait between tries, doubled each time.
const (
	scrubPasses = 8
	scrubWait   = 10 * time.Millisecond
)

// Scrub writes over every free page of the file, so nothing deleted before
// it survives in the file's bytes (nor in a backup, which copies every
// page). It makes bbolt allocate every free page to a scratch bucket of
// zeros, and then drops the bucket: bbolt writes each page whole from a
// zeroed buffer, so a page so written holds nothing but the scratch
// bucket's zeros and keys. A page freed while a reader still reads it is
// not given out until that reader ends; Scrub tries again for those, with
// a short wait, and returns an error naming how many it could not reach.
// Scrubs are serialised; they wait for no one but bbolt's single writer.
func (db *DB) Scrub(ctx context.Context) error {
	db.scrubMu.Lock()
	defer db.scrubMu.Unlock()
	var left map[int]bool
	wait := scrubWait
	for pass := 0; ; pass++ {
		err := db.update(func(tx *bolt.Tx) error {
			if tx.Bucket(bucketScrub) != nil {
				if err := tx.DeleteBucket(bucketScrub); err != nil {
					return err
				}
			}
			freed, err := freePages(tx)
			if err != nil {
				return err
			}
			if left == nil {
				left = freed
			}
			if len(left) == 0 {
				return nil
			}
			b, err := tx.CreateBucket(bucketScrub)
			if err != nil {
				return err
			}
			// Two values fill a page: each leaf gets a page of its own, and
			// the leaves outnumber the free pages.
			zeros := make([]byte, tx.DB().Info().PageSize/2-64)
			key := make([]byte, 8)
			for i := range 2*len(freed) + 8 {
				binary.BigEndian.PutUint64(key, uint64(i))
				if err := b.Put(key, zeros); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return fmt.Errorf("scrub: %w", err)
		}
		if len(left) == 0 {
			return nil
		}
		// Pages written over are in the scratch bucket now; those still
		// free were held by a reader.
		err = db.bolt.View(func(tx *bolt.Tx) error {
			for id := range left {
				info, err := tx.Page(id)
				if err != nil {
					return err
				}
				if info == nil || info.Type != "free" {
					delete(left, id)
				}
			}
			return nil
		})
		if err == nil {
			err = db.update(func(tx *bolt.Tx) error { return tx.DeleteBucket(bucketScrub) })
		}
		if err != nil {
			return fmt.Errorf("scrub: %w", err)
		}
		if len(left) == 0 {
			return nil
		}
		if pass+1 == scrubPasses {
			return fmt.Errorf("scrub: %d freed pages are still read by a long transaction (a backup?); they are written over by the next deletion or start", len(left))
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("scrub: %w", ctx.Err())
		case <-time.After(wait):
		}
		wait *= 2
	}
}

// freePages returns the pages of the file that are free or waiting for a
// reader to end.
func freePages(tx *bolt.Tx) (map[int]bool, error) {
	out := map[int]bool{}
	n := int(tx.Size() / int64(tx.DB().Info().PageSize))
	for id := 2; id < n; id++ {
		info, err := tx.Page(id)
		if err != nil {
			return nil, err
		}
		if info != nil && info.Type == "free" {
			out[id] = true
		}
	}
	return out, nil
}

// AllCohorts returns every cohort, for the retention sweep. It reads them
// all, as CohortsOf does.
func (db *DB) AllCohorts(ctx context.Context) ([]facilitator.Cohort, error) {
	var out []facilitator.Cohort
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCohorts).ForEach(func(k, v []byte) error {
			var c facilitator.Cohort
			if err := json.Unmarshal(v, &c); err != nil {
				return fmt.Errorf("decode cohort %s: %w", k, err)
			}
			out = append(out, c)
			return nil
		})
	})
	return out, err
}

package storage

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	bolt "go.etcd.io/bbolt"

	"hearth/facilitator"
)

// The audit lives in buckets of its own, which nothing that deletes a
// cohort, a session, a participant or an account touches: the record of
// who read or deleted what outlives what it records.
//
// An entry's key is its time (big-endian Unix nanoseconds) and the
// bucket's next sequence number (big-endian), so a cursor walks entries in
// the order they were appended, and two in the same nanosecond stay apart.
// The index by cohort holds cohort ID \x00 entry key, so a cohort's page
// is a short walk back from its newest entry, however long the whole log.
var (
	bucketAudit       = []byte("audit")
	bucketCohortAudit = []byte("audit_cohorts") // cohort ID \x00 entry key → nil
)

// auditCountKey, in the meta bucket, is how many entries the audit holds,
// so bounding it costs no walk.
var auditCountKey = []byte("audit_count")

const auditKeyLen = 16

// Bounds of the audit, by default. DB.AuditMaxEntries and DB.AuditMaxAge
// change them.
const (
	DefaultAuditMaxEntries = 1_000_000
	DefaultAuditMaxAge     = 2 * 365 * 24 * time.Hour
)

// auditPruneStep bounds how many entries past their age one append drops,
// so an append after a long pause (or a shortened bound) stays quick; the
// rest go with the appends that follow.
const auditPruneStep = 1000

// auditKey is the key of an entry at a time; a time out of the range of
// Unix nanoseconds (a --since far ahead, say) sorts at its end.
func auditKey(at time.Time, seq uint64) []byte {
	k := make([]byte, auditKeyLen)
	var ns uint64
	switch {
	case at.Before(time.Unix(0, 0)):
	case at.After(time.Unix(0, math.MaxInt64)):
		ns = math.MaxUint64
	default:
		ns = uint64(at.UnixNano())
	}
	binary.BigEndian.PutUint64(k, ns)
	binary.BigEndian.PutUint64(k[8:], seq)
	return k
}

func auditKeyTime(k []byte) time.Time {
	return time.Unix(0, int64(binary.BigEndian.Uint64(k[:8]))).UTC()
}

// AppendAudit stores e under a new key and drops the oldest entries beyond
// AuditMaxEntries or older than AuditMaxAge before e.At
// (facilitator.AuditStore).
func (db *DB) AppendAudit(ctx context.Context, e facilitator.AuditEntry) (facilitator.AuditEntry, error) {
	err := db.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAudit)
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		k := auditKey(e.At, seq)
		e.ID = hex.EncodeToString(k)
		stored := e
		stored.ID = "" // the key says it
		data, err := json.Marshal(stored)
		if err != nil {
			return fmt.Errorf("encode audit entry: %w", err)
		}
		if err := b.Put(k, data); err != nil {
			return err
		}
		if e.CohortID != "" {
			if err := tx.Bucket(bucketCohortAudit).Put(cohortAuditKey(e.CohortID, k), nil); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		n := auditCount(meta) + 1
		n, err = db.pruneAudit(tx, n, e.At)
		if err != nil {
			return err
		}
		return meta.Put(auditCountKey, binary.BigEndian.AppendUint64(nil, n))
	})
	if err != nil {
		return facilitator.AuditEntry{}, err
	}
	return e, nil
}

func cohortAuditKey(cohortID string, k []byte) []byte {
	return append([]byte(cohortID+"\x00"), k...)
}

func auditCount(meta *bolt.Bucket) uint64 {
	if v := meta.Get(auditCountKey); len(v) == 8 {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}

// pruneAudit drops the oldest entries while there are more than the bound
// or they are older than the age bound before now, and returns how many
// remain.
func (db *DB) pruneAudit(tx *bolt.Tx, n uint64, now time.Time) (uint64, error) {
	maxN, maxAge := uint64(DefaultAuditMaxEntries), DefaultAuditMaxAge
	if db.AuditMaxEntries > 0 {
		maxN = uint64(db.AuditMaxEntries)
	}
	if db.AuditMaxAge > 0 {
		maxAge = db.AuditMaxAge
	}
	oldest := now.Add(-maxAge)
	b, idx := tx.Bucket(bucketAudit), tx.Bucket(bucketCohortAudit)
	aged := 0
	for {
		k, v := b.Cursor().First()
		if k == nil {
			return 0, nil
		}
		switch {
		case n > maxN:
		case aged < auditPruneStep && len(k) == auditKeyLen && auditKeyTime(k).Before(oldest):
			aged++
		default:
			return n, nil
		}
		var e facilitator.AuditEntry
		if err := json.Unmarshal(v, &e); err == nil && e.CohortID != "" {
			if err := idx.Delete(cohortAuditKey(e.CohortID, k)); err != nil {
				return n, err
			}
		}
		if err := b.Delete(k); err != nil {
			return n, err
		}
		if n > 0 {
			n--
		}
	}
}

func decodeAudit(k, v []byte) (facilitator.AuditEntry, error) {
	var e facilitator.AuditEntry
	if len(k) != auditKeyLen {
		return e, errors.New("is not an audit key (time and sequence, 16 bytes)")
	}
	if err := json.Unmarshal(v, &e); err != nil {
		return e, fmt.Errorf("does not decode: %w", err)
	}
	e.ID = hex.EncodeToString(k)
	return e, nil
}

// CohortAudit returns a page of a cohort's audit, newest first
// (facilitator.AuditStore).
func (db *DB) CohortAudit(ctx context.Context, cohortID, before string, limit int) ([]facilitator.AuditEntry, error) {
	prefix := []byte(cohortID + "\x00")
	var from []byte
	if before != "" {
		k, err := hex.DecodeString(before)
		if err != nil || len(k) != auditKeyLen {
			return nil, facilitator.ErrNotFound
		}
		from = append(bytes.Clone(prefix), k...)
	}
	out := []facilitator.AuditEntry{}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAudit)
		c := tx.Bucket(bucketCohortAudit).Cursor()
		var k []byte
		if from != nil {
			if got, _ := c.Seek(from); !bytes.Equal(got, from) {
				return facilitator.ErrNotFound
			}
			k, _ = c.Prev()
		} else {
			// The first key past the cohort's, then back one.
			end := []byte(cohortID + "\x01")
			if k, _ = c.Seek(end); k == nil {
				k, _ = c.Last()
			} else {
				k, _ = c.Prev()
			}
		}
		for ; k != nil && bytes.HasPrefix(k, prefix) && len(out) < limit; k, _ = c.Prev() {
			ek := k[len(prefix):]
			v := b.Get(ek)
			if v == nil {
				continue // dropped by the bounds while the index kept it: skip
			}
			e, err := decodeAudit(ek, v)
			if err != nil {
				return fmt.Errorf("audit entry %x: %w", ek, err)
			}
			out = append(out, e)
		}
		return nil
	})
	return out, err
}

// EachAudit calls fn with every entry at or after since, oldest first
// (facilitator.AuditStore). fn runs inside a read transaction: it must not
// call the DB.
func (db *DB) EachAudit(ctx context.Context, since time.Time, fn func(facilitator.AuditEntry) error) error {
	return db.bolt.View(func(tx *bolt.Tx) error {
		c := tx.Bucket(bucketAudit).Cursor()
		n := 0
		for k, v := c.Seek(auditKey(since, 0)); k != nil; k, v = c.Next() {
			if n++; n%ctxEveryRecords == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			e, err := decodeAudit(k, v)
			if err != nil {
				return fmt.Errorf("audit entry %x: %w", k, err)
			}
			if err := fn(e); err != nil {
				return err
			}
		}
		return nil
	})
}

// checkAuditIndex checks an entry of the audit's index by cohort.
func checkAuditIndex(_ *bolt.Tx, k, v []byte) error {
	i := bytes.IndexByte(k, 0)
	if len(v) != 0 || i <= 0 || len(k)-i-1 != auditKeyLen {
		return errors.New("is not an audit index entry (cohort \\x00 entry key, no value)")
	}
	return nil
}

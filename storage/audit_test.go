package storage

import (
	"context"
	"errors"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"hearth/facilitator"
)

func appendAudit(tb testing.TB, db *DB, e facilitator.AuditEntry) facilitator.AuditEntry {
	tb.Helper()
	got, err := db.AppendAudit(context.Background(), e)
	if err != nil {
		tb.Fatalf("AppendAudit(%s): %v", e.Action, err)
	}
	if len(got.ID) != 2*auditKeyLen {
		tb.Fatalf("AppendAudit(%s): ID %q, want %d hex digits", e.Action, got.ID, 2*auditKeyLen)
	}
	return got
}

func targets(es []facilitator.AuditEntry) []string {
	return ids(es, func(e facilitator.AuditEntry) string { return e.Target })
}

func TestAudit(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	// Two entries in one nanosecond stay apart and in order.
	for i, e := range []facilitator.AuditEntry{
		{At: t0, Actor: "ana@example.org", ActorID: "a1", Action: facilitator.AuditLogin, Addr: "192.0.2.1"},
		{At: t0.Add(time.Second), Actor: "ana@example.org", ActorID: "a1", Action: facilitator.AuditParticipantRemoved, CohortID: "c1", Target: "p1"},
		{At: t0.Add(time.Second), Actor: "ana@example.org", ActorID: "a1", Action: facilitator.AuditInviteReissued, CohortID: "c1", Target: "p2"},
		{At: t0.Add(2 * time.Second), Actor: "ben@example.org", ActorID: "a2", Action: facilitator.AuditOverviewViewed, CohortID: "c2", Target: "x"},
		{At: t0.Add(3 * time.Second), Actor: "ben@example.org", ActorID: "a2", Action: facilitator.AuditExported, CohortID: "c1", Target: "json"},
	} {
		if got := appendAudit(t, db.DB, e); got.Action != e.Action || !got.At.Equal(e.At) {
			t.Fatalf("entry %d: got %+v", i, got)
		}
	}
	db.reopen(t)

	page := func(tb testing.TB, cohortID, before string, limit int, want ...string) []facilitator.AuditEntry {
		tb.Helper()
		got, err := db.CohortAudit(ctx, cohortID, before, limit)
		if err != nil {
			tb.Fatalf("CohortAudit(%s, %q, %d): %v", cohortID, before, limit, err)
		}
		if ts := targets(got); !reflect.DeepEqual(ts, want) {
			tb.Errorf("CohortAudit(%s, %q, %d): got %v, want %v", cohortID, before, limit, ts, want)
		}
		return got
	}
	t.Run("a cohort's entries come newest first, in pages", func(t *testing.T) {
		first := page(t, "c1", "", 2, "json", "p2")
		page(t, "c1", first[1].ID, 2, "p1")
		page(t, "c1", "", 10, "json", "p2", "p1")
		page(t, "c2", "", 10, "x")
		page(t, "c", "", 10, []string{}...) // a prefix of another cohort's ID holds nothing
	})
	t.Run("an entry reads back as it was written", func(t *testing.T) {
		got := page(t, "c1", "", 1, "json")[0]
		want := facilitator.AuditEntry{ID: got.ID, At: t0.Add(3 * time.Second), Actor: "ben@example.org", ActorID: "a2", Action: facilitator.AuditExported, CohortID: "c1", Target: "json"}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("got %+v, want %+v", got, want)
		}
	})
	t.Run("an unknown cursor is not found", func(t *testing.T) {
		for _, before := range []string{"nothex", "00", "0123456789abcdef0123456789abcdef"} {
			if _, err := db.CohortAudit(ctx, "c1", before, 5); !errors.Is(err, facilitator.ErrNotFound) {
				t.Errorf("CohortAudit(before %q): %v, want ErrNotFound", before, err)
			}
		}
	})
	t.Run("the whole log comes oldest first from a time", func(t *testing.T) {
		var got []string
		err := db.EachAudit(ctx, t0.Add(time.Second), func(e facilitator.AuditEntry) error {
			got = append(got, e.Action)
			return nil
		})
		want := []string{facilitator.AuditParticipantRemoved, facilitator.AuditInviteReissued, facilitator.AuditOverviewViewed, facilitator.AuditExported}
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("EachAudit: %v, %v; want %v", got, err, want)
		}
	})
	t.Run("check reads every entry", func(t *testing.T) {
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		if err := Check(ctx, db.path); err != nil {
			t.Errorf("Check: %v", err)
		}
		db.reopen(t)
	})
}

func auditCountOf(tb testing.TB, db *DB) (count uint64, entries, index int) {
	tb.Helper()
	err := db.bolt.View(func(tx *bolt.Tx) error {
		count = auditCount(tx.Bucket(bucketMeta))
		entries = tx.Bucket(bucketAudit).Stats().KeyN
		index = tx.Bucket(bucketCohortAudit).Stats().KeyN
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return count, entries, index
}

func TestAuditBounds(t *testing.T) {
	ctx := context.Background()
	t.Run("beyond the most entries, the oldest go with their index", func(t *testing.T) {
		db := newDB(t)
		db.AuditMaxEntries = 3
		for i, p := range []string{"p1", "p2", "p3", "p4", "p5"} {
			appendAudit(t, db.DB, facilitator.AuditEntry{At: t0.Add(time.Duration(i) * time.Second), Actor: "operator", Action: facilitator.AuditParticipantRemoved, CohortID: "c1", Target: p})
		}
		got, err := db.CohortAudit(ctx, "c1", "", 10)
		if err != nil {
			t.Fatal(err)
		}
		if ts := targets(got); !reflect.DeepEqual(ts, []string{"p5", "p4", "p3"}) {
			t.Errorf("kept %v, want the newest three", ts)
		}
		if n, entries, index := auditCountOf(t, db.DB); n != 3 || entries != 3 || index != 3 {
			t.Errorf("count %d, entries %d, index %d; want 3 each", n, entries, index)
		}
	})
	t.Run("entries older than the age go", func(t *testing.T) {
		db := newDB(t)
		db.AuditMaxAge = 24 * time.Hour
		appendAudit(t, db.DB, facilitator.AuditEntry{At: t0, Actor: "operator", Action: facilitator.AuditLogin})
		appendAudit(t, db.DB, facilitator.AuditEntry{At: t0.Add(time.Hour), Actor: "operator", Action: facilitator.AuditExported, CohortID: "c1", Target: "json"})
		appendAudit(t, db.DB, facilitator.AuditEntry{At: t0.Add(25*time.Hour + time.Minute), Actor: "operator", Action: facilitator.AuditOverviewViewed, CohortID: "c1"})
		var got []string
		if err := db.EachAudit(ctx, time.Time{}, func(e facilitator.AuditEntry) error {
			got = append(got, e.Action)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, []string{facilitator.AuditOverviewViewed}) {
			t.Errorf("kept %v, want only the entry within a day", got)
		}
		if n, entries, index := auditCountOf(t, db.DB); n != 1 || entries != 1 || index != 1 {
			t.Errorf("count %d, entries %d, index %d; want 1 each", n, entries, index)
		}
	})
}

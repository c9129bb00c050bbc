package main

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"hearth/facilitator"
)

// TestRetentionDeletesOnItsOwn runs the real server with a clock the test
// moves: a cohort whose retention has run out goes on the next sweep, one
// within it and one kept until deleted stay.
func TestRetentionDeletesOnItsOwn(t *testing.T) {
	var mu sync.Mutex
	now := time.Date(2026, 1, 10, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return now
	}
	m := &Main{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Log: zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel),
		RetentionEvery: 20 * time.Millisecond, Now: clock}
	if err := m.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	ctx := context.Background()
	created := now.Add(-30 * 24 * time.Hour)
	for _, c := range []facilitator.Cohort{
		{ID: "due", Name: "Due", Facilitators: []string{"a"}, CreatedAt: created, RetentionDays: 7},
		{ID: "kept", Name: "Kept", Facilitators: []string{"a"}, CreatedAt: created},
		{ID: "later", Name: "Later", Facilitators: []string{"a"}, CreatedAt: created, RetentionDays: 7},
	} {
		if err := m.DB.PutCohort(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	// "later" has a session planned ahead: its days count from there.
	if err := m.DB.PutSession(ctx, facilitator.Session{ID: "s", CohortID: "later", Title: "Next", StartsAt: now.Add(2 * 24 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	now = now.Add(time.Hour) // "due" ran out 23 days ago
	mu.Unlock()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := m.DB.Cohort(ctx, "due")
		if errors.Is(err, facilitator.ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the cohort past its retention is still there after 5 s: %v", err)
		}
		<-time.After(10 * time.Millisecond)
	}
	for _, id := range []string{"kept", "later"} {
		if _, err := m.DB.Cohort(ctx, id); err != nil {
			t.Errorf("cohort %s: %v, want it kept", id, err)
		}
	}
	mu.Lock()
	now = now.Add(10 * 24 * time.Hour) // 7 days past "later"'s planned session
	mu.Unlock()
	deadline = time.Now().Add(5 * time.Second)
	for {
		if _, err := m.DB.Cohort(ctx, "later"); errors.Is(err, facilitator.ErrNotFound) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the cohort 7 days past its last session is still there after 5 s")
		}
		<-time.After(10 * time.Millisecond)
	}
}

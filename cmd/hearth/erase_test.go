package main

import (
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hearth/facilitator"
	"hearth/storage"
)

func TestFacilitatorDelete(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	db, err := storage.Open(filepath.Join(dir, "hearth.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []facilitator.Account{{ID: "ana", Email: "ana@example.org", Name: "Ana"}, {ID: "ben", Email: "ben@example.org", Name: "Ben"}} {
		if err := db.CreateAccount(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []facilitator.Cohort{
		{ID: "alone", Name: "Ana's own circle", Facilitators: []string{"ana"}, Owner: "ana", CreatedAt: t0},
		{ID: "shared", Name: "The shared circle", Facilitators: []string{"ana", "ben"}, Owner: "ana", CreatedAt: t0},
	} {
		if err := db.PutCohort(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	out, err := hearthCmd([]string{"facilitator", "delete", "ana@example.org", "--data", dir}, "someone@else\n")
	if err == nil || !strings.Contains(out, "Ana's own circle") || !strings.Contains(out, "The shared circle passes to Ben") {
		t.Fatalf("delete with a wrong confirmation: %v\n%s\nwant a refusal after naming what goes and what passes on", err, out)
	}
	out, err = hearthCmd([]string{"facilitator", "delete", "ana@example.org", "--data", dir}, "ana@example.org\n")
	if err != nil || !strings.Contains(out, "Deleted Ana") {
		t.Fatalf("delete: %v\n%s", err, out)
	}
	db, err = storage.Open(filepath.Join(dir, "hearth.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.AccountByEmail(ctx, "ana@example.org"); !errors.Is(err, facilitator.ErrNotFound) {
		t.Errorf("the account after delete: %v", err)
	}
	if _, err := db.Cohort(ctx, "alone"); !errors.Is(err, facilitator.ErrNotFound) {
		t.Errorf("the cohort Ana alone facilitated: %v, want deleted", err)
	}
	if c, err := db.Cohort(ctx, "shared"); err != nil || c.OwnerID() != "ben" || len(c.Facilitators) != 1 {
		t.Errorf("the shared cohort: %+v, %v; want Ben its owner and only facilitator", c, err)
	}
}

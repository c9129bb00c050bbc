package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"hearth/facilitator"
	"hearth/storage"
)

func TestBackupWhileServingAndStopped(t *testing.T) {
	dir := t.TempDir()
	m := startMain(t, dir)
	fac := &facilitator.Service{Store: m.DB}
	acct := facilitator.Account{ID: "a1", Email: "ana@example.org", Name: "Ana", CreatedAt: time.Now()}
	if err := m.DB.CreateAccount(context.Background(), acct); err != nil {
		t.Fatal(err)
	}
	name := "Tuesday circle"
	if _, err := fac.CreateCohort(context.Background(), acct, facilitator.CohortInput{Name: &name}); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, socketName))
	if err != nil {
		t.Fatalf("operator socket: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("operator socket mode %o, want 600", fi.Mode().Perm())
	}

	backup := func(file string) string {
		t.Helper()
		var out, errOut bytes.Buffer
		if err := run(context.Background(), []string{"backup", "--data", dir, file}, nil, &out, &errOut); err != nil {
			t.Fatalf("backup: %v: %s", err, errOut.String())
		}
		return out.String()
	}
	cohortsIn := func(file string) int {
		t.Helper()
		db, err := storage.Open(file, time.Second)
		if err != nil {
			t.Fatalf("open backup: %v", err)
		}
		defer db.Close()
		cs, err := db.CohortsOf(context.Background(), "a1")
		if err != nil {
			t.Fatal(err)
		}
		return len(cs)
	}

	hot := filepath.Join(t.TempDir(), "hot.db")
	if out := backup(hot); !strings.Contains(out, "passed its check") {
		t.Errorf("backup said %q", out)
	}
	if n := cohortsIn(hot); n != 1 {
		t.Errorf("hot backup holds %d cohorts, want 1", n)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"check", hot}, nil, &out, &out); err != nil {
		t.Errorf("check of a good backup: %v", err)
	}

	// With the server stopped the command copies the file itself.
	m.Close()
	m.DB = nil
	cold := filepath.Join(t.TempDir(), "cold.db")
	backup(cold)
	if n := cohortsIn(cold); n != 1 {
		t.Errorf("cold backup holds %d cohorts, want 1", n)
	}
}

func TestCheckFindsDamage(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.db")
	if err := os.WriteFile(bad, bytes.Repeat([]byte("not a database "), 1000), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"check", bad}, nil, &out, &out); err == nil {
		t.Error("check passed a file of garbage")
	}
	if err := run(context.Background(), []string{"check", filepath.Join(t.TempDir(), "missing.db")}, nil, &out, &out); err == nil {
		t.Error("check passed a missing file")
	}
}

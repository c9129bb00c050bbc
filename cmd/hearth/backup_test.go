package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"filippo.io/age"

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

// TestBackupRefusesDangerousTargets points the backup at the live files
// under every disguise, while the server runs: each is refused with a
// message naming why, and the live database and key are untouched.
func TestBackupRefusesDangerousTargets(t *testing.T) {
	dir := t.TempDir()
	m := startMain(t, dir)
	if err := m.DB.CreateAccount(context.Background(), facilitator.Account{ID: "a1", Email: "ana@example.org", Name: "Ana", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	dbPath, keyPath := filepath.Join(dir, "hearth.db"), filepath.Join(dir, "invite.key")
	dbBefore, _ := os.Stat(dbPath)
	key, _ := os.ReadFile(keyPath)

	outside := t.TempDir()
	linkToDB := filepath.Join(outside, "link.db")
	if err := os.Symlink(dbPath, linkToDB); err != nil {
		t.Fatal(err)
	}
	hardToDB := filepath.Join(outside, "hard.db")
	if err := os.Link(dbPath, hardToDB); err != nil {
		t.Fatal(err)
	}
	hardToKey := filepath.Join(outside, "hard.key")
	if err := os.Link(keyPath, hardToKey); err != nil {
		t.Fatal(err)
	}
	linkToData := filepath.Join(outside, "data")
	if err := os.Symlink(dir, linkToData); err != nil {
		t.Fatal(err)
	}

	for _, c := range []struct {
		name, file, want string
		force            bool
	}{
		{"the live database", dbPath, "inside the data folder", true},
		{"the invite key", keyPath, "inside the data folder", true},
		{"a new file in the data folder", filepath.Join(dir, "copy.db"), "inside the data folder", false},
		{"a path that climbs back in", filepath.Join(dir, "..", filepath.Base(dir), "hearth.db"), "inside the data folder", true},
		{"through a linked folder", filepath.Join(linkToData, "hearth.db"), "inside the data folder", true},
		{"a symbolic link to the database", linkToDB, "inside the data folder", true},
		{"a hard link to the database", hardToDB, "the live database", true},
		{"a hard link to the key", hardToKey, "the invite key", true},
		{"a folder", outside, "is a folder", true},
		{"a missing folder", filepath.Join(outside, "nowhere", "b.db"), "must exist", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			args := []string{"backup", "--data", dir}
			if c.force {
				args = append(args, "--force")
			}
			var out bytes.Buffer
			err := run(context.Background(), append(args, c.file), nil, &out, &out)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("backup to %s: %v, want an error saying %q", c.file, err, c.want)
			}
		})
	}

	dbAfter, err := os.Stat(dbPath)
	if err != nil || !os.SameFile(dbBefore, dbAfter) {
		t.Errorf("the live database was replaced (%v)", err)
	}
	if got, _ := os.ReadFile(keyPath); !bytes.Equal(got, key) {
		t.Error("the invite key changed")
	}
	if _, err := m.DB.Account(context.Background(), "a1"); err != nil {
		t.Errorf("the server lost its data: %v", err)
	}
	if entries, _ := os.ReadDir(outside); len(entries) != 4 {
		t.Errorf("the refused backups left files behind: %d entries in the target folder, want the 4 links", len(entries))
	}
}

// TestBackupOverwritesOnlyWithForce writes a backup over an existing file:
// refused (the file is unchanged) without --force, replaced with it.
func TestBackupOverwritesOnlyWithForce(t *testing.T) {
	dir := t.TempDir()
	startMain(t, dir)
	file := filepath.Join(t.TempDir(), "backup.db")
	if err := os.WriteFile(file, []byte("last week's backup"), 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	err := run(context.Background(), []string{"backup", "--data", dir, file}, nil, &out, &out)
	if err == nil || !strings.Contains(err.Error(), "--force") {
		t.Errorf("backup over an existing file: %v, want a refusal naming --force", err)
	}
	if got, _ := os.ReadFile(file); string(got) != "last week's backup" {
		t.Errorf("the refused backup changed the file: %q", got)
	}
	if err := run(context.Background(), []string{"backup", "--data", dir, "--force", file}, nil, &out, &out); err != nil {
		t.Fatalf("backup --force: %v: %s", err, out.String())
	}
	if err := storage.Check(context.Background(), file); err != nil {
		t.Errorf("the forced backup does not check: %v", err)
	}
}

// TestEncryptedBackup backs up to an age recipient, hot and cold: the file
// is age's, holds none of the database's words, and leaves no plain copy
// beside it; check reads it back with the identity (decrypting into a
// private folder it removes), and refuses it without one or with another.
func TestEncryptedBackup(t *testing.T) {
	dir := t.TempDir()
	m := startMain(t, dir)
	acct := facilitator.Account{ID: "a1", Email: "ana@example.org", Name: "Ana", CreatedAt: time.Now()}
	if err := m.DB.CreateAccount(context.Background(), acct); err != nil {
		t.Fatal(err)
	}
	name := "Tuesday circle of unmistakable words"
	if _, err := (&facilitator.Service{Store: m.DB}).CreateCohort(context.Background(), acct, facilitator.CohortInput{Name: &name}); err != nil {
		t.Fatal(err)
	}
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	keys := t.TempDir()
	idFile := filepath.Join(keys, "backup.key")
	if err := os.WriteFile(idFile, []byte("# the backup key\n"+id.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	other, _ := age.GenerateX25519Identity()
	otherFile := filepath.Join(keys, "other.key")
	if err := os.WriteFile(otherFile, []byte(other.String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// The check decrypts under TMPDIR: watch that folder.
	tmp := t.TempDir()
	t.Setenv("TMPDIR", tmp)

	check := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), append([]string{"check"}, args...), nil, &out, &out)
		return out.String(), err
	}
	backups := t.TempDir()
	for _, when := range []string{"hot", "cold"} {
		if when == "cold" {
			m.Close()
			m.DB = nil
		}
		file := filepath.Join(backups, when+".db.age")
		var out bytes.Buffer
		if err := run(context.Background(), []string{"backup", "--data", dir, "--encrypt-to", id.Recipient().String(), file}, nil, &out, &out); err != nil {
			t.Fatalf("%s encrypted backup: %v: %s", when, err, out.String())
		}
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.HasPrefix(data, []byte("age-encryption.org/v1\n")) {
			t.Errorf("%s: the backup is not an age file: %q", when, data[:min(len(data), 40)])
		}
		for _, plain := range []string{name, "ana@example.org", "schema"} {
			if bytes.Contains(data, []byte(plain)) {
				t.Errorf("%s: the encrypted backup holds %q in the clear", when, plain)
			}
		}
		if _, err := check(file); err == nil || !strings.Contains(err.Error(), "--identity") {
			t.Errorf("%s: check without the identity: %v, want it to ask for --identity", when, err)
		}
		if _, err := check("--identity", otherFile, file); err == nil {
			t.Errorf("%s: check with another identity passed", when)
		}
		if out, err := check("--identity", idFile, file); err != nil || !strings.Contains(out, "consistent") {
			t.Errorf("%s: check with the identity: %v: %s", when, err, out)
		}
		if entries, _ := os.ReadDir(tmp); len(entries) != 0 {
			t.Errorf("%s: the check left %d entries in the temporary folder", when, len(entries))
		}
	}
	if entries, _ := os.ReadDir(backups); len(entries) != 2 {
		t.Errorf("%d files beside the backups, want the 2 backups alone", len(entries))
	}

	// A damaged encrypted backup is caught.
	file := filepath.Join(backups, "hot.db.age")
	data, _ := os.ReadFile(file)
	data[len(data)-100] ^= 0xff
	bad := filepath.Join(backups, "bad.db.age")
	if err := os.WriteFile(bad, data, 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := check("--identity", idFile, bad); err == nil {
		t.Error("check passed an encrypted backup with a flipped byte")
	}
	// A recipient that is not one is refused before anything is written.
	var out bytes.Buffer
	if err := run(context.Background(), []string{"backup", "--data", dir, "--encrypt-to", "age1notakey", filepath.Join(backups, "x.age")}, nil, &out, &out); err == nil || !strings.Contains(err.Error(), "--encrypt-to") {
		t.Errorf("a bad recipient: %v, want an error naming --encrypt-to", err)
	}
}

// TestDamagedFilesAreRefused: the server does not start on a truncated
// database (it used to fault), and check refuses a FIFO without waiting
// for a writer; both say why.
func TestDamagedFilesAreRefused(t *testing.T) {
	dir := t.TempDir()
	m := startMain(t, dir)
	for i := range 200 {
		a := facilitator.Account{ID: fmt.Sprintf("a%d", i), Email: fmt.Sprintf("f%d@example.org", i), Name: strings.Repeat("Ana ", 100), CreatedAt: time.Now()}
		if err := m.DB.CreateAccount(context.Background(), a); err != nil {
			t.Fatal(err)
		}
	}
	m.Close()
	m.DB = nil
	db := filepath.Join(dir, "hearth.db")
	fi, err := os.Stat(db)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(db, fi.Size()/2); err != nil {
		t.Fatal(err)
	}
	again := &Main{Addr: "127.0.0.1:0", DataDir: dir, Log: zerolog.Nop()}
	if err := again.Open(context.Background()); err == nil || !strings.Contains(err.Error(), "truncated") {
		if err == nil {
			again.Close()
		}
		t.Errorf("serve on a truncated database: %v, want an error saying it is truncated", err)
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"check", db}, nil, &out, &out); err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Errorf("check of a truncated database: %v, want an error saying it is truncated", err)
	}

	fifo := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("no FIFO here: %v", err)
	}
	sealed := filepath.Join(t.TempDir(), "sealed.age")
	if err := os.WriteFile(sealed, []byte("age-encryption.org/v1\n-> X25519 x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"check", fifo}, {"check", "--identity", fifo, fifo}, {"check", "--identity", fifo, sealed}} {
		if err := run(context.Background(), args, nil, &out, &out); err == nil || !strings.Contains(err.Error(), "named pipe") {
			t.Errorf("%v: %v, want an error naming a named pipe", args, err)
		}
	}
}

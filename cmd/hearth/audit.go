package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"hearth/facilitator"
	"hearth/storage"
)

// auditCommand prints the whole audit, oldest first: one line per entry, or
// with --json one JSON object per line (JSON Lines), so a log of a million
// entries streams instead of being held whole.
func auditCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("audit", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := dataFlag(fs)
	since := fs.String("since", "", "print only entries at or after this time (RFC 3339, e.g. 2026-01-31T00:00:00Z)")
	asJSON := fs.Bool("json", false, "print one JSON object per line")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: hearth audit [--data DIR] [--since RFC3339] [--json]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return fmt.Errorf("unexpected %q", fs.Arg(0))
	}
	var from time.Time
	if *since != "" {
		t, err := time.Parse(time.RFC3339, *since)
		if err != nil {
			return fmt.Errorf("--since %q: not an RFC 3339 time (e.g. 2026-01-31T00:00:00Z)", *since)
		}
		from = t
	}
	if err := existingData(*data); err != nil {
		return err
	}
	db, err := storage.Open(filepath.Join(*data, "hearth.db"), time.Second)
	if errors.Is(err, storage.ErrInUse) {
		return errors.New("the database is in use: a Hearth server is running on this data folder; stop it first, or read a backup: hearth backup FILE, then hearth audit --data on a folder holding it as hearth.db (a cohort's facilitators see its audit in the browser)")
	}
	if err != nil {
		return err
	}
	defer db.Close()
	w := bufio.NewWriter(stdout)
	enc := json.NewEncoder(w)
	n := 0
	err = db.EachAudit(ctx, from, func(e facilitator.AuditEntry) error {
		n++
		if *asJSON {
			return enc.Encode(e)
		}
		_, err := fmt.Fprintln(w, auditLine(e))
		return err
	})
	if err != nil {
		return fmt.Errorf("read the audit: %w", err)
	}
	if n == 0 && !*asJSON {
		if from.IsZero() {
			fmt.Fprintln(w, "The audit holds no entries yet.")
		} else {
			fmt.Fprintf(w, "The audit holds no entries since %s.\n", from.UTC().Format(time.RFC3339))
		}
	}
	return w.Flush()
}

// auditLine is one entry as a line: time, actor, action, then what it was
// about and from where, each field "-" when empty.
func auditLine(e facilitator.AuditEntry) string {
	or := func(s string) string {
		if s == "" {
			return "-"
		}
		return printable(s)
	}
	actor := or(e.Actor)
	if e.ActorID != "" {
		actor += " (" + printable(e.ActorID) + ")"
	}
	line := fmt.Sprintf("%s  %s  %s  cohort=%s session=%s target=%s from=%s",
		e.At.UTC().Format(time.RFC3339), actor, or(e.Action), or(e.CohortID), or(e.SessionID), or(e.Target), or(e.Addr))
	if e.CohortName != "" {
		line += fmt.Sprintf(" name=%q", e.CohortName)
	}
	return line
}

// printable keeps a field from moving the operator's terminal around: an
// entry holds what a client typed (a failed login's email).
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsPrint(r) {
			return r
		}
		return unicode.ReplacementChar
	}, s)
}

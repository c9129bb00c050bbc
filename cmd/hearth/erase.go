package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"hearth/facilitator"
	"hearth/facilitator/session"
	"hearth/room"
	"hearth/storage"
)

// deleteFacilitatorCommand runs "hearth facilitator delete EMAIL": it says
// what becomes of the account's cohorts (those nobody else facilitates are
// deleted with it, those it owns with others pass to their
// longest-standing co-facilitator, those it co-facilitates it leaves),
// asks for the email again (or takes --yes), and deletes for good.
func deleteFacilitatorCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("facilitator delete", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: hearth facilitator delete EMAIL [flags]\n\n")
		fs.PrintDefaults()
	}
	data := dataFlag(fs)
	yes := fs.Bool("yes", false, "do not ask: delete the account and the cohorts listed")
	email, err := parseWithEmail(fs, args)
	if err != nil {
		return err
	}
	if err := existingData(*data); err != nil {
		return err
	}
	db, err := storage.Open(filepath.Join(*data, "hearth.db"), time.Second)
	if errors.Is(err, storage.ErrInUse) {
		return errors.New("the database is in use: a Hearth server is running on this data folder; stop it first (a facilitator can delete their own account in the browser while it runs)")
	}
	if err != nil {
		return err
	}
	defer db.Close()
	fac := &facilitator.Service{Store: db}
	// No room is served here: a room the store says is live stops the
	// deletion of its cohort (session.Service looks).
	sessions := session.New(fac, room.NewManager(room.Config{Store: db}))
	a, err := db.AccountByEmail(ctx, strings.ToLower(strings.TrimSpace(email)))
	if errors.Is(err, facilitator.ErrNotFound) {
		return fmt.Errorf("no account has the email %s", email)
	}
	if err != nil {
		return err
	}
	plan, err := sessions.PlanAccountDeletion(ctx, a)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Deleting %s <%s> for good:\n", a.Name, a.Email)
	if len(plan.Deleted) > 0 {
		fmt.Fprintln(stdout, "- these cohorts have no other facilitator and are deleted with it, with every session, word and note in them:")
		for _, c := range plan.Deleted {
			fmt.Fprintf(stdout, "    %s\n", c.Name)
		}
	}
	for _, c := range plan.Passed {
		fmt.Fprintf(stdout, "- %s passes to %s, its longest-standing co-facilitator, who owns it from now on\n", c.Name, c.ToName)
	}
	for _, c := range plan.Left {
		fmt.Fprintf(stdout, "- it leaves %s, which it co-facilitates\n", c.Name)
	}
	fmt.Fprintln(stdout, "- its logins and agenda templates are deleted; the notes it wrote stay with the cohorts that go on")
	if !*yes {
		fmt.Fprint(stderr, "Type the email again to delete: ")
		line, _ := bufio.NewReader(stdin).ReadString('\n')
		if strings.TrimSpace(line) != a.Email {
			return errors.New("not deleted: the email typed was not the account's")
		}
	}
	confirm := make([]string, 0, len(plan.Deleted))
	for _, c := range plan.Deleted {
		confirm = append(confirm, c.ID)
	}
	if _, err := sessions.DeleteAccount(ctx, a, confirm); err != nil {
		var fe *facilitator.Error
		if errors.As(err, &fe) {
			return errors.New(fe.Message)
		}
		return err
	}
	fmt.Fprintf(stdout, "Deleted %s <%s>.\n", a.Name, a.Email)
	return nil
}

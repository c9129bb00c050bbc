package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/term"

	"hearth/facilitator"
	"hearth/storage"
)

// facilitatorCommand runs "hearth facilitator SUBCOMMAND": the operator's
// way to manage accounts. Each opens the database itself, so the server
// must be stopped first; a password is never an argument (it would stay in
// the shell's history and show in the process list).
func facilitatorCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return errors.New(`say what to do: "hearth facilitator add", "reset-password EMAIL", "disable EMAIL", "enable EMAIL" or "delete EMAIL"`)
	}
	switch args[0] {
	case "add":
		return addFacilitatorCommand(ctx, args[1:], stdin, stdout, stderr)
	case "reset-password":
		return resetPasswordCommand(ctx, args[1:], stdin, stdout, stderr)
	case "disable":
		return disableCommand(ctx, args[1:], true, stdout, stderr)
	case "enable":
		return disableCommand(ctx, args[1:], false, stdout, stderr)
	case "delete":
		return deleteFacilitatorCommand(ctx, args[1:], stdin, stdout, stderr)
	}
	return fmt.Errorf(`unknown command "hearth facilitator %s"; it knows add, reset-password, disable, enable and delete`, args[0])
}

func addFacilitatorCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("facilitator add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "the facilitator's email (their login)")
	name := fs.String("name", "", "the facilitator's name, as the group sees it")
	data := dataFlag(fs)
	passwordFile := passwordFileFlag(fs)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *email == "" || *name == "" {
		fs.Usage()
		return errors.New("--email and --name are required")
	}
	password, err := newPassword(*passwordFile, stdin, stderr)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*data, 0o700); err != nil {
		return fmt.Errorf("make data folder: %w", err)
	}
	return withAccounts(ctx, *data, func(fac *facilitator.Service) error {
		a, err := fac.CreateAccount(ctx, *email, *name, password)
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Created facilitator %s <%s>. They can log in now.\n", a.Name, a.Email)
		return nil
	})
}

func resetPasswordCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("facilitator reset-password", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: hearth facilitator reset-password EMAIL [flags]\n\nSets a new password (asked for, never an argument) and ends every login of the account.")
		fs.PrintDefaults()
	}
	data := dataFlag(fs)
	passwordFile := passwordFileFlag(fs)
	email, err := parseWithEmail(fs, args)
	if err != nil {
		return err
	}
	if err := existingData(*data); err != nil {
		return err
	}
	password, err := newPassword(*passwordFile, stdin, stderr)
	if err != nil {
		return err
	}
	return withAccounts(ctx, *data, func(fac *facilitator.Service) error {
		a, err := fac.ResetPassword(ctx, email, password)
		if err != nil {
			return err
		}
		if err := fac.Audit(ctx, facilitator.AuditEntry{Actor: facilitator.AuditOperator, Action: facilitator.AuditPasswordReset, Target: a.ID}); err != nil {
			return fmt.Errorf("the password is set, but the audit could not record it: %w", err)
		}
		fmt.Fprintf(stdout, "Set a new password for %s <%s>; every login of the account has ended.\n", a.Name, a.Email)
		if a.Disabled {
			fmt.Fprintf(stdout, "The account is still disabled: \"hearth facilitator enable %s\" lets it log in.\n", a.Email)
		}
		return nil
	})
}

func disableCommand(ctx context.Context, args []string, disable bool, stdout, stderr io.Writer) error {
	verb := "enable"
	if disable {
		verb = "disable"
	}
	fs := flag.NewFlagSet("facilitator "+verb, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Usage: hearth facilitator %s EMAIL [flags]\n\n", verb)
		fs.PrintDefaults()
	}
	data := dataFlag(fs)
	email, err := parseWithEmail(fs, args)
	if err != nil {
		return err
	}
	if err := existingData(*data); err != nil {
		return err
	}
	return withAccounts(ctx, *data, func(fac *facilitator.Service) error {
		a, err := fac.SetDisabled(ctx, email, disable)
		if err != nil {
			return err
		}
		action := facilitator.AuditAccountEnabled
		if disable {
			action = facilitator.AuditAccountDisabled
		}
		if err := fac.Audit(ctx, facilitator.AuditEntry{Actor: facilitator.AuditOperator, Action: action, Target: a.ID}); err != nil {
			return fmt.Errorf("the account is %sd, but the audit could not record it: %w", verb, err)
		}
		if disable {
			fmt.Fprintf(stdout, "Disabled %s <%s>: the account cannot log in, and every login it had has ended. Its cohorts keep their other facilitators.\n", a.Name, a.Email)
		} else {
			fmt.Fprintf(stdout, "Enabled %s <%s>: the account can log in again.\n", a.Name, a.Email)
		}
		return nil
	})
}

func dataFlag(fs *flag.FlagSet) *string {
	return fs.String("data", envOr("HEARTH_DATA", "hearth-data"), "data folder [$HEARTH_DATA]")
}

func passwordFileFlag(fs *flag.FlagSet) *string {
	return fs.String("password-file", "", "read the password from the first line of this file (default: ask on the terminal, or read a line from standard input)")
}

// parseWithEmail parses flags given before or after the one argument, the
// account's email, and returns it.
func parseWithEmail(fs *flag.FlagSet, args []string) (string, error) {
	if err := fs.Parse(args); err != nil {
		return "", err
	}
	rest := fs.Args()
	if len(rest) == 0 {
		fs.Usage()
		return "", errors.New("name the account by its email")
	}
	email := rest[0]
	if err := fs.Parse(rest[1:]); err != nil {
		return "", err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return "", fmt.Errorf("unexpected %q: give one email, and no password (it is asked for)", fs.Arg(0))
	}
	return email, nil
}

// existingData refuses a data folder that does not exist: a command that
// changes an account must not make an empty database by a typo.
func existingData(dir string) error {
	if _, err := os.Stat(filepath.Join(dir, "hearth.db")); err != nil {
		return fmt.Errorf("no Hearth database in %s (give --data, or $HEARTH_DATA): %w", dir, err)
	}
	return nil
}

// withAccounts opens the database in the data folder and runs fn with the
// back office on it, turning a refusal into its message.
func withAccounts(ctx context.Context, dir string, fn func(fac *facilitator.Service) error) error {
	db, err := storage.Open(filepath.Join(dir, "hearth.db"), time.Second)
	if errors.Is(err, storage.ErrInUse) {
		return errors.New("the database is in use: a Hearth server is running on this data folder; stop it first (a facilitator can do this in the browser while it runs: add accounts from the setup link, change their own password)")
	}
	if err != nil {
		return err
	}
	defer db.Close()
	err = fn(&facilitator.Service{Store: db})
	var fe *facilitator.Error
	if errors.As(err, &fe) {
		return errors.New(fe.Message)
	}
	return err
}

// newPassword reads a new password: from passwordFile when one is named,
// else as readPassword does.
func newPassword(passwordFile string, stdin io.Reader, stderr io.Writer) (string, error) {
	if passwordFile == "" {
		return readPassword(stdin, stderr)
	}
	f, err := os.Open(passwordFile)
	if err != nil {
		return "", fmt.Errorf("--password-file: %w", err)
	}
	defer f.Close()
	line, err := bufio.NewReader(io.LimitReader(f, 4096)).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", fmt.Errorf("--password-file %s: no password in it", passwordFile)
	}
	return strings.TrimRight(line, "\r\n"), nil
}

// readPassword prompts on a terminal (twice, without echo) and otherwise reads
// one line from stdin, so scripts can pipe it in.
func readPassword(stdin io.Reader, stderr io.Writer) (string, error) {
	if f, ok := stdin.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		fmt.Fprint(stderr, "Password: ")
		p1, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		fmt.Fprint(stderr, "Again: ")
		p2, err := term.ReadPassword(int(f.Fd()))
		fmt.Fprintln(stderr)
		if err != nil {
			return "", fmt.Errorf("read password: %w", err)
		}
		if string(p1) != string(p2) {
			return "", errors.New("the passwords differ")
		}
		return string(p1), nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", errors.New("no password on standard input")
	}
	return strings.TrimRight(line, "\r\n"), nil
}

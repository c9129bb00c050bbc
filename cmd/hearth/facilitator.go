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

func addFacilitatorCommand(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("facilitator add", flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "the facilitator's email (their login)")
	name := fs.String("name", "", "the facilitator's name, as the group sees it")
	data := fs.String("data", envOr("HEARTH_DATA", "hearth-data"), "data folder [$HEARTH_DATA]")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *email == "" || *name == "" {
		fs.Usage()
		return errors.New("--email and --name are required")
	}
	password, err := readPassword(stdin, stderr)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*data, 0o700); err != nil {
		return fmt.Errorf("make data folder: %w", err)
	}
	db, err := storage.Open(filepath.Join(*data, "hearth.db"), time.Second)
	if errors.Is(err, storage.ErrInUse) {
		return errors.New("the database is in use: a Hearth server is running on this data folder; stop it first, or create the account in the browser from the setup link")
	}
	if err != nil {
		return err
	}
	defer db.Close()
	fac := &facilitator.Service{Store: db}
	a, err := fac.CreateAccount(ctx, *email, *name, password)
	if err != nil {
		var fe *facilitator.Error
		if errors.As(err, &fe) {
			return errors.New(fe.Message)
		}
		return err
	}
	fmt.Fprintf(stdout, "Created facilitator %s <%s>. They can log in now.\n", a.Name, a.Email)
	return nil
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

// Command hearth runs the Hearth server and its operator subcommands.
//
//	hearth [serve] [--addr 127.0.0.1:8080] [--data ./hearth-data]
//	hearth facilitator add --email E --name N [--data DIR]   (password asked for)
//	hearth facilitator reset-password|disable|enable EMAIL [--data DIR]
//	hearth backup [--data DIR] [--force] [--encrypt-to RECIPIENT] FILE
//	hearth check [--identity FILE] FILE
//	hearth audit [--data DIR] [--since RFC3339] [--json]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "hearth:", err)
		}
		os.Exit(1)
	}
}

const usage = `Hearth: the live rooms of online integration circles.

Usage:
  hearth [serve] [flags]                      run the server (the default)
  hearth facilitator add --email E --name N   create a facilitator account
  hearth facilitator reset-password EMAIL     set a new password; ends the account's logins
  hearth facilitator disable EMAIL            the account cannot log in; its logins end
  hearth facilitator enable EMAIL             it can log in again
  hearth backup [--data DIR] FILE             a consistent copy, also while serving
                [--force] [--encrypt-to age1…]  (replace FILE; encrypt with age)
  hearth check [--identity FILE] FILE         verify a database or a backup
                                              (the identity opens an encrypted one)
  hearth audit [--data DIR] [--since T]       print who read, exported, removed and logged in
               [--json]                       (with the server stopped; JSON Lines)
  hearth help                                 show this

Run "hearth serve -h" or "hearth facilitator add -h" for the flags.
`

func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || (len(args[0]) > 0 && args[0][0] == '-') {
		return serveCommand(ctx, args, stderr)
	}
	switch args[0] {
	case "serve":
		return serveCommand(ctx, args[1:], stderr)
	case "facilitator":
		return facilitatorCommand(ctx, args[1:], stdin, stdout, stderr)
	case "backup":
		return backupCommand(ctx, args[1:], stdout, stderr)
	case "check":
		return checkCommand(ctx, args[1:], stdout, stderr)
	case "audit":
		return auditCommand(ctx, args[1:], stdout, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// envOr returns the environment variable's value, or def when it is unset.
func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return def
}

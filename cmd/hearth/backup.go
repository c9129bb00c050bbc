package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"hearth/storage"
)

// The operator's channel to a running server is a Unix socket in the data
// folder, mode 0600: only the account that runs Hearth can reach it, and no
// HTTP route ever hands out the database.
const socketName = "hearth.sock"

// listenOperator opens the operator socket. A socket left by a killed server
// is removed first: holding the database lock proves no other server runs.
func (m *Main) listenOperator() error {
	path := filepath.Join(m.DataDir, socketName)
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("remove old operator socket: %w", err)
	}
	l, err := net.Listen("unix", path)
	if err != nil {
		return fmt.Errorf("operator socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		l.Close()
		return fmt.Errorf("restrict operator socket: %w", err)
	}
	m.operator = l
	go m.serveOperator(l)
	return nil
}

func (m *Main) serveOperator(l net.Listener) {
	for {
		c, err := l.Accept()
		if err != nil {
			return // closed at shutdown
		}
		go m.operatorRequest(c)
	}
}

// operatorRequest answers one line: "backup" streams a hot, consistent copy.
func (m *Main) operatorRequest(c net.Conn) {
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(io.LimitReader(c, 100)).ReadString('\n')
	if err != nil {
		return
	}
	c.SetReadDeadline(time.Time{})
	switch strings.TrimSpace(line) {
	case "backup":
		start := time.Now()
		if err := m.DB.Backup(c); err != nil {
			m.Log.Error().Err(err).Msg("backup failed")
			return
		}
		m.Log.Info().Dur("took", time.Since(start)).Msg("backup sent")
	default:
		fmt.Fprintf(c, "error unknown request\n")
	}
}

func backupCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("backup", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", envOr("HEARTH_DATA", "hearth-data"), "data folder [$HEARTH_DATA]")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: hearth backup [--data DIR] FILE")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("name the backup FILE")
	}
	file := fs.Arg(0)
	start := time.Now()
	var n int64
	c, err := net.Dial("unix", filepath.Join(*data, socketName))
	if err == nil {
		// A server is running: ask it for a hot copy.
		defer c.Close()
		if _, err := io.WriteString(c, "backup\n"); err != nil {
			return fmt.Errorf("ask the server: %w", err)
		}
		if n, err = storage.ReceiveBackup(c, file); err != nil {
			return err
		}
	} else {
		// No server: copy the database directly.
		db, err := storage.Open(filepath.Join(*data, "hearth.db"), time.Second)
		if errors.Is(err, storage.ErrInUse) {
			return errors.New("the database is in use but the server's operator socket does not answer; is another program holding it?")
		}
		if err != nil {
			return err
		}
		defer db.Close()
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(db.Backup(pw)) }()
		if n, err = storage.ReceiveBackup(pr, file); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "Backed up %d bytes to %s in %v; it passed its check.\n", n, file, time.Since(start).Round(time.Millisecond))
	fmt.Fprintf(stdout, "Keep %s with it: invite links are made from that key.\n", filepath.Join(*data, "invite.key"))
	return nil
}

func checkCommand(args []string, stdout, stderr io.Writer) error {
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		fmt.Fprintln(stderr, "usage: hearth check FILE")
		return errors.New("name the FILE to check")
	}
	if err := storage.Check(args[0]); err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	fmt.Fprintf(stdout, "%s is a consistent Hearth database.\n", args[0])
	return nil
}

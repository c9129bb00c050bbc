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

	"filippo.io/age"

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
	force := fs.Bool("force", false, "replace FILE if it exists")
	encryptTo := fs.String("encrypt-to", "", "an age recipient (age1…): write the backup encrypted to it, so the database's plain bytes never reach the disk")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: hearth backup [--data DIR] [--force] [--encrypt-to RECIPIENT] FILE")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("name the backup FILE")
	}
	file, err := backupTarget(fs.Arg(0), *data, *force)
	if err != nil {
		return err
	}
	target := storage.BackupTarget{Path: file, Replace: *force}
	if *encryptTo != "" {
		recipient, err := parseRecipient(*encryptTo)
		if err != nil {
			return err
		}
		target.Encrypt = func(w io.Writer) (io.WriteCloser, error) { return age.Encrypt(w, recipient) }
	}
	start := time.Now()
	var n int64
	c, err := net.Dial("unix", filepath.Join(*data, socketName))
	if err == nil {
		// A server is running: ask it for a hot copy.
		defer c.Close()
		defer context.AfterFunc(ctx, func() { c.Close() })() // a signal ends a read that waits
		if _, err := io.WriteString(c, "backup\n"); err != nil {
			return fmt.Errorf("ask the server: %w", err)
		}
		if n, err = storage.ReceiveBackup(ctx, c, target); err != nil {
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
		defer context.AfterFunc(ctx, func() { pr.CloseWithError(ctx.Err()) })()
		n, err = storage.ReceiveBackup(ctx, pr, target)
		pr.CloseWithError(errBackupEnded) // unblocks the writer if the receiver gave up early
		if err != nil {
			return err
		}
	}
	took := time.Since(start).Round(time.Millisecond)
	if *encryptTo != "" {
		fmt.Fprintf(stdout, "Backed up %d bytes to %s in %v, encrypted to %s; its meta pages and size passed their check.\n", n, file, took, *encryptTo)
		fmt.Fprintf(stdout, "Check it whole where its identity is kept: hearth check --identity FILE %s\n", file)
	} else {
		fmt.Fprintf(stdout, "Backed up %d bytes to %s in %v; it passed its check.\n", n, file, took)
	}
	fmt.Fprintf(stdout, "Keep %s with it: invite links are made from that key.\n", filepath.Join(*data, "invite.key"))
	return nil
}

var errBackupEnded = errors.New("backup ended")

// parseRecipient reads one age recipient (X25519, age1…) from the command line.
func parseRecipient(s string) (age.Recipient, error) {
	rs, err := age.ParseRecipients(strings.NewReader(s))
	if err != nil {
		return nil, fmt.Errorf("--encrypt-to: %w", err)
	}
	if len(rs) != 1 {
		return nil, fmt.Errorf("--encrypt-to: want one age recipient (age1…), got %d", len(rs))
	}
	return rs[0], nil
}

// backupTarget returns the cleaned absolute path a backup may be written to,
// or an error a person can act on. A backup never goes into the data folder
// (a restore or a clean-up there could swap it with the live files, and a
// backup named hearth.db or invite.key would replace them), never onto the
// live database or the invite key under another name (a symbolic or hard
// link), and never over an existing file unless force is set.
func backupTarget(file, dataDir string, force bool) (string, error) {
	abs, err := filepath.Abs(file)
	if err != nil {
		return "", fmt.Errorf("backup file %s: %w", file, err)
	}
	dir, err := filepath.EvalSymlinks(filepath.Dir(abs))
	if err != nil {
		return "", fmt.Errorf("the folder of the backup file %s must exist: %w", file, err)
	}
	target := filepath.Join(dir, filepath.Base(abs))
	data, err := filepath.Abs(dataDir)
	if err != nil {
		return "", fmt.Errorf("data folder %s: %w", dataDir, err)
	}
	if resolved, err := filepath.EvalSymlinks(data); err == nil {
		data = resolved
	}
	inside := func(p string) error {
		if within(p, data) {
			return fmt.Errorf("refusing to write the backup %s inside the data folder %s: keep backups elsewhere, where they can never replace the live database or its key", file, data)
		}
		return nil
	}
	if err := inside(target); err != nil {
		return "", err
	}
	fi, err := os.Lstat(target)
	if errors.Is(err, os.ErrNotExist) {
		return target, nil
	}
	if err != nil {
		return "", fmt.Errorf("backup file %s: %w", file, err)
	}
	if fi.IsDir() {
		return "", fmt.Errorf("the backup file %s is a folder; name a file in it", file)
	}
	if resolved, err := filepath.EvalSymlinks(target); err == nil {
		if err := inside(resolved); err != nil {
			return "", err
		}
	}
	if tfi, err := os.Stat(target); err == nil {
		for _, live := range []struct{ name, what string }{
			{"hearth.db", "the live database"},
			{"invite.key", "the invite key"},
		} {
			if lfi, err := os.Stat(filepath.Join(dataDir, live.name)); err == nil && os.SameFile(tfi, lfi) {
				return "", fmt.Errorf("refusing to write the backup over %s: %s is %s", file, file, live.what)
			}
		}
	}
	if !force {
		return "", fmt.Errorf("the backup file %s exists; name a new file, or add --force to replace it", file)
	}
	return target, nil
}

// within reports whether path is dir or lies below it; both are cleaned
// absolute paths.
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	if err != nil {
		return false
	}
	return rel == "." || (rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)))
}

func checkCommand(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	fs.SetOutput(stderr)
	identity := fs.String("identity", "", "an age identity file that opens an encrypted backup")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: hearth check [--identity FILE] FILE")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return errors.New("name the FILE to check")
	}
	file := fs.Arg(0)
	encrypted, err := isEncrypted(file)
	if err != nil {
		return err
	}
	switch {
	case encrypted && *identity == "":
		return fmt.Errorf("%s is an encrypted backup: name the age identity file that opens it with --identity", file)
	case encrypted:
		if err := checkEncrypted(ctx, file, *identity); err != nil {
			return fmt.Errorf("%s: %w", file, err)
		}
		fmt.Fprintf(stdout, "%s is an encrypted, consistent Hearth database.\n", file)
		return nil
	}
	if err := storage.Check(ctx, file); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	fmt.Fprintf(stdout, "%s is a consistent Hearth database.\n", file)
	return nil
}

// ageHeader begins every age file (age-encryption.org/v1).
const ageHeader = "age-encryption.org/v1\n"

// isEncrypted reports whether the file at path is age-encrypted. Only a
// regular file is opened.
func isEncrypted(path string) (bool, error) {
	f, err := storage.OpenRegular(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	head := make([]byte, len(ageHeader))
	n, _ := io.ReadFull(f, head)
	return string(head[:n]) == ageHeader, nil
}

// checkEncrypted decrypts the backup at path with the identities in the
// file identityPath into a file of its own (mode 0600, in a new temporary
// folder only this user can enter), checks it as a plain database, and
// removes it, also when ctx ends first.
func checkEncrypted(ctx context.Context, path, identityPath string) error {
	idf, err := storage.OpenRegular(identityPath)
	if err != nil {
		return fmt.Errorf("--identity: %w", err)
	}
	ids, err := age.ParseIdentities(idf)
	idf.Close()
	if err != nil {
		return fmt.Errorf("--identity %s: %w", identityPath, err)
	}
	f, err := storage.OpenRegular(path)
	if err != nil {
		return err
	}
	defer f.Close()
	dir, err := os.MkdirTemp("", "hearth-check-*")
	if err != nil {
		return fmt.Errorf("make a private folder to decrypt into: %w", err)
	}
	defer os.RemoveAll(dir)
	plain := filepath.Join(dir, "hearth.db")
	out, err := os.OpenFile(plain, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	r, err := age.Decrypt(bufio.NewReader(f), ids...)
	if err != nil {
		out.Close()
		return fmt.Errorf("decrypt: %w", err)
	}
	_, err = io.Copy(out, ctxReader{ctx, r})
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("decrypt: %w", err)
	}
	return storage.Check(ctx, plain)
}

// ctxReader ends a copy with ctx's error once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(b []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(b)
}

package storage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	bolt "go.etcd.io/bbolt"
)

// Backup writes a consistent copy of the database to w: first a header line
// "hearth-backup SIZE\n", then SIZE bytes. The database stays in use while it
// is copied (a read transaction sees one moment of it).
func (db *DB) Backup(w io.Writer) error {
	return db.bolt.View(func(tx *bolt.Tx) error {
		if _, err := fmt.Fprintf(w, "hearth-backup %d\n", tx.Size()); err != nil {
			return err
		}
		_, err := tx.WriteTo(w)
		return err
	})
}

// BackupTarget says where and how ReceiveBackup writes a backup.
type BackupTarget struct {
	// Path is the file to write. The caller has checked that it may be
	// written there (never the live database or its key).
	Path string
	// Replace allows an existing file at Path to be replaced. Without it an
	// existing file is an error, also one that appeared while the backup
	// was being written.
	Replace bool
	// Encrypt, when set, wraps the writer of the file: the database's bytes
	// go through it and only what it writes reaches the disk. Closing what
	// it returns must finish the encrypted stream. Such a copy cannot be
	// opened without its key, so its meta pages and size are checked as
	// they pass instead of the whole file afterwards.
	Encrypt func(io.Writer) (io.WriteCloser, error)
}

// ReceiveBackup reads what Backup wrote from r into the file at t.Path: it
// writes a temporary file beside it, syncs it, checks it, and only then
// moves it into place, so t.Path never holds half a backup. It returns the
// database's size. It stops with ctx's error when ctx is done between reads;
// the caller unblocks a read that waits for ever (by closing r).
func ReceiveBackup(ctx context.Context, r io.Reader, t BackupTarget) (int64, error) {
	var size int64
	header := make([]byte, 0, 40)
	one := make([]byte, 1)
	for len(header) < cap(header) {
		if _, err := io.ReadFull(r, one); err != nil {
			return 0, fmt.Errorf("read backup header: %w", err)
		}
		if one[0] == '\n' {
			break
		}
		header = append(header, one[0])
	}
	if _, err := fmt.Sscanf(string(header), "hearth-backup %d", &size); err != nil || size <= 0 {
		return 0, fmt.Errorf("not a backup stream: %q", strings.TrimSpace(string(header)))
	}
	tmp, err := os.CreateTemp(filepath.Dir(t.Path), ".hearth-backup-*")
	if err != nil {
		return 0, fmt.Errorf("create backup file: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return 0, err
	}
	var w io.Writer = tmp
	var enc io.WriteCloser
	if t.Encrypt != nil {
		if enc, err = t.Encrypt(tmp); err != nil {
			tmp.Close()
			return 0, fmt.Errorf("encrypt backup: %w", err)
		}
		w = enc
	}
	head := &prefix{max: 2 * maxPageSize}
	n, err := io.Copy(io.MultiWriter(w, head), ctxReader{ctx, io.LimitReader(r, size)})
	if err == nil && n != size {
		err = fmt.Errorf("backup ended after %d of %d bytes", n, size)
	}
	if err == nil && enc != nil {
		err = enc.Close()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return 0, fmt.Errorf("write backup: %w", err)
	}
	if enc != nil {
		if _, err := checkMeta(head.b, size); err != nil {
			return 0, fmt.Errorf("the copy failed its check: %w", err)
		}
	} else if err := Check(ctx, tmp.Name()); err != nil {
		return 0, fmt.Errorf("the copy failed its check: %w", err)
	}
	if err := place(tmp.Name(), t.Path, t.Replace); err != nil {
		return 0, err
	}
	if dir, err := os.Open(filepath.Dir(t.Path)); err == nil {
		dir.Sync() // make the rename itself durable
		dir.Close()
	}
	return n, nil
}

// place moves the finished file tmp to path. Without replace it links
// instead of renaming, which fails when path exists, however late it
// appeared; a file system without hard links falls back to a check and a
// rename.
func place(tmp, path string, replace bool) error {
	if !replace {
		err := os.Link(tmp, path)
		if err == nil {
			return nil
		}
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%s exists; name a new file, or add --force to replace it", path)
		}
		if _, serr := os.Lstat(path); serr == nil {
			return fmt.Errorf("%s exists; name a new file, or add --force to replace it", path)
		}
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("move backup into place: %w", err)
	}
	return nil
}

// prefix keeps the first max bytes written to it.
type prefix struct {
	b   []byte
	max int
}

func (p *prefix) Write(b []byte) (int, error) {
	if room := p.max - len(p.b); room > 0 {
		p.b = append(p.b, b[:min(room, len(b))]...)
	}
	return len(b), nil
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

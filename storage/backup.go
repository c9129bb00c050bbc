package storage

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
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

// ReceiveBackup reads what Backup wrote from r into the file at path: it
// writes a temporary file beside it, syncs it, checks it, and only then
// renames it into place, so path never holds half a backup.
func ReceiveBackup(r io.Reader, path string) (int64, error) {
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
	tmp, err := os.CreateTemp(filepath.Dir(path), ".hearth-backup-*")
	if err != nil {
		return 0, fmt.Errorf("create backup file: %w", err)
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return 0, err
	}
	n, err := io.Copy(tmp, io.LimitReader(r, size))
	if err == nil && n != size {
		err = fmt.Errorf("backup ended after %d of %d bytes", n, size)
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
	if err := Check(tmp.Name()); err != nil {
		return 0, fmt.Errorf("the copy failed its check: %w", err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return 0, fmt.Errorf("move backup into place: %w", err)
	}
	if dir, err := os.Open(filepath.Dir(path)); err == nil {
		dir.Sync() // make the rename itself durable
		dir.Close()
	}
	return n, nil
}

// Check opens the database file at path read-only and verifies it: bbolt's
// consistency check of every page, and Hearth's schema key.
func Check(path string) error {
	if _, err := os.Stat(path); err != nil {
		return err
	}
	b, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return ErrInUse
	}
	if err != nil {
		return fmt.Errorf("open %s: %w", path, err)
	}
	defer b.Close()
	return b.View(func(tx *bolt.Tx) error {
		var problems []string
		n := 0
		for err := range tx.Check() { // drain it all: the checker goroutine sends until done
			if n++; n <= 10 {
				problems = append(problems, err.Error())
			}
		}
		if len(problems) > 0 {
			return fmt.Errorf("inconsistent: %s", strings.Join(problems, "; "))
		}
		meta := tx.Bucket(bucketMeta)
		if meta == nil {
			return errors.New("not a Hearth database: no meta bucket")
		}
		v := meta.Get([]byte("schema"))
		if !slices.Contains(readableSchemas, string(v)) {
			return fmt.Errorf("schema %q, want %q", v, schemaVersion)
		}
		for _, name := range allBuckets {
			// A version 1 file gets room_history, and a version 1 or 2
			// file room_parts, when a server opens it.
			if string(v) == "1" && bytes.Equal(name, bucketHistory) || (string(v) == "1" || string(v) == "2") && bytes.Equal(name, bucketParts) {
				continue
			}
			if tx.Bucket(name) == nil {
				return fmt.Errorf("bucket %s is missing", name)
			}
		}
		return nil
	})
}

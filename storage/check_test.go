package storage

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"hearth/facilitator"
)

// sampleFile makes a closed Hearth database with enough records that its
// templates bucket needs branch pages, and returns its path.
func sampleFile(tb testing.TB) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "hearth.db")
	db, err := Open(path, time.Second)
	if err != nil {
		tb.Fatal(err)
	}
	err = db.bolt.Update(func(tx *bolt.Tx) error {
		for i := range 3000 {
			t := facilitator.Template{ID: fmt.Sprintf("t%05d", i), AccountID: "a1", Name: strings.Repeat("a calm name ", 60)}
			if err := putJSON(tx.Bucket(bucketTemplates), t.ID, t); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	if err := db.Close(); err != nil {
		tb.Fatal(err)
	}
	return path
}

// fileMeta reads the meta page bbolt uses and its page size.
func fileMeta(tb testing.TB, path string) (boltMeta, int64) {
	tb.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	m, err := checkMeta(data[:min(len(data), 2*maxPageSize)], int64(len(data)))
	if err != nil {
		tb.Fatal(err)
	}
	return m, int64(m.pageSize)
}

// rewriteMetas changes both meta pages with edit and seals them with a
// good checksum, as a crafted file would.
func rewriteMetas(tb testing.TB, path string, edit func(m []byte)) {
	tb.Helper()
	_, ps := fileMeta(tb, path)
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	for _, at := range []int64{0, ps} {
		m := data[at+pageHeaderSize : at+pageHeaderSize+metaSize]
		edit(m)
		h := fnv.New64a()
		h.Write(m[:56])
		binary.NativeEndian.PutUint64(m[56:], h.Sum64())
	}
	if err := os.WriteFile(path, data, 0o600); err != nil {
		tb.Fatal(err)
	}
}

// findPage returns the ID of the first page in use with the flags.
func findPage(tb testing.TB, path string, flags uint16) uint64 {
	tb.Helper()
	m, ps := fileMeta(tb, path)
	data, _ := os.ReadFile(path)
	for id := uint64(2); id < m.pgid; id++ {
		p := data[int64(id)*ps:]
		if binary.NativeEndian.Uint64(p) == id && binary.NativeEndian.Uint16(p[8:]) == flags {
			return id
		}
	}
	tb.Fatalf("no page with flags %#x", flags)
	return 0
}

// TestCheckRefusesHostileFiles gives Check, and Open as the server's start
// does, files that crashed or hung them: each is answered with an error
// that says what is wrong, within a second.
func TestCheckRefusesHostileFiles(t *testing.T) {
	ne := binary.NativeEndian
	for _, c := range []struct {
		name string
		make func(t *testing.T) string
		want string
	}{
		{"truncated", func(t *testing.T) string {
			path := sampleFile(t)
			fi, _ := os.Stat(path)
			if err := os.Truncate(path, fi.Size()/2); err != nil {
				t.Fatal(err)
			}
			return path
		}, "truncated"},
		{"cut inside its meta pages", func(t *testing.T) string {
			path := sampleFile(t)
			if err := os.Truncate(path, 5000); err != nil {
				t.Fatal(err)
			}
			return path
		}, "truncated"},
		{"garbage meta pages", func(t *testing.T) string {
			path := sampleFile(t)
			f, _ := os.OpenFile(path, os.O_WRONLY, 0)
			defer f.Close()
			garbage := []byte(strings.Repeat("garbage!", 2048))
			f.WriteAt(garbage, 0)
			return path
		}, "not a database"},
		{"a FIFO", func(t *testing.T) string {
			path := filepath.Join(t.TempDir(), "fifo.db")
			if err := syscall.Mkfifo(path, 0o600); err != nil {
				t.Skipf("no FIFO here: %v", err)
			}
			return path
		}, "named pipe"},
		{"a folder", func(t *testing.T) string { return t.TempDir() }, "folder"},
		{"a device", func(t *testing.T) string { return "/dev/zero" }, "device"},
		{"a branch page that is its own child", func(t *testing.T) string {
			path := sampleFile(t)
			_, ps := fileMeta(t, path)
			id := findPage(t, path, branchPageFlag)
			f, _ := os.OpenFile(path, os.O_RDWR, 0)
			defer f.Close()
			var pgid [8]byte
			ne.PutUint64(pgid[:], id)
			f.WriteAt(pgid[:], int64(id)*ps+pageHeaderSize+8) // the first element's child
			return path
		}, "reached twice"},
		{"the freelist at the root", func(t *testing.T) string {
			path := sampleFile(t)
			rewriteMetas(t, path, func(m []byte) { copy(m[32:40], m[16:24]) })
			return path
		}, "not a freelist"},
		{"the root at a meta page", func(t *testing.T) string {
			path := sampleFile(t)
			rewriteMetas(t, path, func(m []byte) { ne.PutUint64(m[16:], 1) })
			return path
		}, "root at page 1"},
		{"more pages than the file holds", func(t *testing.T) string {
			path := sampleFile(t)
			rewriteMetas(t, path, func(m []byte) { ne.PutUint64(m[40:], 1<<40) })
			return path
		}, "truncated"},
		{"a page that overflows past the end", func(t *testing.T) string {
			path := sampleFile(t)
			_, ps := fileMeta(t, path)
			id := findPage(t, path, leafPageFlag)
			f, _ := os.OpenFile(path, os.O_RDWR, 0)
			defer f.Close()
			f.WriteAt([]byte{0xff, 0xff, 0xff, 0x7f}, int64(id)*ps+12)
			return path
		}, "past the last page"},
	} {
		t.Run(c.name, func(t *testing.T) {
			path := c.make(t)
			for _, op := range []struct {
				name string
				run  func() error
			}{
				{"check", func() error { return Check(context.Background(), path) }},
				{"open", func() error {
					db, err := Open(path, time.Second)
					if err == nil {
						db.Close()
					}
					return err
				}},
			} {
				start := time.Now()
				err := op.run()
				if took := time.Since(start); took > time.Second {
					t.Errorf("%s took %v, want under a second", op.name, took)
				}
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Errorf("%s: %v, want an error saying %q", op.name, err, c.want)
				}
			}
		})
	}
}

// TestCheckNamesTheRecordThatDoesNotDecode: a record that bbolt keeps
// fine but Hearth cannot read is found, by bucket and key.
func TestCheckNamesTheRecordThatDoesNotDecode(t *testing.T) {
	path := sampleFile(t)
	if err := Check(context.Background(), path); err != nil {
		t.Fatalf("a sound file: %v", err)
	}
	for _, c := range []struct {
		bucket []byte
		key    string
		value  string
	}{
		{bucketCohorts, "c-broken", `{"id":`},
		{bucketRooms, "s-broken", `{"sessionId":"s-broken","parts":true}`}, // its roster is missing
		{bucketHistory, "s1\x00\x00\x00\x00\x00", `[1,2]`},
		{bucketCohortPeople, "no-separator", ``},
	} {
		t.Run(string(c.bucket), func(t *testing.T) {
			path := sampleFile(t)
			b, err := bolt.Open(path, 0o600, nil)
			if err != nil {
				t.Fatal(err)
			}
			err = b.Update(func(tx *bolt.Tx) error { return tx.Bucket(c.bucket).Put([]byte(c.key), []byte(c.value)) })
			b.Close()
			if err != nil {
				t.Fatal(err)
			}
			err = Check(context.Background(), path)
			want := fmt.Sprintf("bucket %s, key %q", c.bucket, c.key)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("check: %v, want an error naming %s", err, want)
			}
		})
	}
}

// TestEveryBucketHasADecoder: Check reads every record of every bucket, so
// a bucket added without a way to check its records fails here first.
func TestEveryBucketHasADecoder(t *testing.T) {
	for _, name := range allBuckets {
		if recordDecoders[string(name)] == nil {
			t.Errorf("bucket %s has no entry in recordDecoders", name)
		}
	}
}

// cancelAfter is a context cancelled by the n-th look at its Err: the
// check's loops are stopped wherever they look.
type cancelAfter struct {
	context.Context
	cancel context.CancelFunc
	left   atomic.Int32
}

func (c *cancelAfter) Err() error {
	if c.left.Add(-1) < 0 {
		c.cancel()
	}
	return c.Context.Err()
}

// TestCheckStopsWhenCancelled cancels the check at each of its first looks
// at the context (the walk of the pages, between buckets and records): it
// returns the context's error, as the command does on SIGINT or SIGTERM.
func TestCheckStopsWhenCancelled(t *testing.T) {
	path := sampleFile(t)
	looks := 0
	for n := range 12 {
		ctx, cancel := context.WithCancel(context.Background())
		c := &cancelAfter{Context: ctx, cancel: cancel}
		c.left.Store(int32(n))
		err := Check(c, path)
		cancel()
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled at look %d: %v, want context.Canceled", n+1, err)
		}
		looks++
	}
	// The file is not held by a check that stopped early.
	db, err := Open(path, 2*time.Second)
	if err != nil {
		t.Fatalf("open after %d cancelled checks: %v", looks, err)
	}
	db.Close()
}

// TestGuardTurnsAFaultIntoAnError cuts a file short under bbolt's memory
// map, past the checks that run before it is mapped: reading the lost pages
// is a fault (SIGBUS), which guard returns as an error instead of ending
// the process.
func TestGuardTurnsAFaultIntoAnError(t *testing.T) {
	path := sampleFile(t)
	b, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	_, ps := fileMeta(t, path)
	if err := os.Truncate(path, 2*ps); err != nil {
		t.Fatal(err)
	}
	err = guard(func() error {
		return b.View(func(tx *bolt.Tx) error {
			n := 0
			c := tx.Bucket(bucketTemplates).Cursor()
			for k, v := c.First(); k != nil; k, v = c.Next() {
				n += len(v)
			}
			return fmt.Errorf("read %d bytes of a file cut short", n)
		})
	})
	if err == nil || !strings.Contains(err.Error(), "truncated or damaged") {
		t.Errorf("guard: %v, want the fault as an error", err)
	}
}

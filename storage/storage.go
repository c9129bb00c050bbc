// Package storage keeps Hearth in one bbolt file. It is the only package that
// opens the database; it implements room.Store and facilitator.Store.
//
// Room saves go through one committer goroutine that commits whatever is
// queued in one transaction (group commit), so many live rooms share fsyncs
// instead of queueing behind one each. After any failed commit the DB
// refuses every later write: a failed fsync is never retried and trusted.
package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"

	"hearth/facilitator"
	"hearth/room"
)

var (
	_ room.Store        = (*DB)(nil)
	_ facilitator.Store = (*DB)(nil)
)

const schemaVersion = "1"

var (
	bucketMeta          = []byte("meta")
	bucketAccounts      = []byte("accounts")
	bucketEmails        = []byte("emails") // email → account ID
	bucketLogins        = []byte("logins") // token hash → Login
	bucketCohorts       = []byte("cohorts")
	bucketParticipants  = []byte("participants")
	bucketCohortPeople  = []byte("cohort_participants") // cohort ID \x00 participant ID → nil
	bucketTokens        = []byte("tokens")              // invite token hash → participant ID
	bucketSessions      = []byte("sessions")
	bucketCohortSession = []byte("cohort_sessions") // cohort ID \x00 session ID → nil
	bucketRooms         = []byte("rooms")           // session ID → room.State
	bucketOpenRooms     = []byte("open_rooms")      // session ID → nil, for the rooms that are live
	bucketTemplates     = []byte("templates")
	bucketAccountTmpl   = []byte("account_templates") // account ID \x00 template ID → nil

	allBuckets = [][]byte{
		bucketMeta, bucketAccounts, bucketEmails, bucketLogins, bucketCohorts,
		bucketParticipants, bucketCohortPeople, bucketTokens, bucketSessions,
		bucketCohortSession, bucketRooms, bucketOpenRooms, bucketTemplates, bucketAccountTmpl,
		bucketNotes, bucketCohortNotes,
	}
)

// ErrInUse is returned by Open when another process holds the database.
var ErrInUse = errors.New("the database is in use by another process (is a Hearth server running on this data folder?)")

// ErrFailed is returned for every write after a commit failed.
var ErrFailed = errors.New("storage failed earlier; refusing further writes")

// ErrStopped is returned for writes after Close.
var ErrStopped = errors.New("storage closed")

// DB is the bbolt database. Its methods are safe for concurrent use.
type DB struct {
	bolt *bolt.DB

	saves chan *saveRequest
	quit  chan struct{}
	done  chan struct{} // closed when the committer has returned

	closeOnce sync.Once
	closeErr  error

	failOnce sync.Once
	failed   chan struct{}
	mu       sync.Mutex
	failErr  error

	// CommitHook, when set before the first save, is called inside each group
	// commit's transaction; an error from it fails the commit. Tests use it
	// to inject a failing disk.
	CommitHook func() error
	// Observe, when set, is told the size and duration of each group commit.
	Observe func(batch int, took time.Duration)
}

type saveRequest struct {
	sessionID string
	open      bool
	data      []byte
	done      chan error
}

// Open opens (or creates) the database at path, with file mode 0600. It gives
// up after timeout when another process holds the file.
func Open(path string, timeout time.Duration) (*DB, error) {
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: timeout})
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, ErrInUse
	}
	if err != nil {
		return nil, fmt.Errorf("open database %s: %w", path, err)
	}
	// bbolt keeps the mode of an existing file; make sure nobody else can read it.
	if err := os.Chmod(path, 0o600); err != nil {
		b.Close()
		return nil, fmt.Errorf("restrict database %s: %w", path, err)
	}
	err = b.Update(func(tx *bolt.Tx) error {
		for _, name := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return err
			}
		}
		meta := tx.Bucket(bucketMeta)
		switch v := meta.Get([]byte("schema")); {
		case v == nil:
			return meta.Put([]byte("schema"), []byte(schemaVersion))
		case string(v) != schemaVersion:
			return fmt.Errorf("database schema %s is not %s", v, schemaVersion)
		}
		return nil
	})
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("prepare database: %w", err)
	}
	db := &DB{
		bolt:   b,
		saves:  make(chan *saveRequest),
		quit:   make(chan struct{}),
		done:   make(chan struct{}),
		failed: make(chan struct{}),
	}
	go db.commitLoop()
	return db, nil
}

// Close stops the committer after the saves already handed to it, then
// closes the file.
func (db *DB) Close() error {
	db.closeOnce.Do(func() {
		close(db.quit)
		<-db.done
		db.closeErr = db.bolt.Close()
	})
	return db.closeErr
}

// Failed is closed after a commit failed. The server stops then.
func (db *DB) Failed() <-chan struct{} { return db.failed }

// Err returns the commit error that failed the DB, or nil.
func (db *DB) Err() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.failErr
}

func (db *DB) fail(err error) {
	db.failOnce.Do(func() {
		db.mu.Lock()
		db.failErr = err
		db.mu.Unlock()
		close(db.failed)
	})
}

// maxBatch bounds one group commit, so one transaction stays small.
const maxBatch = 1024

func (db *DB) commitLoop() {
	defer close(db.done)
	batch := make([]*saveRequest, 0, maxBatch)
	for {
		select {
		case req := <-db.saves:
			batch = append(batch[:0], req)
		case <-db.quit:
			return
		}
		// Take whatever else is waiting, without a timer: a lone writer
		// commits at once, many writers share one fsync.
	more:
		for len(batch) < maxBatch {
			select {
			case req := <-db.saves:
				batch = append(batch, req)
			default:
				break more
			}
		}
		err := db.commit(batch)
		for _, req := range batch {
			req.done <- err
		}
	}
}

func (db *DB) commit(batch []*saveRequest) error {
	if err := db.Err(); err != nil {
		return ErrFailed
	}
	start := time.Now()
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if db.CommitHook != nil {
			if err := db.CommitHook(); err != nil {
				return err
			}
		}
		rooms, open := tx.Bucket(bucketRooms), tx.Bucket(bucketOpenRooms)
		for _, req := range batch {
			if err := rooms.Put([]byte(req.sessionID), req.data); err != nil {
				return err
			}
			var err error
			if req.open {
				err = open.Put([]byte(req.sessionID), nil)
			} else {
				err = open.Delete([]byte(req.sessionID))
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		err = fmt.Errorf("commit %d room saves: %w", len(batch), err)
		db.fail(err)
		return err
	}
	if db.Observe != nil {
		db.Observe(len(batch), time.Since(start))
	}
	return nil
}

// SaveRoom commits the room's state and returns once it is durable.
func (db *DB) SaveRoom(ctx context.Context, s *room.State) error {
	if err := db.Err(); err != nil {
		return ErrFailed
	}
	data, err := json.Marshal(s)
	if err != nil {
		return fmt.Errorf("encode room %s: %w", s.SessionID, err)
	}
	req := &saveRequest{sessionID: s.SessionID, open: s.Status == room.Open, data: data, done: make(chan error, 1)}
	select {
	case db.saves <- req:
	case <-db.quit:
		return ErrStopped
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once handed over, the save may commit: wait for the verdict whatever
	// ctx says, so the caller never believes a committed change was lost.
	return <-req.done
}

// OpenRooms returns the rooms that are live.
func (db *DB) OpenRooms(ctx context.Context) ([]room.State, error) {
	var out []room.State
	err := db.bolt.View(func(tx *bolt.Tx) error {
		rooms := tx.Bucket(bucketRooms)
		return tx.Bucket(bucketOpenRooms).ForEach(func(k, _ []byte) error {
			var s room.State
			if err := json.Unmarshal(rooms.Get(k), &s); err != nil {
				return fmt.Errorf("decode room %s: %w", k, err)
			}
			out = append(out, s)
			return nil
		})
	})
	return out, err
}

// Room returns the last committed state of a session's room, open or closed.
func (db *DB) Room(ctx context.Context, sessionID string) (room.State, error) {
	var s room.State
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return getJSON(tx.Bucket(bucketRooms), sessionID, &s)
	})
	if errors.Is(err, facilitator.ErrNotFound) {
		// Both sentinels hold: the room's and the back office's.
		return s, fmt.Errorf("room %s: %w (%w)", sessionID, room.ErrNotStored, err)
	}
	return s, err
}

// WriteTo writes a consistent copy of the whole database to w, while the
// database stays in use.
func (db *DB) WriteTo(w io.Writer) (int64, error) {
	var n int64
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}

// update runs fn in a write transaction, unless an earlier commit failed. An
// error from fn rolls back and is returned as it is; a failed commit fails
// the DB for good.
func (db *DB) update(fn func(tx *bolt.Tx) error) error {
	if err := db.Err(); err != nil {
		return ErrFailed
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if err := fn(tx); err != nil {
			return fnError{err}
		}
		return nil
	})
	var fe fnError
	if errors.As(err, &fe) {
		return fe.err
	}
	// A write racing Close never began: that is a shutdown, not a failed disk.
	if errors.Is(err, bolterrors.ErrDatabaseNotOpen) {
		return ErrStopped
	}
	if err != nil {
		err = fmt.Errorf("commit: %w", err)
		db.fail(err)
	}
	return err
}

// fnError marks an error that came from inside a transaction's function, not
// from its commit.
type fnError struct{ err error }

func (e fnError) Error() string { return e.err.Error() }

// getJSON decodes the value at key into v, inside the transaction (bbolt's
// bytes live only as long as it does).
func getJSON(b *bolt.Bucket, key string, v any) error {
	data := b.Get([]byte(key))
	if data == nil {
		return facilitator.ErrNotFound
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("decode %s: %w", key, err)
	}
	return nil
}

func putJSON(b *bolt.Bucket, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", key, err)
	}
	return b.Put([]byte(key), data)
}

func indexKey(parent, child string) []byte {
	return []byte(parent + "\x00" + child)
}

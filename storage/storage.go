// Package storage keeps Hearth in one bbolt file. It is the only package that
// opens the database; it implements room.Store and facilitator.Store.
//
// Room saves go through one committer goroutine that commits whatever is
// queued in one transaction (group commit), so many live rooms share fsyncs
// instead of queueing behind one each. After any failed commit the DB
// refuses every later write: a failed fsync is never retried and trusted.
package storage

import (
	"bytes"
	"cmp"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
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

// schemaVersion 4 keeps, with each remembered action ID, the room's version
// it was applied at (a duplicate's ack says it); version 3 began keeping a
// live room's roster, agenda, journeys and remembered action IDs under keys
// of their own in room_parts (record.go); version 2 began keeping each
// finished activity under its own key in room_history. Files of versions 1
// (history inline in the room), 2 (parts inline) and 3 (bare action IDs)
// still load: Open upgrades the key, and the first save of such a room
// moves its history and its parts out. A binary that knows only an older
// version refuses a newer file, which it would misread.
const schemaVersion = "4"

// readableSchemas are the schema versions this binary reads.
var readableSchemas = []string{"1", "2", "3", schemaVersion}

// errRosterMissing is readParts' error for a room whose record says its
// parts are stored apart but whose roster is not there.
var errRosterMissing = errors.New("its roster is missing")

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
	bucketRooms         = []byte("rooms")           // session ID → room.State without History (roomRecord)
	bucketHistory       = []byte("room_history")    // session ID \x00 big-endian uint32 index → room.Activity
	bucketParts         = []byte("room_parts")      // session ID \x00 tag [member ID] → part of a live room (record.go)
	bucketOpenRooms     = []byte("open_rooms")      // session ID → nil, for the rooms that are live
	bucketTemplates     = []byte("templates")
	bucketAccountTmpl   = []byte("account_templates") // account ID \x00 template ID → nil

	allBuckets = [][]byte{
		bucketMeta, bucketAccounts, bucketEmails, bucketLogins, bucketCohorts,
		bucketParticipants, bucketCohortPeople, bucketTokens, bucketSessions,
		bucketCohortSession, bucketRooms, bucketHistory, bucketParts, bucketOpenRooms, bucketTemplates, bucketAccountTmpl,
		bucketNotes, bucketCohortNotes, bucketAudit, bucketCohortAudit,
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

	// queueMu guards queued and queueStopped: room saves nobody waits for
	// (QueueRoom), which the committer takes into its next commit.
	queueMu      sync.Mutex
	queued       []*saveRequest
	queueStopped bool
	wake         chan struct{} // holds a token while queued may be non-empty

	// handedMu guards handed and written: per live room, how many finished
	// activities were handed to the committer, so each is encoded and
	// written once, and whether the parts in the database will be those of
	// its last record handed over, so a save may write only what changed.
	handedMu sync.Mutex
	handed   map[string]int
	written  map[string]bool

	// committed is, per room, the seq of its state last committed in this
	// process. Only the committer goroutine touches it.
	committed map[string]uint64
	// seq numbers the states in the order they are encoded, which for one
	// room is the order it hands them over (under its lock). Versions do
	// not do: a quiet change (a reaction) keeps its room's version.
	seq atomic.Uint64

	closeOnce sync.Once
	closeErr  error

	// scrubMu serialises scrubs (erase.go).
	scrubMu sync.Mutex

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
	// CommitSpacing is the least time from the start of one group commit to
	// the start of the next (DefaultCommitSpacing unless changed before the
	// first save). Saves that arrive sooner wait and share the next commit.
	CommitSpacing time.Duration
	// AuditMaxEntries and AuditMaxAge bound the audit (0:
	// DefaultAuditMaxEntries, DefaultAuditMaxAge); the oldest entries go
	// first. Set them before the first append.
	AuditMaxEntries int
	AuditMaxAge     time.Duration
}

// DefaultCommitSpacing spaces group commits 4 ms apart at most. Every
// commit costs two write and two fdatasync system calls however few saves
// it carries: at 1,000 actions a second, commits taken as fast as they came
// (each about 1.7 ms) carried 2.3 saves and cost a quarter of the server's
// CPU. Spaced, they carry about four, for at most about 2 ms more wait
// before an acknowledgement; a save that comes after a quiet spell still
// commits at once.
const DefaultCommitSpacing = 4 * time.Millisecond

// saveRequest is one room state on its way to a commit.
type saveRequest struct {
	sessionID string
	seq       uint64 // DB.seq when encoded: a room's states, in order
	open      bool
	data      []byte // the record under rooms/<session> (head)
	// committed, when set, is called once the commit carrying this state
	// has succeeded, before the verdict is sent (room.Store.SaveRoom).
	committed func()
	parts     []part // the parts that changed since the room's last state
	// history holds the finished activities not handed over before, encoded;
	// the first is the room's history entry number first.
	first   int
	history [][]byte
	done    chan error // nil for a queued save that nobody waits for
}

// roomRecord is a room as stored under rooms/<session>: the state without its
// finished activities, which live under room_history/<session>\x00<index>,
// each written once, in the transaction of the first state that holds it.
// Saving an action then costs the live part of the room, however long the
// session has run. It is what readRoom decodes, of every schema; a save
// encodes the current one from head (record.go), whose fields it shares.
// State's own History is shadowed (the outer field wins in encoding/json).
type roomRecord struct {
	*room.State
	// History is only read: a room saved by schema 1 has it inline.
	History json.RawMessage `json:"history,omitempty"`
	// HistoryLen is how many entries of room_history belong to this state.
	HistoryLen int `json:"historyLen"`
	// Parts is true when the roster, agenda, journeys and action IDs are in
	// room_parts (schema 3); a schema 2 record holds them inline.
	Parts bool `json:"parts"`
}

// Open opens (or creates) the database at path, with file mode 0600. It gives
// up after timeout when another process holds the file, and refuses a file
// that is not a regular file or fails the checks of its meta pages, size and
// page tree (preflight, check.go), so a damaged file stops the server at
// start with an error instead of a fault later.
func Open(path string, timeout time.Duration) (*DB, error) {
	b, err := openChecked(context.Background(), path, false, timeout)
	if errors.Is(err, ErrInUse) {
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
	err = guard(func() error { return b.Update(prepare) })
	if err != nil {
		b.Close()
		return nil, fmt.Errorf("prepare database: %w", err)
	}
	db := &DB{
		bolt:      b,
		saves:     make(chan *saveRequest),
		quit:      make(chan struct{}),
		done:      make(chan struct{}),
		wake:      make(chan struct{}, 1),
		handed:    make(map[string]int),
		written:   make(map[string]bool),
		committed: make(map[string]uint64),
		failed:    make(chan struct{}),

		CommitSpacing: DefaultCommitSpacing,
	}
	go db.commitLoop()
	return db, nil
}

// prepare makes the buckets and sets the schema key, in the first write
// transaction of Open.
func prepare(tx *bolt.Tx) error {
	for _, name := range allBuckets {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return err
		}
	}
	meta := tx.Bucket(bucketMeta)
	switch v := meta.Get([]byte("schema")); {
	case v == nil:
		return meta.Put([]byte("schema"), []byte(schemaVersion))
	case !slices.Contains(readableSchemas, string(v)):
		return fmt.Errorf("database schema %s is not %s", v, schemaVersion)
	case string(v) != schemaVersion:
		return meta.Put([]byte("schema"), []byte(schemaVersion))
	}
	return nil
}

// Close commits the saves already handed to the committer (waited for or
// queued), stops it, then closes the file.
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

// maxBatch bounds the saves one group commit takes from waiting writers, so
// one transaction stays small.
const maxBatch = 1024

func (db *DB) commitLoop() {
	defer close(db.done)
	batch := make([]*saveRequest, 0, maxBatch)
	var lastStart time.Time
	spacing := time.NewTimer(time.Hour)
	spacing.Stop()
	for {
		select {
		case req := <-db.saves:
			batch = append(batch[:0], req)
		case <-db.wake:
			batch = batch[:0]
		case <-db.quit:
			// Queued saves were promised a commit: give them one, and take
			// no more.
			db.queueMu.Lock()
			db.queueStopped = true
			db.queueMu.Unlock()
			if batch = db.takeQueued(batch[:0]); len(batch) > 0 {
				db.commit(batch)
			}
			return
		}
		// Until CommitSpacing has passed since the last commit began, take
		// the saves that come: a lone writer after a quiet spell commits at
		// once, many writers share one fsync.
		if wait := db.CommitSpacing - time.Since(lastStart); wait > 0 {
			spacing.Reset(wait)
		linger:
			for len(batch) < maxBatch {
				select {
				case req := <-db.saves:
					batch = append(batch, req)
				case <-spacing.C:
					break linger
				case <-db.quit:
					// Commit what is in hand; the loop then stops.
					break linger
				}
			}
			spacing.Stop()
		}
		// Take whatever else is waiting.
	more:
		for len(batch) < maxBatch {
			select {
			case req := <-db.saves:
				batch = append(batch, req)
			default:
				break more
			}
		}
		// After the waiting writers, so a queued save handed over before a
		// waited-for one of the same room is in this batch or an earlier one.
		batch = db.takeQueued(batch)
		if len(batch) == 0 {
			continue
		}
		lastStart = time.Now()
		err := db.commit(batch)
		for _, req := range batch {
			if err == nil && req.committed != nil {
				req.committed()
			}
			if req.done != nil {
				req.done <- err
			}
		}
	}
}

// takeQueued appends the queued saves to batch and empties the queue.
func (db *DB) takeQueued(batch []*saveRequest) []*saveRequest {
	db.queueMu.Lock()
	defer db.queueMu.Unlock()
	batch = append(batch, db.queued...)
	clear(db.queued)
	db.queued = db.queued[:0]
	return batch
}

func (db *DB) commit(batch []*saveRequest) error {
	if err := db.Err(); err != nil {
		return ErrFailed
	}
	start := time.Now()
	// A room's states reach the committer in order, but a queued state
	// handed over before a waited-for one is taken after it into the batch.
	// Each state carries only the parts that changed since the one before
	// it, so a room's states are written in the order they were handed
	// over, each over the last.
	slices.SortFunc(batch, func(a, b *saveRequest) int {
		if c := strings.Compare(a.sessionID, b.sessionID); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
	written := make(map[string]uint64, len(batch))
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		if db.CommitHook != nil {
			if err := db.CommitHook(); err != nil {
				return err
			}
		}
		rooms, history, parts, open := tx.Bucket(bucketRooms), tx.Bucket(bucketHistory), tx.Bucket(bucketParts), tx.Bucket(bucketOpenRooms)
		for _, req := range batch {
			// Finished activities never change: writing one again is
			// harmless, missing one is not, so they are written whatever
			// happens to the state beside them.
			for i, a := range req.history {
				if err := history.Put(historyKey(req.sessionID, req.first+i), a); err != nil {
					return err
				}
			}
			// Never reached while a room's states come in order (the one
			// before a committed state is in its batch or an earlier one),
			// but an older state must never overwrite a newer one.
			if c, ok := db.committed[req.sessionID]; ok && c > req.seq {
				continue
			}
			written[req.sessionID] = req.seq
			if err := rooms.Put([]byte(req.sessionID), req.data); err != nil {
				return err
			}
			for _, p := range req.parts {
				if err := parts.Put(p.key, p.value); err != nil {
					return err
				}
			}
			// Look before writing: a Put of a key that is there already
			// still copies its page and the pages above it, on every save.
			var err error
			if listed := open.Get([]byte(req.sessionID)) != nil; req.open && !listed {
				err = open.Put([]byte(req.sessionID), nil)
			} else if !req.open && listed {
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
	for _, req := range batch {
		if c, ok := written[req.sessionID]; ok && c == req.seq {
			if req.open {
				db.committed[req.sessionID] = req.seq
			} else {
				delete(db.committed, req.sessionID)
			}
		}
	}
	if db.Observe != nil {
		db.Observe(len(batch), time.Since(start))
	}
	return nil
}

// historyKey is the key of a room's finished activity number i: big-endian,
// so a cursor walks a room's history in order.
func historyKey(sessionID string, i int) []byte {
	k := make([]byte, len(sessionID)+1+4)
	copy(k, sessionID)
	binary.BigEndian.PutUint32(k[len(sessionID)+1:], uint32(i))
	return k
}

// request encodes rec for the committer: the live part of the room, the
// parts that changed, and the finished activities that no earlier save
// handed over.
func (db *DB) request(rec room.Record) (*saveRequest, error) {
	s := rec.State
	first, err := db.handedHistory(s.SessionID)
	if err != nil {
		return nil, err
	}
	first = min(first, len(s.History))
	req := &saveRequest{sessionID: s.SessionID, seq: db.seq.Add(1), open: s.Status == room.Open, first: first}
	for _, a := range s.History[first:] {
		b, err := json.Marshal(a)
		if err != nil {
			return nil, fmt.Errorf("encode room %s: %w", s.SessionID, err)
		}
		req.history = append(req.history, b)
	}
	req.data, req.parts, err = encodeRecord(rec, len(s.History), !db.partsWritten(s.SessionID))
	if err != nil {
		db.setPartsWritten(s.SessionID, false)
		return nil, fmt.Errorf("encode room %s: %w", s.SessionID, err)
	}
	return req, nil
}

// handedHistory returns how many of the room's finished activities are
// already handed to the committer: remembered for a room saved in this
// process, read from its committed record otherwise (0 for a new room, and
// for a schema 1 record, whose inline history the next save writes out).
func (db *DB) handedHistory(sessionID string) (int, error) {
	db.handedMu.Lock()
	n, ok := db.handed[sessionID]
	db.handedMu.Unlock()
	if ok {
		return n, nil
	}
	err := db.bolt.View(func(tx *bolt.Tx) error {
		data := tx.Bucket(bucketRooms).Get([]byte(sessionID))
		if data == nil {
			return nil
		}
		var rec struct {
			HistoryLen int `json:"historyLen"`
		}
		if err := json.Unmarshal(data, &rec); err != nil {
			return fmt.Errorf("decode room %s: %w", sessionID, err)
		}
		n = rec.HistoryLen
		return nil
	})
	// A save racing Close: that is a shutdown, not a failed disk.
	if errors.Is(err, bolterrors.ErrDatabaseNotOpen) {
		return 0, ErrStopped
	}
	return n, err
}

// handedOver records that req is with the committer. A closed room is saved
// no more, so it is forgotten.
func (db *DB) handedOver(req *saveRequest) {
	db.handedMu.Lock()
	defer db.handedMu.Unlock()
	if !req.open {
		delete(db.handed, req.sessionID)
		delete(db.written, req.sessionID)
		return
	}
	db.handed[req.sessionID] = max(db.handed[req.sessionID], req.first+len(req.history))
	db.written[req.sessionID] = true
}

// SaveRoom commits the room's state and returns once it is durable. The
// committer calls committed (when not nil) after the commit and before
// SaveRoom returns; it runs on the committer's goroutine, so it must be
// short and must not block.
func (db *DB) SaveRoom(ctx context.Context, rec room.Record, committed func()) error {
	if err := db.Err(); err != nil {
		return ErrFailed
	}
	s := rec.State
	req, err := db.request(rec)
	if err != nil {
		return err
	}
	req.done = make(chan error, 1)
	req.committed = committed
	select {
	case db.saves <- req:
	case <-db.quit:
		db.setPartsWritten(s.SessionID, false)
		return ErrStopped
	case <-ctx.Done():
		db.setPartsWritten(s.SessionID, false)
		return ctx.Err()
	}
	db.handedOver(req)
	// Once handed over, the save may commit: wait for the verdict whatever
	// ctx says, so the caller never believes a committed change was lost.
	return <-req.done
}

// QueueRoom hands the room's state to the committer without waiting: it is
// committed with the next group commit, or by Close. States of one room
// handed over in order (by SaveRoom or QueueRoom) are committed in that
// order; a later one is never overwritten by an earlier one. It returns an
// error only when the state cannot be taken (storage failed or closed).
func (db *DB) QueueRoom(rec room.Record) error {
	if err := db.Err(); err != nil {
		return ErrFailed
	}
	s := rec.State
	req, err := db.request(rec)
	if err != nil {
		return err
	}
	db.queueMu.Lock()
	if db.queueStopped {
		db.queueMu.Unlock()
		db.setPartsWritten(s.SessionID, false)
		return ErrStopped
	}
	db.queued = append(db.queued, req)
	db.handedOver(req)
	db.queueMu.Unlock()
	select {
	case db.wake <- struct{}{}:
	default: // a wake is pending already
	}
	return nil
}

// OpenRooms returns the rooms that are live.
func (db *DB) OpenRooms(ctx context.Context) ([]room.State, error) {
	var out []room.State
	err := db.bolt.View(func(tx *bolt.Tx) error {
		rooms := tx.Bucket(bucketRooms)
		return tx.Bucket(bucketOpenRooms).ForEach(func(k, _ []byte) error {
			s, err := readRoom(tx, k, rooms.Get(k))
			if err != nil {
				return err
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
		data := tx.Bucket(bucketRooms).Get([]byte(sessionID))
		if data == nil {
			return facilitator.ErrNotFound
		}
		var err error
		s, err = readRoom(tx, []byte(sessionID), data)
		return err
	})
	if errors.Is(err, facilitator.ErrNotFound) {
		// Both sentinels hold: the room's and the back office's.
		return s, fmt.Errorf("room %s: %w (%w)", sessionID, room.ErrNotStored, err)
	}
	return s, err
}

// readRoom decodes a roomRecord and puts its history back together, inside
// the transaction.
func readRoom(tx *bolt.Tx, sessionID, data []byte) (room.State, error) {
	return readRoomWith(tx, sessionID, data, true)
}

// readRoomWith is readRoom, leaving out the journeys part of a schema 3
// record unless journeys is set (see RoomsToRead).
func readRoomWith(tx *bolt.Tx, sessionID, data []byte, journeys bool) (room.State, error) {
	var s room.State
	rec := roomRecord{State: &s}
	if err := json.Unmarshal(data, &rec); err != nil {
		return s, fmt.Errorf("decode room %s: %w", sessionID, err)
	}
	if rec.Parts {
		if err := readParts(tx.Bucket(bucketParts).Cursor(), sessionID, &s, journeys); err != nil {
			return s, fmt.Errorf("room %s: %w", sessionID, err)
		}
	}
	if len(rec.History) > 0 {
		if err := json.Unmarshal(rec.History, &s.History); err != nil {
			return s, fmt.Errorf("decode room %s history: %w", sessionID, err)
		}
	}
	if rec.HistoryLen == 0 {
		return s, nil
	}
	s.History = make([]room.Activity, 0, rec.HistoryLen)
	c := tx.Bucket(bucketHistory).Cursor()
	k, v := c.Seek(historyKey(string(sessionID), 0))
	for i := range rec.HistoryLen {
		if !bytes.Equal(k, historyKey(string(sessionID), i)) {
			return s, fmt.Errorf("room %s: finished activity %d of %d is missing", sessionID, i, rec.HistoryLen)
		}
		// Decoded by its own UnmarshalJSON, which checks the JSON: through
		// json.Unmarshal every activity was scanned once more first, a
		// large cohort's rooms read 0.08 s faster.
		var a room.Activity
		if err := a.UnmarshalJSON(v); err != nil {
			return s, fmt.Errorf("decode room %s finished activity %d: %w", sessionID, i, err)
		}
		s.History = append(s.History, a)
		k, v = c.Next()
	}
	return s, nil
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

package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"hearth/facilitator"
	"hearth/room"
)

// openTimeout is how long a test's Open waits for the file lock.
const openTimeout = time.Second

// testDB is a database file in a temporary folder that a test may close and
// reopen. Whichever DB is open when the test ends is closed then.
type testDB struct {
	*DB
	path string
}

func newDB(tb testing.TB) *testDB {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "hearth.db")
	db, err := Open(path, openTimeout)
	if err != nil {
		tb.Fatalf("Open(%s): %v", path, err)
	}
	d := &testDB{DB: db, path: path}
	tb.Cleanup(func() {
		if err := d.Close(); err != nil {
			tb.Errorf("Close(%s): %v", path, err)
		}
	})
	return d
}

// reopen closes the DB and opens its file again, to prove what was durable.
func (d *testDB) reopen(tb testing.TB) {
	tb.Helper()
	if err := d.Close(); err != nil {
		tb.Fatalf("Close(%s): %v", d.path, err)
	}
	db, err := Open(d.path, openTimeout)
	if err != nil {
		tb.Fatalf("reopen %s: %v", d.path, err)
	}
	d.DB = db
}

// openDB opens the database at path and closes it when the test ends.
func openDB(tb testing.TB, path string) *DB {
	tb.Helper()
	db, err := Open(path, openTimeout)
	if err != nil {
		tb.Fatalf("Open(%s): %v", path, err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("Close(%s): %v", path, err)
		}
	})
	return db
}

var t0 = time.Date(2025, 3, 14, 18, 0, 0, 0, time.UTC)

// testRoom returns a room state with every kind of field filled in, so a
// round trip through the store would show anything it drops.
func testRoom(sessionID string, status room.Status, version uint64) *room.State {
	s := &room.State{
		SessionID: sessionID,
		CohortID:  "cohort-1",
		Title:     "Integration circle 3",
		Cohort:    "Spring circle",
		VideoURL:  "https://meet.example.org/abc",
		Status:    status,
		Version:   version,
		OpenedAt:  t0,
		Members: []room.Member{
			{ID: "f1", Name: "Robin", Role: room.Facilitator, Presence: room.Present, Since: t0, FirstJoined: t0},
			{ID: "p1", Name: "Sam", Role: room.Participant, Presence: room.Reconnecting, Since: t0.Add(time.Minute), FirstJoined: t0.Add(30 * time.Second)},
			{ID: "p2", Name: "Kai", Role: room.Participant, Presence: room.Absent, Since: t0},
		},
		Agenda: []room.Item{
			{ID: "item-1", Kind: room.KindCheckIn, Title: "Arriving", Status: room.Running,
				Settings: room.CheckInSettings{Prompt: "How are you arriving?", Visibility: room.VisibleToFacilitators}},
			{ID: "item-2", Kind: room.KindGrounding, Title: "Pause", Status: room.Pending,
				Settings: room.GroundingSettings{Seconds: 120, Breath: &room.Breath{In: 4, Hold: 4, Out: 6, Rest: 2}}},
		},
		Current: &room.Activity{ItemID: "item-1", Run: &room.CheckIn{
			ID:         "ci-2",
			Prompt:     "How are you arriving?",
			Visibility: room.VisibleToFacilitators,
			Open:       true,
			StartedAt:  t0.Add(2 * time.Minute),
			Answers: map[string]room.Answer{
				"p1": {MemberID: "p1", Scale: 6, State: room.Within, Feeling: "tender", Note: "slept badly, but here", At: t0.Add(3 * time.Minute)},
			},
		}},
		History: []room.Activity{{Run: &room.CheckIn{
			ID:         "ci-1",
			Prompt:     "One word?",
			Visibility: room.Anonymous,
			StartedAt:  t0.Add(time.Minute),
			ClosedAt:   t0.Add(2 * time.Minute),
			Answers: map[string]room.Answer{
				"p1": {MemberID: "p1", Scale: 3, State: room.Hypo, Feeling: "tired", At: t0.Add(90 * time.Second)},
			},
		}}},
		Applied: map[string][]room.AppliedAction{
			"p1": {{ID: "a-1", Version: 1}, {ID: "a-2", Version: 2}},
			"f1": {{ID: "a-9", Version: 3}},
		},
		Journeys: room.Journeys{
			"p1": {{ID: "i-0", MemberID: "p1", SessionID: "s-earlier", SessionTitle: "Integration circle 2", SetAt: t0.Add(-7 * 24 * time.Hour), Text: "walk every morning"}},
		},
		Hold: room.Hold{Paused: true, Since: t0.Add(4 * time.Minute)},
		Door: room.Door{AdmitOnArrival: true, Locked: true, Removed: []string{"p2"}, TurnedAway: []string{"p3"}},
		Signals: []room.Signal{
			{MemberID: "p1", Level: room.SupportMoment, At: t0.Add(4 * time.Minute), AckedAt: t0.Add(5 * time.Minute), AckedBy: "f1",
				EndedAt: t0.Add(6 * time.Minute), Ended: room.SignalRaisedAgain},
			{MemberID: "p1", Level: room.SupportNow, At: t0.Add(6 * time.Minute)},
		},
		Flags: []room.Flag{{MemberID: "p1", Reason: room.DroppedAfterSignal, At: t0.Add(7 * time.Minute)}},
		Threads: map[string]room.Thread{"p1": {
			Messages: []room.ThreadMessage{
				{N: 1, From: "f1", Text: "I see your signal. Would you like to step out for a moment?", At: t0.Add(6 * time.Minute)},
				{N: 2, From: "p1", Text: "Yes, thank you.", At: t0.Add(7 * time.Minute)},
			},
			ReadByFacilitators: 1, ReadByParticipant: 2,
		}},
	}
	if status == room.Closed {
		s.ClosedAt = t0.Add(time.Hour)
	}
	return s
}

// roundTrip returns s as it looks after encoding to JSON and back: the form
// in which the store may return it.
func roundTrip(tb testing.TB, s room.State) room.State {
	tb.Helper()
	data, err := json.Marshal(s)
	if err != nil {
		tb.Fatalf("encode room: %v", err)
	}
	var out room.State
	if err := json.Unmarshal(data, &out); err != nil {
		tb.Fatalf("decode room: %v", err)
	}
	return out
}

// holdCommitter holds db's committer inside its next commit (a save of
// another room) until release is called, so the saves handed over
// meanwhile meet in the batch after it. Call it before any save sets
// CommitHook otherwise.
func holdCommitter(tb testing.TB, db *DB) (release func()) {
	tb.Helper()
	ch, held := make(chan struct{}), make(chan struct{})
	var once sync.Once
	db.CommitHook = func() error {
		once.Do(func() { close(held); <-ch })
		return nil
	}
	first := make(chan error, 1)
	go func() { first <- db.SaveRoom(context.Background(), whole(testRoom("other", room.Open, 1)), nil) }()
	<-held
	return func() {
		close(ch)
		if err := <-first; err != nil {
			tb.Error(err)
		}
	}
}

// whole is the record of s that says its roster, agenda and journeys
// changed, as a room's first record does: for the tests whose states are
// not one room's transitions. No record names every member's remembered
// actions; the store writes them all on a room's first save in the process.
func whole(s *room.State) room.Record {
	return room.Record{State: s, Roster: true, Agenda: true, Journeys: true}
}

// saveRoom saves s as whole says.
func saveRoom(tb testing.TB, db *DB, s *room.State) {
	tb.Helper()
	saveRecord(tb, db, whole(s))
}

func saveRecord(tb testing.TB, db *DB, rec room.Record) {
	tb.Helper()
	if err := db.SaveRoom(context.Background(), rec, nil); err != nil {
		tb.Fatalf("SaveRoom(%s v%d): %v", rec.State.SessionID, rec.State.Version, err)
	}
}

func getRoom(tb testing.TB, db *DB, sessionID string) room.State {
	tb.Helper()
	s, err := db.Room(context.Background(), sessionID)
	if err != nil {
		tb.Fatalf("Room(%s): %v", sessionID, err)
	}
	return s
}

// openRooms returns the open rooms keyed by session ID.
func openRooms(tb testing.TB, db *DB) map[string]room.State {
	tb.Helper()
	list, err := db.OpenRooms(context.Background())
	if err != nil {
		tb.Fatalf("OpenRooms: %v", err)
	}
	out := make(map[string]room.State, len(list))
	for _, s := range list {
		if _, dup := out[s.SessionID]; dup {
			tb.Fatalf("OpenRooms returned room %s twice", s.SessionID)
		}
		out[s.SessionID] = s
	}
	return out
}

func TestOpen(t *testing.T) {
	t.Run("creates the file readable by its owner only", func(t *testing.T) {
		db := newDB(t)
		path := db.path
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := fi.Mode().Perm(), os.FileMode(0o600); got != want {
			t.Errorf("mode of %s: got %v, want %v", path, got, want)
		}
	})

	t.Run("restricts the mode of an existing file", func(t *testing.T) {
		db := newDB(t)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(db.path, 0o644); err != nil {
			t.Fatal(err)
		}
		openDB(t, db.path)
		fi, err := os.Stat(db.path)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := fi.Mode().Perm(), os.FileMode(0o600); got != want {
			t.Errorf("mode after reopening: got %v, want %v", got, want)
		}
	})

	t.Run("creates the buckets and the schema key", func(t *testing.T) {
		db := newDB(t)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		b, err := bolt.Open(db.path, 0o600, &bolt.Options{ReadOnly: true, Timeout: openTimeout})
		if err != nil {
			t.Fatalf("open with bbolt: %v", err)
		}
		defer b.Close()
		err = b.View(func(tx *bolt.Tx) error {
			for _, name := range allBuckets {
				if tx.Bucket(name) == nil {
					t.Errorf("bucket %q: missing", name)
				}
			}
			if got := string(tx.Bucket(bucketMeta).Get([]byte("schema"))); got != schemaVersion {
				t.Errorf("schema key: got %q, want %q", got, schemaVersion)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})

	t.Run("reopens what it created", func(t *testing.T) {
		db := newDB(t)
		saveRoom(t, db.DB, testRoom("s1", room.Open, 1))
		db.reopen(t)
		db.reopen(t)
		if got := getRoom(t, db.DB, "s1").Version; got != 1 {
			t.Errorf("version after two reopens: got %d, want 1", got)
		}
	})

	t.Run("refuses another schema and lets go of the file", func(t *testing.T) {
		db := newDB(t)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		b, err := bolt.Open(db.path, 0o600, &bolt.Options{Timeout: openTimeout})
		if err != nil {
			t.Fatal(err)
		}
		err = b.Update(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketMeta).Put([]byte("schema"), []byte("99"))
		})
		if cerr := b.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatal(err)
		}

		db2, err := Open(db.path, 100*time.Millisecond)
		if err == nil {
			db2.Close()
			t.Fatal("Open of a schema 99 file: got no error, want one")
		}
		if errors.Is(err, ErrInUse) {
			t.Fatalf("Open of a schema 99 file: got %v, want a schema error", err)
		}
		// The refused Open must not keep the lock.
		b, err = bolt.Open(db.path, 0o600, &bolt.Options{Timeout: 100 * time.Millisecond})
		if err != nil {
			t.Fatalf("open after the refused Open: got %v, want the file free", err)
		}
		b.Close()
	})

	t.Run("a second Open while the first is open returns ErrInUse", func(t *testing.T) {
		db := newDB(t)
		type result struct {
			db  *DB
			err error
		}
		res := make(chan result, 1)
		go func() {
			second, err := Open(db.path, 100*time.Millisecond)
			res <- result{second, err}
		}()
		select {
		case r := <-res:
			if r.db != nil {
				r.db.Close()
			}
			if !errors.Is(r.err, ErrInUse) {
				t.Errorf("second Open: got %v, want ErrInUse", r.err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("second Open with a 100ms timeout still hangs after 10s")
		}
	})
}

func TestRooms(t *testing.T) {
	ctx := context.Background()

	t.Run("an open room survives a reopen unchanged", func(t *testing.T) {
		db := newDB(t)
		a, b := testRoom("s-a", room.Open, 7), testRoom("s-b", room.Open, 2)
		saveRoom(t, db.DB, a)
		saveRoom(t, db.DB, b)
		db.reopen(t)

		got := openRooms(t, db.DB)
		want := map[string]room.State{"s-a": roundTrip(t, *a), "s-b": roundTrip(t, *b)}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("OpenRooms after reopen:\ngot  %+v\nwant %+v", got, want)
		}
		if got, want := got["s-a"].Applied["p1"], []room.AppliedAction{{ID: "a-1", Version: 1}, {ID: "a-2", Version: 2}}; !reflect.DeepEqual(got, want) {
			t.Errorf("applied actions of p1: got %v, want %v", got, want)
		}
		if got, want := got["s-a"].Current.CheckIn().Answers["p1"].Feeling, "tender"; got != want {
			t.Errorf("p1's answer: got %q, want %q", got, want)
		}
	})

	t.Run("a closed room leaves OpenRooms but stays readable", func(t *testing.T) {
		db := newDB(t)
		saveRoom(t, db.DB, testRoom("s-live", room.Open, 1))
		saveRoom(t, db.DB, testRoom("s-done", room.Open, 1))
		closed := testRoom("s-done", room.Closed, 2)
		saveRoom(t, db.DB, closed)

		for _, phase := range []string{"before reopen", "after reopen"} {
			if phase == "after reopen" {
				db.reopen(t)
			}
			rooms := openRooms(t, db.DB)
			if _, ok := rooms["s-done"]; ok {
				t.Errorf("%s: closed room s-done is in OpenRooms", phase)
			}
			if _, ok := rooms["s-live"]; !ok || len(rooms) != 1 {
				t.Errorf("%s: OpenRooms holds %d rooms, want only s-live", phase, len(rooms))
			}
			if got, want := getRoom(t, db.DB, "s-done"), roundTrip(t, *closed); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: Room(s-done):\ngot  %+v\nwant %+v", phase, got, want)
			}
		}
	})

	t.Run("the later of two saves of a room wins", func(t *testing.T) {
		db := newDB(t)
		saveRoom(t, db.DB, testRoom("s1", room.Open, 1))
		v2 := testRoom("s1", room.Open, 2)
		v2.Title = "renamed"
		saveRoom(t, db.DB, v2)
		if got := getRoom(t, db.DB, "s1"); got.Version != 2 || got.Title != "renamed" {
			t.Errorf("Room(s1): got version %d %q, want version 2 %q", got.Version, got.Title, "renamed")
		}
		db.reopen(t)
		if got := getRoom(t, db.DB, "s1"); got.Version != 2 || got.Title != "renamed" {
			t.Errorf("Room(s1) after reopen: got version %d %q, want version 2 %q", got.Version, got.Title, "renamed")
		}
	})

	t.Run("a room never saved is not found", func(t *testing.T) {
		db := newDB(t)
		if _, err := db.Room(ctx, "nope"); !errors.Is(err, facilitator.ErrNotFound) {
			t.Errorf("Room(nope): got %v, want ErrNotFound", err)
		}
		if got := openRooms(t, db.DB); len(got) != 0 {
			t.Errorf("OpenRooms of a new DB: got %d rooms, want 0", len(got))
		}
	})

	t.Run("writes after Close return ErrStopped and do not fail the DB", func(t *testing.T) {
		db := newDB(t)
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		if err := db.SaveRoom(ctx, whole(testRoom("s1", room.Open, 1)), nil); !errors.Is(err, ErrStopped) {
			t.Errorf("SaveRoom after Close: got %v, want ErrStopped", err)
		}
		if err := db.PutCohort(ctx, facilitator.Cohort{ID: "c1"}); !errors.Is(err, ErrStopped) {
			t.Errorf("PutCohort after Close: got %v, want ErrStopped", err)
		}
		// A shutdown is not a failed disk.
		if err := db.Err(); err != nil {
			t.Errorf("Err() after writes to a closed DB: got %v, want nil", err)
		}
		select {
		case <-db.Failed():
			t.Error("Failed() is closed after writes to a closed DB, want it open")
		default:
		}
	})
}

func TestGroupCommit(t *testing.T) {
	const n = 200
	db := newDB(t)

	var mu sync.Mutex
	var batches []int
	db.Observe = func(batch int, _ time.Duration) {
		mu.Lock()
		batches = append(batches, batch)
		mu.Unlock()
	}
	// Hold the first commit until every writer has started, so the others
	// pile up behind it as they would behind a slow fsync.
	var started sync.WaitGroup
	started.Add(n)
	var first sync.Once
	db.CommitHook = func() error {
		first.Do(started.Wait)
		return nil
	}

	errs := make(chan error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			started.Done()
			errs <- db.SaveRoom(context.Background(), whole(testRoom(roomID(i), room.Open, uint64(i+1))), nil)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent SaveRoom: %v", err)
		}
	}

	mu.Lock()
	total, biggest := 0, 0
	for _, b := range batches {
		total += b
		biggest = max(biggest, b)
	}
	mu.Unlock()
	if total != n {
		t.Errorf("saves seen by Observe: got %d, want %d", total, n)
	}
	t.Logf("%d saves in %d commits, the largest of %d", total, len(batches), biggest)
	if biggest < 2 {
		t.Errorf("largest commit: got %d save(s) over %d commits, want a commit carrying more than one save", biggest, len(batches))
	}

	db.reopen(t)
	rooms := openRooms(t, db.DB)
	if len(rooms) != n {
		t.Errorf("open rooms after reopen: got %d, want %d", len(rooms), n)
	}
	for i := range n {
		s, ok := rooms[roomID(i)]
		if !ok {
			t.Errorf("room %s: missing after reopen", roomID(i))
			continue
		}
		if s.Version != uint64(i+1) {
			t.Errorf("room %s: got version %d, want %d", roomID(i), s.Version, i+1)
		}
	}
}

func roomID(i int) string { return fmt.Sprintf("session-%03d", i) }

func TestFailedCommit(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	saveRoom(t, db.DB, testRoom("kept", room.Open, 1))

	diskOnFire := errors.New("disk on fire")
	db.CommitHook = func() error { return diskOnFire }
	err := db.SaveRoom(ctx, whole(testRoom("lost", room.Open, 1)), nil)
	if !errors.Is(err, diskOnFire) {
		t.Fatalf("SaveRoom with a failing commit: got %v, want %v", err, diskOnFire)
	}
	select {
	case <-db.Failed():
	default:
		t.Error("Failed() is not closed after a failed commit")
	}
	if err := db.Err(); !errors.Is(err, diskOnFire) {
		t.Errorf("Err(): got %v, want %v", err, diskOnFire)
	}

	// The disk may recover; the DB must not trust it again.
	db.CommitHook = nil
	writes := []struct {
		name string
		do   func() error
	}{
		{"SaveRoom of a saved room", func() error { return db.SaveRoom(ctx, whole(testRoom("kept", room.Open, 2)), nil) }},
		{"SaveRoom of a new room", func() error { return db.SaveRoom(ctx, whole(testRoom("fresh", room.Open, 1)), nil) }},
		{"PutCohort", func() error { return db.PutCohort(ctx, facilitator.Cohort{ID: "c1", Name: "Circle"}) }},
		{"CreateAccount", func() error {
			return db.CreateAccount(ctx, facilitator.Account{ID: "a1", Email: "a@example.org"})
		}},
		{"PutLogin", func() error { return db.PutLogin(ctx, facilitator.Login{TokenHash: "h", AccountID: "a1"}) }},
		{"DeleteLogin", func() error { return db.DeleteLogin(ctx, "h") }},
		{"PutParticipant", func() error {
			return db.PutParticipant(ctx, facilitator.Participant{ID: "p1", CohortID: "c1", TokenHash: "t1"})
		}},
		{"DeleteParticipant", func() error { return db.DeleteParticipant(ctx, "p1") }},
		{"PutSession", func() error { return db.PutSession(ctx, facilitator.Session{ID: "s1", CohortID: "c1"}) }},
	}
	for _, w := range writes {
		t.Run(w.name+" is refused", func(t *testing.T) {
			if err := w.do(); !errors.Is(err, ErrFailed) {
				t.Errorf("%s after a failed commit: got %v, want ErrFailed", w.name, err)
			}
		})
	}

	t.Run("nothing failed or refused is on disk after reopen", func(t *testing.T) {
		db.reopen(t)
		if _, err := db.Room(ctx, "lost"); !errors.Is(err, facilitator.ErrNotFound) {
			t.Errorf("Room(lost): got %v, want ErrNotFound", err)
		}
		if _, err := db.Room(ctx, "fresh"); !errors.Is(err, facilitator.ErrNotFound) {
			t.Errorf("Room(fresh): got %v, want ErrNotFound", err)
		}
		if got := getRoom(t, db.DB, "kept").Version; got != 1 {
			t.Errorf("Room(kept) version: got %d, want 1", got)
		}
		if _, err := db.Cohort(ctx, "c1"); !errors.Is(err, facilitator.ErrNotFound) {
			t.Errorf("Cohort(c1): got %v, want ErrNotFound", err)
		}
		if got := openRooms(t, db.DB); len(got) != 1 {
			t.Errorf("OpenRooms: got %d rooms, want 1 (kept)", len(got))
		}
		// A new DB starts healthy.
		if err := db.Err(); err != nil {
			t.Errorf("Err() after reopen: got %v, want nil", err)
		}
		saveRoom(t, db.DB, testRoom("fresh", room.Open, 1))
	})
}

func TestWriteTo(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	c := facilitator.Cohort{ID: "c1", Name: "Spring circle", Agreements: "Confidentiality.", AgreementsVersion: 1,
		Facilitators: []string{"a1"}, CreatedAt: t0}
	if err := db.PutCohort(ctx, c); err != nil {
		t.Fatal(err)
	}
	saved := testRoom("s1", room.Open, 3)
	saveRoom(t, db.DB, saved)

	backup := filepath.Join(t.TempDir(), "backup.db")
	f, err := os.Create(backup)
	if err != nil {
		t.Fatal(err)
	}
	n, err := db.WriteTo(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("WriteTo: %v", err)
	}
	fi, err := os.Stat(backup)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Size() != n {
		t.Errorf("WriteTo: reported %d bytes, file holds %d", n, fi.Size())
	}

	// The original stays in use.
	saveRoom(t, db.DB, testRoom("s1", room.Open, 4))

	copied := openDB(t, backup)
	got, err := copied.Cohort(ctx, "c1")
	if err != nil {
		t.Fatalf("Cohort(c1) from the backup: %v", err)
	}
	if !reflect.DeepEqual(got, c) {
		t.Errorf("Cohort(c1) from the backup:\ngot  %+v\nwant %+v", got, c)
	}
	if got, want := getRoom(t, copied, "s1"), roundTrip(t, *saved); !reflect.DeepEqual(got, want) {
		t.Errorf("Room(s1) from the backup: got version %d, want version %d as it was when copied", got.Version, want.Version)
	}
}

// TestCommitSpacing saves one room after another with commits spaced
// 100 ms: the second save waits for the spacing, and the saves that arrive
// meanwhile share its commit.
func TestCommitSpacing(t *testing.T) {
	const spacing = 100 * time.Millisecond
	db := newDB(t)
	db.CommitSpacing = spacing
	var mu sync.Mutex
	var starts []time.Time
	db.CommitHook = func() error {
		mu.Lock()
		starts = append(starts, time.Now())
		mu.Unlock()
		return nil
	}
	ctx := context.Background()
	saveRoom(t, db.DB, testRoom(roomID(0), room.Open, 1))
	var wg sync.WaitGroup
	for i := range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := db.SaveRoom(ctx, whole(testRoom(roomID(i+1), room.Open, 1)), nil); err != nil {
				t.Errorf("SaveRoom: %v", err)
			}
		}()
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(starts) < 2 || len(starts) > 3 {
		t.Fatalf("11 saves in %d commits, want the 10 that came during the spacing in one or two", len(starts))
	}
	if gap := starts[1].Sub(starts[0]); gap < spacing-5*time.Millisecond {
		t.Errorf("second commit %v after the first, want at least %v", gap, spacing)
	}
}

// TestSaveRoomCommitted checks SaveRoom's committed function: called once,
// after the state is durable and before SaveRoom returns; never for a
// commit that failed.
func TestSaveRoomCommitted(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	calls := 0
	err := db.SaveRoom(ctx, whole(testRoom("s1", room.Open, 1)), func() {
		calls++
		if s, err := db.Room(ctx, "s1"); err != nil || s.Version != 1 {
			t.Errorf("in committed: Room(s1) = version %d, %v; want the state saved", s.Version, err)
		}
	})
	if err != nil || calls != 1 {
		t.Fatalf("SaveRoom: %v, committed called %d times; want nil and once", err, calls)
	}

	failing := newDB(t)
	failing.CommitHook = func() error { return errors.New("disk on fire") }
	if err := failing.SaveRoom(ctx, whole(testRoom("s1", room.Open, 1)), func() { calls++ }); err == nil {
		t.Fatal("SaveRoom with a failing disk: no error")
	}
	if calls != 1 {
		t.Errorf("committed was called for a failed commit")
	}
}

// TestReceiveBackupKeepsAnExistingFile: without Replace a file already at
// the path (one that appeared after the command looked) is kept as it was.
func TestReceiveBackupKeepsAnExistingFile(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "hearth.db"), time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	file := filepath.Join(t.TempDir(), "backup.db")
	if err := os.WriteFile(file, []byte("someone else's"), 0o600); err != nil {
		t.Fatal(err)
	}
	var stream bytes.Buffer
	if err := db.Backup(&stream); err != nil {
		t.Fatal(err)
	}
	if _, err := ReceiveBackup(context.Background(), bytes.NewReader(stream.Bytes()), BackupTarget{Path: file}); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("receive over an existing file: %v, want it refused", err)
	}
	if got, _ := os.ReadFile(file); string(got) != "someone else's" {
		t.Errorf("the file became %d bytes", len(got))
	}
	if entries, _ := os.ReadDir(filepath.Dir(file)); len(entries) != 1 {
		t.Errorf("%d files in the folder, want the one that was there", len(entries))
	}
	if _, err := ReceiveBackup(context.Background(), bytes.NewReader(stream.Bytes()), BackupTarget{Path: file, Replace: true}); err != nil {
		t.Fatalf("receive with Replace: %v", err)
	}
	if err := Check(context.Background(), file); err != nil {
		t.Errorf("the replaced backup: %v", err)
	}
}

package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"hearth/room"
)

// finishedCheckIn is a finished check-in with one answer, told apart by n.
func finishedCheckIn(n int) room.Activity {
	at := t0.Add(time.Duration(n) * time.Minute)
	return room.Activity{ItemID: fmt.Sprintf("item-%d", n), Run: &room.CheckIn{
		ID: fmt.Sprintf("ci-h%d", n), Prompt: "How are you arriving?", Visibility: room.VisibleToGroup,
		StartedAt: at, ClosedAt: at.Add(30 * time.Second),
		Answers: map[string]room.Answer{"p1": {MemberID: "p1", Scale: n % 11, State: room.Within, Note: fmt.Sprintf("note %d", n), At: at}},
	}}
}

// withHistory returns the test room at version v with n finished activities.
func withHistory(sessionID string, v uint64, n int) *room.State {
	s := testRoom(sessionID, room.Open, v)
	s.History = nil
	for i := range n {
		s.History = append(s.History, finishedCheckIn(i))
	}
	return s
}

// rawRoom returns what is stored under rooms/<id>, and how many history
// entries the room has under room_history.
func rawRoom(tb testing.TB, db *DB, sessionID string) (record []byte, entries int) {
	tb.Helper()
	err := db.bolt.View(func(tx *bolt.Tx) error {
		record = bytes.Clone(tx.Bucket(bucketRooms).Get([]byte(sessionID)))
		prefix := []byte(sessionID + "\x00")
		c := tx.Bucket(bucketHistory).Cursor()
		for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
			entries++
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return record, entries
}

func TestHistory(t *testing.T) {
	ctx := context.Background()

	t.Run("a room with a growing history reads back whole, before and after a reopen", func(t *testing.T) {
		db := newDB(t)
		var last *room.State
		for v := range 8 {
			last = withHistory("s1", uint64(v+1), v*3/2) // some saves add none, some two
			saveRoom(t, db.DB, last)
		}
		want := roundTrip(t, *last)
		for _, phase := range []string{"before reopen", "after reopen"} {
			if phase == "after reopen" {
				db.reopen(t)
			}
			if got := getRoom(t, db.DB, "s1"); !reflect.DeepEqual(got, want) {
				t.Errorf("%s: Room(s1):\ngot  %+v\nwant %+v", phase, got, want)
			}
			if got := openRooms(t, db.DB)["s1"]; !reflect.DeepEqual(got, want) {
				t.Errorf("%s: OpenRooms()[s1]:\ngot  %+v\nwant %+v", phase, got, want)
			}
		}
		record, entries := rawRoom(t, db.DB, "s1")
		if entries != len(last.History) {
			t.Errorf("room_history holds %d entries of s1, want %d", entries, len(last.History))
		}
		// The per-action save carries the live room only.
		if bytes.Contains(record, []byte("note 3")) || bytes.Contains(record, []byte(`"history":`)) {
			t.Errorf("the room's record holds its history: %s", record)
		}
	})

	t.Run("a finished activity is written once, by the save that first holds it", func(t *testing.T) {
		db := newDB(t)
		saveRoom(t, db.DB, withHistory("s1", 1, 2))
		// History never changes once finished; a state that broke that rule
		// shows whether the store wrote the entry again.
		changed := withHistory("s1", 2, 3)
		changed.History[0].CheckIn().Prompt = "rewritten"
		saveRoom(t, db.DB, changed)
		for _, phase := range []string{"before reopen", "after reopen"} {
			if phase == "after reopen" {
				db.reopen(t)
				// A new process learns what is stored from the record.
				changed = withHistory("s1", 3, 4)
				changed.History[1].CheckIn().Prompt = "rewritten"
				saveRoom(t, db.DB, changed)
			}
			got := getRoom(t, db.DB, "s1")
			for i, a := range got.History {
				if a.CheckIn().Prompt != "How are you arriving?" {
					t.Errorf("%s: history %d was written again: prompt %q", phase, i, a.CheckIn().Prompt)
				}
			}
			if want := int(got.Version) + 1; len(got.History) != want {
				t.Errorf("%s: got %d finished activities, want %d", phase, len(got.History), want)
			}
		}
	})

	t.Run("rooms keep their own histories", func(t *testing.T) {
		db := newDB(t)
		// "s1" is a prefix of "s10": their keys must not mix.
		saveRoom(t, db.DB, withHistory("s1", 1, 3))
		saveRoom(t, db.DB, withHistory("s10", 1, 5))
		db.reopen(t)
		if got := getRoom(t, db.DB, "s1"); len(got.History) != 3 || got.History[2].CheckIn().ID != "ci-h2" {
			t.Errorf("Room(s1): got %d finished activities, want 3", len(got.History))
		}
		if got := getRoom(t, db.DB, "s10"); len(got.History) != 5 || got.History[4].CheckIn().ID != "ci-h4" {
			t.Errorf("Room(s10): got %d finished activities, want 5", len(got.History))
		}
	})

	t.Run("a missing history entry is an error, not a shorter history", func(t *testing.T) {
		db := newDB(t)
		saveRoom(t, db.DB, withHistory("s1", 1, 3))
		err := db.bolt.Update(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketHistory).Delete(historyKey("s1", 1))
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Room(ctx, "s1"); err == nil {
			t.Error("Room(s1) with a finished activity missing: got no error")
		}
		if _, err := db.OpenRooms(ctx); err == nil {
			t.Error("OpenRooms with a finished activity missing: got no error")
		}
	})

	t.Run("a schema 1 database with history inline loads, and its next save moves the history out", func(t *testing.T) {
		db := newDB(t)
		// Write the file as the schema 1 code did: the whole state as JSON.
		old := withHistory("s1", 4, 3)
		asOlderSchema(t, db, "1", func(tx *bolt.Tx) error {
			data, err := olderJSON(old)
			if err != nil {
				return err
			}
			return tx.Bucket(bucketRooms).Put([]byte("s1"), data)
		})

		upgradesOnSave(t, db, "1", unversioned(old), whole(withHistory("s1", 5, 4)), func(record []byte, entries int) error {
			if entries != 4 || bytes.Contains(record, []byte(`"history":`)) {
				return fmt.Errorf("%d entries in room_history (want 4), record %s", entries, record)
			}
			return nil
		})
	})
}

// upgradesOnSave checks room s1 of a file asOlderSchema wrote: it reads
// back as old; once next is saved and the file reopened, it reads back as
// next's state and moved accepts what is stored (the record and the number
// of its entries in room_history); the file still passes Check.
func upgradesOnSave(t *testing.T, db *testDB, schema string, old *room.State, next room.Record, moved func(record []byte, entries int) error) {
	t.Helper()
	if got, want := getRoom(t, db.DB, "s1"), roundTrip(t, *old); !reflect.DeepEqual(got, want) {
		t.Errorf("Room(s1) from schema %s:\ngot  %+v\nwant %+v", schema, got, want)
	}
	saveRecord(t, db.DB, next)
	db.reopen(t)
	if got, want := getRoom(t, db.DB, "s1"), roundTrip(t, *next.State); !reflect.DeepEqual(got, want) {
		t.Errorf("Room(s1) after its first save:\ngot  %+v\nwant %+v", got, want)
	}
	if err := moved(rawRoom(t, db.DB, "s1")); err != nil {
		t.Errorf("after the first save: %v", err)
	}
	if err := db.DB.Close(); err != nil {
		t.Fatal(err)
	}
	if err := Check(context.Background(), db.path); err != nil {
		t.Errorf("Check after the upgrade: %v", err)
	}
}

// asOlderSchema closes db and rewrites its file as a binary of an older
// schema left it: without the buckets later schemas added, with that
// schema's key, with what write puts in and the room s1 listed as open.
// The file must pass Check; db is then opened on it again.
func asOlderSchema(tb testing.TB, db *testDB, schema string, write func(tx *bolt.Tx) error) {
	tb.Helper()
	if err := db.Close(); err != nil {
		tb.Fatal(err)
	}
	b, err := bolt.Open(db.path, 0o600, &bolt.Options{Timeout: openTimeout})
	if err != nil {
		tb.Fatal(err)
	}
	later := map[string][][]byte{"1": {bucketHistory, bucketParts}, "2": {bucketParts}, "3": nil}[schema]
	err = b.Update(func(tx *bolt.Tx) error {
		for _, name := range later {
			if err := tx.DeleteBucket(name); err != nil {
				return err
			}
		}
		if err := tx.Bucket(bucketMeta).Put([]byte("schema"), []byte(schema)); err != nil {
			return err
		}
		if err := write(tx); err != nil {
			return err
		}
		return tx.Bucket(bucketOpenRooms).Put([]byte("s1"), nil)
	})
	if cerr := b.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		tb.Fatal(err)
	}
	if err := Check(context.Background(), db.path); err != nil {
		tb.Errorf("Check of a schema %s file: %v", schema, err)
	}
	db.DB = openDB(tb, db.path)
}

func TestQueueRoom(t *testing.T) {
	ctx := context.Background()

	t.Run("a queued state is committed without anyone waiting, and by Close", func(t *testing.T) {
		db := newDB(t)
		if err := db.QueueRoom(whole(withHistory("s1", 1, 1))); err != nil {
			t.Fatal(err)
		}
		if err := db.QueueRoom(whole(withHistory("s1", 2, 2))); err != nil {
			t.Fatal(err)
		}
		db.reopen(t)
		if got := getRoom(t, db.DB, "s1"); got.Version != 2 || len(got.History) != 2 {
			t.Errorf("after Close: got version %d with %d finished, want version 2 with 2", got.Version, len(got.History))
		}
	})

	t.Run("an acknowledged save is never overwritten by a state queued before it", func(t *testing.T) {
		db := newDB(t)
		// Hold the committer in its first commit, so the queued state and the
		// waited-for one meet in the next batch, in either order.
		release := holdCommitter(t, db.DB)
		if err := db.QueueRoom(whole(withHistory("s1", 1, 1))); err != nil { // presence: not waited for
			t.Fatal(err)
		}
		acted := make(chan error, 1)
		go func() { acted <- db.SaveRoom(ctx, whole(withHistory("s1", 2, 2)), nil) }() // an action: acknowledged once durable
		release()
		if err := <-acted; err != nil {
			t.Fatal(err)
		}
		if got := getRoom(t, db.DB, "s1"); got.Version != 2 || len(got.History) != 2 {
			t.Errorf("after the ack: got version %d with %d finished, want version 2 with 2", got.Version, len(got.History))
		}
		db.reopen(t)
		if got := getRoom(t, db.DB, "s1"); got.Version != 2 || len(got.History) != 2 {
			t.Errorf("after reopen: got version %d with %d finished, want version 2 with 2", got.Version, len(got.History))
		}
	})

	t.Run("many rooms mixing queued and waited-for saves end at their last state", func(t *testing.T) {
		db := newDB(t)
		const rooms, saves = 20, 40
		var wg sync.WaitGroup
		acked := make([]uint64, rooms)
		for r := range rooms {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// One room hands over its states in order, as a Room under
				// its lock does.
				for v := 1; v <= saves; v++ {
					s := withHistory(roomID(r), uint64(v), v/4)
					if (v+r)%3 == 0 {
						if err := db.SaveRoom(ctx, whole(s), nil); err != nil {
							t.Error(err)
							return
						}
						acked[r] = uint64(v)
						// What was acknowledged is stored now.
						if got := getRoom(t, db.DB, roomID(r)); got.Version < uint64(v) {
							t.Errorf("room %d: acked version %d, stored %d", r, v, got.Version)
						}
					} else if err := db.QueueRoom(whole(s)); err != nil {
						t.Error(err)
						return
					}
				}
			}()
		}
		wg.Wait()
		db.reopen(t)
		got := openRooms(t, db.DB)
		for r := range rooms {
			s := got[roomID(r)]
			if s.Version != saves || len(s.History) != saves/4 {
				t.Errorf("room %d: got version %d with %d finished, want %d with %d (last acked %d)", r, s.Version, len(s.History), saves, saves/4, acked[r])
			}
		}
	})

	t.Run("a failed or closed store refuses to queue", func(t *testing.T) {
		db := newDB(t)
		diskOnFire := errors.New("disk on fire")
		db.CommitHook = func() error { return diskOnFire }
		if err := db.SaveRoom(ctx, whole(testRoom("s1", room.Open, 1)), nil); !errors.Is(err, diskOnFire) {
			t.Fatalf("SaveRoom with a failing disk: got %v", err)
		}
		if err := db.QueueRoom(whole(testRoom("s1", room.Open, 2))); !errors.Is(err, ErrFailed) {
			t.Errorf("QueueRoom after a failed commit: got %v, want ErrFailed", err)
		}
		db2 := newDB(t)
		if err := db2.Close(); err != nil {
			t.Fatal(err)
		}
		if err := db2.QueueRoom(whole(testRoom("s1", room.Open, 1))); !errors.Is(err, ErrStopped) {
			t.Errorf("QueueRoom after Close: got %v, want ErrStopped", err)
		}
	})
}

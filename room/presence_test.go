package room

import (
	"context"
	"sync/atomic"
	"testing"
)

// heldStore is a memStore whose waited-for saves (SaveRoom) block while
// held, as behind a slow fsync; queued saves (QueueRoom) go through.
type heldStore struct {
	*memStore
	held    atomic.Bool
	release chan struct{}
	waiting chan struct{} // receives when a SaveRoom blocks
}

func (s *heldStore) SaveRoom(ctx context.Context, rec Record, committed func()) error {
	if s.held.Load() {
		s.waiting <- struct{}{}
		<-s.release
	}
	return s.memStore.SaveRoom(ctx, rec, committed)
}

func (s *heldStore) QueueRoom(rec Record) error {
	return s.memStore.SaveRoom(context.Background(), rec, nil)
}

// joinUnheld joins, failing the test when the join waits for a held save.
func joinUnheld(tb testing.TB, store *heldStore, r *Room, memberID string) *Subscription {
	tb.Helper()
	joined := make(chan *Subscription, 1)
	go func() { joined <- join(tb, r, memberID) }()
	select {
	case sub := <-joined:
		return sub
	case <-store.waiting:
		close(store.release) // let the join finish, so the test ends
		<-joined
		tb.Fatalf("joining %s waited for a commit", memberID)
		return nil
	}
}

func TestPresenceDoesNotWaitForTheDisk(t *testing.T) {
	store := &heldStore{memStore: newMemStore(), release: make(chan struct{}), waiting: make(chan struct{}, 1)}
	m, _ := newTestManager(t, Config{Store: store})
	r := openTestRoom(t, m)
	store.held.Store(true)

	// With every waited-for save stuck, members still come and go.
	f := joinUnheld(t, store, r, "f1")
	recvType(t, f, "snapshot")
	p := joinUnheld(t, store, r, "p1")
	recvType(t, p, "snapshot")
	wantPresence(t, f, 3, "p1", Present)
	if got := store.Saved(t, "s1"); got.Version != 3 {
		t.Errorf("got stored version %d, want the queued arrival, 3", got.Version)
	}

	// An action still waits for its commit: nobody hears of it before.
	done := make(chan error, 1)
	go func() {
		done <- f.Do(context.Background(), Command{Type: TypeCheckInStart, ID: "a-1", Data: []byte(startGroup)})
	}()
	<-store.waiting
	recvNone(t, f)
	recvNone(t, p)
	close(store.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	wantEvent(t, f, 4)
	wantAck(t, f, "a-1", 4, false)
	wantEvent(t, p, 4)
	saved := store.Saved(t, "s1")
	if saved.Version != 4 || saved.Current == nil {
		t.Errorf("got stored version %d with activity %v, want the acknowledged check-in at 4", saved.Version, saved.Current)
	}
	if mem, _ := saved.Member("p1"); mem.Presence != Present || mem.FirstJoined.IsZero() {
		t.Errorf("stored p1 %+v, want present with the first arrival recorded", mem)
	}
}

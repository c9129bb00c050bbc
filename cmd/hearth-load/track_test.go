package main

import (
	"testing"
	"time"
)

func TestTracker(t *testing.T) {
	t0 := time.Unix(1000, 0)
	at := func(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }
	all := uint64(0b111) // members 0, 1 and 2

	t.Run("latency is until the last expected member", func(t *testing.T) {
		lat := newSamples(10)
		tr := newTracker(lat)
		f := tr.send(t0, all)
		// Others get the event before the sender reads its ack.
		tr.received(7, 1, at(2))
		tr.received(7, 2, at(9))
		tr.received(7, 0, at(3))
		if lat.summary().Count != 0 {
			t.Fatal("completed before the version was known")
		}
		tr.versioned(f, 7)
		got := lat.summary()
		if got.Count != 1 || got.Max != 9 {
			t.Errorf("latency %+v, want one sample of 9 ms", got)
		}
		if w, x := tr.open(); w != 0 || x != 0 {
			t.Errorf("open = %d waiting, %d excluded; want 0, 0", w, x)
		}
	})

	t.Run("completes on the last receipt after the ack", func(t *testing.T) {
		lat := newSamples(10)
		tr := newTracker(lat)
		f := tr.send(t0, all)
		tr.received(3, 0, at(1))
		tr.versioned(f, 3)
		tr.received(3, 1, at(4))
		if lat.summary().Count != 0 {
			t.Fatal("completed with member 2 missing")
		}
		tr.received(4, 2, at(5)) // another version does not count
		tr.received(3, 2, at(6))
		if got := lat.summary(); got.Count != 1 || got.Max != 6 {
			t.Errorf("latency %+v, want one sample of 6 ms", got)
		}
	})

	t.Run("a member who was not there is not waited for", func(t *testing.T) {
		lat := newSamples(10)
		tr := newTracker(lat)
		f := tr.send(t0, 0b011)
		tr.versioned(f, 5)
		tr.received(5, 0, at(1))
		tr.received(5, 1, at(2))
		if got := lat.summary(); got.Count != 1 || got.Max != 2 {
			t.Errorf("latency %+v, want one sample of 2 ms", got)
		}
	})

	t.Run("a drop before delivery excludes the action", func(t *testing.T) {
		lat := newSamples(10)
		tr := newTracker(lat)
		f := tr.send(t0, all)
		tr.versioned(f, 8)
		tr.received(8, 0, at(1))
		tr.dropped(0) // already had it: no effect
		if w, _ := tr.open(); w != 1 {
			t.Fatalf("waiting = %d, want 1", w)
		}
		tr.dropped(2)
		tr.received(8, 1, at(2))
		if lat.summary().Count != 0 {
			t.Error("an interrupted delivery was measured")
		}
		if w, x := tr.open(); w != 0 || x != 1 {
			t.Errorf("open = %d waiting, %d excluded; want 0, 1", w, x)
		}
	})

	t.Run("a refused action is forgotten without counting", func(t *testing.T) {
		lat := newSamples(10)
		tr := newTracker(lat)
		f := tr.send(t0, all)
		tr.forget(f)
		if w, x := tr.open(); w != 0 || x != 0 {
			t.Errorf("open = %d waiting, %d excluded; want 0, 0", w, x)
		}
	})

	t.Run("old receipts are pruned", func(t *testing.T) {
		tr := newTracker(newSamples(10))
		for v := uint64(1); v <= 5000; v++ {
			tr.received(v, 0, at(int(v)))
		}
		if n := len(tr.recv); n > 2*keepVersions+1 {
			t.Errorf("kept %d versions' receipts, want at most %d", n, 2*keepVersions+1)
		}
		if tr.recv[5000] == nil {
			t.Error("the newest version was pruned")
		}
	})
}

package main

import (
	"sync"
	"time"
)

// tracker follows one room's actions from the moment one is sent until the
// last member it was meant for has received the version carrying it. Members
// are numbered 0–63 within a room (the facilitator is 0).
//
// Receipts are kept by version, because the other members usually receive an
// action's event before its sender reads the ack that names the version.
type tracker struct {
	lat *samples // completed latencies go here

	mu      sync.Mutex
	recv    map[uint64]*receipt
	newest  uint64
	flights []*flight // sent, not yet complete nor disturbed
	// excluded counts flights that lost a receiver (a drop) or were sent
	// more than once: their latency is not a clean measurement.
	excluded int
}

type receipt struct {
	mask uint64    // members that received the version
	last time.Time // when the latest of them did
}

// flight is one action on its way to everyone.
type flight struct {
	sentAt    time.Time
	expected  uint64 // members connected and joined when it was sent
	version   uint64 // 0 until the ack tells it
	done      bool
	disturbed bool
}

// keepVersions is how many recent versions' receipts a tracker keeps; an
// action completes within a few versions of its own.
const keepVersions = 512

func newTracker(lat *samples) *tracker {
	return &tracker{lat: lat, recv: make(map[uint64]*receipt)}
}

// send starts following an action sent at sentAt to the members in expected.
func (t *tracker) send(sentAt time.Time, expected uint64) *flight {
	t.mu.Lock()
	defer t.mu.Unlock()
	f := &flight{sentAt: sentAt, expected: expected}
	t.flights = append(t.flights, f)
	return f
}

// versioned tells the version that carries f (from its ack).
func (t *tracker) versioned(f *flight, v uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if f.done || f.disturbed {
		return
	}
	f.version = v
	if r := t.recv[v]; r != nil {
		t.checkLocked(f, r)
	}
}

// disturb excludes f from the latency figures (it was resent, say).
func (t *tracker) disturb(f *flight) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.disturbLocked(f)
}

func (t *tracker) disturbLocked(f *flight) {
	if f.done || f.disturbed {
		return
	}
	f.disturbed = true
	t.excluded++
	t.removeLocked(f)
}

// received records that member got version v at time at.
func (t *tracker) received(v uint64, member int, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.recv[v]
	if r == nil {
		r = &receipt{}
		t.recv[v] = r
		if v > t.newest {
			t.newest = v
		}
		if len(t.recv) > 2*keepVersions {
			for old := range t.recv {
				if old+keepVersions < t.newest {
					delete(t.recv, old)
				}
			}
		}
	}
	r.mask |= 1 << uint(member)
	if at.After(r.last) {
		r.last = at
	}
	for i := 0; i < len(t.flights); i++ {
		if f := t.flights[i]; f.version == v && t.checkLocked(f, r) {
			i--
		}
	}
}

// dropped records that member's connection ended: every flight still
// waiting for it is excluded, since it will never receive that version as
// an event (it resyncs from a snapshot).
func (t *tracker) dropped(member int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	bit := uint64(1) << uint(member)
	for i := 0; i < len(t.flights); i++ {
		f := t.flights[i]
		if f.expected&bit == 0 {
			continue
		}
		if r := t.recv[f.version]; f.version != 0 && r != nil && r.mask&bit != 0 {
			continue
		}
		t.disturbLocked(f)
		i--
	}
}

// checkLocked completes f when every expected member has received its
// version, and reports whether it did.
func (t *tracker) checkLocked(f *flight, r *receipt) bool {
	if r.mask&f.expected != f.expected {
		return false
	}
	f.done = true
	t.lat.add(r.last.Sub(f.sentAt))
	t.removeLocked(f)
	return true
}

func (t *tracker) removeLocked(f *flight) {
	for i, g := range t.flights {
		if g == f {
			t.flights = append(t.flights[:i], t.flights[i+1:]...)
			return
		}
	}
}

// open returns how many flights are still waiting for a receiver, and how
// many were excluded.
func (t *tracker) open() (waiting, excluded int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.flights), t.excluded
}

// forget stops following f without counting it (the action was refused).
func (t *tracker) forget(f *flight) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !f.done && !f.disturbed {
		f.done = true
		t.removeLocked(f)
	}
}

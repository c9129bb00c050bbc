package room

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Manager holds the live rooms, one per open session.
type Manager struct {
	cfg Config

	mu      sync.Mutex
	rooms   map[string]*Room // by session ID
	stopped bool
}

// NewManager returns a Manager with no rooms; call Restore to bring back the
// rooms that were live when the server last stopped.
func NewManager(cfg Config) *Manager {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Grace <= 0 {
		cfg.Grace = DefaultGrace
	}
	if cfg.QueueSize <= 0 {
		cfg.QueueSize = DefaultQueueSize
	}
	m := &Manager{cfg: cfg, rooms: make(map[string]*Room)}
	onClosed := cfg.OnClosed
	m.cfg.OnClosed = func(s State) {
		m.mu.Lock()
		delete(m.rooms, s.SessionID)
		m.mu.Unlock()
		if onClosed != nil {
			onClosed(s)
		}
	}
	return m
}

// Restore loads the rooms that were open. Everyone who was present is now
// reconnecting: their clients come back on their own, within the grace period.
func (m *Manager) Restore(ctx context.Context) (int, error) {
	states, err := m.cfg.Store.OpenRooms(ctx)
	if err != nil {
		return 0, fmt.Errorf("load open rooms: %w", err)
	}
	now := m.cfg.Now()
	restored := make([]State, len(states))
	changed := make([]bool, len(states))
	dropped := make([][]string, len(states))
	for k, s := range states {
		next := s.clone()
		for i, mem := range next.Members {
			switch mem.Presence {
			case Present:
				next.Members[i].Presence = Reconnecting
				next.Members[i].Since = now
				changed[k] = true
				dropped[k] = append(dropped[k], mem.ID)
			case Reconnecting:
				dropped[k] = append(dropped[k], mem.ID)
			case Waiting: // at the door, and no longer connected
				next.Members[i].Presence = next.offDoorstep(mem)
				next.Members[i].Since = now
				changed[k] = true
			}
		}
		if changed[k] {
			next.Version = s.Version + 1
		}
		restored[k] = next
	}
	// Presence only changed: queue the states rather than wait for their
	// commits (a crash before the commit brings the same rooms back the
	// same way). The store commits them in few group commits, before any
	// later state of the same room.
	for k := range restored {
		if !changed[k] {
			continue
		}
		if err := m.cfg.Store.QueueRoom(Record{State: &restored[k], Roster: true}); err != nil {
			return 0, fmt.Errorf("restore room %s: %w", restored[k].SessionID, err)
		}
	}
	for k, next := range restored {
		r := newRoom(&m.cfg, next)
		r.mu.Lock()
		for _, id := range dropped[k] {
			r.startGraceLocked(id)
		}
		r.mu.Unlock()
		m.mu.Lock()
		m.rooms[next.SessionID] = r
		m.mu.Unlock()
	}
	return len(states), nil
}

// ErrAlreadyOpen is returned by Open when the cohort already has a live room.
var ErrAlreadyOpen = errors.New("a room of this cohort is already open")

// Open commits s as a new live room and returns it. s needs SessionID,
// CohortID and the roster in Members; Status, Version and OpenedAt are set here.
func (m *Manager) Open(ctx context.Context, s State) (*Room, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stopped {
		return nil, ErrStopped
	}
	for _, r := range m.rooms {
		if r.cohortID == s.CohortID && !r.closed.Load() {
			return nil, ErrAlreadyOpen
		}
	}
	s.Status = Open
	s.Version = 1
	s.OpenedAt = m.cfg.Now()
	for i := range s.Members {
		if s.Members[i].Presence == "" {
			s.Members[i].Presence = Absent
		}
	}
	if err := m.cfg.Store.SaveRoom(ctx, firstRecord(&s), nil); err != nil {
		return nil, fmt.Errorf("open room %s: %w", s.SessionID, err)
	}
	r := newRoom(&m.cfg, s)
	m.rooms[s.SessionID] = r
	return r, nil
}

// Get returns the live room of a session.
func (m *Manager) Get(sessionID string) (*Room, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.rooms[sessionID]
	if ok && r.closed.Load() {
		return nil, false
	}
	return r, ok
}

// Stored returns a session's room as last committed: live or closed. A live
// room's state is taken from memory, so it is never older than what its
// members saw.
func (m *Manager) Stored(ctx context.Context, sessionID string) (State, error) {
	if r, ok := m.Get(sessionID); ok {
		return r.State(), nil
	}
	return m.cfg.Store.Room(ctx, sessionID)
}

// ForCohort returns the cohort's live room, if it has one.
func (m *Manager) ForCohort(cohortID string) (*Room, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range m.rooms {
		if r.cohortID == cohortID && !r.closed.Load() {
			return r, true
		}
	}
	return nil, false
}

// Len returns the number of live rooms.
func (m *Manager) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.rooms)
}

// Stop ends every subscription and timer, for shutdown. Rooms stay open in the
// store and come back with Restore.
func (m *Manager) Stop() {
	m.mu.Lock()
	m.stopped = true
	rooms := make([]*Room, 0, len(m.rooms))
	for _, r := range m.rooms {
		rooms = append(rooms, r)
	}
	m.mu.Unlock()
	for _, r := range rooms {
		r.stop()
	}
}

// SessionID returns the session the room belongs to.
func (r *Room) SessionID() string { return r.sessionID }

// CohortID returns the cohort the room belongs to.
func (r *Room) CohortID() string { return r.cohortID }

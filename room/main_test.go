package room

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestMain fails the package when a test leaves a goroutine behind: a grace
// timer that fired after its room stopped, an OnClosed call still running.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// t0 is the clock of the pure tests. It is in UTC and has no monotonic
// reading, so states built from it compare with reflect.DeepEqual.
var t0 = time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)

// waitFor bounds every wait for something the room sends; the room sends
// within microseconds, so reaching it means the thing will never come.
const waitFor = 2 * time.Second

// errSaveFailed is what memStore returns while it is set to fail.
var errSaveFailed = errors.New("disk on fire")

// errUnsaid is what memStore returns for a record that changed a part of
// the room it did not name: a real store writes only the parts a record
// names, so the change would be lost on disk.
var errUnsaid = errors.New("the record does not say what changed")

// memStore is a Store in memory. SetFail makes SaveRoom fail, as a full disk
// would. It holds the room to its records: each must name every part of the
// state that changed since the room's record before it (see unsaid), and a
// record that does not is refused and kept in Unsaid, which every test
// through newTestManager checks.
type memStore struct {
	mu     sync.Mutex
	rooms  map[string]State
	fail   bool
	saves  int
	unsaid []string
}

func newMemStore() *memStore { return &memStore{rooms: make(map[string]State)} }

func (s *memStore) SaveRoom(_ context.Context, rec Record, committed func()) error {
	if err := s.save(rec); err != nil {
		return err
	}
	if committed != nil {
		committed()
	}
	return nil
}

func (s *memStore) save(rec Record) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail {
		return errSaveFailed
	}
	if rec.State == nil {
		return errors.New("a record without a state")
	}
	// A copy: the room may not change what it handed over.
	b, err := json.Marshal(rec.State)
	if err != nil {
		return err
	}
	var c State
	if err := json.Unmarshal(b, &c); err != nil {
		return err
	}
	prev, seen := s.rooms[c.SessionID]
	if problem := unsaid(prev, seen, c, rec); problem != "" {
		s.unsaid = append(s.unsaid, fmt.Sprintf("room %s version %d: %s", c.SessionID, c.Version, problem))
		return fmt.Errorf("%w: %s", errUnsaid, problem)
	}
	s.rooms[c.SessionID] = c
	s.saves++
	return nil
}

// unsaid returns what next changed since prev (the room's record before,
// when seen) that rec does not name, or "". Both states have been through
// JSON, so their parts compare as the bytes a store would write.
func unsaid(prev State, seen bool, next State, rec Record) string {
	var missing []string
	if !seen {
		// The room's first record: every part of it is new.
		if !rec.Roster || !rec.Agenda || !rec.Journeys || !rec.Care {
			return fmt.Sprintf("the first record of a room names roster %v, agenda %v, journeys %v, care %v; want all", rec.Roster, rec.Agenda, rec.Journeys, rec.Care)
		}
		return ""
	}
	if !rec.Roster && !sameJSON(prev.Members, next.Members) {
		missing = append(missing, "the roster changed")
	}
	if !rec.Agenda && !sameJSON(prev.Agenda, next.Agenda) {
		missing = append(missing, "the agenda changed")
	}
	if !rec.Journeys && !sameJSON(prev.Journeys, next.Journeys) {
		missing = append(missing, "the journeys changed")
	}
	if !rec.Care && (!sameJSON(prev.Signals, next.Signals) || !sameJSON(prev.Flags, next.Flags)) {
		missing = append(missing, "the signals or flags changed")
	}
	for _, id := range slices.Sorted(maps.Keys(mergeKeys(prev.Threads, next.Threads))) {
		if id != rec.Thread && !sameJSON(prev.Threads[id], next.Threads[id]) {
			missing = append(missing, fmt.Sprintf("the thread with %s changed (the record names %q)", id, rec.Thread))
		}
	}
	for _, id := range slices.Sorted(maps.Keys(mergeKeys(prev.Applied, next.Applied))) {
		if id != rec.Applied && !sameJSON(prev.Applied[id], next.Applied[id]) {
			missing = append(missing, fmt.Sprintf("the actions applied for %s changed (the record names %q)", id, rec.Applied))
		}
	}
	return strings.Join(missing, "; ")
}

func mergeKeys[V any](a, b map[string]V) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

func sameJSON(a, b any) bool {
	ja, err := json.Marshal(a)
	if err != nil {
		panic(err)
	}
	jb, err := json.Marshal(b)
	if err != nil {
		panic(err)
	}
	return bytes.Equal(ja, jb)
}

// QueueRoom commits at once: in memory there is no fsync to spare.
func (s *memStore) QueueRoom(rec Record) error { return s.save(rec) }

// Unsaid returns the records the store refused for not naming what changed.
func (s *memStore) Unsaid() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.unsaid)
}

func (s *memStore) Room(_ context.Context, id string) (State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.rooms[id]
	if !ok {
		return State{}, ErrNotStored
	}
	return st, nil
}

func (s *memStore) OpenRooms(context.Context) ([]State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var open []State
	for _, st := range s.rooms {
		if st.Status == Open {
			open = append(open, st)
		}
	}
	sort.Slice(open, func(i, j int) bool { return open[i].SessionID < open[j].SessionID })
	return open, nil
}

func (s *memStore) SetFail(fail bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fail = fail
}

// Saved returns the last committed state of a session.
func (s *memStore) Saved(tb testing.TB, sessionID string) State {
	tb.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.rooms[sessionID]
	if !ok {
		tb.Fatalf("store has no room %s", sessionID)
	}
	return st
}

func (s *memStore) Saves() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.saves
}

// roster is the cohort of every test: one facilitator, three participants.
func roster() []Member {
	return []Member{
		{ID: "f1", Name: "Ana", Role: Facilitator},
		{ID: "p1", Name: "Sam", Role: Participant},
		{ID: "p2", Name: "Kim", Role: Participant},
		{ID: "p3", Name: "Lee", Role: Participant},
	}
}

// newTestManager returns a Manager over a fresh memStore (unless cfg names a
// store), stopped when the test ends. The test fails if the room handed a
// memStore a record that did not name what it changed.
func newTestManager(tb testing.TB, cfg Config) (*Manager, *memStore) {
	tb.Helper()
	store, _ := cfg.Store.(*memStore)
	if cfg.Store == nil {
		store = newMemStore()
		cfg.Store = store
	}
	m := NewManager(cfg)
	if guarded, ok := cfg.Store.(interface{ Unsaid() []string }); ok {
		tb.Cleanup(func() {
			for _, u := range guarded.Unsaid() {
				tb.Errorf("the room handed the store a record that hides a change: %s", u)
			}
		})
	}
	tb.Cleanup(func() {
		// After a failure the room's lock may be held for good (a fan-out
		// that blocked); waiting on it would hang the whole run.
		if !tb.Failed() {
			m.Stop()
		}
	})
	return m, store
}

// openTestRoom opens session s1 of cohort c1 with the roster.
func openTestRoom(tb testing.TB, m *Manager) *Room {
	tb.Helper()
	r, err := m.Open(context.Background(), State{
		SessionID: "s1", CohortID: "c1", Title: "Week 1", Cohort: "Tuesday circle",
		Members: roster(),
	})
	if err != nil {
		tb.Fatalf("open room: %v", err)
	}
	return r
}

// join subscribes the member and leaves when the test ends (before the
// Manager stops, as cleanups run last-in first-out).
func join(tb testing.TB, r *Room, memberID string) *Subscription {
	tb.Helper()
	sub, err := r.Join(context.Background(), memberID)
	if err != nil {
		tb.Fatalf("join %s: %v", memberID, err)
	}
	tb.Cleanup(func() {
		if !tb.Failed() { // see newTestManager
			sub.Leave()
		}
	})
	return sub
}

// wireMsg is a server message as a client reads it, with the field names of
// docs/protocol.md (not the room's own view types, so a renamed field fails).
type wireMsg struct {
	Type       string        `json:"type"`
	Version    uint64        `json:"version"`
	ServerTime int64         `json:"serverTime"`
	ID         string        `json:"id"`
	Duplicate  bool          `json:"duplicate"`
	Code       string        `json:"code"`
	Message    string        `json:"message"`
	Reason     string        `json:"reason"`
	You        *wireMember   `json:"you"`
	Room       *wireRoom     `json:"room"`
	Member     *wireMember   `json:"member"`
	Activity   *wireActivity `json:"activity"`
	Mine       *wireMine     `json:"mine"`
	Status     string        `json:"status"`

	raw  []byte
	keys map[string]json.RawMessage
}

type wireMember struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	Presence string `json:"presence"`
}

type wireRoom struct {
	SessionID string        `json:"sessionId"`
	Title     string        `json:"title"`
	Cohort    string        `json:"cohort"`
	Status    string        `json:"status"`
	Members   []wireMember  `json:"members"`
	Activity  *wireActivity `json:"activity"`
	Mine      *wireMine     `json:"mine"`
}

type wireActivity struct {
	ID            string         `json:"id"`
	Kind          string         `json:"kind"`
	Prompt        string         `json:"prompt"`
	Visibility    string         `json:"visibility"`
	Open          bool           `json:"open"`
	StartedAt     int64          `json:"startedAt"`
	AnsweredCount int            `json:"answeredCount"`
	Expected      int            `json:"expected"`
	Answered      []string       `json:"answered"`
	Answers       []wireAnswer   `json:"answers"`
	Aggregate     *wireAggregate `json:"aggregate"`
}

type wireAnswer struct {
	MemberID string `json:"memberId"`
	Name     string `json:"name"`
	Scale    int    `json:"scale"`
	State    string `json:"state"`
	Feeling  string `json:"feeling"`
	Note     string `json:"note"`
	At       int64  `json:"at"`
}

type wireAggregate struct {
	Count        int            `json:"count"`
	ScaleAverage float64        `json:"scaleAverage"`
	States       map[string]int `json:"states"`
}

type wireMine struct {
	Answer *wireAnswer `json:"answer"`
}

func decodeMsg(tb testing.TB, b []byte) wireMsg {
	tb.Helper()
	var m wireMsg
	if err := json.Unmarshal(b, &m); err != nil {
		tb.Fatalf("decode %s: %v", b, err)
	}
	if err := json.Unmarshal(b, &m.keys); err != nil {
		tb.Fatalf("decode %s: %v", b, err)
	}
	m.raw = b
	return m
}

// has reports whether the message's top level has the key.
func (m wireMsg) has(key string) bool {
	_, ok := m.keys[key]
	return ok
}

// recv returns the subscription's next message, failing the test when none
// arrives in time.
func recv(tb testing.TB, sub *Subscription) wireMsg {
	tb.Helper()
	select {
	case msg := <-sub.Messages():
		return decodeMsg(tb, msg.Data)
	case <-time.After(waitFor):
		tb.Fatalf("%s: no message within %v", sub.Member().ID, waitFor)
		return wireMsg{}
	}
}

// recvType is recv that also checks the message's type.
func recvType(tb testing.TB, sub *Subscription, typ string) wireMsg {
	tb.Helper()
	m := recv(tb, sub)
	if m.Type != typ {
		tb.Fatalf("%s: got message %s, want type %q", sub.Member().ID, m.raw, typ)
	}
	return m
}

// recvNone checks that nothing is queued for sub. The room queues every
// message before the call that caused it returns, so there is nothing to wait
// for.
func recvNone(tb testing.TB, sub *Subscription) {
	tb.Helper()
	select {
	case msg := <-sub.Messages():
		tb.Fatalf("%s: got message %s, want none", sub.Member().ID, msg.Data)
	default:
	}
}

// waitDone waits for the subscription to end and returns its reason.
func waitDone(tb testing.TB, sub *Subscription) string {
	tb.Helper()
	select {
	case <-sub.Done():
		return sub.Reason()
	case <-time.After(waitFor):
		tb.Fatalf("%s: subscription did not end within %v", sub.Member().ID, waitFor)
		return ""
	}
}

// notDone checks that the subscription is still running.
func notDone(tb testing.TB, sub *Subscription) {
	tb.Helper()
	select {
	case <-sub.Done():
		tb.Fatalf("%s: subscription ended (reason %q), want it running", sub.Member().ID, sub.Reason())
	default:
	}
}

// do sends a command from sub and fails the test if Do does not return in
// time: a fan-out that blocks on a member shows up here.
func do(tb testing.TB, sub *Subscription, typ, id, data string) error {
	tb.Helper()
	cmd := Command{Type: typ, ID: id}
	if data != "" {
		cmd.Data = json.RawMessage(data)
	}
	errc := make(chan error, 1)
	go func() { errc <- sub.Do(context.Background(), cmd) }()
	select {
	case err := <-errc:
		return err
	case <-time.After(waitFor):
		tb.Fatalf("%s: %s %s did not return within %v", sub.Member().ID, typ, id, waitFor)
		return nil
	}
}

// presence returns the member's presence in the room's committed state.
func presence(tb testing.TB, r *Room, memberID string) Presence {
	tb.Helper()
	st := r.State()
	m, ok := st.Member(memberID)
	if !ok {
		tb.Fatalf("no member %s in the room", memberID)
	}
	return m.Presence
}

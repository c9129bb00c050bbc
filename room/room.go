package room

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Store persists rooms. The room hands it a Record of each change: the state
// after it and which of its parts changed, so the store writes those and
// needs no guess at what the room's fields are.
//
// SaveRoom must return only once the record is durable (committed with
// fsync); a room acknowledges nothing before that. When committed is not
// nil, SaveRoom calls it once the record is durable and before it returns,
// from whichever goroutine saw the commit: the room publishes the change
// from there instead of waiting to be woken first. SaveRoom's caller is
// blocked meanwhile, so committed may use what the caller's locks guard; it
// must not block, and the store must call it exactly once when SaveRoom
// returns nil (the room treats a nil return without it as a broken store).
type Store interface {
	SaveRoom(ctx context.Context, rec Record, committed func()) error
	// QueueRoom hands rec to be committed soon, without waiting for it: for
	// presence, which nobody is promised and Restore resets anyway. Records
	// of one room are committed in the order they were handed over (by
	// SaveRoom or QueueRoom), so a queued record never overwrites a later
	// acknowledged one. It fails only when the store cannot take rec at all.
	QueueRoom(rec Record) error
	// OpenRooms returns every room whose Status is Open.
	OpenRooms(ctx context.Context) ([]State, error)
	// Room returns the last committed state of a session's room, open or
	// closed, or an error wrapping ErrNotStored when it never opened.
	Room(ctx context.Context, sessionID string) (State, error)
}

// ErrNotStored is returned for a session whose room never opened.
var ErrNotStored = errors.New("the session's room was never opened")

// Reasons a subscription ends, as told to the client in a "bye" (or, for
// ReasonSlow and ReasonStopped, only in the close frame: the client
// reconnects).
const (
	ReasonSlow    = "slow"    // its queue was full; it resyncs on return
	ReasonRevoked = "revoked" // the member's link was revoked or they were removed
	ReasonClosed  = "closed"  // the session ended
	ReasonStopped = "stopped" // the server is shutting down
)

// Defaults for Config fields left zero.
const (
	DefaultGrace     = 30 * time.Second
	DefaultQueueSize = 64
)

// Config holds what a Manager needs; zero fields get defaults.
type Config struct {
	Store Store
	// Now is the clock; time.Now when nil.
	Now func() time.Time
	// Grace is how long a dropped member shows as reconnecting before they
	// count as left.
	Grace time.Duration
	// QueueSize bounds each subscription's outgoing queue. A member whose
	// queue is full is dropped rather than allowed to delay the others.
	QueueSize int
	// OnClosed, when set, is called after a room's closing is committed.
	OnClosed func(s State)
	// Observer, when set, is told about the room's work (for metrics).
	Observer Observer
}

// Observer receives counts from the rooms. Its methods must not block.
type Observer interface {
	Applied(cmdType string)
	Rejected(code string)
	SlowDropped()
	// FannedOut is told, for each published change, the time from its
	// publication (after its commit) until the last member it was offered
	// to has it written to their connection. A change queued for nobody,
	// or for a member whose connection ended before writing it, is not
	// reported.
	FannedOut(took time.Duration)
}

// Message is one encoded message on a member's queue. The members of one
// audience share one Message of a change.
type Message struct {
	Data []byte
	fan  *fanTrack // nil for a message to one member alone: snapshot, ack, error, bye
}

// Written tells the room that the message is written to the member's
// connection. The connection's writer calls it after each write.
func (m *Message) Written() { m.fan.done() }

// fanTrack follows one change until every member it was offered to has it:
// one counter per change, one atomic step per member.
type fanTrack struct {
	start    time.Time
	pending  atomic.Int32
	observer Observer
}

// done counts one member's write (or an offer that queued nothing); the
// last reports the fan-out's time. A nil fanTrack tracks nothing.
func (t *fanTrack) done() {
	if t != nil && t.pending.Add(-1) == 0 {
		t.observer.FannedOut(time.Since(t.start))
	}
}

// Room is one live room. Its methods are safe for concurrent use; every change
// happens under mu, in the order save, swap, publish.
type Room struct {
	cfg *Config
	// sessionID and cohortID never change, so they are read without mu.
	sessionID, cohortID string

	mu      sync.Mutex
	state   State
	subs    map[*Subscription]struct{}
	conns   map[string]int // live subscriptions per member
	timers  map[string]*time.Timer
	stopped bool
	// closed is set once the room's closing is committed; read without mu
	// by the Manager's lookups.
	closed atomic.Bool
}

func newRoom(cfg *Config, s State) *Room {
	return &Room{
		cfg:       cfg,
		sessionID: s.SessionID,
		cohortID:  s.CohortID,
		state:     s,
		subs:      make(map[*Subscription]struct{}),
		conns:     make(map[string]int),
		timers:    make(map[string]*time.Timer),
	}
}

// State returns a copy of the room's committed state.
func (r *Room) State() State {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.state.clone()
}

// commitLocked saves next and, once it is durable, makes it the room's state
// and offers the change to every subscription. The caller holds r.mu.
func (r *Room) commitLocked(ctx context.Context, next State, ch Change, applied string) error {
	rec := Record{State: &next, Roster: ch.roster, Agenda: ch.agenda, Applied: applied, Care: ch.care, Thread: ch.thread}
	// Published by the committer, under this caller's r.mu (see Store):
	// every wake-up on the way from commit to members costs latency.
	published := false
	err := r.cfg.Store.SaveRoom(ctx, rec, func() {
		published = true
		if ch.quiet {
			r.state = next // the actor's ack is all anyone hears of it
			return
		}
		r.publishLocked(next, ch)
		r.doorLocked(ch)
	})
	if err != nil {
		return fmt.Errorf("save room %s: %w", next.SessionID, err)
	}
	if !published {
		// The state is durable but unpublished: a Store that breaks its
		// contract, which no error to the client could describe truly.
		panic("room: SaveRoom returned without calling committed")
	}
	return nil
}

// presenceLocked makes a presence change the room's state and publishes it
// without waiting for a commit: the store commits it with its next group
// commit, before any later state of the room. Presence is no acknowledged
// action (a crash that loses it is undone by Restore, which marks everyone
// reconnecting), and a join that waited for an fsync made every arrival,
// and the herd after a restart, queue behind the disk. The caller holds r.mu.
func (r *Room) presenceLocked(next State, ch Change) error {
	if err := r.cfg.Store.QueueRoom(Record{State: &next, Roster: ch.roster, Care: ch.care}); err != nil {
		return fmt.Errorf("save room %s: %w", next.SessionID, err)
	}
	r.publishLocked(next, ch)
	return nil
}

// publishLocked makes next the room's state and offers the change to every
// subscription. The caller holds r.mu.
func (r *Room) publishLocked(next State, ch Change) {
	r.state = next
	var fan *fanTrack
	if r.cfg.Observer != nil {
		fan = &fanTrack{start: time.Now(), observer: r.cfg.Observer}
		// One more than the offers, taken back after the last of them, so
		// a writer quicker than this loop cannot report early.
		fan.pending.Store(int32(len(r.subs)) + 1)
	}
	f := newFanout(r.state.Version, r.cfg.Now(), ch.parts, fan)
	queued := 0
	for sub := range r.subs {
		if sub.waiting {
			fan.done() // at the door: nothing of the room until let in
			continue
		}
		if r.sendLocked(sub, f.messageTo(sub.member)) {
			queued++
		} else {
			fan.done() // nobody will write it
		}
	}
	if queued > 0 { // a change that reached nobody is no fan-out to time
		fan.done()
	}
}

// sendLocked offers msg to sub's queue without blocking, and reports
// whether it was queued. A full queue drops the subscription: the member
// resyncs from a snapshot when it returns.
func (r *Room) sendLocked(sub *Subscription, msg *Message) bool {
	if sub.ended {
		return false
	}
	// The queue holds one message more than QueueSize: that last place is
	// kept for the bye. Sends happen only under r.mu, so the queue cannot
	// fill between this check and the send.
	if len(sub.queue) >= r.cfg.QueueSize {
		if r.cfg.Observer != nil {
			r.cfg.Observer.SlowDropped()
		}
		r.endLocked(sub, ReasonSlow)
		return false
	}
	sub.queue <- msg
	return true
}

// endLocked ends sub: no more messages are offered to it and Done is closed.
// Its presence is settled when its connection calls Leave.
func (r *Room) endLocked(sub *Subscription, reason string) {
	if sub.ended {
		return
	}
	sub.ended = true
	sub.reason = reason
	close(sub.done)
	if reason == ReasonSlow && sub.onSlow != nil {
		go sub.onSlow()
	}
}

// ErrNotMember is returned by Join for someone not on the room's roster.
var ErrNotMember = errors.New("not a member of this room")

// Join subscribes the member to the room. The subscription's first message is
// the member's snapshot; every committed change follows, in order.
//
// A participant the door holds (door.go) is subscribed waiting: the first
// message is a "waiting" message and nothing follows until a facilitator
// lets them in, when their snapshot comes on the same subscription (or a
// "bye" when they are sent out). A participant the locked door turns away
// gets ErrLocked, and the facilitators see that they tried.
func (r *Room) Join(ctx context.Context, memberID string) (*Subscription, error) {
	return r.JoinWatched(ctx, memberID, nil)
}

// JoinWatched is Join with a function the room calls (in a goroutine of its
// own) when it drops the subscription for being too slow. A member's writer
// may be stuck on a peer that stopped reading, where it would never see Done;
// onSlow lets the connection's owner cut it at once.
func (r *Room) JoinWatched(ctx context.Context, memberID string, onSlow func()) (*Subscription, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped {
		return nil, ErrStopped
	}
	if r.state.Status != Open {
		return nil, ErrClosed
	}
	m, ok := r.state.Member(memberID)
	if !ok {
		return nil, ErrNotMember
	}
	at := r.state.arrive(m)
	if at == arriveLocked {
		if next, ch, changed := turnAway(r.state, memberID); changed {
			_ = r.presenceLocked(next, ch) // the refusal stands without it
		}
		return nil, ErrLocked
	}
	if t := r.timers[memberID]; t != nil {
		t.Stop()
		delete(r.timers, memberID)
	}
	p := Present
	if at == arriveWait {
		p = Waiting
	}
	if next, ch, changed := setPresence(r.state, r.cfg.Now(), memberID, p); changed {
		if err := r.presenceLocked(next, ch); err != nil {
			// Still away: keep counting towards "left".
			if m.Presence == Reconnecting && r.conns[memberID] == 0 {
				r.startGraceLocked(memberID)
			}
			return nil, err
		}
		m, _ = r.state.Member(memberID)
	}
	sub := &Subscription{
		room:    r,
		member:  m,
		queue:   make(chan *Message, r.cfg.QueueSize+1), // +1 for the bye
		done:    make(chan struct{}),
		onSlow:  onSlow,
		waiting: at == arriveWait,
	}
	r.subs[sub] = struct{}{}
	r.conns[memberID]++
	sub.queue <- r.welcomeLocked(sub)
	return sub, nil
}

// Disconnect ends every subscription of the member with a "bye" for reason
// (ReasonRevoked). The member's presence follows as for a dropped connection.
func (r *Room) Disconnect(memberID, reason, message string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for sub := range r.subs {
		if sub.member.ID == memberID {
			r.byeLocked(sub, reason, message)
		}
	}
}

// byeLocked queues a bye (even past a full queue's bound: the writer drains
// what is queued before closing) and ends sub.
func (r *Room) byeLocked(sub *Subscription, reason, message string) {
	if sub.ended {
		return
	}
	select {
	case sub.queue <- &Message{Data: byeMessage(reason, message)}:
	default:
	}
	r.endLocked(sub, reason)
}

func byeMessage(reason, message string) []byte {
	return mustJSON(struct {
		Type    string `json:"type"`
		Reason  string `json:"reason"`
		Message string `json:"message"`
	}{"bye", reason, message})
}

// welcomeLocked returns what sub's member is sent on joining and on a
// sync: their snapshot, or the door's "waiting". The caller holds r.mu.
func (r *Room) welcomeLocked(sub *Subscription) *Message {
	m, _ := r.state.Member(sub.member.ID)
	if sub.waiting {
		return &Message{Data: waitingAtDoor(&r.state, m, r.cfg.Now())}
	}
	return &Message{Data: snapshot(&r.state, m, r.cfg.Now())}
}

// doorLocked carries out what a published change did at the door: the
// subscriptions of those let in get their snapshot, those of people sent
// out their "bye". The caller holds r.mu.
func (r *Room) doorLocked(ch Change) {
	if len(ch.admitted) == 0 && len(ch.removed) == 0 {
		return
	}
	for sub := range r.subs {
		id := sub.member.ID
		switch {
		case slices.Contains(ch.removed, id):
			r.byeLocked(sub, ReasonRemoved, RemovedText)
		case sub.waiting && slices.Contains(ch.admitted, id):
			sub.waiting = false
			sub.member, _ = r.state.Member(id)
			r.sendLocked(sub, r.welcomeLocked(sub))
		}
	}
}

// SetVideoURL makes url the room's video link and tells everyone. The
// caller has checked it (the cohort's rules for a link).
func (r *Room) SetVideoURL(ctx context.Context, url string) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped || r.state.Status != Open {
		return ErrClosed
	}
	if r.state.VideoURL == url {
		return nil
	}
	next := r.state.clone()
	next.VideoURL = url
	next.Version++
	var ch Change
	ch.send(everyone(), fieldVideoURL, url)
	return r.commitLocked(ctx, next, ch, "")
}

// AddMember puts m on the roster, or renames the member with m's ID.
func (r *Room) AddMember(ctx context.Context, m Member) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.stopped || r.state.Status != Open {
		return ErrClosed
	}
	next, ch, changed := addMember(r.state, m)
	if !changed {
		return nil
	}
	return r.commitLocked(ctx, next, ch, "")
}

// leave settles presence when one of the member's connections ends.
func (r *Room) leave(sub *Subscription) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.subs[sub]; !ok {
		return
	}
	delete(r.subs, sub)
	r.endLocked(sub, ReasonStopped)
	id := sub.member.ID
	r.conns[id]--
	if r.conns[id] > 0 {
		return
	}
	delete(r.conns, id)
	if r.stopped || r.state.Status != Open {
		return
	}
	// Someone who waited at the door was never in: they go back to what
	// they were, with no grace to count.
	p := Reconnecting
	if m, _ := r.state.Member(id); m.Presence == Waiting || m.Presence == Removed {
		p = r.state.offDoorstep(m)
	}
	next, ch, changed := setPresence(r.state, r.cfg.Now(), id, p)
	if !changed {
		return
	}
	// A failed save here leaves the member shown as present; the store has
	// failed for good and the server is stopping, so there is nobody to tell.
	if err := r.presenceLocked(next, ch); err != nil {
		return
	}
	if p == Reconnecting {
		r.startGraceLocked(id)
	}
}

func (r *Room) startGraceLocked(memberID string) {
	if t := r.timers[memberID]; t != nil {
		t.Stop()
	}
	r.timers[memberID] = time.AfterFunc(r.cfg.Grace, func() { r.expire(memberID) })
}

// expire marks a member who has not come back within the grace period as left.
func (r *Room) expire(memberID string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.timers, memberID)
	if r.stopped || r.state.Status != Open || r.conns[memberID] > 0 {
		return
	}
	m, ok := r.state.Member(memberID)
	if !ok || m.Presence != Reconnecting {
		return
	}
	next, ch, changed := setPresence(r.state, r.cfg.Now(), memberID, Left)
	if changed {
		_ = r.presenceLocked(next, ch)
	}
}

// do applies cmd from sub's member. Every reply (ack, error, snapshot) goes
// through sub's queue, after the events, so the client sees them in order.
// It returns an error only when the store failed.
func (r *Room) do(ctx context.Context, sub *Subscription, cmd Command) error {
	_, err := r.doApplied(ctx, sub, cmd)
	return err
}

// doApplied is do, and reports whether cmd changed the room.
func (r *Room) doApplied(ctx context.Context, sub *Subscription, cmd Command) (applied bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if sub.ended {
		return false, nil
	}
	if cmd.Type == TypeSync {
		r.sendLocked(sub, r.welcomeLocked(sub))
		return false, nil
	}
	if sub.waiting {
		r.reject(sub, cmd, errorf(CodeClosed, "You are at the door; your facilitator will let you in."))
		return false, nil
	}
	version, dup, err := r.applyLocked(ctx, sub.member.ID, cmd)
	var stored *storeError
	if errors.As(err, &stored) {
		r.reject(sub, cmd, errorf(CodeInternal, "Your action could not be saved. Nothing changed."))
		return false, stored.err
	}
	if err != nil {
		r.reject(sub, cmd, err)
		return false, nil
	}
	r.sendLocked(sub, &Message{Data: mustJSON(ackMessage{Type: "ack", ID: cmd.ID, Version: version, Duplicate: dup})})
	if r.state.Status == Closed {
		r.closeLocked()
	}
	return !dup, nil
}

// Act applies cmd from the member actorID without a connection (an HTTP
// request, say). It returns the refusal as an *Error, or the store's failure.
func (r *Room) Act(ctx context.Context, actorID string, cmd Command) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, _, err := r.applyLocked(ctx, actorID, cmd)
	var stored *storeError
	if errors.As(err, &stored) {
		return stored.err
	}
	if err != nil {
		if r.cfg.Observer != nil {
			r.cfg.Observer.Rejected(ErrorCode(err))
		}
		return err
	}
	if r.state.Status == Closed {
		r.closeLocked()
	}
	return nil
}

// storeError wraps a failed save, to tell it apart from a refusal.
type storeError struct{ err error }

func (e *storeError) Error() string { return e.err.Error() }

// applyLocked checks, commits and publishes one command, and returns the
// room's version with it applied. It reports dup when the action ID was
// applied before (nothing is done twice); the version is then the one it
// was applied at (the room's current one for an action remembered without
// it).
func (r *Room) applyLocked(ctx context.Context, actorID string, cmd Command) (version uint64, dup bool, err error) {
	if a, ok := r.state.applied(actorID, cmd.ID); ok {
		if a.Version == 0 {
			a.Version = r.state.Version
		}
		return a.Version, true, nil
	}
	if r.stopped {
		return 0, false, errorf(CodeClosed, "The server is restarting; try again in a moment.")
	}
	next, ch, err := Apply(r.state, r.cfg.Now(), actorID, cmd)
	if err != nil {
		return 0, false, err
	}
	applied := ""
	if cmd.ID != "" {
		applied = actorID
	}
	if err := r.commitLocked(ctx, next, ch, applied); err != nil {
		return 0, false, &storeError{err}
	}
	if r.cfg.Observer != nil {
		r.cfg.Observer.Applied(cmd.Type)
	}
	return next.Version, false, nil
}

func (r *Room) reject(sub *Subscription, cmd Command, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = errorf(CodeInternal, "Something went wrong on the server.")
	}
	if r.cfg.Observer != nil {
		r.cfg.Observer.Rejected(e.Code)
	}
	r.sendLocked(sub, &Message{Data: ErrorMessage(cmd.ID, e.Code, e.Message)})
}

// closeLocked ends every subscription after the room's closing is committed.
func (r *Room) closeLocked() {
	r.closed.Store(true)
	for sub := range r.subs {
		r.byeLocked(sub, ReasonClosed, "The session has ended. Thank you for being here.")
	}
	for id, t := range r.timers {
		t.Stop()
		delete(r.timers, id)
	}
	if r.cfg.OnClosed != nil {
		go r.cfg.OnClosed(r.state.clone())
	}
}

// stop ends every subscription without changing the room, for shutdown: the
// state is already durable and the clients reconnect to the next server.
func (r *Room) stop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stopped = true
	for sub := range r.subs {
		r.endLocked(sub, ReasonStopped)
	}
	for id, t := range r.timers {
		t.Stop()
		delete(r.timers, id)
	}
}

// Subscription is one connection's place in a room. Its owner reads
// Messages until Done is closed, and calls Leave when the connection ends.
type Subscription struct {
	room   *Room
	member Member
	queue  chan *Message
	done   chan struct{}
	onSlow func()
	// ended, reason and waiting are guarded by room.mu. waiting: the member
	// is at the door and hears nothing of the room.
	ended   bool
	reason  string
	waiting bool
}

// Member returns the subscribed member as they were when they joined.
func (s *Subscription) Member() Member { return s.member }

// Messages returns the queue of encoded messages for the member.
func (s *Subscription) Messages() <-chan *Message { return s.queue }

// Done is closed when the room ends the subscription; see Reason.
func (s *Subscription) Done() <-chan struct{} { return s.done }

// Reason says why the subscription ended; valid once Done is closed.
func (s *Subscription) Reason() string {
	s.room.mu.Lock()
	defer s.room.mu.Unlock()
	return s.reason
}

// Do applies a command from the member. The reply arrives on Messages. The
// returned error is non-nil only when the store failed.
func (s *Subscription) Do(ctx context.Context, cmd Command) error {
	return s.room.do(ctx, s, cmd)
}

// DoApplied is Do, and also reports whether cmd changed the room: false
// when it was refused, or was an action applied before (a retry).
func (s *Subscription) DoApplied(ctx context.Context, cmd Command) (bool, error) {
	return s.room.doApplied(ctx, s, cmd)
}

// Reject sends the member an error for a frame that never became a command
// (malformed JSON, an oversized field).
func (s *Subscription) Reject(actionID, code, message string) {
	s.room.mu.Lock()
	defer s.room.mu.Unlock()
	s.room.reject(s, Command{ID: actionID}, &Error{Code: code, Message: message})
}

// Leave ends the subscription; call it once the connection is gone.
func (s *Subscription) Leave() { s.room.leave(s) }

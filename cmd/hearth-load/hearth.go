package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// hearthPhase drives a running Hearth: R rooms, each with one facilitator
// socket and M participant sockets, and a driver per room that sends its
// actions at the configured rate.
type hearthPhase struct {
	cfg    config
	wsBase string // ws://host:port
	wsHTTP *http.Client
	rooms  []*liveRoom

	lat        *samples // action → last member
	join       *samples // dial → snapshot, first join
	rejoin     *samples // drop → snapshot again, deliberate drops
	resync     *samples // drop → snapshot again, drops the server caused
	errs       counts   // errors by kind
	ackedTypes counts   // acknowledged actions by type
	drops      counts   // connection ends the tool did not ask for, by cause
	sizes      *sizeSampler
	herd       *retryWindows

	stopping   atomic.Bool  // no reconnects, no new actions
	firstJoins atomic.Int64 // members that have had their first snapshot

	sent, acked, dupAcked, resent, skipped atomic.Int64
	violations, duplicates, gaps           atomic.Int64
	deliberateDrops, reconnectTrys         atomic.Int64
	held                                   atomic.Int64 // actions a frozen room refused, sent again
	resendAcked, resendDup                 atomic.Int64

	outMu      sync.Mutex
	firstDrop  time.Time // first drop the server caused
	lastResync time.Time // last member back after one
	dropped    int       // connections the server ended
	resynced   int       // rejoins after one
}

// liveRoom is one live room and its driver's view of it.
type liveRoom struct {
	h         *hearthPhase
	idx       int
	sessionID string
	members   []*member // [0] is the facilitator
	tr        *tracker
	joined    atomic.Uint64 // bit i: member i has its snapshot on a live connection

	// mix is the activities the driver runs; items the IDs of the agenda's
	// intentions and circle items (integration mix).
	mix   string
	items [2]string

	// The driver's own state, touched only by the driver goroutine.
	reactedTurn int // the circle share the driver has sent a reaction to
	phase       phase
	answers     int
	cycle       int
	seq         int
	next        int // round-robin over participants
	inflight    *action
}

type phase int

const (
	gathering phase = iota
	checkinOpen
	checkinClosed
	intentionsWriting
	intentionsRevealed
	circleRunning
	otherActivity // one the driver does not run; it ends it
)

// action is one client action and what became of it.
type action struct {
	id     string
	typ    string
	frame  []byte
	sender *member
	starts phase // agenda.start: the phase it begins
	turn   int   // circle.react: the share it is for
	// The fields below are guarded by sender.mu.
	fl      *flight
	sends   int
	newAcks int
	// state is 0 while unanswered, then stateAcked or stateRefused; read by
	// the driver without the lock.
	state atomic.Int32
}

const (
	stateAcked   = 1
	stateRefused = 2
)

// member is one WebSocket client of a room. It reconnects by itself after a
// drop and sends its unanswered actions again, with the same IDs.
type member struct {
	r           *liveRoom
	idx         int
	participant bool
	url         string
	header      http.Header
	protocols   []string   // the WebSocket subprotocols offered
	rng         *rand.Rand // used under mu

	mu            sync.Mutex
	conn          *websocket.Conn
	dialAt        time.Time
	joined        bool // snapshot received on conn
	everJoined    bool
	lastVersion   uint64
	visibility    string
	pending       []*action // unanswered, in send order
	actions       map[string]*action
	dropAfterSend bool
	deliberate    bool // the tool ended the current connection on purpose
	dropAt        time.Time
	unexpected    bool // the current outage was the server's doing
	bye           string
	// Facilitator only: what its view shows, for the driver and the
	// exactly-once check.
	seen    phase
	seenN   int
	checkin string           // current activity's ID
	noteAt  map[string]int64 // note or intention → the "at" of it in this activity
	circle  circleSeen
	// self is the member's own ID, from its first snapshot.
	self string
}

func (h *hearthPhase) setup(seeded []seededRoom, cookie string) {
	h.lat = newSamples(200000)
	h.join = newSamples(200000)
	h.rejoin = newSamples(100000)
	h.resync = newSamples(100000)
	h.sizes = newSizeSampler(20000)
	for i, s := range seeded {
		r := &liveRoom{h: h, idx: i, sessionID: s.sessionID, tr: newTracker(h.lat), mix: h.cfg.Mix, items: s.items}
		fac := &member{r: r, idx: 0, url: h.wsBase + "/ws/sessions/" + s.sessionID,
			header: http.Header{"Cookie": {cookie}}}
		r.members = append(r.members, fac)
		for j, tok := range s.tokens {
			// As the participant's page does: the token among the offered
			// subprotocols, never in the URL.
			r.members = append(r.members, &member{r: r, idx: j + 1, participant: true, url: h.wsBase + "/ws/p",
				protocols: []string{"hearth", "hearth.invite." + tok}})
		}
		for _, m := range r.members {
			m.actions = make(map[string]*action)
			m.rng = rand.New(rand.NewPCG(uint64(i), uint64(m.idx)))
		}
		h.rooms = append(h.rooms, r)
	}
}

func (h *hearthPhase) allMembers() []*member {
	var all []*member
	for _, r := range h.rooms {
		all = append(all, r.members...)
	}
	return all
}

// connectAll dials every member at the configured pace, with jitter, and
// waits until all have their snapshot or the deadline passes.
func (h *hearthPhase) connectAll(ctx context.Context, deadline time.Time) (joined int) {
	all := h.allMembers()
	dialPaced(ctx, len(all), h.cfg.connectRate, func(i int) {
		m := all[i]
		if err := m.connect(ctx); err != nil {
			h.errs.add("connect: "+err.Error(), 1)
			go m.reconnect(ctx, reconnectDelay(0, rand.New(rand.NewPCG(rand.Uint64(), 1))), 0)
		}
	})
	for {
		joined = int(h.firstJoins.Load())
		if joined == len(all) || !time.Now().Before(deadline) || ctx.Err() != nil {
			return joined
		}
		sleepUntil(ctx, time.Now().Add(50*time.Millisecond))
	}
}

// startDrops begins every member's deliberate drops (--reconnect-every).
func (h *hearthPhase) startDrops() {
	if h.cfg.ReconnectEvery <= 0 {
		return
	}
	for _, m := range h.allMembers() {
		m.scheduleDrop()
	}
}

func bitCount(x uint64) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}

// sleepUntil waits until t, or ctx ends (false).
func sleepUntil(ctx context.Context, t time.Time) bool {
	d := time.Until(t)
	if d <= 0 {
		return ctx.Err() == nil
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-tm.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// connect dials the member's socket and starts its reader. The join time is
// taken when the snapshot arrives.
func (m *member) connect(ctx context.Context) error {
	h := m.r.h
	dialAt := time.Now()
	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	conn, resp, err := websocket.Dial(dctx, m.url, &websocket.DialOptions{HTTPClient: h.wsHTTP, HTTPHeader: m.header, Subprotocols: m.protocols})
	if err != nil {
		if resp != nil {
			return fmt.Errorf("upgrade refused with %d", resp.StatusCode)
		}
		return errors.New(dialKind(err))
	}
	conn.SetReadLimit(1 << 20)
	m.mu.Lock()
	if h.stopping.Load() {
		m.mu.Unlock()
		conn.CloseNow()
		return nil
	}
	m.conn, m.dialAt, m.joined = conn, dialAt, false
	m.mu.Unlock()
	go m.readLoop(ctx, conn)
	return nil
}

// dialKind names a dial failure without addresses or tokens in it.
func dialKind(err error) string {
	var op *net.OpError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "dial timeout"
	case errors.As(err, &op):
		return "dial " + op.Op + " failed"
	}
	return "dial failed"
}

// reconnect dials again after delay, with jittered exponential backoff
// between failed attempts, until it succeeds or the phase ends.
func (m *member) reconnect(ctx context.Context, delay time.Duration, attempt int) {
	h := m.r.h
	for ; ; attempt++ {
		if !sleepUntil(ctx, time.Now().Add(delay)) || h.stopping.Load() {
			return
		}
		h.herd.add(time.Now())
		h.reconnectTrys.Add(1)
		err := m.connect(ctx)
		if err == nil {
			return
		}
		m.mu.Lock()
		delay = reconnectDelay(attempt+1, m.rng)
		m.mu.Unlock()
	}
}

func (m *member) readLoop(ctx context.Context, conn *websocket.Conn) {
	var buf bytes.Buffer
	for {
		// context.Background: a cancellable context costs a callback
		// registration per read; the connection is closed to stop.
		_, rd, err := conn.Reader(context.Background())
		if err == nil {
			buf.Reset()
			_, err = buf.ReadFrom(rd)
		}
		if err != nil {
			m.ended(ctx, conn, err)
			return
		}
		m.handle(conn, buf.Bytes(), time.Now())
	}
}

// handle takes one server message, received at at.
func (m *member) handle(conn *websocket.Conn, msg []byte, at time.Time) {
	h, r := m.r.h, m.r
	hd, err := scanHeader(msg)
	if err != nil {
		h.errs.add("unreadable message", 1)
		return
	}
	m.checkNotes(msg)
	switch hd.Type {
	case "event":
		h.sizes.add(len(msg))
		m.mu.Lock()
		gap := m.joined && hd.Version != m.lastVersion+1
		m.lastVersion = hd.Version
		m.mu.Unlock()
		if gap {
			h.gaps.Add(1)
			h.errs.add("version gap", 1)
			write(conn, []byte(`{"type":"sync","id":"`+newID("s", r.idx, m.idx, rand.IntN(1e9))+`","data":{}}`))
		}
		r.tr.received(hd.Version, m.idx, at)
		if !m.participant {
			m.facilitatorView(msg)
		}
	case "snapshot":
		m.mu.Lock()
		if m.self == "" {
			m.self = selfID(msg)
		}
		m.mu.Unlock()
		m.joinedAt(conn, hd.Version, at)
		if !m.participant {
			m.facilitatorView(msg)
		}
	case "ack":
		m.acked(hd)
	case "error":
		if hd.Code == "paused" {
			// The room froze while no facilitator was connected (the load
			// drops facilitators too): a person's page keeps the action and
			// sends it again when the room goes on, and so does the load.
			m.heldByPause(hd)
			return
		}
		h.errs.add("server error: "+hd.Code, 1)
		m.refused(hd)
	case "bye":
		m.mu.Lock()
		m.bye = hd.Reason
		m.mu.Unlock()
	case "waiting":
		h.errs.add("waiting (room not open)", 1)
	default:
		h.errs.add("unknown message type", 1)
	}
}

// joinedAt handles a snapshot: the first on a connection completes a join
// (and sends again what was unanswered); a later one answers a sync.
func (m *member) joinedAt(conn *websocket.Conn, version uint64, at time.Time) {
	h, r := m.r.h, m.r
	m.mu.Lock()
	m.lastVersion = version
	if m.joined || m.conn != conn {
		m.mu.Unlock()
		return
	}
	m.joined = true
	first := !m.everJoined
	m.everJoined = true
	dialAt, dropAt, unexpected := m.dialAt, m.dropAt, m.unexpected
	m.dropAt, m.unexpected = time.Time{}, false
	resend := append([]*action(nil), m.pending...)
	m.mu.Unlock()
	r.joined.Or(1 << uint(m.idx))

	switch {
	case first:
		h.join.add(at.Sub(dialAt))
		h.firstJoins.Add(1)
	case unexpected:
		h.resync.add(at.Sub(dropAt))
		h.outMu.Lock()
		h.resynced++
		if at.After(h.lastResync) {
			h.lastResync = at
		}
		h.outMu.Unlock()
	case !dropAt.IsZero():
		h.rejoin.add(at.Sub(dropAt))
	}
	for _, a := range resend {
		m.send(a)
	}
}

// ended handles the end of a connection: the member reconnects unless the
// phase is over or the server said goodbye for good.
func (m *member) ended(ctx context.Context, conn *websocket.Conn, err error) {
	h, r := m.r.h, m.r
	now := time.Now()
	m.mu.Lock()
	if m.conn != conn {
		m.mu.Unlock()
		return
	}
	m.conn, m.joined = nil, false
	deliberate, bye := m.deliberate, m.bye
	m.deliberate = false
	if m.dropAt.IsZero() {
		m.dropAt = now
	}
	if !deliberate {
		m.unexpected = true
	}
	m.mu.Unlock()
	r.joined.And(^(uint64(1) << uint(m.idx)))
	r.tr.dropped(m.idx)
	if h.stopping.Load() {
		return
	}
	if bye != "" {
		h.errs.add("bye: "+bye, 1)
		return
	}
	var delay time.Duration
	if deliberate {
		h.deliberateDrops.Add(1)
		m.mu.Lock()
		delay = 100*time.Millisecond + time.Duration(m.rng.Int64N(int64(900*time.Millisecond)))
		m.mu.Unlock()
	} else {
		cause := closeCause(err)
		h.drops.add(cause, 1)
		if cause != "going away (server restarting)" {
			h.errs.add("dropped: "+cause, 1)
		}
		h.outMu.Lock()
		h.dropped++
		if h.firstDrop.IsZero() || now.Before(h.firstDrop) {
			h.firstDrop = now
		}
		h.outMu.Unlock()
		m.mu.Lock()
		delay = reconnectDelay(0, m.rng)
		m.mu.Unlock()
	}
	go m.reconnect(ctx, delay, 0)
}

// closeCause names why a connection ended, from the client's side.
func closeCause(err error) string {
	switch websocket.CloseStatus(err) {
	case websocket.StatusGoingAway:
		return "going away (server restarting)"
	case websocket.StatusPolicyViolation:
		return "policy violation (too slow or flooding)"
	case websocket.StatusNormalClosure:
		return "normal closure"
	case websocket.StatusInternalError:
		return "internal error"
	case websocket.StatusMessageTooBig:
		return "message too big"
	case -1:
	default:
		return "close " + strconv.Itoa(int(websocket.CloseStatus(err)))
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "connection lost (EOF)"
	}
	return "connection lost"
}

// scheduleDrop arranges the member's next deliberate reconnect, after an
// exponentially distributed time with the configured mean. Half the drops
// happen at once, half right after the member's next action is written, so
// that resending an unanswered action is exercised.
func (m *member) scheduleDrop() {
	h := m.r.h
	if h.cfg.ReconnectEvery <= 0 {
		return
	}
	m.mu.Lock()
	d := time.Duration(m.rng.ExpFloat64() * float64(h.cfg.ReconnectEvery))
	afterSend := m.rng.IntN(2) == 0
	m.mu.Unlock()
	time.AfterFunc(d, func() {
		if h.stopping.Load() {
			return
		}
		m.mu.Lock()
		conn := m.conn
		if conn == nil {
			m.mu.Unlock()
			m.scheduleDrop()
			return
		}
		if afterSend {
			m.dropAfterSend = true
			m.mu.Unlock()
		} else {
			m.deliberate = true
			m.mu.Unlock()
			conn.CloseNow()
		}
		m.scheduleDrop()
	})
}

// send writes a (again, if it was sent before) when the member is joined;
// otherwise it waits for the next join.
func (m *member) send(a *action) {
	h, r := m.r.h, m.r
	now := time.Now()
	m.mu.Lock()
	if _, known := m.actions[a.id]; !known {
		m.actions[a.id] = a
		m.pending = append(m.pending, a)
	}
	if a.state.Load() != 0 || m.conn == nil || !m.joined {
		m.mu.Unlock()
		return
	}
	conn := m.conn
	a.sends++
	if a.sends == 1 {
		a.fl = r.tr.send(now, r.joined.Load())
		h.sent.Add(1)
	} else {
		r.tr.disturb(a.fl)
		h.resent.Add(1)
	}
	dropAfter := m.dropAfterSend
	m.dropAfterSend = false
	if dropAfter {
		m.deliberate = true
	}
	m.mu.Unlock()
	if err := write(conn, a.frame); err != nil {
		conn.CloseNow() // the reader notices and reconnects
		return
	}
	if dropAfter {
		conn.CloseNow()
	}
}

// write sends one text frame, giving up after a few seconds.
func write(conn *websocket.Conn, msg []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return conn.Write(ctx, websocket.MessageText, msg)
}

// acked handles an ack: the first one that is not a duplicate carries the
// action's version. More than one such ack means it was applied twice.
func (m *member) acked(hd header) {
	h, r := m.r.h, m.r
	m.mu.Lock()
	a := m.actions[hd.ID]
	if a == nil {
		m.mu.Unlock()
		h.errs.add("ack for an unknown action", 1)
		return
	}
	if !hd.Duplicate {
		a.newAcks++
	}
	newAcks, sends, fl := a.newAcks, a.sends, a.fl
	first := a.state.Load() == 0
	if first {
		a.state.Store(stateAcked)
		m.removePendingLocked(a)
	}
	m.mu.Unlock()
	if newAcks > 1 {
		h.duplicates.Add(1)
	}
	if !first {
		return
	}
	h.acked.Add(1)
	h.ackedTypes.add(a.typ, 1)
	if hd.Duplicate {
		h.dupAcked.Add(1)
	}
	if sends > 1 {
		if hd.Duplicate {
			h.resendDup.Add(1)
		} else {
			h.resendAcked.Add(1)
		}
	}
	switch {
	case a.typ == "circle.react":
		// A reaction is quiet: it reaches nobody, so there is no
		// action-to-everyone time to take.
		r.tr.forget(fl)
	case !hd.Duplicate && sends == 1:
		r.tr.versioned(fl, hd.Version)
	}
}

func (m *member) refused(hd header) {
	r := m.r
	m.mu.Lock()
	a := m.actions[hd.ID]
	if a == nil || a.state.Load() != 0 {
		m.mu.Unlock()
		return
	}
	a.state.Store(stateRefused)
	m.removePendingLocked(a)
	fl := a.fl
	m.mu.Unlock()
	if fl != nil {
		r.tr.forget(fl)
	}
}

// heldByPause sends an action a frozen room refused again a moment later,
// with its ID, as the page does once the room goes on (the room remembers no
// refused action, so the retry is checked afresh).
func (m *member) heldByPause(hd header) {
	m.r.h.held.Add(1)
	m.mu.Lock()
	a := m.actions[hd.ID]
	m.mu.Unlock()
	if a == nil || a.state.Load() != 0 {
		return
	}
	time.AfterFunc(pauseRetry, func() { m.send(a) })
}

// pauseRetry is how long the load waits before sending an action a frozen
// room refused again: about the time a facilitator's reconnect takes.
const pauseRetry = 250 * time.Millisecond

func (m *member) removePendingLocked(a *action) {
	for i, p := range m.pending {
		if p == a {
			m.pending = append(m.pending[:i], m.pending[i+1:]...)
			return
		}
	}
}

// checkNotes counts the notes in msg that this member may not see.
func (m *member) checkNotes(msg []byte) {
	if n := leakedIntentions(msg, m.r.idx, m.idx, m.participant); n > 0 {
		m.r.h.violations.Add(int64(n))
	}
	if !bytes.Contains(msg, []byte(notePrefix)) && !bytes.Contains(msg, []byte(`"visibility"`)) {
		return
	}
	refs := findNotes(msg, nil)
	m.mu.Lock()
	if v := visibilityIn(msg); v != "" {
		m.visibility = v
	}
	vis := m.visibility
	m.mu.Unlock()
	if n := leakedNotes(refs, m.r.idx, m.idx, m.participant, vis); n > 0 {
		m.r.h.violations.Add(int64(n))
	}
}

// facilitatorView reads the activity from a facilitator's message: the
// driver follows it after a refusal, and every answer's "at" is kept per
// note, so an action applied twice (a new "at" for the same note) is seen.
func (m *member) facilitatorView(msg []byte) {
	var v struct {
		Activity json.RawMessage `json:"activity"`
		Room     *struct {
			Activity json.RawMessage `json:"activity"`
		} `json:"room"`
	}
	if err := json.Unmarshal(msg, &v); err != nil {
		return
	}
	raw := v.Activity
	if v.Room != nil {
		raw = v.Room.Activity
	}
	if raw == nil {
		return // this change did not touch the activity
	}
	var a *activityView
	if err := json.Unmarshal(raw, &a); err != nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if a == nil {
		m.seen, m.seenN, m.checkin, m.noteAt, m.circle = gathering, 0, "", nil, circleSeen{}
		return
	}
	seen, at := a.seenPhase()
	m.seen, m.seenN = seen, len(at)
	m.circle = circleSeen{complete: a.Complete || a.RoundOver}
	if a.Holder != nil {
		m.circle.holder, m.circle.turn = a.Holder.MemberID, a.Holder.N
	}
	if a.ID != m.checkin {
		m.checkin, m.noteAt = a.ID, make(map[string]int64)
	}
	// An answer or intention applied twice has a new "at" for the same text.
	for text, t := range at {
		if old, ok := m.noteAt[text]; ok && old != t {
			m.r.h.duplicates.Add(1)
		}
		m.noteAt[text] = t
	}
}

var visibilities = [...]string{"group", "facilitators", "anonymous"}

// drive sends the room's actions from start until end, one per tick: a
// check-in is started, every participant answers, it is closed and ended,
// and again. A tick whose previous action is still unanswered is skipped.
func (r *liveRoom) drive(ctx context.Context, start, end time.Time, rate float64) {
	h := r.h
	interval := time.Duration(float64(time.Second) / rate)
	t := start.Add(time.Duration(rand.Int64N(int64(interval))))
	for ; t.Before(end); t = t.Add(interval) {
		if !sleepUntil(ctx, t) || h.stopping.Load() {
			return
		}
		if a := r.inflight; a != nil {
			switch a.state.Load() {
			case 0:
				h.skipped.Add(1)
				continue
			case stateAcked:
				r.advance(a)
			case stateRefused:
				r.follow()
			}
			r.inflight = nil
		}
		a := r.nextAction()
		if a == nil {
			h.skipped.Add(1)
			continue
		}
		r.inflight = a
		a.sender.send(a)
	}
}

// advance moves the driver's view on after its action was acknowledged.
func (r *liveRoom) advance(a *action) {
	switch a.typ {
	case "checkin.start":
		r.phase, r.answers = checkinOpen, 0
	case "checkin.answer":
		r.answers++
	case "checkin.close":
		r.phase = checkinClosed
	case "activity.end":
		r.phase = gathering
	case "agenda.start":
		r.phase, r.answers = a.starts, 0
	case "intention.write":
		r.answers++
	case "intention.reveal":
		r.phase = intentionsRevealed
	case "circle.react":
		r.reactedTurn = a.turn
	}
}

// follow takes the facilitator's view after a refusal.
func (r *liveRoom) follow() {
	f := r.members[0]
	f.mu.Lock()
	r.phase, r.answers = f.seen, f.seenN
	f.mu.Unlock()
}

func (r *liveRoom) nextAction() *action {
	joined := r.joined.Load()
	if joined&1 == 0 {
		return nil // the facilitator is away; the room waits
	}
	fac := r.members[0]
	r.seq++
	id := newID("a", r.idx, 0, r.seq)
	switch r.phase {
	case gathering:
		step := r.cycle
		r.cycle++
		if r.mix == mixIntegration && step%3 > 0 {
			a := newAction(fac, id, "agenda.start", map[string]string{"itemId": r.items[step%3-1]})
			a.starts = [...]phase{intentionsWriting, circleRunning}[step%3-1]
			return a
		}
		vis := visibilities[(r.idx+step)%len(visibilities)]
		return newAction(fac, id, "checkin.start", map[string]any{"prompt": "How are you arriving today?", "visibility": vis})
	case checkinOpen:
		if r.answers >= len(r.members)-1 {
			return newAction(fac, id, "checkin.close", struct{}{})
		}
		for k := 0; k < len(r.members)-1; k++ {
			j := 1 + (r.next+k)%(len(r.members)-1)
			if joined&(1<<uint(j)) == 0 {
				continue
			}
			r.next = j % (len(r.members) - 1)
			p := r.members[j]
			return newAction(p, newID("a", r.idx, j, r.seq), "checkin.answer", map[string]any{
				"scale":   r.seq % 11,
				"state":   [...]string{"hypo", "within", "hyper"}[r.seq%3],
				"feeling": "tender",
				"note":    noteMarker(r.idx, j, r.seq) + " Tired but glad to be here; the week was long and I kept coming back to the intention.",
			})
		}
		return nil
	case checkinClosed:
		return newAction(fac, id, "activity.end", struct{}{})
	default:
		return r.nextMixAction(id, joined)
	}
}

func newID(kind string, room, member, seq int) string {
	return kind + "-" + strconv.Itoa(room) + "-" + strconv.Itoa(member) + "-" + strconv.Itoa(seq)
}

func newAction(sender *member, id, typ string, data any) *action {
	frame, _ := json.Marshal(struct {
		Type string `json:"type"`
		ID   string `json:"id"`
		Data any    `json:"data"`
	}{typ, id, data})
	return &action{id: id, typ: typ, frame: frame, sender: sender}
}

// unanswered counts actions with neither an ack nor an error: lost when the
// member's connection is up, otherwise still waiting for it.
func (h *hearthPhase) unanswered() (lost, waiting int) {
	for _, r := range h.rooms {
		for _, m := range r.members {
			m.mu.Lock()
			if m.conn != nil && m.joined {
				lost += len(m.pending)
			} else {
				waiting += len(m.pending)
			}
			m.mu.Unlock()
		}
	}
	return lost, waiting
}

// closeAll ends every connection; nothing reconnects after it.
func (h *hearthPhase) closeAll() {
	h.stopping.Store(true)
	for _, r := range h.rooms {
		for _, m := range r.members {
			m.mu.Lock()
			conn := m.conn
			m.mu.Unlock()
			if conn != nil {
				conn.CloseNow()
			}
		}
	}
}

// sizeSampler keeps a uniform sample of event sizes, for the floor to send
// the same sizes, and their mean.
type sizeSampler struct {
	mu    sync.Mutex
	limit int
	seen  int
	total int64
	s     []int
}

func newSizeSampler(limit int) *sizeSampler { return &sizeSampler{limit: limit} }

func (z *sizeSampler) add(n int) {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.seen++
	z.total += int64(n)
	if len(z.s) < z.limit {
		z.s = append(z.s, n)
	} else if j := rand.IntN(z.seen); j < z.limit {
		z.s[j] = n
	}
}

func (z *sizeSampler) sample() ([]int, float64) {
	z.mu.Lock()
	defer z.mu.Unlock()
	if z.seen == 0 {
		return nil, 0
	}
	return append([]int(nil), z.s...), float64(z.total) / float64(z.seen)
}

// dialPaced calls dial(0) … dial(n-1) on their own goroutines, at rate a
// second, each at a jittered moment of its slot and at most 256 at once,
// until ctx ends. The floor and Hearth connect the same way, so their join
// figures compare.
func dialPaced(ctx context.Context, n int, rate float64, dial func(i int)) {
	gap := time.Duration(float64(time.Second) / rate)
	sem := make(chan struct{}, 256)
	start := time.Now()
	for i := range n {
		at := start.Add(time.Duration(i)*gap + time.Duration(rand.Int64N(int64(gap)+1)))
		if !sleepUntil(ctx, at) {
			return
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return // no slot was taken
		}
		go func() {
			defer func() { <-sem }()
			dial(i)
		}()
	}
}

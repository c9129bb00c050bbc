package web

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/coder/websocket"
	"golang.org/x/time/rate"

	"hearth/facilitator"
	"hearth/room"
)

// Flood control per connection: a member may send a burst of 20 frames, then
// 5 a second, far above what a person does by hand. Past that the reader
// slows down (the client feels it as backpressure), and a client that keeps
// pushing is disconnected. The rate must stay below what a slow disk commits
// (tens a second), or a flood would hide behind the disk's own pace.
//
// The limit is applied as frames are read, not as they are applied: the
// reader hands each frame to a bounded read-ahead queue, which a goroutine of
// its own applies in order, so a room slowed by a busy disk does not slow the
// reader down to a pace that hides a flood. The queue holds as many frames as
// a flooder can send before it is disconnected (the burst and the strikes),
// so a flooder is caught before the queue fills, however slow the room; a
// client within the limit whose room is stuck fills it and then waits.
const (
	frameRate      = 5
	frameBurst     = 20
	maxOverLimit   = 30 // strikes (frames over the limit, less those within it) before disconnecting
	closeFloodText = "too many messages"
	readAhead      = frameBurst + maxOverLimit + 1
)

// lobby wakes participants who wait for their cohort's room to open, and
// knows who they are, for the facilitators who are about to open it.
type lobby struct {
	mu      sync.Mutex
	waiting map[string]chan struct{} // by cohort ID; closed to wake everyone
	guests  map[string]map[*conn]lobbyGuest
}

// lobbyGuest is one connection waiting in a cohort's lobby.
type lobbyGuest struct {
	participantID string
	since         time.Time
}

// arrive records that c, of the participant, waits in the cohort's lobby.
func (l *lobby) arrive(cohortID, participantID string, c *conn, since time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.guests == nil {
		l.guests = make(map[string]map[*conn]lobbyGuest)
	}
	if l.guests[cohortID] == nil {
		l.guests[cohortID] = make(map[*conn]lobbyGuest)
	}
	l.guests[cohortID][c] = lobbyGuest{participantID: participantID, since: since}
}

// depart forgets c in the cohort's lobby: it joined the room or ended.
func (l *lobby) depart(cohortID string, c *conn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.guests[cohortID], c)
	if len(l.guests[cohortID]) == 0 {
		delete(l.guests, cohortID)
	}
}

// present returns the participants waiting in the cohort's lobby, each once
// (since their earliest connection that still waits), longest waiting first.
func (l *lobby) present(cohortID string) []lobbyGuest {
	l.mu.Lock()
	byID := make(map[string]time.Time)
	for _, g := range l.guests[cohortID] {
		if at, ok := byID[g.participantID]; !ok || g.since.Before(at) {
			byID[g.participantID] = g.since
		}
	}
	l.mu.Unlock()
	out := make([]lobbyGuest, 0, len(byID))
	for id, at := range byID {
		out = append(out, lobbyGuest{participantID: id, since: at})
	}
	slices.SortFunc(out, func(a, b lobbyGuest) int {
		if c := a.since.Compare(b.since); c != 0 {
			return c
		}
		return strings.Compare(a.participantID, b.participantID)
	})
	return out
}

// wait returns a channel that is closed at the cohort's next wake.
func (l *lobby) wait(cohortID string) <-chan struct{} {
	l.mu.Lock()
	defer l.mu.Unlock()
	ch, ok := l.waiting[cohortID]
	if !ok {
		ch = make(chan struct{})
		l.waiting[cohortID] = ch
	}
	return ch
}

// wake tells every waiter of the cohort to look again.
func (l *lobby) wake(cohortID string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if ch, ok := l.waiting[cohortID]; ok {
		close(ch)
		delete(l.waiting, cohortID)
	}
}

// revoke wakes the cohort's waiters so each checks its link again.
func (l *lobby) revoke(cohortID string) { l.wake(cohortID) }

// liveConns tracks the member connections, which the HTTP server forgets
// once they are hijacked, so shutdown can wait for each to say goodbye.
type liveConns struct {
	mu       sync.Mutex
	all      map[*conn]struct{}
	closing  bool
	stopping chan struct{} // closed by CloseConnections
	idle     chan struct{} // closed when closing and all is empty
	// sockets counts each member's connections, upgraded or being
	// upgraded, by memberKey.
	sockets map[string]int
}

// errTooManySockets refuses a member's connection beyond
// MaxSocketsPerMember: a few tabs are a person, hundreds are an attack.
var errTooManySockets = &tooManyError{httpError{http.StatusTooManyRequests, "too_many",
	fmt.Sprintf("This is open in %d tabs or devices already. Close one of them, then try again.", MaxSocketsPerMember)}, 5 * time.Second}

// reserve counts one more connection of member; false when the member has
// MaxSocketsPerMember already.
func (l *liveConns) reserve(member string) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.sockets[member] >= MaxSocketsPerMember {
		return false
	}
	if l.sockets == nil {
		l.sockets = make(map[string]int)
	}
	l.sockets[member]++
	return true
}

// release counts one connection of member less.
func (l *liveConns) release(member string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.sockets[member]--; l.sockets[member] <= 0 {
		delete(l.sockets, member)
	}
}

// add registers c; false once the server is stopping.
func (l *liveConns) add(c *conn) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closing {
		return false
	}
	l.all[c] = struct{}{}
	return true
}

func (l *liveConns) remove(c *conn) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.all, c)
	if l.closing && len(l.all) == 0 && l.idle != nil {
		close(l.idle)
		l.idle = nil
	}
}

// CloseConnections ends every member connection for shutdown and waits
// until their goroutines are done, or ctx is, so every client gets its close
// frame ("server restarting") before the process exits: a client cut without
// one cannot tell a restart from a broken network. Call it after the rooms
// have stopped (room.Manager.Stop), which sends members in rooms away;
// members waiting in the lobby are sent away here. Connections still open
// when ctx ends are cut, and ctx's error is returned.
func (s *Server) CloseConnections(ctx context.Context) error {
	l := &s.live
	l.mu.Lock()
	if !l.closing {
		l.closing = true
		close(l.stopping)
	}
	idle := make(chan struct{})
	if len(l.all) == 0 {
		close(idle)
	} else {
		l.idle = idle
	}
	l.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
	}
	l.mu.Lock()
	for c := range l.all {
		c.cut()
	}
	l.mu.Unlock()
	return ctx.Err()
}

// frame is one client message as it arrives on the wire.
type frame struct {
	Type string          `json:"type"`
	ID   string          `json:"id"`
	Data json.RawMessage `json:"data"`
}

func (s *Server) facilitatorSocket(w http.ResponseWriter, r *http.Request) {
	acct := account(r)
	rm, err := s.sessions.Room(r.Context(), acct, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	// Per session: one account may lead several rooms at once (and the
	// load tool leads hundreds).
	s.serveSocket(w, r, "facilitator "+acct.ID+" "+rm.SessionID(), func(c *conn) {
		defer s.holdLogin(r, c)()
		c.audit = &liveAudit{fac: s.fac, acct: acct, addr: s.clientAddrText(r), cohortID: rm.CohortID(), sessionID: rm.SessionID()}
		sub, err := join(rm, acct.ID, c.cut)
		if err != nil {
			c.refuse(err)
			return
		}
		c.writeLoop(sub)
	})
}

func (s *Server) participantSocket(w http.ResponseWriter, r *http.Request) {
	p, cohort, ok := s.invitee(w, r)
	if !ok {
		return
	}
	if _, accepted := p.Accepted(cohort.AgreementsVersion); !accepted {
		s.writeError(w, r, facilitator.ErrAgreements)
		return
	}
	token := inviteToken(r)
	s.serveSocket(w, r, "participant "+p.ID, func(c *conn) {
		defer s.lobby.depart(cohort.ID, c)
		sentWaiting, sentVideo := false, ""
		for {
			wake := s.lobby.wait(cohort.ID)
			// The link may have been revoked while this participant waited.
			_, current, err := s.fac.Invitee(c.ctx, token)
			if err != nil {
				c.bye(room.ReasonRevoked, "This invite link is no longer valid.")
				return
			}
			if rm, ok := s.rooms.ForCohort(cohort.ID); ok {
				sub, err := join(rm, p.ID, c.cut)
				if err == nil {
					// In the room, the room's members say who waits.
					s.lobby.depart(cohort.ID, c)
					c.writeLoop(sub)
					return
				}
				if !errors.Is(err, room.ErrClosed) {
					c.refuse(err)
					return
				}
			}
			// Sent again when the video link changes, so the page offers the
			// call the group will meet in.
			if !sentWaiting || current.VideoURL != sentVideo {
				if !sentWaiting {
					// Before the message: a facilitator who asks once the
					// page shows it waits finds it in the list.
					s.lobby.arrive(cohort.ID, p.ID, c, time.Now())
				}
				sentWaiting, sentVideo = true, current.VideoURL
				if err := c.write(s.waitingMessage(c.ctx, current)); err != nil {
					return
				}
				// Only now may the reader answer "not open yet": the client
				// hears that it waits before it hears anything else.
				c.lobbyOnce.Do(func() { close(c.lobby) })
			}
			select {
			case <-wake:
			case <-s.live.stopping:
				c.ws.Close(websocket.StatusGoingAway, "server restarting")
				return
			case <-c.ctx.Done():
				return
			}
		}
	})
}

// serveSocket upgrades the request and runs the member's connection on two
// goroutines of its own: one reads frames, one runs writer (joining the
// room, then writing its queue). The handler returns at once: the HTTP
// server's goroutine carries the stack of a whole request (parsing, the
// middleware, authentication), several KiB that every member would keep for
// the life of its connection.
//
// member names the member for MaxSocketsPerMember: past it, the upgrade is
// refused with 429.
func (s *Server) serveSocket(w http.ResponseWriter, r *http.Request, member string, writer func(c *conn)) {
	if !s.live.reserve(member) {
		s.writeError(w, r, errTooManySockets)
		return
	}
	// The HTTP server's read and write deadlines (HTTPTimeouts) are for
	// requests: net/http clears them when the upgrade hijacks the
	// connection, and the watchdog (check) looks after a member's pace
	// (TestHTTPTimeouts holds both to it).
	// Refuses a foreign Origin with 403. A participant's page offers its
	// token as a subprotocol beside socketProtocol: selecting that one
	// keeps the token out of the answer.
	ws, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{socketProtocol}})
	if err != nil {
		s.live.release(member)
		return
	}
	// Not the request's context: it ends when this handler returns.
	ctx, cancel := context.WithCancel(context.Background())
	c := &conn{s: s, ctx: ctx, cancel: cancel, ws: ws, joined: make(chan struct{}), lobby: make(chan struct{})}
	if !s.live.add(c) {
		s.live.release(member)
		cancel()
		ws.Close(websocket.StatusGoingAway, "server restarting")
		return
	}
	s.metrics.connected.Inc()
	ws.SetReadLimit(MaxFrameBytes)
	// Reads pass no context of their own (a cancellable one costs a
	// registration per frame read, two per frame): the connection's context
	// closes the socket once, which ends a read in progress.
	context.AfterFunc(ctx, func() { ws.CloseNow() })
	c.heard.Store(time.Now().UnixNano())
	// Store the timer before it can fire: check re-arms it through c.watchdog.
	c.watchdog = time.AfterFunc(time.Duration(math.MaxInt64), c.check)
	c.watchdog.Reset(s.checkEvery())
	writerDone := make(chan struct{})
	go func() {
		defer close(writerDone)
		defer cancel()
		writer(c)
	}()
	go func() {
		c.readLoop()
		cancel()
		// The reader is done, so the connection is: unblock a writer stuck
		// on a dead peer, and wait for it and for the frame in progress, so
		// nothing outlives the connection's place in s.live.
		ws.CloseNow()
		<-writerDone
		c.actions.wait()
		c.watchdog.Stop()
		s.metrics.connected.Dec()
		s.live.release(member)
		s.live.remove(c)
	}()
}

// join joins the room on a goroutine of its own and waits for it: encoding
// the member's snapshot takes a deep stack, which the writer would otherwise
// keep for the life of the connection.
func join(rm *room.Room, memberID string, onSlow func()) (*room.Subscription, error) {
	type joined struct {
		sub *room.Subscription
		err error
	}
	done := make(chan joined, 1)
	go func() {
		// A client that hangs up while joining must not turn the join into
		// a failure: Leave settles its presence after.
		sub, err := rm.JoinWatched(context.Background(), memberID, onSlow)
		done <- joined{sub, err}
	}()
	j := <-done
	return j.sub, j.err
}

func (s *Server) waitingMessage(ctx context.Context, cohort facilitator.Cohort) []byte {
	msg := struct {
		Type        string       `json:"type"`
		ServerTime  int64        `json:"serverTime"`
		Cohort      string       `json:"cohort"`
		VideoURL    string       `json:"videoUrl"`
		NextSession *nextSession `json:"nextSession"`
	}{Type: "waiting", ServerTime: time.Now().UnixMilli(), Cohort: cohort.Name, VideoURL: cohort.VideoURL}
	if next, ok, err := s.fac.NextSession(ctx, cohort.ID); err == nil && ok {
		msg.NextSession = &nextSession{Title: next.Title, StartsAt: next.StartsAt}
	}
	b, _ := json.Marshal(msg)
	return b
}

// conn is one member's WebSocket.
type conn struct {
	s      *Server
	ctx    context.Context
	cancel context.CancelFunc
	ws     *websocket.Conn
	// sub is set once the member has joined the room; the reader acts on
	// frames only from then on.
	sub atomic.Pointer[room.Subscription]
	// joined is closed once sub is set; lobby once the member waits for the
	// room to open. A frame read before either waits to see which.
	joined, lobby         chan struct{}
	joinedOnce, lobbyOnce sync.Once
	// writingSince is when the write in progress began (Unix ns), or 0.
	// The watchdog closes a connection whose write is stuck: one timer per
	// connection costs far less than a deadline context per write.
	writingSince atomic.Int64
	// heard is when the peer was last heard from (Unix ns): a frame read or
	// a pong. pingSent is when the ping in flight was sent, or 0.
	heard, pingSent atomic.Int64
	// beating is set once the client has sent a heartbeat ping: from then
	// on, silence for HeartbeatTimeout cuts the connection.
	beating  atomic.Bool
	watchdog *time.Timer
	actions  frameQueue
	// audit records what a facilitator does in the room; nil for a
	// participant. Set before the member joins.
	audit *liveAudit
}

// check runs on the watchdog timer: it closes a connection whose write is
// stuck or whose peer does not answer a ping (a phone that lost its network
// without a goodbye), and otherwise arms itself again.
//
// Only a peer not heard from for PingInterval is pinged: a frame it sent
// proves it was there as well as a pong would, so a member who acts costs no
// pings (each is a write, a read and three timeout contexts inside the
// WebSocket library, on the server and on the client alike). A dead peer is
// still cut at most PingInterval + checkEvery + PingTimeout after it was
// last heard from, as when every member was pinged on a fixed schedule.
//
// The check that pings waits for the pong on its own goroutine, after
// arming the next check, which cuts the connection once the pong is
// PingTimeout late: the wait needs no timeout context of its own. Checks
// may therefore overlap, but only the one that does not ping re-arms.
//
// A client that sends heartbeat pings is held to its own promise instead:
// silent for HeartbeatTimeout after it was last heard from, it is cut, so
// the room shows it reconnecting within seconds of a silent drop. The next
// check is then armed no later than that moment.
func (c *conn) check() {
	if c.ctx.Err() != nil {
		return
	}
	now := time.Now()
	if since := c.writingSince.Load(); since != 0 && now.Sub(time.Unix(0, since)) > c.s.WriteTimeout {
		c.cut()
		return
	}
	next := c.s.checkEvery()
	if c.beating.Load() {
		left := c.s.HeartbeatTimeout - now.Sub(time.Unix(0, c.heard.Load()))
		if left <= 0 {
			c.cut()
			return
		}
		next = min(next, left)
	}
	if sent := c.pingSent.Load(); sent != 0 {
		left := c.s.PingTimeout - now.Sub(time.Unix(0, sent))
		if left <= 0 {
			c.cut()
			return
		}
		c.watchdog.Reset(min(next, left))
		return
	}
	if now.Sub(time.Unix(0, c.heard.Load())) < c.s.PingInterval {
		c.watchdog.Reset(next)
		return
	}
	c.pingSent.Store(now.UnixNano())
	c.watchdog.Reset(min(next, c.s.PingTimeout))
	// c.ctx has no deadline: the wait for the pong needs no timer, and the
	// socket's close (cut, or the end of the connection) ends it.
	if err := c.ws.Ping(c.ctx); err != nil {
		c.cut()
		return
	}
	c.heard.Store(time.Now().UnixNano())
	c.pingSent.Store(0)
}

// checkEvery is how often the watchdog looks: often enough to catch a write
// stuck for WriteTimeout within half as long again, to ping on time, and to
// look at a client that starts heartbeating before its silence is due.
func (s *Server) checkEvery() time.Duration {
	return min(s.PingInterval, s.WriteTimeout/2, s.HeartbeatTimeout)
}

// SendBuffer is the kernel send buffer of each connection. Kept small, a
// member who stops reading blocks Hearth's writes within a few messages, so
// their queue fills and they are dropped in seconds rather than after
// megabytes; it also bounds the memory a stalled member costs the server.
const SendBuffer = 32 << 10

// ConnContext sets each accepted connection's send buffer to SendBuffer. Give
// it to the http.Server that serves Hearth.
func ConnContext(ctx context.Context, c net.Conn) context.Context {
	// Under a LimitListener, the TCP connection is one layer down.
	if u, ok := c.(interface{ NetConn() net.Conn }); ok {
		c = u.NetConn()
	}
	if tc, ok := c.(*net.TCPConn); ok {
		tc.SetWriteBuffer(SendBuffer)
		// Bulk downloads raise it for their time (bulk).
		ctx = context.WithValue(ctx, tcpConnKey{}, tc)
	}
	return ctx
}

// tcpConnKey holds a request's TCP connection in its context.
type tcpConnKey struct{}

// readLoop reads the member's frames until the connection ends, and hands
// them to the read-ahead queue. Frames that arrive before the member has
// joined are answered here: there is nothing to act on.
func (c *conn) readLoop() {
	lim := rate.NewLimiter(frameRate, frameBurst)
	over := 0
	for {
		typ, data, err := c.ws.Read(context.Background())
		if err != nil {
			c.logEnd(err)
			return
		}
		c.heard.Store(time.Now().UnixNano())
		// Every frame counts, in the waiting room too: a client that
		// floods before the room opens is stopped like one inside.
		if !lim.Allow() {
			// Strikes build up while the client stays over the limit and
			// wear off one per frame within it, so a burst is forgiven and
			// a flood is not.
			over++
			if over > maxOverLimit {
				c.s.metrics.floods.Inc()
				c.ws.Close(websocket.StatusPolicyViolation, closeFloodText)
				return
			}
			if err := lim.Wait(c.ctx); err != nil {
				return
			}
		} else if over > 0 {
			over--
		}
		// A heartbeat is the connection's own business, answered before the
		// member has joined and outside the room: it must not wait behind
		// actions, nor take a version.
		if typ == websocket.MessageText && isPing(data) {
			c.beating.Store(true)
			if c.write(pongMessage) != nil {
				return
			}
			continue
		}
		sub := c.member()
		if sub == nil {
			// Not in a room (yet): say so, so no action waits for an
			// answer that will never come.
			if typ != websocket.MessageText {
				c.write(room.ErrorMessage("", room.CodeBadMessage, binaryFrameText))
				continue
			}
			var f frame
			json.Unmarshal(data, &f)
			c.write(room.ErrorMessage(f.ID, room.CodeClosed, "The room is not open yet."))
			continue
		}
		// A binary frame is answered in turn, like any frame, so the client
		// hears why nothing happened; its bytes are never read as an action.
		f := frameIn{binary: typ != websocket.MessageText, data: data, at: time.Now()}
		if !c.actions.push(c.ctx, f, func(f frameIn) { c.act(sub, f) }) {
			return
		}
	}
}

// pongMessage answers a heartbeat ping.
var pongMessage = []byte(`{"type":"pong"}`)

// isPing reports whether a text frame is a heartbeat ping ({"type":"ping"};
// an id, if any, is ignored). Most frames are actions, so the cheap look for
// the word comes before the decoding.
func isPing(data []byte) bool {
	if !bytes.Contains(data, []byte(`"ping"`)) {
		return false
	}
	var f struct {
		Type string `json:"type"`
	}
	return json.Unmarshal(data, &f) == nil && f.Type == typePing
}

// typePing is the heartbeat's frame type, never an action.
const typePing = "ping"

// binaryFrameText answers a binary frame, in the room or waiting for it.
const binaryFrameText = "Hearth reads text frames of JSON; this was a binary frame."

// act decodes and applies one frame, on the read-ahead queue's goroutine.
func (c *conn) act(sub *room.Subscription, f frameIn) {
	// Frames still queued when the connection is gone are dropped: the
	// client sends each action it has no answer for again, with its ID.
	if c.ctx.Err() != nil {
		return
	}
	cmd, ok := decodeFrame(sub, f)
	if !ok {
		return
	}
	// A frame taken up is applied even if the connection drops now: the
	// client retries it with the same ID and gets its ack.
	applied, err := sub.DoApplied(context.WithoutCancel(c.ctx), cmd)
	if err != nil {
		c.s.log.Error().Err(err).Str("type", cmd.Type).Msg("action not saved")
	}
	if applied {
		c.audit.applied(context.WithoutCancel(c.ctx), c.s, cmd)
	}
	c.s.metrics.Acted(time.Since(f.at))
}

// frameIn is a frame read from a member, and when it was read.
type frameIn struct {
	binary bool
	data   []byte
	at     time.Time
}

// frameQueue is a connection's read-ahead: frames read and not yet applied,
// at most readAhead. The goroutine that applies them runs only while there
// are some, so an idle member costs no third goroutine and no buffer.
type frameQueue struct {
	mu      sync.Mutex
	frames  []frameIn
	working bool
	space   chan struct{} // set while the reader waits for room; closed when a frame is taken
	workers sync.WaitGroup
}

// push queues data, starting a goroutine that applies the queue with apply
// when none runs. It waits while the queue is full; false when ctx ended
// first.
func (q *frameQueue) push(ctx context.Context, f frameIn, apply func(frameIn)) bool {
	for {
		q.mu.Lock()
		if len(q.frames) < readAhead {
			q.frames = append(q.frames, f)
			start := !q.working
			q.working = true
			q.mu.Unlock()
			if start {
				q.workers.Add(1)
				go q.work(apply)
			}
			return true
		}
		space := make(chan struct{})
		q.space = space
		q.mu.Unlock()
		select {
		case <-space:
		case <-ctx.Done():
			return false
		}
	}
}

func (q *frameQueue) work(apply func(frameIn)) {
	defer q.workers.Done()
	for {
		q.mu.Lock()
		if len(q.frames) == 0 {
			q.working = false
			q.frames = nil // an idle member keeps no buffer
			q.mu.Unlock()
			return
		}
		f := q.frames[0]
		q.frames[0] = frameIn{}
		q.frames = q.frames[1:]
		if q.space != nil {
			close(q.space)
			q.space = nil
		}
		q.mu.Unlock()
		apply(f)
	}
}

// wait returns once no goroutine applies frames; call it after the reader
// has stopped pushing.
func (q *frameQueue) wait() { q.workers.Wait() }

// cut drops the connection at once: the room found the member too slow, and
// a writer blocked on a peer that stopped reading would never notice.
func (c *conn) cut() {
	c.ws.CloseNow()
	c.cancel()
}

// member returns the member's subscription, waiting for the join that is
// under way; nil when the member waits in the lobby or the connection ends.
func (c *conn) member() *room.Subscription {
	if sub := c.sub.Load(); sub != nil {
		return sub
	}
	select {
	case <-c.joined:
		return c.sub.Load()
	case <-c.lobby:
		return c.sub.Load()
	case <-c.ctx.Done():
		return nil
	}
}

func (c *conn) logEnd(err error) {
	switch websocket.CloseStatus(err) {
	case websocket.StatusNormalClosure, websocket.StatusGoingAway, websocket.StatusNoStatusRcvd:
		return
	case websocket.StatusMessageTooBig:
		c.s.log.Info().Msg("connection closed: frame too large")
		return
	}
	if errors.Is(err, context.Canceled) || c.ctx.Err() != nil {
		return
	}
	c.s.log.Debug().Err(err).Msg("connection ended")
}

// write sends one message. It passes no deadline context: the watchdog
// catches a stuck write, and closing the connection unblocks it.
func (c *conn) write(msg []byte) error {
	c.writingSince.Store(time.Now().UnixNano())
	err := c.ws.Write(context.Background(), websocket.MessageText, msg)
	c.writingSince.Store(0)
	return err
}

// bye tells the client why it is leaving for good, and closes.
func (c *conn) bye(reason, message string) {
	b, _ := json.Marshal(map[string]string{"type": "bye", "reason": reason, "message": message})
	c.write(b)
	c.ws.Close(websocket.StatusNormalClosure, reason)
}

// refuse closes a connection that could not join its room.
func (c *conn) refuse(err error) {
	switch {
	case errors.Is(err, room.ErrClosed):
		c.bye(room.ReasonClosed, "The session has ended. Thank you for being here.")
	case errors.Is(err, room.ErrStopped):
		c.ws.Close(websocket.StatusGoingAway, "server restarting")
	case errors.Is(err, room.ErrNotMember):
		c.bye(room.ReasonRevoked, "You are not on this room's roster.")
	case errors.Is(err, room.ErrLocked):
		c.bye(room.ReasonLocked, room.LockedText)
	default:
		c.s.log.Error().Err(err).Msg("join room")
		c.ws.Close(websocket.StatusInternalError, "could not join")
	}
}

// decodeFrame turns a frame into a command, or answers the client why not.
// Every refusal here changes nothing in the room.
func decodeFrame(sub *room.Subscription, in frameIn) (room.Command, bool) {
	if in.binary {
		// No ID: a binary frame is not read at all, so it has none.
		sub.Reject("", room.CodeBadMessage, binaryFrameText)
		return room.Command{}, false
	}
	var f frame
	if json.Unmarshal(in.data, &f) != nil {
		sub.Reject("", room.CodeBadMessage, "The message is not a JSON object.")
		return room.Command{}, false
	}
	if f.Type == "" {
		sub.Reject(f.ID, room.CodeBadMessage, "The message has no type.")
		return room.Command{}, false
	}
	if (f.ID == "" && f.Type != room.TypeSync) || len(f.ID) > room.MaxID || !utf8.ValidString(f.ID) {
		sub.Reject("", room.CodeBadMessage, "The message needs an id of 1 to 64 characters.")
		return room.Command{}, false
	}
	return room.Command{Type: f.Type, ID: f.ID, Data: f.Data}, true
}

// writeLoop writes the member's queue until the room or the connection
// ends the subscription, then leaves the room.
func (c *conn) writeLoop(sub *room.Subscription) {
	defer sub.Leave()
	c.sub.Store(sub)
	c.joinedOnce.Do(func() { close(c.joined) })
	for {
		select {
		case msg := <-sub.Messages():
			if err := c.write(msg.Data); err != nil {
				return
			}
			msg.Written()
		case <-sub.Done():
			c.finish(sub)
			return
		case <-c.ctx.Done():
			return
		}
	}
}

// finish closes the connection the way the room ended the subscription.
func (c *conn) finish(sub *room.Subscription) {
	switch sub.Reason() {
	case room.ReasonSlow:
		c.ws.Close(websocket.StatusPolicyViolation, "too slow")
	case room.ReasonRevoked, room.ReasonClosed, room.ReasonRemoved:
		// The bye is queued: send what is queued, then close.
		for {
			select {
			case msg := <-sub.Messages():
				if c.write(msg.Data) != nil {
					return
				}
				msg.Written()
				continue
			default:
			}
			break
		}
		c.ws.Close(websocket.StatusNormalClosure, sub.Reason())
	default:
		c.ws.Close(websocket.StatusGoingAway, "server restarting")
	}
}

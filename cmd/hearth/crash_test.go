package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/rs/zerolog"

	"hearth/room"
	"hearth/storage"
)

// The crash test's load: one facilitator and crashParticipants participants
// in one live room.
const (
	crashParticipants = 5
	crashPassword     = "a long passphrase"
	// Kills land at a random moment within this window after the server
	// is serving again: some while clients are still reconnecting and
	// resending, most while actions are in flight.
	crashMinDelay = 30 * time.Millisecond
	crashWindow   = 500 * time.Millisecond
)

// TestKill9UnderLoad kills the real server with SIGKILL at random moments
// while a facilitator and participants act, restarts it on the same data
// folder and address, and checks from the clients' own records that every
// acknowledged action is stored exactly once.
//
// Every action leaves its own trace. The facilitator runs check-in after
// check-in: the first with checkin.start, which puts it on the agenda, then
// the same agenda item again and again with agenda.start (a done item runs
// again, fresh; an agenda holds at most 30 items). Once every participant has
// answered, activity.end moves the check-in to the room's history. Each
// participant answers each check-in once, with a note equal to the action's
// ID. So the stored room (history plus the current check-in) holds one
// answer per participant per check-in, and each acknowledged ID must be
// found in exactly one of them: once, not zero times (lost) nor twice
// (applied again when it was resent after a restart). After a drop a client
// resends its unacknowledged action with the same ID, as the protocol asks.
// The final state is read from the database file after a last SIGKILL.
//
// HEARTH_CRASH_ROUNDS sets the number of kills (20 by default; the long
// form is 100), HEARTH_CRASH_SEED repeats a run's kill timings.
func TestKill9UnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts the real binary for a while; skipped under -short")
	}
	rounds := 20
	if v := os.Getenv("HEARTH_CRASH_ROUNDS"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("HEARTH_CRASH_ROUNDS=%q: want a positive number", v)
		}
		rounds = n
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("HEARTH_CRASH_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("HEARTH_CRASH_SEED=%q: want a number", v)
		}
		seed = n
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	t.Logf("%d rounds, seed %d (HEARTH_CRASH_SEED=%d repeats the kill timings)", rounds, seed, seed)
	began := time.Now()

	bin := buildHearth(t)
	dir := filepath.Join(t.TempDir(), "data")
	add := exec.Command(bin, "facilitator", "add", "--email", "ana@example.org", "--name", "Ana", "--data", dir)
	add.Stdin = strings.NewReader(crashPassword + "\n")
	if out, err := add.CombinedOutput(); err != nil {
		t.Fatalf("facilitator add: %v\n%s", err, out)
	}

	srv := &hearthProcess{t: t, bin: bin, dir: dir, addr: freeAddr(t)}
	srv.start()
	t.Cleanup(srv.kill)
	base := "http://" + srv.addr

	// Seed through the API, as a facilitator would.
	jar, _ := cookiejar.New(nil)
	api := &apiCaller{t: t, base: base, hc: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
	api.call(200, "POST", "/api/login", map[string]string{"email": "ana@example.org", "password": crashPassword}, nil)
	var cohort struct {
		ID                string `json:"id"`
		AgreementsVersion int    `json:"agreementsVersion"`
	}
	api.call(201, "POST", "/api/cohorts", map[string]string{"name": "Crash circle", "agreements": "What is shared here stays here."}, &cohort)
	var participants []*crashClient
	for i := range crashParticipants {
		var p struct {
			ID        string `json:"id"`
			InviteURL string `json:"inviteUrl"`
		}
		name := fmt.Sprintf("P%d", i)
		api.call(201, "POST", "/api/cohorts/"+cohort.ID+"/participants", map[string]string{"name": name}, &p)
		token := p.InviteURL[strings.LastIndex(p.InviteURL, "#")+1:]
		api.call(200, "POST", "/api/p/"+token+"/accept", map[string]int{"version": cohort.AgreementsVersion}, nil)
		participants = append(participants, &crashClient{name: name, memberID: p.ID, url: "ws://" + srv.addr + "/ws/p/" + token})
	}
	var session struct {
		ID string `json:"id"`
	}
	api.call(201, "POST", "/api/cohorts/"+cohort.ID+"/sessions", map[string]string{"title": "Week 1", "startsAt": "2026-12-01T18:00:00Z"}, &session)
	api.call(200, "POST", "/api/sessions/"+session.ID+"/open", nil, nil)
	fac := &crashClient{
		name:        "facilitator",
		facilitator: true,
		url:         "ws://" + srv.addr + "/ws/sessions/" + session.ID,
		header:      http.Header{"Cookie": {cookieHeader(jar, base)}},
		expect:      crashParticipants,
		progress:    make(chan struct{}, 1),
	}

	// The clients run until stopping is closed; each resends its pending
	// action after every restart, and stops only once nothing is pending.
	g := newGate()
	g.up()
	stopping := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	clients := append([]*crashClient{fac}, participants...)
	errs := make(chan error, len(clients))
	var wg sync.WaitGroup
	for _, c := range clients {
		c.sent = map[string]string{}
		c.acked = map[string]bool{}
		c.answered = map[string]bool{}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.run(ctx, g, stopping); err != nil {
				errs <- fmt.Errorf("%s: %w", c.name, err)
			}
		}()
	}
	stopClients := func() {
		cancel()
		wg.Wait()
	}
	defer stopClients()
	failed := func(err error) {
		t.Helper()
		stopClients()
		t.Fatalf("%v\nserver log problems:\n%s", err, srv.problemLines())
	}

	var restarts, slowest time.Duration
	for round := 1; round <= rounds; round++ {
		delay := crashMinDelay + time.Duration(rng.Int64N(int64(crashWindow)))
		select {
		case <-time.After(delay):
		case err := <-errs:
			failed(fmt.Errorf("round %d: %w", round, err))
		}
		g.down()
		killed := time.Now()
		srv.kill()
		srv.start()
		g.up()
		took := time.Since(killed)
		restarts += took
		slowest = max(slowest, took)
	}

	// After the last restart every client must get going again: two more
	// whole check-ins, then everyone stops once its pending action is acked.
	target := fac.ended.Load() + 2
	deadline := time.After(30 * time.Second)
	for fac.ended.Load() < target {
		select {
		case <-fac.progress:
		case err := <-errs:
			failed(fmt.Errorf("after the last restart: %w", err))
		case <-deadline:
			failed(fmt.Errorf("after the last restart the facilitator ended %d check-ins in 30s, want %d", fac.ended.Load(), target))
		}
	}
	close(stopping)
	allDone := make(chan struct{})
	go func() { wg.Wait(); close(allDone) }()
	select {
	case <-allDone:
	case <-time.After(30 * time.Second):
		failed(errors.New("clients still have unacknowledged actions 30s after stopping"))
	}
	select {
	case err := <-errs:
		failed(err)
	default:
	}

	// The last stop is a SIGKILL too: what was acknowledged is on disk.
	srv.kill()
	db, err := storage.Open(filepath.Join(dir, "hearth.db"), time.Second)
	if err != nil {
		t.Fatalf("open the database after the last kill: %v", err)
	}
	st, err := db.Room(context.Background(), session.ID)
	db.Close()
	if err != nil {
		t.Fatalf("read the room: %v", err)
	}

	checkins := make([]*room.CheckIn, 0, len(st.History)+1)
	for i, a := range st.History {
		ci := a.CheckIn()
		if ci == nil {
			t.Fatalf("history[%d] is not a check-in: %+v", i, a)
		}
		if len(ci.Answers) != crashParticipants {
			t.Errorf("history[%d] (check-in %s) has %d answers, want %d: the facilitator ended it only once all had answered",
				i, ci.ID, len(ci.Answers), crashParticipants)
		}
		checkins = append(checkins, ci)
	}
	if ci := st.Current.CheckIn(); ci != nil {
		checkins = append(checkins, ci)
	}
	// Each acknowledged start made one check-in: a start applied twice
	// would have made an extra, empty one, and a second checkin.start a
	// second agenda item.
	if len(st.Agenda) != 1 {
		t.Errorf("agenda has %d items, want the 1 check-in run again and again", len(st.Agenda))
	}
	starts := 0
	for id := range fac.acked {
		if strings.HasPrefix(id, "start-") {
			starts++
		}
	}
	if len(checkins) != starts {
		t.Errorf("stored check-ins: %d, want %d (one per acknowledged start)", len(checkins), starts)
	}

	// Where each note (an action ID) was found, and by whom.
	type place struct{ checkin, member string }
	found := map[string][]place{}
	for _, ci := range checkins {
		for mid, a := range ci.Answers {
			found[a.Note] = append(found[a.Note], place{ci.ID, mid})
		}
	}
	var acked, lost, doubled, resent, dupAcks, resentApplied int
	for _, p := range participants {
		resent += p.resent
		dupAcks += p.dupAcks
		for id, checkinID := range p.sent {
			places := found[id]
			if !p.acked[id] {
				if len(places) > 1 {
					t.Errorf("%s's unacknowledged action %s is stored %d times: %v", p.name, id, len(places), places)
				}
				continue
			}
			acked++
			switch {
			case len(places) == 0:
				lost++
				t.Errorf("%s's acknowledged action %s is lost: stored 0 times, want 1", p.name, id)
			case len(places) > 1:
				doubled++
				t.Errorf("%s's acknowledged action %s is stored %d times, want 1: %v", p.name, id, len(places), places)
			case places[0].member != p.memberID || places[0].checkin != checkinID:
				t.Errorf("%s's action %s is stored as %s's answer to check-in %s, want its own answer to %s",
					p.name, id, places[0].member, places[0].checkin, checkinID)
			}
		}
	}
	for note, places := range found {
		owner := false
		for _, p := range participants {
			if _, ok := p.sent[note]; ok {
				owner = true
			}
		}
		if !owner {
			t.Errorf("stored answer %q (%v) was never sent by any client", note, places)
		}
	}
	resent += fac.resent
	dupAcks += fac.dupAcks
	resentApplied = resent - dupAcks
	if acked == 0 {
		t.Fatal("no answer was acknowledged: the test measured nothing")
	}
	t.Logf("%d kills in %v: %d check-ins stored, %d answers acknowledged, %d lost, %d duplicated; "+
		"%d actions resent after a kill (%d already applied, answered as duplicates; %d applied on resend)",
		rounds, time.Since(began).Round(time.Millisecond), len(checkins), acked, lost, doubled, resent, dupAcks, resentApplied)
	t.Logf("from SIGKILL to serving again: mean %v, max %v",
		(restarts / time.Duration(rounds)).Round(time.Millisecond), slowest.Round(time.Millisecond))
	if p := srv.problemLines(); p != "" {
		t.Errorf("the server logged problems:\n%s", p)
	}
}

// buildHearth builds the server binary as an operator would. Not with
// -race even when the test runs with it: a race build restarts three times
// slower, which would leave less load between the kills (the web tests run
// the same server code, restarts included, under -race).
func buildHearth(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "hearth")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	return bin
}

// freeAddr returns a loopback address with a port that was free a moment
// ago, so every restart of the server listens on the same address.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// hearthProcess is the real binary serving one data folder on one address,
// started again after each kill.
type hearthProcess struct {
	t              *testing.T
	bin, dir, addr string

	gen    int
	cmd    *exec.Cmd
	exited chan struct{}

	mu       sync.Mutex
	problems []string // error-level log lines and panics
}

// start runs the server and returns once its log says it is serving.
func (p *hearthProcess) start() {
	p.t.Helper()
	p.gen++
	gen := p.gen
	cmd := exec.Command(p.bin, "serve", "--addr", p.addr, "--data", p.dir)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		p.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		p.t.Fatalf("start the server: %v", err)
	}
	serving := make(chan struct{})
	exited := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 64<<10), 1<<20)
		isServing := false
		for sc.Scan() {
			line := sc.Text()
			if !isServing && strings.Contains(line, `"message":"serving"`) {
				isServing = true
				close(serving)
			}
			if strings.Contains(line, `"level":"error"`) || strings.Contains(line, `"level":"fatal"`) ||
				strings.HasPrefix(line, "panic:") || strings.HasPrefix(line, "fatal error:") {
				p.mu.Lock()
				p.problems = append(p.problems, fmt.Sprintf("server %d: %s", gen, line))
				p.mu.Unlock()
			}
		}
		// Wait only once the log is read to its end, as StderrPipe asks.
		cmd.Wait()
		close(exited)
	}()
	select {
	case <-serving:
	case <-exited:
		p.t.Fatalf("server %d exited before serving: %v\n%s", gen, cmd.ProcessState, p.problemLines())
	case <-time.After(20 * time.Second):
		cmd.Process.Kill()
		p.t.Fatalf("server %d not serving within 20s", gen)
	}
	p.cmd, p.exited = cmd, exited
}

// kill sends SIGKILL and waits until the process is gone, so its file lock
// and port are free for the next one.
func (p *hearthProcess) kill() {
	p.t.Helper()
	if p.cmd == nil {
		return
	}
	select {
	case <-p.exited:
		p.t.Errorf("server %d had exited on its own before the kill: %v", p.gen, p.cmd.ProcessState)
	default:
	}
	p.cmd.Process.Signal(os.Kill)
	select {
	case <-p.exited:
	case <-time.After(10 * time.Second):
		p.t.Fatalf("server %d still running 10s after SIGKILL", p.gen)
	}
	p.cmd = nil
}

func (p *hearthProcess) problemLines() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.problems, "\n")
}

// gate is open while the server serves. A client that lost its connection
// waits at the gate instead of retrying blindly; the test closes it before
// each kill and opens it once the next server is serving.
type gate struct {
	mu   sync.Mutex
	open chan struct{} // closed while the server serves
}

func newGate() *gate { return &gate{open: make(chan struct{})} }

func (g *gate) wait() <-chan struct{} {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.open
}

func (g *gate) up() {
	g.mu.Lock()
	defer g.mu.Unlock()
	close(g.open)
}

func (g *gate) down() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.open = make(chan struct{})
}

// crashClient is one member acting over its WebSocket, reconnecting after
// each kill. Its records (sent, acked) are its own log, read by the test
// once the client has stopped.
type crashClient struct {
	name        string
	memberID    string
	url         string
	header      http.Header
	facilitator bool
	expect      int           // facilitator: answers a check-in waits for
	itemID      string        // facilitator: the agenda item run again and again
	progress    chan struct{} // facilitator: a check-in ended
	ended       atomic.Int64  // facilitator: check-ins ended (acked)

	// Owned by the client's goroutine until run returns.
	seq      int
	sent     map[string]string // action ID → the check-in it answers ("" for the facilitator's)
	acked    map[string]bool
	answered map[string]bool // check-in IDs this participant has answered
	pending  *crashAction
	resent   int // pending actions sent again on a new connection
	dupAcks  int // acks marked duplicate: applied before a kill, ack lost with it
	current  *crashCheckIn
}

type crashAction struct {
	id, typ string
	data    any
}

type crashCheckIn struct {
	ID      string `json:"id"`
	ItemID  string `json:"itemId"`
	Open    bool   `json:"open"`
	Answers []struct {
		MemberID string `json:"memberId"`
		Note     string `json:"note"`
	} `json:"answers"`
}

type crashMsg struct {
	Type      string          `json:"type"`
	ID        string          `json:"id"`
	Code      string          `json:"code"`
	Message   string          `json:"message"`
	Reason    string          `json:"reason"`
	Duplicate bool            `json:"duplicate"`
	Activity  json.RawMessage `json:"activity"`
	Room      *struct {
		Activity json.RawMessage `json:"activity"`
	} `json:"room"`
}

// errLost means the connection dropped: the client waits for the server.
var errLost = errors.New("connection lost")

// run connects, acts and reconnects until stopping is closed and nothing is
// pending, or ctx ends. It returns an error for what no client should see.
func (c *crashClient) run(ctx context.Context, g *gate, stopping <-chan struct{}) error {
	failures := 0
	for {
		select {
		case <-g.wait():
		case <-ctx.Done():
			return nil
		}
		err := c.connection(ctx, stopping)
		switch {
		case err == nil:
			return nil
		case errors.Is(err, errLost):
			// A kill, most likely. If the gate is still open the server
			// did not go away; a few races with a kill are fine, a string
			// of failures is not.
			select {
			case <-g.wait():
				if failures++; failures > 50 {
					return fmt.Errorf("lost the connection %d times while the server was up: %w", failures, err)
				}
			default:
				failures = 0
			}
		case ctx.Err() != nil:
			return nil
		default:
			return err
		}
	}
}

// connection runs one WebSocket until it drops (errLost), the client is
// done (nil) or something is wrong.
func (c *crashClient) connection(ctx context.Context, stopping <-chan struct{}) error {
	dctx, dcancel := context.WithTimeout(ctx, 5*time.Second)
	ws, resp, err := websocket.Dial(dctx, c.url, &websocket.DialOptions{HTTPHeader: c.header})
	dcancel()
	if err != nil {
		if resp != nil && resp.StatusCode != http.StatusSwitchingProtocols {
			return fmt.Errorf("dial: status %d: %w", resp.StatusCode, err)
		}
		return fmt.Errorf("%w: dial: %v", errLost, err)
	}
	defer ws.CloseNow()
	ws.SetReadLimit(1 << 22)
	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	msgs := make(chan crashMsg, 256)
	readErr := make(chan error, 1)
	go func() {
		defer close(msgs)
		for {
			_, data, err := ws.Read(cctx)
			if err != nil {
				readErr <- fmt.Errorf("%w: read: %v", errLost, err)
				return
			}
			var m crashMsg
			if err := json.Unmarshal(data, &m); err != nil {
				readErr <- fmt.Errorf("undecodable message %q: %v", data, err)
				return
			}
			msgs <- m
		}
	}()
	send := func(a *crashAction) error {
		b, _ := json.Marshal(map[string]any{"type": a.typ, "id": a.id, "data": a.data})
		wctx, wcancel := context.WithTimeout(cctx, 5*time.Second)
		defer wcancel()
		if err := ws.Write(wctx, websocket.MessageText, b); err != nil {
			return fmt.Errorf("%w: write: %v", errLost, err)
		}
		return nil
	}
	// act sends the next action, if the room calls for one.
	act := func() error {
		if c.pending != nil || isClosed(stopping) {
			return nil
		}
		a := c.next()
		if a == nil {
			return nil
		}
		c.pending = a
		return send(a)
	}
	quiet := time.NewTimer(20 * time.Second)
	defer quiet.Stop()
	for {
		var stop <-chan struct{}
		if c.pending == nil {
			stop = stopping
		}
		select {
		case m, ok := <-msgs:
			if !ok {
				return <-readErr
			}
			quiet.Reset(20 * time.Second)
			switch m.Type {
			case "snapshot":
				if m.Room == nil {
					return fmt.Errorf("snapshot without a room")
				}
				if err := c.see(m.Room.Activity); err != nil {
					return err
				}
				if c.pending != nil {
					// Sent before a drop and never answered: send it again
					// with the same ID; the server applies it at most once.
					c.resent++
					if err := send(c.pending); err != nil {
						return err
					}
					continue
				}
			case "event":
				if m.Activity != nil {
					if err := c.see(m.Activity); err != nil {
						return err
					}
				}
			case "ack":
				if c.pending == nil || m.ID != c.pending.id {
					return fmt.Errorf("ack for %q, but the pending action is %+v", m.ID, c.pending)
				}
				if m.Duplicate {
					c.dupAcks++
				}
				c.acked[m.ID] = true
				if c.facilitator && c.pending.typ == room.TypeActivityEnd {
					c.ended.Add(1)
					select {
					case c.progress <- struct{}{}:
					default:
					}
				}
				c.pending = nil
				if isClosed(stopping) {
					return nil
				}
			case "error":
				return fmt.Errorf("error reply %s (%s) to %q, pending %+v", m.Code, m.Message, m.ID, c.pending)
			case "bye":
				return fmt.Errorf("bye: %s", m.Reason)
			}
			if err := act(); err != nil {
				return err
			}
		case <-stop:
			return nil
		case <-quiet.C:
			return fmt.Errorf("no message for 20s (pending %+v)", c.pending)
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// see takes in the current activity from a snapshot or an event.
func (c *crashClient) see(raw json.RawMessage) error {
	if len(raw) == 0 || string(raw) == "null" {
		c.current = nil
		return nil
	}
	var ci crashCheckIn
	if err := json.Unmarshal(raw, &ci); err != nil {
		return fmt.Errorf("decode activity %s: %v", raw, err)
	}
	c.current = &ci
	if c.itemID == "" {
		c.itemID = ci.ItemID
	}
	return nil
}

// next returns the action the room calls for now, or nil.
func (c *crashClient) next() *crashAction {
	cur := c.current
	if c.facilitator {
		switch {
		case cur == nil:
			c.seq++
			a := &crashAction{id: fmt.Sprintf("start-%d", c.seq), typ: room.TypeAgendaStart, data: map[string]string{"itemId": c.itemID}}
			if c.itemID == "" {
				a.typ = room.TypeCheckInStart
				a.data = map[string]string{"prompt": "How are you arriving?", "visibility": "facilitators"}
			}
			c.sent[a.id] = ""
			return a
		case len(answerers(cur)) >= c.expect:
			a := &crashAction{id: fmt.Sprintf("end-%d", c.seq), typ: room.TypeActivityEnd, data: struct{}{}}
			c.sent[a.id] = cur.ID
			return a
		}
		return nil
	}
	if cur == nil || !cur.Open || c.answered[cur.ID] {
		return nil
	}
	c.seq++
	id := fmt.Sprintf("%s-%d", c.name, c.seq)
	c.answered[cur.ID] = true
	c.sent[id] = cur.ID
	return &crashAction{id: id, typ: room.TypeCheckInAnswer,
		data: map[string]any{"scale": c.seq % 11, "state": "within", "feeling": "steady", "note": id}}
}

func answerers(ci *crashCheckIn) map[string]bool {
	m := map[string]bool{}
	for _, a := range ci.Answers {
		m[a.MemberID] = true
	}
	return m
}

func isClosed(ch <-chan struct{}) bool {
	select {
	case <-ch:
		return true
	default:
		return false
	}
}

// apiCaller sends JSON requests to the server, with one cookie jar.
type apiCaller struct {
	t    *testing.T
	base string
	hc   *http.Client
}

func (a *apiCaller) call(want int, method, path string, in, out any) {
	a.t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, a.base+path, body)
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.hc.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		a.t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, data)
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			a.t.Fatalf("%s %s: decode %s: %v", method, path, data, err)
		}
	}
}

func cookieHeader(jar http.CookieJar, base string) string {
	req, _ := http.NewRequest("GET", base, nil)
	var parts []string
	for _, c := range jar.Cookies(req.URL) {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; ")
}

// TestCommitErrorStopsTheServer fails the disk under a running Main: the
// action that meets the failure is refused, and Wait returns, saying that
// storage failed, with an error line in the log.
func TestCommitErrorStopsTheServer(t *testing.T) {
	var logs lockedBuffer
	m := &Main{
		Addr:    "127.0.0.1:0",
		DataDir: t.TempDir(),
		Log:     zerolog.New(io.MultiWriter(&logs, zerolog.NewTestWriter(t))).Level(zerolog.WarnLevel),
	}
	if err := m.Open(context.Background()); err != nil {
		t.Fatalf("open: %v", err)
	}
	// Set before the first room save, as CommitHook asks; the flag turns
	// the disk bad later.
	var diskFull atomic.Bool
	m.DB.CommitHook = func() error {
		if diskFull.Load() {
			return errors.New("no space left on device (injected)")
		}
		return nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	var waitErr error
	waited := make(chan struct{})
	go func() {
		waitErr = m.Wait(ctx)
		close(waited)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-waited:
		case <-time.After(10 * time.Second):
			t.Error("Wait did not return 10s after its context ended")
		}
	})

	jar, _ := cookiejar.New(nil)
	api := &apiCaller{t: t, base: m.URL, hc: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
	api.call(201, "POST", "/api/setup", map[string]string{"token": m.SetupToken, "email": "ana@example.org", "name": "Ana", "password": crashPassword}, nil)
	var cohort struct{ ID string }
	api.call(201, "POST", "/api/cohorts", map[string]string{"name": "Tuesday circle"}, &cohort)
	var session struct{ ID string }
	api.call(201, "POST", "/api/cohorts/"+cohort.ID+"/sessions", map[string]string{"title": "Week 1", "startsAt": "2026-12-01T18:00:00Z"}, &session)
	api.call(200, "POST", "/api/sessions/"+session.ID+"/open", nil, nil)

	dctx, dcancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer dcancel()
	ws, _, err := websocket.Dial(dctx, "ws"+strings.TrimPrefix(m.URL, "http")+"/ws/sessions/"+session.ID,
		&websocket.DialOptions{HTTPHeader: http.Header{"Cookie": {cookieHeader(jar, m.URL)}}})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer ws.CloseNow()
	readReply := func(id string) (crashMsg, error) {
		for {
			_, data, err := ws.Read(dctx)
			if err != nil {
				return crashMsg{}, err
			}
			var msg crashMsg
			json.Unmarshal(data, &msg)
			if (msg.Type == "ack" || msg.Type == "error") && msg.ID == id {
				return msg, nil
			}
		}
	}
	write := func(id, typ string, data any) {
		t.Helper()
		b, _ := json.Marshal(map[string]any{"type": typ, "id": id, "data": data})
		if err := ws.Write(dctx, websocket.MessageText, b); err != nil {
			t.Fatalf("write %s: %v", id, err)
		}
	}
	start := map[string]string{"prompt": "How are you arriving?", "visibility": "group"}
	write("a-1", room.TypeCheckInStart, start)
	if r, err := readReply("a-1"); err != nil || r.Type != "ack" {
		t.Fatalf("reply to checkin.start on a good disk: %+v, %v; want an ack", r, err)
	}

	diskFull.Store(true)
	failedAt := time.Now()
	write("a-2", room.TypeCheckInClose, struct{}{})
	r, err := readReply("a-2")
	if err != nil {
		t.Errorf("no reply to the action that met the failed disk: %v; want an error reply", err)
	} else if r.Type != "error" || r.Code != room.CodeInternal {
		t.Errorf("reply to the action that met the failed disk: %s %q, want error %q", r.Type, r.Code, room.CodeInternal)
	}

	select {
	case <-waited:
		if waitErr == nil || !strings.Contains(waitErr.Error(), "storage") || !strings.Contains(waitErr.Error(), "injected") {
			t.Errorf("Wait returned %v, want an error saying storage failed, with the cause", waitErr)
		}
		t.Logf("Wait returned %v after the commit error: %v", time.Since(failedAt).Round(time.Millisecond), waitErr)
	case <-time.After(10 * time.Second):
		t.Fatal("Wait still running 10s after a commit failed")
	}
	if !strings.Contains(logs.String(), `"level":"error"`) || !strings.Contains(logs.String(), "storage failed") {
		t.Errorf("log %q has no error line saying storage failed", logs.String())
	}
	if _, err := http.Get(m.URL + "/healthz"); err == nil {
		t.Error("the server still answers after storage failed, want it stopped")
	}
}

// lockedBuffer is a bytes.Buffer safe for the logger's concurrent writes.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

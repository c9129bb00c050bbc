package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// The floor is the least any WebSocket server can do for the same load: a
// bare coder/websocket broadcast, a reader goroutine and a writer goroutine
// per connection, no rooms, no JSON, no storage. It runs in a child process
// of this binary ("hearth-load floor-serve"): R×(M+1) clients and as many
// server sockets would not fit in one process's open-file limit, and a
// separate process is measured the way Hearth is, by its own CPU and memory.

const floorQueue = 64 // per connection, as Hearth's

// floorServe runs the floor server until stdin closes (the parent is gone or
// done) or maxLife passes. It prints its address on stdout first.
func floorServe(stdin io.Reader, stdout io.Writer, maxLife time.Duration) error {
	if _, err := raiseNoFile(0); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hub := &floorHub{rooms: make(map[int]map[*floorSub]struct{})}
	srv := &http.Server{Handler: hub, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	fmt.Fprintln(stdout, ln.Addr().String())
	stop := make(chan struct{})
	go func() {
		io.Copy(io.Discard, stdin)
		close(stop)
	}()
	select {
	case <-stop:
	case <-time.After(maxLife):
	}
	ln.Close()
	hub.closeAll()
	return nil
}

type floorHub struct {
	mu    sync.Mutex
	rooms map[int]map[*floorSub]struct{}
}

type floorSub struct {
	conn *websocket.Conn
	msgs chan []byte
}

// ServeHTTP serves /f/{room}: one member's connection.
func (hub *floorHub) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	roomID, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/f/"))
	if err != nil {
		http.NotFound(w, r)
		return
	}
	conn, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	sub := &floorSub{conn: conn, msgs: make(chan []byte, floorQueue)}
	hub.mu.Lock()
	if hub.rooms[roomID] == nil {
		hub.rooms[roomID] = make(map[*floorSub]struct{})
	}
	hub.rooms[roomID][sub] = struct{}{}
	hub.mu.Unlock()
	defer func() {
		hub.mu.Lock()
		delete(hub.rooms[roomID], sub)
		hub.mu.Unlock()
		conn.CloseNow()
	}()
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			select {
			case msg := <-sub.msgs:
				if err := conn.Write(context.Background(), websocket.MessageText, msg); err != nil {
					conn.CloseNow()
					return
				}
			case <-done:
				return
			}
		}
	}()
	sub.msgs <- []byte("hello")
	for {
		_, data, err := conn.Read(context.Background())
		if err != nil {
			return
		}
		seq, size, ok := parseFloorFrame(data)
		if !ok {
			continue
		}
		hub.publish(roomID, floorPayload(seq, size))
	}
}

// publish offers msg to every member of the room without blocking; a member
// whose queue is full is dropped, as in Hearth.
func (hub *floorHub) publish(roomID int, msg []byte) {
	hub.mu.Lock()
	defer hub.mu.Unlock()
	for sub := range hub.rooms[roomID] {
		select {
		case sub.msgs <- msg:
		default:
			go sub.conn.Close(websocket.StatusPolicyViolation, "too slow")
		}
	}
}

func (hub *floorHub) closeAll() {
	hub.mu.Lock()
	defer hub.mu.Unlock()
	for _, subs := range hub.rooms {
		for sub := range subs {
			sub.conn.CloseNow()
		}
	}
}

// A floor frame from a client is "<seq> <size>"; the server broadcasts a
// message of that size starting "ev <seq> ".
func floorFrame(seq uint64, size int) []byte {
	return []byte(strconv.FormatUint(seq, 10) + " " + strconv.Itoa(size))
}

func parseFloorFrame(b []byte) (seq uint64, size int, ok bool) {
	s, z, found := bytes.Cut(b, []byte(" "))
	if !found {
		return 0, 0, false
	}
	seq, err1 := strconv.ParseUint(string(s), 10, 64)
	size, err2 := strconv.Atoi(string(z))
	if err1 != nil || err2 != nil || size < 0 || size > 1<<20 {
		return 0, 0, false
	}
	return seq, size, true
}

func floorPayload(seq uint64, size int) []byte {
	head := "ev " + strconv.FormatUint(seq, 10) + " "
	b := make([]byte, max(size, len(head)))
	copy(b, head)
	for i := len(head); i < len(b); i++ {
		b[i] = 'x'
	}
	return b
}

// parsePayload returns the seq of a broadcast message.
func parsePayload(b []byte) (uint64, bool) {
	rest, ok := bytes.CutPrefix(b, []byte("ev "))
	if !ok {
		return 0, false
	}
	end := bytes.IndexByte(rest, ' ')
	if end < 0 {
		return 0, false
	}
	seq, err := strconv.ParseUint(string(rest[:end]), 10, 64)
	return seq, err == nil
}

// floorChild is the running floor server process.
type floorChild struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	addr  string
}

func startFloor() (*floorChild, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, "floor-serve")
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line := make(chan string, 1)
	go func() {
		s, _ := bufio.NewReader(stdout).ReadString('\n')
		line <- strings.TrimSpace(s)
		io.Copy(io.Discard, stdout)
	}()
	select {
	case addr := <-line:
		if addr == "" {
			cmd.Process.Kill()
			cmd.Wait()
			return nil, errors.New("floor server did not start")
		}
		return &floorChild{cmd: cmd, stdin: stdin, addr: addr}, nil
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		cmd.Wait()
		return nil, errors.New("floor server did not say where it listens")
	}
}

// stop ends the child: closing its stdin asks it to stop; it is killed if it
// has not within a few seconds.
func (c *floorChild) stop() {
	c.stdin.Close()
	done := make(chan struct{})
	go func() { c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		c.cmd.Process.Kill()
		<-done
	}
}

// floorPhase drives the floor server with the same rooms, members, pace,
// rate and message sizes as the Hearth phase.
type floorPhase struct {
	cfg    config
	base   string // ws://addr
	wsHTTP *http.Client
	sizes  []int
	rooms  []*floorRoom
	lat    *samples
	join   *samples
	errs   counts
	sent   atomic.Int64
	stop   atomic.Bool
}

type floorRoom struct {
	f       *floorPhase
	idx     int
	members []*floorMember
	tr      *tracker
	joined  atomic.Uint64
	seq     uint64
}

type floorMember struct {
	r    *floorRoom
	idx  int
	mu   sync.Mutex
	conn *websocket.Conn
}

func (f *floorPhase) setup(rooms, members int) {
	f.lat = newSamples(200000)
	f.join = newSamples(200000)
	for i := 0; i < rooms; i++ {
		r := &floorRoom{f: f, idx: i, tr: newTracker(f.lat)}
		for j := 0; j < members; j++ {
			r.members = append(r.members, &floorMember{r: r, idx: j})
		}
		f.rooms = append(f.rooms, r)
	}
}

func (f *floorPhase) connectAll(ctx context.Context, deadline time.Time) int {
	var all []*floorMember
	for _, r := range f.rooms {
		all = append(all, r.members...)
	}
	dialPaced(ctx, len(all), f.cfg.connectRate, func(i int) {
		if err := all[i].connect(ctx); err != nil {
			f.errs.add("connect: "+err.Error(), 1)
		}
	})
	for {
		joined := 0
		for _, r := range f.rooms {
			joined += bitCount(r.joined.Load())
		}
		if joined == len(all) || !time.Now().Before(deadline) || ctx.Err() != nil {
			return joined
		}
		sleepUntil(ctx, time.Now().Add(50*time.Millisecond))
	}
}

func (m *floorMember) connect(ctx context.Context) error {
	f := m.r.f
	dialAt := time.Now()
	dctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	conn, _, err := websocket.Dial(dctx, f.base+"/f/"+strconv.Itoa(m.r.idx), &websocket.DialOptions{HTTPClient: f.wsHTTP})
	if err != nil {
		return errors.New(dialKind(err))
	}
	conn.SetReadLimit(1 << 20)
	m.mu.Lock()
	m.conn = conn
	m.mu.Unlock()
	go m.readLoop(conn, dialAt)
	return nil
}

func (m *floorMember) readLoop(conn *websocket.Conn, dialAt time.Time) {
	f, r := m.r.f, m.r
	var buf bytes.Buffer
	for {
		_, rd, err := conn.Reader(context.Background())
		if err == nil {
			buf.Reset()
			_, err = buf.ReadFrom(rd)
		}
		if err != nil {
			r.joined.And(^(uint64(1) << uint(m.idx)))
			r.tr.dropped(m.idx)
			if !f.stop.Load() {
				f.errs.add("dropped: "+closeCause(err), 1)
			}
			return
		}
		at := time.Now()
		msg := buf.Bytes()
		if string(msg) == "hello" {
			f.join.add(at.Sub(dialAt))
			r.joined.Or(1 << uint(m.idx))
			continue
		}
		if seq, ok := parsePayload(msg); ok {
			r.tr.received(seq, m.idx, at)
		}
	}
}

// drive sends one broadcast per tick, from a member in turn, with sizes
// taken from what Hearth sent.
func (r *floorRoom) drive(ctx context.Context, start, end time.Time, rate float64) {
	f := r.f
	interval := time.Duration(float64(time.Second) / rate)
	t := start.Add(time.Duration(rand.Int64N(int64(interval))))
	for k := 0; t.Before(end); t, k = t.Add(interval), k+1 {
		if !sleepUntil(ctx, t) {
			return
		}
		joined := r.joined.Load()
		m := r.members[k%len(r.members)]
		if joined&(1<<uint(m.idx)) == 0 {
			continue
		}
		m.mu.Lock()
		conn := m.conn
		m.mu.Unlock()
		r.seq++
		size := 256
		if len(f.sizes) > 0 {
			size = f.sizes[rand.IntN(len(f.sizes))]
		}
		fl := r.tr.send(time.Now(), joined)
		r.tr.versioned(fl, r.seq)
		f.sent.Add(1)
		if err := write(conn, floorFrame(r.seq, size)); err != nil {
			f.errs.add("write failed", 1)
			r.tr.forget(fl)
		}
	}
}

func (f *floorPhase) closeAll() {
	f.stop.Store(true)
	for _, r := range f.rooms {
		for _, m := range r.members {
			m.mu.Lock()
			if m.conn != nil {
				m.conn.CloseNow()
			}
			m.mu.Unlock()
		}
	}
}

package web_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"hearth/web"
)

// fastPingRoom opens a room of n participants on a server that pings a
// member silent for a second and waits a second for the pong.
func fastPingRoom(t *testing.T, n int) (*env, *browser, group) {
	t.Helper()
	e, _ := newTunedEnv(t, 30*time.Second, func(w *web.Server) {
		w.PingInterval = time.Second
		w.PingTimeout = time.Second
	})
	fb := e.newFacilitator("ana@example.org", "Ana")
	g := fb.newGroup(n, true)
	fb.open(g)
	return e, fb, g
}

// TestOnlySilentMembersArePinged has one participant send a frame every
// 200 ms and another send nothing. A frame proves its sender is there as
// well as a pong would: the silent one is pinged (and stays, since it
// answers), the one who sends is not.
func TestOnlySilentMembersArePinged(t *testing.T) {
	e, _, g := fastPingRoom(t, 2)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dial := func(i int, pings *atomic.Int32) *websocket.Conn {
		t.Helper()
		ws, _, err := websocket.Dial(ctx, e.wsURL("/ws/p/"+g.tokens[i]), &websocket.DialOptions{
			OnPingReceived: func(context.Context, []byte) bool {
				pings.Add(1)
				return true // answer it
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		ws.SetReadLimit(1 << 20)
		t.Cleanup(func() { ws.CloseNow() })
		go func() { // read, so pings are answered
			for {
				if _, _, err := ws.Read(context.Background()); err != nil {
					return
				}
			}
		}()
		return ws
	}
	var talkerPings, silentPings atomic.Int32
	talker := dial(0, &talkerPings)
	dial(1, &silentPings)

	tick := time.NewTicker(200 * time.Millisecond) // within the flood limit of 5 a second
	defer tick.Stop()
	for silentPings.Load() < 3 {
		select {
		case <-tick.C:
			if err := talker.Write(ctx, websocket.MessageText, []byte(`{"type":"sync","id":"s"}`)); err != nil {
				t.Fatalf("talker: %v", err)
			}
		case <-ctx.Done():
			t.Fatalf("the silent member got %d pings in 30 s, want 3", silentPings.Load())
		}
	}
	if n := talkerPings.Load(); n != 0 {
		t.Errorf("the member who sends a frame every 200 ms got %d pings, want 0", n)
	}
}

// TestSilentDeadMemberIsCutInTime has a participant connect and then
// neither send nor read, as a phone that lost its network: it is pinged,
// does not answer, and leaves presence within PingInterval + a check +
// PingTimeout of last being heard from (3 s here; 15 + 5 + 10 s in
// production).
func TestSilentDeadMemberIsCutInTime(t *testing.T) {
	e, fb, g := fastPingRoom(t, 1)
	fac := e.joinFacilitator(t, fb, g)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	ws, _, err := websocket.Dial(ctx, e.wsURL("/ws/p/"+g.tokens[0]), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	for _, want := range []string{"present", "reconnecting"} {
		fac.next(g.names[0]+" "+want, func(m msg) bool {
			return m.Member != nil && m.Member.ID == g.ids[0] && m.Member.Presence == want
		})
	}
	// One second of slack for a busy machine.
	if took := time.Since(start); took > 4*time.Second {
		t.Errorf("a dead member left presence after %v, want within 3 s", took)
	}
}

// heartbeatRoom opens a room of one participant on a server that holds a
// heartbeating connection to a silence of heartbeat, and pings other silent
// members after pingEvery.
func heartbeatRoom(t *testing.T, heartbeat, pingEvery time.Duration, open bool) (*env, *browser, group) {
	t.Helper()
	e, _ := newTunedEnv(t, 30*time.Second, func(w *web.Server) {
		w.HeartbeatTimeout = heartbeat
		w.PingInterval = pingEvery
		w.PingTimeout = time.Second
	})
	fb := e.newFacilitator("ana@example.org", "Ana")
	g := fb.newGroup(1, true)
	if open {
		fb.open(g)
	}
	return e, fb, g
}

// TestHeartbeatIsAnswered sends heartbeat pings from the waiting room and
// from the room: each is answered with a pong at once, with no version, and
// the room's versions go on without a gap (the client checks).
func TestHeartbeatIsAnswered(t *testing.T) {
	e, fb, g := heartbeatRoom(t, 5*time.Second, 15*time.Second, false)

	p, err := dial(t, e.wsURL("/ws/p/"+g.tokens[0]), nil, g.names[0])
	if err != nil {
		t.Fatal(err)
	}
	p.next("waiting", isType("waiting"))
	p.sendRaw([]byte(`{"type":"ping"}`))
	pong := p.next("pong in the waiting room", func(m msg) bool { return m.Type != "waiting" })
	if string(pong.raw) != `{"type":"pong"}` {
		t.Fatalf("answer to a ping in the waiting room: %s, want {\"type\":\"pong\"}", pong.raw)
	}

	fb.open(g)
	snap := p.next("snapshot", isType("snapshot"))
	p.sendRaw([]byte(`{"type":"ping"}`))
	p.sendRaw([]byte(` { "type" : "ping" } `))
	for i := range 2 {
		m := p.next("pong in the room", func(m msg) bool { return m.Type != "event" })
		if string(m.raw) != `{"type":"pong"}` {
			t.Fatalf("answer %d to a ping in the room: %s, want {\"type\":\"pong\"}", i, m.raw)
		}
	}
	// A ping is not an action: the room's version did not move.
	p.sendRaw([]byte(`{"type":"sync"}`))
	if again := p.next("snapshot after sync", isType("snapshot")); again.Version != snap.Version {
		t.Errorf("version after two pings: %d, want %d as before them", again.Version, snap.Version)
	}
}

// TestSilentHeartbeaterIsCut has a participant send one heartbeat ping and
// then fall silent (it still reads, so it would answer a WebSocket ping):
// the server cuts it once it has been silent for HeartbeatTimeout, long
// before its ping schedule would, and the room shows it reconnecting.
func TestSilentHeartbeaterIsCut(t *testing.T) {
	const heartbeat = 500 * time.Millisecond
	e, fb, g := heartbeatRoom(t, heartbeat, time.Minute, true)
	fac := e.joinFacilitator(t, fb, g)
	p := e.joinParticipant(t, g, 0)
	fac.next(g.names[0]+" present", func(m msg) bool {
		return m.Member != nil && m.Member.ID == g.ids[0] && m.Member.Presence == "present"
	})

	last := time.Now()
	p.sendRaw([]byte(`{"type":"ping"}`))
	p.next("pong", isType("pong"))
	fac.next(g.names[0]+" reconnecting", func(m msg) bool {
		return m.Member != nil && m.Member.ID == g.ids[0] && m.Member.Presence == "reconnecting"
	})
	took := time.Since(last)
	if took < heartbeat {
		t.Errorf("a heartbeater was cut %v after its last ping, before the %v it may be silent", took, heartbeat)
	}
	// Half a second of slack for a busy machine.
	if took > heartbeat+500*time.Millisecond {
		t.Errorf("a silent heartbeater was cut %v after its last ping, want within %v", took, heartbeat)
	}
	<-p.closed
}

// TestNonHeartbeaterKeepsPingSchedule has a participant that never sends a
// heartbeat ping stay silent for several heartbeat timeouts while it answers
// the server's WebSocket pings: it is pinged on the old schedule and stays.
func TestNonHeartbeaterKeepsPingSchedule(t *testing.T) {
	const heartbeat = 200 * time.Millisecond
	e, fb, g := heartbeatRoom(t, heartbeat, 500*time.Millisecond, true)
	fac := e.joinFacilitator(t, fb, g)

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	pings := make(chan struct{}, 16)
	ws, _, err := websocket.Dial(ctx, e.wsURL("/ws/p/"+g.tokens[0]), &websocket.DialOptions{
		OnPingReceived: func(context.Context, []byte) bool {
			select {
			case pings <- struct{}{}:
			default:
			}
			return true
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ws.SetReadLimit(1 << 20)
	defer ws.CloseNow()
	go func() { // read, so pings are answered
		for {
			if _, _, err := ws.Read(context.Background()); err != nil {
				return
			}
		}
	}()
	start := time.Now()
	for range 3 {
		select {
		case <-pings:
		case <-ctx.Done():
			t.Fatal("the silent member was not pinged on the ping schedule")
		}
	}
	if took := time.Since(start); took < 5*heartbeat {
		t.Fatalf("three pings came within %v; the test needs the member silent for longer than %v", took, 5*heartbeat)
	}
	fac.sendRaw([]byte(`{"type":"sync"}`))
	snap := fac.next("snapshot", isType("snapshot"))
	presence := ""
	for _, m := range snap.Room.Members {
		if m.ID == g.ids[0] {
			presence = m.Presence
		}
	}
	if presence != "present" {
		t.Errorf("a silent member who answers pings but never heartbeats is %q, want present", presence)
	}
}

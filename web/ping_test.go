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

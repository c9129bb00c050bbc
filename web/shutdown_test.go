package web_test

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestShutdownSaysGoodbyeToEveryone stops the rooms and closes the
// connections as the server does at SIGTERM: CloseConnections returns only
// once every member's connection has ended with "server restarting" (1001),
// those in a room and one waiting in the lobby alike, so the process can
// exit without cutting anyone off mid-goodbye.
func TestShutdownSaysGoodbyeToEveryone(t *testing.T) {
	e := newEnv(t)
	fac := e.newFacilitator("ana@example.org", "Ana")
	live := fac.newGroup(3, true)
	fac.open(live)
	waiting := fac.newGroup(1, true) // its session is never opened

	type ending struct {
		name   string
		status websocket.StatusCode
	}
	ended := make(chan ending, 8)
	connect := func(name, path string, h http.Header, first string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ws, _, err := websocket.Dial(ctx, e.wsURL(path), &websocket.DialOptions{HTTPHeader: h})
		if err != nil {
			t.Fatalf("dial %s: %v", name, err)
		}
		t.Cleanup(func() { ws.CloseNow() })
		_, data, err := ws.Read(ctx)
		if err != nil || !regexp.MustCompile(`"type":"`+first+`"`).Match(data) {
			t.Fatalf("%s: got %s, %v; want %s", name, data, err, first)
		}
		go func() {
			for {
				if _, _, err := ws.Read(context.Background()); err != nil {
					ended <- ending{name, websocket.CloseStatus(err)}
					return
				}
			}
		}()
	}
	connect("facilitator", "/ws/sessions/"+live.session, fac.cookieHeader(), "snapshot")
	for i, token := range live.tokens {
		connect(live.names[i], "/ws/p/"+token, nil, "snapshot")
	}
	connect("waiting "+waiting.names[0], "/ws/p/"+waiting.tokens[0], nil, "waiting")

	e.rooms.Stop()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.web.CloseConnections(ctx); err != nil {
		t.Fatalf("CloseConnections: %v", err)
	}
	// Every connection's goroutines are done: none is left to count.
	if n := connectedMembers(t, e); n != 0 {
		t.Errorf("after CloseConnections: %d members still connected, want 0", n)
	}
	for range 5 {
		select {
		case got := <-ended:
			if got.status != websocket.StatusGoingAway {
				t.Errorf("%s: connection ended with %v, want %v", got.name, got.status, websocket.StatusGoingAway)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("a client's connection did not end")
		}
	}

	// A member arriving now is sent away at once, to the next server.
	ws, _, err := websocket.Dial(ctx, e.wsURL("/ws/p/"+live.tokens[0]), nil)
	if err != nil {
		t.Fatalf("dial after shutdown: %v", err)
	}
	defer ws.CloseNow()
	if _, _, err := ws.Read(ctx); websocket.CloseStatus(err) != websocket.StatusGoingAway {
		t.Errorf("a member arriving after shutdown: got %v, want %v", err, websocket.StatusGoingAway)
	}
}

// connectedMembers reads hearth_connected_members from /metrics.
func connectedMembers(tb testing.TB, e *env) int {
	tb.Helper()
	resp := getMetrics(tb, e.url())
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	m := regexp.MustCompile(`(?m)^hearth_connected_members (\d+)$`).FindSubmatch(body)
	if m == nil {
		tb.Fatalf("no hearth_connected_members in /metrics:\n%s", body)
	}
	n := 0
	for _, d := range m[1] {
		n = n*10 + int(d-'0')
	}
	return n
}

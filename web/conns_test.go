package web_test

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"hearth/web"
)

// rawConn dials the server's TCP port.
func rawConn(tb testing.TB, e *env) net.Conn {
	tb.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(e.url(), "http://"))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { c.Close() })
	return c
}

// closedWithin reads c until the server closes it, and fails the test if
// that takes longer than within.
func closedWithin(tb testing.TB, c net.Conn, within time.Duration, what string) {
	tb.Helper()
	start := time.Now()
	c.SetReadDeadline(start.Add(within))
	_, err := io.Copy(io.Discard, c)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		tb.Errorf("%s: still open after %v, want it closed", what, within)
		return
	}
	tb.Logf("%s: closed after %v", what, time.Since(start).Round(time.Millisecond))
}

// TestHTTPTimeouts checks that a client cannot hold a connection by
// trickling a body, idling between requests or saying nothing at all.
func TestHTTPTimeouts(t *testing.T) {
	e := newEnvWith(t, envOptions{httpTimeouts: web.HTTPTimeouts{
		ReadHeader: 500 * time.Millisecond, Read: time.Second, Write: 2 * time.Second, Idle: 500 * time.Millisecond,
	}})

	t.Run("a trickled body", func(t *testing.T) {
		c := rawConn(t, e)
		io.WriteString(c, "POST /api/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
		stop := make(chan struct{})
		defer close(stop)
		go func() {
			// One byte every 300 ms would take 30 s to send the body.
			tick := time.NewTicker(300 * time.Millisecond)
			defer tick.Stop()
			for {
				select {
				case <-stop:
					return
				case <-tick.C:
					if _, err := c.Write([]byte(" ")); err != nil {
						return
					}
				}
			}
		}()
		closedWithin(t, c, 4*time.Second, "a connection trickling its body")
	})

	t.Run("an idle kept-alive connection", func(t *testing.T) {
		c := rawConn(t, e)
		io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || resp.StatusCode != 200 || resp.Close {
			t.Fatalf("healthz: %v %v, want 200 kept alive", resp, err)
		}
		io.Copy(io.Discard, resp.Body)
		closedWithin(t, c, 4*time.Second, "an idle connection")
	})

	t.Run("a silent connection", func(t *testing.T) {
		closedWithin(t, rawConn(t, e), 4*time.Second, "a connection that sends nothing")
	})

	t.Run("a member's connection outlives the deadlines", func(t *testing.T) {
		b := e.newFacilitator("ana@example.org", "Ana")
		g := b.newGroup(1, true)
		b.open(g)
		f := e.joinFacilitator(t, b, g)
		// Heartbeats for three times the read and write deadlines of a
		// request: each is read and answered over the same connection.
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for end := time.Now().Add(3 * time.Second); time.Now().Before(end); <-tick.C {
			f.sendRaw([]byte(`{"type":"ping"}`))
			f.next("pong", isType("pong"))
		}
		f.send("sync", nil)
		f.next("snapshot after the deadlines", isType("snapshot"))
	})
}

// TestConnectionCap fills the server's connections and checks that one
// more is told to come back later, and gets in once a place is free.
func TestConnectionCap(t *testing.T) {
	e := newEnvWith(t, envOptions{maxConns: 3})
	var held []net.Conn
	for range 3 {
		c := rawConn(t, e)
		io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		if resp, err := http.ReadResponse(bufio.NewReader(c), nil); err != nil || resp.StatusCode != 200 {
			t.Fatalf("connection %d: %v %v, want 200", len(held)+1, resp, err)
		}
		held = append(held, c)
	}
	get := func() (*http.Response, error) {
		c := rawConn(t, e)
		defer c.Close()
		c.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err == nil {
			io.Copy(io.Discard, resp.Body)
		}
		return resp, err
	}
	resp, err := get()
	if err != nil {
		t.Fatalf("a connection over the cap: %v, want a 503", err)
	}
	if resp.StatusCode != 503 || resp.Header.Get("Retry-After") == "" {
		t.Errorf("a connection over the cap: %d Retry-After %q, want 503 with Retry-After", resp.StatusCode, resp.Header.Get("Retry-After"))
	}

	held[0].Close()
	// The server frees the place once it reads the close: try until then.
	deadline := time.Now().Add(5 * time.Second)
	for {
		resp, err := get()
		if err == nil && resp.StatusCode == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after one connection closed: %v %v, want 200", resp, err)
		}
	}
}

// TestSocketsPerMember opens a participant's link in more tabs than a
// person uses: the first MaxSocketsPerMember connect, every other is
// refused with a clear 429, and a closed tab frees its place. A
// facilitator's account counts per session.
func TestSocketsPerMember(t *testing.T) {
	e := newEnv(t)
	b := e.newFacilitator("ana@example.org", "Ana")
	g := b.newGroup(2, true)
	url := e.wsURL("/ws/p/" + g.tokens[0])
	var tabs []*client
	for range web.MaxSocketsPerMember {
		c, err := dial(t, url, nil, "tab")
		if err != nil {
			t.Fatalf("tab %d: %v", len(tabs)+1, err)
		}
		c.next("waiting", isType("waiting"))
		tabs = append(tabs, c)
	}
	refused := func() (int, string) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ws, resp, err := websocket.Dial(ctx, url, nil)
		if err == nil {
			ws.CloseNow()
			return 101, ""
		}
		if resp == nil {
			t.Fatalf("dial: %v", err)
		}
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body)
	}
	status, body := refused()
	if status != 429 || !strings.Contains(body, `"too_many"`) || !strings.Contains(body, "tabs") {
		t.Errorf("tab %d: %d %s, want 429 too_many saying why", web.MaxSocketsPerMember+1, status, body)
	}
	for i := range 300 {
		if status, _ := refused(); status != 429 {
			t.Fatalf("socket %d on one link: %d, want 429", web.MaxSocketsPerMember+2+i, status)
		}
	}
	// Another member is not held back by this one.
	other := e.joinParticipantWaiting(t, g, 1)
	other.close()

	tabs[0].close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		c, err := dial(t, url, nil, "tab again")
		if err == nil {
			c.next("waiting", isType("waiting"))
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after a tab closed: %v, want a place", err)
		}
	}

	// A facilitator's account has as many in each session it leads.
	b.open(g)
	for range web.MaxSocketsPerMember {
		e.joinFacilitator(t, b, g)
	}
	if _, err := dial(t, e.wsURL("/ws/sessions/"+g.session), b.cookieHeader(), "facilitator"); err == nil || !strings.Contains(err.Error(), "status 429") {
		t.Errorf("a facilitator's socket %d in one session: %v, want 429", web.MaxSocketsPerMember+1, err)
	}
	g2 := b.newGroup(1, true)
	b.open(g2)
	e.joinFacilitator(t, b, g2)
}

// joinParticipantWaiting dials a participant's socket before the room
// opens and waits for the waiting message.
func (e *env) joinParticipantWaiting(tb testing.TB, g group, i int) *client {
	tb.Helper()
	c, err := dial(tb, e.wsURL("/ws/p/"+g.tokens[i]), nil, g.names[i])
	if err != nil {
		tb.Fatalf("join %s: %v", g.names[i], err)
	}
	c.next("waiting", isType("waiting"))
	return c
}

package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"
)

type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func TestHealthAndHeaders(t *testing.T) {
	e := newEnv(t)
	resp, err := http.Get(e.url() + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("healthz: %d, want 200", resp.StatusCode)
	}
	resp, err = http.Get(e.url() + "/j/some-token")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for h, want := range map[string]string{
		"Referrer-Policy":        "no-referrer",
		"X-Content-Type-Options": "nosniff",
	} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if csp := resp.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") {
		t.Errorf("Content-Security-Policy %q does not keep the page to its origin", csp)
	}
}

func TestSetupAndLogin(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	var ae apiError

	if got := b.do("GET", "/api/me", nil, &ae); got != 401 || ae.Error.Code != "unauthorized" {
		t.Errorf("me before login: %d %q, want 401 unauthorized", got, ae.Error.Code)
	}
	if got := b.do("POST", "/api/setup", map[string]string{"token": "wrong", "email": "a@example.org", "name": "A", "password": "a long passphrase"}, &ae); got != 401 {
		t.Errorf("setup with a wrong token: %d, want 401", got)
	}
	if got := b.do("POST", "/api/setup", map[string]string{"token": testSetupToken, "email": "a@example.org", "name": "A", "password": "short"}, &ae); got != 400 || ae.Error.Code != "invalid" {
		t.Errorf("setup with a short password: %d %q, want 400 invalid", got, ae.Error.Code)
	}
	b.must(201, "POST", "/api/setup", map[string]string{"token": testSetupToken, "email": "A@Example.org", "name": "A", "password": "a long passphrase"}, nil)
	var me struct{ Email string }
	b.must(200, "GET", "/api/me", nil, &me)
	if me.Email != "a@example.org" {
		t.Errorf("email %q, want it lower-cased", me.Email)
	}
	if got := e.browser().do("POST", "/api/setup", map[string]string{"token": testSetupToken, "email": "b@example.org", "name": "B", "password": "a long passphrase"}, &ae); got != 409 {
		t.Errorf("second setup: %d, want 409", got)
	}

	b.must(204, "POST", "/api/logout", nil, nil)
	if got := b.do("GET", "/api/me", nil, nil); got != 401 {
		t.Errorf("me after logout: %d, want 401", got)
	}
	other := e.browser()
	if got := other.do("POST", "/api/login", map[string]string{"email": "a@example.org", "password": "not the one"}, &ae); got != 401 {
		t.Errorf("login with a wrong password: %d, want 401", got)
	}
	other.login("a@example.org")

	// Guessing is slowed down.
	guesser := e.browser()
	var last int
	for i := 0; i < 12; i++ {
		last = guesser.do("POST", "/api/login", map[string]string{"email": "a@example.org", "password": "guess guess"}, nil)
	}
	if last != 429 {
		t.Errorf("12th wrong login: %d, want 429", last)
	}
}

func TestBadRequests(t *testing.T) {
	e := newEnv(t)
	b := e.newFacilitator("ana@example.org", "Ana")
	var ae apiError
	cases := []struct {
		name   string
		method string
		path   string
		body   string
		status int
		code   string
	}{
		{"malformed JSON", "POST", "/api/cohorts", `{"name":`, 400, "invalid"},
		{"unknown field", "POST", "/api/cohorts", `{"nmae":"x"}`, 400, "invalid"},
		{"missing name", "POST", "/api/cohorts", `{}`, 400, "invalid"},
		{"two objects", "POST", "/api/cohorts", `{"name":"a"}{"name":"b"}`, 400, "invalid"},
		{"oversized body", "POST", "/api/cohorts", `{"name":"` + strings.Repeat("x", 70<<10) + `"}`, 413, "too_large"},
		{"bad video link", "POST", "/api/cohorts", `{"name":"a","videoUrl":"javascript:alert(1)"}`, 400, "invalid"},
		{"unknown cohort", "GET", "/api/cohorts/nope", ``, 404, "not_found"},
		{"unknown API route", "GET", "/api/nothing-here", ``, 404, "not_found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ae = apiError{}
			if got := b.do(tc.method, tc.path, tc.body, &ae); got != tc.status || ae.Error.Code != tc.code {
				t.Errorf("%d %q (%s), want %d %q", got, ae.Error.Code, ae.Error.Message, tc.status, tc.code)
			}
		})
	}
	var list struct{ Cohorts []any }
	b.must(200, "GET", "/api/cohorts", nil, &list)
	if len(list.Cohorts) != 0 {
		t.Errorf("bad requests made %d cohorts, want none", len(list.Cohorts))
	}
}

func TestCrossSiteRequestIsRefused(t *testing.T) {
	e := newEnv(t)
	b := e.newFacilitator("ana@example.org", "Ana")
	req, _ := http.NewRequest("POST", e.url()+"/api/cohorts", strings.NewReader(`{"name":"x"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	for k, v := range b.cookieHeader() {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("cross-site POST: %d, want 403", resp.StatusCode)
	}
	var list struct{ Cohorts []any }
	b.must(200, "GET", "/api/cohorts", nil, &list)
	if len(list.Cohorts) != 0 {
		t.Errorf("the cross-site request made a cohort")
	}
}

func TestOtherFacilitatorsCohortIsNotFound(t *testing.T) {
	e := newEnv(t)
	ana := e.newFacilitator("ana@example.org", "Ana")
	g := ana.newGroup(1, true)
	ana.open(g)
	ben := e.newFacilitator("ben@example.org", "Ben")

	var ae apiError
	for _, tc := range []struct{ method, path, body string }{
		{"GET", "/api/cohorts/" + g.cohort, ""},
		{"PATCH", "/api/cohorts/" + g.cohort, `{"name":"mine now"}`},
		{"POST", "/api/cohorts/" + g.cohort + "/participants", `{"name":"Eve"}`},
		{"POST", "/api/cohorts/" + g.cohort + "/participants/" + g.ids[0] + "/reissue", ""},
		{"DELETE", "/api/cohorts/" + g.cohort + "/participants/" + g.ids[0], ""},
		{"POST", "/api/cohorts/" + g.cohort + "/sessions", `{"title":"x","startsAt":"2026-12-01T18:00:00Z"}`},
		{"POST", "/api/sessions/" + g.session + "/close", ""},
	} {
		if got := ben.do(tc.method, tc.path, tc.body, &ae); got != 404 {
			t.Errorf("Ben %s %s: %d, want 404", tc.method, tc.path, got)
		}
	}
	var list struct{ Cohorts []any }
	ben.must(200, "GET", "/api/cohorts", nil, &list)
	if len(list.Cohorts) != 0 {
		t.Errorf("Ben lists %d cohorts, want 0", len(list.Cohorts))
	}
	if _, err := dial(t, e.wsURL("/ws/sessions/"+g.session), ben.cookieHeader(), "ben"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("Ben's socket to Ana's room: %v, want 404", err)
	}
	if _, err := dial(t, e.wsURL("/ws/sessions/"+g.session), nil, "nobody"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("socket without login: %v, want 401", err)
	}

	// Once Ana adds Ben as co-facilitator (and he accepts) he has the same
	// controls, at once.
	ana.coFacilitate(ben, g.cohort, "ben@example.org")
	ben.must(200, "GET", "/api/cohorts/"+g.cohort, nil, nil)
	c := e.joinFacilitator(t, ben, g)
	c.act("checkin.start", map[string]string{"prompt": "How are you?", "visibility": "group"})
}

// A facilitator who does not facilitate a session's cohort gets 404 from
// every session route, whatever the session's state, before any other
// check: a 409 for a live room (or a 400 for a bad agenda) would tell
// anyone which session IDs exist and which are live. Nothing changes.
func TestOtherFacilitatorsSessionIsNotFound(t *testing.T) {
	e := newEnv(t)
	ana := e.newFacilitator("ana@example.org", "Ana")
	g := ana.newGroup(1, true)
	plan := func(title string) string {
		var s sessionJSON
		ana.must(201, "POST", "/api/cohorts/"+g.cohort+"/sessions", map[string]string{"title": title, "startsAt": "2026-12-08T18:00:00Z"}, &s)
		return s.ID
	}
	closed := g.session
	ana.must(200, "POST", "/api/sessions/"+closed+"/open", nil, nil)
	ana.must(200, "POST", "/api/sessions/"+closed+"/close", nil, nil)
	live := plan("Week 2")
	ana.must(200, "POST", "/api/sessions/"+live+"/open", nil, nil)
	planned := plan("Week 3")
	ben := e.newFacilitator("ben@example.org", "Ben")

	cohortBefore := cohortAsRead(t, ana, g.cohort)
	rm, ok := e.rooms.Get(live)
	if !ok {
		t.Fatal("the live session has no room")
	}
	versionBefore := rm.State().Version

	var unknown apiError
	if got := ben.do("POST", "/api/sessions/no-such-session/open", nil, &unknown); got != 404 {
		t.Fatalf("an unknown session: %d, want 404", got)
	}
	routes := []struct{ name, method, path, body string }{
		{"PUT /api/sessions/{id}/agenda", "PUT", "/api/sessions/%s/agenda", `{"items":[{"kind":"grounding","seconds":60}]}`},
		{"PUT /api/sessions/{id}/agenda, invalid", "PUT", "/api/sessions/%s/agenda", `{"items":[{"kind":"dance"}]}`},
		{"POST /api/sessions/{id}/open", "POST", "/api/sessions/%s/open", ""},
		{"POST /api/sessions/{id}/close", "POST", "/api/sessions/%s/close", ""},
		{"GET /api/sessions/{id}/summary", "GET", "/api/sessions/%s/summary", ""},
		{"GET /api/sessions/{id}/waiting", "GET", "/api/sessions/%s/waiting", ""},
		// The facilitator's WebSocket, asked without an upgrade.
		{"GET /ws/sessions/{id}", "GET", "/ws/sessions/%s", ""},
	}
	for _, ss := range []struct{ state, id string }{{"planned", planned}, {"live", live}, {"closed", closed}} {
		for _, rt := range routes {
			t.Run(rt.name+" of a "+ss.state+" session", func(t *testing.T) {
				var ae apiError
				var body any
				if rt.body != "" {
					body = rt.body
				}
				if got := ben.do(rt.method, fmt.Sprintf(rt.path, ss.id), body, &ae); got != 404 || ae != unknown {
					t.Errorf("Ben: %d %+v, want 404 as for an unknown session (%+v)", got, ae, unknown)
				}
			})
		}
		t.Run("the WebSocket of a "+ss.state+" session", func(t *testing.T) {
			if _, err := dial(t, e.wsURL("/ws/sessions/"+ss.id), ben.cookieHeader(), "ben"); err == nil || !strings.Contains(err.Error(), "404") {
				t.Errorf("Ben's socket: %v, want 404", err)
			}
		})
	}

	t.Run("nothing changed", func(t *testing.T) {
		if got := cohortAsRead(t, ana, g.cohort); got != cohortBefore {
			t.Errorf("Ana's cohort after Ben's requests:\ngot  %s\nwant %s", got, cohortBefore)
		}
		if got := rm.State().Version; got != versionBefore {
			t.Errorf("live room version: got %d, want %d", got, versionBefore)
		}
		if _, ok := e.rooms.Get(live); !ok {
			t.Error("the live room closed")
		}
	})
}

// cohortAsRead returns the cohort as its facilitator's browser reads it.
func cohortAsRead(tb testing.TB, b *browser, cohortID string) string {
	tb.Helper()
	var raw json.RawMessage
	b.must(200, "GET", "/api/cohorts/"+cohortID, nil, &raw)
	return string(raw)
}

func TestBadFrames(t *testing.T) {
	e := newEnv(t)
	fb := e.newFacilitator("ana@example.org", "Ana")
	g := fb.newGroup(2, true)
	fb.open(g)
	fac := e.joinFacilitator(t, fb, g)
	p := e.joinParticipant(t, g, 0)

	errorFor := func(c *client, raw string) msg {
		t.Helper()
		c.sendRaw([]byte(raw))
		return c.next("error", isType("error"))
	}
	cases := []struct {
		name string
		c    *client
		raw  string
		code string
	}{
		{"malformed JSON", p, `{"type":`, "bad_message"},
		{"not an object", p, `[1,2]`, "bad_message"},
		{"no type", p, `{"id":"x1"}`, "bad_message"},
		{"no id", p, `{"type":"checkin.answer","data":{}}`, "bad_message"},
		{"id too long", p, `{"type":"checkin.answer","id":"` + strings.Repeat("i", 65) + `"}`, "bad_message"},
		{"unknown type", p, `{"type":"dance","id":"x2"}`, "unknown_type"},
		{"participant sends a facilitator command", p, `{"type":"checkin.start","id":"x3","data":{"prompt":"mine","visibility":"group"}}`, "not_allowed"},
		{"participant closes the room", p, `{"type":"room.close","id":"x4"}`, "not_allowed"},
		{"answer with no check-in", p, `{"type":"checkin.answer","id":"x5","data":{"scale":5,"state":"within"}}`, "closed"},
		{"facilitator answers", fac, `{"type":"checkin.answer","id":"x6","data":{"scale":5,"state":"within"}}`, "not_allowed"},
		{"bad data", fac, `{"type":"checkin.start","id":"x7","data":"oops"}`, "invalid"},
		{"bad visibility", fac, `{"type":"checkin.start","id":"x8","data":{"prompt":"p","visibility":"everyone"}}`, "invalid"},
	}
	// A binary frame is refused whatever it holds, even an action its
	// sender may take; the connection stays open (the cases below are
	// answered on it), and the frame changes nothing (checked after them).
	t.Run("binary frame", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		start := `{"type":"checkin.start","id":"x0","data":{"prompt":"p","visibility":"group"}}`
		if err := fac.ws.Write(ctx, websocket.MessageBinary, []byte(start)); err != nil {
			t.Fatal(err)
		}
		m := fac.next("error", isType("error"))
		const want = "Hearth reads text frames of JSON; this was a binary frame."
		if m.Code != "bad_message" || m.Message != want || m.ID != "" {
			t.Errorf("error %s %q for action %q, want bad_message %q for none: the frame is not read", m.Code, m.Message, m.ID, want)
		}
	})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := errorFor(tc.c, tc.raw)
			if m.Code != tc.code {
				t.Errorf("code %q (%s), want %q", m.Code, m.Message, tc.code)
			}
			// Every refusal says in words what was wrong.
			if len(m.Message) < 10 {
				t.Errorf("message %q, want a sentence a person can read", m.Message)
			}
		})
	}
	// None of it changed the room.
	rm, _ := e.rooms.Get(g.session)
	if st := rm.State(); st.Current != nil {
		t.Errorf("bad frames started an activity: %+v", st.Current)
	}

	t.Run("answer out of range", func(t *testing.T) {
		fac.act("checkin.start", map[string]string{"prompt": "How are you?", "visibility": "group"})
		for i, data := range []string{`{"scale":11,"state":"within"}`, `{"scale":-1,"state":"within"}`, `{"state":"within"}`, `{"scale":5,"state":"calm"}`, `{"scale":5,"state":"within","note":"` + strings.Repeat("n", 501) + `"}`} {
			if m := errorFor(p, `{"type":"checkin.answer","id":"bad-`+strconv.Itoa(i)+`","data":`+data+`}`); m.Code != "invalid" {
				t.Errorf("answer %s: code %q, want invalid", data, m.Code)
			}
		}
	})

	t.Run("oversized frame closes the connection", func(t *testing.T) {
		big := `{"type":"checkin.answer","id":"big","data":{"note":"` + strings.Repeat("x", 20<<10) + `"}}`
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		p.ws.Write(ctx, websocket.MessageText, []byte(big))
		select {
		case <-p.closed:
		case <-ctx.Done():
			t.Fatal("the connection stayed open after a 20 KiB frame")
		}
		_, _, err := p.ws.Read(ctx)
		if got := websocket.CloseStatus(err); got != websocket.StatusMessageTooBig && got != -1 {
			t.Errorf("close status %v, want %v", got, websocket.StatusMessageTooBig)
		}
	})
}

func TestForeignOriginIsRefused(t *testing.T) {
	e := newEnv(t)
	fb := e.newFacilitator("ana@example.org", "Ana")
	g := fb.newGroup(1, true)
	fb.open(g)
	h := http.Header{"Origin": {"https://evil.example"}}
	if _, err := dial(t, e.wsURL("/ws/p/"+g.tokens[0]), h, "p"); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("participant socket from a foreign origin: %v, want 403", err)
	}
	h = fb.cookieHeader()
	h.Set("Origin", "https://evil.example")
	if _, err := dial(t, e.wsURL("/ws/sessions/"+g.session), h, "f"); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("facilitator socket from a foreign origin: %v, want 403", err)
	}
	// The page's own origin is fine.
	h = http.Header{"Origin": {e.url()}}
	if _, err := dial(t, e.wsURL("/ws/p/"+g.tokens[0]), h, "p"); err != nil {
		t.Errorf("same-origin socket: %v", err)
	}
}

func TestInviteLinks(t *testing.T) {
	e := newEnv(t)
	fb := e.newFacilitator("ana@example.org", "Ana")
	g := fb.newGroup(2, false)
	var ae apiError

	t.Run("unknown token", func(t *testing.T) {
		if got := e.browser().do("GET", "/api/p/not-a-real-token", nil, &ae); got != 401 || ae.Error.Code != "unauthorized" {
			t.Errorf("GET: %d %q, want 401 unauthorized", got, ae.Error.Code)
		}
		if _, err := dial(t, e.wsURL("/ws/p/not-a-real-token"), nil, "x"); err == nil || !strings.Contains(err.Error(), "401") {
			t.Errorf("socket: %v, want 401", err)
		}
	})

	t.Run("agreements first", func(t *testing.T) {
		pb := e.browser()
		var info struct {
			AgreementsAccepted bool
			Cohort             struct{ AgreementsVersion int }
		}
		pb.must(200, "GET", "/api/p/"+g.tokens[0], nil, &info)
		if info.AgreementsAccepted {
			t.Fatal("accepted before accepting")
		}
		if _, err := dial(t, e.wsURL("/ws/p/"+g.tokens[0]), nil, "p"); err == nil || !strings.Contains(err.Error(), "409") {
			t.Errorf("socket before accepting: %v, want 409", err)
		}
		if got := pb.do("POST", "/api/p/"+g.tokens[0]+"/accept", map[string]int{"version": info.Cohort.AgreementsVersion + 1}, &ae); got != 409 {
			t.Errorf("accepting a version that is not current: %d, want 409", got)
		}
		pb.must(200, "POST", "/api/p/"+g.tokens[0]+"/accept", map[string]int{"version": info.Cohort.AgreementsVersion}, &info)
		if !info.AgreementsAccepted {
			t.Error("not accepted after accepting")
		}
		// Changed agreements are asked again.
		fb.must(200, "PATCH", "/api/cohorts/"+g.cohort, map[string]string{"agreements": "New text."}, nil)
		pb.must(200, "GET", "/api/p/"+g.tokens[0], nil, &info)
		if info.AgreementsAccepted {
			t.Error("still accepted after the agreements changed")
		}
		pb.must(200, "POST", "/api/p/"+g.tokens[0]+"/accept", map[string]int{"version": info.Cohort.AgreementsVersion}, &info)
		var c struct {
			Participants []struct {
				ID                 string
				AgreementsAccepted bool
				AcceptedAt         *time.Time
			}
		}
		fb.must(200, "GET", "/api/cohorts/"+g.cohort, nil, &c)
		if !c.Participants[0].AgreementsAccepted || c.Participants[0].AcceptedAt == nil {
			t.Errorf("the facilitator sees %+v, want accepted with a time", c.Participants[0])
		}
	})

	t.Run("revoked while connected", func(t *testing.T) {
		fb.open(g)
		p := e.joinParticipant(t, g, 0)
		var np struct{ InviteURL string }
		fb.must(200, "POST", "/api/cohorts/"+g.cohort+"/participants/"+g.ids[0]+"/reissue", nil, &np)
		bye := p.next("bye", isType("bye"))
		if bye.Reason != "revoked" {
			t.Errorf("bye reason %q, want revoked", bye.Reason)
		}
		select {
		case <-p.closed:
		case <-time.After(5 * time.Second):
			t.Fatal("connection still open after revoking")
		}
		if got := e.browser().do("GET", "/api/p/"+g.tokens[0], nil, &ae); got != 401 {
			t.Errorf("old link after reissue: %d, want 401", got)
		}
		if _, err := dial(t, e.wsURL("/ws/p/"+g.tokens[0]), nil, "old"); err == nil || !strings.Contains(err.Error(), "401") {
			t.Errorf("old link's socket: %v, want 401", err)
		}
		g.tokens[0] = np.InviteURL[strings.LastIndex(np.InviteURL, "#")+1:]
		e.joinParticipant(t, g, 0) // the new link works at once
	})
}

func TestWaitingRoomTurnsIntoTheRoom(t *testing.T) {
	e := newEnv(t)
	fb := e.newFacilitator("ana@example.org", "Ana")
	g := fb.newGroup(1, true)
	p, err := dial(t, e.wsURL("/ws/p/"+g.tokens[0]), nil, "P0")
	if err != nil {
		t.Fatal(err)
	}
	w := p.next("waiting", func(m msg) bool { return m.Type == "waiting" || m.Type == "snapshot" })
	if w.Type != "waiting" {
		t.Fatalf("got %s before the room opened, want waiting", w.Type)
	}
	var info struct{ LiveSessionID string }
	e.browser().must(200, "GET", "/api/p/"+g.tokens[0], nil, &info)
	if info.LiveSessionID != "" {
		t.Errorf("live session %q before opening", info.LiveSessionID)
	}
	fb.open(g)
	s := p.next("snapshot", isType("snapshot"))
	if s.Room == nil || s.Room.Status != "open" {
		t.Fatalf("snapshot %s, want the open room", s.raw)
	}
	var you struct{ ID, Role string }
	json.Unmarshal(s.You, &you)
	if you.ID != g.ids[0] || you.Role != "participant" {
		t.Errorf("you = %+v, want participant %s", you, g.ids[0])
	}
}

func TestPresence(t *testing.T) {
	e := newEnv(t)
	e.grace = 300 * time.Millisecond
	e.restart()
	fb := e.newFacilitator("ana@example.org", "Ana")
	g := fb.newGroup(2, true)
	fb.open(g)
	fac := e.joinFacilitator(t, fb, g)
	presenceOf := func(id, want string) {
		t.Helper()
		fac.next(id+" "+want, func(m msg) bool { return m.Member != nil && m.Member.ID == id && m.Member.Presence == want })
	}

	p := e.joinParticipant(t, g, 0)
	presenceOf(g.ids[0], "present")
	p.close()
	presenceOf(g.ids[0], "reconnecting")
	presenceOf(g.ids[0], "left")

	t.Run("a dead connection is found by ping", func(t *testing.T) {
		// A client that never reads never answers pings: to the server it is
		// a phone that lost its network without a goodbye.
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		ws, _, err := websocket.Dial(ctx, e.wsURL("/ws/p/"+g.tokens[1]), nil)
		if err != nil {
			t.Fatal(err)
		}
		defer ws.CloseNow()
		presenceOf(g.ids[1], "present")
		presenceOf(g.ids[1], "reconnecting")
	})
}

func TestClosingTheSessionSaysGoodbye(t *testing.T) {
	e := newEnv(t)
	fb := e.newFacilitator("ana@example.org", "Ana")
	g := fb.newGroup(1, true)
	fb.open(g)
	p := e.joinParticipant(t, g, 0)
	fac := e.joinFacilitator(t, fb, g)
	fac.act("room.close", struct{}{})
	if m := p.next("bye", isType("bye")); m.Reason != "closed" {
		t.Errorf("bye %q, want closed", m.Reason)
	}
	select {
	case <-p.closed:
	case <-time.After(5 * time.Second):
		t.Fatal("still connected after the session closed")
	}
	_, err := dial(t, e.wsURL("/ws/sessions/"+g.session), fb.cookieHeader(), "f")
	if err == nil || !strings.Contains(err.Error(), "409") {
		t.Errorf("socket to a closed session: %v, want 409", err)
	}
	var ae apiError
	if got := fb.do("POST", "/api/sessions/"+g.session+"/open", nil, &ae); got != 409 {
		t.Errorf("reopening a closed session: %d, want 409", got)
	}
}

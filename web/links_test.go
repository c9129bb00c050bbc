package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"hearth/web"
)

// linkView is a participant as the console sees them, with their link.
type linkView struct {
	ID              string     `json:"id"`
	InviteURL       string     `json:"inviteUrl"`
	InviteExpiresAt *time.Time `json:"inviteExpiresAt"`
	InviteExpired   bool       `json:"inviteExpired"`
}

type linksCohort struct {
	InviteDays   int        `json:"inviteDays"`
	Participants []linkView `json:"participants"`
}

// refusedAs wants the request with the token refused with 401, saying want.
func refusedAs(tb testing.TB, b *browser, token, path, want string) {
	tb.Helper()
	var ae apiError
	if got := b.doAs(token, "GET", path, nil, &ae); got != 401 || ae.Error.Code != "unauthorized" || ae.Error.Message != want {
		tb.Errorf("GET %s: %d %+v, want 401 unauthorized %q", path, got, ae.Error, want)
	}
}

// socketRefused wants the participant's socket refused with status.
func socketRefused(tb testing.TB, e *env, token string, status int) {
	tb.Helper()
	if _, err := dialInvite(tb, e, token, "refused"); err == nil || !strings.Contains(err.Error(), "status "+strconv.Itoa(status)) {
		tb.Errorf("dial /ws/p: %v, want status %d", err, status)
	}
}

// TestInviteLinksExpire: a link works for the cohort's inviteDays (90 by
// default) after it was issued, a reissued one counts again, the console
// sees when each ends, and an archived cohort's links stop, each with words
// the participant's page shows.
func TestInviteLinksExpire(t *testing.T) {
	const (
		expired = "This link has expired. Please ask your facilitator for a new link."
		ended   = "This group has ended. Please ask your facilitator for a new link."
	)
	// In the future, so the cookie jar keeps the login's cookie; logins
	// that outlast the months this test moves through.
	start := time.Now().UTC().AddDate(1, 0, 0).Truncate(time.Second)
	clk := &fixtureClock{t: start}
	e := newEnvWith(t, envOptions{now: clk.now, loginTTL: 10 * 365 * 24 * time.Hour, loginIdle: 10 * 365 * 24 * time.Hour})
	ana := e.newFacilitator("ana@example.org", "Ana")
	g := ana.newGroup(2, true)
	pb := e.browser()
	cohort := func() linksCohort {
		t.Helper()
		var c linksCohort
		ana.must(200, "GET", "/api/cohorts/"+g.cohort, nil, &c)
		return c
	}

	c := cohort()
	if c.InviteDays != 90 {
		t.Errorf("a new cohort's inviteDays: got %d, want 90", c.InviteDays)
	}
	for _, p := range c.Participants {
		if want := start.AddDate(0, 0, 90); p.InviteExpiresAt == nil || !p.InviteExpiresAt.Equal(want) || p.InviteExpired {
			t.Errorf("%s: inviteExpiresAt %v, expired %v; want %v, false", p.ID, p.InviteExpiresAt, p.InviteExpired, want)
		}
	}

	clk.set(start.AddDate(0, 0, 90).Add(-time.Second))
	pb.mustAs(g.tokens[0], 200, "GET", "/api/p", nil, nil)

	clk.set(start.AddDate(0, 0, 90))
	t.Run("an expired link is refused, on the API and the socket", func(t *testing.T) {
		refusedAs(t, pb, g.tokens[0], "/api/p", expired)
		refusedAs(t, pb, g.tokens[0], "/api/p/history", expired)
		socketRefused(t, e, g.tokens[0], 401)
		if p := cohort().Participants[0]; !p.InviteExpired {
			t.Errorf("the console's view of an expired link: %+v, want inviteExpired", p)
		}
	})

	t.Run("reissuing renews the link", func(t *testing.T) {
		var p linkView
		ana.must(200, "POST", "/api/cohorts/"+g.cohort+"/participants/"+g.ids[0]+"/reissue", nil, &p)
		if want := start.AddDate(0, 0, 180); p.InviteExpiresAt == nil || !p.InviteExpiresAt.Equal(want) || p.InviteExpired {
			t.Errorf("reissued: inviteExpiresAt %v, expired %v; want %v, false", p.InviteExpiresAt, p.InviteExpired, want)
		}
		g.tokens[0] = p.InviteURL[strings.LastIndex(p.InviteURL, "#")+1:]
		pb.mustAs(g.tokens[0], 200, "GET", "/api/p", nil, nil)
	})

	t.Run("links that never expire", func(t *testing.T) {
		var got linksCohort
		ana.must(200, "PATCH", "/api/cohorts/"+g.cohort, map[string]int{"inviteDays": 0}, &got)
		if got.InviteDays != 0 || got.Participants[1].InviteExpiresAt != nil || got.Participants[1].InviteExpired {
			t.Errorf("with inviteDays 0: %+v, want 0 and no expiry", got)
		}
		pb.mustAs(g.tokens[1], 200, "GET", "/api/p", nil, nil)
		var ae apiError
		if code := ana.do("PATCH", "/api/cohorts/"+g.cohort, map[string]int{"inviteDays": -1}, &ae); code != 400 || ae.Error.Code != "invalid" {
			t.Errorf("inviteDays -1: %d %+v, want 400 invalid", code, ae.Error)
		}
	})

	t.Run("an archived cohort's links stop", func(t *testing.T) {
		var got linksCohort
		ana.must(200, "PATCH", "/api/cohorts/"+g.cohort, map[string]bool{"archived": true}, &got)
		for _, p := range got.Participants {
			if !p.InviteExpired {
				t.Errorf("%s in an archived cohort: inviteExpired false, want true", p.ID)
			}
		}
		for _, tok := range g.tokens {
			refusedAs(t, pb, tok, "/api/p", ended)
			socketRefused(t, e, tok, 401)
		}
		var ae apiError
		if code := pb.doAs(g.tokens[0], "POST", "/api/p/accept", map[string]int{"version": 1}, &ae); code != 401 || ae.Error.Message != ended {
			t.Errorf("accept in an archived cohort: %d %+v, want 401 %q", code, ae.Error, ended)
		}
	})
}

// TestInviteTokenStaysOutOfURLs: links are /j#TOKEN, and the page's API
// calls and socket carry the token in a header, never in a URL; the
// server's answers never repeat it.
func TestInviteTokenStaysOutOfURLs(t *testing.T) {
	e := newEnv(t)
	ana := e.newFacilitator("ana@example.org", "Ana")
	g := ana.newGroup(1, true)
	token := g.tokens[0]
	pb := e.browser()

	var c linksCohort
	ana.must(200, "GET", "/api/cohorts/"+g.cohort, nil, &c)
	if got, want := c.Participants[0].InviteURL, e.url()+"/j#"+token; got != want {
		t.Errorf("inviteUrl: got %q, want %q", got, want)
	}

	for _, path := range []string{"/j", "/j/" + token} {
		resp, err := http.Get(e.url() + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), "join.js") || strings.Contains(string(body), token) {
			t.Errorf("GET %s: %d, want the participant's page (which holds no token)", path, resp.StatusCode)
		}
	}

	t.Run("the API takes the token in the Authorization header", func(t *testing.T) {
		var me struct {
			Participant struct{ ID string } `json:"participant"`
		}
		pb.mustAs(token, 200, "GET", "/api/p", nil, &me)
		if me.Participant.ID != g.ids[0] {
			t.Errorf("GET /api/p: participant %q, want %q", me.Participant.ID, g.ids[0])
		}
		pb.mustAs(token, 200, "GET", "/api/p/history", nil, nil)
		refusedAs(t, pb, "", "/api/p", "This link is no longer valid. Please ask your facilitator for a new one.")
		refusedAs(t, pb, "not-a-real-token", "/api/p", "This link is no longer valid. Please ask your facilitator for a new one.")

		req, _ := http.NewRequest("GET", e.url()+"/api/p/next.ics", nil)
		req.Header.Set("Authorization", "Invite "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.Contains(string(body), "BEGIN:VCALENDAR") {
			t.Errorf("GET /api/p/next.ics: %d %q, want the calendar", resp.StatusCode, body)
		}
	})

	t.Run("the socket takes the token as a subprotocol and answers with hearth alone", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		ws, resp, err := websocket.Dial(ctx, e.wsURL("/ws/p"), &websocket.DialOptions{Subprotocols: []string{"hearth", "hearth.invite." + token}})
		if err != nil {
			t.Fatalf("dial /ws/p: %v", err)
		}
		defer ws.CloseNow()
		if got := resp.Header.Values("Sec-WebSocket-Protocol"); len(got) != 1 || got[0] != "hearth" || ws.Subprotocol() != "hearth" {
			t.Errorf("Sec-WebSocket-Protocol answered: %q, want [hearth]", got)
		}
		_, data, err := ws.Read(ctx)
		if err != nil || !strings.Contains(string(data), `"type":"waiting"`) {
			t.Errorf("first message: %s %v, want waiting (the room is not open)", data, err)
		}
		socketRefused(t, e, "", 401)
		socketRefused(t, e, "not-a-real-token", 401)
	})
}

// TestInviteLinksIgnoreTheHostHeader: without a public URL, links point at
// the address the server took the request on, whatever Host the request
// names: a forged one must not make links that send people elsewhere.
func TestInviteLinksIgnoreTheHostHeader(t *testing.T) {
	e := newEnv(t)
	ana := e.newFacilitator("ana@example.org", "Ana")
	g := ana.newGroup(1, false)
	get := func(path string, out any) {
		t.Helper()
		req, _ := http.NewRequest("GET", e.url()+path, nil)
		req.Host = "evil.example:8080"
		for _, c := range ana.cookieHeader()["Cookie"] {
			req.Header.Add("Cookie", c)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil || resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %v", path, resp.StatusCode, err)
		}
	}
	var c linksCohort
	get("/api/cohorts/"+g.cohort, &c)
	if got := c.Participants[0].InviteURL; !strings.HasPrefix(got, e.url()+"/j#") {
		t.Errorf("inviteUrl asked with Host evil.example: got %q, want it on %s", got, e.url())
	}
	var me struct {
		PublicURL string `json:"publicUrl"`
		Loopback  bool   `json:"loopback"`
	}
	get("/api/me", &me)
	if me.PublicURL != e.url() || !me.Loopback {
		t.Errorf("me asked with Host evil.example: %+v, want %s and the loopback warning", me, e.url())
	}
}

// TestHTTPSHardening: with an https public URL every answer carries HSTS
// and the login cookie is __Host-hearth_session (Secure, Path=/, no
// Domain); without one, neither, and the cookie keeps its plain name so
// local use over HTTP works.
func TestHTTPSHardening(t *testing.T) {
	login := func(t *testing.T, e *env) *http.Cookie {
		t.Helper()
		e.newFacilitator("ana@example.org", "Ana")
		req, _ := http.NewRequest("POST", e.url()+"/api/login", strings.NewReader(`{"email":"ana@example.org","password":"a long passphrase"}`))
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || len(resp.Cookies()) != 1 {
			t.Fatalf("login: %d, cookies %v, want 200 and one", resp.StatusCode, resp.Header.Values("Set-Cookie"))
		}
		return resp.Cookies()[0]
	}
	me := func(t *testing.T, e *env, name, value string) int {
		t.Helper()
		req, _ := http.NewRequest("GET", e.url()+"/api/me", nil)
		req.AddCookie(&http.Cookie{Name: name, Value: value})
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	hsts := func(t *testing.T, e *env, path string) string {
		t.Helper()
		resp, err := http.Get(e.url() + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.Header.Get("Strict-Transport-Security")
	}

	t.Run("https", func(t *testing.T) {
		e, _ := newTunedEnv(t, 0, func(w *web.Server) {
			w.PublicURL, w.SecureCookies = "https://hearth.example.org", true
		})
		for _, path := range []string{"/healthz", "/j", "/api/nothing-here", "/static/join.js"} {
			if got := hsts(t, e, path); got != "max-age=31536000" {
				t.Errorf("GET %s: Strict-Transport-Security %q, want max-age=31536000", path, got)
			}
		}
		c := login(t, e)
		if c.Name != "__Host-hearth_session" || !c.Secure || !c.HttpOnly || c.Path != "/" || c.Domain != "" {
			t.Errorf("login cookie: %+v, want __Host-hearth_session, Secure, HttpOnly, Path=/, no Domain", c)
		}
		if got := me(t, e, c.Name, c.Value); got != 200 {
			t.Errorf("GET /api/me with the __Host- cookie: %d, want 200", got)
		}
		if got := me(t, e, "hearth_session", c.Value); got != 401 {
			t.Errorf("GET /api/me with the plain name over https: %d, want 401", got)
		}
	})

	t.Run("plain http", func(t *testing.T) {
		e := newEnv(t)
		if got := hsts(t, e, "/healthz"); got != "" {
			t.Errorf("Strict-Transport-Security without https: %q, want none", got)
		}
		c := login(t, e)
		if c.Name != "hearth_session" || c.Secure || !c.HttpOnly || c.Path != "/" {
			t.Errorf("login cookie over http: %+v, want hearth_session, not Secure, HttpOnly, Path=/", c)
		}
		if got := me(t, e, c.Name, c.Value); got != 200 {
			t.Errorf("GET /api/me with the cookie: %d, want 200", got)
		}
	})
}

package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/rs/zerolog"

	"hearth/facilitator"
	"hearth/facilitator/session"
	"hearth/room"
	"hearth/storage"
	"hearth/web"
)

// env is a real Hearth server on an httptest server: real bbolt in a temp
// folder, real rooms, real WebSockets. restart closes it all and opens the
// same database again, as a server restart would.
type env struct {
	tb     testing.TB
	dbPath string
	key    []byte
	setup  string

	mu       sync.Mutex
	db       *storage.DB
	rooms    *room.Manager
	web      *web.Server
	srv      *httptest.Server
	grace    time.Duration
	now      func() time.Time // nil: time.Now
	loginTTL time.Duration    // 0: the back office's default
	// loginIdle is how long a login lasts unused; the default when 0.
	loginIdle time.Duration

	trustedProxies []netip.Prefix
	httpTimeouts   web.HTTPTimeouts
	maxConns       int
	quotas         facilitator.Quotas
}

const testSetupToken = "test-setup-token"

// testMetricsToken opens /metrics on the test servers.
const testMetricsToken = "test-metrics-token"

// getMetrics reads /metrics from the test server at base, with the token.
func getMetrics(tb testing.TB, base string) *http.Response {
	tb.Helper()
	req, err := http.NewRequest("GET", base+"/metrics", nil)
	if err != nil {
		tb.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+testMetricsToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET /metrics: %s", resp.Status)
	}
	return resp
}

func newEnv(tb testing.TB) *env {
	tb.Helper()
	return newEnvWith(tb, envOptions{})
}

// envOptions are what a test may choose of its server; zero fields keep the
// defaults of newEnv.
type envOptions struct {
	// dbPath is the database to serve, as a server would find it on start
	// (rooms that were open are restored); a new one when "".
	dbPath string
	// inviteKey derives invite tokens; the harness's fixed key when nil.
	inviteKey []byte
	// now is the clock of the rooms and the back office; time.Now when nil.
	now func() time.Time
	// grace is how long a dropped member shows as reconnecting; 30s when 0.
	grace time.Duration
	// loginTTL is how long a login lasts; the back office's default when 0.
	loginTTL time.Duration
	// loginIdle is how long a login lasts unused; the default when 0.
	loginIdle time.Duration
	// trustedProxies are the server's web.Server.TrustedProxies.
	trustedProxies []netip.Prefix
	// httpTimeouts override web.DefaultHTTPTimeouts, field by field.
	httpTimeouts web.HTTPTimeouts
	// maxConns caps the connections open at once (web.LimitListener);
	// none when 0.
	maxConns int
	// quotas override facilitator.DefaultQuotas, field by field.
	quotas facilitator.Quotas
}

func newEnvWith(tb testing.TB, o envOptions) *env {
	tb.Helper()
	e := &env{
		tb:        tb,
		dbPath:    o.dbPath,
		key:       o.inviteKey,
		setup:     testSetupToken,
		grace:     o.grace,
		now:       o.now,
		loginTTL:  o.loginTTL,
		loginIdle: o.loginIdle,

		trustedProxies: o.trustedProxies,
		httpTimeouts:   o.httpTimeouts,
		maxConns:       o.maxConns,
		quotas:         o.quotas,
	}
	if e.dbPath == "" {
		e.dbPath = filepath.Join(tb.TempDir(), "hearth.db")
	}
	if e.key == nil {
		e.key = bytes.Repeat([]byte{7}, 32)
	}
	if e.grace == 0 {
		e.grace = 30 * time.Second
	}
	e.start()
	tb.Cleanup(e.stop)
	return e
}

func (e *env) start() {
	e.tb.Helper()
	db, err := storage.Open(e.dbPath, time.Second)
	if err != nil {
		e.tb.Fatalf("open db: %v", err)
	}
	fac := &facilitator.Service{Store: db, InviteKey: e.key, Now: e.now, LoginTTL: e.loginTTL, LoginIdle: e.loginIdle, Quotas: e.quotas}
	rooms := room.NewManager(room.Config{
		Store: db,
		Now:   e.now,
		Grace: e.grace,
	})
	if _, err := rooms.Restore(context.Background()); err != nil {
		e.tb.Fatalf("restore: %v", err)
	}
	w := web.New(web.Config{
		Facilitators: fac,
		Sessions:     session.New(fac, rooms),
		Rooms:        rooms,
		Log:          zerolog.New(zerolog.NewTestWriter(e.tb)).Level(zerolog.WarnLevel),
		SetupToken:   e.setup,
		MetricsToken: testMetricsToken,
		Now:          e.now,
	})
	w.TrustedProxies = e.trustedProxies
	w.SetReady(true)
	w.PingInterval = time.Second
	w.PingTimeout = time.Second
	srv := httptest.NewUnstartedServer(w)
	srv.Config = web.NewHTTPServer(w, e.httpTimeouts)
	if e.maxConns > 0 {
		srv.Listener = web.LimitListener(srv.Listener, e.maxConns)
	}
	srv.Start()
	e.mu.Lock()
	e.db, e.rooms, e.web, e.srv = db, rooms, w, srv
	e.mu.Unlock()
}

func (e *env) stop() {
	e.mu.Lock()
	db, rooms, srv := e.db, e.rooms, e.srv
	e.db = nil
	e.mu.Unlock()
	if db == nil {
		return
	}
	rooms.Stop()
	srv.CloseClientConnections()
	srv.Close()
	db.Close()
}

// restart stops the server and starts a new one on the same database.
func (e *env) restart() {
	e.tb.Helper()
	e.stop()
	e.start()
}

func (e *env) url() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.srv.URL
}

// wsURL turns the server's URL and a path into a ws:// URL.
func (e *env) wsURL(path string) string {
	return "ws" + strings.TrimPrefix(e.url(), "http") + path
}

// browser is an HTTP client with its own cookie jar, like one browser.
type browser struct {
	tb  testing.TB
	e   *env
	jar http.CookieJar
	hc  *http.Client
}

func (e *env) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{tb: e.tb, e: e, jar: jar, hc: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
}

// do sends a JSON request and decodes the JSON answer into out (if not nil).
// It returns the status.
func (b *browser) do(method, path string, in, out any) int {
	b.tb.Helper()
	return b.doAs("", method, path, in, out)
}

// doAs is do as the holder of an invite token, which it sends as the
// participant's page does ("Authorization: Invite TOKEN"); "" sends none.
func (b *browser) doAs(token, method, path string, in, out any) int {
	b.tb.Helper()
	var body io.Reader
	switch v := in.(type) {
	case nil:
	case string:
		body = strings.NewReader(v)
	default:
		data, _ := json.Marshal(v)
		body = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, b.e.url()+path, body)
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Invite "+token)
	}
	// The cookie jar is keyed by host; a restarted server has a new port.
	resp, err := b.hc.Do(req)
	if err != nil {
		b.tb.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if out != nil && len(data) > 0 {
		if err := json.Unmarshal(data, out); err != nil {
			b.tb.Fatalf("%s %s: decode %q: %v", method, path, data, err)
		}
	}
	return resp.StatusCode
}

// must is do that fails the test unless the status is want.
func (b *browser) must(want int, method, path string, in, out any) {
	b.tb.Helper()
	b.mustAs("", want, method, path, in, out)
}

// mustAs is must as the holder of an invite token (doAs).
func (b *browser) mustAs(token string, want int, method, path string, in, out any) {
	b.tb.Helper()
	var raw json.RawMessage
	if got := b.doAs(token, method, path, in, &raw); got != want {
		b.tb.Fatalf("%s %s: status %d, want %d: %s", method, path, got, want, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			b.tb.Fatalf("%s %s: decode: %v", method, path, err)
		}
	}
}

// cookieHeader returns the browser's cookies for the current server.
func (b *browser) cookieHeader() http.Header {
	req, _ := http.NewRequest("GET", b.e.url(), nil)
	h := http.Header{}
	for _, c := range b.jar.Cookies(req.URL) {
		h.Add("Cookie", c.Name+"="+c.Value)
	}
	return h
}

// facilitatorLogin makes (first time through setup) and logs in a facilitator.
func (e *env) newFacilitator(email, name string) *browser {
	e.tb.Helper()
	b := e.browser()
	var setup struct{ Needed bool }
	b.must(200, "GET", "/api/setup", nil, &setup)
	if setup.Needed {
		b.must(201, "POST", "/api/setup", map[string]string{
			"token": e.setup, "email": email, "name": name, "password": "a long passphrase",
		}, nil)
		return b
	}
	e.mu.Lock()
	db := e.db
	e.mu.Unlock()
	fac := &facilitator.Service{Store: db, InviteKey: e.key, Now: e.now}
	if _, err := fac.CreateAccount(context.Background(), email, name, "a long passphrase"); err != nil {
		e.tb.Fatalf("create account: %v", err)
	}
	b.login(email)
	return b
}

func (b *browser) login(email string) {
	b.tb.Helper()
	b.must(200, "POST", "/api/login", map[string]string{"email": email, "password": "a long passphrase"}, nil)
}

type cohortJSON struct {
	ID                string `json:"id"`
	AgreementsVersion int    `json:"agreementsVersion"`
	Participants      []struct {
		ID        string `json:"id"`
		Name      string `json:"name"`
		InviteURL string `json:"inviteUrl"`
	} `json:"participants"`
}

type sessionJSON struct {
	ID     string `json:"id"`
	Status string `json:"status"`
}

// group is a cohort with participants and a planned session, ready to open.
type group struct {
	cohort  string
	session string
	names   []string
	tokens  []string // invite tokens, by participant index
	ids     []string // participant IDs
}

func (b *browser) newGroup(n int, accept bool) group {
	b.tb.Helper()
	var c cohortJSON
	b.must(201, "POST", "/api/cohorts", map[string]string{
		"name": "Tuesday circle", "agreements": "What is shared here stays here.",
	}, &c)
	g := group{cohort: c.ID}
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("P%d", i)
		var p struct {
			ID        string `json:"id"`
			InviteURL string `json:"inviteUrl"`
		}
		b.must(201, "POST", "/api/cohorts/"+c.ID+"/participants", map[string]string{"name": name}, &p)
		token := p.InviteURL[strings.LastIndex(p.InviteURL, "#")+1:]
		g.names = append(g.names, name)
		g.tokens = append(g.tokens, token)
		g.ids = append(g.ids, p.ID)
		if accept {
			b.mustAs(token, 200, "POST", "/api/p/accept", map[string]int{"version": c.AgreementsVersion}, nil)
		}
	}
	var s sessionJSON
	b.must(201, "POST", "/api/cohorts/"+c.ID+"/sessions", map[string]string{
		"title": "Week 1", "startsAt": "2026-12-01T18:00:00Z",
	}, &s)
	g.session = s.ID
	return g
}

func (b *browser) open(g group) {
	b.tb.Helper()
	b.must(200, "POST", "/api/sessions/"+g.session+"/open", nil, nil)
}

// msg is one server message, kept raw as well as decoded.
type msg struct {
	Type      string          `json:"type"`
	ID        string          `json:"id"`
	Version   uint64          `json:"version"`
	Code      string          `json:"code"`
	Message   string          `json:"message"`
	Reason    string          `json:"reason"`
	Duplicate bool            `json:"duplicate"`
	You       json.RawMessage `json:"you"`
	Room      *roomView       `json:"room"`
	Member    *memberView     `json:"member"`
	Activity  json.RawMessage `json:"activity"`
	Mine      json.RawMessage `json:"mine"`
	Status    string          `json:"status"`
	raw       []byte
}

type memberView struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	Role     string `json:"role"`
	Presence string `json:"presence"`
}

type roomView struct {
	Status   string          `json:"status"`
	Members  []memberView    `json:"members"`
	Activity json.RawMessage `json:"activity"`
	Mine     json.RawMessage `json:"mine"`
}

type answerView struct {
	MemberID string `json:"memberId"`
	Scale    int    `json:"scale"`
	State    string `json:"state"`
	Note     string `json:"note"`
}

type activityView struct {
	ID            string       `json:"id"`
	Kind          string       `json:"kind"`
	Visibility    string       `json:"visibility"`
	Open          bool         `json:"open"`
	AnsweredCount int          `json:"answeredCount"`
	Expected      int          `json:"expected"`
	Answered      []string     `json:"answered"`
	Answers       []answerView `json:"answers"`
	Aggregate     *struct {
		Count  int            `json:"count"`
		States map[string]int `json:"states"`
	} `json:"aggregate"`
}

// client is one member's WebSocket, with everything it ever received kept
// in seen, so a test can prove what never reached it.
type client struct {
	tb     testing.TB
	name   string
	ws     *websocket.Conn
	in     chan msg
	closed chan struct{}
	end    error // why the connection ended, once closed is

	mu      sync.Mutex
	seen    [][]byte
	version uint64
}

var actionCounter atomic.Int64

func dial(tb testing.TB, url string, h http.Header, name string) (*client, error) {
	return dialWith(tb, url, &websocket.DialOptions{HTTPHeader: h}, name)
}

// dialInvite dials a participant's socket as their page does: the token
// among the offered subprotocols, not in the URL.
func dialInvite(tb testing.TB, e *env, token, name string) (*client, error) {
	return dialWith(tb, e.wsURL("/ws/p"), &websocket.DialOptions{Subprotocols: []string{"hearth", "hearth.invite." + token}}, name)
}

func dialWith(tb testing.TB, url string, opts *websocket.DialOptions, name string) (*client, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ws, resp, err := websocket.Dial(ctx, url, opts)
	if err != nil {
		if resp != nil {
			return nil, fmt.Errorf("dial %s: status %d: %w", name, resp.StatusCode, err)
		}
		return nil, err
	}
	ws.SetReadLimit(1 << 20)
	c := &client{tb: tb, name: name, ws: ws, in: make(chan msg, 1024), closed: make(chan struct{})}
	go c.read()
	tb.Cleanup(func() { ws.CloseNow() })
	return c, nil
}

func (c *client) read() {
	defer close(c.closed)
	for {
		_, data, err := c.ws.Read(context.Background())
		if err != nil {
			c.end = err // read once closed is closed
			return
		}
		var m msg
		if err := json.Unmarshal(data, &m); err != nil {
			c.tb.Errorf("%s: undecodable message %q", c.name, data)
			return
		}
		m.raw = data
		c.mu.Lock()
		c.seen = append(c.seen, data)
		c.mu.Unlock()
		c.in <- m
	}
}

// next returns the next message that satisfies ok, failing after a deadline.
// It checks that versions arrive without gaps.
func (c *client) next(what string, ok func(m msg) bool) msg {
	c.tb.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case m := <-c.in:
			c.track(m)
			if ok(m) {
				return m
			}
		case <-deadline:
			c.tb.Fatalf("%s: no %s within 10s", c.name, what)
			return msg{}
		}
	}
}

func (c *client) track(m msg) {
	c.tb.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	switch m.Type {
	case "snapshot":
		c.version = m.Version
	case "event":
		if c.version != 0 && m.Version != c.version+1 {
			c.tb.Errorf("%s: version %d after %d: a gap", c.name, m.Version, c.version)
		}
		c.version = m.Version
	}
}

func isType(t string) func(m msg) bool { return func(m msg) bool { return m.Type == t } }

// send sends an action and returns its ID.
func (c *client) send(typ string, data any) string {
	c.tb.Helper()
	// IDs are unique across reconnects, as a real client's are.
	id := fmt.Sprintf("%s-%d", c.name, actionCounter.Add(1))
	c.sendID(id, typ, data)
	return id
}

func (c *client) sendID(id, typ string, data any) {
	c.tb.Helper()
	c.sendRaw(mustJSON(c.tb, map[string]any{"type": typ, "id": id, "data": data}))
}

func (c *client) sendRaw(b []byte) {
	c.tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.ws.Write(ctx, websocket.MessageText, b); err != nil {
		c.tb.Fatalf("%s: write: %v", c.name, err)
	}
}

// act sends an action and waits for its ack; it fails on an error reply.
func (c *client) act(typ string, data any) msg {
	c.tb.Helper()
	id := c.send(typ, data)
	return c.reply(id, "ack")
}

// reply waits for the ack or error of action id and checks it is of kind.
func (c *client) reply(id, kind string) msg {
	c.tb.Helper()
	m := c.next("reply to "+id, func(m msg) bool { return (m.Type == "ack" || m.Type == "error") && m.ID == id })
	if m.Type != kind {
		c.tb.Fatalf("%s: reply to %s is %s (%s: %s), want %s", c.name, id, m.Type, m.Code, m.Message, kind)
	}
	return m
}

// received reports whether any message the client ever got contains s.
func (c *client) received(s string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, b := range c.seen {
		if bytes.Contains(b, []byte(s)) {
			return true
		}
	}
	return false
}

func (c *client) close() {
	c.ws.Close(websocket.StatusNormalClosure, "bye")
}

func mustJSON(tb testing.TB, v any) []byte {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

func decodeActivity(tb testing.TB, raw json.RawMessage) *activityView {
	tb.Helper()
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var a activityView
	if err := json.Unmarshal(raw, &a); err != nil {
		tb.Fatalf("decode activity %s: %v", raw, err)
	}
	return &a
}

// joinParticipant dials a participant's socket and waits for the snapshot.
func (e *env) joinParticipant(tb testing.TB, g group, i int) *client {
	tb.Helper()
	c, err := dialInvite(tb, e, g.tokens[i], g.names[i])
	if err != nil {
		tb.Fatalf("join %s: %v", g.names[i], err)
	}
	c.next("snapshot", isType("snapshot"))
	return c
}

func (e *env) joinFacilitator(tb testing.TB, b *browser, g group) *client {
	tb.Helper()
	c, err := dial(tb, e.wsURL("/ws/sessions/"+g.session), b.cookieHeader(), "facilitator")
	if err != nil {
		tb.Fatalf("join facilitator: %v", err)
	}
	c.next("snapshot", isType("snapshot"))
	return c
}

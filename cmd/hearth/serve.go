package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rs/zerolog"

	"hearth/facilitator"
	"hearth/facilitator/session"
	"hearth/room"
	"hearth/storage"
	"hearth/web"
)

// Main is one running Hearth server. Tests start it on port 127.0.0.1:0 with
// a data folder in t.TempDir().
type Main struct {
	Addr      string
	DataDir   string
	PublicURL string
	Log       zerolog.Logger
	// Grace overrides how long a dropped member shows as reconnecting.
	Grace time.Duration
	// CrisisFile, when set, holds the operator's crisis resources, shown to
	// every participant; read once by Open, which fails without it. Unset,
	// participants see web.DefaultCrisisText.
	CrisisFile string
	// LoginIdle is how long a facilitator's login lasts unused
	// (facilitator.DefaultLoginIdle when 0).
	LoginIdle time.Duration
	// MetricsAddr, when set, is the address (HOST:PORT) /metrics is served
	// on, and the public listener has none. MetricsToken, when set, is the
	// bearer token /metrics asks for: on MetricsAddr, or, without it, on the
	// public listener. With neither, /metrics is not served at all.
	MetricsAddr  string
	MetricsToken string
	// TrustedProxies are the reverse proxies whose X-Forwarded-For names
	// the client (web.Server.TrustedProxies).
	TrustedProxies []netip.Prefix
	// MaxConnections caps the connections open at once;
	// web.DefaultMaxConnections when 0.
	MaxConnections int
	// HTTPTimeouts override web.DefaultHTTPTimeouts, field by field.
	HTTPTimeouts web.HTTPTimeouts
	// RetentionEvery is how often the server deletes the cohorts whose
	// retention has run out (DefaultRetentionEvery when 0); Now is the
	// clock it reads (time.Now when nil). Tests set both.
	RetentionEvery time.Duration
	Now            func() time.Time
	// Quotas override facilitator.DefaultQuotas, field by field.
	Quotas facilitator.Quotas

	// Set by Open.
	URL        string // e.g. http://127.0.0.1:8080
	MetricsURL string // e.g. http://127.0.0.1:9090/metrics; "" without MetricsAddr
	SetupToken string // "" when accounts exist
	DB         *storage.DB
	Rooms      *room.Manager
	Sessions   *session.Service
	Web        *web.Server

	listener net.Listener
	operator net.Listener // the Unix socket for "hearth backup"
	metrics  *http.Server // on MetricsAddr, or nil
	http     *http.Server
	served   chan error
	// retention is closed to stop the retention sweep; retained when it
	// has stopped.
	retention, retained chan struct{}
}

// DefaultRetentionEvery is how often the server looks for cohorts whose
// retention has run out: a cohort is deleted within an hour of its date.
const DefaultRetentionEvery = time.Hour

// sweepRetention deletes, at once and then every RetentionEvery, the
// cohorts whose retention has run out, until m.retention is closed.
func (m *Main) sweepRetention() {
	defer close(m.retained)
	every := m.RetentionEvery
	if every <= 0 {
		every = DefaultRetentionEvery
	}
	now := m.Now
	if now == nil {
		now = time.Now
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		deleted, err := m.Sessions.ApplyRetention(context.Background(), now())
		for _, id := range deleted {
			m.Log.Info().Str("cohort", id).Msg("cohort deleted: its retention ran out")
		}
		if err != nil {
			m.Log.Error().Err(err).Msg("retention sweep")
		}
		select {
		case <-m.retention:
			return
		case <-tick.C:
		}
	}
}

func serveCommand(ctx context.Context, args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", envOr("HEARTH_ADDR", "127.0.0.1:8080"), "listen address (HOST:PORT; port 0 picks a free one) [$HEARTH_ADDR]")
	data := fs.String("data", envOr("HEARTH_DATA", "hearth-data"), "data folder: the database and the invite key [$HEARTH_DATA]")
	public := fs.String("public-url", envOr("HEARTH_PUBLIC_URL", ""), "address participants use, e.g. https://hearth.example.org (default: the address each request came in on, never its Host header) [$HEARTH_PUBLIC_URL]")
	level := fs.String("log-level", envOr("HEARTH_LOG_LEVEL", "info"), "debug, info, warn or error [$HEARTH_LOG_LEVEL]")
	crisis := fs.String("crisis-file", envOr("HEARTH_CRISIS_FILE", ""), "a text file of crisis resources (local emergency number, support lines) every participant can reach (default: a short note to call the local emergency number) [$HEARTH_CRISIS_FILE]")
	loginIdleText := fs.String("login-idle", envOr("HEARTH_LOGIN_IDLE", facilitator.DefaultLoginIdle.String()), "a facilitator's login ends after this long unused, never while their console is in a live room; logins end after 14 days in any case [$HEARTH_LOGIN_IDLE]")
	metricsAddr := fs.String("metrics-addr", envOr("HEARTH_METRICS_ADDR", ""), "serve /metrics on this address of its own (e.g. 127.0.0.1:9090), never on --addr [$HEARTH_METRICS_ADDR]")
	metricsToken := fs.String("metrics-token", envOr("HEARTH_METRICS_TOKEN", ""), "serve /metrics only to requests with \"Authorization: Bearer TOKEN\" (on --addr without --metrics-addr); prefer the environment, which other users cannot list [$HEARTH_METRICS_TOKEN]")
	proxies := fs.String("trusted-proxy", envOr("HEARTH_TRUSTED_PROXY", ""), "CIDR[,CIDR…] of the reverse proxies in front of Hearth: only from these is X-Forwarded-For believed for the client's address (default: none; every client is its TCP peer) [$HEARTH_TRUSTED_PROXY]")
	maxConnsDefault := web.DefaultMaxConnections
	if v := envOr("HEARTH_MAX_CONNECTIONS", ""); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("$HEARTH_MAX_CONNECTIONS: %q is not a number", v)
		}
		maxConnsDefault = n
	}
	maxConns := fs.Int("max-connections", maxConnsDefault, "connections open at once, live rooms included; more are answered 503 [$HEARTH_MAX_CONNECTIONS]")
	quotaText := fs.String("quotas", envOr("HEARTH_QUOTAS", ""), "raise or lower quotas, e.g. cohorts=500,participants=40 (of cohorts, templates per account; participants, sessions, notes per cohort; defaults 200, 100, 100, 500, 5000) [$HEARTH_QUOTAS]")
	if err := fs.Parse(args); err != nil {
		return err
	}
	quotas, err := parseQuotas(*quotaText)
	if err != nil {
		return fmt.Errorf("--quotas: %w", err)
	}
	loginIdle, err := time.ParseDuration(*loginIdleText)
	if err != nil || loginIdle <= 0 {
		return fmt.Errorf("--login-idle %q: give a positive duration, e.g. 12h or 30m", *loginIdleText)
	}
	trusted, err := web.ParseTrustedProxies(*proxies)
	if err != nil {
		return fmt.Errorf("--trusted-proxy: %w", err)
	}
	if *maxConns < 1 {
		return fmt.Errorf("--max-connections: %d, want at least 1", *maxConns)
	}
	lvl, err := zerolog.ParseLevel(*level)
	if err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	log := zerolog.New(stderr).Level(lvl).With().Timestamp().Logger()
	m := &Main{Addr: *addr, DataDir: *data, PublicURL: strings.TrimRight(*public, "/"), Log: log, CrisisFile: *crisis, LoginIdle: loginIdle,
		TrustedProxies: trusted, MaxConnections: *maxConns, Quotas: quotas}
	m.MetricsAddr, m.MetricsToken = *metricsAddr, *metricsToken
	if err := m.Open(ctx); err != nil {
		return err
	}
	return m.Wait(ctx)
}

// MinMetricsToken is the shortest metrics token accepted: long enough that
// it cannot be guessed over the network.
const MinMetricsToken = 16

// Open opens the database, restores the live rooms and starts serving.
func (m *Main) Open(ctx context.Context) error {
	if m.MetricsToken != "" && len(m.MetricsToken) < MinMetricsToken {
		return fmt.Errorf("--metrics-token: %d characters, at least %d", len(m.MetricsToken), MinMetricsToken)
	}
	crisis := web.DefaultCrisisText
	if m.CrisisFile != "" {
		var err error
		if crisis, err = readCrisisFile(m.CrisisFile); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(m.DataDir, 0o700); err != nil {
		return fmt.Errorf("make data folder: %w", err)
	}
	// An existing folder keeps its mode with MkdirAll; ours holds health data.
	if err := os.Chmod(m.DataDir, 0o700); err != nil {
		return fmt.Errorf("restrict data folder: %w", err)
	}
	key, err := inviteKey(filepath.Join(m.DataDir, "invite.key"))
	if err != nil {
		return err
	}
	dbPath := filepath.Join(m.DataDir, "hearth.db")
	db, err := storage.Open(dbPath, 2*time.Second)
	if err != nil {
		return err
	}
	m.DB = db
	fac := &facilitator.Service{Store: db, InviteKey: key, LoginIdle: m.LoginIdle, Quotas: m.Quotas}
	if n, err := fac.StampOldInvites(ctx); err != nil {
		db.Close()
		return fmt.Errorf("date the invite links: %w", err)
	} else if n > 0 {
		m.Log.Info().Int("links", n).Msg("invite links made before links expired now count their days from today")
	}
	metrics := web.NewMetrics(func() int { return m.Rooms.Len() })
	db.Observe = metrics.Committed
	m.Rooms = room.NewManager(room.Config{
		Store:    db,
		Grace:    m.Grace,
		Observer: metrics,
		// However it was closed (the console's room.close or the HTTP
		// close), the operator's log says so once.
		OnClosed: func(st room.State) {
			m.Log.Info().Str("session", st.SessionID).Str("cohort", st.CohortID).Msg("room closed")
		},
	})
	m.Sessions = session.New(fac, m.Rooms)
	start := time.Now()
	n, err := m.Rooms.Restore(ctx)
	if err != nil {
		db.Close()
		return err
	}
	if n > 0 {
		m.Log.Info().Int("rooms", n).Dur("took", time.Since(start)).Msg("live rooms restored")
	}
	needed, err := fac.SetupNeeded(ctx)
	if err != nil {
		db.Close()
		return err
	}
	if needed {
		m.SetupToken = facilitator.NewToken()
	}
	m.Web = web.New(web.Config{Facilitators: fac, Sessions: m.Sessions, Rooms: m.Rooms, Log: m.Log, SetupToken: m.SetupToken, Metrics: metrics,
		MetricsToken: publicMetricsToken(m.MetricsAddr, m.MetricsToken)})
	m.Web.PublicURL = m.PublicURL
	m.Web.SecureCookies = strings.HasPrefix(m.PublicURL, "https://")
	m.Web.CrisisText = crisis
	m.Web.TrustedProxies = m.TrustedProxies

	// Listen before serving, so a busy port fails here and port 0 works.
	m.listener, err = net.Listen("tcp", m.Addr)
	if err != nil {
		db.Close()
		return fmt.Errorf("listen on %s: %w", m.Addr, err)
	}
	m.URL = "http://" + m.listener.Addr().String()
	if err := m.listenOperator(); err != nil {
		m.listener.Close()
		db.Close()
		return err
	}
	if err := m.serveMetrics(metrics); err != nil {
		m.operator.Close()
		m.listener.Close()
		db.Close()
		return err
	}
	m.http = web.NewHTTPServer(m.Web, m.HTTPTimeouts)
	maxConns := m.MaxConnections
	if maxConns <= 0 {
		maxConns = web.DefaultMaxConnections
	}
	m.served = make(chan error, 1)
	go func() { m.served <- m.http.Serve(web.LimitListener(m.listener, maxConns)) }()
	m.Web.SetReady(true)
	m.retention, m.retained = make(chan struct{}), make(chan struct{})
	go m.sweepRetention()
	m.Log.Info().Str("addr", m.listener.Addr().String()).Str("data", m.DataDir).Msg("serving")
	if needed {
		base := m.URL
		if m.PublicURL != "" {
			base = m.PublicURL
		}
		// The one secret Hearth logs, on purpose: whoever reads the server's
		// log on first run is the operator, who makes the first account.
		m.Log.Info().Str("url", base+"/setup/"+m.SetupToken).
			Msg("no facilitator account yet: open this one-time setup link, or run \"hearth facilitator add\"")
	}
	return nil
}

// Wait serves until ctx is done or storage fails, then shuts down.
func (m *Main) Wait(ctx context.Context) error {
	var failure error
	select {
	case <-ctx.Done():
		m.Log.Info().Msg("shutting down")
	case <-m.DB.Failed():
		failure = fmt.Errorf("storage failed, stopping so nothing unsaved is acknowledged: %w", m.DB.Err())
		m.Log.Error().Err(m.DB.Err()).Msg("storage failed; no further action will be acknowledged; shutting down")
	case err := <-m.served:
		failure = fmt.Errorf("serve: %w", err)
	}
	if err := m.Close(); err != nil && failure == nil {
		failure = err
	}
	return failure
}

// Close stops serving within a few seconds. Every acknowledged action is
// already on disk; rooms stay open in the database and come back on start.
func (m *Main) Close() error {
	start := time.Now()
	m.Web.SetReady(false)
	close(m.retention)
	<-m.retained
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	// Stop accepting first (Shutdown closes the listener at once), so the
	// clients told to go away below do not reconnect to this server.
	shut := make(chan error, 1)
	go func() { shut <- m.http.Shutdown(ctx) }()
	m.operator.Close()
	if m.metrics != nil {
		m.metrics.Close()
	}
	// End the live connections: the HTTP server does not track hijacked
	// WebSockets. Their clients reconnect, with backoff, to the next server.
	m.Rooms.Stop()
	// Wait for each connection to send its close frame (and the client to
	// answer it), or the process would exit under some of them.
	if err := m.Web.CloseConnections(ctx); err != nil {
		m.Log.Warn().Err(err).Msg("some connections were cut without a goodbye")
	}
	err := <-shut
	if errors.Is(err, context.DeadlineExceeded) {
		err = m.http.Close()
	}
	if cerr := m.DB.Close(); cerr != nil && err == nil {
		err = cerr
	}
	m.Log.Info().Dur("took", time.Since(start)).Msg("stopped")
	return err
}

// publicMetricsToken is the token /metrics asks for on the public
// listener, "" for none there: with an address of their own, the metrics
// are never served on the public one.
func publicMetricsToken(addr, token string) string {
	if addr != "" {
		return ""
	}
	return token
}

// serveMetrics serves /metrics on m.MetricsAddr, when set, behind
// m.MetricsToken when that is set too. It listens before it returns, so a
// busy port fails here.
func (m *Main) serveMetrics(metrics *web.Metrics) error {
	if m.MetricsAddr == "" {
		if m.MetricsToken == "" {
			m.Log.Info().Msg("/metrics is not served: give --metrics-addr or --metrics-token to read it")
		}
		return nil
	}
	l, err := net.Listen("tcp", m.MetricsAddr)
	if err != nil {
		return fmt.Errorf("--metrics-addr %s: %w", m.MetricsAddr, err)
	}
	m.MetricsURL = "http://" + l.Addr().String() + "/metrics"
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", metrics.Handler(m.MetricsToken))
	m.metrics = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go m.metrics.Serve(l)
	m.Log.Info().Str("addr", l.Addr().String()).Bool("token", m.MetricsToken != "").Msg("serving /metrics")
	return nil
}

// MaxCrisisText is the longest operator's crisis text, in characters: room
// for the numbers of a few countries, short enough to read in a crisis.
const MaxCrisisText = 5000

// readCrisisFile reads the operator's crisis text. A missing or unreadable
// file is an error: an operator who names one expects participants to see
// it, and a typo must not leave them with nothing but the default.
func readCrisisFile(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("--crisis-file: %w", err)
	}
	if !utf8.Valid(b) {
		return "", fmt.Errorf("--crisis-file %s: not UTF-8 text", path)
	}
	text := strings.TrimSpace(strings.ReplaceAll(string(b), "\r\n", "\n"))
	if n := utf8.RuneCountInString(text); n > MaxCrisisText {
		return "", fmt.Errorf("--crisis-file %s: %d characters, at most %d", path, n, MaxCrisisText)
	}
	return text, nil
}

// inviteKey reads the key that invite links are derived from, creating it on
// first run. It lives beside the database, not in it, so a copy of the
// database alone does not open anyone's room.
func inviteKey(path string) ([]byte, error) {
	key, err := os.ReadFile(path)
	if err == nil {
		if len(key) < 32 {
			return nil, fmt.Errorf("invite key %s is too short", path)
		}
		return key, nil
	}
	if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("read invite key: %w", err)
	}
	key = make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("make invite key: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("write invite key: %w", err)
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		return nil, fmt.Errorf("write invite key: %w", err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("sync invite key: %w", err)
	}
	return key, f.Close()
}

// parseQuotas reads --quotas: NAME=N pairs, comma-separated, each setting
// one quota; the others keep their defaults.
func parseQuotas(text string) (facilitator.Quotas, error) {
	var q facilitator.Quotas
	fields := map[string]*int{
		"cohorts": &q.CohortsPerAccount, "templates": &q.TemplatesPerAccount,
		"participants": &q.ParticipantsPerCohort, "sessions": &q.SessionsPerCohort, "notes": &q.NotesPerCohort,
	}
	for _, pair := range strings.Split(text, ",") {
		if pair = strings.TrimSpace(pair); pair == "" {
			continue
		}
		name, value, _ := strings.Cut(pair, "=")
		f, ok := fields[strings.TrimSpace(name)]
		if !ok {
			return q, fmt.Errorf("%q: no such quota (cohorts, templates, participants, sessions, notes)", name)
		}
		n, err := strconv.Atoi(strings.TrimSpace(value))
		if err != nil || n < 1 {
			return q, fmt.Errorf("%q: give a whole number of at least 1", pair)
		}
		*f = n
	}
	return q, nil
}

// Package web is Hearth's HTTP face: the JSON API of the back office, the
// WebSocket endpoint of the live rooms, security headers and the embedded
// browser UI. It turns a logged-in facilitator or an invited participant into
// a room member with a role; the rules live in room, facilitator and
// facilitator/session, and web reaches no store but through them.
package web

import (
	"embed"
	"io/fs"
	"net/http"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/rs/zerolog"

	"hearth/facilitator"
	"hearth/facilitator/memory"
	"hearth/facilitator/session"
	"hearth/room"
)

//go:embed static
var staticFiles embed.FS

// Limits on input sizes.
const (
	MaxBodyBytes  = 64 << 10 // one JSON request body
	MaxFrameBytes = 16 << 10 // one WebSocket frame from a client
)

// Defaults for the live connections.
const (
	DefaultPingInterval = 15 * time.Second
	DefaultPingTimeout  = 10 * time.Second
	DefaultWriteTimeout = 10 * time.Second
	// DefaultHeartbeatTimeout is how long a connection that has sent a
	// heartbeat ping may then be silent: its client pings every 2 s, so two
	// missed pings and a late one mean the network is gone.
	DefaultHeartbeatTimeout = 5 * time.Second
)

// DefaultCrisisText is the operator's crisis text when they give none: the
// least a participant must read, wherever they are.
const DefaultCrisisText = "If you or someone near you is in danger now, call your local emergency number. " +
	"This room is not watched outside sessions."

// Server serves Hearth over HTTP. Create it with New.
type Server struct {
	fac      *facilitator.Service
	sessions *session.Service
	memory   *memory.Memory
	rooms    *room.Manager
	log      zerolog.Logger
	exports  exportSlots

	// PingInterval, PingTimeout and WriteTimeout govern live connections;
	// tests shorten them.
	PingInterval time.Duration
	PingTimeout  time.Duration
	WriteTimeout time.Duration
	// HeartbeatTimeout is how long a connection whose client has sent a
	// heartbeat ping ({"type":"ping"}) may be silent before it is cut.
	// Connections that never send one are not held to it.
	HeartbeatTimeout time.Duration
	// PublicURL is the address participants use (e.g. https://hearth.example.org);
	// empty means the address of each request.
	PublicURL string
	// SecureCookies marks the login cookie Secure; set it when Hearth is
	// reached over HTTPS.
	SecureCookies bool
	// TrustedProxies are the reverse proxies whose X-Forwarded-For is
	// believed for the client's address (the limits key on it); empty,
	// every client is its TCP peer.
	TrustedProxies []netip.Prefix
	// CrisisText is the operator's own crisis resources, shown to every
	// participant beside their cohort's; New sets DefaultCrisisText, and ""
	// shows none.
	CrisisText string

	setupMu    sync.Mutex
	setupToken string // the one-time token of the first-run setup link

	lobby   lobby
	logins  heldLogins
	limits  *limiters
	backoff *backoff
	live    liveConns
	metrics *Metrics
	ready   atomic.Bool
	handler http.Handler

	// metricsToken guards /metrics; "" serves none (Config.MetricsToken).
	metricsToken string
}

// HTTPTimeouts bound how long an HTTP connection may take over each part
// of its life, so a client that trickles or idles cannot hold the server's
// connections. A member's WebSocket is exempt once upgraded: its own
// watchdog looks after it.
type HTTPTimeouts struct {
	ReadHeader time.Duration // to read a request's header
	Read       time.Duration // to read a whole request, its body included
	Write      time.Duration // from the end of a request's header to the end of its answer
	Idle       time.Duration // a kept-alive connection between requests
}

// DefaultHTTPTimeouts are generous for a request body of MaxBodyBytes on a
// poor phone connection and for the largest export, and short for
// anything that only holds a connection.
var DefaultHTTPTimeouts = HTTPTimeouts{
	ReadHeader: 10 * time.Second,
	Read:       30 * time.Second,
	Write:      60 * time.Second,
	Idle:       60 * time.Second,
}

// NewHTTPServer returns the http.Server to serve h with: t's timeouts (a
// zero one takes DefaultHTTPTimeouts's), and ConnContext. Serve it on a
// LimitListener to cap its connections.
func NewHTTPServer(h http.Handler, t HTTPTimeouts) *http.Server {
	or := func(d, def time.Duration) time.Duration {
		if d > 0 {
			return d
		}
		return def
	}
	def := DefaultHTTPTimeouts
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: or(t.ReadHeader, def.ReadHeader),
		ReadTimeout:       or(t.Read, def.Read),
		WriteTimeout:      or(t.Write, def.Write),
		IdleTimeout:       or(t.Idle, def.Idle),
		ConnContext:       ConnContext,
	}
}

// SetReady says whether the server is ready for traffic (database open,
// rooms restored, not shutting down), for /readyz.
func (s *Server) SetReady(ready bool) { s.ready.Store(ready) }

// Config is what a Server is made of.
type Config struct {
	Facilitators *facilitator.Service
	// Sessions runs sessions' lives over Facilitators and Rooms.
	Sessions *session.Service
	Rooms    *room.Manager
	Log      zerolog.Logger
	// SetupToken is the one-time first-run token ("" when accounts exist).
	SetupToken string
	// Metrics, when nil, is made here; pass the one the rooms observe.
	Metrics *Metrics
	// MetricsToken, when set, serves GET /metrics here to requests that
	// carry it (Authorization: Bearer TOKEN). Unset, this server has no
	// /metrics at all: they tell when groups meet and how many come, so
	// they are for the operator alone (serve Metrics.Handler on an address
	// of its own).
	MetricsToken string
	// Now is the clock of the limits on guessing; time.Now when nil.
	Now func() time.Time
}

// New returns a Server. It answers /readyz with 503 until SetReady(true).
func New(cfg Config) *Server {
	metrics := cfg.Metrics
	if metrics == nil {
		metrics = NewMetrics(cfg.Rooms.Len)
	}
	s := &Server{
		fac:              cfg.Facilitators,
		sessions:         cfg.Sessions,
		memory:           memory.New(cfg.Facilitators, cfg.Rooms),
		rooms:            cfg.Rooms,
		log:              cfg.Log,
		metrics:          metrics,
		metricsToken:     cfg.MetricsToken,
		PingInterval:     DefaultPingInterval,
		PingTimeout:      DefaultPingTimeout,
		WriteTimeout:     DefaultWriteTimeout,
		HeartbeatTimeout: DefaultHeartbeatTimeout,
		CrisisText:       DefaultCrisisText,
		setupToken:       cfg.SetupToken,
		lobby:            lobby{waiting: make(map[string]chan struct{})},
		live:             liveConns{all: make(map[*conn]struct{}), stopping: make(chan struct{})},
	}
	now := cfg.Now
	if now == nil {
		now = time.Now
	}
	s.limits = newLimiters(now, s.clientKey)
	s.backoff = newBackoff(now)
	s.handler = s.routes()
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// routes builds the whole router: every route of Hearth is listed here.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	static, _ := fs.Sub(staticFiles, "static")

	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if !s.ready.Load() {
			writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "not ready"})
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
	})
	if s.metricsToken != "" {
		mux.Handle("GET /metrics", s.metrics.Handler(s.metricsToken))
	}

	// Pages.
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /{$}", s.page(static, "index.html"))
	mux.HandleFunc("GET /setup/{token}", s.page(static, "index.html"))
	// A participant's link is /j#TOKEN: the fragment never leaves the
	// browser. /j/TOKEN is the form of links sent before; its page moves
	// the token into the fragment before anything else.
	mux.HandleFunc("GET /j", s.page(static, "join.html"))
	mux.HandleFunc("GET /j/{token}", s.page(static, "join.html"))

	// First run and login.
	mux.HandleFunc("GET /api/setup", s.getSetup)
	mux.HandleFunc("POST /api/setup", s.postSetup)
	mux.HandleFunc("POST /api/login", s.postLogin)
	mux.HandleFunc("POST /api/logout", s.postLogout)
	mux.HandleFunc("GET /api/me", s.facilitatorOnly(s.getMe))
	mux.HandleFunc("POST /api/me/password", s.facilitatorOnly(s.postPassword))
	mux.HandleFunc("POST /api/logout-all", s.facilitatorOnly(s.postLogoutAll))
	mux.HandleFunc("GET /api/me/deletion", s.facilitatorOnly(s.getAccountDeletion))
	mux.HandleFunc("DELETE /api/me", s.facilitatorOnly(s.deleteMe))

	// Cohorts.
	mux.HandleFunc("GET /api/cohorts", s.facilitatorOnly(s.listCohorts))
	mux.HandleFunc("POST /api/cohorts", s.facilitatorOnly(s.createCohort))
	mux.HandleFunc("GET /api/cohorts/{id}", s.facilitatorOnly(s.getCohort))
	mux.HandleFunc("PATCH /api/cohorts/{id}", s.facilitatorOnly(s.patchCohort))
	mux.HandleFunc("DELETE /api/cohorts/{id}", s.facilitatorOnly(s.deleteCohort))
	mux.HandleFunc("POST /api/cohorts/{id}/facilitators", s.facilitatorOnly(s.addCoFacilitator))
	mux.HandleFunc("DELETE /api/cohorts/{id}/facilitators/{aid}", s.facilitatorOnly(s.removeFacilitator))
	mux.HandleFunc("DELETE /api/cohorts/{id}/invitations/{email}", s.facilitatorOnly(s.withdrawInvitation))
	mux.HandleFunc("GET /api/invitations", s.facilitatorOnly(s.listInvitations))
	mux.HandleFunc("POST /api/invitations/{id}/accept", s.facilitatorOnly(s.acceptInvitation))
	mux.HandleFunc("POST /api/invitations/{id}/decline", s.facilitatorOnly(s.declineInvitation))
	mux.HandleFunc("POST /api/cohorts/{id}/participants", s.facilitatorOnly(s.addParticipant))
	mux.HandleFunc("PATCH /api/cohorts/{id}/participants/{pid}", s.facilitatorOnly(s.renameParticipant))
	mux.HandleFunc("DELETE /api/cohorts/{id}/participants/{pid}", s.facilitatorOnly(s.removeParticipant))
	mux.HandleFunc("POST /api/cohorts/{id}/participants/{pid}/reissue", s.facilitatorOnly(s.reissueInvite))
	mux.HandleFunc("POST /api/cohorts/{id}/sessions", s.facilitatorOnly(s.planSession))
	mux.HandleFunc("PUT /api/sessions/{id}/agenda", s.facilitatorOnly(s.putAgenda))
	mux.HandleFunc("POST /api/sessions/{id}/open", s.facilitatorOnly(s.openSession))
	mux.HandleFunc("POST /api/sessions/{id}/close", s.facilitatorOnly(s.closeSession))
	mux.HandleFunc("GET /api/sessions/{id}/waiting", s.facilitatorOnly(s.getWaiting))
	mux.HandleFunc("DELETE /api/sessions/{id}", s.facilitatorOnly(s.deleteSession))

	// Agenda templates.
	mux.HandleFunc("GET /api/templates", s.facilitatorOnly(s.listTemplates))
	mux.HandleFunc("POST /api/templates", s.facilitatorOnly(s.saveTemplate))
	mux.HandleFunc("DELETE /api/templates/{id}", s.facilitatorOnly(s.deleteTemplate))

	// The cohort's memory: summaries, private notes, the overview, exports.
	mux.HandleFunc("GET /api/sessions/{id}/summary", s.facilitatorOnly(s.getSummary))
	mux.HandleFunc("GET /api/cohorts/{id}/notes", s.facilitatorOnly(s.listNotes))
	mux.HandleFunc("POST /api/cohorts/{id}/notes", s.facilitatorOnly(s.addNote))
	mux.HandleFunc("PATCH /api/notes/{id}", s.facilitatorOnly(s.editNote))
	mux.HandleFunc("DELETE /api/notes/{id}", s.facilitatorOnly(s.deleteNote))
	mux.HandleFunc("GET /api/cohorts/{id}/overview", s.facilitatorOnly(s.getOverview))
	mux.HandleFunc("GET /api/cohorts/{id}/export.md", s.facilitatorOnly(s.oneExport(s.exportMarkdown)))
	mux.HandleFunc("GET /api/cohorts/{id}/export.json", s.facilitatorOnly(s.oneExport(s.exportJSON)))
	mux.HandleFunc("GET /api/cohorts/{id}/audit", s.facilitatorOnly(s.getAudit))

	// Participants: the invite token travels in a header (inviteToken).
	mux.HandleFunc("GET /api/p", s.getInvitee)
	mux.HandleFunc("POST /api/p/accept", s.acceptAgreements)
	mux.HandleFunc("GET /api/p/history", s.getHistory)
	mux.HandleFunc("GET /api/p/next.ics", s.getNextICS)
	mux.HandleFunc("GET /api/p/history.json", s.getHistoryFile)
	// The same with the token in the path, kept for a transition: pages
	// loaded before an upgrade still call them (docs/protocol.md).
	mux.HandleFunc("GET /api/p/{token}", s.getInvitee)
	mux.HandleFunc("POST /api/p/{token}/accept", s.acceptAgreements)
	mux.HandleFunc("GET /api/p/{token}/history", s.getHistory)
	mux.HandleFunc("GET /api/p/{token}/history.json", s.getHistoryFile)
	mux.HandleFunc("GET /api/p/{token}/next.ics", s.getNextICS)

	// Live rooms.
	mux.HandleFunc("GET /ws/sessions/{id}", s.facilitatorOnly(s.facilitatorSocket))
	mux.HandleFunc("GET /ws/p", s.participantSocket)
	mux.HandleFunc("GET /ws/p/{token}", s.participantSocket) // for a transition, as above

	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, errNotFound)
	})

	csrf := http.NewCrossOriginProtection()
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, &httpError{http.StatusForbidden, "forbidden", "Cross-site requests are not allowed."})
	}))
	return s.logRequests(s.securityHeaders(csrf.Handler(mux)))
}

// page serves one embedded HTML page.
func (s *Server) page(static fs.FS, name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		data, err := fs.ReadFile(static, name)
		if err != nil {
			http.Error(w, "page missing", http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Write(data)
	}
}

// securityHeaders keeps the pages to their own origin. Referrer-Policy
// matters most: an invite link holds a secret, and a click on the video-call
// link must not carry it to another site. With an https PublicURL, HSTS
// keeps browsers that came once from ever asking over plain HTTP, where a
// network in between could read a login cookie or serve its own page.
func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		if strings.HasPrefix(s.PublicURL, "https://") {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController (and the WebSocket upgrade) reach the
// real writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// logRequests logs one line per request: the route pattern, never the path,
// since paths carry invite tokens.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r)
		switch r.URL.Path {
		case "/healthz", "/readyz", "/metrics":
			return
		}
		if r.Pattern == "GET /static/" {
			return
		}
		s.log.Debug().Str("method", r.Method).Str("route", r.Pattern).Int("status", sw.status).
			Dur("took", time.Since(start)).Msg("request")
	})
}

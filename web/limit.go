package web

import (
	"container/list"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// Limits against guessing and flooding.
const (
	// guessEvery and guessBurst are each client address's budget of
	// logins, setup tries and invite links that fail to resolve, per kind.
	guessEvery = 6 * time.Second
	guessBurst = 10

	// maxTracked bounds each table of addresses or accounts: a flood of
	// fresh addresses costs the server a few MiB at most.
	maxTracked = 10000
	// evictScan is how many of a full table's oldest entries are weighed
	// when one must go: the one that holds back the least goes, so fresh
	// addresses pushed in by a flood displace each other, never an
	// address that spent its budget.
	evictScan = 16

	// An account's failed logins, from any address: the first freeFailures
	// cost nothing; after that each failure makes the next try wait
	// backoffBase × 2^(failures − freeFailures), at most backoffCap.
	// Failures are forgotten backoffForget after the last one, or at a
	// correct password.
	freeFailures  = 5
	backoffBase   = time.Second
	backoffCap    = 5 * time.Minute
	backoffForget = time.Hour

	// MaxSocketsPerMember is how many live connections one member (a
	// participant's link, a facilitator's account in one session) may hold
	// at once: a few tabs and devices.
	MaxSocketsPerMember = 5
)

// table is a bounded map from a client address or an account to what is
// remembered about it. When full, it forgets the entry that holds back the
// least among its evictScan least recently used: one at rest (weight 0)
// is as good as a new one, so forgetting it gives nobody anything.
type table[V any] struct {
	mu     sync.Mutex
	max    int
	items  map[string]*list.Element
	order  *list.List // of *entry[V], most recently used first
	fresh  func(now time.Time) *V
	weight func(v *V, now time.Time) float64
}

type entry[V any] struct {
	key string
	v   *V
}

func newTable[V any](max int, fresh func(time.Time) *V, weight func(*V, time.Time) float64) *table[V] {
	return &table[V]{max: max, items: make(map[string]*list.Element), order: list.New(), fresh: fresh, weight: weight}
}

// with runs f on key's entry (a fresh one if key is not known), under the
// table's lock.
func (t *table[V]) with(key string, now time.Time, f func(v *V)) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if el, ok := t.items[key]; ok {
		t.order.MoveToFront(el)
		f(el.Value.(*entry[V]).v)
		return
	}
	if t.order.Len() >= t.max {
		t.evict(now)
	}
	e := &entry[V]{key: key, v: t.fresh(now)}
	t.items[key] = t.order.PushFront(e)
	f(e.v)
}

// evict forgets the lightest of the oldest entries, the oldest of equals.
func (t *table[V]) evict(now time.Time) {
	var (
		victim *list.Element
		least  float64
	)
	el := t.order.Back()
	for i := 0; i < evictScan && el != nil; i, el = i+1, el.Prev() {
		w := t.weight(el.Value.(*entry[V]).v, now)
		if victim == nil || w < least {
			victim, least = el, w
		}
		if w <= 0 {
			break
		}
	}
	if victim != nil {
		t.order.Remove(victim)
		delete(t.items, victim.Value.(*entry[V]).key)
	}
}

// forget drops key's entry.
func (t *table[V]) forget(key string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if el, ok := t.items[key]; ok {
		t.order.Remove(el)
		delete(t.items, key)
	}
}

// len is how many entries the table holds.
func (t *table[V]) len() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.order.Len()
}

// limiters slow down guessing: of passwords, of the setup token and of
// invite links, per client address (clientKey).
type limiters struct {
	now    func() time.Time
	key    func(r *http.Request) string
	byAddr *table[rate.Limiter]
}

func newLimiters(now func() time.Time, key func(r *http.Request) string) *limiters {
	return &limiters{
		now: now,
		key: key,
		byAddr: newTable(maxTracked,
			func(time.Time) *rate.Limiter { return rate.NewLimiter(rate.Every(guessEvery), guessBurst) },
			// The tries an address is down: 0 once its budget has refilled.
			func(l *rate.Limiter, now time.Time) float64 { return guessBurst - l.TokensAt(now) }),
	}
}

// allow spends one attempt of kind for the request's client address: a
// burst of guessBurst, then one every guessEvery.
func (l *limiters) allow(kind string, r *http.Request) bool {
	now := l.now()
	var ok bool
	l.byAddr.with(kind+" "+l.key(r), now, func(lim *rate.Limiter) { ok = lim.AllowN(now, 1) })
	return ok
}

// backoff slows down guessing one account's password from many addresses.
// It is keyed by the email as typed (normalised), whether or not an account
// has it, so its answers tell nothing about which emails exist.
type backoff struct {
	now     func() time.Time
	byEmail *table[accountTries]
}

type accountTries struct {
	failures int
	last     time.Time // of the last failure
	next     time.Time // no try before this
}

func newBackoff(now func() time.Time) *backoff {
	return &backoff{now: now, byEmail: newTable(maxTracked,
		func(time.Time) *accountTries { return &accountTries{} },
		func(a *accountTries, now time.Time) float64 {
			if now.Sub(a.last) > backoffForget {
				return 0
			}
			return float64(a.failures)
		})}
}

// backoffKey is the table's key for an email: as the back office reads it.
func backoffKey(email string) string {
	email = strings.ToLower(strings.TrimSpace(email))
	if len(email) > 320 {
		email = email[:320] // no valid address is longer; the key stays small
	}
	return email
}

// delayAfter is how long the next try waits after n failures.
func delayAfter(n int) time.Duration {
	if n < freeFailures {
		return 0
	}
	shift := n - freeFailures
	if shift > 20 {
		return backoffCap
	}
	return min(backoffBase<<shift, backoffCap)
}

// admit takes a try for email, or says how long to wait. An admitted try
// is counted as a failure until settled, so tries that race each other
// during a backoff are refused as if the first had failed already.
func (b *backoff) admit(email string) (wait time.Duration, ok bool) {
	now := b.now()
	b.byEmail.with(backoffKey(email), now, func(a *accountTries) {
		if now.Sub(a.last) > backoffForget {
			*a = accountTries{}
		}
		if now.Before(a.next) {
			wait = a.next.Sub(now)
			return
		}
		a.next = now.Add(delayAfter(a.failures + 1))
		ok = true
	})
	return wait, ok
}

// failed records an admitted try whose password was wrong.
func (b *backoff) failed(email string) {
	now := b.now()
	b.byEmail.with(backoffKey(email), now, func(a *accountTries) {
		a.failures++
		a.last = now
		a.next = now.Add(delayAfter(a.failures))
	})
}

// undo gives back an admitted try that was never checked (the server was
// busy, or failed): it is not the account's failure.
func (b *backoff) undo(email string) {
	now := b.now()
	b.byEmail.with(backoffKey(email), now, func(a *accountTries) {
		if a.last.IsZero() {
			a.next = time.Time{}
		} else {
			a.next = a.last.Add(delayAfter(a.failures))
		}
	})
}

// succeeded forgets the account's failures: its owner is in.
func (b *backoff) succeeded(email string) { b.byEmail.forget(backoffKey(email)) }

// ParseTrustedProxies reads a comma-separated list of CIDR prefixes or
// single addresses (the operator's --trusted-proxy).
func ParseTrustedProxies(s string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if p, err := netip.ParsePrefix(part); err == nil {
			if p.Addr().Is4In6() {
				return nil, fmt.Errorf("trusted proxy %q: write an IPv4 prefix as such", part)
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(part)
		if err != nil {
			return nil, fmt.Errorf("trusted proxy %q: not an address or a CIDR prefix", part)
		}
		a = a.Unmap().WithZone("")
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

// clientAddr is the address of the client that sent r: the peer's, unless
// the peer is a trusted proxy (TrustedProxies); then the rightmost address
// of X-Forwarded-For that is not itself a trusted proxy. Anything to the
// left of that address was written by the client and is ignored, so a
// client cannot choose its own address. ok is false when the peer's
// address cannot be read (not a TCP peer).
func (s *Server) clientAddr(r *http.Request) (netip.Addr, bool) {
	peer, ok := parseHop(r.RemoteAddr)
	if !ok {
		return netip.Addr{}, false
	}
	addr := peer
	if !s.trusted(addr) {
		return addr, true
	}
	var hops []string
	for _, v := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0 && s.trusted(addr); i-- {
		hop, ok := parseHop(hops[i])
		if !ok {
			// A trusted proxy writes only addresses: garbage came from
			// further left, which is not to be believed. The last
			// address known stands.
			break
		}
		addr = hop
	}
	return addr, true
}

func (s *Server) trusted(a netip.Addr) bool {
	for _, p := range s.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseHop reads an address as a peer or a proxy writes it: bare, with a
// port, in brackets, with a zone.
func parseHop(s string) (netip.Addr, bool) {
	s = strings.TrimSpace(s)
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr().Unmap().WithZone(""), true
	}
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	a, err := netip.ParseAddr(strings.TrimSuffix(strings.TrimPrefix(s, "["), "]"))
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap().WithZone(""), true
}

// clientKey names the client of r for the limits: its IPv4 address, or
// the /64 of its IPv6 address, since one home or phone holds a whole /64.
func (s *Server) clientKey(r *http.Request) string {
	a, ok := s.clientAddr(r)
	if !ok {
		return r.RemoteAddr
	}
	if a.Is6() {
		p, _ := a.Prefix(64)
		return p.String()
	}
	return a.String()
}

// DefaultMaxConnections is how many connections the server holds open at
// once, member connections included, by default: well above the largest
// load measured (docs/benchmarks.md), well below what exhausts a small
// server's file descriptors and memory.
const DefaultMaxConnections = 20000

// maxRefusing bounds the refusals being written at once; past it, a
// connection over the limit is closed without a word, so a flood of
// connections cannot make the refusals themselves a cost.
const maxRefusing = 64

// LimitListener returns a listener that keeps at most max of l's
// connections open at once, upgraded WebSockets included (they count until
// closed). A connection over the limit is answered 503 with Retry-After and
// closed at once, so clients retry later instead of waiting in the kernel's
// backlog.
func LimitListener(l net.Listener, max int) net.Listener {
	return &limitListener{Listener: l, max: int64(max), refusing: make(chan struct{}, maxRefusing)}
}

type limitListener struct {
	net.Listener
	max      int64
	open     atomic.Int64
	refusing chan struct{}
}

func (l *limitListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if l.open.Add(1) <= l.max {
			return &limitedConn{Conn: c, l: l}, nil
		}
		l.open.Add(-1)
		select {
		case l.refusing <- struct{}{}:
			go func() {
				defer func() { <-l.refusing }()
				refuseConn(c)
			}()
		default:
			c.Close()
		}
	}
}

// refusal is the whole answer to a connection over the limit.
var refusal = func() string {
	body := `{"error":{"code":"too_many","message":"The server has too many connections right now. Please try again in a moment."}}` + "\n"
	return "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 5\r\nConnection: close\r\n" +
		"Content-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body
}()

// refuseConn answers c with refusal and closes it, reading what the client
// sent meanwhile: a socket closed with unread data is reset, and a reset
// can lose the answer on its way.
func refuseConn(c net.Conn) {
	defer c.Close()
	c.SetDeadline(time.Now().Add(time.Second))
	if _, err := io.WriteString(c, refusal); err != nil {
		return
	}
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		cw.CloseWrite()
	}
	io.Copy(io.Discard, io.LimitReader(c, 64<<10))
}

// limitedConn gives its place back once closed.
type limitedConn struct {
	net.Conn
	l      *limitListener
	closed atomic.Bool
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	if !c.closed.Swap(true) {
		c.l.open.Add(-1)
	}
	return err
}

// NetConn returns the connection underneath (as tls.Conn does).
func (c *limitedConn) NetConn() net.Conn { return c.Conn }

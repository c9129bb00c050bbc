package web_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

// behindProxy is a server whose every client comes through a trusted proxy
// on the loopback, so a test can speak from any address it likes.
func behindProxy(tb testing.TB, o envOptions) *env {
	o.trustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	return newEnvWith(tb, o)
}

// answer is what the server said to one request.
type answer struct {
	status     int
	code       string
	message    string
	retryAfter string
	took       time.Duration
}

// from sends a JSON request as the client at addr (in X-Forwarded-For).
func from(tb testing.TB, e *env, hc *http.Client, addr, method, path, body string) answer {
	tb.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, e.url()+path, rd)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if addr != "" {
		req.Header.Set("X-Forwarded-For", addr)
	}
	start := time.Now()
	resp, err := hc.Do(req)
	if err != nil {
		tb.Fatalf("%s %s from %s: %v", method, path, addr, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), took: time.Since(start)}
	var ae apiError
	if json.Unmarshal(data, &ae) == nil {
		a.code, a.message = ae.Error.Code, ae.Error.Message
	}
	return a
}

func loginBody(email, password string) string {
	b, _ := json.Marshal(map[string]string{"email": email, "password": password})
	return string(b)
}

// TestLoginFloodKeepsMemoryBounded sends 100 failed logins at once from 100
// addresses. Each argon2id hash takes 19 MiB: run all at once they took the
// server to gigabytes. Only HashSlots run; the rest are refused at once with
// 429 and Retry-After, and the heap stays small.
func TestLoginFloodKeepsMemoryBounded(t *testing.T) {
	e := behindProxy(t, envOptions{})
	e.newFacilitator("ana@example.org", "Ana")

	runtime.GC()
	var (
		peak    uint64
		stop    = make(chan struct{})
		sampled = make(chan struct{})
	)
	go func() {
		defer close(sampled)
		var ms runtime.MemStats
		for {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()

	const n = 100
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: n}, Timeout: 60 * time.Second}
	// Connect everyone first, so the flood is the logins, not the dials.
	var warm sync.WaitGroup
	for i := range n {
		warm.Add(1)
		go func() {
			defer warm.Done()
			from(t, e, hc, fmt.Sprintf("198.51.100.%d", i), "GET", "/healthz", "")
		}()
	}
	warm.Wait()
	answers := make([]answer, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			answers[i] = from(t, e, hc, fmt.Sprintf("203.0.113.%d", i), "POST", "/api/login",
				loginBody(fmt.Sprintf("guess%d@example.org", i), "not the password"))
		}()
	}
	close(start)
	wg.Wait()
	close(stop)
	<-sampled

	counts := map[int]int{}
	for i, a := range answers {
		counts[a.status]++
		switch a.status {
		case http.StatusUnauthorized:
		case http.StatusTooManyRequests:
			if a.code != "too_many" || a.retryAfter != "1" {
				t.Errorf("login %d: 429 %q with Retry-After %q, want too_many and 1", i, a.code, a.retryAfter)
			}
			if a.took > time.Second {
				t.Errorf("login %d: the 429 took %v, want it at once", i, a.took)
			}
		default:
			t.Errorf("login %d: %d %q, want 401 or 429", i, a.status, a.message)
		}
	}
	if counts[http.StatusUnauthorized] == 0 || counts[http.StatusTooManyRequests] == 0 {
		t.Errorf("answers %v: want some logins checked (401) and the surplus refused (429)", counts)
	}
	t.Logf("answers %v, peak heap in use %d MiB", counts, peak>>20)
	if peak > 300<<20 {
		t.Errorf("peak heap in use %d MiB during the flood, want under 300 MiB", peak>>20)
	}
}

// TestAccountBackoff checks that failed logins for one email slow that
// account's next tries from any address, exponentially, the same whether
// or not the email has an account, and that the right password works
// once the wait is over.
func TestAccountBackoff(t *testing.T) {
	clock := &fixtureClock{t: time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)}
	e := behindProxy(t, envOptions{now: clock.now})
	e.newFacilitator("ana@example.org", "Ana")
	hc := &http.Client{Timeout: 30 * time.Second}
	addr := 0
	try := func(email, password string) answer {
		t.Helper()
		addr++ // a new address every time: the per-address limit never bites
		return from(t, e, hc, fmt.Sprintf("192.0.2.%d", addr), "POST", "/api/login", loginBody(email, password))
	}

	for _, email := range []string{"ana@example.org", "nobody@example.org"} {
		t.Run(email, func(t *testing.T) {
			var seen []string
			for i := range 5 {
				if a := try(email, "wrong guess "+fmt.Sprint(i)); a.status != 401 {
					t.Fatalf("wrong password %d: %d, want 401 (the first five are free)", i+1, a.status)
				}
			}
			for i, wait := range []int{1, 2, 4, 8} {
				a := try(email, "wrong again")
				if a.status != 429 || a.code != "too_many" || a.retryAfter != fmt.Sprint(wait) {
					t.Fatalf("try during backoff %d: %d %q Retry-After %q, want 429 too_many %d", i, a.status, a.code, a.retryAfter, wait)
				}
				seen = append(seen, a.message)
				// Even the right password waits: the wait is the account's.
				if b := try(" ANA@example.org ", "a long passphrase"); email == "ana@example.org" && b.status != 429 {
					t.Fatalf("the right password during the backoff: %d, want 429", b.status)
				}
				clock.advance(time.Duration(wait)*time.Second - time.Millisecond)
				if a := try(email, "wrong again"); a.status != 429 {
					t.Fatalf("a try just before the wait is over: %d, want 429", a.status)
				}
				clock.advance(time.Millisecond)
				if a := try(email, "wrong again"); a.status != 401 {
					t.Fatalf("a try once the wait is over: %d %q, want 401", a.status, a.message)
				}
			}
			t.Logf("messages: %q", seen)
			if email == "ana@example.org" {
				clock.advance(16 * time.Second)
				if a := try("Ana@Example.org", "a long passphrase"); a.status != 200 {
					t.Fatalf("the right password after the backoff: %d %q, want 200", a.status, a.message)
				}
				// In, the account's failures are forgotten.
				for i := range 5 {
					if a := try(email, "wrong"); a.status != 401 {
						t.Fatalf("wrong password %d after a login: %d, want 401", i+1, a.status)
					}
				}
			}
			clock.advance(2 * time.Hour) // failures are forgotten after an hour
		})
	}

	// The cap: however many failures, the wait is at most five minutes.
	for range 5 {
		try("cap@example.org", "wrong")
	}
	var last answer
	for range 12 {
		last = try("cap@example.org", "wrong")
		if last.status == 429 {
			var secs int
			fmt.Sscan(last.retryAfter, &secs)
			clock.advance(time.Duration(secs) * time.Second)
			last = try("cap@example.org", "wrong")
		}
	}
	if a := try("cap@example.org", "wrong"); a.status != 429 || a.retryAfter != "300" {
		t.Errorf("after many failures: %d Retry-After %q, want 429 and 300", a.status, a.retryAfter)
	}
}

// TestBackoffDoesNotTellWhichEmailsExist compares, answer by answer, a
// backoff on an account with one on an email that has none.
func TestBackoffDoesNotTellWhichEmailsExist(t *testing.T) {
	clock := &fixtureClock{t: time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)}
	e := behindProxy(t, envOptions{now: clock.now})
	e.newFacilitator("ana@example.org", "Ana")
	hc := &http.Client{Timeout: 30 * time.Second}
	run := func(email string, first int) []answer {
		var out []answer
		for i := range 8 {
			a := from(t, e, hc, fmt.Sprintf("192.0.2.%d", first+i), "POST", "/api/login", loginBody(email, "wrong guess"))
			a.took = 0
			out = append(out, a)
		}
		return out
	}
	known, unknown := run("ana@example.org", 1), run("nobody@example.org", 101)
	for i := range known {
		if known[i] != unknown[i] {
			t.Errorf("try %d: %+v for an account, %+v for no account; want the same", i+1, known[i], unknown[i])
		}
	}
}

// TestLimiterEvictsInsteadOfWiping throttles one address, then floods the
// limiter with more fresh addresses than it holds. A full table used to be
// wiped, giving the throttled address its budget back.
func TestLimiterEvictsInsteadOfWiping(t *testing.T) {
	clock := &fixtureClock{t: time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)}
	e := behindProxy(t, envOptions{now: clock.now})
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}, Timeout: 30 * time.Second}
	const guesser = "192.0.2.66"
	var last answer
	for range 11 {
		last = from(t, e, hc, guesser, "GET", "/api/p/not-a-token", "")
	}
	if last.status != 429 {
		t.Fatalf("11th bad invite link: %d, want 429", last.status)
	}

	const fresh = 10002
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				addr := fmt.Sprintf("10.%d.%d.%d", i>>16, (i>>8)&255, i&255)
				if a := from(t, e, hc, addr, "GET", "/api/p/not-a-token", ""); a.status != 401 {
					t.Errorf("first bad link from %s: %d, want 401", addr, a.status)
				}
			}
		}()
	}
	for i := range fresh {
		jobs <- i
	}
	close(jobs)
	wg.Wait()

	if a := from(t, e, hc, guesser, "GET", "/api/p/not-a-token", ""); a.status != 429 {
		t.Errorf("the throttled address after %d fresh ones: %d, want still 429", fresh, a.status)
	}
}

// TestTrustedProxy checks whose address the limits count: behind a trusted
// proxy, each client's own (X-Forwarded-For), one IPv6 /64 as one client;
// from anyone else, X-Forwarded-For is ignored.
func TestTrustedProxy(t *testing.T) {
	clock := &fixtureClock{t: time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)}
	throttle := func(e *env, hc *http.Client, xff string) {
		t.Helper()
		for range 10 {
			from(t, e, hc, xff, "GET", "/api/p/not-a-token", "")
		}
		if a := from(t, e, hc, xff, "GET", "/api/p/not-a-token", ""); a.status != 429 {
			t.Fatalf("11th bad link with X-Forwarded-For %q: %d, want 429", xff, a.status)
		}
	}
	status := func(e *env, hc *http.Client, xff string) int {
		return from(t, e, hc, xff, "GET", "/api/p/not-a-token", "").status
	}

	t.Run("behind a trusted proxy", func(t *testing.T) {
		e := behindProxy(t, envOptions{now: clock.now})
		hc := &http.Client{Timeout: 10 * time.Second}
		throttle(e, hc, "192.0.2.1")
		if got := status(e, hc, "192.0.2.2"); got != 401 {
			t.Errorf("another client behind the proxy: %d, want 401 (its own budget)", got)
		}
		// A client that writes its own X-Forwarded-For: the proxy appends
		// the address it saw, and that one counts.
		if got := status(e, hc, "198.51.100.7, 192.0.2.1"); got != 429 {
			t.Errorf("the throttled client claiming another address: %d, want 429", got)
		}
		// Two proxies of ours in a row: the first address not ours counts.
		if got := status(e, hc, "192.0.2.1, 127.0.0.9"); got != 429 {
			t.Errorf("the throttled client through two trusted proxies: %d, want 429", got)
		}
		// IPv6: one /64 is one client.
		throttle(e, hc, "2001:db8:1:2::10")
		if got := status(e, hc, "2001:db8:1:2:ffff::1"); got != 429 {
			t.Errorf("another address of the same /64: %d, want 429", got)
		}
		if got := status(e, hc, "2001:db8:1:3::10"); got != 401 {
			t.Errorf("an address of another /64: %d, want 401", got)
		}
	})

	t.Run("no trusted proxy", func(t *testing.T) {
		e := newEnvWith(t, envOptions{now: clock.now})
		hc := &http.Client{Timeout: 10 * time.Second}
		throttle(e, hc, "192.0.2.1")
		if got := status(e, hc, "192.0.2.2"); got != 429 {
			t.Errorf("a new X-Forwarded-For from an untrusted peer: %d, want 429 (the peer counts)", got)
		}
	})
}

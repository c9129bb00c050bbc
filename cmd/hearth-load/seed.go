package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"time"
)

// api is a facilitator's HTTP client for Hearth's documented JSON API. It
// logs in once and keeps the cookie: /api/login is rate limited per address.
type api struct {
	base   string
	hc     *http.Client
	cookie string // "hearth_session=…", for the facilitators' WebSockets
}

func newAPI(base string) *api {
	jar, _ := cookiejar.New(nil)
	tr := &http.Transport{
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     30 * time.Second,
	}
	return &api{base: base, hc: &http.Client{Jar: jar, Transport: tr, Timeout: 30 * time.Second}}
}

// apiError is a refusal from the server, with its status and error code.
type apiError struct {
	method, path string
	status       int
	code         string
	message      string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%s %s: %d %s: %s", e.method, e.path, e.status, e.code, e.message)
}

// do sends in as JSON and decodes the answer into out. Any status other than
// want is an *apiError.
func (a *api) do(ctx context.Context, method, path string, want int, in, out any) error {
	return a.doWith(ctx, nil, method, path, want, in, out)
}

// doWith is do with more request headers (a participant's invite token).
func (a *api) doWith(ctx context.Context, h http.Header, method, path string, want int, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, body)
	if err != nil {
		return err
	}
	for k, v := range h {
		req.Header[k] = v
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.hc.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, redact(path), err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, redact(path), err)
	}
	if resp.StatusCode != want {
		var e struct {
			Error struct{ Code, Message string }
		}
		json.Unmarshal(data, &e)
		return &apiError{method, redact(path), resp.StatusCode, e.Error.Code, e.Error.Message}
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: decode: %w", method, redact(path), err)
		}
	}
	return nil
}

// redact hides invite tokens in paths that end up in error messages.
func redact(path string) string {
	if rest, ok := strings.CutPrefix(path, "/api/p/"); ok {
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			return "/api/p/…" + rest[i:]
		}
		return "/api/p/…"
	}
	return path
}

func (a *api) login(ctx context.Context, email, password string) error {
	err := a.do(ctx, "POST", "/api/login", http.StatusOK, map[string]string{"email": email, "password": password}, nil)
	if err != nil {
		return err
	}
	u, _ := url.Parse(a.base)
	for _, c := range a.hc.Jar.Cookies(u) {
		// Over https the cookie carries the __Host- prefix.
		if c.Name == "hearth_session" || c.Name == "__Host-hearth_session" {
			a.cookie = c.Name + "=" + c.Value
		}
	}
	if a.cookie == "" {
		return fmt.Errorf("login: the server set no hearth_session cookie")
	}
	return nil
}

// seededRoom is one cohort with its participants and its live session.
type seededRoom struct {
	cohortID  string
	sessionID string
	tokens    []string  // participants' invite tokens, in order
	items     [2]string // the integration mix's intentions and circle items
}

// seedRoom creates a cohort of m participants who all accept the
// agreements, plans a session and opens its room.
func (a *api) seedRoom(ctx context.Context, run string, i, m int, mix string) (seededRoom, error) {
	var c struct {
		ID                string `json:"id"`
		AgreementsVersion int    `json:"agreementsVersion"`
	}
	err := a.do(ctx, "POST", "/api/cohorts", http.StatusCreated, map[string]string{
		"name":        fmt.Sprintf("Load %s circle %d", run, i),
		"description": "Made by hearth-load.",
		"agreements":  "What is shared here stays here.\nSpeak from your own experience.\nYou may always pass.",
	}, &c)
	if err != nil {
		return seededRoom{}, err
	}
	sr := seededRoom{cohortID: c.ID}
	for j := 1; j <= m; j++ {
		var p struct {
			InviteURL string `json:"inviteUrl"`
		}
		err := a.do(ctx, "POST", "/api/cohorts/"+c.ID+"/participants", http.StatusCreated,
			map[string]string{"name": fmt.Sprintf("P%d.%d", i, j)}, &p)
		if err != nil {
			return sr, err
		}
		k := strings.LastIndex(p.InviteURL, "/j#")
		if k < 0 {
			return sr, fmt.Errorf("participant has no invite link")
		}
		token := p.InviteURL[k+len("/j#"):]
		if err := a.doWith(ctx, http.Header{"Authorization": {"Invite " + token}}, "POST", "/api/p/accept", http.StatusOK,
			map[string]int{"version": c.AgreementsVersion}, nil); err != nil {
			return sr, err
		}
		sr.tokens = append(sr.tokens, token)
	}
	var s struct {
		ID string `json:"id"`
	}
	err = a.do(ctx, "POST", "/api/cohorts/"+c.ID+"/sessions", http.StatusCreated, map[string]string{
		"title": "Load session", "startsAt": time.Now().UTC().Format(time.RFC3339),
	}, &s)
	if err != nil {
		return sr, err
	}
	sr.sessionID = s.ID
	if mix == mixIntegration {
		var planned struct {
			Agenda []struct {
				ID string `json:"id"`
			} `json:"agenda"`
		}
		err := a.do(ctx, "PUT", "/api/sessions/"+s.ID+"/agenda", http.StatusOK, map[string]any{"items": agendaItems}, &planned)
		if err != nil {
			return sr, err
		}
		if len(planned.Agenda) != len(sr.items) {
			return sr, fmt.Errorf("planned agenda has %d items, want %d", len(planned.Agenda), len(sr.items))
		}
		for k, it := range planned.Agenda {
			sr.items[k] = it.ID
		}
	}
	if err := a.do(ctx, "POST", "/api/sessions/"+s.ID+"/open", http.StatusOK, nil, nil); err != nil {
		return sr, err
	}
	return sr, nil
}

// seed makes n rooms with a few workers in parallel. It stops at the first
// error.
func (a *api) seed(ctx context.Context, run string, n, m, workers int, mix string) ([]seededRoom, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	out := make([]seededRoom, n)
	next := make(chan int)
	var (
		wg       sync.WaitGroup
		once     sync.Once
		firstErr error
	)
	for w := 0; w < workers; w++ {
		wg.Go(func() {
			for i := range next {
				sr, err := a.seedRoom(ctx, run, i, m, mix)
				if err != nil {
					once.Do(func() { firstErr = fmt.Errorf("seed room %d: %w", i, err); cancel() })
					continue
				}
				out[i] = sr
			}
		})
	}
feed:
	for i := 0; i < n; i++ {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return out, ctx.Err()
}

// closeRooms closes the sessions at the end of a run, so the next run does
// not find a thousand live rooms left behind.
func (a *api) closeRooms(ctx context.Context, rooms []seededRoom, workers int) (closed int, err error) {
	var (
		mu       sync.Mutex
		wg       sync.WaitGroup
		firstErr error
	)
	next := make(chan string)
	for w := 0; w < workers; w++ {
		wg.Go(func() {
			for id := range next {
				err := a.do(ctx, "POST", "/api/sessions/"+id+"/close", http.StatusOK, nil, nil)
				mu.Lock()
				if err == nil {
					closed++
				} else if firstErr == nil {
					firstErr = err
				}
				mu.Unlock()
			}
		})
	}
	for _, r := range rooms {
		if r.sessionID != "" {
			next <- r.sessionID
		}
	}
	close(next)
	wg.Wait()
	return closed, firstErr
}

// readyz asks /readyz once; it reports true for 200.
func (a *api) readyz(ctx context.Context, hc *http.Client) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", a.base+"/readyz", nil)
	if err != nil {
		return false
	}
	resp, err := hc.Do(req)
	if err != nil {
		return false
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

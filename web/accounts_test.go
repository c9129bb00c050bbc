package web_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"hearth/facilitator"
)

// wantLoginEnded waits for the console's socket to be told that its login
// ended (bye "revoked") and closed with 1000.
func wantLoginEnded(tb testing.TB, c *client) {
	tb.Helper()
	m := c.next("bye", isType("bye"))
	if m.Reason != "revoked" || !strings.Contains(m.Message, "login has ended") {
		tb.Errorf("%s: bye %q %q, want revoked, saying the login has ended", c.name, m.Reason, m.Message)
	}
	select {
	case <-c.closed:
	case <-time.After(10 * time.Second):
		tb.Fatalf("%s: still open 10 s after its bye", c.name)
	}
	if got := websocket.CloseStatus(c.end); got != websocket.StatusNormalClosure {
		tb.Errorf("%s: closed with %v (%v), want 1000", c.name, got, c.end)
	}
}

// wantStillOpen proves a member's socket still works: a sync is answered
// with a snapshot.
func wantStillOpen(tb testing.TB, c *client) {
	tb.Helper()
	c.send("sync", nil)
	c.next("snapshot", isType("snapshot"))
}

// coFacilitate makes other, logged in with email, a co-facilitator of the
// owner's cohort: the owner adds them, and they accept.
func (b *browser) coFacilitate(other *browser, cohortID, email string) {
	b.tb.Helper()
	b.must(200, "POST", "/api/cohorts/"+cohortID+"/facilitators", map[string]string{"email": email}, nil)
	other.must(200, "POST", "/api/invitations/"+cohortID+"/accept", nil, nil)
}

// secondLogin logs the same facilitator in from another browser.
func (e *env) secondLogin(email string) *browser {
	e.tb.Helper()
	b := e.browser()
	b.login(email)
	return b
}

func TestChangePasswordEndsOtherLogins(t *testing.T) {
	e := newEnv(t)
	ana := e.newFacilitator("ana@example.org", "Ana")
	g := ana.newGroup(1, true)
	ana.open(g)
	laptop := e.secondLogin("ana@example.org")
	mine := e.joinFacilitator(t, ana, g)
	theirs := e.joinFacilitator(t, laptop, g)

	var ae apiError
	for _, tc := range []struct {
		name, current, next, want string
	}{
		{"a wrong current password", "not the one", "another long passphrase", "current password is not right"},
		{"a short new one", "a long passphrase", "short", "at least 10"},
		{"a common new one", "a long passphrase", "Password123!", "This password is too common"},
	} {
		if got := ana.do("POST", "/api/me/password", map[string]string{"current": tc.current, "new": tc.next}, &ae); got != 400 || ae.Error.Code != "invalid" || !strings.Contains(ae.Error.Message, tc.want) {
			t.Errorf("%s: %d %+v, want 400 invalid %q", tc.name, got, ae.Error, tc.want)
		}
	}
	laptop.must(200, "GET", "/api/me", nil, nil)

	ana.must(204, "POST", "/api/me/password", map[string]string{"current": "a long passphrase", "new": "another long passphrase"}, nil)
	wantLoginEnded(t, theirs)
	if got := laptop.do("GET", "/api/me", nil, &ae); got != 401 {
		t.Errorf("the other login after the change: %d, want 401", got)
	}
	ana.must(200, "GET", "/api/me", nil, nil)
	wantStillOpen(t, mine)

	if got := e.browser().do("POST", "/api/login", map[string]string{"email": "ana@example.org", "password": "a long passphrase"}, &ae); got != 401 {
		t.Errorf("login with the old password: %d, want 401", got)
	}
	e.browser().must(200, "POST", "/api/login", map[string]string{"email": "ana@example.org", "password": "another long passphrase"}, nil)
	if got := e.browser().do("POST", "/api/me/password", map[string]string{"current": "x", "new": "y"}, &ae); got != 401 {
		t.Errorf("a password change without a login: %d, want 401", got)
	}
}

func TestLogoutEverywhere(t *testing.T) {
	e := newEnv(t)
	ana := e.newFacilitator("ana@example.org", "Ana")
	ben := e.newFacilitator("ben@example.org", "Ben")
	g := ana.newGroup(1, true)
	ana.open(g)
	phone := e.secondLogin("ana@example.org")
	here := e.joinFacilitator(t, ana, g)
	there := e.joinFacilitator(t, phone, g)
	p0 := e.joinParticipant(t, g, 0)

	ana.must(204, "POST", "/api/logout-all", nil, nil)
	wantLoginEnded(t, here)
	wantLoginEnded(t, there)
	var ae apiError
	for name, b := range map[string]*browser{"this browser": ana, "the phone": phone} {
		if got := b.do("GET", "/api/me", nil, &ae); got != 401 {
			t.Errorf("%s after logging out everywhere: %d, want 401", name, got)
		}
	}
	// Only Ana's logins ended; the room and its participants go on.
	ben.must(200, "GET", "/api/me", nil, nil)
	wantStillOpen(t, p0)
}

func TestLogoutClosesItsSockets(t *testing.T) {
	e := newEnv(t)
	ana := e.newFacilitator("ana@example.org", "Ana")
	g := ana.newGroup(0, false)
	ana.open(g)
	laptop := e.secondLogin("ana@example.org")
	here := e.joinFacilitator(t, ana, g)
	there := e.joinFacilitator(t, laptop, g)

	ana.must(204, "POST", "/api/logout", nil, nil)
	wantLoginEnded(t, here)
	wantStillOpen(t, there)
	laptop.must(200, "GET", "/api/me", nil, nil)
	// The cookie of an ended login opens no socket.
	if _, err := dial(t, e.wsURL("/ws/sessions/"+g.session), ana.cookieHeader(), "ended"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("a socket with the ended login: %v, want 401", err)
	}
}

// A login unused for --login-idle ends, unless a console holds it open in a
// room; then its idle time counts from when the console went away.
func TestLoginIdleAndLiveConsole(t *testing.T) {
	clk := &fixtureClock{t: time.Date(2026, 12, 1, 18, 0, 0, 0, time.UTC)}
	e := newEnvWith(t, envOptions{now: clk.now, loginIdle: time.Hour})
	ana := e.newFacilitator("ana@example.org", "Ana")
	g := ana.newGroup(0, false)
	ana.open(g)
	idle := e.secondLogin("ana@example.org")
	console := e.joinFacilitator(t, ana, g)

	clk.advance(3 * time.Hour)
	var ae apiError
	if got := idle.do("GET", "/api/me", nil, &ae); got != 401 {
		t.Errorf("a login unused for 3 h: %d, want 401", got)
	}
	// The console's login is held by its live socket.
	ana.must(200, "GET", "/api/me", nil, nil)
	wantStillOpen(t, console)

	clk.advance(3 * time.Hour)
	console.close()
	// When the console's socket ends, the login's last use is now.
	hash := loginHash(t, ana)
	deadline := time.After(10 * time.Second)
	look := time.NewTicker(10 * time.Millisecond)
	defer look.Stop()
	for {
		l, err := e.db.Login(context.Background(), hash)
		if err != nil {
			t.Fatalf("the console's login: %v", err)
		}
		if l.LastSeen.Equal(clk.now()) {
			break
		}
		select {
		case <-look.C:
		case <-deadline:
			t.Fatalf("the console's login was last seen %v, want %v once its socket ended", l.LastSeen, clk.now())
		}
	}
	clk.advance(time.Hour - time.Minute)
	ana.must(200, "GET", "/api/me", nil, nil)
	clk.advance(time.Hour)
	if got := ana.do("GET", "/api/me", nil, &ae); got != 401 {
		t.Errorf("the console's login an hour after its socket ended: %d, want 401", got)
	}
}

// At a login's absolute expiry its live sockets are closed, held or not.
func TestLoginExpiryClosesSockets(t *testing.T) {
	e := newEnvWith(t, envOptions{loginTTL: 2 * time.Second})
	ana := e.newFacilitator("ana@example.org", "Ana")
	g := ana.newGroup(0, false)
	ana.open(g)
	console := e.joinFacilitator(t, ana, g)
	wantLoginEnded(t, console)
	var ae apiError
	if got := ana.do("GET", "/api/me", nil, &ae); got != 401 {
		t.Errorf("the expired login: %d, want 401", got)
	}
}

// loginHash returns the token hash of the browser's login.
func loginHash(tb testing.TB, b *browser) string {
	tb.Helper()
	for _, c := range b.cookieHeader()["Cookie"] {
		if v, ok := strings.CutPrefix(c, "hearth_session="); ok {
			return facilitator.HashToken(v)
		}
	}
	tb.Fatal("no login cookie")
	return ""
}

type facilitatorsJSON struct {
	OwnerID      string `json:"ownerId"`
	Facilitators []struct {
		ID    string `json:"id"`
		Email string `json:"email"`
	} `json:"facilitators"`
	Invitations []struct {
		Email string `json:"email"`
	} `json:"invitations"`
}

func (f facilitatorsJSON) emails() (facs, invited []string) {
	for _, a := range f.Facilitators {
		facs = append(facs, a.Email)
	}
	for _, in := range f.Invitations {
		invited = append(invited, in.Email)
	}
	return facs, invited
}

// The owner adds co-facilitators by email, answered alike whether or not
// the email has an account; the added person accepts or declines on their
// next login; only the owner removes, a co-facilitator may leave, and a
// removed co-facilitator's room socket ends.
func TestCoFacilitators(t *testing.T) {
	e := newEnv(t)
	ana := e.newFacilitator("ana@example.org", "Ana")
	ben := e.newFacilitator("ben@example.org", "Ben")
	cleo := e.newFacilitator("cleo@example.org", "Cleo")
	g := ana.newGroup(1, true)
	ana.open(g)
	base := "/api/cohorts/" + g.cohort

	var known, unknown facilitatorsJSON
	ana.must(200, "POST", base+"/facilitators", map[string]string{"email": "ben@example.org"}, &known)
	ana.must(200, "POST", base+"/facilitators", map[string]string{"email": "nobody@example.org"}, &unknown)
	knownFacs, _ := known.emails()
	unknownFacs, invited := unknown.emails()
	if strings.Join(knownFacs, ",") != "ana@example.org" || strings.Join(unknownFacs, ",") != "ana@example.org" {
		t.Errorf("facilitators after the adds: %v and %v, want Ana alone both times", knownFacs, unknownFacs)
	}
	if strings.Join(invited, ",") != "ben@example.org,nobody@example.org" {
		t.Errorf("invitations: %v, want Ben's and nobody's, alike", invited)
	}
	if unknown.OwnerID == "" || unknown.OwnerID != unknown.Facilitators[0].ID {
		t.Errorf("ownerId %q, want Ana's %q", unknown.OwnerID, unknown.Facilitators[0].ID)
	}

	// Ben sees the invitation on his next look, and accepts it.
	var list struct {
		Invitations []struct {
			CohortID   string `json:"cohortId"`
			CohortName string `json:"cohortName"`
			InvitedBy  string `json:"invitedBy"`
		} `json:"invitations"`
	}
	ben.must(200, "GET", "/api/invitations", nil, &list)
	if len(list.Invitations) != 1 || list.Invitations[0].CohortID != g.cohort || list.Invitations[0].InvitedBy != "Ana" || list.Invitations[0].CohortName != "Tuesday circle" {
		t.Fatalf("Ben's invitations: %+v, want Ana's to Tuesday circle", list.Invitations)
	}
	ben.must(200, "POST", "/api/invitations/"+g.cohort+"/accept", nil, nil)
	bens := e.joinFacilitator(t, ben, g)

	// Cleo declines hers: it is gone, and so is the cohort for her.
	ana.must(200, "POST", base+"/facilitators", map[string]string{"email": "cleo@example.org"}, nil)
	cleo.must(204, "POST", "/api/invitations/"+g.cohort+"/decline", nil, nil)
	cleo.must(200, "GET", "/api/invitations", nil, &list)
	var ae apiError
	if len(list.Invitations) != 0 {
		t.Errorf("Cleo's invitations after declining: %+v", list.Invitations)
	}
	if got := cleo.do("GET", base, nil, &ae); got != 404 {
		t.Errorf("Cleo reads the cohort she declined: %d, want 404", got)
	}
	if got := cleo.do("POST", "/api/invitations/"+g.cohort+"/accept", nil, &ae); got != 404 {
		t.Errorf("Cleo accepts after declining: %d, want 404", got)
	}

	// Only the owner adds and removes.
	var anaID string
	for _, a := range known.Facilitators {
		anaID = a.ID
	}
	for _, tc := range []struct {
		name, method, path string
		body               any
	}{
		{"a co-facilitator adds", "POST", base + "/facilitators", map[string]string{"email": "dan@example.org"}},
		{"a co-facilitator removes the owner", "DELETE", base + "/facilitators/" + anaID, nil},
		{"a co-facilitator withdraws an invitation", "DELETE", base + "/invitations/nobody@example.org", nil},
	} {
		if got := ben.do(tc.method, tc.path, tc.body, &ae); got != 403 || ae.Error.Code != "forbidden" {
			t.Errorf("%s: %d %+v, want 403 forbidden", tc.name, got, ae.Error)
		}
	}
	if got := ana.do("DELETE", base+"/facilitators/"+anaID, nil, &ae); got != 409 {
		t.Errorf("the owner leaves: %d %+v, want 409", got, ae.Error)
	}
	var after facilitatorsJSON
	ana.must(200, "DELETE", base+"/invitations/nobody@example.org", nil, &after)
	if _, invited := after.emails(); len(invited) != 0 {
		t.Errorf("invitations after withdrawing: %v, want none", invited)
	}

	// The owner removes Ben: his room socket ends, and the cohort is gone
	// for him.
	var benID string
	ana.must(200, "GET", base, nil, &after)
	for _, a := range after.Facilitators {
		if a.Email == "ben@example.org" {
			benID = a.ID
		}
	}
	ana.must(200, "DELETE", base+"/facilitators/"+benID, nil, &after)
	if facs, _ := after.emails(); strings.Join(facs, ",") != "ana@example.org" {
		t.Errorf("facilitators after removing Ben: %v", facs)
	}
	m := bens.next("bye", isType("bye"))
	if m.Reason != "revoked" || !strings.Contains(m.Message, "no longer a facilitator") {
		t.Errorf("Ben's bye: %q %q, want revoked, no longer a facilitator", m.Reason, m.Message)
	}
	if got := ben.do("GET", base, nil, &ae); got != 404 {
		t.Errorf("Ben reads the cohort after his removal: %d, want 404", got)
	}
	if _, err := dial(t, e.wsURL("/ws/sessions/"+g.session), ben.cookieHeader(), "ben again"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("Ben's socket after his removal: %v, want 404", err)
	}

	// Invited again, he accepts, then leaves by himself.
	ana.coFacilitate(ben, g.cohort, "ben@example.org")
	ben.must(204, "DELETE", base+"/facilitators/"+benID, nil, nil)
	if got := ben.do("GET", base, nil, &ae); got != 404 {
		t.Errorf("Ben reads the cohort he left: %d, want 404", got)
	}
}

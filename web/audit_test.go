package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"hearth/facilitator"
)

// forwardedFor makes every request of b come through the test's proxy on
// behalf of the client at addr.
type forwardedFor struct {
	addr string
	next http.RoundTripper
}

func (f forwardedFor) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("X-Forwarded-For", f.addr)
	return f.next.RoundTrip(r)
}

func (b *browser) from(addr string) *browser {
	b.hc.Transport = forwardedFor{addr: addr, next: http.DefaultTransport}
	return b
}

// auditLog reads the whole audit from the server's database, as the
// operator's command would.
type auditLog struct {
	tb   testing.TB
	e    *env
	seen int
}

func (l *auditLog) all() []facilitator.AuditEntry {
	l.tb.Helper()
	l.e.mu.Lock()
	db := l.e.db
	l.e.mu.Unlock()
	var out []facilitator.AuditEntry
	if err := db.EachAudit(context.Background(), time.Time{}, func(e facilitator.AuditEntry) error {
		out = append(out, e)
		return nil
	}); err != nil {
		l.tb.Fatalf("read the audit: %v", err)
	}
	return out
}

// one checks that exactly one entry was appended since the last check, and
// that it is want (ID and time aside), and returns it.
func (l *auditLog) one(want facilitator.AuditEntry) facilitator.AuditEntry {
	l.tb.Helper()
	all := l.all()
	got := all[l.seen:]
	l.seen = len(all)
	if len(got) != 1 {
		l.tb.Fatalf("after %s: %d new audit entries, want 1: %+v", want.Action, len(got), got)
	}
	e := got[0]
	if e.ID == "" || e.At.IsZero() || time.Since(e.At) > time.Minute {
		l.tb.Errorf("%s: ID %q at %v, want an ID and the time now", want.Action, e.ID, e.At)
	}
	want.ID, want.At = e.ID, e.At
	if e != want {
		l.tb.Errorf("audit entry:\n got %+v\nwant %+v", e, want)
	}
	return e
}

// none checks that nothing was appended since the last check.
func (l *auditLog) none(after string) {
	l.tb.Helper()
	all := l.all()
	if got := all[l.seen:]; len(got) != 0 {
		l.tb.Errorf("after %s: %d new audit entries, want none: %+v", after, len(got), got)
	}
	l.seen = len(all)
}

type auditPage struct {
	Entries []facilitator.AuditEntry `json:"entries"`
	Next    string                   `json:"next"`
}

// TestAudit walks every audited action over real HTTP, WebSockets and bbolt:
// each leaves exactly one entry, with its actor, action, target and the
// client's address as the trusted proxy gave it.
func TestAudit(t *testing.T) {
	e := behindProxy(t, envOptions{})
	log := &auditLog{tb: t, e: e}
	const anaAddr, benAddr, carolAddr = "192.0.2.10", "2001:db8::b", "198.51.100.3"

	ana := e.newFacilitator("ana@example.org", "Ana") // through setup: a login
	var me struct{ ID string }
	ana.must(200, "GET", "/api/me", nil, &me)
	anaID := me.ID
	anaBy := func(action string) facilitator.AuditEntry {
		return facilitator.AuditEntry{ActorID: anaID, Actor: "ana@example.org", Action: action, Addr: anaAddr}
	}
	log.one(facilitator.AuditEntry{ActorID: anaID, Actor: "ana@example.org", Action: facilitator.AuditLogin, Addr: "127.0.0.1"})

	ana.from(anaAddr).login("ana@example.org")
	log.one(anaBy(facilitator.AuditLogin))

	t.Run("a failed login is audited without the password", func(t *testing.T) {
		const password = "Correct-Horse-1234"
		stranger := e.browser().from("203.0.113.9")
		stranger.must(401, "POST", "/api/login", map[string]string{"email": " Ana@Example.org ", "password": password}, nil)
		got := log.one(facilitator.AuditEntry{Actor: "ana@example.org", Action: facilitator.AuditLoginFailed, Addr: "203.0.113.9"})
		// Typed into the email field, a password is not kept either.
		stranger.must(401, "POST", "/api/login", map[string]string{"email": password, "password": password}, nil)
		got2 := log.one(facilitator.AuditEntry{Actor: "(not an email address)", Action: facilitator.AuditLoginFailed, Addr: "203.0.113.9"})
		for _, e := range []facilitator.AuditEntry{got, got2} {
			if data, _ := json.Marshal(e); bytes.Contains(data, []byte(password)) {
				t.Errorf("the audit holds the password: %s", data)
			}
		}
	})

	g := ana.newGroup(2, true)
	log.none("making a cohort, its participants and a session")
	with := func(x facilitator.AuditEntry, session, target string) facilitator.AuditEntry {
		x.CohortID, x.SessionID, x.Target = g.cohort, session, target
		return x
	}

	t.Run("sending someone out of the live session", func(t *testing.T) {
		ana.open(g)
		h := ana.cookieHeader()
		h.Set("X-Forwarded-For", anaAddr)
		fac, err := dial(t, e.wsURL("/ws/sessions/"+g.session), h, "facilitator")
		if err != nil {
			t.Fatal(err)
		}
		fac.next("snapshot", isType("snapshot"))
		p0 := e.joinParticipant(t, g, 0)
		defer p0.close()
		id := fac.send("door.remove", map[string]string{"memberId": g.ids[0]})
		fac.reply(id, "ack")
		// The same action again (a retry) and a refused one are not
		// audited; the connection applies frames in order, so once the
		// refusal is in, the first removal's entry is written.
		fac.sendID(id, "door.remove", map[string]string{"memberId": g.ids[0]})
		fac.reply(id, "ack")
		fac.reply(fac.send("door.remove", map[string]string{"memberId": g.ids[0]}), "error")
		log.one(with(anaBy(facilitator.AuditRoomRemoved), g.session, g.ids[0]))
		fac.close()
		ana.must(200, "POST", "/api/sessions/"+g.session+"/close", nil, nil)
		log.none("opening and closing a session")
	})

	t.Run("reading and exporting the cohort's memory", func(t *testing.T) {
		ana.must(200, "GET", "/api/sessions/"+g.session+"/summary", nil, nil)
		log.one(with(anaBy(facilitator.AuditSummaryViewed), g.session, ""))
		ana.must(200, "GET", "/api/cohorts/"+g.cohort+"/overview", nil, nil)
		log.one(with(anaBy(facilitator.AuditOverviewViewed), "", ""))
		ana.must(200, "GET", "/api/cohorts/"+g.cohort+"/export.json", nil, nil)
		log.one(with(anaBy(facilitator.AuditExported), "", "json"))
		resp, err := ana.hc.Get(e.url() + "/api/cohorts/" + g.cohort + "/export.md")
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("export.md: %v %v", resp, err)
		}
		resp.Body.Close()
		log.one(with(anaBy(facilitator.AuditExported), "", "markdown"))
	})

	t.Run("links and the roster", func(t *testing.T) {
		ana.must(200, "POST", "/api/cohorts/"+g.cohort+"/participants/"+g.ids[1]+"/reissue", nil, nil)
		log.one(with(anaBy(facilitator.AuditInviteReissued), "", g.ids[1]))
		ana.must(204, "DELETE", "/api/cohorts/"+g.cohort+"/participants/"+g.ids[1], nil, nil)
		log.one(with(anaBy(facilitator.AuditParticipantRemoved), "", g.ids[1]))
	})

	var ben, carol *browser
	var benID, carolID string
	t.Run("co-facilitators", func(t *testing.T) {
		ben = e.newFacilitator("ben@example.org", "Ben").from(benAddr)
		ben.must(200, "GET", "/api/me", nil, &me)
		benID = me.ID
		log.one(facilitator.AuditEntry{ActorID: benID, Actor: "ben@example.org", Action: facilitator.AuditLogin, Addr: "127.0.0.1"})
		benBy := func(action string) facilitator.AuditEntry {
			return with(facilitator.AuditEntry{ActorID: benID, Actor: "ben@example.org", Action: action, Addr: benAddr}, "", "")
		}
		invite := func(email string) {
			ana.must(200, "POST", "/api/cohorts/"+g.cohort+"/facilitators", map[string]string{"email": email}, nil)
			log.one(with(anaBy(facilitator.AuditCoFacilitatorInvited), "", email))
		}
		invite("ben@example.org")
		ben.must(204, "POST", "/api/invitations/"+g.cohort+"/decline", nil, nil)
		log.one(benBy(facilitator.AuditCoFacilitatorDeclined))
		invite("ben@example.org")
		ben.must(200, "POST", "/api/invitations/"+g.cohort+"/accept", nil, nil)
		log.one(benBy(facilitator.AuditCoFacilitatorJoined))
		ana.must(200, "DELETE", "/api/cohorts/"+g.cohort+"/facilitators/"+benID, nil, nil)
		log.one(with(anaBy(facilitator.AuditCoFacilitatorRemoved), "", benID))

		carol = e.newFacilitator("carol@example.org", "Carol").from(carolAddr)
		carol.must(200, "GET", "/api/me", nil, &me)
		carolID = me.ID
		log.one(facilitator.AuditEntry{ActorID: carolID, Actor: "carol@example.org", Action: facilitator.AuditLogin, Addr: "127.0.0.1"})
		invite("carol@example.org")
		carol.must(200, "POST", "/api/invitations/"+g.cohort+"/accept", nil, nil)
		log.one(with(facilitator.AuditEntry{ActorID: carolID, Actor: "carol@example.org", Action: facilitator.AuditCoFacilitatorJoined, Addr: carolAddr}, "", ""))
		carol.must(204, "DELETE", "/api/cohorts/"+g.cohort+"/facilitators/"+carolID, nil, nil)
		log.one(with(facilitator.AuditEntry{ActorID: carolID, Actor: "carol@example.org", Action: facilitator.AuditCoFacilitatorLeft, Addr: carolAddr}, "", ""))

		invite("dan@example.org")
		ana.must(200, "DELETE", "/api/cohorts/"+g.cohort+"/invitations/"+url.PathEscape("dan@example.org"), nil, nil)
		log.one(with(anaBy(facilitator.AuditInvitationWithdrawn), "", "dan@example.org"))
	})

	t.Run("the cohort's facilitators read its audit, newest first, in pages", func(t *testing.T) {
		var want []string
		for _, x := range log.all() {
			if x.CohortID == g.cohort {
				want = append([]string{x.ID}, want...)
			}
		}
		var got []string
		before := ""
		for pages := 0; ; pages++ {
			if pages > len(want) {
				t.Fatalf("more pages than entries")
			}
			var p auditPage
			ana.must(200, "GET", "/api/cohorts/"+g.cohort+"/audit?limit=4&before="+before, nil, &p)
			if len(p.Entries) > 4 {
				t.Fatalf("a page of %d entries, limit 4", len(p.Entries))
			}
			for _, x := range p.Entries {
				got = append(got, x.ID)
			}
			if p.Next == "" {
				break
			}
			before = p.Next
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("the cohort's audit through its pages:\n got %v\nwant %v", got, want)
		}
		// Who does not facilitate the cohort (any more) cannot tell it exists.
		for name, b := range map[string]*browser{"a removed co-facilitator": ben, "one who left": carol} {
			if st := b.do("GET", "/api/cohorts/"+g.cohort+"/audit", nil, nil); st != 404 {
				t.Errorf("%s reads the audit: %d, want 404", name, st)
			}
		}
		if st := e.browser().do("GET", "/api/cohorts/"+g.cohort+"/audit", nil, nil); st != 401 {
			t.Errorf("no login: %d, want 401", st)
		}
		if st := ana.do("GET", "/api/cohorts/"+g.cohort+"/audit?limit=x", nil, nil); st != 400 {
			t.Errorf("limit=x: %d, want 400", st)
		}
		if st := ana.do("GET", "/api/cohorts/"+g.cohort+"/audit?before=nope", nil, nil); st != 400 {
			t.Errorf("before=nope: %d, want 400", st)
		}
		log.none("reading the audit")
	})

	t.Run("deleting the cohort leaves its audit", func(t *testing.T) {
		before := log.all()
		l := &auditLog{tb: t, e: e, seen: len(before)}
		ana.do("POST", "/api/sessions/"+g.session+"/close", nil, nil) // closed already, or now
		ana.must(204, "DELETE", "/api/sessions/"+g.session, nil, nil)
		l.one(with(anaBy(facilitator.AuditSessionDeleted), g.session, ""))
		ana.must(204, "DELETE", "/api/cohorts/"+g.cohort+"/participants/"+g.ids[0]+"?erase=true", nil, nil)
		l.one(with(anaBy(facilitator.AuditParticipantErased), "", g.ids[0]))
		ana.must(204, "DELETE", "/api/cohorts/"+g.cohort, nil, nil)
		// The deletion is recorded with the cohort's name and IDs only.
		deleted := anaBy(facilitator.AuditCohortDeleted)
		deleted.CohortID, deleted.CohortName = g.cohort, "Tuesday circle"
		l.one(deleted)
		after := l.all()
		for i, x := range before {
			if after[i] != x {
				t.Errorf("entry %d changed with the cohort's deletion: %+v, was %+v", i, after[i], x)
			}
		}
		ana.login("ana@example.org")
		if st := ana.do("GET", "/api/cohorts/"+g.cohort+"/audit", nil, nil); st != 404 {
			t.Errorf("the deleted cohort's audit over HTTP: %d, want 404 (the operator reads it)", st)
		}
		for _, x := range after {
			data, _ := json.Marshal(x)
			if bytes.Contains(data, []byte("P0")) || bytes.Contains(data, []byte("P1")) {
				t.Errorf("an audit entry holds a participant's name: %s", data)
			}
		}
	})
}

// TestAuditUntrustedProxy: a client's own X-Forwarded-For is not believed
// from a peer that is not a trusted proxy; its peer's address is audited.
func TestAuditUntrustedProxy(t *testing.T) {
	e := newEnv(t)
	log := &auditLog{tb: t, e: e}
	e.newFacilitator("ana@example.org", "Ana")
	log.seen = len(log.all())
	e.browser().from("203.0.113.5").login("ana@example.org")
	got := log.all()[log.seen:]
	if len(got) != 1 || got[0].Action != facilitator.AuditLogin || got[0].Addr != "127.0.0.1" {
		t.Errorf("a login claiming 203.0.113.5 from an untrusted peer: %+v, want one login from 127.0.0.1", got)
	}
}

package web_test

import (
	"fmt"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"hearth/web"
)

// careJSON is a cohort's care settings as GET and PATCH answer them.
type careJSON struct {
	VideoURL       string `json:"videoUrl"`
	ClosingText    string `json:"closingText"`
	CrisisText     string `json:"crisisText"`
	AdmitOnArrival bool   `json:"admitOnArrival"`
}

// TestCohortCareSettingsOverHTTP sets the closing text, the support lines and
// admission on arrival with PATCH: the answer and GET carry them; a text too
// long is refused and changes nothing; a new cohort has none.
func TestCohortCareSettingsOverHTTP(t *testing.T) {
	e := newEnv(t)
	fb := e.newFacilitator("ana@example.org", "Ana")
	g := fb.newGroup(1, true)
	path := "/api/cohorts/" + g.cohort

	var got careJSON
	fb.must(200, "GET", path, nil, &got)
	if got != (careJSON{}) {
		t.Errorf("a new cohort: %+v, want no care settings", got)
	}

	want := careJSON{ClosingText: "Rest tonight.\nThe line is open: 0800 111.", CrisisText: "Line: 0800 111", AdmitOnArrival: true}
	fb.must(200, "PATCH", path, map[string]any{
		"closingText": "  " + want.ClosingText + "\n", "crisisText": want.CrisisText, "admitOnArrival": true,
	}, &got)
	if got != want {
		t.Errorf("PATCH answered %+v, want %+v", got, want)
	}
	fb.must(200, "GET", path, nil, &got)
	if got != want {
		t.Errorf("GET after PATCH: %+v, want %+v", got, want)
	}

	var ae apiError
	for _, field := range []string{"closingText", "crisisText"} {
		if code := fb.do("PATCH", path, map[string]any{field: strings.Repeat("a", 2001), "admitOnArrival": false}, &ae); code != 400 || ae.Error.Code != "invalid" {
			t.Errorf("PATCH %s of 2001 characters: %d %q, want 400 invalid", field, code, ae.Error.Code)
		}
	}
	fb.must(200, "GET", path, nil, &got)
	if got != want {
		t.Errorf("GET after refused PATCHes: %+v, want %+v unchanged", got, want)
	}
	fb.must(200, "PATCH", path, map[string]any{"closingText": strings.Repeat("é", 2000)}, &got)
	if got.ClosingText != strings.Repeat("é", 2000) || got.CrisisText != want.CrisisText || !got.AdmitOnArrival {
		t.Errorf("PATCH of a closing text of 2000 characters alone: %+v, want it set and the rest kept", got)
	}

	// They are kept on disk, not in the server.
	e.restart()
	fb.login("ana@example.org")
	fb.must(200, "GET", path, nil, &got)
	if got.ClosingText != strings.Repeat("é", 2000) || got.CrisisText != want.CrisisText || !got.AdmitOnArrival {
		t.Errorf("after a restart: %+v, want the settings kept", got)
	}
}

// TestParticipantSeesCrisisAndClosing reads a participant's link: the
// operator's crisis text (the default, or the operator's own) and the
// cohort's, and the closing text, before and after the agreements.
func TestParticipantSeesCrisisAndClosing(t *testing.T) {
	e := newEnv(t)
	fb := e.newFacilitator("ana@example.org", "Ana")
	g := fb.newGroup(1, false)

	type invitee struct {
		Crisis struct {
			Operator string `json:"operator"`
			Cohort   string `json:"cohort"`
		} `json:"crisis"`
		Closing string `json:"closing"`
	}
	var got invitee
	e.browser().must(200, "GET", "/api/p/"+g.tokens[0], nil, &got)
	if got.Crisis.Operator != web.DefaultCrisisText || got.Crisis.Cohort != "" || got.Closing != "" {
		t.Errorf("with nothing set: %+v, want the default operator's text only", got)
	}
	for _, say := range []string{"emergency number", "not watched outside sessions"} {
		if !strings.Contains(web.DefaultCrisisText, say) {
			t.Errorf("the default crisis text %q does not say %q", web.DefaultCrisisText, say)
		}
	}

	fb.must(200, "PATCH", "/api/cohorts/"+g.cohort, map[string]any{"crisisText": "Line: 0800 111", "closingText": "Rest tonight."}, nil)
	e.browser().must(200, "GET", "/api/p/"+g.tokens[0], nil, &got)
	if got.Crisis.Operator != web.DefaultCrisisText || got.Crisis.Cohort != "Line: 0800 111" || got.Closing != "Rest tonight." {
		t.Errorf("with the cohort's texts set: %+v, want them beside the default operator's text", got)
	}

	// The operator's own text replaces the default.
	e, _ = newTunedEnv(t, 30*time.Second, func(w *web.Server) { w.CrisisText = "In Ireland: 112, or Samaritans 116 123." })
	fb = e.newFacilitator("ana@example.org", "Ana")
	g = fb.newGroup(1, false)
	fb.must(200, "PATCH", "/api/cohorts/"+g.cohort, map[string]any{"crisisText": "Line: 0800 111", "closingText": "Rest tonight."}, nil)
	e.browser().must(200, "GET", "/api/p/"+g.tokens[0], nil, &got)
	want := invitee{Closing: "Rest tonight."}
	want.Crisis.Operator, want.Crisis.Cohort = "In Ireland: 112, or Samaritans 116 123.", "Line: 0800 111"
	if got != want {
		t.Errorf("with texts set, before the agreements: %+v, want %+v", got, want)
	}
}

// TestNextSessionCalendar fetches the next planned session as an iCalendar
// file: its lines, escaping, times in UTC and 90 minutes long, no link with
// the token; 404 when nothing is planned, 401 for an unknown link.
func TestNextSessionCalendar(t *testing.T) {
	e := newEnv(t)
	fb := e.newFacilitator("ana@example.org", "Ana")
	g := fb.newGroup(1, false) // the calendar needs no agreements
	fb.must(200, "PATCH", "/api/cohorts/"+g.cohort, map[string]string{"name": `Tuesday, the "long" circle; with a \ in it`}, nil)

	get := func(path string) (*http.Response, string) {
		t.Helper()
		resp, err := http.Get(e.url() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}

	// newGroup planned "Week 1" at 2026-12-01T18:00:00Z, the next by time;
	// Week 2 is planned in another zone, to come back in UTC.
	fb.must(201, "POST", "/api/cohorts/"+g.cohort+"/sessions", map[string]string{
		"title": "Week 2", "startsAt": "2026-12-08T19:30:00+01:00",
	}, nil)
	resp, body := get("/api/p/" + g.tokens[0] + "/next.ics")
	if resp.StatusCode != 200 {
		t.Fatalf("next.ics: %d %s, want 200", resp.StatusCode, body)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/calendar") {
		t.Errorf("Content-Type %q, want text/calendar", ct)
	}
	if cd := resp.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.Contains(cd, ".ics") {
		t.Errorf("Content-Disposition %q, want an .ics attachment", cd)
	}
	if !strings.HasSuffix(body, "\r\n") || strings.Contains(strings.ReplaceAll(body, "\r\n", ""), "\n") {
		t.Errorf("lines do not all end in CRLF: %q", body)
	}
	// Unfold (RFC 5545, 3.1) and check each line is at most 75 octets.
	for _, l := range strings.Split(strings.TrimSuffix(body, "\r\n"), "\r\n") {
		if len(l) > 75 {
			t.Errorf("line of %d octets, want at most 75: %q", len(l), l)
		}
	}
	unfolded := strings.ReplaceAll(body, "\r\n ", "")
	props := map[string]string{}
	for _, l := range strings.Split(strings.TrimSuffix(unfolded, "\r\n"), "\r\n") {
		name, value, _ := strings.Cut(l, ":")
		if _, seen := props[name]; !seen {
			props[name] = value
		}
	}
	for name, want := range map[string]string{
		"VERSION": "2.0",
		"DTSTART": "20261201T180000Z",
		"DTEND":   "20261201T193000Z",
		"SUMMARY": `Tuesday\, the "long" circle\; with a \\ in it: Week 1`,
	} {
		if props[name] != want {
			t.Errorf("%s:%s, want %s", name, props[name], want)
		}
	}
	if !strings.HasPrefix(unfolded, "BEGIN:VCALENDAR\r\n") || !strings.HasSuffix(unfolded, "END:VCALENDAR\r\n") || !strings.Contains(unfolded, "BEGIN:VEVENT\r\n") {
		t.Errorf("not one VCALENDAR with a VEVENT: %q", unfolded)
	}
	if props["UID"] == "" || props["PRODID"] == "" {
		t.Errorf("UID %q, PRODID %q: want both", props["UID"], props["PRODID"])
	}
	if stamp, err := time.Parse("20060102T150405Z", props["DTSTAMP"]); err != nil || time.Since(stamp) > time.Minute {
		t.Errorf("DTSTAMP %q: want now in UTC (%v)", props["DTSTAMP"], err)
	}
	if strings.Contains(body, g.tokens[0]) || regexp.MustCompile(`(?i)https?://|/j/`).MatchString(body) {
		t.Errorf("the calendar holds a link: %q", body)
	}

	// Once Week 1 is held, the next is Week 2, in UTC.
	fb.open(g)
	fb.must(200, "POST", "/api/sessions/"+g.session+"/close", nil, nil)
	_, body = get("/api/p/" + g.tokens[0] + "/next.ics")
	if !strings.Contains(body, "DTSTART:20261208T183000Z\r\n") || !strings.Contains(body, "Week 2") {
		t.Errorf("after Week 1: %q, want Week 2 at 18:30 UTC", body)
	}

	var ae apiError
	other := e.newFacilitator("ben@example.org", "Ben")
	empty := other.newGroupWithoutSession(1)
	if code := e.browser().do("GET", "/api/p/"+empty.tokens[0]+"/next.ics", nil, &ae); code != 404 || ae.Error.Code != "not_found" {
		t.Errorf("with nothing planned: %d %q, want 404 not_found", code, ae.Error.Code)
	}
	if code := e.browser().do("GET", "/api/p/not-a-real-token/next.ics", nil, &ae); code != 401 || ae.Error.Code != "unauthorized" {
		t.Errorf("an unknown link: %d %q, want 401 unauthorized", code, ae.Error.Code)
	}
}

// TestFoldedCalendarLines plans a session whose title takes a summary past
// 75 octets in characters of several bytes: the lines fold without
// splitting one.
func TestFoldedCalendarLines(t *testing.T) {
	e := newEnv(t)
	fb := e.newFacilitator("ana@example.org", "Ana")
	g := fb.newGroupWithoutSession(1)
	title := strings.Repeat("é", 40) + strings.Repeat("🌿", 20)
	fb.must(201, "POST", "/api/cohorts/"+g.cohort+"/sessions", map[string]string{"title": title, "startsAt": "2026-12-01T18:00:00Z"}, nil)
	resp, err := http.Get(e.url() + "/api/p/" + g.tokens[0] + "/next.ics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	body := string(raw)
	for _, l := range strings.Split(strings.TrimSuffix(body, "\r\n"), "\r\n") {
		if len(l) > 75 {
			t.Errorf("line of %d octets, want at most 75: %q", len(l), l)
		}
		if !utf8.ValidString(l) {
			t.Errorf("a fold split a character: %q", l)
		}
	}
	if !strings.Contains(strings.ReplaceAll(body, "\r\n ", ""), "SUMMARY:Tuesday circle: "+title+"\r\n") {
		t.Errorf("the unfolded summary is not the cohort and the title: %q", body)
	}
}

// newGroupWithoutSession is a cohort with n participants who accepted its
// agreements, and no session planned.
func (b *browser) newGroupWithoutSession(n int) group {
	b.tb.Helper()
	var c cohortJSON
	b.must(201, "POST", "/api/cohorts", map[string]string{"name": "Tuesday circle", "agreements": "Stay kind."}, &c)
	g := group{cohort: c.ID}
	for i := range n {
		var p struct {
			ID        string `json:"id"`
			InviteURL string `json:"inviteUrl"`
		}
		name := fmt.Sprintf("P%d", i)
		b.must(201, "POST", "/api/cohorts/"+c.ID+"/participants", map[string]string{"name": name}, &p)
		token := p.InviteURL[strings.LastIndex(p.InviteURL, "#")+1:]
		b.must(200, "POST", "/api/p/"+token+"/accept", map[string]int{"version": c.AgreementsVersion}, nil)
		g.names, g.tokens, g.ids = append(g.names, name), append(g.tokens, token), append(g.ids, p.ID)
	}
	return g
}

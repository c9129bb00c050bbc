package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

type noteView struct {
	ID            string `json:"id"`
	SessionID     string `json:"sessionId"`
	ParticipantID string `json:"participantId"`
	AuthorName    string `json:"authorName"`
	Text          string `json:"text"`
	UpdatedAt     *string
	Mine          bool `json:"mine"`
}

type summaryView struct {
	CohortID string `json:"cohortId"`
	Summary  struct {
		Status     string `json:"status"`
		Attendance []struct {
			MemberID  string `json:"memberId"`
			Name      string `json:"name"`
			Role      string `json:"role"`
			Came      bool   `json:"came"`
			Drops     int    `json:"drops"`
			Returns   int    `json:"returns"`
			LeftEarly bool   `json:"leftEarly"`
		} `json:"attendance"`
		Sections []struct {
			Kind    string `json:"kind"`
			CheckIn *struct {
				Visibility string `json:"visibility"`
				Answers    []struct {
					Name string `json:"name"`
					Note string `json:"note"`
				} `json:"answers"`
				Unanswered []string `json:"unanswered"`
			} `json:"checkin"`
			CheckOut *struct {
				Words []struct {
					Name    string `json:"name"`
					Word    string `json:"word"`
					State   string `json:"state"`
					Arrival string `json:"arrival"`
				} `json:"words"`
			} `json:"checkout"`
		} `json:"sections"`
	} `json:"summary"`
	Notes        []noteView `json:"notes"`
	Participants []struct{ ID, Name string }
}

// pastGrace is the grace of the servers runPastSession runs on: short, as
// P1 is away past it, so a drop is counted.
const pastGrace = 300 * time.Millisecond

// runPastSession runs a whole session of three: a facilitators-only
// check-in, a check-in shared with the group, and a check-out with a
// closing check, revealed. P0 stays, P1 drops and comes back, P2 never
// comes. It returns the facilitator's and P0's and P1's sockets, still open.
// e's grace must be short (pastGrace): P1 is away past it.
func runPastSession(t *testing.T, e *env, fb *browser, g group) (fac, p0, p1 *client) {
	t.Helper()
	fb.must(200, "PUT", "/api/sessions/"+g.session+"/agenda", map[string]any{"items": []map[string]any{
		{"kind": "checkin", "title": "Arrival", "prompt": "How are you arriving?", "visibility": "facilitators"},
		{"kind": "checkin", "prompt": "What would you like to share?", "visibility": "group"},
		{"kind": "checkout", "prompt": "One word", "closingCheck": true},
	}}, nil)
	fb.open(g)
	fac = e.joinFacilitator(t, fb, g)
	p0 = e.joinParticipant(t, g, 0)
	p1 = e.joinParticipant(t, g, 1)

	// P1's connection drops for longer than the grace, and P1 comes back.
	p1.close()
	for _, want := range []string{"reconnecting", "left"} {
		fac.next("P1 "+want, func(m msg) bool {
			return m.Member != nil && m.Member.ID == g.ids[1] && m.Member.Presence == want
		})
	}
	p1 = e.joinParticipant(t, g, 1)

	fac.act("agenda.next", struct{}{})
	p0.act("checkin.answer", map[string]any{"scale": 3, "state": "hypo", "feeling": "heavy", "note": "private-of-P0"})
	p1.act("checkin.answer", map[string]any{"scale": 8, "state": "hyper", "note": "private-of-P1"})
	fac.act("agenda.next", struct{}{})
	p0.act("checkin.answer", map[string]any{"scale": 5, "state": "within", "note": "shared-of-P0"})
	p1.act("checkin.answer", map[string]any{"scale": 6, "state": "within", "note": "shared-of-P1"})
	fac.act("agenda.next", struct{}{})
	p0.act("checkout.word", map[string]any{"word": "lighter", "state": "within"})
	p1.act("checkout.word", map[string]any{"word": "word-of-P1", "state": "hyper"})
	fac.act("checkout.reveal", struct{}{})
	fac.act("agenda.next", struct{}{})
	return fac, p0, p1
}

func TestSessionSummaryAndNotes(t *testing.T) {
	e := newEnvWith(t, envOptions{grace: pastGrace})
	fb := e.newFacilitator("ana@example.org", "Ana")
	g := fb.newGroup(3, true)
	var ae apiError

	if got := fb.do("GET", "/api/sessions/"+g.session+"/summary", nil, &ae); got != 404 || ae.Error.Code != "not_opened" {
		t.Errorf("summary of a session never opened: %d %s, want 404 not_opened", got, ae.Error.Code)
	}
	fac, p0, p1 := runPastSession(t, e, fb, g)

	// While the room is live the summary is there already, and a note
	// written now never reaches a participant's socket.
	var live summaryView
	fb.must(200, "GET", "/api/sessions/"+g.session+"/summary", nil, &live)
	if live.Summary.Status != "open" || len(live.Summary.Sections) != 3 {
		t.Errorf("live summary: status %s, %d sections; want open, 3", live.Summary.Status, len(live.Summary.Sections))
	}
	var during noteView
	fb.must(201, "POST", "/api/cohorts/"+g.cohort+"/notes", map[string]string{"sessionId": g.session, "text": "note-during-the-session"}, &during)
	p0.send("sync", struct{}{})
	p0.next("snapshot", isType("snapshot"))

	fb.must(200, "POST", "/api/sessions/"+g.session+"/close", nil, nil)
	for _, c := range []*client{fac, p0, p1} {
		c.next("bye", isType("bye"))
	}

	var sum summaryView
	fb.must(200, "GET", "/api/sessions/"+g.session+"/summary", nil, &sum)
	if sum.CohortID != g.cohort || sum.Summary.Status != "closed" {
		t.Errorf("summary of cohort %s status %s, want %s closed", sum.CohortID, sum.Summary.Status, g.cohort)
	}
	att := map[string]struct {
		came           bool
		drops, returns int
	}{}
	for _, a := range sum.Summary.Attendance {
		att[a.Name] = struct {
			came           bool
			drops, returns int
		}{a.Came, a.Drops, a.Returns}
	}
	if a := att["P0"]; !a.came || a.drops != 0 {
		t.Errorf("P0's attendance %+v, want came, no drops", a)
	}
	if a := att["P1"]; !a.came || a.drops != 1 || a.returns != 1 {
		t.Errorf("P1's attendance %+v, want came, dropped once and came back", a)
	}
	if a := att["P2"]; a.came {
		t.Errorf("P2's attendance %+v, want never came", a)
	}
	secs := sum.Summary.Sections
	if len(secs) != 3 || secs[0].Kind != "checkin" || secs[1].Kind != "checkin" || secs[2].Kind != "checkout" {
		t.Fatalf("sections %+v, want check-in, check-in, check-out", secs)
	}
	// Facilitators read the facilitators-only answers, with names.
	if a := secs[0].CheckIn.Answers; len(a) != 2 || a[0].Note != "private-of-P0" || a[0].Name != "P0" {
		t.Errorf("first check-in answers %+v, want P0's then P1's with notes", a)
	}
	if w := secs[2].CheckOut.Words; len(w) != 2 || w[1].Name != "P1" || w[1].State != "hyper" || w[1].Arrival != "within" {
		t.Errorf("check-out words %+v, want P1 leaving hyper after arriving within (the later check-in)", w)
	}

	// Notes: on the session, on a participant, on a participant in this
	// session; edited, deleted; and every bad input refused.
	var sessionNote, personNote, both noteView
	fb.must(201, "POST", "/api/cohorts/"+g.cohort+"/notes", map[string]string{"sessionId": g.session, "text": "note-on-the-session"}, &sessionNote)
	fb.must(201, "POST", "/api/cohorts/"+g.cohort+"/notes", map[string]string{"participantId": g.ids[1], "text": "note-on-P1"}, &personNote)
	fb.must(201, "POST", "/api/cohorts/"+g.cohort+"/notes", map[string]string{"sessionId": g.session, "participantId": g.ids[0], "text": "note-on-P0-today"}, &both)
	if !sessionNote.Mine || sessionNote.AuthorName != "Ana" {
		t.Errorf("new note %+v, want mine, by Ana", sessionNote)
	}
	var edited noteView
	fb.must(200, "PATCH", "/api/notes/"+personNote.ID, map[string]string{"text": "note-on-P1, edited"}, &edited)
	if edited.Text != "note-on-P1, edited" || edited.UpdatedAt == nil {
		t.Errorf("edited note %+v, want the new text and an update time", edited)
	}
	fb.must(204, "DELETE", "/api/notes/"+during.ID, nil, nil)
	fb.must(200, "GET", "/api/sessions/"+g.session+"/summary", nil, &sum)
	if len(sum.Notes) != 2 || sum.Notes[0].Text != "note-on-the-session" || sum.Notes[1].ParticipantID != g.ids[0] {
		t.Errorf("summary notes %+v, want the session note and the note on P0 today", sum.Notes)
	}
	var all struct{ Notes []noteView }
	fb.must(200, "GET", "/api/cohorts/"+g.cohort+"/notes", nil, &all)
	if len(all.Notes) != 3 {
		t.Errorf("cohort notes %+v, want 3", all.Notes)
	}

	ben := e.newFacilitator("ben@example.org", "Ben")
	bg := ben.newGroup(1, false)
	anon := e.browser()
	bad := []struct {
		name   string
		who    *browser
		method string
		path   string
		body   any
		status int
	}{
		{"an empty note", fb, "POST", "/api/cohorts/" + g.cohort + "/notes", map[string]string{"sessionId": g.session, "text": " "}, 400},
		{"a note over the limit", fb, "POST", "/api/cohorts/" + g.cohort + "/notes", map[string]string{"sessionId": g.session, "text": strings.Repeat("x", 5001)}, 400},
		{"a body over 64 KiB", fb, "POST", "/api/cohorts/" + g.cohort + "/notes", map[string]string{"sessionId": g.session, "text": strings.Repeat("x", 70<<10)}, 413},
		{"an unknown field", fb, "POST", "/api/cohorts/" + g.cohort + "/notes", map[string]string{"session": g.session, "text": "x"}, 400},
		{"a note about nothing", fb, "POST", "/api/cohorts/" + g.cohort + "/notes", map[string]string{"text": "x"}, 400},
		{"an unknown session", fb, "POST", "/api/cohorts/" + g.cohort + "/notes", map[string]string{"sessionId": "nope", "text": "x"}, 404},
		{"another cohort's session", fb, "POST", "/api/cohorts/" + g.cohort + "/notes", map[string]string{"sessionId": bg.session, "text": "x"}, 404},
		{"another cohort's participant", fb, "POST", "/api/cohorts/" + g.cohort + "/notes", map[string]string{"participantId": bg.ids[0], "text": "x"}, 404},
		{"an unknown cohort", fb, "POST", "/api/cohorts/nope/notes", map[string]string{"sessionId": g.session, "text": "x"}, 404},
		{"an unknown note", fb, "PATCH", "/api/notes/nope", map[string]string{"text": "x"}, 404},
		{"an unknown session's summary", fb, "GET", "/api/sessions/nope/summary", nil, 404},
		{"not their cohort: summary", ben, "GET", "/api/sessions/" + g.session + "/summary", nil, 404},
		{"not their cohort: notes", ben, "GET", "/api/cohorts/" + g.cohort + "/notes", nil, 404},
		{"not their cohort: add", ben, "POST", "/api/cohorts/" + g.cohort + "/notes", map[string]string{"sessionId": g.session, "text": "x"}, 404},
		{"not their cohort: edit", ben, "PATCH", "/api/notes/" + sessionNote.ID, map[string]string{"text": "x"}, 404},
		{"not their cohort: delete", ben, "DELETE", "/api/notes/" + sessionNote.ID, nil, 404},
		{"logged out: summary", anon, "GET", "/api/sessions/" + g.session + "/summary", nil, 401},
		{"logged out: notes", anon, "GET", "/api/cohorts/" + g.cohort + "/notes", nil, 401},
		{"logged out: add", anon, "POST", "/api/cohorts/" + g.cohort + "/notes", map[string]string{"sessionId": g.session, "text": "x"}, 401},
		{"logged out: delete", anon, "DELETE", "/api/notes/" + sessionNote.ID, nil, 401},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.who.do(tt.method, tt.path, tt.body, &ae); got != tt.status {
				t.Errorf("%s %s: %d (%s), want %d", tt.method, tt.path, got, ae.Error.Message, tt.status)
			}
		})
	}
	fb.must(200, "GET", "/api/cohorts/"+g.cohort+"/notes", nil, &all)
	if len(all.Notes) != 3 || all.Notes[0].Text != "note-on-the-session" {
		t.Errorf("after the refused requests the notes are %+v, want the same 3", all.Notes)
	}

	// A co-facilitator reads every note and changes only their own.
	fb.coFacilitate(ben, g.cohort, "ben@example.org")
	ben.must(200, "GET", "/api/cohorts/"+g.cohort+"/notes", nil, &all)
	if len(all.Notes) != 3 || all.Notes[0].Mine {
		t.Errorf("co-facilitator reads %+v, want 3 notes, none theirs", all.Notes)
	}
	if got := ben.do("PATCH", "/api/notes/"+sessionNote.ID, map[string]string{"text": "x"}, &ae); got != 403 {
		t.Errorf("a co-facilitator edits another's note: %d, want 403", got)
	}
	if got := ben.do("DELETE", "/api/notes/"+sessionNote.ID, nil, &ae); got != 403 {
		t.Errorf("a co-facilitator deletes another's note: %d, want 403", got)
	}

	// Participants: no note, in any route or on any socket, ever.
	for i, token := range g.tokens {
		for _, path := range []string{"/api/p/" + token, "/api/p/" + token + "/history"} {
			b := e.browser()
			var raw json.RawMessage
			b.do("GET", path, nil, &raw)
			if strings.Contains(string(raw), "note-") {
				t.Errorf("P%d's %s carries a note: %s", i, path, raw)
			}
		}
	}
	for _, c := range []*client{p0, p1} {
		if c.received("note-") {
			t.Errorf("%s's socket carried a note", c.name)
		}
	}
	// And a participant's token is no key to the facilitators' routes.
	b := e.browser()
	for _, path := range []string{"/api/sessions/" + g.session + "/summary", "/api/cohorts/" + g.cohort + "/notes"} {
		req, _ := http.NewRequest("GET", e.url()+path+"?token="+g.tokens[0], nil)
		req.Header.Set("Authorization", "Bearer "+g.tokens[0])
		resp, err := b.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("%s with a participant's token: %d, want 401", path, resp.StatusCode)
		}
	}
}

type journeyView struct {
	Name     string `json:"name"`
	Sessions []struct {
		Came    bool `json:"came"`
		Moments []struct {
			Kind    string `json:"kind"`
			CheckIn *struct {
				Mine  *struct{ Note string } `json:"mine"`
				Group []struct{ Name, Note string }
			} `json:"checkin"`
			CheckOut *struct {
				Mine  *struct{ Word, State string } `json:"mine"`
				Cloud []struct {
					Word  string
					Count int
				} `json:"cloud"`
			} `json:"checkout"`
		} `json:"moments"`
	} `json:"sessions"`
}

func TestParticipantHistory(t *testing.T) {
	e := newEnvWith(t, envOptions{grace: pastGrace})
	fb := e.newFacilitator("ana@example.org", "Ana")
	g := fb.newGroup(3, true)
	runPastSession(t, e, fb, g)
	fb.must(200, "POST", "/api/sessions/"+g.session+"/close", nil, nil)
	fb.must(201, "POST", "/api/cohorts/"+g.cohort+"/notes", map[string]string{"participantId": g.ids[0], "text": "note-on-P0"}, nil)

	history := func(i int) (journeyView, string) {
		t.Helper()
		var raw json.RawMessage
		e.browser().must(200, "GET", "/api/p/"+g.tokens[i]+"/history", nil, &raw)
		var j journeyView
		if err := json.Unmarshal(raw, &j); err != nil {
			t.Fatal(err)
		}
		return j, string(raw)
	}

	j, raw := history(0)
	before := raw
	if j.Name != "P0" || len(j.Sessions) != 1 || !j.Sessions[0].Came || len(j.Sessions[0].Moments) != 3 {
		t.Fatalf("P0's history %s, want one session with three moments", raw)
	}
	m := j.Sessions[0].Moments
	if m[0].CheckIn.Mine == nil || m[0].CheckIn.Mine.Note != "private-of-P0" || len(m[0].CheckIn.Group) != 0 {
		t.Errorf("facilitators-only check-in %+v, want P0's own answer only", m[0].CheckIn)
	}
	if g1 := m[1].CheckIn.Group; len(g1) != 1 || g1[0].Name != "P1" || g1[0].Note != "shared-of-P1" {
		t.Errorf("group check-in %+v, want P1's answer, named, as the group saw it", g1)
	}
	if co := m[2].CheckOut; co.Mine == nil || co.Mine.Word != "lighter" || co.Mine.State != "within" || len(co.Cloud) != 2 {
		t.Errorf("check-out %+v, want P0's own word and state, and the revealed cloud", co)
	}
	for _, never := range []string{"private-of-P1", "note-", `"hyper"`, `"P0"`, `"P2"`} {
		// P0's own name is the history's "name" field only.
		if never == `"P0"` {
			raw = strings.Replace(raw, `"name":"P0"`, "", 1)
		}
		if strings.Contains(raw, never) {
			t.Errorf("P0's history carries %s: %s", never, raw)
		}
	}

	// A restart changes nothing of it: the rooms and notes are on disk.
	e.restart()
	if _, again := history(0); again != before {
		t.Errorf("P0's history after a restart:\n%s\nwant\n%s", again, before)
	}
	var notes struct{ Notes []noteView }
	fb.must(200, "GET", "/api/cohorts/"+g.cohort+"/notes", nil, &notes)
	if len(notes.Notes) != 1 || notes.Notes[0].Text != "note-on-P0" {
		t.Errorf("notes after a restart %+v, want the one written", notes.Notes)
	}

	j, raw = history(2)
	if len(j.Sessions) != 1 || j.Sessions[0].Came || len(j.Sessions[0].Moments) != 0 {
		t.Errorf("P2 never came: history %s, want the session without its moments", raw)
	}

	var ae apiError
	for name, path := range map[string]string{
		"an unknown token":  "/api/p/not-a-token/history",
		"an empty token":    "/api/p//history",
		"a revoked link":    "",
		"an oversize token": "/api/p/" + strings.Repeat("a", 200) + "/history",
	} {
		if name == "a revoked link" {
			fb.must(200, "POST", "/api/cohorts/"+g.cohort+"/participants/"+g.ids[1]+"/reissue", nil, nil)
			path = "/api/p/" + g.tokens[1] + "/history"
		}
		if got := e.browser().do("GET", path, nil, &ae); got != 401 && got != 404 {
			t.Errorf("%s: %d, want 401 or 404", name, got)
		}
	}

	// Changed agreements are read again before the group's words are.
	fb.must(200, "PATCH", "/api/cohorts/"+g.cohort, map[string]string{"agreements": "New agreements."}, nil)
	if got := e.browser().do("GET", "/api/p/"+g.tokens[0]+"/history", nil, &ae); got != 409 || ae.Error.Code != "agreements" {
		t.Errorf("history with agreements not accepted: %d %s, want 409 agreements", got, ae.Error.Code)
	}
}

func TestOverviewAndExport(t *testing.T) {
	e := newEnvWith(t, envOptions{grace: pastGrace})
	fb := e.newFacilitator("ana@example.org", "Ana")
	g := fb.newGroup(3, true)
	runPastSession(t, e, fb, g)
	fb.must(200, "POST", "/api/sessions/"+g.session+"/close", nil, nil)
	var later sessionJSON
	fb.must(201, "POST", "/api/cohorts/"+g.cohort+"/sessions", map[string]string{"title": "Week 2", "startsAt": "2026-12-08T18:00:00Z"}, &later)
	fb.must(201, "POST", "/api/cohorts/"+g.cohort+"/notes", map[string]string{"sessionId": g.session, "text": "A *calm* first | session."}, nil)
	fb.must(201, "POST", "/api/cohorts/"+g.cohort+"/notes", map[string]string{"participantId": g.ids[1], "text": "P1 note, private"}, nil)
	// Someone who left the cohort before any session: the note stays in the record.
	var gone struct{ ID string }
	fb.must(201, "POST", "/api/cohorts/"+g.cohort+"/participants", map[string]string{"name": "Ren"}, &gone)
	fb.must(201, "POST", "/api/cohorts/"+g.cohort+"/notes", map[string]string{"participantId": gone.ID, "text": "Ren chose another group."}, nil)
	fb.must(204, "DELETE", "/api/cohorts/"+g.cohort+"/participants/"+gone.ID, nil, nil)

	var ov struct {
		Sessions []struct {
			ID     string
			Opened bool
		}
		Participants []struct {
			Name     string
			Sessions []struct {
				Attendance string
				Arrival    *struct {
					Scale int
					State string
				}
				Departure *struct{ Word, State string }
			}
		}
		Notes      []noteView
		Intentions []any
	}
	fb.must(200, "GET", "/api/cohorts/"+g.cohort+"/overview", nil, &ov)
	if len(ov.Sessions) != 2 || !ov.Sessions[0].Opened || ov.Sessions[1].Opened {
		t.Fatalf("overview sessions %+v, want week 1 opened, week 2 not", ov.Sessions)
	}
	want := map[string]string{"P0": "stayed", "P1": "returned", "P2": "absent"}
	for _, p := range ov.Participants {
		if len(p.Sessions) != 2 || p.Sessions[0].Attendance != want[p.Name] || p.Sessions[1].Attendance != "" {
			t.Errorf("%s's row %+v, want %s then nothing", p.Name, p.Sessions, want[p.Name])
		}
	}
	p0 := ov.Participants[0].Sessions[0]
	if p0.Arrival == nil || p0.Arrival.Scale != 3 || p0.Arrival.State != "hypo" || p0.Departure == nil || p0.Departure.State != "within" {
		t.Errorf("P0's trend point %+v, want arriving 3 hypo (the first check-in), leaving within", p0)
	}
	if len(ov.Notes) != 3 || ov.Intentions == nil || len(ov.Intentions) != 0 {
		t.Errorf("overview notes %d, intentions %v; want 2 and an empty list", len(ov.Notes), ov.Intentions)
	}

	get := func(path string) (*http.Response, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", e.url()+path, nil)
		resp, err := fb.hc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, string(body)
	}
	resp, body := get("/api/cohorts/" + g.cohort + "/export.md")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/markdown") ||
		!strings.HasPrefix(resp.Header.Get("Content-Disposition"), `attachment; filename=hearth-tuesday-circle-`) {
		t.Fatalf("export.md: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), resp.Header.Get("Content-Disposition"))
	}
	for _, want := range []string{
		"# Tuesday circle", "private notes", "| P1 | came (dropped, came back) | not held |",
		"P0: 3/10, hypo-aroused, “heavy”: private-of-P0", "“word-of-P1”, leaving hyper-aroused (arrived within the window)",
		`A \*calm\* first \| session.`, "### P1", "P1 note, private", "P2: did not come.",
		"### Former participants", "Ren chose another group.",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("export.md lacks %q:\n%s", want, body)
		}
	}

	resp, body = get("/api/cohorts/" + g.cohort + "/export.json")
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), ".json") {
		t.Fatalf("export.json: %d %s", resp.StatusCode, resp.Header.Get("Content-Disposition"))
	}
	var ex struct {
		Format       string
		Participants []struct{ Name string }
		Sessions     []struct {
			Title   string
			Summary *struct {
				Sections []json.RawMessage
			}
		}
		Notes []noteView
	}
	if err := json.Unmarshal([]byte(body), &ex); err != nil {
		t.Fatalf("export.json does not decode: %v", err)
	}
	if ex.Format == "" || len(ex.Participants) != 3 || len(ex.Sessions) != 2 || ex.Sessions[0].Summary == nil ||
		len(ex.Sessions[0].Summary.Sections) != 3 || ex.Sessions[1].Summary != nil || len(ex.Notes) != 3 {
		t.Errorf("export.json %+v, want 3 participants, 2 sessions (one summarised), 3 notes", ex)
	}
	if strings.Contains(body, g.tokens[0]) || strings.Contains(body, "inviteNonce") || strings.Contains(body, "tokenHash") {
		t.Error("export.json carries invite secrets")
	}

	ben := e.newFacilitator("ben@example.org", "Ben")
	anon := e.browser()
	var ae apiError
	for _, path := range []string{"/overview", "/export.md", "/export.json"} {
		if got := ben.do("GET", "/api/cohorts/"+g.cohort+path, nil, &ae); got != 404 {
			t.Errorf("another facilitator's %s: %d, want 404", path, got)
		}
		if got := anon.do("GET", "/api/cohorts/"+g.cohort+path, nil, &ae); got != 401 {
			t.Errorf("logged out %s: %d, want 401", path, got)
		}
		if got := fb.do("GET", "/api/cohorts/nope"+path, nil, &ae); got != 404 {
			t.Errorf("unknown cohort %s: %d, want 404", path, got)
		}
	}
}

package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

// exportOf returns the cohort's JSON export as text.
func exportOf(t *testing.T, b *browser, cohortID string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", b.e.url()+"/api/cohorts/"+cohortID+"/export.json", nil)
	resp, err := b.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("export: %d %s", resp.StatusCode, data)
	}
	return string(data)
}

func TestEraseParticipantOverHTTP(t *testing.T) {
	e := newEnvWith(t, envOptions{grace: pastGrace})
	fb := e.newFacilitator("ana@example.org", "Ana")
	g := fb.newGroup(3, true)
	fac, p0, p1 := runPastSession(t, e, fb, g)
	fb.must(201, "POST", "/api/cohorts/"+g.cohort+"/notes", map[string]string{"participantId": g.ids[1], "text": "note-about-P1"}, nil)
	fb.must(201, "POST", "/api/cohorts/"+g.cohort+"/notes", map[string]string{"participantId": g.ids[0], "text": "note-about-P0"}, nil)

	// A co-facilitator may take someone off the roster, never erase them.
	ben := e.newFacilitator("ben@example.org", "Ben")
	fb.must(200, "POST", "/api/cohorts/"+g.cohort+"/facilitators", map[string]string{"email": "ben@example.org"}, nil)
	ben.must(200, "POST", "/api/invitations/"+g.cohort+"/accept", nil, nil)
	var ae apiError
	if got := ben.do("DELETE", "/api/cohorts/"+g.cohort+"/participants/"+g.ids[1], map[string]bool{"erase": true}, &ae); got != 403 {
		t.Errorf("a co-facilitator erasing: %d %s, want 403", got, ae.Error.Code)
	}
	if got := fb.do("DELETE", "/api/cohorts/"+g.cohort+"/participants/"+g.ids[1], map[string]bool{"erase": true}, &ae); got != 409 {
		t.Errorf("erasing while the room is live: %d %s, want 409", got, ae.Error.Code)
	}
	if got := fb.do("DELETE", "/api/sessions/"+g.session, nil, &ae); got != 409 {
		t.Errorf("deleting a live session: %d %s, want 409", got, ae.Error.Code)
	}
	fb.must(200, "POST", "/api/sessions/"+g.session+"/close", nil, nil)
	for _, c := range []*client{fac, p0, p1} {
		c.close()
	}
	before := exportOf(t, fb, g.cohort)
	for _, s := range []string{"private-of-P1", "shared-of-P1", "word-of-P1", "note-about-P1", `"P1"`} {
		if !strings.Contains(before, s) {
			t.Fatalf("the export holds no %s before erasure: the test proves nothing", s)
		}
	}

	fb.must(204, "DELETE", "/api/cohorts/"+g.cohort+"/participants/"+g.ids[1]+"?erase=true", nil, nil)
	after := exportOf(t, fb, g.cohort)
	for _, s := range []string{"private-of-P1", "shared-of-P1", "word-of-P1", "note-about-P1", `"P1"`, g.ids[1]} {
		if strings.Contains(after, s) {
			t.Errorf("the export still holds %s after erasure", s)
		}
	}
	for _, s := range []string{"private-of-P0", "lighter", "note-about-P0"} {
		if !strings.Contains(after, s) {
			t.Errorf("erasing P1 took %s", s)
		}
	}
	var ov struct {
		Participants []struct{ ID, Name string }
	}
	fb.must(200, "GET", "/api/cohorts/"+g.cohort+"/overview", nil, &ov)
	for _, p := range ov.Participants {
		if p.ID == g.ids[1] {
			t.Errorf("the overview still has P1")
		}
	}
	if got := e.browser().do("GET", "/api/p/"+g.tokens[1], nil, &ae); got != 401 {
		t.Errorf("P1's link after erasure: %d, want 401", got)
	}
	if got := fb.do("DELETE", "/api/cohorts/"+g.cohort+"/participants/"+g.ids[1]+"?erase=true", nil, &ae); got != 404 {
		t.Errorf("erasing P1 again: %d, want 404", got)
	}

	// Leaving (the default) keeps the words; erasing afterwards takes them.
	fb.must(204, "DELETE", "/api/cohorts/"+g.cohort+"/participants/"+g.ids[0], map[string]bool{"erase": false}, nil)
	if !strings.Contains(exportOf(t, fb, g.cohort), "private-of-P0") {
		t.Error("leaving the cohort took P0's words")
	}
	fb.must(204, "DELETE", "/api/cohorts/"+g.cohort+"/participants/"+g.ids[0], map[string]bool{"erase": true}, nil)
	if strings.Contains(exportOf(t, fb, g.cohort), "private-of-P0") {
		t.Error("erasing P0 after they left kept their words")
	}
}

func TestDeleteSessionAndCohortOverHTTP(t *testing.T) {
	e := newEnvWith(t, envOptions{grace: pastGrace})
	fb := e.newFacilitator("ana@example.org", "Ana")
	g := fb.newGroup(2, true)
	fac, p0, p1 := runPastSession(t, e, fb, g)
	fb.must(200, "POST", "/api/sessions/"+g.session+"/close", nil, nil)
	for _, c := range []*client{fac, p0, p1} {
		c.close()
	}
	var planned sessionJSON
	fb.must(201, "POST", "/api/cohorts/"+g.cohort+"/sessions", map[string]string{"title": "Week 2", "startsAt": "2026-12-08T18:00:00Z"}, &planned)
	fb.must(204, "DELETE", "/api/sessions/"+planned.ID, nil, nil)
	fb.must(204, "DELETE", "/api/sessions/"+g.session, nil, nil)
	var ae apiError
	if got := fb.do("GET", "/api/sessions/"+g.session+"/summary", nil, &ae); got != 404 {
		t.Errorf("summary of a deleted session: %d, want 404", got)
	}
	if ex := exportOf(t, fb, g.cohort); strings.Contains(ex, "private-of-P0") || strings.Contains(ex, "Week 2") {
		t.Error("the export still holds a deleted session")
	}

	var ae2 apiError
	if got := fb.do("PATCH", "/api/cohorts/"+g.cohort, map[string]int{"retentionDays": 3}, &ae2); got != 400 {
		t.Errorf("a retention of 3 days: %d, want 400", got)
	}
	var kept struct {
		RetentionDays int        `json:"retentionDays"`
		DeleteOn      *time.Time `json:"deleteOn"`
	}
	fb.must(200, "GET", "/api/cohorts/"+g.cohort, nil, &kept)
	if kept.RetentionDays != 0 || kept.DeleteOn != nil {
		t.Errorf("a new cohort's retention: %+v, want kept until deleted", kept)
	}
	fb.must(200, "PATCH", "/api/cohorts/"+g.cohort, map[string]int{"retentionDays": 30}, &kept)
	if kept.RetentionDays != 30 || kept.DeleteOn == nil || kept.DeleteOn.Before(time.Now().Add(29*24*time.Hour)) {
		t.Errorf("after setting 30 days: %+v, want a date 30 days after the last session", kept)
	}

	other := e.newFacilitator("ben@example.org", "Ben")
	if got := other.do("DELETE", "/api/cohorts/"+g.cohort, nil, &ae); got != 404 {
		t.Errorf("someone else deleting the cohort: %d, want 404", got)
	}
	fb.must(204, "DELETE", "/api/cohorts/"+g.cohort, nil, nil)
	if got := fb.do("GET", "/api/cohorts/"+g.cohort, nil, &ae); got != 404 {
		t.Errorf("the deleted cohort: %d, want 404", got)
	}
	if got := e.browser().do("GET", "/api/p/"+g.tokens[0], nil, &ae); got != 401 {
		t.Errorf("a link of the deleted cohort: %d, want 401", got)
	}
}

func TestDeleteAccountOverHTTP(t *testing.T) {
	e := newEnv(t)
	ana := e.newFacilitator("ana@example.org", "Ana")
	ben := e.newFacilitator("ben@example.org", "Ben")
	cleo := e.newFacilitator("cleo@example.org", "Cleo")
	alone := ana.newGroup(1, true)
	shared := ana.newGroup(1, true)
	for _, b := range []*browser{ben, cleo} {
		email := map[*browser]string{ben: "ben@example.org", cleo: "cleo@example.org"}[b]
		ana.must(200, "POST", "/api/cohorts/"+shared.cohort+"/facilitators", map[string]string{"email": email}, nil)
		b.must(200, "POST", "/api/invitations/"+shared.cohort+"/accept", nil, nil)
	}
	var plan struct {
		Deleted []struct{ ID, Name string }
		Passed  []struct{ ID, Name, To string }
	}
	ana.must(200, "GET", "/api/me/deletion", nil, &plan)
	if len(plan.Deleted) != 1 || plan.Deleted[0].ID != alone.cohort || len(plan.Passed) != 1 || plan.Passed[0].To != "Ben" {
		t.Fatalf("the plan: %+v, want the lone cohort deleted and the shared one passed to Ben", plan)
	}
	var ae apiError
	if got := ana.do("DELETE", "/api/me", map[string]any{"password": "wrong password", "deleteCohorts": []string{alone.cohort}}, &ae); got != 400 {
		t.Errorf("a wrong password: %d, want 400", got)
	}
	if got := ana.do("DELETE", "/api/me", map[string]any{"password": "a long passphrase", "deleteCohorts": []string{}}, &ae); got != 409 {
		t.Errorf("cohorts not confirmed: %d %s, want 409", got, ae.Error.Code)
	}
	ana.must(200, "DELETE", "/api/me", map[string]any{"password": "a long passphrase", "deleteCohorts": []string{alone.cohort}}, nil)
	if got := ana.do("GET", "/api/me", nil, &ae); got != 401 {
		t.Errorf("the deleted account's login: %d, want 401", got)
	}
	if got := ana.do("POST", "/api/login", map[string]string{"email": "ana@example.org", "password": "a long passphrase"}, &ae); got != 401 {
		t.Errorf("logging in to the deleted account: %d, want 401", got)
	}
	var c struct {
		OwnerID      string `json:"ownerId"`
		Facilitators []struct{ Name string }
	}
	ben.must(200, "GET", "/api/cohorts/"+shared.cohort, nil, &c)
	var benMe struct{ ID string }
	ben.must(200, "GET", "/api/me", nil, &benMe)
	if c.OwnerID != benMe.ID || len(c.Facilitators) != 2 {
		t.Errorf("the shared cohort after Ana's deletion: %+v, want Ben its owner, with Cleo", c)
	}
	if got := ben.do("GET", "/api/cohorts/"+alone.cohort, nil, &ae); got != 404 {
		t.Errorf("Ana's own cohort: %d, want 404", got)
	}
}

func TestHistoryFile(t *testing.T) {
	e := newEnvWith(t, envOptions{grace: pastGrace})
	fb := e.newFacilitator("ana@example.org", "Ana")
	g := fb.newGroup(2, true)
	runPastSession(t, e, fb, g)
	fb.must(200, "POST", "/api/sessions/"+g.session+"/close", nil, nil)
	var history any
	e.browser().must(200, "GET", "/api/p/"+g.tokens[0]+"/history", nil, &history)
	resp, err := http.Get(e.url() + "/api/p/" + g.tokens[0] + "/history.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment;") {
		t.Fatalf("history.json: %d, Content-Disposition %q", resp.StatusCode, resp.Header.Get("Content-Disposition"))
	}
	var file any
	if err := json.Unmarshal(data, &file); err != nil || !reflect.DeepEqual(file, history) {
		t.Errorf("history.json holds\n%s\nwant what /history holds\n%s (%v)", data, mustJSON(t, history), err)
	}
	if strings.Contains(string(data), "private-of-P1") {
		t.Error("the file holds someone else's words")
	}
	resp2, err := http.Get(e.url() + "/api/p/not-a-token/history.json")
	if err != nil {
		t.Fatal(err)
	}
	resp2.Body.Close()
	if resp2.StatusCode != 401 {
		t.Errorf("history.json with a bad link: %d, want 401", resp2.StatusCode)
	}
}

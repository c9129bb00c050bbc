package web_test

import (
	"fmt"
	"strings"
	"testing"

	"hearth/facilitator"
)

// TestQuotasOverHTTP: one past each quota is 409 with the code "quota" and
// a message naming the limit; nothing is stored, and the thing before it
// was.
func TestQuotasOverHTTP(t *testing.T) {
	e := newEnvWith(t, envOptions{quotas: facilitator.Quotas{
		CohortsPerAccount: 2, ParticipantsPerCohort: 2, SessionsPerCohort: 2, NotesPerCohort: 2, TemplatesPerAccount: 2,
	}})
	fb := e.newFacilitator("ana@example.org", "Ana")
	g := fb.newGroup(2, false) // the cohort's 2 participants and its first session
	type apiError struct {
		Error struct{ Code, Message string }
	}
	cases := []struct {
		name, path string
		body       func(i int) any
		words      string
	}{
		{"cohorts", "/api/cohorts", func(i int) any { return map[string]string{"name": fmt.Sprint("Group ", i)} }, "2 cohorts"},
		{"participants", "/api/cohorts/" + g.cohort + "/participants", func(i int) any { return map[string]string{"name": fmt.Sprint("Q", i)} }, "2 participants"},
		{"sessions", "/api/cohorts/" + g.cohort + "/sessions", func(i int) any {
			return map[string]string{"title": fmt.Sprint("Week ", i), "startsAt": "2026-12-08T18:00:00Z"}
		}, "2 sessions"},
		{"notes", "/api/cohorts/" + g.cohort + "/notes", func(i int) any {
			return map[string]string{"sessionId": g.session, "text": fmt.Sprint("Note ", i)}
		}, "2 notes"},
		{"templates", "/api/templates", func(i int) any {
			return map[string]any{"name": fmt.Sprint("Agenda ", i), "items": []map[string]any{{"kind": "checkin", "prompt": "How are you?", "visibility": "group"}}}
		}, "2 saved agendas"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var status int
			var refused apiError
			for i := range 4 {
				if status = fb.do("POST", tc.path, tc.body(i), &refused); status != 201 {
					break
				}
			}
			if status != 409 || refused.Error.Code != facilitator.CodeQuota || !strings.Contains(refused.Error.Message, tc.words) {
				t.Fatalf("past the quota: %d %+v, want 409 %q naming %q", status, refused.Error, facilitator.CodeQuota, tc.words)
			}
			if status := fb.do("POST", tc.path, tc.body(9), nil); status != 409 {
				t.Errorf("again: %d, want 409", status)
			}
		})
	}
	// Nothing past a quota was stored.
	var c struct {
		Participants []any `json:"participants"`
		Sessions     []any `json:"sessions"`
	}
	fb.must(200, "GET", "/api/cohorts/"+g.cohort, nil, &c)
	var cohorts struct{ Cohorts []any }
	fb.must(200, "GET", "/api/cohorts", nil, &cohorts)
	var notes struct{ Notes []any }
	fb.must(200, "GET", "/api/cohorts/"+g.cohort+"/notes", nil, &notes)
	var templates struct{ Templates []struct{ Builtin bool } }
	fb.must(200, "GET", "/api/templates", nil, &templates)
	own := 0
	for _, tm := range templates.Templates {
		if !tm.Builtin {
			own++
		}
	}
	if len(c.Participants) != 2 || len(c.Sessions) != 2 || len(cohorts.Cohorts) != 2 || len(notes.Notes) != 2 || own != 2 {
		t.Errorf("after the refusals: %d participants, %d sessions, %d cohorts, %d notes, %d templates; want 2 of each",
			len(c.Participants), len(c.Sessions), len(cohorts.Cohorts), len(notes.Notes), own)
	}
}

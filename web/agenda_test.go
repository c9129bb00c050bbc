package web_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

type itemJSON struct {
	ID      string `json:"id,omitempty"`
	Kind    string `json:"kind"`
	Status  string `json:"status,omitempty"`
	Prompt  string `json:"prompt,omitempty"`
	Seconds int    `json:"seconds,omitempty"`
}

type templateJSON struct {
	ID      string          `json:"id"`
	Name    string          `json:"name"`
	Builtin bool            `json:"builtin"`
	Items   json.RawMessage `json:"items"`
}

func TestTemplatesAndPlannedAgenda(t *testing.T) {
	e := newEnv(t)
	fb := e.newFacilitator("ana@example.org", "Ana")
	g := fb.newGroup(1, true)

	var list struct{ Templates []templateJSON }
	fb.must(200, "GET", "/api/templates", nil, &list)
	if len(list.Templates) < 2 || !list.Templates[0].Builtin || list.Templates[0].Name != "Integration circle" {
		t.Fatalf("templates %+v, want the built-in ones first", list.Templates)
	}

	var ae apiError
	for name, body := range map[string]string{
		"unknown kind":        `{"items":[{"kind":"dance"}]}`,
		"grounding too short": `{"items":[{"kind":"grounding","seconds":5}]}`,
		"check-in no prompt":  `{"items":[{"kind":"checkin","visibility":"group"}]}`,
		"malformed":           `{"items":[{"kind":`,
	} {
		if got := fb.do("PUT", "/api/sessions/"+g.session+"/agenda", body, &ae); got != 400 {
			t.Errorf("%s: %d, want 400", name, got)
		}
	}
	fb.must(200, "PUT", "/api/sessions/"+g.session+"/agenda", `{"items":`+string(list.Templates[0].Items)+`}`, nil)
	var c struct {
		Sessions []struct {
			ID     string
			Agenda []itemJSON
		}
	}
	fb.must(200, "GET", "/api/cohorts/"+g.cohort, nil, &c)
	if got := len(c.Sessions[0].Agenda); got != 4 {
		t.Fatalf("planned agenda has %d items, want 4", got)
	}
	for _, it := range c.Sessions[0].Agenda {
		if it.ID == "" {
			t.Errorf("planned item %+v has no ID", it)
		}
	}

	// Own templates: saved, listed after the built-in ones, deleted.
	var saved templateJSON
	fb.must(201, "POST", "/api/templates", `{"name":"Tuesday","items":[{"kind":"grounding","seconds":60}]}`, &saved)
	fb.must(200, "GET", "/api/templates", nil, &list)
	if last := list.Templates[len(list.Templates)-1]; last.ID != saved.ID || last.Builtin {
		t.Errorf("last template %+v, want the saved one", last)
	}
	ben := e.newFacilitator("ben@example.org", "Ben")
	if got := ben.do("DELETE", "/api/templates/"+saved.ID, nil, &ae); got != 404 {
		t.Errorf("Ben deleting Ana's template: %d, want 404", got)
	}
	if got := ben.do("PUT", "/api/sessions/"+g.session+"/agenda", `{"items":[]}`, &ae); got != 404 {
		t.Errorf("Ben planning Ana's session: %d, want 404", got)
	}
	fb.must(204, "DELETE", "/api/templates/"+saved.ID, nil, nil)
	if got := fb.do("DELETE", "/api/templates/builtin-integration", nil, &ae); got != 404 {
		t.Errorf("deleting a built-in template: %d, want 404", got)
	}

	fb.open(g)
	if got := fb.do("PUT", "/api/sessions/"+g.session+"/agenda", `{"items":[]}`, &ae); got != 409 {
		t.Errorf("planning a live session: %d, want 409", got)
	}
}

type groundingView struct {
	Kind       string `json:"kind"`
	EndsAt     int64  `json:"endsAt"`
	CycleStart int64  `json:"cycleStart"`
	Paused     bool   `json:"paused"`
	Remaining  int64  `json:"remaining"`
}

type checkOutView struct {
	Kind          string `json:"kind"`
	Revealed      bool   `json:"revealed"`
	AnsweredCount int    `json:"answeredCount"`
	Words         []struct {
		MemberID, Name, Word, State string
	} `json:"words"`
	Cloud []struct {
		Word  string
		Count int
	} `json:"cloud"`
}

// TestIntegrationCircleAgenda runs the built-in agenda with a facilitator and
// eight participants, with a server restart in the middle of the grounding:
// the pause comes back with the same end and the same breath.
func TestIntegrationCircleAgenda(t *testing.T) {
	const n = 8
	e := newEnv(t)
	fb := e.newFacilitator("ana@example.org", "Ana")
	g := fb.newGroup(n, true)
	var list struct{ Templates []templateJSON }
	fb.must(200, "GET", "/api/templates", nil, &list)
	fb.must(200, "PUT", "/api/sessions/"+g.session+"/agenda", `{"items":`+string(list.Templates[0].Items)+`}`, nil)
	fb.open(g)

	fac := e.joinFacilitator(t, fb, g)
	people := make([]*client, n)
	for i := range people {
		people[i] = e.joinParticipant(t, g, i)
	}
	snap := func(c *client) msg {
		t.Helper()
		c.send("sync", struct{}{})
		return c.next("snapshot", isType("snapshot"))
	}

	// 1. The arrival check-in.
	fac.act("agenda.next", struct{}{})
	for i, p := range people {
		p.act("checkin.answer", map[string]any{"scale": i, "state": "within"})
	}

	// 2. The grounding pause, and a restart in the middle of it.
	fac.act("agenda.next", struct{}{})
	var before groundingView
	json.Unmarshal(snap(fac).Room.Activity, &before)
	if before.Kind != "grounding" || before.EndsAt == 0 {
		t.Fatalf("activity %+v, want the running grounding", before)
	}
	e.restart()
	fac = e.joinFacilitator(t, fb, g)
	for i := range people {
		people[i] = e.joinParticipant(t, g, i)
	}
	for _, c := range append([]*client{fac}, people...) {
		var after groundingView
		json.Unmarshal(snap(c).Room.Activity, &after)
		if after != before {
			t.Errorf("%s after the restart sees %+v, want %+v", c.name, after, before)
		}
	}
	fac.act("grounding.pause", struct{}{})
	fac.act("grounding.resume", struct{}{})
	fac.act("grounding.extend", map[string]int{"seconds": 60})
	var extended groundingView
	json.Unmarshal(snap(people[0]).Room.Activity, &extended)
	if extended.EndsAt < before.EndsAt+60_000 {
		t.Errorf("after extending by a minute the pause ends at %d, want at least %d", extended.EndsAt, before.EndsAt+60_000)
	}
	if id := people[0].send("grounding.pause", struct{}{}); people[0].reply(id, "error").Code != "not_allowed" {
		t.Error("a participant paused the grounding")
	}

	// 3. Intentions, written privately and revealed without names.
	fac.act("agenda.next", struct{}{})
	for i, p := range people {
		p.act("intention.write", map[string]string{"text": fmt.Sprintf("intention-of-P%d", i)})
	}
	fac.act("intention.reveal", struct{}{})

	// 4. The check-out: words stay with the facilitators until the reveal,
	// and the group sees them only as a nameless cloud.
	fac.act("agenda.next", struct{}{})
	word := func(i int) string { return fmt.Sprintf("word-of-P%d", i) }
	for i, p := range people {
		w := word(i)
		if i%2 == 0 {
			w = "Lighter" // a shared word grows in the cloud
		}
		p.act("checkout.word", map[string]any{"word": w, "state": []string{"hypo", "within", "hyper"}[i%3]})
	}
	var fv checkOutView
	json.Unmarshal(snap(fac).Room.Activity, &fv)
	if len(fv.Words) != n || fv.Words[0].Name == "" {
		t.Fatalf("facilitator sees words %+v, want all %d with names", fv.Words, n)
	}
	for i, p := range people {
		for j := 1; j < n; j += 2 {
			if i != j && p.received(word(j)) {
				t.Errorf("P%d received P%d's word before the reveal", i, j)
			}
		}
	}
	fac.act("checkout.reveal", struct{}{})
	for i, p := range people {
		s := snap(p)
		var pv checkOutView
		json.Unmarshal(s.Room.Activity, &pv)
		if !pv.Revealed || len(pv.Words) != 0 {
			t.Errorf("P%d after the reveal: %+v, want the cloud and no words", i, pv)
		}
		if len(pv.Cloud) == 0 || pv.Cloud[0].Word != "Lighter" || pv.Cloud[0].Count != n/2 {
			t.Errorf("P%d's cloud %+v, want Lighter ×%d first", i, pv.Cloud, n/2)
		}
		for _, name := range g.names {
			if name != g.names[i] && strings.Contains(string(s.Room.Activity), `"`+name+`"`) {
				t.Errorf("P%d's check-out view names %s", i, name)
			}
		}
		if strings.Contains(string(s.Room.Activity), `"state"`) {
			t.Errorf("P%d's check-out view carries closing states", i)
		}
	}

	// The last next ends the check-out and the room gathers again, with the
	// whole agenda done.
	fac.act("agenda.next", struct{}{})
	s := snap(fac)
	if string(s.Room.Activity) != "null" {
		t.Errorf("activity %s after the last item, want null (gathering)", s.Room.Activity)
	}
	rm, _ := e.rooms.Get(g.session)
	st := rm.State()
	for _, it := range st.Agenda {
		if it.Status != "done" {
			t.Errorf("item %s is %s, want done", it.Kind, it.Status)
		}
	}
	if len(st.History) != 4 || st.History[1].Grounding == nil || st.History[2].Intentions == nil || st.History[3].CheckOut == nil {
		t.Errorf("history %+v, want check-in, grounding, intentions, check-out", st.History)
	}
	if id := fac.send("agenda.next", struct{}{}); fac.reply(id, "error").Code != "closed" {
		t.Error("agenda.next with nothing left was not refused")
	}
}

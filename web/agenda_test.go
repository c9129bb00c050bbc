package web_test

import (
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
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
	var builtin []itemJSON
	json.Unmarshal(list.Templates[0].Items, &builtin)
	if got := len(c.Sessions[0].Agenda); got != len(builtin) || got < 4 {
		t.Fatalf("planned agenda has %d items, want the template's %d", got, len(builtin))
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

type circleView struct {
	Kind   string `json:"kind"`
	Holder *struct {
		N        int    `json:"n"`
		MemberID string `json:"memberId"`
		EndsAt   int64  `json:"endsAt"`
		Passes   int    `json:"passes"`
	} `json:"holder"`
	Next  string `json:"next"`
	Queue []struct {
		MemberID string `json:"memberId"`
		Passed   bool   `json:"passed"`
		Away     bool   `json:"away"`
	} `json:"queue"`
	Turns []struct {
		MemberID string `json:"memberId"`
		Outcome  string `json:"outcome"`
	} `json:"turns"`
	RoundOver bool `json:"roundOver"`
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
// eight participants, with a server restart in the middle of the grounding
// (the pause comes back with the same end and the same breath) and another in
// the middle of the sharing circle (the same holder, the same remaining time,
// the same order).
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
	// every participant socket of the run, across restarts, for the privacy
	// checks at the end
	var sockets [n][]*client
	rejoin := func() {
		for i := range people {
			people[i] = e.joinParticipant(t, g, i)
			sockets[i] = append(sockets[i], people[i])
		}
	}
	rejoin()
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
	rejoin()
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

	// 4. The sharing circle, in roster order with five minutes a share.
	fac.act("agenda.next", struct{}{})
	circle := func(c *client) circleView {
		t.Helper()
		var v circleView
		json.Unmarshal(snap(c).Room.Activity, &v)
		if v.Kind != "circle" {
			t.Fatalf("%s sees activity %q, want the circle", c.name, v.Kind)
		}
		return v
	}
	if v := circle(people[3]); v.Holder != nil || len(v.Queue) != n || v.Queue[0].MemberID != g.ids[0] || v.Next != g.ids[0] {
		t.Fatalf("circle at its start %+v, want all %d in roster order and nobody holding", v, n)
	}
	fac.act("circle.next", struct{}{})
	people[1].act("circle.react", map[string]any{"kind": "heard", "turn": 1})
	people[2].act("circle.react", map[string]any{"kind": "heard", "turn": 1})
	people[3].act("circle.react", map[string]any{"kind": "resonates", "turn": 1})
	if id := people[1].send("circle.react", map[string]any{"kind": "heard", "turn": 1}); people[1].reply(id, "error").Code != "invalid" {
		t.Error("a second identical reaction was not refused")
	}
	if id := people[1].send("circle.done", map[string]int{"turn": 1}); people[1].reply(id, "error").Code != "not_allowed" {
		t.Error("a listener ended the holder's turn")
	}
	people[0].act("circle.done", map[string]int{"turn": 1})
	people[1].act("circle.pass", map[string]int{"turn": 2}) // for now: asked once more at the end
	// P2 holds the piece; the facilitator moves P7 up while P2 speaks.
	order := append([]string{g.ids[7]}, g.ids[3:7]...)
	order = append(order, g.ids[1])
	fac.act("circle.order", map[string]any{"order": order})
	mid := circle(fac)
	if mid.Holder == nil || mid.Holder.MemberID != g.ids[2] || mid.Next != g.ids[7] || mid.Holder.EndsAt == 0 {
		t.Fatalf("circle %+v, want P2 holding with time, P7 next", mid)
	}
	e.restart()
	fac = e.joinFacilitator(t, fb, g)
	rejoin()
	for _, c := range append([]*client{fac}, people...) {
		if after := circle(c); !reflect.DeepEqual(after, mid) {
			t.Errorf("%s after the restart sees %+v, want %+v", c.name, after, mid)
		}
	}
	// A "done" for P0's share, sent again after a reconnect, ends nothing now.
	if id := people[0].send("circle.done", map[string]int{"turn": 1}); people[0].reply(id, "error").Code != "not_allowed" {
		t.Error("a retried done for an ended share was not refused")
	}
	if id := fac.send("circle.done", map[string]int{"turn": 1}); fac.reply(id, "error").Code != "closed" {
		t.Error("the facilitator's done for an ended share ended P2's")
	}
	people[2].act("circle.done", map[string]int{"turn": 3})
	fac.act("circle.skip", map[string]string{"memberId": g.ids[3]})
	if v := circle(people[0]); v.Holder == nil || v.Holder.MemberID != g.ids[7] || v.Next != g.ids[4] {
		t.Errorf("after P2 and a skip: %+v, want P7 holding, P4 next", v)
	}
	fac.act("circle.end", struct{}{})
	end := circle(people[5])
	var story []string
	for _, tu := range end.Turns {
		story = append(story, g.names[slices.Index(g.ids, tu.MemberID)]+":"+tu.Outcome)
	}
	want := []string{g.names[0] + ":spoke", g.names[1] + ":passed", g.names[2] + ":spoke", g.names[3] + ":skipped", g.names[7] + ":spoke"}
	if !end.RoundOver || !slices.Equal(story, want) {
		t.Errorf("the circle's story %v (over %v), want %v", story, end.RoundOver, want)
	}
	// The speaker, and only the speaker, learns the counts, after the share;
	// nobody ever learns who sent them.
	if s := snap(people[0]); !strings.Contains(string(s.Room.Mine), `"reactions":{"heard":2,"resonates":1}`) {
		t.Errorf("P0's own view %s, want the reaction counts of their share", s.Room.Mine)
	}
	for i := range n {
		for _, c := range sockets[i] {
			if i != 0 && c.received(`"resonates":1`) {
				t.Errorf("P%d received P0's reaction counts", i)
			}
			if (i == 0 || i > 3) && c.received(`"reacted"`) {
				t.Errorf("P%d, who sent no reaction, received someone's reactions", i)
			}
			if (i == 1 || i == 2) && c.received(`"reacted":["resonates"]`) {
				t.Errorf("P%d received P3's reaction", i)
			}
			if i == 3 && c.received(`"reacted":["heard"]`) {
				t.Errorf("P3 received P1's or P2's reaction")
			}
		}
	}

	// 5. The check-out: words stay with the facilitators until the reveal,
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
	if len(st.History) != 5 || st.History[0].CheckIn() == nil || st.History[1].Grounding() == nil ||
		st.History[2].Intentions() == nil || st.History[3].Circle() == nil || st.History[4].CheckOut() == nil {
		t.Errorf("history %+v, want check-in, grounding, intentions, circle, check-out", st.History)
	}
	if id := fac.send("agenda.next", struct{}{}); fac.reply(id, "error").Code != "closed" {
		t.Error("agenda.next with nothing left was not refused")
	}
}

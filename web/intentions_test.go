package web_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
)

type intentionsView struct {
	Kind         string `json:"kind"`
	Reveal       string `json:"reveal"`
	Revealed     bool   `json:"revealed"`
	WrittenCount int    `json:"writtenCount"`
	Expected     int    `json:"expected"`
	Intentions   []struct {
		ID, MemberID, Name, Text string
	} `json:"intentions"`
	Journeys []struct {
		MemberID   string `json:"memberId"`
		Name       string `json:"name"`
		Commitment *struct{ IntentionID, Step string }
		Past       []struct {
			ID         string `json:"id"`
			Text       string `json:"text"`
			Reflection string `json:"reflection"`
		} `json:"past"`
	} `json:"journeys"`
	Shown []struct {
		Name string `json:"name"`
		Text string `json:"text"`
	} `json:"shown"`
}

type myIntentions struct {
	Intentions *struct {
		ActivityID string `json:"activityId"`
		Intention  *struct{ ID, Text string }
		Commitment *struct{ IntentionID, Step string }
		Past       []struct {
			ID           string `json:"id"`
			Text         string `json:"text"`
			SessionTitle string `json:"sessionTitle"`
			Reflection   string `json:"reflection"`
			Commitments  []struct{ Step string }
		} `json:"past"`
		LastCommitments []struct{ IntentionText, Step string } `json:"lastCommitments"`
	} `json:"intentions"`
}

// TestIntentionsAcrossSessions runs two sessions of one cohort. In the
// first, three participants write intentions (one after the reveal, as if
// still typing) and one commits to a step. In the second, each finds their
// own earlier intentions, reflects and commits, with a server restart in the
// middle; the facilitator follows every journey. No participant's socket
// ever carries another's unrevealed intention, reflection, step or past.
func TestIntentionsAcrossSessions(t *testing.T) {
	const n = 3
	e := newEnv(t)
	fb := e.newFacilitator("ana@example.org", "Ana")
	g := fb.newGroup(n, true)
	plan := func(session, reveal string, commitment bool) {
		t.Helper()
		fb.must(200, "PUT", "/api/sessions/"+session+"/agenda", map[string]any{"items": []map[string]any{
			{"kind": "intentions", "prompt": "What will you carry?", "reveal": reveal, "commitment": commitment},
		}}, nil)
	}
	snap := func(c *client) msg {
		t.Helper()
		c.send("sync", struct{}{})
		return c.next("snapshot", isType("snapshot"))
	}
	week1 := func(i int) string { return fmt.Sprintf("week1-intention-of-P%d", i) }

	// Week 1.
	plan(g.session, "anonymous", true)
	fb.open(g)
	fac := e.joinFacilitator(t, fb, g)
	people := make([]*client, n)
	for i := range people {
		people[i] = e.joinParticipant(t, g, i)
	}
	fac.act("agenda.next", struct{}{})
	people[0].act("intention.write", map[string]string{"text": week1(0)})
	people[1].act("intention.write", map[string]string{"text": week1(1)})

	// Bad input is refused and changes nothing.
	refused := map[string]struct {
		typ  string
		data any
		code string
	}{
		"too long":              {"intention.write", map[string]string{"text": strings.Repeat("x", 301)}, "invalid"},
		"empty":                 {"intention.write", map[string]string{"text": " "}, "invalid"},
		"unknown earlier":       {"intention.reflect", map[string]string{"intentionId": "nope", "outcome": "lived"}, "invalid"},
		"a step for no one's":   {"intention.commit", map[string]string{"intentionId": "nope", "step": "walk"}, "invalid"},
		"a participant reveals": {"intention.reveal", struct{}{}, "not_allowed"},
	}
	before := snap(people[2]).Version
	for name, r := range refused {
		if got := people[2].reply(people[2].send(r.typ, r.data), "error"); got.Code != r.code {
			t.Errorf("%s: got code %s, want %s", name, got.Code, r.code)
		}
	}
	if after := snap(people[2]).Version; after != before {
		t.Errorf("refused actions moved the room from version %d to %d", before, after)
	}

	var fv intentionsView
	json.Unmarshal(snap(fac).Room.Activity, &fv)
	if fv.WrittenCount != 2 || len(fv.Intentions) != 2 {
		t.Fatalf("facilitator sees %+v, want both intentions as they came", fv)
	}
	var p0Week1 string
	for _, in := range fv.Intentions {
		if in.Text == week1(0) {
			p0Week1 = in.ID
		}
	}
	people[0].act("intention.commit", map[string]string{"intentionId": p0Week1, "step": "step-of-P0-week1"})
	var pv intentionsView
	json.Unmarshal(snap(people[2]).Room.Activity, &pv)
	if pv.WrittenCount != 2 || pv.Expected != n || len(pv.Shown) != 0 || len(pv.Intentions) != 0 {
		t.Errorf("P2 sees %+v before the reveal, want only 2 of %d", pv, n)
	}
	for i, p := range people {
		for j := range n {
			if i != j && p.received(week1(j)) {
				t.Errorf("P%d received P%d's intention before the reveal", i, j)
			}
		}
	}
	fac.act("intention.reveal", struct{}{})
	// P2 was still typing: after an anonymous reveal a late intention is
	// held back while it would be the only one to appear (its arrival would
	// tell whose it is), and joins the revealed set when the activity ends.
	people[2].act("intention.write", map[string]string{"text": week1(2)})
	json.Unmarshal(snap(people[0]).Room.Activity, &pv)
	if !pv.Revealed || len(pv.Shown) != n-1 {
		t.Fatalf("P0 after the reveal sees %+v, want the %d intentions written before it shown", pv, n-1)
	}
	for _, sh := range pv.Shown {
		if sh.Name != "" {
			t.Errorf("an anonymous reveal names %q", sh.Name)
		}
		if sh.Text == week1(2) {
			t.Error("P2's late intention was shown on its own")
		}
	}
	for _, p := range people[:2] {
		if p.received(week1(2)) {
			t.Errorf("%s received P2's late intention while it was held", p.name)
		}
	}
	if people[1].received("step-of-P0-week1") || people[2].received("step-of-P0-week1") {
		t.Error("P0's step reached another participant")
	}
	fb.must(200, "POST", "/api/sessions/"+g.session+"/close", nil, nil)
	var hist activityHistory
	e.browser().must(200, "GET", "/api/p/"+g.tokens[0]+"/history", nil, &hist)
	if len(hist.Sessions) != 1 || len(hist.Sessions[0].Moments) != 1 || hist.Sessions[0].Moments[0].Intentions == nil {
		t.Fatalf("P0's history %+v, want week 1's intentions", hist)
	}
	shown := hist.Sessions[0].Moments[0].Intentions.Shown
	var texts []string
	for _, sh := range shown {
		texts = append(texts, sh.Text)
		if sh.Name != "" {
			t.Errorf("the history of an anonymous reveal names %q", sh.Name)
		}
	}
	if len(texts) != n || !slices.Contains(texts, week1(2)) {
		t.Errorf("P0's history of week 1 shows %q, want all %d, P2's late one too", texts, n)
	}

	// Week 2, planned now, as a facilitator would.
	var s2 sessionJSON
	fb.must(201, "POST", "/api/cohorts/"+g.cohort+"/sessions", map[string]string{"title": "Week 2", "startsAt": "2026-12-08T18:00:00Z"}, &s2)
	g.session = s2.ID
	plan(g.session, "named", true)
	fb.open(g)
	fac = e.joinFacilitator(t, fb, g)
	sockets := map[int][]*client{} // every week 2 connection of each participant
	for i := range people {
		people[i] = e.joinParticipant(t, g, i)
		sockets[i] = append(sockets[i], people[i])
	}
	fac.act("agenda.next", struct{}{})
	mineOf := func(i int) myIntentions {
		t.Helper()
		var m myIntentions
		json.Unmarshal(snap(people[i]).Room.Mine, &m)
		if m.Intentions == nil || len(m.Intentions.Past) != 1 || m.Intentions.Past[0].Text != week1(i) || m.Intentions.Past[0].SessionTitle != "Week 1" {
			t.Fatalf("P%d's own part %+v, want their Week 1 intention", i, m.Intentions)
		}
		return m
	}
	m0 := mineOf(0)
	if lc := m0.Intentions.LastCommitments; len(lc) != 1 || lc[0].Step != "step-of-P0-week1" || lc[0].IntentionText != week1(0) {
		t.Errorf("P0's last commitments %+v, want the Week 1 step", lc)
	}
	past0 := m0.Intentions.Past[0].ID
	past1 := mineOf(1).Intentions.Past[0].ID
	if id := people[0].send("intention.reflect", map[string]string{"intentionId": past1, "outcome": "lived"}); people[0].reply(id, "error").Code != "invalid" {
		t.Error("P0 reflected on P1's intention")
	}
	people[0].act("intention.reflect", map[string]string{"intentionId": past0, "outcome": "lived"})
	people[0].act("intention.commit", map[string]string{"intentionId": past0, "step": "step-of-P0-week2"})
	people[1].act("intention.reflect", map[string]string{"intentionId": past1, "outcome": "letgo"})
	people[1].act("intention.write", map[string]string{"text": "week2-intention-of-P1"})

	// A restart loses nothing acknowledged.
	e.restart()
	fac = e.joinFacilitator(t, fb, g)
	for i := range people {
		people[i] = e.joinParticipant(t, g, i)
		sockets[i] = append(sockets[i], people[i])
	}
	m0 = mineOf(0)
	if p := m0.Intentions.Past[0]; p.Reflection != "lived" || m0.Intentions.Commitment == nil || m0.Intentions.Commitment.Step != "step-of-P0-week2" {
		t.Errorf("P0 after the restart: %+v, commitment %+v; want lived and the Week 2 step", p, m0.Intentions.Commitment)
	}
	json.Unmarshal(snap(fac).Room.Activity, &fv)
	if len(fv.Journeys) != n {
		t.Fatalf("facilitator sees %d journeys, want %d", len(fv.Journeys), n)
	}
	j0, j1 := fv.Journeys[0], fv.Journeys[1]
	if len(j0.Past) != 1 || j0.Past[0].Reflection != "lived" || j0.Commitment == nil || j0.Commitment.Step != "step-of-P0-week2" {
		t.Errorf("P0's journey %+v, want the reflection and the step", j0)
	}
	if len(j1.Past) != 1 || j1.Past[0].Reflection != "letgo" {
		t.Errorf("P1's journey %+v, want let go", j1)
	}
	fac.act("intention.reveal", struct{}{})
	json.Unmarshal(snap(people[2]).Room.Activity, &pv)
	if len(pv.Shown) != 1 || pv.Shown[0].Name != g.names[1] {
		t.Errorf("P2 after the named reveal sees %+v, want P1's intention with the name", pv.Shown)
	}

	// What never reached another participant in week 2: their past, their
	// reflections, their steps.
	private := map[int][]string{
		0: {week1(0), "step-of-P0-week1", "step-of-P0-week2", `"lived"`},
		1: {week1(1), `"letgo"`},
		2: {week1(2)},
	}
	for i, conns := range sockets {
		for _, p := range conns {
			for j, secrets := range private {
				for _, s := range secrets {
					if i != j && p.received(s) {
						t.Errorf("P%d's socket carried P%d's %s", i, j, s)
					}
				}
			}
		}
	}
}

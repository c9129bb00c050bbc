package web_test

import (
	"encoding/json"
	"io"
	"reflect"
	"strings"
	"testing"
)

// The texts of this test are unique, so finding one in a response means it
// is there.
const (
	w1IntP0  = "w1-intention-of-P0"
	w1IntP1  = "w1-intention-of-P1"
	w1StepP0 = "w1-step-of-P0"
	w2IntP0  = "w2-intention-of-P0"
	w2IntP2  = "w2-intention-of-P2"
	w2StepP1 = "w2-step-of-P1"
)

// activityGroup is a cohort of three whose two sessions ran intentions and
// a circle, as runActivitySessions leaves it; g.session is Week 2's.
type activityGroup struct {
	g            group
	week1, week2 string
}

// runActivitySessions runs two sessions of a cohort of three over real
// WebSockets.
//
// Week 1: intentions revealed anonymously (P0 and P1 write, P2 does not; P0
// commits to a step for the new intention), then a round with two minutes a
// share: P0 shares (P1 sends "heard", P2 "thanks"), P1 passes for now, P2
// shares (P0 sends "resonates") and the facilitator ends the round while P2
// speaks, so P1 is not reached.
//
// Week 2: intentions revealed with names: P0 lived their Week 1 intention
// and writes a new one, P1 lets theirs go and commits a step to it, P2
// writes one. Week 2 is left live; the caller closes it.
func runActivitySessions(t *testing.T, e *env, fb *browser) activityGroup {
	t.Helper()
	g := fb.newGroup(3, true)
	snap := func(c *client) msg {
		t.Helper()
		c.send("sync", struct{}{})
		return c.next("snapshot", isType("snapshot"))
	}
	mine := func(c *client) myIntentions {
		t.Helper()
		var m myIntentions
		if err := json.Unmarshal(snap(c).Room.Mine, &m); err != nil || m.Intentions == nil {
			t.Fatalf("%s's own part: %v %+v", c.name, err, m)
		}
		return m
	}
	fb.must(200, "PUT", "/api/sessions/"+g.session+"/agenda", map[string]any{"items": []map[string]any{
		{"kind": "intentions", "prompt": "What will you carry?", "reveal": "anonymous", "commitment": true},
		{"kind": "circle", "title": "Sharing circle", "prompt": "What stayed with you?", "mode": "round", "order": "roster", "shareSeconds": 120},
	}}, nil)
	fb.open(g)
	fac := e.joinFacilitator(t, fb, g)
	p := []*client{e.joinParticipant(t, g, 0), e.joinParticipant(t, g, 1), e.joinParticipant(t, g, 2)}
	fac.act("agenda.next", struct{}{})
	p[0].act("intention.write", map[string]string{"text": w1IntP0})
	p[1].act("intention.write", map[string]string{"text": w1IntP1})
	p[0].act("intention.commit", map[string]string{"intentionId": mine(p[0]).Intentions.Intention.ID, "step": w1StepP0})
	fac.act("intention.reveal", struct{}{})

	fac.act("agenda.next", struct{}{})
	fac.act("circle.next", struct{}{})
	p[1].act("circle.react", map[string]any{"kind": "heard", "turn": 1})
	p[2].act("circle.react", map[string]any{"kind": "thanks", "turn": 1})
	p[0].act("circle.done", map[string]int{"turn": 1})
	p[1].act("circle.pass", map[string]int{"turn": 2})
	p[0].act("circle.react", map[string]any{"kind": "resonates", "turn": 3})
	fac.act("circle.end", struct{}{})
	fac.act("agenda.next", struct{}{})
	fb.must(200, "POST", "/api/sessions/"+g.session+"/close", nil, nil)
	for _, c := range append(p, fac) {
		c.close()
	}

	var s2 sessionJSON
	fb.must(201, "POST", "/api/cohorts/"+g.cohort+"/sessions", map[string]string{"title": "Week 2", "startsAt": "2026-12-08T18:00:00Z"}, &s2)
	week1 := g.session
	g.session = s2.ID
	fb.must(200, "PUT", "/api/sessions/"+g.session+"/agenda", map[string]any{"items": []map[string]any{
		{"kind": "intentions", "prompt": "And now?", "reveal": "named", "commitment": true},
	}}, nil)
	fb.open(g)
	fac = e.joinFacilitator(t, fb, g)
	p = []*client{e.joinParticipant(t, g, 0), e.joinParticipant(t, g, 1), e.joinParticipant(t, g, 2)}
	fac.act("agenda.next", struct{}{})
	past0, past1 := mine(p[0]).Intentions.Past[0].ID, mine(p[1]).Intentions.Past[0].ID
	p[0].act("intention.reflect", map[string]string{"intentionId": past0, "outcome": "lived"})
	p[0].act("intention.write", map[string]string{"text": w2IntP0})
	p[1].act("intention.reflect", map[string]string{"intentionId": past1, "outcome": "letgo"})
	p[1].act("intention.commit", map[string]string{"intentionId": past1, "step": w2StepP1})
	p[2].act("intention.write", map[string]string{"text": w2IntP2})
	fac.act("intention.reveal", struct{}{})
	fac.act("agenda.next", struct{}{})
	for _, c := range append(p, fac) {
		c.close()
	}
	return activityGroup{g: g, week1: week1, week2: g.session}
}

type activitySummary struct {
	Summary struct {
		Sections []struct {
			Kind       string `json:"kind"`
			Intentions *struct {
				Reveal      string `json:"reveal"`
				Revealed    bool   `json:"revealed"`
				Intentions  []struct{ Name, Text string }
				Reflections []struct {
					Name, Intention, SessionTitle, Outcome string
				}
				Steps []struct {
					Name, Step, Intention, SessionTitle string
				}
				Unwritten []string `json:"unwritten"`
			} `json:"intentions"`
			Circle *struct {
				Mode         string `json:"mode"`
				ShareSeconds int    `json:"shareSeconds"`
				Turns        []struct {
					N        int
					Name     string
					Outcome  string
					Duration int64
				} `json:"turns"`
				Waiting   []string `json:"waiting"`
				RoundOver bool     `json:"roundOver"`
			} `json:"circle"`
		} `json:"sections"`
	} `json:"summary"`
}

func TestMemoryOfIntentionsAndACircle(t *testing.T) {
	e := newEnv(t)
	fb := e.newFacilitator("ana@example.org", "Ana")
	a := runActivitySessions(t, e, fb)
	g := a.g

	summary := func(session string) (activitySummary, string) {
		t.Helper()
		var raw json.RawMessage
		fb.must(200, "GET", "/api/sessions/"+session+"/summary", nil, &raw)
		var v activitySummary
		if err := json.Unmarshal(raw, &v); err != nil {
			t.Fatal(err)
		}
		return v, string(raw)
	}

	// Week 1, as its facilitators look back on it.
	s1, raw := summary(a.week1)
	if len(s1.Summary.Sections) != 2 || s1.Summary.Sections[0].Kind != "intentions" || s1.Summary.Sections[1].Kind != "circle" {
		t.Fatalf("week 1 sections %s, want the intentions and the circle", raw)
	}
	in := s1.Summary.Sections[0].Intentions
	if in.Reveal != "anonymous" || !in.Revealed || len(in.Intentions) != 2 || in.Intentions[0].Name != "P0" || in.Intentions[0].Text != w1IntP0 ||
		in.Intentions[1].Name != "P1" || !reflect.DeepEqual(in.Unwritten, []string{"P2"}) {
		t.Errorf("week 1 intentions %+v, want P0's and P1's with names (an anonymous reveal hides them from the group only) and P2 without", in)
	}
	if len(in.Steps) != 1 || in.Steps[0].Name != "P0" || in.Steps[0].Step != w1StepP0 || in.Steps[0].Intention != w1IntP0 || in.Steps[0].SessionTitle != "" {
		t.Errorf("week 1 steps %+v, want P0's, for the intention written then", in.Steps)
	}
	c := s1.Summary.Sections[1].Circle
	var story []string
	for _, tu := range c.Turns {
		story = append(story, tu.Name+":"+tu.Outcome)
	}
	if want := []string{"P0:spoke", "P1:passed", "P2:spoke"}; !reflect.DeepEqual(story, want) || !reflect.DeepEqual(c.Waiting, []string{"P1"}) ||
		!c.RoundOver || c.Mode != "round" || c.ShareSeconds != 120 {
		t.Errorf("week 1 circle %+v (story %v), want %v, P1 not reached, ended by the facilitator", c, story, want)
	}
	for _, bad := range []string{"reaction", "heard", "thanks", "resonates"} {
		if strings.Contains(raw, bad) {
			t.Errorf("week 1 summary carries %q: the reactions were for the speaker alone", bad)
		}
	}

	// Week 2, still live: the reflections on Week 1's intentions, by name.
	s2, raw := summary(a.week2)
	in = s2.Summary.Sections[0].Intentions
	wantRefl := []struct{ Name, Intention, SessionTitle, Outcome string }{
		{"P0", w1IntP0, "Week 1", "lived"}, {"P1", w1IntP1, "Week 1", "letgo"},
	}
	if !reflect.DeepEqual(in.Reflections, wantRefl) {
		t.Errorf("week 2 reflections %+v, want %+v", in.Reflections, wantRefl)
	}
	if len(in.Steps) != 1 || in.Steps[0].Name != "P1" || in.Steps[0].Intention != w1IntP1 || in.Steps[0].SessionTitle != "Week 1" {
		t.Errorf("week 2 steps %+v, want P1's, for the Week 1 intention", in.Steps)
	}

	// The overview follows each intention across both sessions, the live
	// one included.
	type journeyJSON struct {
		Name       string
		Intentions []struct {
			Text, SessionTitle string
			Reflections        []struct{ SessionTitle, Outcome string }
			Steps              []struct{ SessionTitle, Step string }
		}
	}
	var ov struct{ Intentions []journeyJSON }
	fb.must(200, "GET", "/api/cohorts/"+g.cohort+"/overview", nil, &ov)
	got, _ := json.Marshal(ov.Intentions)
	want := `[{"Name":"P0","Intentions":[` +
		`{"Text":"` + w1IntP0 + `","SessionTitle":"Week 1","Reflections":[{"SessionTitle":"Week 2","Outcome":"lived"}],"Steps":[{"SessionTitle":"Week 1","Step":"` + w1StepP0 + `"}]},` +
		`{"Text":"` + w2IntP0 + `","SessionTitle":"Week 2","Reflections":[],"Steps":[]}]},` +
		`{"Name":"P1","Intentions":[{"Text":"` + w1IntP1 + `","SessionTitle":"Week 1","Reflections":[{"SessionTitle":"Week 2","Outcome":"letgo"}],"Steps":[{"SessionTitle":"Week 2","Step":"` + w2StepP1 + `"}]}]},` +
		`{"Name":"P2","Intentions":[{"Text":"` + w2IntP2 + `","SessionTitle":"Week 2","Reflections":[],"Steps":[]}]}]`
	if string(got) != want {
		t.Errorf("overview journeys\n got %s\nwant %s", got, want)
	}
	fb.must(200, "POST", "/api/sessions/"+a.week2+"/close", nil, nil)

	// The exports carry both sections and the journeys.
	get := func(path string) string {
		t.Helper()
		resp, err := fb.hc.Get(e.url() + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
		return string(body)
	}
	md := get("/api/cohorts/" + g.cohort + "/export.md")
	for _, want := range []string{
		"#### 1. Intentions, ", "Revealed to the group without names at ", "- P0, ", ": “" + w1IntP0 + "”", "No intention from: P2.",
		"- P0: “" + w1StepP0 + "”, for “" + w1IntP0 + "”",
		"#### 2. Sharing circle, ", "A round in roster order, 2 min a share.", "1. P0: shared, ", "2. P1: passed for now, ", "3. P2: shared, ",
		"Not reached: P1.", "The facilitator ended the round.",
		"Revealed to the group with names at ", "- P0 on “" + w1IntP0 + "” (Week 1): lived it", "- P1 on “" + w1IntP1 + "” (Week 1): let it go",
		"- P1: “" + w2StepP1 + "”, for “" + w1IntP1 + "” (Week 1)",
		"## Intention journeys", "### P0", "- “" + w1IntP0 + "” (set in Week 1)\n  - step, in Week 1: “" + w1StepP0 + "”\n  - Week 2: lived it\n",
		"  - step, in Week 2: “" + w2StepP1 + "”",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("export.md lacks %q:\n%s", want, md)
		}
	}
	for _, bad := range []string{"heard", "thanks", "resonates"} {
		if strings.Contains(md, bad) {
			t.Errorf("export.md carries the reaction %q", bad)
		}
	}
	var ex struct {
		Sessions []struct {
			Summary *struct {
				Sections []struct {
					Kind       string
					Intentions *struct{ Intentions []struct{ Text string } }
					Circle     *struct{ Turns []struct{ Name string } }
				}
			}
		}
		Overview struct{ Intentions []journeyJSON }
	}
	body := get("/api/cohorts/" + g.cohort + "/export.json")
	if err := json.Unmarshal([]byte(body), &ex); err != nil {
		t.Fatal(err)
	}
	if len(ex.Sessions) != 2 || ex.Sessions[0].Summary == nil || len(ex.Sessions[0].Summary.Sections) != 2 ||
		ex.Sessions[0].Summary.Sections[0].Intentions == nil || len(ex.Sessions[0].Summary.Sections[1].Circle.Turns) != 3 ||
		len(ex.Overview.Intentions) != 3 {
		t.Errorf("export.json %+v, want both sections of week 1 and the three journeys", ex)
	}
	if strings.Contains(body, "heard") || strings.Contains(body, "resonates") {
		t.Error("export.json carries the reactions")
	}
}

type activityHistory struct {
	Sessions []struct {
		Title   string
		Came    bool
		Moments []struct {
			Kind       string
			Intentions *struct {
				Reveal      string
				Revealed    bool
				Mine        *struct{ Text string }
				Reflections []struct{ Intention, SessionTitle, Outcome string }
				Step        *struct{ Step, Intention, SessionTitle string }
				Shown       []struct {
					Name string
					Mine bool
					Text string
				}
			}
			Circle *struct {
				Turns []struct {
					Name      string
					Mine      bool
					Outcome   string
					Reactions map[string]int
				}
			}
		}
	}
}

// TestHistoryOfIntentionsAndACircle reads each participant's history of the
// two sessions: their own part, the revealed sets as the group saw them,
// the circle's order, and the reactions to their own turns; never another
// participant's reflections, steps or reactions.
func TestHistoryOfIntentionsAndACircle(t *testing.T) {
	e := newEnv(t)
	fb := e.newFacilitator("ana@example.org", "Ana")
	a := runActivitySessions(t, e, fb)
	g := a.g
	fb.must(200, "POST", "/api/sessions/"+a.week2+"/close", nil, nil)

	history := func(i int) (activityHistory, string) {
		t.Helper()
		var raw json.RawMessage
		e.browser().must(200, "GET", "/api/p/"+g.tokens[i]+"/history", nil, &raw)
		var h activityHistory
		if err := json.Unmarshal(raw, &h); err != nil {
			t.Fatal(err)
		}
		if len(h.Sessions) != 2 || len(h.Sessions[0].Moments) != 2 || len(h.Sessions[1].Moments) != 1 {
			t.Fatalf("P%d's history %s, want week 1 with two moments, week 2 with one", i, raw)
		}
		return h, string(raw)
	}

	h, raw := history(0)
	w1 := h.Sessions[0].Moments[0].Intentions
	if w1.Mine == nil || w1.Mine.Text != w1IntP0 || w1.Step == nil || w1.Step.Step != w1StepP0 || w1.Step.Intention != w1IntP0 {
		t.Errorf("P0's week 1 intentions %+v, want their intention and step", w1)
	}
	shownTexts := map[string]bool{}
	for _, sh := range w1.Shown {
		if sh.Name != "" || sh.Mine {
			t.Errorf("the anonymous reveal, afterwards, tells whose is whose: %+v", sh)
		}
		shownTexts[sh.Text] = true
	}
	if len(w1.Shown) != 2 || !shownTexts[w1IntP0] || !shownTexts[w1IntP1] {
		t.Errorf("week 1 shown %+v, want both intentions without names", w1.Shown)
	}
	circle := h.Sessions[0].Moments[1].Circle
	type turn struct {
		Name      string
		Mine      bool
		Outcome   string
		Reactions map[string]int
	}
	var turns []turn
	for _, tu := range circle.Turns {
		turns = append(turns, turn(tu))
	}
	wantTurns := []turn{
		{Mine: true, Outcome: "spoke", Reactions: map[string]int{"heard": 1, "thanks": 1}},
		{Name: "P1", Outcome: "passed"},
		{Name: "P2", Outcome: "spoke"},
	}
	if !reflect.DeepEqual(turns, wantTurns) {
		t.Errorf("P0's circle %+v, want %+v", turns, wantTurns)
	}
	w2 := h.Sessions[1].Moments[0].Intentions
	if len(w2.Reflections) != 1 || w2.Reflections[0].Intention != w1IntP0 || w2.Reflections[0].SessionTitle != "Week 1" || w2.Reflections[0].Outcome != "lived" {
		t.Errorf("P0's week 2 reflections %+v, want their Week 1 intention, lived", w2.Reflections)
	}
	wantShown := []struct {
		Name string
		Mine bool
		Text string
	}{{Mine: true, Text: w2IntP0}, {Name: "P2", Text: w2IntP2}}
	if !reflect.DeepEqual(w2.Shown, wantShown) {
		t.Errorf("P0's week 2 shown %+v, want %+v (named, in roster order)", w2.Shown, wantShown)
	}
	for _, never := range []string{w2StepP1, `"letgo"`, "resonates"} {
		if strings.Contains(raw, never) {
			t.Errorf("P0's history carries %s: %s", never, raw)
		}
	}

	h, raw = history(1)
	if w1 := h.Sessions[0].Moments[0].Intentions; w1.Step != nil || w1.Mine == nil || w1.Mine.Text != w1IntP1 {
		t.Errorf("P1's week 1 intentions %+v, want their own and no step", w1)
	}
	if w2 := h.Sessions[1].Moments[0].Intentions; w2.Step == nil || w2.Step.Step != w2StepP1 || w2.Step.SessionTitle != "Week 1" || w2.Mine != nil {
		t.Errorf("P1's week 2 intentions %+v, want their step for the Week 1 intention", w2)
	}
	if tu := h.Sessions[0].Moments[1].Circle.Turns[1]; !tu.Mine || tu.Outcome != "passed" || len(tu.Reactions) != 0 {
		t.Errorf("P1's own turn %+v, want their pass, without reactions", tu)
	}
	for _, never := range []string{w1StepP0, `"lived"`, "heard", "thanks", "resonates"} {
		if strings.Contains(raw, never) {
			t.Errorf("P1's history carries %s: %s", never, raw)
		}
	}

	h, raw = history(2)
	if w1 := h.Sessions[0].Moments[0].Intentions; w1.Mine != nil || len(w1.Shown) != 2 {
		t.Errorf("P2's week 1 intentions %+v, want none of their own and the revealed two", w1)
	}
	if tu := h.Sessions[0].Moments[1].Circle.Turns[2]; !tu.Mine || !reflect.DeepEqual(tu.Reactions, map[string]int{"resonates": 1}) {
		t.Errorf("P2's own turn %+v, want the one resonates", tu)
	}
	for _, never := range []string{w1StepP0, w2StepP1, `"lived"`, `"letgo"`, "heard", "thanks"} {
		if strings.Contains(raw, never) {
			t.Errorf("P2's history carries %s: %s", never, raw)
		}
	}
}

// TestHistoryNeverCarriesUnrevealedIntentions: until the facilitator
// reveals them, a participant's history of the session holds only their own
// intention, even once the activity is over.
func TestHistoryNeverCarriesUnrevealedIntentions(t *testing.T) {
	e := newEnv(t)
	fb := e.newFacilitator("ana@example.org", "Ana")
	g := fb.newGroup(2, true)
	fb.must(200, "PUT", "/api/sessions/"+g.session+"/agenda", map[string]any{"items": []map[string]any{
		{"kind": "intentions", "prompt": "What will you carry?", "reveal": "named"},
	}}, nil)
	fb.open(g)
	fac := e.joinFacilitator(t, fb, g)
	p0, p1 := e.joinParticipant(t, g, 0), e.joinParticipant(t, g, 1)
	fac.act("agenda.next", struct{}{})
	p0.act("intention.write", map[string]string{"text": "unrevealed-of-P0"})
	p1.act("intention.write", map[string]string{"text": "unrevealed-of-P1"})
	fac.act("agenda.next", struct{}{}) // over, never revealed
	for i, own := range []string{"unrevealed-of-P0", "unrevealed-of-P1"} {
		var raw json.RawMessage
		e.browser().must(200, "GET", "/api/p/"+g.tokens[i]+"/history", nil, &raw)
		other := []string{"unrevealed-of-P1", "unrevealed-of-P0"}[i]
		if !strings.Contains(string(raw), own) || strings.Contains(string(raw), other) {
			t.Errorf("P%d's history %s, want their own intention and never the other's", i, raw)
		}
	}
}

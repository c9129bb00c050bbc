package web_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
)

// The schema 3 fixture is a database written by the server as it was when
// rooms were stored in schema 3, with one cohort's whole story in it: a
// closed session that ran every kind of activity, a private note, and a live
// session with an intentions activity running. The goldens beside it are
// what the server answered from that file: the snapshots members get when
// they join the live room, the exports, a session's summary and a
// participant's history.
//
// A server must keep opening files like it and keep answering existing
// clients the same way, however the room and its records are reshaped
// inside. TestSchema3Fixture holds it to that. TestWriteSchema3Fixture
// wrote the files; running it again only belongs to a deliberate change of
// format (a new schema gets a fixture of its own, and this one stays).

const (
	fixtureDB     = "testdata/schema3.db"
	fixtureDir    = "testdata/schema3"
	fixtureWriter = "HEARTH_WRITE_FIXTURE"
)

// fixture is what a test needs to know of the fixture's database to reach
// into it: the IDs, the facilitator's login and the invite links.
type fixture struct {
	About       string `json:"about"`
	InviteKey   string `json:"inviteKey"` // hex; invite tokens derive from it
	Facilitator struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	} `json:"facilitator"`
	Cohort       string               `json:"cohort"`
	Week1        string               `json:"week1"` // closed
	Week2        string               `json:"week2"` // live
	Participants []fixtureParticipant `json:"participants"`
}

type fixtureParticipant struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	Token string `json:"token"`
}

// fixtureGoldens are the views compared, by golden file name, in the order
// fixtureViews takes them.
var fixtureGoldens = []string{
	"summary-week1.json",
	"history-maya.json",
	"export.json",
	"export.md",
	"snapshot-facilitator.json",
	"snapshot-maya.json",
	"snapshot-jonas.json",
}

// TestSchema3Fixture opens a copy of the schema 3 fixture with the real
// storage and server (the live room comes back as on any start) and checks
// every view against its golden.
func TestSchema3Fixture(t *testing.T) {
	fx := readFixture(t)
	got := fixtureViews(t, fx, copyFixture(t))
	for _, name := range fixtureGoldens {
		t.Run(name, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join(fixtureDir, name))
			if err != nil {
				t.Fatal(err)
			}
			norm, err := normalizeView(name, got[name])
			if err != nil {
				t.Fatalf("%s: %v\n%s", name, err, got[name])
			}
			if diffs := compareView(name, norm, want); len(diffs) > 0 {
				t.Errorf("%s differs from the golden, which a server must keep answering for this file:\n%s",
					name, strings.Join(diffs, "\n"))
			}
		})
	}
}

// fixtureViews serves the database at path and returns what the server
// answers, by golden name. The order of the requests is part of the fixture:
// each member's joining changes the room the next one sees.
func fixtureViews(tb testing.TB, fx fixture, path string) map[string][]byte {
	tb.Helper()
	key, err := hex.DecodeString(fx.InviteKey)
	if err != nil {
		tb.Fatalf("invite key: %v", err)
	}
	// Nobody drops out of the restored room while the test runs, however
	// slow the machine.
	e := newEnvWith(tb, envOptions{dbPath: path, inviteKey: key, grace: time.Hour})
	fb := e.browser()
	fb.must(200, "POST", "/api/login", map[string]string{"email": fx.Facilitator.Email, "password": fx.Facilitator.Password}, nil)
	maya, jonas := fx.participant(tb, "Maya"), fx.participant(tb, "Jonas")

	views := map[string][]byte{
		"summary-week1.json": getBody(tb, fb, "/api/sessions/"+fx.Week1+"/summary"),
		"history-maya.json":  getBody(tb, e.browser(), "/api/p/"+maya.Token+"/history"),
		"export.json":        getBody(tb, fb, "/api/cohorts/"+fx.Cohort+"/export.json"),
		"export.md":          getBody(tb, fb, "/api/cohorts/"+fx.Cohort+"/export.md"),
	}
	join := func(name, path string, h http.Header) []byte {
		tb.Helper()
		c, err := dial(tb, e.wsURL(path), h, name)
		if err != nil {
			tb.Fatalf("join %s: %v", name, err)
		}
		return c.next("snapshot", isType("snapshot")).raw
	}
	views["snapshot-facilitator.json"] = join("facilitator", "/ws/sessions/"+fx.Week2, fb.cookieHeader())
	views["snapshot-maya.json"] = join("Maya", "/ws/p/"+maya.Token, nil)
	views["snapshot-jonas.json"] = join("Jonas", "/ws/p/"+jonas.Token, nil)
	return views
}

func (fx fixture) participant(tb testing.TB, name string) fixtureParticipant {
	tb.Helper()
	i := slices.IndexFunc(fx.Participants, func(p fixtureParticipant) bool { return p.Name == name })
	if i < 0 {
		tb.Fatalf("the fixture has no participant %s", name)
	}
	return fx.Participants[i]
}

func readFixture(tb testing.TB) fixture {
	tb.Helper()
	data, err := os.ReadFile(filepath.Join(fixtureDir, "fixture.json"))
	if err != nil {
		tb.Fatal(err)
	}
	var fx fixture
	if err := json.Unmarshal(data, &fx); err != nil {
		tb.Fatalf("fixture.json: %v", err)
	}
	return fx
}

// copyFixture copies the fixture's database into a temporary folder: a
// server writes to the file it opens, and the committed one must stay as it
// was written.
func copyFixture(tb testing.TB) string {
	tb.Helper()
	data, err := os.ReadFile(fixtureDB)
	if err != nil {
		tb.Fatal(err)
	}
	path := filepath.Join(tb.TempDir(), "hearth.db")
	if err := os.WriteFile(path, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

// getBody returns the body of a GET that must answer 200.
func getBody(tb testing.TB, b *browser, path string) []byte {
	tb.Helper()
	resp, err := b.hc.Get(b.e.url() + path)
	if err != nil {
		tb.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		tb.Fatalf("GET %s: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET %s: status %d: %s", path, resp.StatusCode, data)
	}
	return data
}

// --- normalising and comparing -------------------------------------------------

// The only parts of a view that are not the file's are the moments the
// server reads its own clock to say "now": they are replaced, once checked
// to be there in their usual form, by these placeholders.
const (
	nowServerTime = "<serverTime: the server's clock, in ms>"
	nowExportedAt = "<exportedAt: the moment of the export>"
	nowExportLine = "Exported from Hearth on <the moment of the export>."
)

var exportLine = regexp.MustCompile(`^Exported from Hearth on [A-Z][a-z]{2} \d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2} UTC\.$`)

// normalizeView returns a view as its golden holds it: JSON as a decoded
// value (numbers kept as written), Markdown as text.
func normalizeView(name string, data []byte) (any, error) {
	if strings.HasSuffix(name, ".md") {
		lines := strings.Split(string(data), "\n")
		n := 0
		for i, l := range lines {
			if exportLine.MatchString(l) {
				lines[i] = nowExportLine
				n++
			}
		}
		if n != 1 {
			return nil, fmt.Errorf("%d lines say when the export was made, want 1", n)
		}
		return strings.Join(lines, "\n"), nil
	}
	v, err := decodeJSON(data)
	if err != nil {
		return nil, err
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("not a JSON object")
	}
	switch {
	case strings.HasPrefix(name, "snapshot-"):
		if _, ok := obj["serverTime"].(json.Number); !ok {
			return nil, fmt.Errorf("serverTime is %#v, want a number", obj["serverTime"])
		}
		obj["serverTime"] = nowServerTime
	case name == "export.json":
		s, _ := obj["exportedAt"].(string)
		if _, err := time.Parse(time.RFC3339Nano, s); err != nil {
			return nil, fmt.Errorf("exportedAt is %#v, want a time", obj["exportedAt"])
		}
		obj["exportedAt"] = nowExportedAt
	}
	return obj, nil
}

func decodeJSON(data []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(data))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	if d.More() {
		return nil, fmt.Errorf("more than one JSON value")
	}
	return v, nil
}

// encodeView is the golden file of a normalised view.
func encodeView(v any) []byte {
	if s, ok := v.(string); ok {
		return []byte(s)
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		panic(err) // a decoded JSON value always encodes
	}
	return b.Bytes()
}

// compareView compares a normalised view with its golden file and returns
// the differences, by path (JSON) or line (Markdown), at most maxDiffs.
func compareView(name string, got any, golden []byte) []string {
	if s, ok := got.(string); ok {
		return diffLines(s, string(golden))
	}
	want, err := decodeJSON(golden)
	if err != nil {
		return []string{fmt.Sprintf("the golden %s does not decode: %v", name, err)}
	}
	if reflect.DeepEqual(got, want) {
		return nil
	}
	var diffs []string
	diffJSON("$", got, want, &diffs)
	if len(diffs) == 0 { // DeepEqual saw what the walk did not: say so rather than pass
		diffs = append(diffs, "$: the values differ")
	}
	return diffs
}

const maxDiffs = 20

func diffJSON(path string, got, want any, out *[]string) {
	if len(*out) >= maxDiffs {
		return
	}
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			break
		}
		keys := make([]string, 0, len(w)+len(g))
		for k := range w {
			keys = append(keys, k)
		}
		for k := range g {
			if _, ok := w[k]; !ok {
				keys = append(keys, k)
			}
		}
		sort.Strings(keys)
		for _, k := range keys {
			gv, gok := g[k]
			wv, wok := w[k]
			switch {
			case !gok:
				*out = append(*out, fmt.Sprintf("%s.%s: missing, want %s", path, k, short(wv)))
			case !wok:
				*out = append(*out, fmt.Sprintf("%s.%s: unexpected %s", path, k, short(gv)))
			default:
				diffJSON(path+"."+k, gv, wv, out)
			}
			if len(*out) >= maxDiffs {
				return
			}
		}
		return
	case []any:
		g, ok := got.([]any)
		if !ok {
			break
		}
		if len(g) != len(w) {
			*out = append(*out, fmt.Sprintf("%s: %d elements, want %d:\n  got  %s\n  want %s", path, len(g), len(w), short(g), short(w)))
			return
		}
		for i := range w {
			diffJSON(fmt.Sprintf("%s[%d]", path, i), g[i], w[i], out)
		}
		return
	}
	if !reflect.DeepEqual(got, want) {
		*out = append(*out, fmt.Sprintf("%s: got %s, want %s", path, short(got), short(want)))
	}
}

// short is a value as JSON, cut to a readable length.
func short(v any) string {
	b, _ := json.Marshal(v)
	if len(b) > 200 {
		return string(b[:200]) + "…"
	}
	return string(b)
}

func diffLines(got, want string) []string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	var out []string
	for i := 0; i < max(len(g), len(w)) && len(out) < maxDiffs; i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if i >= len(g) || i >= len(w) || gl != wl {
			out = append(out, fmt.Sprintf("line %d:\n  got  %q\n  want %q", i+1, gl, wl))
		}
	}
	if len(g) != len(w) && len(out) < maxDiffs {
		out = append(out, fmt.Sprintf("%d lines, want %d", len(g), len(w)))
	}
	return out
}

// --- writing the fixture -----------------------------------------------------------

// fixtureClock is the clock of the rooms and the back office while the
// fixture is written: every time in the file is one the story chose.
type fixtureClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fixtureClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fixtureClock) set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}

func (c *fixtureClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// TestWriteSchema3Fixture writes the schema 3 fixture and its goldens, with
// HEARTH_WRITE_FIXTURE=1:
//
//	HEARTH_WRITE_FIXTURE=1 go test ./web -run 'TestWriteSchema3Fixture' -count=1
//
// It drives a real server over real WebSockets, so the file holds exactly
// what the server of its day wrote; the goldens are then read from a copy of
// the file just as TestSchema3Fixture reads them. It is not meant to run
// again once the fixture is committed: the point is that old files keep
// reading.
func TestWriteSchema3Fixture(t *testing.T) {
	if os.Getenv(fixtureWriter) != "1" {
		t.Skipf("set %s=1 to write %s and the goldens in %s again", fixtureWriter, fixtureDB, fixtureDir)
	}
	clock := &fixtureClock{t: time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)}
	// The browsers' cookie jars keep a login only until it expires by the
	// real clock, which runs ahead of the story's.
	e := newEnvWith(t, envOptions{now: clock.now, loginTTL: 100 * 365 * 24 * time.Hour})
	fx := fixture{
		About: "The schema 3 fixture: what tests need to reach into " + fixtureDB +
			". Written by TestWriteSchema3Fixture; see web/fixture_test.go.",
		InviteKey: hex.EncodeToString(e.key),
	}
	fx.Facilitator.Email, fx.Facilitator.Password = "ana@example.org", "a long passphrase"
	fb := e.newFacilitator(fx.Facilitator.Email, "Ana Lindqvist")

	// The cohort, its roster, and everyone's acceptance of the agreements.
	clock.advance(10 * time.Minute)
	var c cohortJSON
	fb.must(201, "POST", "/api/cohorts", map[string]string{
		"name":        "Tuesday integration circle",
		"description": "Six weekly circles after the autumn retreat.",
		"agreements":  "What is shared here stays here.\nSpeak from your own experience.\nYou may always pass.",
	}, &c)
	fx.Cohort = c.ID
	g := group{cohort: c.ID}
	for _, name := range []string{"Maya", "Jonas", "Lea"} {
		clock.advance(time.Minute)
		var p struct {
			ID        string `json:"id"`
			InviteURL string `json:"inviteUrl"`
		}
		fb.must(201, "POST", "/api/cohorts/"+c.ID+"/participants", map[string]string{"name": name}, &p)
		token := p.InviteURL[strings.LastIndex(p.InviteURL, "#")+1:]
		g.names, g.tokens, g.ids = append(g.names, name), append(g.tokens, token), append(g.ids, p.ID)
		fx.Participants = append(fx.Participants, fixtureParticipant{ID: p.ID, Name: name, Token: token})
	}
	for i, token := range g.tokens {
		clock.set(time.Date(2026, 11, 25, 8+i, 30, 0, 0, time.UTC))
		fb.must(200, "POST", "/api/p/"+token+"/accept", map[string]int{"version": c.AgreementsVersion}, nil)
	}
	plan := func(title, startsAt, agenda string) string {
		t.Helper()
		var s sessionJSON
		fb.must(201, "POST", "/api/cohorts/"+c.ID+"/sessions", map[string]string{"title": title, "startsAt": startsAt}, &s)
		fb.must(200, "PUT", "/api/sessions/"+s.ID+"/agenda", agenda, nil)
		return s.ID
	}
	snap := func(cl *client) msg {
		t.Helper()
		cl.send("sync", struct{}{})
		return cl.next("snapshot", isType("snapshot"))
	}
	// mine returns the member's own intention in the running activity and
	// the IDs of their earlier ones.
	mine := func(cl *client) (intention string, past []string) {
		t.Helper()
		var v struct {
			Room struct {
				Mine struct {
					Intentions struct {
						Intention struct{ ID string }
						Past      []struct{ ID string }
					}
				}
			}
		}
		if err := json.Unmarshal(snap(cl).raw, &v); err != nil {
			t.Fatal(err)
		}
		for _, p := range v.Room.Mine.Intentions.Past {
			past = append(past, p.ID)
		}
		return v.Room.Mine.Intentions.Intention.ID, past
	}
	// act is one member's action, a moment after the one before.
	act := func(cl *client, typ string, data any) {
		t.Helper()
		clock.advance(20 * time.Second)
		cl.act(typ, data)
	}

	// Week 1: the whole agenda, then closed.
	clock.set(time.Date(2026, 11, 26, 14, 0, 0, 0, time.UTC))
	fx.Week1 = plan("Week 1", "2026-12-01T18:00:00Z", `{"items":[
		{"kind":"checkin","title":"Arrival check-in","prompt":"How are you arriving today?","visibility":"anonymous"},
		{"kind":"grounding","title":"Grounding","seconds":120,"breath":{"in":4,"hold":4,"out":6,"rest":2}},
		{"kind":"intentions","title":"Intentions","prompt":"What would you like to carry into the coming week?","reveal":"anonymous","commitment":true},
		{"kind":"circle","title":"Sharing circle","prompt":"What has been alive for you since we last met?","mode":"round","order":"roster","shareSeconds":300},
		{"kind":"checkout","title":"Check-out","prompt":"One word for how you leave.","closingCheck":true}]}`)
	g.session = fx.Week1
	clock.set(time.Date(2026, 12, 1, 17, 55, 0, 0, time.UTC))
	fb.open(g)
	clock.advance(time.Minute)
	fac := e.joinFacilitator(t, fb, g)
	people := make([]*client, len(g.names))
	for i := range people {
		clock.advance(time.Minute)
		people[i] = e.joinParticipant(t, g, i)
	}
	maya, jonas, lea := people[0], people[1], people[2]

	act(fac, "agenda.next", struct{}{}) // the check-in
	act(maya, "checkin.answer", map[string]any{"scale": 6, "state": "within", "feeling": "curious", "note": "Glad to be back."})
	act(jonas, "checkin.answer", map[string]any{"scale": 3, "state": "hypo", "feeling": "tired"})
	act(lea, "checkin.answer", map[string]any{"scale": 8, "state": "hyper", "feeling": "buzzing", "note": "A lot happened this week."})

	act(fac, "agenda.next", struct{}{}) // the grounding, left to run its course
	clock.advance(2 * time.Minute)
	act(fac, "agenda.next", struct{}{}) // the intentions
	act(maya, "intention.write", map[string]string{"text": "Notice when I hold my breath, and let it go."})
	act(jonas, "intention.write", map[string]string{"text": "Call my sister."})
	act(lea, "intention.write", map[string]string{"text": "Go slower in the mornings."})
	mayas, _ := mine(maya)
	act(maya, "intention.commit", map[string]string{"intentionId": mayas, "step": "Three slow breaths before each meeting."})
	act(fac, "intention.reveal", struct{}{})

	act(fac, "agenda.next", struct{}{}) // the sharing circle, in roster order
	act(fac, "circle.next", struct{}{})
	act(jonas, "circle.react", map[string]any{"kind": "heard", "turn": 1})
	act(lea, "circle.react", map[string]any{"kind": "resonates", "turn": 1})
	clock.advance(3 * time.Minute)
	act(maya, "circle.done", map[string]int{"turn": 1})
	act(jonas, "circle.pass", map[string]int{"turn": 2}) // asked once more at the end
	clock.advance(4 * time.Minute)
	act(lea, "circle.done", map[string]int{"turn": 3})
	clock.advance(2 * time.Minute)
	act(jonas, "circle.done", map[string]int{"turn": 4})

	act(fac, "agenda.next", struct{}{}) // the check-out
	act(maya, "checkout.word", map[string]any{"word": "lighter", "state": "within"})
	act(jonas, "checkout.word", map[string]any{"word": "held", "state": "within"})
	act(lea, "checkout.word", map[string]any{"word": "lighter", "state": "hyper"})
	act(fac, "checkout.reveal", struct{}{})
	act(fac, "agenda.next", struct{}{}) // all done: the room gathers
	clock.advance(5 * time.Minute)
	fb.must(200, "POST", "/api/sessions/"+fx.Week1+"/close", nil, nil)
	for _, cl := range append([]*client{fac}, people...) {
		cl.close()
	}

	// A private note on the session, about Jonas, written that evening and
	// edited the next day.
	clock.advance(10 * time.Minute)
	var note struct{ ID string }
	fb.must(201, "POST", "/api/cohorts/"+c.ID+"/notes", map[string]string{
		"sessionId": fx.Week1, "participantId": g.ids[1], "text": "Arrived hypo-aroused and passed once.",
	}, &note)
	clock.set(time.Date(2026, 12, 2, 10, 0, 0, 0, time.UTC))
	fb.must(200, "PATCH", "/api/notes/"+note.ID, map[string]string{
		"text": "Arrived hypo-aroused and passed once; shared at the end. Check in with him before Week 2.",
	}, nil)

	// Week 2: live, Lea not come, the intentions running: Maya has said
	// what became of her Week 1 intention, Jonas has written a new one.
	clock.advance(time.Hour)
	fx.Week2 = plan("Week 2", "2026-12-08T18:00:00Z", `{"items":[
		{"kind":"checkin","title":"Arrival check-in","prompt":"How are you arriving tonight?","visibility":"facilitators"},
		{"kind":"intentions","title":"Intentions","prompt":"What became of last week's intention, and what now?","reveal":"named","commitment":true},
		{"kind":"checkout","title":"Check-out","prompt":"One word to take with you."}]}`)
	g.session = fx.Week2
	clock.set(time.Date(2026, 12, 8, 17, 57, 0, 0, time.UTC))
	fb.open(g)
	clock.advance(time.Minute)
	fac = e.joinFacilitator(t, fb, g)
	clock.advance(time.Minute)
	maya = e.joinParticipant(t, g, 0)
	clock.advance(time.Minute)
	jonas = e.joinParticipant(t, g, 1)

	act(fac, "agenda.next", struct{}{}) // the check-in
	act(jonas, "checkin.answer", map[string]any{"scale": 5, "state": "within", "feeling": "calmer"})
	act(maya, "checkin.answer", map[string]any{"scale": 7, "state": "within", "feeling": "steady", "note": "A good week."})
	act(fac, "agenda.next", struct{}{}) // the intentions
	if _, past := mine(maya); len(past) != 1 || past[0] != mayas {
		t.Fatalf("Maya's earlier intentions in Week 2: %v, want her Week 1 one, %s", past, mayas)
	}
	act(maya, "intention.reflect", map[string]string{"intentionId": mayas, "outcome": "lived"})
	act(jonas, "intention.write", map[string]string{"text": "Ask for help before I am exhausted."})
	e.stop() // as a server stops: the room stays live in the file

	data, err := os.ReadFile(e.dbPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > 512<<10 {
		t.Fatalf("the database is %d KB; a fixture should stay small", len(data)>>10)
	}
	if err := os.MkdirAll(fixtureDir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(fixtureDB, data, 0o600); err != nil {
		t.Fatal(err)
	}
	fxJSON, _ := json.MarshalIndent(fx, "", "  ")
	if err := os.WriteFile(filepath.Join(fixtureDir, "fixture.json"), append(fxJSON, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
	views := fixtureViews(t, fx, copyFixture(t))
	for _, name := range fixtureGoldens {
		v, err := normalizeView(name, views[name])
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if err := os.WriteFile(filepath.Join(fixtureDir, name), encodeView(v), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("wrote %s (%d KB) and %d goldens in %s", fixtureDB, len(data)>>10, len(fixtureGoldens), fixtureDir)
}

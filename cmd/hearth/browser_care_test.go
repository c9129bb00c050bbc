package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/coder/websocket"
	"github.com/rs/zerolog"

	"hearth/room"
)

// rawSocket is a facilitator's own WebSocket into the room, read frame by
// frame: what the participant's page does must reach the facilitators as
// the protocol says, whatever the console makes of it.
type rawSocket struct {
	t      *testing.T
	ws     *websocket.Conn
	frames chan map[string]any
	n      int
}

// facilitatorSocket logs Ana in over HTTP and joins the session's room.
func facilitatorSocket(t *testing.T, m *Main, sessionID string) (*rawSocket, *apiCaller) {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	api := &apiCaller{t: t, base: m.URL, hc: &http.Client{Jar: jar, Timeout: 10 * time.Second}}
	api.call(200, "POST", "/api/login", map[string]string{"email": "ana@example.org", "password": "a long passphrase"}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	dctx, dcancel := context.WithTimeout(ctx, 10*time.Second)
	defer dcancel()
	ws, _, err := websocket.Dial(dctx, "ws"+strings.TrimPrefix(m.URL, "http")+"/ws/sessions/"+sessionID,
		&websocket.DialOptions{HTTPHeader: http.Header{"Cookie": {cookieHeader(jar, m.URL)}}})
	if err != nil {
		cancel()
		t.Fatalf("facilitator socket: %v", err)
	}
	s := &rawSocket{t: t, ws: ws, frames: make(chan map[string]any, 4096)}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(s.frames)
		for {
			_, data, err := ws.Read(ctx)
			if err != nil {
				return
			}
			var f map[string]any
			if json.Unmarshal(data, &f) == nil {
				s.frames <- f
			}
		}
	}()
	t.Cleanup(func() {
		cancel()
		ws.CloseNow()
		<-done
	})
	return s, api
}

// send sends an action and waits for its ack.
func (s *rawSocket) send(typ string, data any) {
	s.t.Helper()
	s.n++
	id := fmt.Sprintf("f-%d", s.n)
	b, _ := json.Marshal(map[string]any{"type": typ, "id": id, "data": data})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.ws.Write(ctx, websocket.MessageText, b); err != nil {
		s.t.Fatalf("facilitator: send %s: %v", typ, err)
	}
	s.waitFor(typ+" acknowledged", func(f map[string]any) bool {
		if f["id"] != id {
			return false
		}
		if f["type"] == "error" {
			s.t.Fatalf("facilitator: %s refused: %v %v", typ, f["code"], f["message"])
		}
		return f["type"] == "ack"
	})
}

// waitFor reads frames until one satisfies ok, for at most 15 s.
func (s *rawSocket) waitFor(what string, ok func(map[string]any) bool) map[string]any {
	s.t.Helper()
	timeout := time.After(15 * time.Second)
	for {
		select {
		case f, open := <-s.frames:
			if !open {
				s.t.Fatalf("facilitator: the socket closed while waiting for %s", what)
			}
			if ok(f) {
				return f
			}
		case <-timeout:
			s.t.Fatalf("facilitator: no frame with %s within 15s", what)
		}
	}
}

// list reads a field of a frame as a list of objects.
func list(f map[string]any, key string) []map[string]any {
	raw, _ := f[key].([]any)
	out := make([]map[string]any, 0, len(raw))
	for _, x := range raw {
		if m, ok := x.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// TestBrowserCare walks the care layer on a participant's phone against a
// facilitator's raw socket: the support signal (raised, seen, raised again
// as "now" with the support lines, withdrawn), private messages both ways
// with unread and seen marks, the pause with its clock standing still, the
// door (an admission wait with the video link, a removal and a way back),
// and the end of the session with its aftercare, which turns into the next
// room when that opens. axe-core checks each new screen; screenshots of each,
// light and dark, go to the screenshot folder.
func TestBrowserCare(t *testing.T) {
	browser := newBrowser(t)
	shots := screenshotDir(t)
	m := startMain(t, t.TempDir())
	seed := seedCohort(t, m, "Tuesday circle", "Sam", "Kim")
	samID, kimID := seed.ids[0], seed.ids[1]
	week1 := seed.plan("Week 1", time.Now().Add(time.Hour),
		room.NewItem("Arriving", room.GroundingSettings{Seconds: 600}))
	ctx := context.Background()
	if _, _, err := m.Sessions.Open(ctx, seed.acct, week1.ID); err != nil {
		t.Fatal(err)
	}
	ana, api := facilitatorSocket(t, m, week1.ID)
	api.call(200, "PATCH", "/api/cohorts/"+seed.cohort.ID, map[string]any{
		"videoUrl":    "https://video.example.org/tuesday",
		"closingText": "Be gentle with yourself this week.",
		"crisisText":  "Our line between sessions: 0800 000 000.",
	}, nil)

	sam := newPerson(t, browser, "Sam", 390, 844)
	sam.do("join", chromedp.Navigate(seed.links[0]), chromedp.WaitVisible(chromedp.CSS("#room")))
	sam.eval(`window.__samePage = "yes"`)

	// The support button sits at the bottom of the screen, within reach,
	// and the page scrolls clear of it.
	sam.until("the support button", `!document.querySelector("#care-bar").hidden`)
	if got := sam.eval(`(() => { const r = document.querySelector("#support-open").getBoundingClientRect(); return String(r.top > 600 && r.bottom <= 844) })()`); got != "true" {
		t.Errorf("the support button is not at the bottom of the phone's screen")
	}
	twoShots(sam, shots, "room")
	sam.checkAxe("participant-room-with-support")

	sam.do("open the support sheet", chromedp.Click(chromedp.CSS("#support-open")), chromedp.WaitVisible(chromedp.CSS("#support-moment")))
	twoShots(sam, shots, "support-sheet")
	sam.checkAxe("participant-support-sheet")

	// support
	{
		sam.do("I need a moment", chromedp.Click(chromedp.CSS("#support-moment")))
		ana.waitFor("Sam's signal", func(f map[string]any) bool {
			for _, s := range list(f, "support") {
				if s["memberId"] == samID && s["level"] == "moment" {
					return true
				}
			}
			return false
		})
		sam.until("your facilitators know", `document.querySelector("#support-state").textContent.includes("Your facilitators know")`)
		ana.send("support.ack", map[string]string{"memberId": samID})
		sam.until("Ana sees you", `document.querySelector("#support-state").textContent === "Ana sees you."`)

		sam.do("I need someone now", chromedp.Click(chromedp.CSS("#support-now")))
		sam.until("the support lines, at once", `!document.querySelector("#support-crisis").hidden
			&& document.querySelector("#support-crisis").textContent.includes("0800 000 000")
			&& document.querySelector("#support-crisis").textContent.includes("not watched outside sessions")`)
		ana.waitFor("Sam needs someone now", func(f map[string]any) bool {
			for _, s := range list(f, "support") {
				if s["memberId"] == samID && s["level"] == "now" {
					return true
				}
			}
			return false
		})
		sam.screenshot(shots, "support-now")
		sam.do("withdraw", chromedp.Click(chromedp.CSS("#support-withdraw")))
		ana.waitFor("the signal withdrawn", func(f map[string]any) bool {
			_, has := f["support"]
			return f["type"] == "event" && has && len(list(f, "support")) == 0
		})
		sam.until("the state cleared", `document.querySelector("#support-state").hidden && document.querySelector("#support-withdraw").hidden`)
		sam.do("close the sheet", chromedp.Click(chromedp.CSS("#support-sheet [data-close]")))
		sam.until("focus back on the button", `document.activeElement === document.querySelector("#support-open")`)
	}

	// messages
	{
		ana.send("message.send", map[string]string{"to": samID, "text": "How are you doing, Sam?"})
		sam.until("one unread", `document.querySelector("#messages-unread").textContent.includes("1 unread")`)
		sam.do("open the messages", chromedp.Click(chromedp.CSS("#messages-open")), chromedp.WaitVisible(chromedp.CSS("#message-text")))
		sam.until("Ana's message", `document.querySelector("#messages-list").textContent.includes("How are you doing, Sam?")
			&& document.querySelector("#messages-list").textContent.includes("Ana")`)
		ana.waitFor("Sam read it", func(f map[string]any) bool {
			th, _ := f["thread"].(map[string]any)
			return th != nil && th["with"] == samID && th["readByParticipant"] == float64(1)
		})
		sam.until("no unread left", `document.querySelector("#messages-unread").hidden`)
		sam.do("write back", sam.fill("#message-text", "A little shaky, thank you."))
		sam.until("the count", `document.querySelector("#message-count").textContent.startsWith("26 of 500")`)
		sam.do("send", chromedp.Click(chromedp.CSS("#message-send")))
		reply := ana.waitFor("Sam's reply", func(f map[string]any) bool {
			th, _ := f["thread"].(map[string]any)
			if th == nil {
				return false
			}
			for _, msg := range list(th, "messages") {
				if msg["from"] == samID && msg["text"] == "A little shaky, thank you." {
					return true
				}
			}
			return false
		})
		n := len(list(reply["thread"].(map[string]any), "messages"))
		ana.send("message.read", map[string]any{"with": samID, "n": n})
		sam.until("seen", `[...document.querySelectorAll("#messages-list li[data-from=me]")].some(li => li.textContent.includes("Seen"))`)
		twoShots(sam, shots, "messages")
		sam.checkAxe("participant-messages")
		sam.do("close the messages", chromedp.Click(chromedp.CSS("#message-form [data-close]")))
	}

	// pause
	{
		ana.send(room.TypeAgendaNext, struct{}{})
		sam.until("the grounding", `/^\d+:\d\d$/.test(document.querySelector("#grounding-remaining")?.textContent || "")`)
		ana.send("room.pause", struct{}{})
		sam.until("the pause screen", `!document.querySelector("#hold").hidden && document.querySelector("#hold-heading").textContent === "The group is taking a pause"`)
		before := sam.eval(`document.querySelector("#grounding-remaining").textContent`)
		sam.eval(`window.__pausedAt = Date.now(); ""`)
		sam.until("over a second of the pause", `Date.now() - window.__pausedAt > 1200`)
		if after := sam.eval(`document.querySelector("#grounding-remaining").textContent`); after != before {
			t.Errorf("the countdown moved during the pause: %q, then %q", before, after)
		}
		if got := sam.eval(`String(document.querySelector("#activity").hidden)`); got != "true" {
			t.Errorf("during the pause the activity is still in view: the pause is a screen of its own")
		}
		twoShots(sam, shots, "pause")
		sam.checkAxe("participant-pause")
		sam.do("hide the breathing guide", chromedp.Click(chromedp.CSS("#hold-pacer-toggle")))
		sam.until("hidden", `document.querySelector("#hold-pacer").hidden`)
		ana.send("room.resume", struct{}{})
		sam.until("the pause is over, the activity back", `document.querySelector("#hold").hidden && !document.querySelector("#activity").hidden`)
		ana.send(room.TypeActivityEnd, struct{}{})
	}

	kim := newPerson(t, browser, "Kim", 390, 844)
	// door
	{
		ana.send("door.admission", map[string]bool{"admitOnArrival": true})
		kim.do("arrive", chromedp.Navigate(seed.links[1]), chromedp.WaitVisible(chromedp.CSS("#waiting")))
		kim.until("let in shortly", `document.querySelector("#waiting-text").textContent.includes("will let you in shortly")`)
		kim.until("the video link", `document.querySelector("#waiting-video a")?.href === "https://video.example.org/tuesday"`)
		twoShots(kim, shots, "admission-wait")
		kim.checkAxe("participant-admission-wait")
		ana.send("door.admit", map[string]string{"memberId": kimID})
		kim.do("let in", chromedp.WaitVisible(chromedp.CSS("#room")))

		ana.send("door.remove", map[string]string{"memberId": kimID})
		kim.until("asked to step out", `!document.querySelector("#final-message").hidden && !document.querySelector("#final-again").hidden`)
		kim.checkAxe("participant-removed")
		kim.do("ask to come back", chromedp.Click(chromedp.CSS("#final-come-back")))
		kim.until("waiting, removed", `!document.querySelector("#waiting").hidden && document.querySelector("#waiting-text").textContent.includes("asked to step out")`)
		ana.send("door.admit", map[string]string{"memberId": kimID})
		kim.do("back in", chromedp.WaitVisible(chromedp.CSS("#room")))
	}

	// video link
	{
		api.call(200, "PATCH", "/api/cohorts/"+seed.cohort.ID, map[string]any{"videoUrl": "https://video.example.org/other"}, nil)
		sam.until("the new link", `document.querySelector("#room-video a")?.href === "https://video.example.org/other"`)
	}

	// end
	{
		week2 := seed.plan("Week 2", time.Date(2031, 3, 4, 18, 0, 0, 0, time.UTC))
		ana.send(room.TypeRoomClose, struct{}{})
		sam.until("the end page", `!document.querySelector("#final-message").hidden && document.querySelector("#final-message").dataset.end === "closed"`)
		sam.until("the closing words", `document.querySelector("#final-closing").textContent === "Be gentle with yourself this week."`)
		sam.until("the next session", `!document.querySelector("#final-next").hidden && document.querySelector("#final-next-when").textContent.includes("2031")`)
		sam.until("the support lines", `document.querySelector("#final-crisis").textContent.includes("0800 000 000")
			&& document.querySelector("#final-crisis").textContent.includes("not watched outside sessions")`)
		if strings.TrimSpace(sam.eval(`document.querySelector("#final-message").innerText`)) == "Thank you" {
			t.Error("the end page says only thank you")
		}
		twoShots(sam, shots, "end")
		sam.checkAxe("participant-end")

		// The event is fetched with the invite header and offered as a
		// data: link: a link to the API would hold the token.
		sam.until("the calendar file", `(document.querySelector("#final-calendar").getAttribute("href") || "").startsWith("data:text/calendar")`)
		href := sam.eval(`document.querySelector("#final-calendar").getAttribute("href")`)
		body, err := url.PathUnescape(href[strings.IndexByte(href, ',')+1:])
		if err != nil || !strings.Contains(body, "BEGIN:VCALENDAR") || !strings.Contains(body, "Week 2") || strings.Contains(body, seed.tokens[0]) {
			t.Errorf("the calendar link: %q (%v), want the next session as iCalendar, without the token", body, err)
		}

		// The page left open turns into the next room when it opens.
		if _, _, err := m.Sessions.Open(ctx, seed.acct, week2.ID); err != nil {
			t.Fatal(err)
		}
		sam.do("the next room", chromedp.WaitVisible(chromedp.CSS("#room")))
		sam.until("Week 2", `document.querySelector("#room-heading").textContent === "Week 2"`)
		if sam.eval(`window.__samePage`) != "yes" {
			t.Error("the page was reloaded on the way")
		}
	}
}

// TestBrowserHeartbeat makes a participant's socket go silent without a
// word (a proxy stops forwarding it, as a dead network would): the page
// says it is reconnecting within 6 s and comes back by itself, on the same
// page, without a reload.
func TestBrowserHeartbeat(t *testing.T) {
	browser := newBrowser(t)
	m := startMain(t, t.TempDir())
	seed := seedCohort(t, m, "Tuesday circle", "Sam")
	week1 := seed.plan("Week 1", time.Now().Add(time.Hour))
	if _, _, err := m.Sessions.Open(context.Background(), seed.acct, week1.ID); err != nil {
		t.Fatal(err)
	}
	proxy := newStallProxy(t, strings.TrimPrefix(m.URL, "http://"))
	link := strings.Replace(seed.links[0], m.URL, "http://"+proxy.addr(), 1)

	sam := newPerson(t, browser, "Sam", 390, 844)
	sam.do("join through the proxy", chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#room")))
	// The page keeps the moments its connection line changed.
	sam.eval(`(() => {
		window.__samePage = "yes";
		window.__states = [];
		const el = document.querySelector("#connection-status");
		new MutationObserver(() => window.__states.push([el.dataset.state, Date.now()]))
			.observe(el, {attributes: true, attributeFilter: ["data-state"]});
		return "";
	})()`)
	stalledAt := sam.eval(`String(Date.now())`)
	proxy.stall()
	sam.until("reconnecting, then open again", `(() => {
		const i = window.__states.findIndex(s => s[0] === "reconnecting");
		return i >= 0 && window.__states.slice(i).some(s => s[0] === "open");
	})()`)
	took := sam.eval(`String(window.__states.find(s => s[0] === "reconnecting")[1] - ` + stalledAt + `)`)
	ms, _ := strconv.Atoi(took)
	t.Logf("the page saw the silent socket after %d ms", ms)
	if ms > 6000 {
		t.Errorf("the page said it was reconnecting %d ms after its socket went silent, want within 6000", ms)
	}
	sam.until("the room again", `!document.querySelector("#room").hidden && document.querySelector("#connection-status").dataset.state === "open"`)
	if sam.eval(`window.__samePage`) != "yes" {
		t.Error("the page was reloaded")
	}
}

// stallProxy forwards TCP connections to a server; stall makes every
// connection open at that moment go silent in both directions, without
// closing it, as a network that drops everything would. Later connections
// pass.
type stallProxy struct {
	t  *testing.T
	ln net.Listener

	mu      sync.Mutex
	open    []*stallConn
	stopped bool
}

type stallConn struct {
	client, server net.Conn
	stalled        chan struct{}
	once           sync.Once
}

func newStallProxy(t *testing.T, target string) *stallProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &stallProxy{t: t, ln: ln}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			s, err := net.Dial("tcp", target)
			if err != nil {
				c.Close()
				continue
			}
			sc := &stallConn{client: c, server: s, stalled: make(chan struct{})}
			p.mu.Lock()
			p.open = append(p.open, sc)
			p.mu.Unlock()
			wg.Add(2)
			go func() { defer wg.Done(); sc.pipe(s, c) }()
			go func() { defer wg.Done(); sc.pipe(c, s) }()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		for _, sc := range p.open {
			sc.client.Close()
			sc.server.Close()
		}
		p.mu.Unlock()
		wg.Wait()
	})
	return p
}

func (p *stallProxy) addr() string { return p.ln.Addr().String() }

// stall silences every connection open now.
func (p *stallProxy) stall() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, sc := range p.open {
		sc.once.Do(func() { close(sc.stalled) })
	}
	p.open = nil
}

// pipe copies from src to dst until either closes; once stalled, it reads
// on (so the sender sees nothing amiss) and forwards nothing.
func (sc *stallConn) pipe(dst, src net.Conn) {
	buf := make([]byte, 32<<10)
	for {
		n, err := src.Read(buf)
		if n > 0 {
			select {
			case <-sc.stalled:
			default:
				if _, werr := dst.Write(buf[:n]); werr != nil {
					return
				}
			}
		}
		if err != nil {
			dst.Close()
			return
		}
	}
}

// twoShots keeps a light and a dark picture of the window.
func twoShots(p *person, dir, name string) {
	p.t.Helper()
	p.screenshot(dir, name)
	p.darkMode(true)
	p.screenshot(dir, name+"-dark")
	p.darkMode(false)
}

// TestBrowserTwoTabs opens one participant's link in two tabs: an answer
// shared in one shows in the other while it is untouched there; once the
// other is being edited, a change from the first shows as a notice that
// lets the person choose, and nothing is overwritten silently.
func TestBrowserTwoTabs(t *testing.T) {
	browser := newBrowser(t)
	m := startMain(t, t.TempDir())
	seed := seedCohort(t, m, "Tuesday circle", "Sam")
	week1 := seed.plan("Week 1", time.Now().Add(time.Hour))
	if _, _, err := m.Sessions.Open(context.Background(), seed.acct, week1.ID); err != nil {
		t.Fatal(err)
	}
	ana, _ := facilitatorSocket(t, m, week1.ID)

	one := newPerson(t, browser, "Sam, first tab", 390, 844)
	one.do("join", chromedp.Navigate(seed.links[0]), chromedp.WaitVisible(chromedp.CSS("#room")))
	// The second tab shares the first's browser context: the same storage.
	ctx, cancel := chromedp.NewContext(one.ctx)
	t.Cleanup(cancel)
	two := &person{t: t, name: "Sam, second tab", ctx: ctx}
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	two.watchConsole()
	two.do("join", chromedp.EmulateViewport(390, 844), chromedp.Navigate(seed.links[0]), chromedp.WaitVisible(chromedp.CSS("#room")))

	ana.send(room.TypeCheckInStart, map[string]string{"prompt": "How are you arriving?", "visibility": "facilitators"})
	answer := func(p *person, scale, state, note string) {
		p.t.Helper()
		p.do("see the check-in", chromedp.WaitVisible(chromedp.CSS("#answer-form")))
		p.eval(fmt.Sprintf(`document.querySelector('input[name="scale"][value="%s"]').click(); document.querySelector('input[name="state"][value="%s"]').click(); ""`, scale, state))
		p.do("write and share", p.fill("#answer-note", note), chromedp.Click(chromedp.CSS("#answer-submit")))
		p.until("shared", `document.querySelector("#answer-status").dataset.kind === "shared"`)
	}
	fields := `[document.querySelector('input[name="scale"]:checked')?.value, document.querySelector('input[name="state"]:checked')?.value, document.querySelector("#answer-note").value].join("|")`

	answer(one, "5", "within", "steady")
	two.until("the untouched tab shows the answer", fields+` === "5|within|steady"`)

	two.do("start editing", two.fill("#answer-note", "from the second tab"))
	answer(one, "7", "hyper", "racing")
	two.until("a notice, not an overwrite", `!document.querySelector("#answer-changed").hidden`)
	if got := two.eval(`document.querySelector("#answer-note").value`); got != "from the second tab" {
		t.Errorf("the edited tab's note is %q, want what was typed there", got)
	}
	two.checkAxe("participant-changed-elsewhere")
	two.do("keep mine", chromedp.Click(chromedp.CSS(`#answer-changed [data-changed="keep"]`)))
	two.until("the notice gone, the words kept", `document.querySelector("#answer-changed").hidden && document.querySelector("#answer-note").value === "from the second tab"`)

	answer(one, "8", "within", "settled")
	two.until("the notice again", `!document.querySelector("#answer-changed").hidden`)
	two.do("use that", chromedp.Click(chromedp.CSS(`#answer-changed [data-changed="use"]`)))
	two.until("the other tab's answer", fields+` === "8|within|settled" && document.querySelector("#answer-changed").hidden`)
	two.until("and nothing left to share", `document.querySelector("#answer-status").dataset.kind === "shared"`)
}

// TestBrowserAnswerKeptThroughPause: an answer that reaches the room just
// after it froze is refused with `paused`, and the participant's page keeps
// it and sends it again when the group goes on, instead of losing what the
// person gave.
func TestBrowserAnswerKeptThroughPause(t *testing.T) {
	browser := newBrowser(t)
	const token = "metrics-for-this-test"
	m := &Main{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Log: zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel), MetricsToken: token}
	if err := m.Open(context.Background()); err != nil {
		t.Fatalf("open: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	refusedPaused := func() string {
		req, _ := http.NewRequest("GET", m.URL+"/metrics", nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		for line := range strings.Lines(string(b)) {
			if strings.HasPrefix(line, `hearth_rejected_total{reason="paused"}`) {
				return strings.TrimSpace(strings.TrimPrefix(line, `hearth_rejected_total{reason="paused"}`))
			}
		}
		return "0"
	}

	seed := seedCohort(t, m, "Tuesday circle", "Sam")
	ss := seed.plan("Week 1", time.Now().Add(time.Hour),
		room.NewItem("Arrival", room.CheckInSettings{Prompt: "How are you arriving?", Visibility: room.VisibleToFacilitators}))
	if _, _, err := m.Sessions.Open(context.Background(), seed.acct, ss.ID); err != nil {
		t.Fatal(err)
	}
	ana, _ := facilitatorSocket(t, m, ss.ID)
	sam := seed.phones(browser, "Sam")[0]
	ana.send(room.TypeAgendaNext, struct{}{})
	sam.do("see the check-in", chromedp.WaitVisible(chromedp.CSS("#answer-form")))
	sam.eval(`document.querySelector('input[name="scale"][value="6"]').click(); document.querySelector('input[name="state"][value="within"]').click(); ""`)

	ana.send("room.pause", struct{}{})
	sam.until("the pause screen", `!document.querySelector("#hold").hidden`)
	// The form is out of sight now; this is the tap already on its way.
	sam.eval(`document.querySelector("#answer-submit").click(); ""`)
	deadline := time.Now().Add(10 * time.Second)
	for refusedPaused() != "1" {
		if time.Now().After(deadline) {
			t.Fatal("the answer sent during the pause was never refused as paused")
		}
		time.Sleep(50 * time.Millisecond) // polling the server's counter; nothing to wait on
	}
	ana.send("room.resume", struct{}{})
	ana.waitFor("Sam's answer, sent again after the pause", func(f map[string]any) bool {
		for _, a := range list(map[string]any{"a": field(f, "activity", "answers")}, "a") {
			if a["memberId"] == seed.ids[0] {
				return true
			}
		}
		return false
	})
	sam.until("shared", `(document.querySelector("#answer-status")?.textContent || "").includes("shared")`)
}

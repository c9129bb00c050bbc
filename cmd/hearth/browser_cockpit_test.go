package main

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/coder/websocket"

	"hearth/room"
)

// rawMember is a participant on a bare WebSocket: the test sees exactly the
// frames the server sends them, and sends their actions by hand.
type rawMember struct {
	t      *testing.T
	name   string
	ws     *websocket.Conn
	cancel context.CancelFunc
	mu     sync.Mutex
	frames []map[string]any
	got    chan struct{} // nudged on every frame
	n      int
}

func dialRaw(t *testing.T, m *Main, name, token string) *rawMember {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	dctx, dcancel := context.WithTimeout(ctx, 5*time.Second)
	defer dcancel()
	ws, _, err := websocket.Dial(dctx, "ws"+strings.TrimPrefix(m.URL, "http")+"/ws/p",
		&websocket.DialOptions{Subprotocols: []string{"hearth", "hearth.invite." + token}})
	if err != nil {
		cancel()
		t.Fatalf("%s: dial: %v", name, err)
	}
	ws.SetReadLimit(1 << 22)
	r := &rawMember{t: t, name: name, ws: ws, cancel: cancel, got: make(chan struct{}, 1)}
	go func() {
		for {
			_, data, err := ws.Read(ctx)
			if err != nil {
				return
			}
			var f map[string]any
			if json.Unmarshal(data, &f) != nil {
				continue
			}
			r.mu.Lock()
			r.frames = append(r.frames, f)
			r.mu.Unlock()
			select {
			case r.got <- struct{}{}:
			default:
			}
		}
	}()
	t.Cleanup(r.drop)
	return r
}

// drop cuts the connection at once, as a phone losing its network would.
func (r *rawMember) drop() {
	r.cancel()
	r.ws.CloseNow()
}

func (r *rawMember) send(typ string, data any) {
	r.t.Helper()
	r.n++
	b, _ := json.Marshal(map[string]any{"type": typ, "id": fmt.Sprintf("%s-%d", r.name, r.n), "data": data})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.ws.Write(ctx, websocket.MessageText, b); err != nil {
		r.t.Fatalf("%s: send %s: %v", r.name, typ, err)
	}
}

// waitFor waits for a frame (among all received so far) that ok accepts.
func (r *rawMember) waitFor(what string, ok func(f map[string]any) bool) map[string]any {
	r.t.Helper()
	deadline := time.After(15 * time.Second)
	seen := 0
	for {
		r.mu.Lock()
		frames := r.frames[seen:]
		seen = len(r.frames)
		r.mu.Unlock()
		for _, f := range frames {
			if ok(f) {
				return f
			}
		}
		select {
		case <-r.got:
		case <-deadline:
			r.mu.Lock()
			last := r.frames
			if len(last) > 5 {
				last = last[len(last)-5:]
			}
			r.mu.Unlock()
			r.t.Fatalf("%s: no frame for %q; the last ones: %v", r.name, what, last)
		}
	}
}

// field walks a frame: field(f, "room", "hold", "paused").
func field(f map[string]any, path ...string) any {
	var v any = f
	for _, p := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[p]
	}
	return v
}

// TestBrowserCockpit runs the facilitator's cockpit with twelve people on
// the roster and a ten-item agenda, the participants on bare WebSockets so
// every frame they get is checked: the layout at 1280×800 and on a phone,
// a support signal (alert, title, "I see you" to the participant, the
// focus on "Done"), messages both ways, the door (admit, remove), the
// pause, and the holder of the talking piece dropping.
func TestBrowserCockpit(t *testing.T) {
	browser := newBrowser(t)
	shots := "/tmp/shots-cockpit"
	if dir := os.Getenv("HEARTH_SCREENSHOTS"); dir != "" {
		shots = dir
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	m := startMain(t, t.TempDir())

	names := []string{"Sam", "Kim", "Lee", "Ada", "Bo", "Cy", "Dee", "Eli", "Fay", "Gus", "Hal", "Ivy"}
	seed := seedCohort(t, m, "Tuesday circle", names...)
	circle := room.CircleSettings{Prompt: "What has been alive for you?", Mode: room.RoundMode, Order: room.RosterOrder, ShareSeconds: 300}
	ss := seed.plan("Week 4", time.Now().Add(time.Hour),
		room.NewItem("Sharing circle", circle),
		room.NewItem("Arrival", room.CheckInSettings{Prompt: "How are you arriving?", Visibility: room.VisibleToFacilitators}),
		room.NewItem("", room.GroundingSettings{Seconds: 120}),
		room.NewItem("", room.IntentionsSettings{Prompt: "What do you intend?", Reveal: room.RevealNamed}),
		room.NewItem("A poem", room.ReadingSettings{Text: "Be gentle with yourself."}),
		room.NewItem("Second circle", circle),
		room.NewItem("Open floor", room.CircleSettings{Prompt: "Anything else?", Mode: room.OpenFloor}),
		room.NewItem("Second check-in", room.CheckInSettings{Prompt: "And now?", Visibility: room.Anonymous}),
		room.NewItem("", room.GroundingSettings{Seconds: 60}),
		room.NewItem("", room.CheckOutSettings{Prompt: "One word for how you leave."}))

	ana := newPerson(t, browser, "facilitator", 1280, 800)
	seed.logIn(ana)
	seed.open(ana, ss)
	ana.eval(`window.confirm = () => true; ""`) // "Remove …?", "End the round?": yes

	// Eleven come in; Ivy arrives later, to the door.
	raw := make([]*rawMember, len(names))
	for i := range 11 {
		raw[i] = dialRaw(t, m, names[i], seed.tokens[i])
		raw[i].waitFor("the snapshot", func(f map[string]any) bool { return f["type"] == "snapshot" })
	}
	sam, kim, lee := raw[0], raw[1], raw[2]
	ana.until("eleven present", `document.querySelectorAll('#members li[data-role="participant"][data-presence="present"]').length === 11`)

	// The ad-hoc check-in follows the planned one's visibility.
	if got := ana.eval(`document.querySelector("#checkin-visibility").value`); got != "facilitators" {
		t.Errorf("the ad-hoc check-in's visibility is %q, want the planned check-in's %q", got, "facilitators")
	}

	ana.do("start the circle", chromedp.Click(chromedp.CSS("#agenda-next")), chromedp.WaitVisible(chromedp.CSS("#circle-next")))
	if got := ana.eval(`document.querySelector("#circle-next").textContent`); !strings.Contains(got, "Sam") {
		t.Errorf("the circle's primary action says %q, want it to give the piece to Sam", got)
	}

	ana.screenshot(shots, "cockpit-circle-start")

	// A support signal: the alert, the title, the chime's words.
	kim.send("support.raise", map[string]any{"level": "now"})
	ana.until("the support alert", `document.querySelector('#alerts li[data-alert="support"]') !== null`)
	ana.until("the title", `document.title.startsWith("(1) Support: Kim")`)
	if got := ana.eval(`document.querySelector('#alerts li[data-alert="support"]').innerText`); !strings.Contains(got, "Kim needs support now") {
		t.Errorf("the alert says %q, want it to name Kim and the level", got)
	}

	// At 1280×800 what matters is on the first screen.
	for _, sel := range []string{"#people", "#alerts", "#circle-next", "#activity-heading", "#agenda-next"} {
		bottom := ana.eval(fmt.Sprintf(`String(Math.round(document.querySelector(%q).getBoundingClientRect().bottom))`, sel))
		var b int
		fmt.Sscan(bottom, &b)
		if b <= 0 || b > 800 {
			t.Errorf("at 1280×800 %s ends at %dpx, want within the first screen", sel, b)
		}
	}
	if got := ana.eval(`String(document.documentElement.scrollHeight <= window.innerHeight + 1)`); got != "true" {
		t.Errorf("at 1280×800 the page scrolls (%s px for %s)", ana.eval(`String(document.documentElement.scrollHeight)`), ana.eval(`String(window.innerHeight)`))
	}
	ana.darkMode(false)
	ana.screenshot(shots, "cockpit-1280-light")
	ana.darkMode(true)
	ana.screenshot(shots, "cockpit-1280-dark")
	ana.darkMode(false)
	ana.checkAxe("the cockpit with a support alert")

	ana.do("I see you", chromedp.Click(chromedp.CSS(`#alerts li[data-alert="support"] button[data-alert-action="ack"]`)))
	kim.waitFor("“I see you”", func(f map[string]any) bool {
		at, _ := field(f, "support", "ackedAt").(float64)
		if at == 0 {
			at, _ = field(f, "room", "support", "ackedAt").(float64)
		}
		return at > 0
	})
	ana.until("the focus on Done", `document.activeElement?.dataset?.alertAction === "clear"`)
	ana.do("Done", chromedp.Click(chromedp.CSS(`#alerts li[data-alert="support"] button[data-alert-action="clear"]`)))
	ana.until("no alert", `document.querySelector('#alerts li.alert') === null && document.querySelector("#alerts").hidden`)
	ana.until("the focus on the live activity", `document.activeElement?.id === "activity-heading"`)
	ana.until("the title back", `document.title === "Week 4 · Hearth"`)

	// Messages: Kim writes, Ana reads and answers.
	kimID, ivyID := seed.ids[1], seed.ids[11]
	kim.send("message.send", map[string]any{"text": "Can we talk after?"})
	kimRow := fmt.Sprintf(`#members li[data-member-id=%q]`, kimID)
	ana.until("Kim's unread mark", fmt.Sprintf(`document.querySelector('%s .unread-mark')?.dataset.unread === "1" && !document.querySelector("#unread-total").hidden`, kimRow))
	ana.do("open Kim's row", chromedp.Click(chromedp.CSS(kimRow+" button.person-open")))
	ana.until("the thread", fmt.Sprintf(`(document.querySelector("#thread-%s")?.textContent || "").includes("Can we talk after?")`, kimID))
	ana.until("read", fmt.Sprintf(`document.querySelector('%s .unread-mark') === null && document.querySelector("#unread-total").hidden`, kimRow))
	kim.waitFor("read by the facilitators", func(f map[string]any) bool {
		n, _ := field(f, "thread", "readByFacilitators").(float64)
		return n >= 1
	})
	if got := ana.eval(`document.querySelector("#person-` + kimID + `").innerText`); !strings.Contains(got, "Co-facilitators of this cohort see these threads too") {
		t.Errorf("the thread does not say co-facilitators see it: %q", got)
	}
	ana.do("answer Kim",
		ana.fill("#message-"+kimID, "Yes, I will stay on."),
		chromedp.Click(chromedp.CSS("#message-"+kimID+"-send")))
	kim.waitFor("Ana's answer", func(f map[string]any) bool {
		msgs, _ := field(f, "thread", "messages").([]any)
		for _, m := range msgs {
			if mm, _ := m.(map[string]any); mm != nil && mm["text"] == "Yes, I will stay on." {
				return true
			}
		}
		return false
	})
	ana.do("a private note about Kim",
		ana.fill("#pnote-live-"+kimID, "Asked for support in the circle."),
		chromedp.Click(chromedp.CSS("#pnote-live-"+kimID+"-save")))
	ana.until("saved", fmt.Sprintf(`(document.querySelector("#pnote-live-%s-status")?.textContent || "").startsWith("Saved")`, kimID))
	notes, err := m.DB.CohortNotes(context.Background(), seed.cohort.ID)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, n := range notes {
		if n.ParticipantID == kimID && n.SessionID == ss.ID && n.Text == "Asked for support in the circle." {
			found = true
		}
	}
	if !found {
		t.Errorf("the note about Kim in this session is not stored: %+v", notes)
	}
	ana.checkAxe("the cockpit with a person's thread open")
	ana.do("close Kim's panel", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#person-%s button[data-person-action="close"]`, kimID))))

	// The door: new arrivals wait; Ana lets Ivy in; Lee is asked to step out.
	ana.do("admit on arrival",
		chromedp.Click(chromedp.CSS("#door-toggle")),
		chromedp.Click(chromedp.CSS("#door-admission")))
	sam.waitFor("nothing to see", func(f map[string]any) bool { return f["type"] == "event" })
	ana.until("the door admits", `document.querySelector("#door-toggle").textContent.includes("admitting")`)
	ivy := dialRaw(t, m, "Ivy", seed.tokens[11])
	raw[11] = ivy
	ivy.waitFor("waiting to be admitted", func(f map[string]any) bool { return f["type"] == "waiting" && f["admission"] == true })
	ivyRow := fmt.Sprintf(`#members li[data-member-id=%q]`, ivyID)
	ana.until("Ivy waits", fmt.Sprintf(`document.querySelector('%s')?.dataset.presence === "waiting"`, ivyRow))
	ana.until("a door alert", `document.querySelector('#alerts li[data-alert="door"]') !== null`)
	ana.do("let Ivy in", chromedp.Click(chromedp.CSS(ivyRow+` button[data-person-action="admit"]`)))
	ivy.waitFor("the room", func(f map[string]any) bool { return f["type"] == "snapshot" })
	ana.until("Ivy present", fmt.Sprintf(`document.querySelector('%s')?.dataset.presence === "present"`, ivyRow))
	leeRow := fmt.Sprintf(`#members li[data-member-id=%q]`, seed.ids[2])
	ana.do("open Lee's row", chromedp.Click(chromedp.CSS(leeRow+" button.person-open")))
	if got := ana.eval(`document.querySelector('` + leeRow + ` button[data-person-action="remove"]').textContent`); got != "Remove from this session" {
		t.Errorf("the remove button says %q", got)
	}
	ana.do("remove Lee", chromedp.Click(chromedp.CSS(leeRow+` button[data-person-action="remove"]`)))
	lee.waitFor("bye removed", func(f map[string]any) bool { return f["type"] == "bye" && f["reason"] == "removed" })
	ana.until("Lee removed", fmt.Sprintf(`document.querySelector('%s')?.dataset.presence === "removed"`, leeRow))

	// The pause, always in the header.
	ana.do("pause", chromedp.Click(chromedp.CSS("#room-pause")))
	ana.until("the banner", `!document.querySelector("#hold-banner").hidden && document.querySelector("#room-pause").textContent === "Resume the room"`)
	sam.waitFor("the room paused", func(f map[string]any) bool { return field(f, "hold", "paused") == true })
	ana.screenshot(shots, "cockpit-paused")
	ana.do("resume", chromedp.Click(chromedp.CSS("#room-pause")))
	ana.until("no banner", `document.querySelector("#hold-banner").hidden && document.querySelector("#room-pause").textContent === "Pause the room"`)
	sam.waitFor("the room goes on", func(f map[string]any) bool { return field(f, "hold", "paused") == false })

	// The talking piece: Sam holds it and drops.
	ana.do("give the piece to Sam", chromedp.Click(chromedp.CSS("#circle-next")))
	ana.until("Sam shares; the primary action ends his share", `!document.querySelector("#circle-done").hidden && document.querySelector("#circle-done").textContent.includes("Sam")`)
	ana.until("the focus on the new primary action", `document.activeElement?.id === "circle-done"`)
	sam.drop()
	ana.until("the holder-away alert", `(document.querySelector('#alerts li[data-alert="away"]')?.innerText || "").includes("Sam’s connection dropped while holding the piece. Their time has stopped.")`)
	if got := ana.eval(`document.querySelector('#alerts li[data-alert="away"] button[data-alert-action="next"]').textContent`); got != "Give the piece to Kim" {
		t.Errorf("the away alert offers %q, want “Give the piece to Kim”", got)
	}
	ana.screenshot(shots, "cockpit-holder-away")
	ana.do("give the piece to Kim", chromedp.Click(chromedp.CSS(`#alerts li[data-alert="away"] button[data-alert-action="next"]`)))
	ana.until("Kim holds the piece", `document.querySelector("#circle-piece").textContent.startsWith("Kim holds")`)
	ana.until("the alert gone", `document.querySelector('#alerts li[data-alert="away"]') === null`)

	// On a phone, and on a laptop at 200 % (640×400 CSS pixels), the people
	// and the activity's main control come before the agenda.
	for _, size := range [][2]int64{{640, 400}, {390, 844}} {
		ana.do(fmt.Sprintf("a %d×%d window", size[0], size[1]), chromedp.EmulateViewport(size[0], size[1]))
		order := ana.eval(`(() => {
			const top = (s) => document.querySelector(s).getBoundingClientRect().top + window.scrollY;
			return [top("#people") < top("#agenda-heading"), top("#circle-done") < top("#agenda-heading")].join(",");
		})()`)
		if order != "true,true" {
			t.Errorf("at %d×%d, people before the agenda and the activity's primary action before the agenda: %s, want true,true", size[0], size[1], order)
		}
	}
	ana.screenshot(shots, "cockpit-390")
	ana.checkAxe("the cockpit on a phone")
	_ = lee

	// The summary keeps the session's care for the facilitators: Kim's
	// signal and who answered it, Sam's drop while sharing, the thread.
	ana.do("a laptop again", chromedp.EmulateViewport(1280, 800))
	ana.do("open the summary", chromedp.Navigate(m.URL+"/#/summary/"+ss.ID), chromedp.WaitVisible(chromedp.CSS("#care")))
	kimID = seed.ids[1]
	signal := ana.eval(fmt.Sprintf(`document.querySelector('#care-signals li[data-member-id=%q]')?.textContent || ""`, kimID))
	if !strings.Contains(signal, "Kim asked for someone now") || !strings.Contains(signal, "Ana answered “I see you”") || !strings.Contains(signal, "Ana closed it") {
		t.Errorf("the summary's signal of Kim reads %q", signal)
	}
	if got := ana.eval(`document.querySelector('#care-flags')?.textContent || ""`); !strings.Contains(got, "Sam’s connection dropped while sharing") {
		t.Errorf("the summary's flags read %q, want Sam's drop while sharing", got)
	}
	if got := ana.eval(fmt.Sprintf(`document.querySelector('#care-threads li[data-member-id=%q]')?.textContent || ""`, kimID)); !strings.Contains(got, "Can we talk after?") {
		t.Errorf("the summary's thread with Kim reads %q", got)
	}
	ana.screenshot(shots, "summary-care")
	ana.checkAxe("the summary with care in the room")
}

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// The browser tests drive Debian's Chromium. Where none is installed they
// skip, unless HEARTH_REQUIRE_BROWSER is set (as .ci/run does).

func chromiumPath() string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// newBrowser starts one headless Chromium for the test.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := chromiumPath()
	if path == "" {
		if os.Getenv("HEARTH_REQUIRE_BROWSER") != "" {
			t.Fatal("HEARTH_REQUIRE_BROWSER is set but no Chromium is installed (apt-get install -y chromium)")
		}
		t.Skip("no Chromium installed: browser tests skipped (apt-get install -y chromium to run them)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // CI runs as root
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	browserCtx, cancelBrowser := chromedp.NewContext(allocCtx)
	t.Cleanup(func() { cancelBrowser(); cancelAlloc() })
	// The first call starts the browser; it must have no deadline.
	if err := chromedp.Do(browserCtx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return browserCtx
}

// person is one browser window with its own cookies and storage, the size of
// a laptop or a phone.
type person struct {
	t    *testing.T
	name string
	ctx  context.Context
}

func newPerson(t *testing.T, browser context.Context, name string, width, height int64) *person {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, chromedp.WithNewBrowserContext())
	t.Cleanup(cancel)
	p := &person{t: t, name: name, ctx: ctx}
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("%s: open window: %v", name, err)
	}
	p.watchConsole()
	p.do("set the window size", chromedp.EmulateViewport(width, height))
	return p
}

// watchConsole fails the test for every uncaught exception in the page and
// every console.error call: the pages catch a rendering bug so the
// connection lives on (live.js logs it), which would otherwise hide it from
// the test. The browser's own log (a refused reconnect while a server
// restarts, say) is not the page's fault and is left alone.
func (p *person) watchConsole() {
	var (
		mu   sync.Mutex
		errs []string
	)
	messages := chromedp.Console(p.ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			if m.IsException() || (m.Type == chromedp.ConsoleError && m.Source == "") {
				mu.Lock()
				errs = append(errs, fmt.Sprintf("%s (%s:%d)", m.Text, m.URL, m.Line+1))
				mu.Unlock()
			}
		}
	}()
	// Cleanups run last-in first-out: this one runs before the window closes.
	p.t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		for _, e := range errs {
			p.t.Errorf("%s: the page reported an error: %s", p.name, e)
		}
	})
}

// do runs steps with a deadline, failing the test with what was being done.
func (p *person) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		p.t.Fatalf("%s: %s: %v", p.name, what, err)
	}
}

// until waits for a JavaScript condition to be true.
func (p *person) until(what, js string) {
	p.t.Helper()
	p.do(what, chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := chromedp.PollFunction[bool]("() => ("+js+") || null", chromedp.WithPollingTimeout(15*time.Second))(ctx, t)
		return err
	}))
}

func (p *person) eval(js string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js))
	if err != nil {
		p.t.Fatalf("%s: eval %s: %v", p.name, js, err)
	}
	return v
}

func (p *person) fill(sel, value string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		if _, err := chromedp.WaitVisible(chromedp.CSS(sel))(ctx, t); err != nil {
			return err
		}
		clear := fmt.Sprintf(`(() => { document.querySelector(%q).value = ""; return true })()`, sel)
		if _, err := chromedp.Evaluate[bool](clear)(ctx, t); err != nil {
			return err
		}
		_, err := chromedp.SendKeys(chromedp.CSS(sel), value)(ctx, t)
		return err
	})
}

// screenshot keeps a picture of the window in the screenshot folder:
// $HEARTH_SCREENSHOTS when set, else the test's artifact folder.
func (p *person) screenshot(dir, name string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100)) // quality 100 gives a PNG
	if err != nil {
		p.t.Fatalf("%s: screenshot: %v", p.name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

func (p *person) darkMode(on bool) {
	p.t.Helper()
	value := "light"
	if on {
		value = "dark"
	}
	p.do("emulate "+value+" mode", chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			// Reduced motion too: colours would otherwise be caught mid-transition.
			Features: []*emulation.MediaFeature{
				{Name: "prefers-color-scheme", Value: value},
				{Name: "prefers-reduced-motion", Value: "reduce"},
			},
		})
		return err
	}))
}

func screenshotDir(t *testing.T) string {
	if dir := os.Getenv("HEARTH_SCREENSHOTS"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		return dir
	}
	return t.ArtifactDir()
}

// TestBrowserCheckIn is the first slice as people live it: the facilitator
// sets up, logs in, creates a cohort with three participants and opens the
// room; the three join from their links in their own windows, accept the
// agreements and answer the check-in; the facilitator sees all three.
func TestBrowserCheckIn(t *testing.T) {
	browser := newBrowser(t)
	shots := screenshotDir(t)
	m := startMain(t, t.TempDir())

	ana := newPerson(t, browser, "facilitator", 1280, 900)
	ana.do("open the setup link",
		chromedp.Navigate(m.URL+"/setup/"+m.SetupToken),
		chromedp.WaitVisible(chromedp.CSS("#setup-form")),
		ana.fill("#setup-email", "ana@example.org"),
		ana.fill("#setup-name", "Ana"),
		ana.fill("#setup-password", "a long passphrase"),
		ana.fill("#setup-password2", "a long passphrase"),
		chromedp.Click(chromedp.CSS(`#setup-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#new-cohort-form")),
	)
	ana.do("log out and in again",
		chromedp.Click(chromedp.CSS("#logout")),
		chromedp.WaitVisible(chromedp.CSS("#login-form")),
		ana.fill("#login-email", "ana@example.org"),
		ana.fill("#login-password", "a long passphrase"),
		chromedp.Click(chromedp.CSS(`#login-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#new-cohort-form")),
	)
	ana.do("create a cohort",
		ana.fill("#cohort-name", "Tuesday circle"),
		ana.fill("#cohort-description", "Six weekly integration circles"),
		chromedp.Click(chromedp.CSS(`#new-cohort-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#add-participant-form")),
	)
	names := []string{"Sam", "Kim", "Lee"}
	for i, name := range names {
		ana.do("add "+name,
			ana.fill("#participant-name", name),
			chromedp.Click(chromedp.CSS(`#add-participant-form button[type="submit"]`)),
		)
		ana.until(name+" on the roster", fmt.Sprintf(`document.querySelectorAll("li[data-participant-id]").length === %d`, i+1))
	}
	links := strings.Split(ana.eval(`[...document.querySelectorAll("li[data-participant-id] input.invite-url")].map(i => i.value).join("\n")`), "\n")
	if len(links) != 3 {
		t.Fatalf("invite links %q, want 3", links)
	}
	ana.do("plan a session",
		ana.fill("#session-title", "Week 1"),
		chromedp.SetValue(chromedp.CSS("#session-starts"), "2026-12-01T18:00"),
		chromedp.Click(chromedp.CSS(`#session-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`[data-session-id] button[data-action="open"]`)),
	)
	ana.screenshot(shots, "facilitator-cohort")
	ana.checkAxe("facilitator-cohort")

	// One participant arrives before the room is open and waits.
	people := make([]*person, 3)
	for i, name := range names {
		people[i] = newPerson(t, browser, name, 390, 844)
	}
	sam := people[0]
	sam.do("open the link and read the agreements",
		chromedp.Navigate(links[0]),
		chromedp.WaitVisible(chromedp.CSS("#agreements-text")),
	)
	sam.screenshot(shots, "participant-agreements")
	sam.do("accept and wait", chromedp.Click(chromedp.CSS("#accept-agreements")), chromedp.WaitVisible(chromedp.CSS("#waiting")))
	sam.screenshot(shots, "participant-waiting")
	sam.checkAxe("participant-waiting")

	ana.do("open the room",
		chromedp.Click(chromedp.CSS(`[data-session-id] button[data-action="open"]`)),
		chromedp.WaitVisible(chromedp.CSS("#checkin-form")),
	)
	sam.do("the waiting page turns into the room", chromedp.WaitVisible(chromedp.CSS("#room")))
	for i := 1; i < 3; i++ {
		people[i].do("join",
			chromedp.Navigate(links[i]),
			chromedp.WaitVisible(chromedp.CSS("#accept-agreements")),
			chromedp.Click(chromedp.CSS("#accept-agreements")),
			chromedp.WaitVisible(chromedp.CSS("#room")),
		)
	}
	ana.until("all three present", `document.querySelectorAll('#members li[data-presence="present"]').length >= 4`)

	ana.do("start a facilitators-only check-in",
		ana.fill("#checkin-prompt", "How are you arriving today?"),
		chromedp.SetValue(chromedp.CSS("#checkin-visibility"), "facilitators"),
		chromedp.Click(chromedp.CSS(`#checkin-form button[type="submit"]`)),
	)
	states := []string{"within", "hyper", "hypo"}
	for i, p := range people {
		p.do("see the check-in", chromedp.WaitVisible(chromedp.CSS("#answer-form")))
		p.eval(fmt.Sprintf(`document.querySelector('input[name="scale"][value="%d"]').click(); document.querySelector('input[name="state"][value="%s"]').click(); ""`, 3+2*i, states[i]))
		p.do("write", p.fill("#answer-feeling", "tender"), p.fill("#answer-note", "Note of "+names[i]))
	}
	// What Lee typed survives a reload (a dropped phone, a closed tab).
	lee := people[2]
	lee.do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#answer-form")))
	if got := lee.eval(`document.querySelector("#answer-note").value`); got != "Note of Lee" {
		t.Errorf("after a reload Lee's note is %q, want the draft %q", got, "Note of Lee")
	}
	lee.eval(`document.querySelector('input[name="scale"][value="7"]').click(); document.querySelector('input[name="state"][value="hypo"]').click(); ""`)
	sam.screenshot(shots, "participant-checkin")
	sam.checkAxe("participant-checkin")
	for _, p := range people {
		p.do("share", chromedp.Click(chromedp.CSS("#answer-submit")))
		p.until("shared", `(document.querySelector("#answer-status")?.textContent || "").includes("shared")`)
	}
	sam.screenshot(shots, "participant-shared")
	sam.darkMode(true)
	sam.screenshot(shots, "participant-shared-dark")
	sam.darkMode(false)

	ana.until("all three answers", `document.querySelectorAll("#answers li[data-answer-member]").length === 3`)
	if got := ana.eval(`[...document.querySelectorAll("#answers li[data-answer-member]")].map(li => li.dataset.state).sort().join(",")`); got != "hyper,hypo,within" {
		t.Errorf("answer states on the console %q, want hyper,hypo,within", got)
	}
	if got := ana.eval(`document.querySelector("#answers").textContent`); !strings.Contains(got, "Note of Kim") {
		t.Errorf("the console does not show Kim's note: %q", got)
	}
	ana.screenshot(shots, "facilitator-room")
	ana.darkMode(true)
	ana.screenshot(shots, "facilitator-room-dark")
	ana.darkMode(false)

	// Facilitators-only: no participant's page shows another's note.
	for i, p := range people {
		text := p.eval(`document.body.innerText`)
		for j, other := range names {
			if i != j && strings.Contains(text, "Note of "+other) {
				t.Errorf("%s's page shows %s's note", names[i], other)
			}
		}
	}

	ana.do("close the check-in and return to gathering",
		chromedp.Click(chromedp.CSS("#close-checkin")),
		chromedp.WaitVisible(chromedp.CSS("#end-activity")),
		chromedp.Click(chromedp.CSS("#end-activity")),
		chromedp.WaitVisible(chromedp.CSS("#checkin-form")),
	)
	t.Logf("screenshots in %s", shots)
}

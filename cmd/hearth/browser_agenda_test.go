package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserAgenda plans an agenda from the "Integration circle" template in
// the console, opens the room and runs it with two participants on phones:
// the check-in, the grounding (paused and resumed), the intentions, the circle
// and the check-out with its reveal. Screenshots of each participant view go to the
// screenshot folder, light and dark.
func TestBrowserAgenda(t *testing.T) {
	browser := newBrowser(t)
	shots := screenshotDir(t)
	m := startMain(t, t.TempDir())

	// The back office is seeded directly; the console is what is tested.
	names := []string{"Sam", "Kim"}
	seed := seedCohort(t, m, "Tuesday circle", names...)
	week2 := seed.plan("Week 2", time.Now().Add(time.Hour))

	ana := newPerson(t, browser, "facilitator", 1280, 900)
	seed.logIn(ana)
	ana.do("plan the agenda from a template",
		chromedp.WaitVisible(chromedp.CSS("#agenda-editor")),
		chromedp.SetValue(chromedp.CSS("#template-select"), "builtin-integration"),
		chromedp.Click(chromedp.CSS("#template-apply")),
	)
	ana.until("five items in the editor", `document.querySelectorAll("#agenda-editor li[data-item-id]").length === 5`)
	ana.do("save", chromedp.Click(chromedp.CSS("#agenda-save")))
	ana.until("saved", `(document.querySelector("#agenda-save-status")?.textContent || "").toLowerCase().includes("saved")`)
	sessions, err := m.DB.Sessions(context.Background(), seed.cohort.ID)
	if err != nil || len(sessions) != 1 || len(sessions[0].Agenda) < 10 {
		t.Fatalf("stored session %+v (%v), want the saved agenda", sessions, err)
	}
	ana.screenshot(shots, "facilitator-agenda-editor")

	seed.open(ana, week2)
	people := seed.phones(browser, names...)
	ana.until("both present", `document.querySelectorAll('#members li[data-presence="present"]').length >= 3`)

	// 1. The arrival check-in, from the agenda.
	ana.do("next: the check-in", chromedp.Click(chromedp.CSS("#agenda-next")))
	for i, p := range people {
		p.do("see the check-in", chromedp.WaitVisible(chromedp.CSS("#answer-form")))
		p.eval(fmt.Sprintf(`document.querySelector('input[name="scale"][value="%d"]').click(); document.querySelector('input[name="state"][value="%s"]').click(); ""`, 4+i, []string{"hypo", "within"}[i]))
		p.do("share", chromedp.Click(chromedp.CSS("#answer-submit")))
		p.until("shared", `(document.querySelector("#answer-status")?.textContent || "").includes("shared")`)
	}
	people[0].until("the step line", `(document.querySelector("#agenda-progress")?.textContent || "").length > 0`)

	// 2. The grounding: the same countdown everywhere; pause and resume.
	ana.do("next: the grounding", chromedp.Click(chromedp.CSS("#agenda-next")), chromedp.WaitVisible(chromedp.CSS("#grounding-pause")))
	for _, p := range people {
		p.do("see the pause", chromedp.WaitVisible(chromedp.CSS("#grounding")), chromedp.WaitVisible(chromedp.CSS("#breath-phase")))
		p.until("a countdown", `/^\d+:\d\d$/.test((document.querySelector("#grounding-remaining")?.textContent || "").trim())`)
	}
	people[0].screenshot(shots, "participant-grounding")
	people[0].darkMode(true)
	people[0].until("a text pacer under reduced motion", `(document.querySelector("#breath-phase")?.textContent || "").trim().length > 0`)
	people[0].screenshot(shots, "participant-grounding-dark-reduced-motion")
	people[0].darkMode(false)
	ana.do("pause", chromedp.Click(chromedp.CSS("#grounding-pause")))
	for _, p := range people {
		p.until("paused", `(document.querySelector("#grounding-state")?.textContent || "").includes("Paused")`)
	}
	ana.do("resume", chromedp.WaitVisible(chromedp.CSS("#grounding-resume")), chromedp.Click(chromedp.CSS("#grounding-resume")))
	people[1].until("running again", `!(document.querySelector("#grounding-state")?.textContent || "").includes("Paused")`)
	ana.screenshot(shots, "facilitator-grounding")

	// 3. The intentions (TestBrowserIntentions follows them through).
	ana.do("next: the intentions", chromedp.Click(chromedp.CSS("#agenda-next")), chromedp.WaitVisible(chromedp.CSS("#intentions-reveal")))
	for _, p := range people {
		p.do("see the intentions", chromedp.WaitVisible(chromedp.CSS("#intention-form")))
	}

	// 4. The sharing circle (TestBrowserCircle runs one through); the
	// facilitator moves on before it starts.
	ana.do("next: the circle", chromedp.Click(chromedp.CSS("#agenda-next")), chromedp.WaitVisible(chromedp.CSS("#circle-next")))
	people[0].do("see the circle", chromedp.WaitVisible(chromedp.CSS("#circle")))

	// 5. The check-out: words to the facilitator, then a nameless cloud.
	ana.do("next: the check-out", chromedp.Click(chromedp.CSS("#agenda-next")))
	words := []string{"lighter", "Lighter"}
	for i, p := range people {
		p.do("write a word", chromedp.WaitVisible(chromedp.CSS("#checkout-form")), p.fill("#checkout-word", words[i]))
		p.eval(`(document.querySelector('input[name="closing-state"][value="within"]') || {click(){}}).click(); ""`)
		p.do("share", chromedp.Click(chromedp.CSS("#checkout-submit")))
		p.until("shared", `(document.querySelector("#checkout-status")?.textContent || "").includes("shared")`)
	}
	people[0].screenshot(shots, "participant-checkout")
	ana.until("both words", `document.querySelectorAll("#checkout-words li[data-word-member]").length === 2`)
	ana.screenshot(shots, "facilitator-checkout")
	ana.do("reveal", chromedp.Click(chromedp.CSS("#checkout-reveal")))
	for _, p := range people {
		p.until("the cloud", `document.querySelector('#checkout-cloud li[data-word]')?.dataset.count === "2"`)
	}
	people[1].screenshot(shots, "participant-checkout-cloud")
	people[1].darkMode(true)
	people[1].screenshot(shots, "participant-checkout-cloud-dark")
	people[1].darkMode(false)
	if text := people[1].eval(`document.querySelector("#checkout-cloud").textContent`); containsAny(text, names...) {
		t.Errorf("the cloud names someone: %q", text)
	}
	t.Logf("screenshots in %s", shots)
}

func containsAny(s string, subs ...string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// inviteKeyForTests reads the server's invite key, so a test can make the
// same links the server does.
func (m *Main) inviteKeyForTests(tb testing.TB) []byte {
	tb.Helper()
	key, err := os.ReadFile(filepath.Join(m.DataDir, "invite.key"))
	if err != nil {
		tb.Fatal(err)
	}
	return key
}

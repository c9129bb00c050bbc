package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hearth/room"
)

// TestBrowserMemory runs a short session with two of three participants on
// phones (one reloads, which is no drop): a check-in, intentions revealed without
// names (Sam keeps a step), a round of the sharing circle (Sam shares and
// hears "heard you", Kim passes twice) and a check-out. It closes it, and
// reads its memory in the console: the summary, a note on the session and one on a participant, the
// cohort overview with its trend charts, and both exports. Then a
// participant opens their own journey from the thank-you page. Screenshots
// go to the screenshot folder, light and dark.
func TestBrowserMemory(t *testing.T) {
	browser := newBrowser(t)
	shots := screenshotDir(t)
	m := startMain(t, t.TempDir())

	names := []string{"Sam", "Kim", "Lee"} // Lee never comes
	seed := seedCohort(t, m, "Tuesday circle", names...)
	links, ids, cohort := seed.links, seed.ids, seed.cohort
	week1 := seed.plan("Week 1", time.Now().Add(-time.Hour),
		room.NewItem("Arrival", room.CheckInSettings{Prompt: "How are you arriving?", Visibility: room.VisibleToGroup}),
		room.NewItem("", room.IntentionsSettings{Prompt: "What would you like to carry into the week?", Reveal: room.RevealAnonymous, Commitment: true}),
		room.NewItem("Sharing circle", room.CircleSettings{Prompt: "What has stayed with you?", Mode: room.RoundMode, Order: room.RosterOrder}),
		room.NewItem("", room.CheckOutSettings{Prompt: "One word for how you leave", ClosingCheck: true}))
	week2 := seed.plan("Week 2", time.Now().Add(7*24*time.Hour),
		room.NewItem("", room.IntentionsSettings{Prompt: "And this week?", Reveal: room.RevealNamed}))

	ana := newPerson(t, browser, "facilitator", 1280, 900)
	seed.logIn(ana)
	seed.open(ana, week1)
	people := seed.phones(browser, names[:2]...)
	ana.until("both present", `document.querySelectorAll('#members li[data-presence="present"]').length >= 3`)
	// Kim's page reloads and comes back within the grace: not a drop.
	people[1].do("reload and come back", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#room")))

	ana.do("next: the check-in", chromedp.Click(chromedp.CSS("#agenda-next")))
	for i, p := range people {
		p.do("see the check-in", chromedp.WaitVisible(chromedp.CSS("#answer-form")))
		p.eval(fmt.Sprintf(`document.querySelector('input[name="scale"][value="%d"]').click(); document.querySelector('input[name="state"][value="%s"]').click(); ""`, 3+3*i, []string{"hypo", "within"}[i]))
		p.do("write and share", p.fill("#answer-feeling", []string{"tender", "curious"}[i]),
			p.fill("#answer-note", "Shared by "+names[i]), chromedp.Click(chromedp.CSS("#answer-submit")))
		p.until("shared", `(document.querySelector("#answer-status")?.textContent || "").includes("shared")`)
	}
	ana.do("next: the intentions", chromedp.Click(chromedp.CSS("#agenda-next")), chromedp.WaitVisible(chromedp.CSS("#intentions-reveal")))
	intentionTexts := []string{"To slow down when I eat", "To say no more often"}
	for i, p := range people {
		p.do("write an intention", p.fill("#intention-text", intentionTexts[i]), chromedp.Click(chromedp.CSS("#intention-submit")))
		p.until("set", `(document.querySelector("#intention-status")?.textContent || "").includes("set")`)
	}
	people[0].do("keep a step", people[0].fill("#intention-step", "Call my sister on Sunday"), chromedp.Click(chromedp.CSS("#intention-step-submit")))
	people[0].until("step kept", `(document.querySelector("#intention-step-status")?.textContent || "").includes("kept")`)
	ana.until("both intentions", `document.querySelectorAll("#intentions-list li").length === 2`)
	ana.do("reveal the intentions", chromedp.Click(chromedp.CSS("#intentions-reveal")))
	people[1].until("both shown", `document.querySelectorAll("#intentions-shown li").length === 2`)

	ana.do("next: the circle", chromedp.Click(chromedp.CSS("#agenda-next")), chromedp.WaitVisible(chromedp.CSS("#circle-next")))
	ana.do("begin the round", chromedp.Click(chromedp.CSS("#circle-next")))
	people[0].until("Sam holds the piece", `(document.querySelector("#circle-piece")?.textContent || "").includes("You hold") && !document.querySelector("#circle-done").closest("[hidden]")`)
	people[1].until("Sam is sharing", `!document.querySelector("#circle-reactions").hidden`)
	people[1].do("heard you", chromedp.Click(chromedp.CSS(`#circle-reactions [data-reaction="heard"]`)))
	people[1].until("sent", `document.querySelector('[data-reaction="heard"]').getAttribute("aria-pressed") === "true"`)
	people[0].do("I'm done", chromedp.Click(chromedp.CSS("#circle-done")))
	people[1].until("Kim holds the piece", `document.querySelector("#circle-piece").textContent.includes("You hold")`)
	people[1].do("pass for now", chromedp.Click(chromedp.CSS("#circle-pass")))
	people[1].until("asked once more", `document.querySelector("#circle-hint").textContent.includes("asked once more") && document.querySelector("#circle-pass").textContent === "Pass"`)
	people[1].do("pass", chromedp.Click(chromedp.CSS("#circle-pass")))
	ana.until("the round complete", `document.querySelector("#circle-piece").textContent.includes("Everyone here has had")`)

	ana.do("next: the check-out", chromedp.Click(chromedp.CSS("#agenda-next")))
	for i, p := range people {
		p.do("write a word", chromedp.WaitVisible(chromedp.CSS("#checkout-form")), p.fill("#checkout-word", []string{"lighter", "held"}[i]))
		p.eval(`document.querySelector('input[name="closing-state"][value="within"]').click(); ""`)
		p.do("share", chromedp.Click(chromedp.CSS("#checkout-submit")))
		p.until("shared", `(document.querySelector("#checkout-status")?.textContent || "").includes("shared")`)
	}
	ana.until("both words", `document.querySelectorAll("#checkout-words li[data-word-member]").length === 2`)
	ana.do("reveal", chromedp.Click(chromedp.CSS("#checkout-reveal")))
	people[0].until("the cloud", `document.querySelectorAll('#checkout-cloud li[data-word]').length === 2`)

	// Close, and go from the closed room to its summary.
	ana.eval(`window.confirm = () => true; ""`)
	ana.do("close the session", chromedp.Click(chromedp.CSS("#close-session")), chromedp.WaitVisible(chromedp.CSS("#room-summary-link")))
	ana.do("open the summary", chromedp.Click(chromedp.CSS("#room-summary-link")), chromedp.WaitVisible(chromedp.CSS("#summary-sections")))
	if got := ana.eval(`[...document.querySelectorAll("#summary-sections > li")].map(li => li.dataset.kind).join(",")`); got != "checkin,intentions,circle,checkout" {
		t.Errorf("summary sections %q, want checkin,intentions,circle,checkout", got)
	}
	// Facilitators read every intention with its writer's name, whatever the
	// group saw, and the circle's order; the reactions were Sam's alone.
	if got := ana.eval(`[...document.querySelectorAll('#summary-sections li[data-kind="intentions"] li[data-intention-name]')].map(li => li.dataset.intentionName + ":" + li.querySelector(".intention-text").textContent).join(",")`); got != "Sam:To slow down when I eat,Kim:To say no more often" {
		t.Errorf("summary intentions %q, want Sam's then Kim's, named", got)
	}
	if text := ana.eval(`document.querySelector('#summary-sections li[data-kind="intentions"]').innerText`); !strings.Contains(text, "Call my sister on Sunday") || !strings.Contains(text, "revealed to the group without names") {
		t.Errorf("the intentions section lacks Sam's step or the reveal: %q", text)
	}
	if got := ana.eval(`[...document.querySelectorAll('#summary-sections ol.circle-story > li')].map(li => li.dataset.turnName + ":" + li.dataset.outcome).join(",")`); got != "Sam:spoke,Kim:passed,Kim:passed-final" {
		t.Errorf("summary circle %q, want Sam shared, Kim passed for now, then passed", got)
	}
	if text := ana.eval(`document.querySelector('#summary-sections li[data-kind="circle"]').innerText`); strings.Contains(text, "heard") || !strings.Contains(text, "passed for now") {
		t.Errorf("the circle section %q, want the outcomes in words and no reactions", text)
	}
	if got := ana.eval(`[...document.querySelectorAll("#attendance > li")].map(li => li.dataset.came).join(",")`); got != "yes,yes,no" {
		t.Errorf("attendance came %q, want yes,yes,no (Lee never came)", got)
	}
	if text := ana.eval(`document.querySelector("#attendance").textContent`); strings.Contains(text, "dropped") || strings.Contains(text, "came back") {
		t.Errorf("attendance counts Kim's reload as a drop: %q", text)
	}
	if text := ana.eval(`document.querySelector("#summary-sections").innerText`); !strings.Contains(text, "Shared by Kim") || !strings.Contains(text, "held") || strings.Contains(text, "null") || strings.Contains(text, "undefined") {
		t.Errorf("the summary lacks Kim's answer or word, or shows a blank as text: %q", text)
	}

	ana.do("add a note on the session",
		ana.fill("#session-note-text", "A gentle first circle; Kim's connection dropped once."),
		chromedp.Click(chromedp.CSS(`#session-note-form button[type="submit"]`)))
	ana.until("the session note", `document.querySelectorAll('#session-notes li[data-note-id]').length === 1`)
	samNote := "#pnote-" + ids[0]
	ana.do("add a note on Sam",
		chromedp.Click(chromedp.CSS(`#attendance li[data-member-id="`+ids[0]+`"] details.person-notes > summary`)),
		ana.fill(samNote+"-text", "Sam arrived low and left within the window."),
		chromedp.Click(chromedp.CSS(samNote+`-form button[type="submit"]`)))
	ana.until("Sam's note", `document.querySelectorAll('#attendance li[data-member-id="`+ids[0]+`"] li[data-note-id]').length === 1`)
	ana.do("edit the session note",
		chromedp.Click(chromedp.CSS(`#session-notes li[data-note-id] button[data-action="edit"]`)),
		ana.fill(`#session-notes li[data-note-id] textarea`, "A gentle first circle."),
		chromedp.Click(chromedp.CSS(`#session-notes li[data-note-id] button[type="submit"]`)))
	ana.until("the edit", `(document.querySelector('#session-notes li[data-note-id] .note-text')?.textContent || "") === "A gentle first circle."`)
	ana.screenshot(shots, "facilitator-summary")
	ana.darkMode(true)
	ana.screenshot(shots, "facilitator-summary-dark")
	ana.darkMode(false)

	ana.do("open the overview", chromedp.Click(chromedp.CSS("#summary-overview-link")), chromedp.WaitVisible(chromedp.CSS("#attendance-grid")))
	marks := ana.eval(`[...document.querySelectorAll("#attendance-grid td[data-mark]")].map(td => td.dataset.person + ":" + td.dataset.mark).join(",")`)
	if want := "Sam:stayed,Sam:not-held,Kim:stayed,Kim:not-held,Lee:absent,Lee:not-held"; marks != want {
		t.Errorf("attendance grid %q, want %q", marks, want)
	}
	if got := ana.eval(`String(document.querySelectorAll("#trends svg.trend circle.arrival").length)`); got != "2" {
		t.Errorf("%s arrival points in the charts, want 2 (Sam and Kim)", got)
	}
	if text := ana.eval(`document.querySelector("#trends").textContent`); !strings.Contains(text, "3/10, Hypo-aroused") || !strings.Contains(text, "Sam arrived hypo-aroused (3/10), and left within window.") || !strings.Contains(text, "Sam arrived low") {
		t.Errorf("the trends lack Sam's arrival in words or his note: %q", text)
	}
	if got := ana.eval(`[...document.querySelectorAll("#intention-journeys section[data-person-id]")].map(s => s.querySelector("h3").textContent + "=" + [...s.querySelectorAll("li[data-intention-id] .intention-text")].map(p => p.textContent).join("|")).join(",")`); got != "Sam · 1 intention=To slow down when I eat,Kim · 1 intention=To say no more often" {
		t.Errorf("intention journeys %q, want Sam's and Kim's", got)
	}
	if text := ana.eval(`document.querySelector("#intentions").innerText`); !strings.Contains(text, "Step, Week 1: Call my sister on Sunday") {
		t.Errorf("the journeys lack Sam's step: %q", text)
	}
	ana.screenshot(shots, "facilitator-overview")
	ana.darkMode(true)
	ana.screenshot(shots, "facilitator-overview-dark")
	ana.darkMode(false)

	ana.do("the cohort page leads to the overview and the summary",
		chromedp.Navigate(m.URL+"/#/cohort/"+cohort.ID),
		chromedp.WaitVisible(chromedp.CSS("#overview-link")),
	)
	ana.screenshot(shots, "facilitator-cohort-with-memory")
	ana.do("from the cohort page to the summary and on",
		chromedp.Click(chromedp.CSS(`[data-session-id="`+week1.ID+`"] a[data-action="summary"]`)),
		chromedp.WaitVisible(chromedp.CSS("#summary-sections")),
		chromedp.Click(chromedp.CSS("#summary-overview-link")),
		chromedp.WaitVisible(chromedp.CSS("#export-md")),
	)
	for _, ext := range []string{"md", "json"} {
		got := ana.evalAwait(fmt.Sprintf(`fetch(document.querySelector("#export-%s").href).then(async r => r.headers.get("Content-Disposition") + "\n" + await r.text())`, ext))
		if !strings.HasPrefix(got, "attachment; filename=hearth-tuesday-circle-") || !strings.Contains(got, "Sam arrived low") || !strings.Contains(got, "Shared by Kim") {
			t.Errorf("export.%s: %.300q, want an attachment with the notes and answers", ext, got)
		}
	}

	// Sam's page said thank you when the session closed; from there, his journey.
	sam := people[0]
	sam.do("open the journey", chromedp.WaitVisible(chromedp.CSS("#final-journey")), chromedp.Click(chromedp.CSS("#final-journey")),
		chromedp.WaitVisible(chromedp.CSS("#journey-list")))
	text := sam.eval(`document.querySelector("#journey").innerText`)
	for _, want := range []string{"Shared by Sam", "Shared by Kim", "lighter", "held",
		"To slow down when I eat", "Call my sister on Sunday", "To say no more often", "The group’s intentions, without names",
		"You — shared", "While you shared, the group sent: 1 × “heard you”.", "Kim — passed for now", "Kim — passed"} {
		if !strings.Contains(text, want) {
			t.Errorf("Sam's journey lacks %q: %q", want, text)
		}
	}
	// The reveal was anonymous: nothing afterwards says whose is whose.
	if shown := sam.eval(`document.querySelector("#journey .shown-list").innerText`); strings.Contains(shown, "Kim") || strings.Contains(shown, "You") {
		t.Errorf("Sam's journey names the anonymous intentions: %q", shown)
	}
	for _, never := range []string{"Sam arrived low", "gentle first circle", "Lee"} {
		if strings.Contains(text, never) {
			t.Errorf("Sam's journey shows %q: %q", never, text)
		}
	}
	sam.screenshot(shots, "participant-journey")
	sam.darkMode(true)
	sam.screenshot(shots, "participant-journey-dark")
	sam.darkMode(false)
	sam.do("back to the thank-you page", chromedp.Click(chromedp.CSS("#journey-back")), chromedp.WaitVisible(chromedp.CSS("#final-message")))

	// A link straight to the journey opens it, too.
	kim := people[1]
	// On the thank-you page the link only changes the hash; a fresh load of
	// it is what someone opening it from a message gets.
	kim.do("open the journey by its link", chromedp.Navigate(links[1]+"/journey"), chromedp.WaitVisible(chromedp.CSS("#journey-list")),
		chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#journey-list")))
	if text := kim.eval(`document.querySelector("#journey").innerText`); !strings.Contains(text, "Shared by Sam") || strings.Contains(text, "arrived low") ||
		strings.Contains(text, "Call my sister") || strings.Contains(text, "heard you") || !strings.Contains(text, "Sam — shared") {
		t.Errorf("Kim's journey by link, want the circle's order and never Sam's step or reactions: %q", text)
	}
	kim.screenshot(shots, "participant-journey-kim")
	kim.do("back: no room is live, so the waiting page, with the way back in",
		chromedp.Click(chromedp.CSS("#journey-back")), chromedp.WaitVisible(chromedp.CSS("#waiting-journey")))
	kim.screenshot(shots, "participant-waiting-with-journey")
	kim.do("and in again", chromedp.Click(chromedp.CSS("#waiting-journey")), chromedp.WaitVisible(chromedp.CSS("#journey-list")))

	// Week 2: Sam looks back on his intention and both write new ones,
	// revealed with names.
	ana.do("open Week 2",
		chromedp.Navigate(m.URL+"/#/cohort/"+cohort.ID),
		chromedp.WaitVisible(chromedp.CSS(`[data-session-id="`+week2.ID+`"] button[data-action="open"]`)),
		chromedp.Click(chromedp.CSS(`[data-session-id="`+week2.ID+`"] button[data-action="open"]`)),
		chromedp.WaitVisible(chromedp.CSS("#agenda")))
	for i, p := range people {
		p.do("come back", chromedp.Navigate(links[i]), chromedp.WaitVisible(chromedp.CSS("#room")))
	}
	ana.until("both present again", `document.querySelectorAll('#members li[data-presence="present"]').length >= 3`)
	ana.do("start the intentions", chromedp.Click(chromedp.CSS("#agenda-next")), chromedp.WaitVisible(chromedp.CSS("#intentions-reveal")))
	sam.do("lived it", chromedp.WaitVisible(chromedp.CSS(`#intentions-past li[data-intention-id] input[value="lived"]`)),
		chromedp.Click(chromedp.CSS(`#intentions-past li[data-intention-id] input[value="lived"]`)))
	sam.until("kept", `(document.querySelector("#intentions-past .reflect-status")?.textContent || "").includes("Kept")`)
	for i, p := range people {
		p.do("write", p.fill("#intention-text", []string{"To rest before I am tired", "To ask for help"}[i]), chromedp.Click(chromedp.CSS("#intention-submit")))
		p.until("set", `(document.querySelector("#intention-status")?.textContent || "").includes("set")`)
	}
	ana.until("both intentions", `document.querySelectorAll("#intentions-list li").length === 2`)
	ana.do("reveal", chromedp.Click(chromedp.CSS("#intentions-reveal")))
	kim.until("both shown", `document.querySelectorAll("#intentions-shown li").length === 2`)
	ana.do("close Week 2", chromedp.Click(chromedp.CSS("#close-session")), chromedp.WaitVisible(chromedp.CSS("#room-summary-link")))
	ana.do("its summary", chromedp.Click(chromedp.CSS("#room-summary-link")), chromedp.WaitVisible(chromedp.CSS("#summary-sections table.reflections")))
	if got := ana.eval(`[...document.querySelectorAll("#summary-sections table.reflections tbody tr")].map(tr => tr.innerText.replace(/\s+/g, " ").trim()).join(",")`); got != "Sam To slow down when I eat (set in Week 1) ✓ Lived it" {
		t.Errorf("week 2 reflections %q, want Sam's, lived", got)
	}
	ana.screenshot(shots, "facilitator-summary-reflections")
	ana.do("the overview", chromedp.Click(chromedp.CSS("#summary-overview-link")), chromedp.WaitVisible(chromedp.CSS("#intention-journeys")))
	if text := ana.eval(`document.querySelector('#intention-journeys section[data-person-id="` + ids[0] + `"]').innerText.replace(/\s+/g, " ")`); !strings.Contains(text, "Week 2: ✓ Lived it") || !strings.Contains(text, "To rest before I am tired") {
		t.Errorf("Sam's intention journey %q, want his Week 1 intention lived and his Week 2 one", text)
	}
	ana.do("to the journeys", chromedp.ScrollIntoView(chromedp.CSS("#intentions")))
	ana.screenshot(shots, "facilitator-overview-journeys")
	ana.darkMode(true)
	ana.screenshot(shots, "facilitator-overview-journeys-dark")
	ana.darkMode(false)

	sam.do("Sam's journey", chromedp.WaitVisible(chromedp.CSS("#final-journey")), chromedp.Click(chromedp.CSS("#final-journey")),
		chromedp.WaitVisible(chromedp.CSS(`#journey-list > li[data-session-id="`+week2.ID+`"]`)))
	week2Text := sam.eval(`document.querySelector('#journey-list > li[data-session-id="` + week2.ID + `"]').innerText.replace(/\s+/g, " ")`)
	for _, want := range []string{"You looked back on", "“To slow down when I eat” (Week 1): ✓ Lived it", "The group’s intentions You To rest before I am tired Kim To ask for help"} {
		if !strings.Contains(week2Text, want) {
			t.Errorf("Sam's Week 2 lacks %q: %q", want, week2Text)
		}
	}
	sam.do("to Week 2", chromedp.ScrollIntoView(chromedp.CSS(`#journey-list > li[data-session-id="`+week2.ID+`"]`)))
	sam.screenshot(shots, "participant-journey-week2")
	sam.darkMode(true)
	sam.screenshot(shots, "participant-journey-week2-dark")
	sam.darkMode(false)
	if text := kim.eval(`document.body.innerText`); strings.Contains(text, "Lived it") {
		t.Errorf("Kim's page shows Sam's reflection: %q", text)
	}
	t.Logf("screenshots in %s", shots)
}

// evalAwait evaluates JavaScript that returns a promise and waits for it.
func (p *person) evalAwait(js string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("%s: eval %s: %v", p.name, js, err)
	}
	return v
}

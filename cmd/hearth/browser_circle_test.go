package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hearth/room"
)

// TestBrowserCircle runs a sharing circle from the facilitator's console and
// three participants' phones: the talking piece goes round, listeners send
// silent reactions that the speaker sees as counts after the share, one
// person passes for now and again, a share's time runs out with a gentle
// signal; then an open floor, where hands go up and the facilitator gives
// the floor; and the check-out's words are revealed as a cloud. Screenshots of
// each participant view go to the screenshot folder, light and dark.
func TestBrowserCircle(t *testing.T) {
	browser := newBrowser(t)
	shots := screenshotDir(t)
	m := startMain(t, t.TempDir())

	names := []string{"Sam", "Kim", "Lee"}
	seed := seedCohort(t, m, "Thursday circle", names...)
	week3 := seed.plan("Week 3", time.Now().Add(time.Hour),
		room.NewItem("Sharing circle", room.CircleSettings{Prompt: "What has stayed with you this week?",
			Mode: room.RoundMode, Order: room.RosterOrder, ShareSeconds: room.MinShareSeconds}),
		room.NewItem("Open floor", room.CircleSettings{Prompt: "Is there anything else you would like to say?", Mode: room.OpenFloor}),
		room.NewItem("", room.CheckOutSettings{Prompt: "One word for how you leave."}))

	ana := newPerson(t, browser, "facilitator", 1280, 900)
	seed.logIn(ana)
	seed.open(ana, week3)
	people := seed.phones(browser, names...)
	sam, kim, lee := people[0], people[1], people[2]
	ana.until("all three present", `document.querySelectorAll('#members li[data-presence="present"]').length >= 4`)

	ana.do("start the circle", chromedp.Click(chromedp.CSS("#agenda-next")), chromedp.WaitVisible(chromedp.CSS("#circle-next")))
	for _, p := range people {
		p.until("the circle, Sam first", `(document.querySelector("#circle-piece")?.textContent || "").includes("first")`)
	}
	lee.screenshot(shots, "participant-circle-waiting")
	ana.do("begin the round", chromedp.Click(chromedp.CSS("#circle-next")))

	// Sam holds the piece; the others see it and send silent reactions.
	sam.until("Sam holds the piece", `document.querySelector("#circle-piece").textContent.includes("You hold") && !document.querySelector("#circle-done").closest("[hidden]")`)
	sam.until("a clock", `/^\d:\d\d$/.test(document.querySelector("#circle .share-clock-time")?.textContent || "")`)
	for _, p := range []*person{kim, lee} {
		p.until("Sam is sharing", `document.querySelector("#circle-piece").textContent.includes("Sam holds") && !document.querySelector("#circle-reactions").hidden`)
	}
	kim.until("Kim is next", `document.querySelector("#circle-hint").textContent.includes("You are next")`)
	kim.do("heard you", chromedp.Click(chromedp.CSS(`#circle-reactions [data-reaction="heard"]`)))
	lee.do("resonates", chromedp.Click(chromedp.CSS(`#circle-reactions [data-reaction="resonates"]`)))
	kim.until("shown as sent", `document.querySelector('[data-reaction="heard"]').getAttribute("aria-pressed") === "true"`)
	sam.screenshot(shots, "participant-circle-holding")
	kim.screenshot(shots, "participant-circle-listening")
	kim.darkMode(true)
	kim.screenshot(shots, "participant-circle-listening-dark")
	kim.darkMode(false)
	if text := sam.eval(`document.querySelector("#circle").innerText`); strings.Contains(text, "×") {
		t.Errorf("Sam sees reactions during the share: %q", text)
	}
	ana.screenshot(shots, "facilitator-circle")

	sam.do("I'm done", chromedp.Click(chromedp.CSS("#circle-done")))
	sam.until("the counts after the share", `(document.querySelector("#circle-received")?.textContent || "").includes("1 × “heard you”, 1 × “resonates”")`)
	sam.screenshot(shots, "participant-circle-after-share")
	for _, p := range []*person{kim, lee} {
		if text := p.eval(`document.body.innerText`); strings.Contains(text, "×") {
			t.Errorf("%s sees the speaker's reactions: %q", p.name, text)
		}
	}

	// Kim passes for now: to the end of the round, asked once more.
	kim.until("Kim holds the piece", `document.querySelector("#circle-piece").textContent.includes("You hold")`)
	kim.do("pass for now", chromedp.Click(chromedp.CSS("#circle-pass")))
	ana.until("Kim waits, passed once", `document.querySelector('#circle-order li[data-member-id] .badge')?.textContent === "passed once"`)
	lee.until("Lee holds the piece", `document.querySelector("#circle-piece").textContent.includes("You hold")`)

	// Lee's share runs past its time: a gentle signal, no cut-off.
	// (p.do's deadline is shorter than a share, so this wait has its own.)
	wait, cancel := context.WithTimeout(lee.ctx, time.Duration(room.MinShareSeconds+20)*time.Second)
	_, err := chromedp.Run(wait, chromedp.PollFunction[bool](`() => document.querySelector("#circle-clock.time-up") !== null || null`,
		chromedp.WithPollingTimeout(time.Duration(room.MinShareSeconds+15)*time.Second)))
	cancel()
	if err != nil {
		t.Fatalf("Lee: the time is up: %v", err)
	}
	lee.screenshot(shots, "participant-circle-time-up")
	lee.darkMode(true)
	lee.screenshot(shots, "participant-circle-time-up-dark")
	lee.darkMode(false)
	sam.until("Sam sees the signal too", `document.querySelector("#circle-clock.time-up") !== null`)
	if got := lee.eval(`document.querySelector("#circle-piece").textContent`); !strings.Contains(got, "You hold") {
		t.Errorf("after the time was up Lee sees %q, want to still hold the piece", got)
	}
	lee.do("done", chromedp.Click(chromedp.CSS("#circle-done")))

	// Kim is asked once more and passes again: final; the round is complete.
	kim.until("asked once more", `document.querySelector("#circle-hint").textContent.includes("asked once more") && document.querySelector("#circle-pass").textContent === "Pass"`)
	kim.do("pass", chromedp.Click(chromedp.CSS("#circle-pass")))
	ana.until("the round complete", `document.querySelector("#circle-piece").textContent.includes("Everyone here has had")`)
	story := ana.eval(`[...document.querySelectorAll("#circle-turns li")].map(li => li.dataset.outcome).join(",")`)
	if story != "spoke,passed,spoke,passed-final" {
		t.Errorf("the circle's story %q, want spoke,passed,spoke,passed-final", story)
	}
	kim.screenshot(shots, "participant-circle-complete")

	// The open floor: hands go up, the facilitator gives the floor in turn.
	ana.do("next: the open floor", chromedp.Click(chromedp.CSS("#agenda-next")))
	kim.do("raise a hand", chromedp.WaitVisible(chromedp.CSS("#circle-hand")), chromedp.Click(chromedp.CSS("#circle-hand")))
	kim.until("first in line", `document.querySelector("#circle-hand").textContent.includes("first in line")`)
	lee.do("raise a hand", chromedp.WaitVisible(chromedp.CSS("#circle-hand")), chromedp.Click(chromedp.CSS("#circle-hand")))
	lee.until("second in line", `document.querySelector("#circle-hand").textContent.includes("second in line")`)
	ana.until("two hands, Kim first", `[...document.querySelectorAll("#circle-order li[data-member-id] .name")].map(n => n.textContent).join(",") === "Kim,Lee"`)
	lee.screenshot(shots, "participant-open-floor-hand-up")
	ana.screenshot(shots, "facilitator-open-floor")
	ana.do("give the floor to the first hand", chromedp.Click(chromedp.CSS("#circle-next")))
	kim.until("Kim has the floor", `document.querySelector("#circle-piece").textContent.includes("You hold") && document.querySelector("#circle-hand").hidden`)
	lee.do("lower the hand", chromedp.Click(chromedp.CSS("#circle-hand")))
	kim.do("done", chromedp.Click(chromedp.CSS("#circle-done")))
	ana.until("no hands up", `document.querySelector("#circle-piece").textContent.includes("Nobody has a hand up")`)
	if got := ana.eval(`[...document.querySelectorAll("#circle-turns li")].map(li => li.dataset.outcome).join(",")`); got != "spoke" {
		t.Errorf("the open floor's story %q, want Kim's one share; the console shows %q", got, ana.eval(`document.querySelector("#circle").innerText`))
	}

	// The check-out, revealed as a cloud.
	ana.do("next: the check-out", chromedp.Click(chromedp.CSS("#agenda-next")))
	for i, p := range people {
		p.do("write a word", chromedp.WaitVisible(chromedp.CSS("#checkout-form")), p.fill("#checkout-word", []string{"held", "Held", "quiet"}[i]))
		p.do("share", chromedp.Click(chromedp.CSS("#checkout-submit")))
		p.until("shared", `(document.querySelector("#checkout-status")?.textContent || "").includes("shared")`)
	}
	ana.until("three words", `document.querySelectorAll("#checkout-words li[data-word-member]").length === 3`)
	ana.do("reveal", chromedp.Click(chromedp.CSS("#checkout-reveal")))
	for _, p := range people {
		p.until("the cloud", `document.querySelector('#checkout-cloud li[data-word]')?.dataset.count === "2"`)
	}
	t.Logf("screenshots in %s", shots)
}

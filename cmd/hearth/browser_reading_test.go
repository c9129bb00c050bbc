package main

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hearth/room"
)

// TestBrowserReading runs a reading from the console and two phones: both
// see the passage with its line breaks (and its markup as text), Sam says he
// has read it and keeps his place on the page, Kim sees how many have, never
// who, and the facilitator sees Sam by name and Kim still to. Screenshots of
// both faces go to the screenshot folder, light and dark.
func TestBrowserReading(t *testing.T) {
	browser := newBrowser(t)
	shots := screenshotDir(t)
	m := startMain(t, t.TempDir())

	names := []string{"Sam", "Kim"}
	seed := seedCohort(t, m, "Friday circle", names...)
	poem := "You do not have to be good.\nYou do not have to walk on your knees\n<em>for a hundred miles</em> through the desert, repenting."
	week4 := seed.plan("Week 4", time.Now().Add(time.Hour),
		room.NewItem("", room.ReadingSettings{Text: poem, Source: "Mary Oliver, Wild Geese"}))

	ana := newPerson(t, browser, "facilitator", 1280, 900)
	seed.logIn(ana)
	seed.open(ana, week4)
	people := seed.phones(browser, names...)
	sam, kim := people[0], people[1]
	ana.until("both present", `document.querySelectorAll('#members li[data-presence="present"]').length >= 3`)

	ana.do("start the reading", chromedp.Click(chromedp.CSS("#agenda-next")), chromedp.WaitVisible(chromedp.CSS("#reading-text")))
	for _, p := range people {
		p.do("see the reading", chromedp.WaitVisible(chromedp.CSS("#reading-done")))
		if got := p.eval(`document.querySelector("#reading-text").innerText`); got != poem {
			t.Errorf("%s reads %q, want the poem as written: %q", p.name, got, poem)
		}
		if n := p.eval(`String(document.querySelectorAll("#reading em").length)`); n != "0" {
			t.Errorf("%s: the reading's text became markup", p.name)
		}
		p.until("the source", `document.querySelector("#reading-source").textContent === "— Mary Oliver, Wild Geese"`)
	}
	kim.screenshot(shots, "participant-reading")

	sam.do("I've read it", chromedp.Click(chromedp.CSS("#reading-done")))
	sam.until("marked, the focus on what it says", `document.activeElement && document.activeElement.id === "reading-marked" && document.querySelector("#reading-done").hidden`)
	kim.until("one of two", `document.querySelector("#reading-progress").textContent === "1 of 2 have read it"`)
	if text := kim.eval(`document.querySelector("#reading").innerText`); strings.Contains(text, "Sam") {
		t.Errorf("Kim is told who has read it: %q", text)
	}
	ana.until("Sam by name, Kim still to", `document.querySelector('#reading-read li[data-read-member] .name')?.textContent === "Sam" && document.querySelector("#reading-not-yet").textContent.includes("Kim")`)
	sam.screenshot(shots, "participant-reading-read")
	sam.darkMode(true)
	sam.screenshot(shots, "participant-reading-read-dark")
	sam.darkMode(false)
	ana.screenshot(shots, "facilitator-reading")
	ana.darkMode(true)
	ana.screenshot(shots, "facilitator-reading-dark")
	ana.darkMode(false)

	kim.do("I've read it", chromedp.Click(chromedp.CSS("#reading-done")))
	ana.until("everyone has", `document.querySelector("#reading-progress").textContent === "2 of 2 have read it"`)
	ana.do("end the reading", chromedp.Click(chromedp.CSS("#end-activity")))
	sam.until("back to gathering", `document.querySelector("#reading") === null`)
	t.Logf("screenshots in %s", shots)
}

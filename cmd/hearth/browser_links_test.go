package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hearth/facilitator"
)

// TestBrowserInviteLinks walks the life of a link in Chromium: a link sent
// before tokens left paths (/j/TOKEN) moves its token into the fragment at
// once and works, and so does a reload; nothing the page asks the server
// for holds the token, nor any key of what it keeps; the journey keeps the
// token in the fragment; the console shows each link's expiry and changes
// how long links last; an archived cohort's link says the group has ended.
func TestBrowserInviteLinks(t *testing.T) {
	browser := newBrowser(t)
	m := startMain(t, t.TempDir())
	ctx := context.Background()
	seed := seedCohort(t, m, "Tuesday circle", "Sam", "Kim")
	seed.plan("Week 1", time.Now().Add(time.Hour))
	token := seed.tokens[0]

	sam := newPerson(t, browser, "Sam", 390, 844)
	sam.do("open a link of the old form", chromedp.Navigate(m.URL+"/j/"+token), chromedp.WaitVisible(chromedp.CSS("#waiting")))
	if got := sam.eval(`location.pathname + location.hash`); got != "/j#"+token {
		t.Errorf("address after opening /j/TOKEN: %q, want /j#TOKEN", got)
	}
	sam.do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#waiting")))
	sam.do("open the journey", chromedp.Click(chromedp.CSS("#waiting-journey")), chromedp.WaitVisible(chromedp.CSS("#journey")))
	if got := sam.eval(`location.hash`); got != "#"+token+"/journey" {
		t.Errorf("address of the journey: %q, want #TOKEN/journey", got)
	}
	sam.do("back", chromedp.Click(chromedp.CSS("#journey-back")), chromedp.WaitVisible(chromedp.CSS("#waiting")))
	if got := sam.eval(`location.pathname + location.hash`); got != "/j#"+token {
		t.Errorf("address back from the journey: %q, want /j#TOKEN", got)
	}
	if asked := sam.eval(`performance.getEntriesByType("resource").map((e) => e.name).join(" ")`); strings.Contains(asked, token) {
		t.Errorf("the page asked for URLs holding the token: %s", asked)
	}
	if keys := sam.eval(`Object.keys(localStorage).concat(Object.keys(sessionStorage)).join(" ")`); strings.Contains(keys, token) {
		t.Errorf("storage keys hold the token: %s", keys)
	}

	ana := newPerson(t, browser, "facilitator", 1280, 800)
	seed.logIn(ana)
	ana.until("each link and its expiry", `(() => {
		const lives = [...document.querySelectorAll("#participants [data-link-life]")];
		const links = [...document.querySelectorAll("#participants .invite-url")];
		return lives.length === 2 && lives.every((e) => e.textContent.includes("works until"))
			&& links.every((l) => l.value.includes("/j#"));
	})()`)
	if got := ana.eval(`document.querySelector("#invite-days").value`); got != "90" {
		t.Errorf("links work for: %q, want 90 (days)", got)
	}
	ana.checkAxe("the cohort page with the links' expiry")
	ana.eval(`(() => { const s = document.querySelector("#invite-days"); s.value = "0"; s.dispatchEvent(new Event("change")); return ""; })()`)
	ana.until("links that never expire", `[...document.querySelectorAll("#participants [data-link-life]")].every((e) => e.textContent.includes("never expires"))
		&& document.querySelector("#invite-days-ok").textContent.includes("never expire")`)
	if c, err := seed.fac.Cohort(ctx, seed.acct, seed.cohort.ID); err != nil || c.InviteLife() != 0 {
		t.Errorf("the cohort after choosing never: %v %v, want links that never expire", c.InviteLife(), err)
	}

	archived := true
	if _, err := seed.fac.UpdateCohort(ctx, seed.acct, seed.cohort.ID, facilitator.CohortInput{Archived: &archived}); err != nil {
		t.Fatal(err)
	}
	kim := newPerson(t, browser, "Kim", 390, 844)
	kim.do("open the link of an ended group", chromedp.Navigate(seed.links[1]), chromedp.WaitVisible(chromedp.CSS("#final-message")))
	kim.until("the words for it", `document.querySelector("#final-text").textContent.includes("This group has ended")`)
	kim.checkAxe("the page of a group that has ended")
}

package main

import (
	"context"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hearth/facilitator"
)

// TestBrowserAudit reads a cohort's "Who did what" on a phone: reached from
// the cohort's page, newest first, people named from the roster (the audit
// holds their IDs only), older entries a button away; readable by axe in
// light and dark.
func TestBrowserAudit(t *testing.T) {
	browser := newBrowser(t)
	shots := screenshotDir(t)
	m := startMain(t, t.TempDir())
	seed := seedCohort(t, m, "Tuesday circle", "Sam", "Rae")
	week := seed.plan("Week 1", time.Now().Add(time.Hour))
	ctx := context.Background()

	// Older entries first: enough of them that the page needs a second one.
	at := time.Now().Add(-time.Hour)
	for i := range 55 {
		e := facilitator.AuditBy(seed.acct, facilitator.AuditSummaryViewed)
		e.At, e.CohortID, e.SessionID, e.Addr = at.Add(time.Duration(i)*time.Second), seed.cohort.ID, week.ID, "192.0.2."+strconv.Itoa(i+1)
		if err := seed.fac.Audit(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	removed := facilitator.AuditBy(seed.acct, facilitator.AuditParticipantRemoved)
	removed.At, removed.CohortID, removed.Target, removed.Addr = at.Add(time.Minute), seed.cohort.ID, seed.ids[1], "2001:db8::1"
	if err := seed.fac.Audit(ctx, removed); err != nil {
		t.Fatal(err)
	}

	ana := newPerson(t, browser, "phone", 390, 844)
	seed.logIn(ana)
	ana.do("open the overview, which the audit records",
		chromedp.Click(chromedp.CSS("#overview-link")),
		chromedp.WaitVisible(chromedp.CSS("#export-json")),
		chromedp.Navigate(m.URL+"/#/cohort/"+seed.cohort.ID),
		chromedp.WaitVisible(chromedp.CSS("#audit-link")),
	)
	ana.do("open who did what",
		chromedp.Click(chromedp.CSS("#audit-link")),
		chromedp.WaitVisible(chromedp.CSS("#audit li")),
	)
	ana.until("a page of 50", `document.querySelectorAll("#audit li").length === 50`)
	first := ana.eval(`document.querySelector("#audit li").textContent`)
	if want := "Ana read the overview"; !strings.Contains(first, want) {
		t.Errorf("newest entry %q, want it to say %q", first, want)
	}
	second := ana.eval(`document.querySelector("#audit li:nth-child(2)").textContent`)
	if !strings.Contains(second, "Ana removed Rae from the cohort") || !strings.Contains(second, "from 2001:db8::1") {
		t.Errorf("second entry %q, want Rae named from the roster and the address", second)
	}
	if got := ana.eval(`document.querySelector("#audit li:nth-child(3)").textContent`); !strings.Contains(got, `read the summary of “Week 1”`) {
		t.Errorf("third entry %q, want the session named", got)
	}
	if wide := ana.eval(`String(document.documentElement.scrollWidth > window.innerWidth)`); wide != "false" {
		t.Errorf("the audit scrolls sideways on a phone")
	}
	ana.checkAxe("who did what")
	ana.screenshot(shots, "audit-light")

	ana.do("show older", chromedp.Click(chromedp.CSS("#audit-more")))
	ana.until("all 57, and no more to show", `document.querySelectorAll("#audit li").length === 57 && document.querySelector("#audit-more").hidden`)
	if got := ana.eval(`document.activeElement === document.querySelector("#audit li:nth-child(51)") ? "yes" : "no"`); got != "yes" {
		t.Errorf("after Show older, focus is not on the first older entry")
	}
	if got := ana.eval(`document.querySelector("#audit li:last-child").textContent`); !strings.Contains(got, "from 192.0.2.1") {
		t.Errorf("oldest entry %q, want the first one recorded", got)
	}
	ana.darkMode(true)
	ana.checkAxe("who did what in dark mode")
	ana.screenshot(shots, "audit-dark")
}

package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserAccountPassword changes the password from the account page:
// a wrong current one and a common new one are refused with a reason; the
// change logs out the facilitator's other browser, whose room closes and
// which shows the login form; the new password logs in.
func TestBrowserAccountPassword(t *testing.T) {
	browser := newBrowser(t)
	shots := screenshotDir(t)
	m := startMain(t, t.TempDir())
	seed := seedCohort(t, m, "Tuesday circle", "Sam")
	week := seed.plan("Week 1", time.Now().Add(time.Hour))

	laptop := newPerson(t, browser, "laptop", 1280, 800)
	seed.logIn(laptop)
	seed.open(laptop, week)

	ana := newPerson(t, browser, "facilitator", 1280, 800)
	seed.logIn(ana)
	ana.do("open the account page",
		chromedp.Click(chromedp.CSS("#account-link")),
		chromedp.WaitVisible(chromedp.CSS("#password-form")),
	)
	ana.checkAxe("the account page")

	change := func(what, current, next string) {
		t.Helper()
		ana.do(what,
			ana.fill("#password-current", current),
			ana.fill("#password-new", next),
			ana.fill("#password-again", next),
			chromedp.Click(chromedp.CSS(`#password-form button[type="submit"]`)),
		)
	}
	change("a wrong current password", "not the one", "another long passphrase")
	ana.until("the wrong password is named", `(document.querySelector("#password-error")?.textContent || "").includes("current password is not right")`)
	change("a common new password", "a long passphrase", "Password123!")
	ana.until("the common password is refused", `(document.querySelector("#password-error")?.textContent || "").startsWith("This password is too common")`)
	ana.checkAxe("the account page with an error")

	change("a good new password", "a long passphrase", "another long passphrase")
	ana.until("changed", `(document.querySelector("#password-ok")?.textContent || "").includes("password is changed")`)
	if got := ana.eval(`document.querySelector("#password-error").textContent`); got != "" {
		t.Errorf("an error beside the change: %q", got)
	}
	// The other browser was in the room: its login ended, so it shows the
	// login form, saying why.
	laptop.until("the laptop is logged out", `!!document.querySelector("#login-form") &&
		document.body.textContent.includes("Your login has ended")`)
	ana.screenshot(shots, "account-light")
	ana.darkMode(true)
	ana.checkAxe("the account page in dark mode")
	ana.screenshot(shots, "account-dark")

	// This browser is still logged in; the new password logs in elsewhere.
	ana.do("back to the cohorts", chromedp.Navigate(m.URL+"/#/"), chromedp.WaitVisible(chromedp.CSS("#new-cohort-form")))
	laptop.do("log in with the new password",
		laptop.fill("#login-email", "ana@example.org"),
		laptop.fill("#login-password", "another long passphrase"),
		chromedp.Click(chromedp.CSS(`#login-form button[type="submit"]`)),
		// Back where it was: the live room.
		chromedp.WaitVisible(chromedp.CSS("#agenda")),
	)
}

// TestBrowserLogoutEverywhere logs out every browser from one: both show
// the login form, and neither is let back in without logging in.
func TestBrowserLogoutEverywhere(t *testing.T) {
	browser := newBrowser(t)
	m := startMain(t, t.TempDir())
	seed := seedCohort(t, m, "Tuesday circle", "Sam")
	week := seed.plan("Week 1", time.Now().Add(time.Hour))

	phone := newPerson(t, browser, "phone", 390, 844)
	seed.logIn(phone)
	seed.open(phone, week)
	ana := newPerson(t, browser, "facilitator", 1280, 800)
	seed.logIn(ana)
	ana.do("open the account page", chromedp.Navigate(m.URL+"/#/account"), chromedp.WaitVisible(chromedp.CSS("#logout-all")))
	ana.eval(`window.confirm = () => true; ""`)
	ana.do("log out everywhere", chromedp.Click(chromedp.CSS("#logout-all")))
	ana.until("this browser is logged out", `!!document.querySelector("#login-form") &&
		document.body.textContent.includes("logged out everywhere")`)
	phone.until("the phone is logged out", `!!document.querySelector("#login-form")`)
	ana.checkAxe("the login after logging out everywhere")
	ana.do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#login-form")))
	phone.do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#login-form")))
}

// logInAs logs a facilitator in at the cohorts page.
func logInAs(p *person, m *Main, email, password string) {
	p.t.Helper()
	p.do("log in as "+email,
		chromedp.Navigate(m.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("#login-form")),
		p.fill("#login-email", email),
		p.fill("#login-password", password),
		chromedp.Click(chromedp.CSS(`#login-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#new-cohort-form")),
	)
}

// TestBrowserCoFacilitators walks an invitation from the cohort page: the
// owner invites by email, the invitee accepts it on their cohorts page, the
// owner removes them; another invitee declines.
func TestBrowserCoFacilitators(t *testing.T) {
	browser := newBrowser(t)
	shots := screenshotDir(t)
	m := startMain(t, t.TempDir())
	seed := seedCohort(t, m, "Tuesday circle", "Sam")
	for _, email := range []string{"ben@example.org", "cleo@example.org"} {
		if _, err := seed.fac.CreateAccount(context.Background(), email, strings.Split(email, "@")[0], "a long passphrase"); err != nil {
			t.Fatal(err)
		}
	}

	ana := newPerson(t, browser, "facilitator", 1280, 800)
	seed.logIn(ana)
	invite := func(email string) {
		t.Helper()
		ana.do("invite "+email,
			ana.fill("#facilitator-email", email),
			chromedp.Click(chromedp.CSS(`#add-facilitator-form button[type="submit"]`)),
		)
		ana.until(email+" is invited", fmt.Sprintf(`!!document.querySelector('#invited [data-invited-email=%q]') &&
			(document.querySelector("#add-facilitator-ok")?.textContent || "").includes(%q)`, email, email))
	}
	invite("ben@example.org")
	invite("nobody@example.org")
	ana.checkAxe("the cohort page with invitations")
	ana.screenshot(shots, "cofacilitators-owner")

	ben := newPerson(t, browser, "ben", 1280, 800)
	logInAs(ben, m, "ben@example.org", "a long passphrase")
	ben.until("the invitation shows", `(document.querySelector("#invitations")?.textContent || "").includes("Tuesday circle") &&
		document.querySelector("#invitations").textContent.includes("Ana invites you")`)
	ben.checkAxe("the cohorts page with an invitation")
	ben.do("accept", chromedp.Click(chromedp.CSS(`#invitations button[data-action="accept"]`)), chromedp.WaitVisible(chromedp.CSS("#facilitators")))
	ben.until("Ben can leave but not invite", `!!document.querySelector('#facilitators button[data-action="leave"]') &&
		document.querySelector("#add-facilitator-form").hidden`)

	ana.do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#facilitators")))
	ana.until("Ben is a facilitator", `(document.querySelector("#facilitators")?.textContent || "").includes("ben@example.org") &&
		!document.querySelector('#invited [data-invited-email="ben@example.org"]')`)
	ana.eval(`window.confirm = () => true; ""`)
	ana.do("remove Ben", chromedp.Click(chromedp.CSS(`#facilitators button[data-action="remove"]`)))
	ana.until("Ben is gone", `!(document.querySelector("#facilitators")?.textContent || "").includes("ben@example.org")`)
	ana.do("withdraw nobody's invitation", chromedp.Click(chromedp.CSS(`#invited button[data-action="withdraw"]`)))
	ana.until("no invitation left", `!document.querySelector('#invited [data-invited-email]')`)

	invite("cleo@example.org")
	cleo := newPerson(t, browser, "cleo", 390, 844)
	logInAs(cleo, m, "cleo@example.org", "a long passphrase")
	cleo.until("the invitation shows", `(document.querySelector("#invitations")?.textContent || "").includes("Tuesday circle")`)
	cleo.darkMode(true)
	cleo.checkAxe("an invitation on a phone in dark mode")
	cleo.screenshot(shots, "cofacilitators-invitation-dark")
	cleo.do("decline", chromedp.Click(chromedp.CSS(`#invitations button[data-action="decline"]`)))
	cleo.until("the invitation is gone", `!document.querySelector("#invitations-panel")`)
	cleo.do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#new-cohort-form")))
	if got := cleo.eval(`document.querySelector("#invitations-panel") ? "shown" : ""`); got != "" {
		t.Error("a declined invitation shows again after a reload")
	}
}

package main

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hearth/facilitator"
	"hearth/room"
)

// seeded is a cohort made straight in the back office, its participants'
// agreements accepted. The browser tests after TestBrowserCheckIn (which
// walks the setup in the browser) test the console and the phones, not the
// setup again.
type seeded struct {
	t      *testing.T
	m      *Main
	fac    *facilitator.Service
	acct   facilitator.Account
	cohort facilitator.Cohort
	links  []string // invite links, by participant
	tokens []string
	ids    []string // participant IDs
}

// seedCohort makes Ana's account ("a long passphrase") and a cohort with the
// named participants.
func seedCohort(t *testing.T, m *Main, cohortName string, names ...string) seeded {
	t.Helper()
	ctx := context.Background()
	s := seeded{t: t, m: m, fac: &facilitator.Service{Store: m.DB, InviteKey: m.inviteKeyForTests(t)}}
	var err error
	if s.acct, err = s.fac.CreateAccount(ctx, "ana@example.org", "Ana", "a long passphrase"); err != nil {
		t.Fatal(err)
	}
	agreements := "What is shared here stays here."
	if s.cohort, err = s.fac.CreateCohort(ctx, s.acct, facilitator.CohortInput{Name: &cohortName, Agreements: &agreements}); err != nil {
		t.Fatal(err)
	}
	for _, n := range names {
		p, err := s.fac.AddParticipant(ctx, s.acct, s.cohort.ID, n)
		if err != nil {
			t.Fatal(err)
		}
		token := s.fac.InviteToken(p)
		if _, _, err := s.fac.AcceptAgreements(ctx, token, s.cohort.AgreementsVersion); err != nil {
			t.Fatal(err)
		}
		s.links = append(s.links, m.URL+"/j#"+token)
		s.tokens = append(s.tokens, token)
		s.ids = append(s.ids, p.ID)
	}
	return s
}

// plan plans a session starting at startsAt, with items as its agenda (none
// when nil).
func (s seeded) plan(title string, startsAt time.Time, items ...room.Item) facilitator.Session {
	s.t.Helper()
	ctx := context.Background()
	ss, err := s.m.Sessions.Plan(ctx, s.acct, s.cohort.ID, title, startsAt)
	if err != nil {
		s.t.Fatal(err)
	}
	if items == nil {
		return ss
	}
	if ss, err = s.m.Sessions.SetAgenda(ctx, s.acct, ss.ID, items); err != nil {
		s.t.Fatal(err)
	}
	return ss
}

// logIn logs Ana in and opens the cohort's page.
func (s seeded) logIn(ana *person) {
	ana.t.Helper()
	ana.do("log in and open the cohort",
		chromedp.Navigate(s.m.URL+"/"),
		chromedp.WaitVisible(chromedp.CSS("#login-form")),
		ana.fill("#login-email", "ana@example.org"),
		ana.fill("#login-password", "a long passphrase"),
		chromedp.Click(chromedp.CSS(`#login-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#new-cohort-form")),
		chromedp.Navigate(s.m.URL+"/#/cohort/"+s.cohort.ID),
		chromedp.WaitVisible(chromedp.CSS("#session-form")),
	)
}

// open opens the session's room from the cohort's page.
func (s seeded) open(ana *person, ss facilitator.Session) {
	ana.t.Helper()
	button := fmt.Sprintf(`[data-session-id=%q] button[data-action="open"]`, ss.ID)
	ana.do("open "+ss.Title,
		chromedp.WaitVisible(chromedp.CSS(button)),
		chromedp.Click(chromedp.CSS(button)),
		chromedp.WaitVisible(chromedp.CSS("#agenda")),
	)
}

// phones opens each participant's link on a phone-sized window and waits for
// the room.
func (s seeded) phones(browser context.Context, names ...string) []*person {
	s.t.Helper()
	people := make([]*person, len(names))
	for i, n := range names {
		people[i] = newPerson(s.t, browser, n, 390, 844)
		people[i].do("join", chromedp.Navigate(s.links[i]), chromedp.WaitVisible(chromedp.CSS("#room")))
	}
	return people
}

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hearth/facilitator"
)

// TestBrowserErase walks deletion on the console: the cohort's retention
// with its date and warning, a participant erased after a dialog that says
// what goes, a session and then the cohort deleted, each asked first; the
// participant's journey offered as a file; and Ana deleting her own account
// after a dialog naming the cohort that goes with it.
func TestBrowserErase(t *testing.T) {
	browser := newBrowser(t)
	shots := screenshotDir(t)
	m := startMain(t, t.TempDir())
	ctx := context.Background()
	seed := seedCohort(t, m, "Tuesday circle", "Sam", "Kim")
	week := seed.plan("Week 1", time.Now().Add(-48*time.Hour))
	if _, err := seed.fac.AddNote(ctx, seed.acct, seed.cohort.ID, facilitator.NoteAbout{ParticipantID: seed.ids[0]}, "A note about Sam only"); err != nil {
		t.Fatal(err)
	}

	kim := newPerson(t, browser, "kim", 390, 844)
	kim.do("open her journey", chromedp.Navigate(seed.links[1]+"/journey"), chromedp.WaitVisible(chromedp.CSS("#journey-download")))
	// The page offers the journey it holds as a file (no token in any URL),
	// and it is what the API's own file holds.
	href := kim.eval(`document.querySelector("#journey-download").href`)
	if strings.Contains(href, seed.tokens[1]) || !strings.HasPrefix(href, "data:application/json;charset=utf-8,") {
		t.Fatalf("the journey's download link: %.80q…, want a data: link without the token", href)
	}
	if name := kim.eval(`document.querySelector("#journey-download").getAttribute("download")`); !strings.HasSuffix(name, ".json") || !strings.Contains(name, "my-journey") {
		t.Errorf("the journey's file name: %q", name)
	}
	fromPage, err := url.PathUnescape(strings.TrimPrefix(href, "data:application/json;charset=utf-8,"))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("GET", m.URL+"/api/p/history.json", nil)
	req.Header.Set("Authorization", "Invite "+seed.tokens[1])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	fromAPI, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment") {
		t.Errorf("the journey's file from the API: %d %q", resp.StatusCode, resp.Header.Get("Content-Disposition"))
	}
	var a, b any
	if json.Unmarshal([]byte(fromPage), &a) != nil || json.Unmarshal(fromAPI, &b) != nil || !reflect.DeepEqual(a, b) {
		t.Errorf("the page's journey file differs from the API's:\n%s\n%s", fromPage, fromAPI)
	}
	kim.checkAxe("the journey with its download")

	ana := newPerson(t, browser, "facilitator", 1280, 900)
	seed.logIn(ana)
	ana.do("see the keeping and deleting panel", chromedp.WaitVisible(chromedp.CSS("#erase-panel")))
	ana.until("kept until deleted", `document.querySelector("#retention-date").textContent.includes("Kept until you delete it")`)
	ana.eval(`const mode = document.querySelector("#retention-mode"); mode.value = "days"; mode.dispatchEvent(new Event("change")); ""`)
	ana.do("keep it 7 days after the last session",
		ana.fill("#retention-days", "7"),
		chromedp.Click(chromedp.CSS(`#retention-form button[type="submit"]`)),
	)
	ana.until("the date is told, with a warning within the week", `document.querySelector("#retention-date").textContent.includes("This cohort will be deleted on") &&
		document.querySelector("#retention-date").textContent.includes("(7 days after its last session)") &&
		!document.querySelector("#retention-warning").hidden`)
	ana.checkAxe("the cohort page with its retention warning")
	ana.screenshot(shots, "erase-cohort-page")
	if c, err := m.DB.Cohort(ctx, seed.cohort.ID); err != nil || c.RetentionDays != 7 {
		t.Errorf("the stored retention: %d, %v", c.RetentionDays, err)
	}

	// Erase Sam: the dialog offers leaving or erasing, and erasing waits
	// for "I understand".
	sam := fmt.Sprintf(`#participants li[data-participant-id=%q] button[data-action="remove"]`, seed.ids[0])
	ana.do("remove Sam", chromedp.Click(chromedp.CSS(sam)), chromedp.WaitVisible(chromedp.CSS("#remove-participant")))
	ana.checkAxe("the remove dialog")
	ana.do("choose to erase", chromedp.Click(chromedp.CSS("#remove-participant-choice-1")))
	ana.until("erasing waits for I understand", `document.querySelector("#remove-participant-confirm").disabled &&
		document.querySelector("#remove-participant-text").textContent.length > 0`)
	ana.do("confirm", chromedp.Click(chromedp.CSS("#remove-participant-understood")), chromedp.Click(chromedp.CSS("#remove-participant-confirm")))
	ana.until("Sam is gone", `!document.querySelector("#participants").textContent.includes("Sam")`)
	notes, err := m.DB.CohortNotes(ctx, seed.cohort.ID)
	if err != nil || len(notes) != 0 {
		t.Errorf("notes after erasing Sam: %v, %v; want none", notes, err)
	}
	if _, err := m.DB.Participant(ctx, seed.ids[0]); !errors.Is(err, facilitator.ErrNotFound) {
		t.Errorf("Sam after erasure: %v", err)
	}

	// Delete the session, then the cohort.
	ana.do("delete the session", chromedp.Click(chromedp.CSS(`button[data-action="delete-session"]`)), chromedp.WaitVisible(chromedp.CSS("#delete-session")))
	ana.checkAxe("the delete-session dialog")
	ana.do("confirm", chromedp.Click(chromedp.CSS("#delete-session-understood")), chromedp.Click(chromedp.CSS("#delete-session-confirm")))
	ana.until("the session is gone", `!document.querySelector('button[data-action="delete-session"]')`)
	if _, err := m.DB.Session(ctx, week.ID); !errors.Is(err, facilitator.ErrNotFound) {
		t.Errorf("the session after delete: %v", err)
	}
	ana.do("delete the cohort", chromedp.Click(chromedp.CSS("#delete-cohort")), chromedp.WaitVisible(chromedp.CSS("#delete-cohort-dialog")))
	ana.until("the dialog names what goes", `document.querySelector("#delete-cohort-dialog").textContent.includes("Tuesday circle") &&
		document.querySelector("#delete-cohort-dialog").textContent.includes("for good")`)
	ana.do("cancel", chromedp.Click(chromedp.CSS("#delete-cohort-dialog-cancel")))
	if _, err := m.DB.Cohort(ctx, seed.cohort.ID); err != nil {
		t.Fatalf("cancelling deleted the cohort: %v", err)
	}
	ana.do("delete the cohort again", chromedp.Click(chromedp.CSS("#delete-cohort")), chromedp.WaitVisible(chromedp.CSS("#delete-cohort-dialog")),
		chromedp.Click(chromedp.CSS("#delete-cohort-dialog-understood")), chromedp.Click(chromedp.CSS("#delete-cohort-dialog-confirm")),
		chromedp.WaitVisible(chromedp.CSS("#new-cohort-form")))
	if _, err := m.DB.Cohort(ctx, seed.cohort.ID); !errors.Is(err, facilitator.ErrNotFound) {
		t.Errorf("the cohort after delete: %v", err)
	}

	// Her own account, with a cohort nobody else facilitates.
	other := "Thursday circle"
	if _, err := seed.fac.CreateCohort(ctx, seed.acct, facilitator.CohortInput{Name: &other}); err != nil {
		t.Fatal(err)
	}
	shared := "Shared circle"
	sc, err := seed.fac.CreateCohort(ctx, seed.acct, facilitator.CohortInput{Name: &shared})
	if err != nil {
		t.Fatal(err)
	}
	ben, err := seed.fac.CreateAccount(ctx, "ben@example.org", "Ben", "a long passphrase")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.DB.UpdateCohort(ctx, sc.ID, func(c *facilitator.Cohort) error {
		c.Facilitators = append(c.Facilitators, ben.ID)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	ana.do("open the account page", chromedp.Navigate(m.URL+"/#/account"), chromedp.WaitVisible(chromedp.CSS("#delete-account")))
	ana.do("delete the account", chromedp.Click(chromedp.CSS("#delete-account")), chromedp.WaitVisible(chromedp.CSS("#delete-account-dialog")))
	ana.until("the dialog names the cohort that goes and the one passed on", `document.querySelector("#delete-account-dialog").textContent.includes("Thursday circle") &&
		document.querySelector("#delete-account-dialog").textContent.includes("Shared circle → Ben")`)
	ana.checkAxe("the delete-account dialog")
	ana.screenshot(shots, "erase-account-dialog")
	ana.do("confirm with the password", ana.fill("#delete-account-password", "a long passphrase"),
		chromedp.Click(chromedp.CSS("#delete-account-dialog-understood")), chromedp.Click(chromedp.CSS("#delete-account-dialog-confirm")))
	ana.until("logged out, told why", `!!document.querySelector("#login-form") && document.body.textContent.includes("Your account was deleted")`)
	if _, err := m.DB.AccountByEmail(ctx, "ana@example.org"); !errors.Is(err, facilitator.ErrNotFound) {
		t.Errorf("the account after delete: %v", err)
	}
	if c, err := m.DB.Cohort(ctx, sc.ID); err != nil || c.OwnerID() != ben.ID {
		t.Errorf("the shared cohort after Ana's deletion: %+v, %v; want Ben its owner", c, err)
	}
	ana.checkAxe("the login after deleting the account")
}

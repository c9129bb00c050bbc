package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hearth/room"
)

// TestBrowserCohortCare saves the cohort's care settings from its page
// (closing words, support lines, admission on arrival): "Saved", kept across
// a reload, and a clear error for a text that is too long.
func TestBrowserCohortCare(t *testing.T) {
	browser := newBrowser(t)
	shots := screenshotDir(t)
	m := startMain(t, t.TempDir())
	seed := seedCohort(t, m, "Tuesday circle", "Sam", "Kim")
	seed.plan("Week 2", time.Now().Add(time.Hour))

	ana := newPerson(t, browser, "facilitator", 1280, 800)
	seed.logIn(ana)
	ana.do("write the care settings",
		chromedp.WaitVisible(chromedp.CSS("#cohort-care-form")),
		ana.fill("#care-closing", "Rest tonight. Call me on 0123 if you need to talk."),
		ana.fill("#care-crisis", "Crisis line: 116 123, day and night."),
		chromedp.Click(chromedp.CSS("#care-admit")),
		chromedp.Click(chromedp.CSS("#care-save")),
	)
	ana.until("saved", `(document.querySelector("#care-ok")?.textContent || "") === "Saved."`)
	if got := ana.eval(`document.querySelector("#care-error").textContent`); got != "" {
		t.Errorf("an error beside a save: %q", got)
	}
	ana.checkAxe("the cohort page with its care settings")

	ana.do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#cohort-care-form")))
	ana.until("the settings are back", `document.querySelector("#care-closing").value.startsWith("Rest tonight") &&
		document.querySelector("#care-crisis").value === "Crisis line: 116 123, day and night." &&
		document.querySelector("#care-admit").checked`)

	// Only what changed is sent: unticking the door and saving keeps the texts.
	ana.do("untick admission", chromedp.Click(chromedp.CSS("#care-admit")), chromedp.Click(chromedp.CSS("#care-save")))
	ana.until("saved again", `(document.querySelector("#care-ok")?.textContent || "") === "Saved."`)
	ana.do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#cohort-care-form")))
	ana.until("the door is off, the texts kept", `!document.querySelector("#care-admit").checked &&
		document.querySelector("#care-crisis").value.startsWith("Crisis line")`)

	// A text past the limit (a script can set one past maxlength) is refused
	// on the page with a reason, and nothing is sent.
	ana.eval(`document.querySelector("#care-closing").value = "x".repeat(2001); ""`)
	ana.do("save too much", chromedp.Click(chromedp.CSS("#care-save")))
	ana.until("a clear error", `(document.querySelector("#care-error")?.textContent || "").includes("at most 2,000 characters")`)
	if got := ana.eval(`document.querySelector("#care-ok").textContent`); got != "" {
		t.Errorf("%q beside a refused save", got)
	}
	ana.do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#cohort-care-form")))
	ana.until("the old closing words", `document.querySelector("#care-closing").value.startsWith("Rest tonight")`)

	ana.screenshot(shots, "cohort-care-light")
	ana.darkMode(true)
	ana.screenshot(shots, "cohort-care-dark")
	ana.checkAxe("the cohort page in dark mode")
}

// TestBrowserCohortWaiting shows, before the room opens, who opened their
// link and waits, on the next session's row; and who no longer waits.
func TestBrowserCohortWaiting(t *testing.T) {
	browser := newBrowser(t)
	m := startMain(t, t.TempDir())
	seed := seedCohort(t, m, "Tuesday circle", "Sam", "Kim")
	week2 := seed.plan("Week 2", time.Now().Add(time.Hour))
	seed.plan("Week 3", time.Now().Add(8*24*time.Hour))

	ana := newPerson(t, browser, "facilitator", 1280, 800)
	seed.logIn(ana)
	row := fmt.Sprintf(`document.querySelector('[data-session-id=%q]')`, week2.ID)
	ana.until("the waiting list on the next session", row+`?.querySelector("#waiting") && (document.querySelector("#waiting-status")?.textContent || "").includes("Nobody is waiting")`)

	sam := newPerson(t, browser, "Sam", 390, 844)
	sam.do("open the link early", chromedp.Navigate(seed.links[0]), chromedp.WaitVisible(chromedp.CSS("#waiting")))
	ana.until("Sam waits", fmt.Sprintf(`document.querySelector('#waiting-list li[data-participant-id=%q]')?.textContent.includes("Sam")`, seed.ids[0]))
	if got := ana.eval(`document.querySelector("#waiting-list").textContent`); strings.Contains(got, "Kim") {
		t.Errorf("Kim shown waiting without opening her link: %q", got)
	}
	ana.checkAxe("the cohort page with someone waiting")

	sam.do("close the page", chromedp.Navigate("about:blank"))
	ana.until("nobody waits", `document.querySelectorAll("#waiting-list li").length === 0`)
}

// TestBrowserOpenUnsavedAgenda opens rooms whose agenda is not saved: the
// page asks first. "Cancel" opens nothing; "Open without these changes"
// opens the saved agenda and forgets the draft; a template chosen but not
// used, then "save and open", opens a room with the template's items. The
// cohort page then shows the live agenda and how far it is.
func TestBrowserOpenUnsavedAgenda(t *testing.T) {
	browser := newBrowser(t)
	shots := screenshotDir(t)
	m := startMain(t, t.TempDir())
	ctx := context.Background()
	seed := seedCohort(t, m, "Tuesday circle", "Sam")
	week1 := seed.plan("Week 1", time.Now().Add(time.Hour),
		room.NewItem("", room.CheckInSettings{Prompt: "How are you arriving?", Visibility: room.VisibleToGroup}))
	week2 := seed.plan("Week 2", time.Now().Add(8*24*time.Hour))

	ana := newPerson(t, browser, "facilitator", 1280, 800)
	seed.logIn(ana)

	// Week 1: edits not saved.
	ana.do("add a check-out without saving",
		chromedp.WaitVisible(chromedp.CSS("#agenda-editor")),
		chromedp.SetValue(chromedp.CSS("#agenda-add-kind"), "checkout"),
		chromedp.Click(chromedp.CSS(`#agenda-add-form button[type="submit"]`)),
	)
	ana.until("two items, unsaved", `document.querySelectorAll("#agenda-items li[data-item-id]").length === 2 && document.querySelector("#agenda-editor").dataset.dirty === "true"`)
	open1 := fmt.Sprintf(`[data-session-id=%q] button[data-action="open"]`, week1.ID)
	ana.do("open the room", chromedp.Click(chromedp.CSS(open1)), chromedp.WaitVisible(chromedp.CSS("#open-unsaved")))
	ana.until("it says what is not saved", `document.querySelector("#open-unsaved-items").textContent.includes("Check-out") && document.querySelector("#open-saved-items").textContent.includes("1 activity")`)
	ana.screenshot(shots, "cohort-open-unsaved-light")
	ana.checkAxe("the question before opening")
	ana.darkMode(true)
	ana.screenshot(shots, "cohort-open-unsaved-dark")
	ana.checkAxe("the question before opening, dark")
	ana.darkMode(false)
	ana.do("cancel", chromedp.Click(chromedp.CSS("#open-cancel")))
	ana.until("the question is gone", `!document.querySelector("#open-unsaved")`)
	if ss, _, err := seed.fac.Session(ctx, seed.acct, week1.ID); err != nil || ss.Status != "planned" {
		t.Fatalf("after cancel: %+v (%v), want planned", ss.Status, err)
	}
	if got := ana.eval(`document.querySelector("#agenda-editor").dataset.dirty`); got != "true" {
		t.Errorf("cancel lost the changes: dirty %q", got)
	}
	ana.do("open without the changes",
		chromedp.Click(chromedp.CSS(open1)), chromedp.WaitVisible(chromedp.CSS("#open-anyway")),
		chromedp.Click(chromedp.CSS("#open-anyway")), chromedp.WaitVisible(chromedp.CSS("#agenda")))
	ana.until("the room has the saved agenda", `document.querySelectorAll("#agenda li[data-item-id]").length === 1`)
	if got := ana.eval(`String(Object.keys(localStorage).filter(k => k.startsWith("hearth.agendaDraft.") && JSON.parse(localStorage[k]).items.length === 2).length)`); got != "0" {
		t.Errorf("%s drafts of the changes left behind", got)
	}

	// The cohort page shows the live agenda, read-only, and follows it.
	ana.do("start the check-in", chromedp.Click(chromedp.CSS("#agenda-next")))
	ana.do("back to the cohort", chromedp.Navigate(m.URL+"/#/cohort/"+seed.cohort.ID), chromedp.WaitVisible(chromedp.CSS("#live-agenda")))
	ana.until("the check-in runs", `document.querySelectorAll("#live-agenda li").length === 1 &&
		document.querySelector('#live-agenda li[data-status="running"]')?.textContent.includes("Running now")`)
	live := fmt.Sprintf(`document.querySelector('[data-session-id=%q]')`, week1.ID)
	if got := ana.eval(live + `.querySelectorAll('#live-agenda button, #live-agenda input').length + " " + String(Boolean(` + live + `.querySelector('button[data-action="enter"]')))`); got != "0 true" {
		t.Errorf("the live agenda: %q, want no controls, beside the room's button", got)
	}
	ana.screenshot(shots, "cohort-live-agenda-light")
	ana.checkAxe("the cohort page with a live session")
	ana.darkMode(true)
	ana.screenshot(shots, "cohort-live-agenda-dark")
	ana.darkMode(false)
	if _, err := m.Sessions.Close(ctx, seed.acct, week1.ID); err != nil {
		t.Fatal(err)
	}

	// Week 2: a template chosen, not used.
	ana.do("reload", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("#agenda-editor")))
	ana.until("week 2's editor", fmt.Sprintf(`document.querySelector("#agenda-editor").dataset.sessionId === %q`, week2.ID))
	ana.until("templates", `Boolean(document.querySelector('#template-select option[value="builtin-integration"]'))`)
	ana.do("choose a template", chromedp.SetValue(chromedp.CSS("#template-select"), "builtin-integration"))
	ana.eval(`document.querySelector("#template-select").dispatchEvent(new Event("change", {bubbles: true})); ""`)
	open2 := fmt.Sprintf(`[data-session-id=%q] button[data-action="open"]`, week2.ID)
	ana.do("open the room", chromedp.Click(chromedp.CSS(open2)), chromedp.WaitVisible(chromedp.CSS("#open-unsaved")))
	ana.until("it names the template", `document.querySelector("#open-unsaved").textContent.includes("Integration circle")`)
	ana.do("save and open", chromedp.Click(chromedp.CSS("#open-save")), chromedp.WaitVisible(chromedp.CSS("#agenda")))
	ana.until("the room has the template's five items", `document.querySelectorAll("#agenda li[data-item-id]").length === 5`)
	ss, _, err := seed.fac.Session(ctx, seed.acct, week2.ID)
	var items []struct {
		Kind string `json:"kind"`
	}
	if err == nil {
		err = json.Unmarshal(ss.Agenda, &items)
	}
	if err != nil || ss.Status != "live" || len(items) != 5 || items[0].Kind != "checkin" {
		t.Fatalf("week 2: %s with %+v (%v), want live with the template's 5 items", ss.Status, items, err)
	}

	// Item 7: a live item's actions stay on one line at 1280 px (the live
	// agenda is compact until "Change the agenda" shows them).
	ana.until("pending items", `document.querySelectorAll('#agenda li[data-status="pending"] .item-actions').length === 5`)
	ana.do("change the agenda", chromedp.Click(chromedp.CSS("#agenda-change")))
	ana.screenshot(shots, "room-agenda-light")
	lines := ana.eval(`[...document.querySelectorAll('#agenda li .item-actions')].map(a => new Set([...a.querySelectorAll("button")].filter(b => b.offsetParent !== null).map(b => b.getBoundingClientRect().top)).size).join(",")`)
	if strings.Trim(strings.ReplaceAll(lines, "1", ""), ",") != "" {
		t.Errorf("lines of actions per live item: %s, want 1 each", lines)
	}
	if got := ana.eval(`document.querySelector('#agenda li button[data-action="remove"]').textContent`); !strings.HasPrefix(got, "Remove ") {
		t.Errorf("the remove button's name: %q", got)
	}
	ana.screenshot(shots, "room-agenda-light")
}

// TestBrowserAgendaChoicesReadWhole: in the agenda editor at 1280 px, every
// choice of every select (who sees the check-in, the breathing pacer, …)
// fits its box, whole.
func TestBrowserAgendaChoicesReadWhole(t *testing.T) {
	browser := newBrowser(t)
	m := startMain(t, t.TempDir())
	seed := seedCohort(t, m, "Tuesday circle", "Sam")
	seed.plan("Week 1", time.Now().Add(time.Hour))

	ana := newPerson(t, browser, "facilitator", 1280, 800)
	seed.logIn(ana)
	ana.do("apply a template and edit its check-in",
		chromedp.WaitVisible(chromedp.CSS("#agenda-editor")),
		chromedp.SetValue(chromedp.CSS("#template-select"), "builtin-integration"),
		chromedp.Click(chromedp.CSS("#template-apply")),
		chromedp.WaitVisible(chromedp.CSS(`#agenda-items li[data-kind="checkin"] button[data-action="edit"]`)),
		chromedp.Click(chromedp.CSS(`#agenda-items li[data-kind="checkin"] button[data-action="edit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#agenda-edit-visibility")),
	)
	// Each kind's fields in the add form, one after the other.
	cut := ana.eval(`(() => {
		const ctx = document.createElement("canvas").getContext("2d");
		const out = [];
		const check = () => {
			for (const sel of document.querySelectorAll("#agenda-editor select")) {
				if (!sel.offsetParent) continue;
				const cs = getComputedStyle(sel);
				ctx.font = cs.font;
				const room = sel.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight) - 20;
				for (const o of sel.options) {
					if (ctx.measureText(o.text).width > room) out.push(sel.id + ": " + o.text);
				}
			}
		};
		const kind = document.querySelector("#agenda-add-kind");
		for (const o of kind.options) {
			kind.value = o.value;
			kind.dispatchEvent(new Event("change", {bubbles: true}));
			check();
		}
		return [...new Set(out)].join("; ");
	})()`)
	if cut != "" {
		t.Errorf("choices cut short at 1280 px: %s", cut)
	}
}

// TestBrowserSetupLinkUsed: a setup link opened once an account exists says
// so at once, over the login form, and shows no setup form.
func TestBrowserSetupLinkUsed(t *testing.T) {
	browser := newBrowser(t)
	m := startMain(t, t.TempDir())
	token := m.SetupToken
	seedCohort(t, m, "Tuesday circle")

	ana := newPerson(t, browser, "facilitator", 1280, 800)
	ana.do("open the used setup link", chromedp.Navigate(m.URL+"/setup/"+token), chromedp.WaitVisible(chromedp.CSS("#login-form")))
	if got := ana.eval(`document.querySelector("#app").textContent`); !strings.Contains(got, "This setup link has been used. Log in instead.") {
		t.Errorf("the page says %q", got)
	}
	if got := ana.eval(`String(Boolean(document.querySelector("#setup-form")))`); got != "false" {
		t.Error("the setup form is shown for a used link")
	}
	ana.checkAxe("the login after a used setup link")
}

// TestBrowserSetupLinkWrong: a setup link with a token the server did not
// make says so at once, with no form to fill in vain; the right one shows
// the form.
func TestBrowserSetupLinkWrong(t *testing.T) {
	browser := newBrowser(t)
	m := startMain(t, t.TempDir())

	ana := newPerson(t, browser, "facilitator", 1280, 800)
	ana.do("open a wrong setup link", chromedp.Navigate(m.URL+"/setup/not-the-token"), chromedp.WaitVisible(chromedp.CSS("#app h1")))
	ana.until("it says the link is not valid", `document.querySelector("#app h1").textContent === "This setup link is not valid"`)
	if got := ana.eval(`String(Boolean(document.querySelector("#setup-form, #login-form")))`); got != "false" {
		t.Error("a form is shown for a wrong setup link")
	}
	ana.checkAxe("a wrong setup link")
	ana.do("open the right one", chromedp.Navigate(m.URL+"/setup/"+m.SetupToken), chromedp.WaitVisible(chromedp.CSS("#setup-form")))
}

// TestBrowserLoopbackWarning: when invite links point at this machine only
// (the tests serve on 127.0.0.1), the cohort page says so where the links
// are, with what to do.
func TestBrowserLoopbackWarning(t *testing.T) {
	browser := newBrowser(t)
	m := startMain(t, t.TempDir())
	seed := seedCohort(t, m, "Tuesday circle", "Sam")

	ana := newPerson(t, browser, "facilitator", 1280, 800)
	seed.logIn(ana)
	ana.until("the warning", `Boolean(document.querySelector("#participants-heading").parentElement.querySelector("#loopback-warning"))`)
	text := ana.eval(`document.querySelector("#loopback-warning").textContent`)
	for _, want := range []string{"Invite links point at " + m.URL + ", which phones cannot open.", "--public-url", "README"} {
		if !strings.Contains(text, want) {
			t.Errorf("the warning %q does not say %q", text, want)
		}
	}
	ana.checkAxe("the cohort page with the loopback warning")
}

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

// TestBrowserIntentions runs two sessions of one cohort with two
// participants on phones. In Week 1 both write an intention and Sam keeps a
// step; the facilitator reveals. In Week 2, planned in the console's agenda
// editor with a named reveal, Sam finds the Week 1 intention and step,
// reflects ("lived it"), writes a new intention and turns the old one into a
// new step; Kim is still typing when the facilitator reveals and shares
// after it; the facilitator follows both journeys. When the facilitator
// moves on, what Kim was still writing stays on Kim's phone, and comes back
// when intentions are written again.
func TestBrowserIntentions(t *testing.T) {
	browser := newBrowser(t)
	shots := screenshotDir(t)
	m := startMain(t, t.TempDir())

	names := []string{"Sam", "Kim"}
	seed := seedCohort(t, m, "Tuesday circle", names...)
	links, tokens := seed.links, seed.tokens
	week1 := seed.plan("Week 1", time.Now().Add(time.Hour),
		room.NewItem("", room.IntentionsSettings{Prompt: "What would you like to carry into the coming week?", Reveal: room.RevealAnonymous, Commitment: true}))

	ana := newPerson(t, browser, "facilitator", 1280, 900)
	seed.logIn(ana)
	seed.open(ana, week1)
	people := seed.phones(browser, names...)
	sam, kim := people[0], people[1]
	ana.until("both present", `document.querySelectorAll('#members li[data-presence="present"]').length >= 3`)

	// Week 1.
	ana.do("start the intentions", chromedp.Click(chromedp.CSS("#agenda-next")), chromedp.WaitVisible(chromedp.CSS("#intentions-reveal")))
	week1Texts := []string{"To slow down when I eat", "To say no more often"}
	for i, p := range people {
		p.do("write", p.fill("#intention-text", week1Texts[i]),
			chromedp.Click(chromedp.CSS("#intention-submit")))
		p.until("set", `(document.querySelector("#intention-status")?.textContent || "").includes("set")`)
	}
	sam.do("keep a step", sam.fill("#intention-step", "Call my sister on Sunday"), chromedp.Click(chromedp.CSS("#intention-step-submit")))
	sam.until("step kept", `(document.querySelector("#intention-step-status")?.textContent || "").includes("kept")`)
	ana.until("both intentions", `document.querySelectorAll("#intentions-list li").length === 2`)
	ana.do("reveal", chromedp.Click(chromedp.CSS("#intentions-reveal")))
	for _, p := range people {
		p.until("both shown", `document.querySelectorAll("#intentions-shown li").length === 2`)
	}
	if text := kim.eval(`document.querySelector("#intentions-shown").textContent`); containsAny(text, names...) || !containsAny(text, week1Texts[0]) {
		t.Errorf("an anonymous reveal names someone: %q", text)
	}
	if text := kim.eval(`document.body.innerText`); strings.Contains(text, "Call my sister") {
		t.Error("Kim's page shows Sam's step")
	}
	// After an anonymous reveal a lone change waits for another, and its
	// writer is told so; the second change shows both.
	sam.do("change after the reveal", sam.fill("#intention-text", "To slow down when I eat, and when I talk"),
		chromedp.Click(chromedp.CSS("#intention-submit")))
	sam.until("told it is kept", `!document.querySelector("#intentions-note").hidden && document.querySelector("#intentions-note").textContent.includes("kept")`)
	if text := kim.eval(`document.querySelector("#intentions-shown").textContent`); strings.Contains(text, "when I talk") {
		t.Errorf("a lone change after an anonymous reveal is shown at once: %q", text)
	}
	kim.do("change after the reveal", kim.fill("#intention-text", "To say no more often, kindly"),
		chromedp.Click(chromedp.CSS("#intention-submit")))
	for _, p := range people {
		p.until("both changes shown", `["when I talk", "kindly"].every((w) => document.querySelector("#intentions-shown").textContent.includes(w))`)
	}
	sam.until("no longer kept", `document.querySelector("#intentions-note").hidden`)
	ana.eval(`window.confirm = () => true; ""`)
	ana.do("close Week 1", chromedp.Click(chromedp.CSS("#close-session")))
	for _, p := range people {
		p.until("the session ended", `!document.querySelector("#final-message").hidden`)
	}

	// Week 2, planned in the console: an intentions item with names.
	week2 := seed.plan("Week 2", time.Now().Add(2*time.Hour))
	ana.do("plan Week 2",
		chromedp.Navigate(m.URL+"/#/cohort/"+seed.cohort.ID),
		chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`[data-session-id=%q]`, week2.ID))),
	)
	ana.eval(fmt.Sprintf(`(() => {
		if (!document.querySelector('#agenda-editor[data-session-id=%q]')) document.querySelector('[data-session-id=%q] button[data-action="agenda"]').click();
		return "";
	})()`, week2.ID, week2.ID))
	ana.do("the editor", chromedp.WaitVisible(chromedp.CSS(fmt.Sprintf(`#agenda-editor[data-session-id=%q]`, week2.ID))))
	ana.eval(`(() => {
		const kind = document.querySelector("#agenda-add-kind");
		kind.value = "intentions";
		kind.dispatchEvent(new Event("change", { bubbles: true }));
		const reveal = document.querySelector("#agenda-add-reveal");
		reveal.value = "named";
		reveal.dispatchEvent(new Event("change", { bubbles: true }));
		return "";
	})()`)
	ana.do("add and save",
		chromedp.WaitVisible(chromedp.CSS("#agenda-add-intentions-prompt")),
		chromedp.Click(chromedp.CSS(`#agenda-add-form button[type="submit"]`)),
	)
	ana.until("one item", `document.querySelectorAll("#agenda-editor li[data-item-id]").length === 1`)
	ana.screenshot(shots, "facilitator-intentions-planned")
	ana.do("save", chromedp.Click(chromedp.CSS("#agenda-save")))
	ana.until("saved", `(document.querySelector("#agenda-save-status")?.textContent || "").toLowerCase().includes("saved")`)
	stored, err := m.DB.Session(context.Background(), week2.ID)
	if err != nil || !strings.Contains(string(stored.Agenda), `"reveal":"named"`) || !strings.Contains(string(stored.Agenda), `"commitment":true`) {
		t.Fatalf("stored agenda %s (%v), want intentions revealed with names, with a step", stored.Agenda, err)
	}
	ana.do("open Week 2",
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`[data-session-id=%q] button[data-action="open"]`, week2.ID))),
		chromedp.WaitVisible(chromedp.CSS("#agenda")),
	)
	for i, p := range people {
		p.do("come back", chromedp.Navigate(links[i]), chromedp.WaitVisible(chromedp.CSS("#room")))
	}
	ana.until("both present again", `document.querySelectorAll('#members li[data-presence="present"]').length >= 3`)
	ana.do("start the intentions", chromedp.Click(chromedp.CSS("#agenda-next")), chromedp.WaitVisible(chromedp.CSS("#intentions-reveal")))

	// Sam: last week's step, last week's intention, a reflection, a new
	// intention and a new step for the old one.
	sam.until("Week 1's intention", `(document.querySelector("#intentions-past")?.textContent || "").includes("To slow down when I eat")`)
	sam.until("Week 1's step", `(document.querySelector("#intentions-last-steps")?.textContent || "").includes("Call my sister on Sunday")`)
	if text := sam.eval(`document.querySelector("#intentions").textContent`); strings.Contains(text, week1Texts[1]) {
		t.Errorf("Sam's view shows Kim's intention: %q", text)
	}
	sam.do("lived it", chromedp.Click(chromedp.CSS(`#intentions-past li[data-intention-id] input[value="lived"]`)))
	sam.until("kept", `(document.querySelector("#intentions-past .reflect-status")?.textContent || "").includes("Kept")`)
	sam.do("a new intention", sam.fill("#intention-text", "To rest before I am tired"), chromedp.Click(chromedp.CSS("#intention-submit")))
	sam.until("set", `(document.querySelector("#intention-status")?.textContent || "").includes("set")`)
	sam.eval(`(() => {
		const s = document.querySelector("#intention-step-for");
		s.value = s.options[1].value;
		s.dispatchEvent(new Event("change", { bubbles: true }));
		return "";
	})()`)
	sam.do("a step", sam.fill("#intention-step", "Walk to the river on Tuesday"), chromedp.Click(chromedp.CSS("#intention-step-submit")))
	sam.until("step kept", `(document.querySelector("#intention-step-status")?.textContent || "").includes("kept")`)
	sam.eval(`window.scrollTo(0, 0); ""`)
	sam.screenshot(shots, "participant-intentions-week2")
	sam.darkMode(true)
	sam.screenshot(shots, "participant-intentions-week2-dark")
	sam.darkMode(false)

	// Kim is still typing when the facilitator reveals.
	kim.do("type", kim.fill("#intention-text", "To ask for help"))
	ana.until("Sam's intention", `document.querySelectorAll("#intentions-list li").length === 1`)
	ana.do("reveal", chromedp.Click(chromedp.CSS("#intentions-reveal")))
	kim.until("the reveal", `document.querySelectorAll("#intentions-shown li").length === 1`)
	if got := kim.eval(`document.querySelector("#intention-text").value`); got != "To ask for help" {
		t.Errorf("Kim's words after the reveal: %q, want them untouched", got)
	}
	kim.do("share after the reveal", chromedp.Click(chromedp.CSS("#intention-submit")))
	for _, p := range people {
		p.until("both shown, with names", `(() => {
			const t = document.querySelector("#intentions-shown")?.textContent || "";
			return document.querySelectorAll("#intentions-shown li").length === 2 && t.includes("Sam") && t.includes("Kim");
		})()`)
	}
	if text := kim.eval(`document.body.innerText`); containsAny(text, "Walk to the river", "Call my sister", week1Texts[0]) {
		t.Errorf("Kim's page shows Sam's private words: %q", text)
	}
	sam.eval(`document.querySelector("#intentions-shown").scrollIntoView(); ""`)
	sam.screenshot(shots, "participant-intentions-revealed")
	sam.darkMode(true)
	sam.screenshot(shots, "participant-intentions-revealed-dark")
	sam.darkMode(false)

	ana.until("Sam's journey", `(() => {
		const li = document.querySelector('#journeys li[data-member-id] details');
		const t = li ? li.textContent : "";
		return t.includes("To slow down when I eat") && t.includes("Today: Lived it") && t.includes("Walk to the river on Tuesday") && t.includes("Call my sister on Sunday");
	})()`)
	ana.screenshot(shots, "facilitator-intentions-journeys")

	// Kim goes on writing; the facilitator moves on; the words stay.
	kim.do("type more", kim.fill("#intention-text", "To ask for help, and to accept it"))
	ana.do("finish", chromedp.Click(chromedp.CSS("#agenda-next")))
	kim.until("gathering", `!!document.querySelector("#gathering-heading")`)
	draft := kim.eval(fmt.Sprintf(`localStorage.getItem(%q) || ""`, "hearth.draft."+seed.ids[1]+".intention"))
	if !strings.Contains(draft, "To ask for help, and to accept it") {
		t.Errorf("Kim's draft after moving on: %q, want what Kim was writing", draft)
	}
	// The device keeps nothing under her link's secret.
	if keys := kim.eval(`Object.keys(localStorage).join(" ")`); strings.Contains(keys, tokens[1]) {
		t.Errorf("localStorage keys %q hold Kim's invite token", keys)
	}
	// Run again, the intentions bring Kim's unsent words back, marked as
	// not shared.
	ana.do("run the intentions again", chromedp.Click(chromedp.CSS(`#agenda li[data-item-id] button[data-action="start"]`)))
	kim.until("the words kept", `document.querySelector("#intention-text")?.value === "To ask for help, and to accept it" && !document.querySelector("#intention-kept").hidden`)
	kim.screenshot(shots, "participant-intentions-draft-kept")
	t.Logf("screenshots in %s", shots)
}

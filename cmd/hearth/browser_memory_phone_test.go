package main

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"hearth/facilitator"
	"hearth/room"
)

// TestBrowserMemoryOnAPhone reads a session's summary and the cohort's
// overview on a phone (390×844) and as a laptop at 200 % zoom (640 CSS
// pixels wide), light and dark: nothing wider than the screen, no words
// broken letter by letter. The sessions are run straight through the rooms:
// this test is about the pages, not the room.
func TestBrowserMemoryOnAPhone(t *testing.T) {
	browser := newBrowser(t)
	shots := screenshotDir(t)
	m := startMain(t, t.TempDir())

	names := []string{"Sam", "Kim", "Alexandrina Konstantinopoulou", "Lee"}
	seed := seedCohort(t, m, "Tuesday integration circle for the long winter", names...)
	agenda := []room.Item{
		room.NewItem("Arrival", room.CheckInSettings{Prompt: "How are you arriving today, after everything this week has asked of you?", Visibility: room.VisibleToGroup}),
		room.NewItem("", room.GroundingSettings{Seconds: 60, Breath: &room.Breath{In: 4, Hold: 4, Out: 4, Rest: 4}}),
		room.NewItem("", room.IntentionsSettings{Prompt: "What would you like to carry into the week?", Reveal: room.RevealNamed, Commitment: true}),
		room.NewItem("Sharing circle", room.CircleSettings{Prompt: "What has stayed with you?", Mode: room.RoundMode, Order: room.RosterOrder}),
		room.NewItem("", room.CheckOutSettings{Prompt: "One word for how you leave", ClosingCheck: true}),
	}
	var week1 facilitator.Session
	for i := range 6 {
		ss := seed.plan(fmt.Sprintf("Week %d of the circle", i+1), time.Now().Add(time.Duration(i-5)*7*24*time.Hour), agenda...)
		if i == 0 {
			week1 = ss
		}
		if i < 4 {
			seed.runQuietly(ss, i)
		}
	}

	for _, size := range []struct {
		name          string
		width, height int64
	}{{"phone", 390, 844}, {"zoom-200", 640, 450}} {
		ana := newPerson(t, browser, "facilitator on a "+size.name, size.width, size.height)
		seed.logIn(ana)
		ana.do("open the summary", chromedp.Navigate(m.URL+"/#/summary/"+week1.ID), chromedp.WaitVisible(chromedp.CSS("#summary-sections")))
		ana.until("Alexandrina's note", `document.querySelector("#summary-sections").textContent.includes("hold-my-breath")`)
		for _, dark := range []bool{false, true} {
			ana.darkMode(dark)
			ana.fitsTheScreen("the summary")
			ana.screenshot(shots, "memory-summary-"+size.name+map[bool]string{false: "", true: "-dark"}[dark])
		}
		ana.darkMode(false)
		ana.checkAxe("the summary on a " + size.name)

		ana.do("open the overview", chromedp.Navigate(m.URL+"/#/overview/"+seed.cohort.ID), chromedp.WaitVisible(chromedp.CSS("#attendance-grid")))
		ana.eval(`document.querySelectorAll("details").forEach(d => d.open = true); ""`)
		for _, dark := range []bool{false, true} {
			ana.darkMode(dark)
			ana.fitsTheScreen("the overview")
			ana.screenshot(shots, "memory-overview-"+size.name+map[bool]string{false: "", true: "-dark"}[dark])
		}
		ana.darkMode(false)
		ana.checkAxe("the overview on a " + size.name)
	}

	// Lee came to the first week during the grounding: his journey starts
	// there, without the check-in the others shared before he came.
	lee := newPerson(t, browser, "Lee", 390, 844)
	lee.do("open his journey", chromedp.Navigate(seed.links[3]+"/journey"),
		chromedp.WaitVisible(chromedp.CSS(`#journey-list > li[data-session-id="`+week1.ID+`"]`)))
	week := `document.querySelector('#journey-list > li[data-session-id="` + week1.ID + `"]')`
	if text := lee.eval(week + `.innerText`); strings.Contains(text, "Glad to be here") || strings.Contains(text, "How are you arriving") ||
		!strings.Contains(text, "A grounding pause together, for a moment (1 min were planned).") || !strings.Contains(text, "unexpectedly-grateful") {
		t.Errorf("Lee's first week, want it from the grounding on (its real length said) and no check-in: %q", text)
	}
	for _, dark := range []bool{false, true} {
		lee.darkMode(dark)
		lee.fitsTheScreen("the journey")
		lee.screenshot(shots, "memory-journey-late-phone"+map[bool]string{false: "", true: "-dark"}[dark])
	}
	lee.darkMode(false)
	lee.checkAxe("the journey on a phone")
	t.Logf("screenshots in %s", shots)
}

// fitsTheScreen fails the test when the page is wider than the window, or
// when a piece of text is squeezed so narrow that its words break letter by
// letter: a cell, a paragraph or a heading narrower than about four
// characters whose text does not fit on one line.
func (p *person) fitsTheScreen(screen string) {
	p.t.Helper()
	out := p.eval(`(() => {
		const root = document.documentElement;
		const found = { overflow: root.scrollWidth > innerWidth ? [root.scrollWidth + " > " + innerWidth] : [], squeezed: [] };
		for (const el of document.querySelectorAll("main *")) {
			const r = el.getBoundingClientRect();
			if (r.width === 0 && r.height === 0) continue;
			if (el.closest(".table-scroll")) continue;
			if (r.right > innerWidth + 1 && getComputedStyle(el).position !== "fixed") {
				found.overflow.push(el.tagName.toLowerCase() + (el.id ? "#" + el.id : "") + "." + [...el.classList].join(".") + " reaches " + Math.round(r.right) + " (" + el.textContent.trim().slice(0, 30) + ")");
			}
		}
		const range = document.createRange();
		for (const el of document.querySelectorAll("main td, main th, main p, main li, main h1, main h2, main h3, main h4, main summary, main .name")) {
			const text = el.textContent.trim();
			if (text.length < 2) continue;
			const r = el.getBoundingClientRect();
			if (r.width === 0) continue;
			const em = parseFloat(getComputedStyle(el).fontSize);
			if (r.width >= 48 && r.width >= 2.2 * em) continue;
			// Narrow: fine only while its text stays on one line.
			range.selectNodeContents(el);
			const lines = new Set([...range.getClientRects()].map((q) => Math.round(q.top)));
			if (lines.size > 1) found.squeezed.push(el.tagName.toLowerCase() + " " + Math.round(r.width) + "px: " + text.slice(0, 40));
		}
		return JSON.stringify(found);
	})()`)
	var found struct{ Overflow, Squeezed []string }
	if err := json.Unmarshal([]byte(out), &found); err != nil {
		p.t.Fatalf("%s: %s: %v", p.name, screen, err)
	}
	if len(found.Overflow) > 0 {
		p.t.Errorf("%s: %s is wider than the screen: %s", p.name, screen, strings.Join(found.Overflow, "; "))
	}
	if len(found.Squeezed) > 0 {
		p.t.Errorf("%s: %s breaks words letter by letter: %s", p.name, screen, strings.Join(found.Squeezed, "; "))
	}
}

// runQuietly runs the session's whole agenda in its room, with the
// cohort's first three participants joined straight to the room (no
// browser), and closes it. n varies who says what from week to week; in
// the first (n 0) the fourth participant arrives during the grounding.
func (s seeded) runQuietly(ss facilitator.Session, n int) {
	t := s.t
	t.Helper()
	ctx := context.Background()
	if _, _, err := s.m.Sessions.Open(ctx, s.acct, ss.ID); err != nil {
		t.Fatal(err)
	}
	r, ok := s.m.Rooms.Get(ss.ID)
	if !ok {
		t.Fatalf("%s: no live room", ss.Title)
	}
	var subs []*room.Subscription
	join := func(id string) {
		sub, err := r.Join(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		go func() { // a member that does not read would be dropped as slow
			for {
				select {
				case <-sub.Messages():
				case <-sub.Done():
					return
				}
			}
		}()
		subs = append(subs, sub)
	}
	for _, id := range append([]string{s.acct.ID}, s.ids[:3]...) {
		join(id)
	}
	t.Cleanup(func() {
		for _, sub := range subs {
			sub.Leave()
		}
	})
	act := func(who, typ string, data any) {
		t.Helper()
		b, _ := json.Marshal(data)
		if err := r.Act(ctx, who, room.Command{Type: typ, ID: fmt.Sprintf("%s-%d-%s", typ, time.Now().UnixNano(), who), Data: b}); err != nil {
			t.Fatalf("%s: %s by %s: %v", ss.Title, typ, who, err)
		}
	}
	states := []string{"hypo", "within", "hyper"}
	fac := s.acct.ID
	act(fac, room.TypeAgendaNext, struct{}{})
	for i, id := range s.ids[:3] {
		act(id, "checkin.answer", map[string]any{"scale": (3*i + n) % 11, "state": states[(i+n)%3], "feeling": []string{"tender", "curious", "overwhelmed-but-hopeful"}[i],
			"note": []string{"Glad to be here.", "A long week; I slept badly and still feel it in my shoulders.", "I keep noticing I hold-my-breath in meetings, and I want to understand why."}[i]})
	}
	act(fac, room.TypeAgendaNext, struct{}{}) // the grounding
	if n == 0 {
		join(s.ids[3]) // the fourth comes late, after the check-in, in the first week only
	}
	act(fac, room.TypeAgendaNext, struct{}{}) // the intentions
	for i, id := range s.ids[:3] {
		act(id, "intention.write", map[string]any{"text": []string{"To slow down when I eat", "To say no more often, even at work", "To notice my breath before I answer someone who frightens me"}[i]})
	}
	act(fac, "intention.reveal", struct{}{})
	act(fac, room.TypeAgendaNext, struct{}{}) // the circle
	for turn := 1; turn <= 3; turn++ {
		if turn == 1 {
			act(fac, "circle.next", struct{}{})
		}
		act(fac, "circle.done", map[string]any{"turn": turn})
	}
	act(fac, room.TypeAgendaNext, struct{}{}) // the check-out
	for i, id := range s.ids[:3] {
		act(id, "checkout.word", map[string]any{"word": []string{"lighter", "held", "unexpectedly-grateful"}[i], "state": states[(i+n+1)%3]})
	}
	act(fac, "checkout.reveal", struct{}{})
	if _, err := s.m.Sessions.Close(ctx, s.acct, ss.ID); err != nil {
		t.Fatal(err)
	}
}

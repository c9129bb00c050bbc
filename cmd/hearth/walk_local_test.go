//go:build walk

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

func both(p *person, name string) {
	p.screenshot("/tmp/walk", name)
	p.darkMode(true)
	p.screenshot("/tmp/walk", name+"-dark")
	p.darkMode(false)
}

func TestWalk(t *testing.T) {
	browser := newBrowser(t)
	m := startMain(t, t.TempDir())
	seed := seedCohort(t, m, "Tuesday circle", "Sam", "Kim", "Lee", "Ada")
	ctx := context.Background()
	closing, crisis, video := "Be gentle with yourself this week. If today stirred a lot, write to us.", "Our line between sessions: 0800 000 000 (daily 9–21).", "https://video.example.org/tuesday"
	if _, err := seed.fac.UpdateCohort(ctx, seed.acct, seed.cohort.ID, facilitator.CohortInput{ClosingText: &closing, CrisisText: &crisis, VideoURL: &video}); err != nil {
		t.Fatal(err)
	}
	ss := seed.plan("Week 1", time.Now().Add(time.Hour),
		room.NewItem("Arrival", room.CheckInSettings{Prompt: "How are you arriving?", Visibility: room.VisibleToGroup}),
		room.NewItem("", room.GroundingSettings{Seconds: 120}),
		room.NewItem("Sharing circle", room.CircleSettings{Prompt: "What has been alive for you?", Mode: room.RoundMode, Order: room.RosterOrder, ShareSeconds: 180}),
		room.NewItem("", room.CheckOutSettings{Prompt: "One word for how you leave."}))
	seed.plan("Week 2", time.Now().Add(7*24*time.Hour))

	ana := newPerson(t, browser, "Ana", 1280, 800)
	seed.logIn(ana)
	both(ana, "01-cohort")
	ana.checkAxe("cohort")
	seed.open(ana, ss)
	ana.eval(`window.confirm = () => true; ""`)
	phones := seed.phones(browser, "Sam", "Kim", "Lee")
	sam, kim, lee := phones[0], phones[1], phones[2]
	ana.until("three present", `document.querySelectorAll('#members li[data-role="participant"][data-presence="present"]').length === 3`)
	both(ana, "02-console-gathering")
	both(sam, "02-phone-gathering")

	ana.do("start the check-in", chromedp.Click(chromedp.CSS("#agenda-next")))
	states := []string{"within", "hyper", "hypo"}
	for i, p := range phones {
		p.do("see the check-in", chromedp.WaitVisible(chromedp.CSS("#answer-form")))
		p.eval(fmt.Sprintf(`document.querySelector('input[name="scale"][value="%d"]').click(); document.querySelector('input[name="state"][value="%s"]').click(); ""`, 3+2*i, states[i]))
		p.do("share", chromedp.Click(chromedp.CSS("#answer-submit")))
	}
	ana.until("three answers", `document.querySelectorAll("#answers li[data-answer-member]").length === 3`)
	both(ana, "03-console-checkin")
	both(sam, "03-phone-checkin")

	// Kim needs someone now.
	kim.do("open support", chromedp.Click(chromedp.CSS("#support-open")), chromedp.WaitVisible(chromedp.CSS("#support-now")))
	both(kim, "04-phone-support-sheet")
	kim.do("now", chromedp.Click(chromedp.CSS("#support-now")))
	ana.until("the alert", `document.querySelector('#alerts li[data-alert="support"]') !== null`)
	both(ana, "04-console-alert")
	both(kim, "04-phone-support-now")
	ana.checkAxe("console-alert")
	ana.do("I see you", chromedp.Click(chromedp.CSS(`#alerts li[data-alert="support"] button[data-alert-action="ack"]`)))
	kim.until("Ana sees you", `document.querySelector("#support-state").textContent.includes("sees you")`)
	both(kim, "05-phone-acked")
	t.Logf("focus after I see you: %s", ana.eval(`document.activeElement?.outerHTML.slice(0,120) || ""`))

	// Messages.
	kimRow := fmt.Sprintf(`#members li[data-member-id=%q]`, seed.ids[1])
	ana.do("open Kim", chromedp.Click(chromedp.CSS(kimRow+" button.person-open")))
	ana.do("write", ana.fill("#message-"+seed.ids[1], "I'm here. Would a private call after help?"),
		chromedp.Click(chromedp.CSS("#message-"+seed.ids[1]+"-send")))
	kim.until("unread", `/1/.test(document.querySelector("#messages-open")?.textContent || "")`)
	both(ana, "06-console-thread")
	kim.do("open messages", chromedp.Click(chromedp.CSS("#messages-open")))
	both(kim, "06-phone-messages")
	kim.checkAxe("phone-messages")

	// Pause.
	ana.do("pause", chromedp.Click(chromedp.CSS("#room-pause")))
	sam.until("pause screen", `document.body.innerText.includes("taking a pause")`)
	both(sam, "07-phone-pause")
	both(ana, "07-console-paused")
	ana.do("resume", chromedp.Click(chromedp.CSS("#room-pause")))

	// On to the circle; Sam holds the piece and drops.
	ana.do("grounding", chromedp.Click(chromedp.CSS("#agenda-next")))
	sam.until("grounding on the phone", `document.body.innerText.includes("ground") || document.body.innerText.includes("Ground")`)
	both(ana, "07b-console-grounding")
	both(sam, "07b-phone-grounding")
	t.Logf("next button: %s", ana.eval(`document.querySelector("#agenda-next")?.outerHTML || "none"`))
	ana.do("circle", chromedp.Click(chromedp.CSS("#agenda-next")), chromedp.WaitVisible(chromedp.CSS("#circle-next")))
	ana.do("begin", chromedp.Click(chromedp.CSS("#circle-next")))
	sam.until("holding", `document.body.innerText.includes("You hold the talking piece") || document.body.innerText.includes("your turn") || document.body.innerText.includes("Your turn")`)
	both(ana, "08-console-circle")
	both(sam, "08-phone-holding")
	both(lee, "08-phone-listening")
	sam.do("drop", chromedp.Navigate("about:blank"))
	ana.until("away alert", `document.querySelector('#alerts').innerText.includes("dropped")`)
	both(ana, "09-console-holder-away")

	// Door: lock, Ada tries.
	ana.do("open door", chromedp.Click(chromedp.CSS("#door-toggle")))
	both(ana, "10-console-door")
	ana.do("lock", chromedp.Click(chromedp.CSS("#door-lock")))
	ada := newPerson(t, browser, "Ada", 390, 844)
	ada.do("try", chromedp.Navigate(seed.links[3]))
	ada.until("turned away", `document.body.innerText.includes("closed its door")`)
	both(ada, "11-phone-locked")

	// End.
	ana.eval(`document.querySelector("#close-session").click(); ""`)
	lee.until("end page", `document.body.innerText.includes("Be gentle with yourself")`)
	both(lee, "12-phone-end")
	lee.checkAxe("end")
	both(ana, "12-console-closed")
}

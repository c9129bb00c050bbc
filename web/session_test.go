package web_test

import (
	"context"
	"fmt"
	"testing"

	"hearth/room"
)

// TestWholeSession runs a facilitator and eight participants through an
// arrival check-in in each visibility, with a participant dropped and
// reconnected mid-answer and a server restart in the middle. It asserts that
// no acknowledged answer is lost or doubled, and that no participant ever
// receives another's answer where the visibility forbids it.
func TestWholeSession(t *testing.T) {
	const n = 8
	e := newEnv(t)
	fb := e.newFacilitator("ana@example.org", "Ana")
	g := fb.newGroup(n, true)
	fb.open(g)

	fac := e.joinFacilitator(t, fb, g)
	people := make([]*client, n)
	for i := range people {
		people[i] = e.joinParticipant(t, g, i)
	}
	// Everyone has arrived once the facilitator has seen all eight present.
	present := map[string]bool{}
	fac.next("all present", func(m msg) bool {
		if m.Member != nil && m.Member.Role == "participant" && m.Member.Presence == "present" {
			present[m.Member.ID] = true
		}
		return len(present) == n
	})

	// secret is the note a participant writes in a mode: a string that must
	// reach only those allowed to see it.
	secret := func(mode string, i int) string { return fmt.Sprintf("note-%s-of-P%d", mode, i) }
	answer := func(mode string, i int) map[string]any {
		state := []string{"hypo", "within", "hyper"}[i%3]
		return map[string]any{"scale": i, "state": state, "feeling": "tender", "note": secret(mode, i)}
	}

	for round, mode := range []string{"group", "facilitators", "anonymous"} {
		fac.act("checkin.start", map[string]string{"prompt": "How are you arriving?", "visibility": mode})

		// The first half answer normally.
		for i := 0; i < n/2; i++ {
			people[i].act("checkin.answer", answer(mode, i))
		}

		// P4 sends an answer and loses the connection before the ack; the
		// client retries the same action after reconnecting.
		dropped := n / 2
		id := fmt.Sprintf("drop-%s", mode)
		people[dropped].sendID(id, "checkin.answer", answer(mode, dropped))
		people[dropped].ws.CloseNow()

		if round == 1 {
			// The server restarts in the middle of the check-in.
			e.restart()
			fac = e.joinFacilitator(t, fb, g)
			for i := range people {
				if i != dropped {
					people[i] = e.joinParticipant(t, g, i)
				}
			}
		}
		people[dropped] = e.joinParticipant(t, g, dropped)
		people[dropped].sendID(id, "checkin.answer", answer(mode, dropped))
		people[dropped].reply(id, "ack")

		for i := dropped + 1; i < n; i++ {
			people[i].act("checkin.answer", answer(mode, i))
		}
		// P0 changes their mind: the later answer replaces the first.
		changed := answer(mode, 0)
		changed["scale"] = 9
		people[0].act("checkin.answer", changed)

		fac.act("checkin.close", struct{}{})
		// A participant's answer after the close is refused and changes nothing.
		late := people[1].send("checkin.answer", answer(mode, 1))
		if m := people[1].reply(late, "error"); m.Code != "closed" {
			t.Errorf("%s: late answer refused with %q, want closed", mode, m.Code)
		}

		// The facilitator's view holds every answer exactly once.
		fac.send("sync", struct{}{})
		snap := fac.next("snapshot", isType("snapshot"))
		act := decodeActivity(t, snap.Room.Activity)
		if act == nil || act.Visibility != mode || act.Open {
			t.Fatalf("%s: facilitator sees activity %+v, want the closed %s check-in", mode, act, mode)
		}
		if len(act.Answers) != n {
			t.Fatalf("%s: facilitator sees %d answers, want %d", mode, len(act.Answers), n)
		}
		seen := map[string]int{}
		for _, a := range act.Answers {
			seen[a.MemberID]++
			if a.MemberID == g.ids[0] && a.Scale != 9 {
				t.Errorf("%s: P0's scale is %d, want the changed 9", mode, a.Scale)
			}
		}
		for i, pid := range g.ids {
			if seen[pid] != 1 {
				t.Errorf("%s: P%d's answer appears %d times, want 1", mode, i, seen[pid])
			}
		}

		// What each participant sees of the others follows the visibility.
		for i, p := range people {
			p.send("sync", struct{}{})
			s := p.next("snapshot", isType("snapshot"))
			pa := decodeActivity(t, s.Room.Activity)
			switch mode {
			case "group":
				if len(pa.Answers) != n {
					t.Errorf("group: P%d sees %d answers, want %d", i, len(pa.Answers), n)
				}
			case "facilitators":
				if len(pa.Answers) != 0 || pa.Aggregate != nil || len(pa.Answered) != 0 {
					t.Errorf("facilitators: P%d sees answers %v aggregate %v answered %v, want none", i, pa.Answers, pa.Aggregate, pa.Answered)
				}
			case "anonymous":
				if len(pa.Answers) != 0 || len(pa.Answered) != 0 {
					t.Errorf("anonymous: P%d sees answers, want only the aggregate", i)
				}
				// Answers join the group's aggregate three at a time.
				if want := n / room.MinAnonymous * room.MinAnonymous; pa.Aggregate == nil || pa.Aggregate.Count != want {
					t.Errorf("anonymous: P%d sees aggregate %+v, want count %d", i, pa.Aggregate, want)
				}
			}
			if pa.AnsweredCount != n {
				t.Errorf("%s: P%d sees %d answered, want %d", mode, i, pa.AnsweredCount, n)
			}
		}
		fac.act("activity.end", struct{}{})
	}

	// No participant's socket ever carried another's answer in the private
	// modes, across drops and the restart.
	for _, mode := range []string{"facilitators", "anonymous"} {
		for i, p := range people {
			for j := range people {
				if i != j && p.received(secret(mode, j)) {
					t.Errorf("%s: P%d received P%d's answer", mode, i, j)
				}
			}
		}
	}
	if !fac.received(secret("anonymous", 3)) {
		t.Error("the facilitator never received P3's anonymous answer")
	}

	// Every acknowledged answer is on disk: the room's history holds three
	// check-ins of eight answers each.
	rm, ok := e.rooms.Get(g.session)
	if !ok {
		t.Fatal("room not live")
	}
	st := rm.State()
	if len(st.History) != 3 {
		t.Fatalf("history has %d activities, want 3", len(st.History))
	}
	for i, a := range st.History {
		if a.CheckIn() == nil || len(a.CheckIn().Answers) != n {
			t.Errorf("history[%d]: %+v, want a check-in with %d answers", i, a, n)
		}
	}
	e.restart()
	stored, err := e.db.Room(context.Background(), g.session)
	if err != nil {
		t.Fatal(err)
	}
	if len(stored.History) != 3 {
		t.Errorf("after restart the stored history has %d activities, want 3", len(stored.History))
	}

	// Closing the session says goodbye to everyone.
	fb.must(200, "POST", "/api/sessions/"+g.session+"/close", nil, nil)
	var s sessionJSON
	var c struct{ Sessions []sessionJSON }
	fb.must(200, "GET", "/api/cohorts/"+g.cohort, nil, &c)
	for _, ss := range c.Sessions {
		if ss.ID == g.session {
			s = ss
		}
	}
	if s.Status != "closed" {
		t.Errorf("session status %q after close, want closed", s.Status)
	}
}

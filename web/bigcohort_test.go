package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"hearth/facilitator"
	"hearth/facilitator/memory"
	"hearth/facilitator/session"
	"hearth/room"
)

// A large cohort, as issue 11 measured it: 500 participants, 60 sessions
// (each with a check-in everyone answers, intentions with reflections on
// the last ones and a step, a sharing circle round everyone shares in, and
// a check-out word each) and 300 notes of 5,000 characters. Its overview
// and exports must each be read in under a second.

// bigShape is the size of a large cohort.
type bigShape struct {
	participants, sessions, notes, noteLen int
}

var issue11 = bigShape{participants: 500, sessions: 60, notes: 300, noteLen: 5000}

// bigCohort is a large cohort on a running server, with its facilitator
// logged in.
type bigCohort struct {
	e      *env
	fb     *browser
	cohort string
}

// bigQuotas let the cohort be as large as the issue's.
var bigQuotas = facilitator.Quotas{ParticipantsPerCohort: 1000, SessionsPerCohort: 1000, NotesPerCohort: 10000}

// newBigCohort makes a cohort of the shape. The rooms are run by the room's
// own rules (room.Apply, every action checked as in a live room) without
// sockets, and each is stored once, closed: a fixture of this size through
// a live room would take minutes.
func newBigCohort(tb testing.TB, shape bigShape) bigCohort {
	tb.Helper()
	ctx := context.Background()
	// The weeks end now: the login's cookie expires by the clock, and the
	// client's cookie jar keeps it by the real one.
	clk := &fixtureClock{t: time.Now().UTC().Add(-time.Duration(shape.sessions) * 7 * 24 * time.Hour).Truncate(time.Hour)}
	e := newEnvWith(tb, envOptions{now: clk.now, quotas: bigQuotas})
	fb := e.newFacilitator("ana@example.org", "Ana")
	e.mu.Lock()
	db := e.db
	e.mu.Unlock()
	fac := &facilitator.Service{Store: db, InviteKey: e.key, Now: clk.now, Quotas: bigQuotas}
	ana, err := db.AccountByEmail(ctx, "ana@example.org")
	if err != nil {
		tb.Fatal(err)
	}
	name, agreements := "The long group", "What is shared here stays here."
	c, err := fac.CreateCohort(ctx, ana, facilitator.CohortInput{Name: &name, Agreements: &agreements})
	if err != nil {
		tb.Fatal(err)
	}
	people := make([]facilitator.Participant, shape.participants)
	for i := range people {
		if people[i], err = fac.AddParticipant(ctx, ana, c.ID, fmt.Sprintf("Participant %03d", i)); err != nil {
			tb.Fatal(err)
		}
	}
	agenda := []room.Item{
		room.NewItem("Arrival", room.CheckInSettings{Prompt: "How are you arriving?", Visibility: room.VisibleToGroup}),
		room.NewItem("Intentions", room.IntentionsSettings{Prompt: "What do you take with you?", Reveal: room.RevealNamed, Commitment: true}),
		room.NewItem("Circle", room.CircleSettings{Prompt: "What stayed with you this week?", Mode: room.RoundMode, Order: room.RosterOrder, ShareSeconds: 180}),
		room.NewItem("Check-out", room.CheckOutSettings{Prompt: "One word for now"}),
	}
	roster := []room.Member{{ID: ana.ID, Name: ana.Name, Role: room.Facilitator, Presence: room.Absent}}
	for _, p := range people {
		roster = append(roster, room.Member{ID: p.ID, Name: p.Name, Role: room.Participant, Presence: room.Absent})
	}
	var (
		sessionIDs []string
		earlier    []room.State
	)
	for k := range shape.sessions {
		rooms := room.NewManager(room.Config{Store: db, Now: clk.now})
		sessions := session.New(fac, rooms)
		ss, err := sessions.Plan(ctx, ana, c.ID, fmt.Sprintf("Week %d", k+1), clk.now().Add(time.Hour))
		if err != nil {
			tb.Fatal(err)
		}
		ss, err = sessions.SetAgenda(ctx, ana, ss.ID, agenda)
		if err != nil {
			tb.Fatal(err)
		}
		// Opened as sessions.Open opens a room, with the journeys built
		// from the rooms in memory: Open reads every earlier room again,
		// which over 60 rooms of 500 people takes minutes.
		items := room.DecodeAgenda(ss.Agenda)
		for i := range items {
			items[i].Status = room.Pending
		}
		r, err := rooms.Open(ctx, room.State{SessionID: ss.ID, CohortID: c.ID, Title: ss.Title, Cohort: c.Name,
			Members: slices.Clone(roster), Agenda: items, Journeys: room.BuildJourneys(earlier, roster)})
		if err != nil {
			tb.Fatal(err)
		}
		st := runBigRoom(tb, r.State(), clk, ana.ID, k)
		if err := db.SaveRoom(ctx, room.Record{State: &st, Roster: true, Agenda: true, Journeys: true, Care: true}, nil); err != nil {
			tb.Fatal(err)
		}
		rooms.Stop()
		earlier = append(earlier, st)
		sessionIDs = append(sessionIDs, ss.ID)
		clk.advance(7 * 24 * time.Hour)
	}
	for i := range shape.notes {
		about := facilitator.NoteAbout{SessionID: sessionIDs[i%len(sessionIDs)]}
		if i%2 == 1 {
			about = facilitator.NoteAbout{ParticipantID: people[i%len(people)].ID}
		}
		text := strings.Repeat(fmt.Sprintf("Note %d: what we noticed. ", i), shape.noteLen)[:shape.noteLen]
		if _, err := fac.AddNote(ctx, ana, c.ID, about, text); err != nil {
			tb.Fatal(err)
		}
	}
	fb.login("ana@example.org") // a year later: the first login has ended
	return bigCohort{e: e, fb: fb, cohort: c.ID}
}

// runBigRoom runs one session's agenda by the room's rules: everyone comes,
// answers the check-in, reflects on their last intention, writes a new one
// with a step, shares in the circle and leaves a word.
func runBigRoom(tb testing.TB, st room.State, clk *fixtureClock, facID string, week int) room.State {
	tb.Helper()
	at := clk.now()
	do := func(actor, typ string, data any) {
		tb.Helper()
		raw, _ := json.Marshal(data)
		at = at.Add(time.Second)
		next, _, err := room.Apply(st, at, actor, room.Command{Type: typ, Data: raw})
		if err != nil {
			tb.Fatalf("week %d: %s by %s: %v", week+1, typ, actor, err)
		}
		st = next
	}
	members := make([]room.Member, len(st.Members))
	copy(members, st.Members)
	var people []string
	for i := range members {
		members[i].Presence, members[i].Since, members[i].FirstJoined = room.Present, at, at
		members[i].Stays = []room.Stay{{From: at}}
		if members[i].Role == room.Participant {
			people = append(people, members[i].ID)
		}
	}
	st.Members = members
	feelings := []string{"tired", "hopeful", "raw", "calm", "restless"}
	states := []room.Arousal{room.Within, room.Hypo, room.Hyper}
	// What participants give is written into each activity as their
	// actions would write it (the facilitator's actions are applied):
	// each action of a participant answers with the facilitators' view of
	// everyone, which at this size would take the fixture many minutes.
	do(facID, room.TypeAgendaNext, nil)
	ci := st.Current.CheckIn()
	for i, id := range people {
		at = at.Add(time.Second)
		ci.Answers[id] = room.Answer{MemberID: id, Scale: (i + week) % 11, State: states[(i+week)%3],
			Feeling: feelings[(i+week)%5], Note: fmt.Sprintf("A long week, number %d, and I am here.", week+1), At: at}
	}
	do(facID, room.TypeAgendaNext, nil)
	in := st.Current.Intentions()
	outcomes := []room.Outcome{room.Lived, room.StillWith, room.LetGo}
	for i, id := range people {
		at = at.Add(time.Second)
		if past := st.Journeys[id]; len(past) > 0 {
			last := past[len(past)-1].ID
			in.Reflections[last] = room.Reflection{IntentionID: last, MemberID: id, Outcome: outcomes[i%3], At: at}
		}
		w := room.Intention{ID: uuid.Must(uuid.NewV7()).String(), MemberID: id, Text: fmt.Sprintf("To be gentler with myself in week %d.", week+2), At: at}
		in.Written[id] = w
		in.Commitments[id] = room.Commitment{ID: uuid.Must(uuid.NewV7()).String(), MemberID: id, IntentionID: w.ID, Step: "Ten minutes outside every morning.", At: at}
	}
	do(facID, room.TypeIntentionReveal, nil)
	do(facID, room.TypeAgendaNext, nil)
	for st.Current.Circle().Turn != nil {
		do(facID, room.TypeCircleDone, map[string]any{"turn": st.Current.Circle().Turn.N})
	}
	do(facID, room.TypeAgendaNext, nil)
	co := st.Current.CheckOut()
	for i, id := range people {
		at = at.Add(time.Second)
		co.Words[id] = room.Word{MemberID: id, Word: feelings[(i+week+1)%5], State: states[(i+week+1)%3], At: at}
	}
	do(facID, room.TypeRoomClose, nil)
	return st
}

// BenchmarkBigCohort reads the overview and both exports of the issue's
// large cohort over HTTP, as a facilitator's browser would.
func BenchmarkBigCohort(b *testing.B) {
	start := time.Now()
	big := newBigCohort(b, issue11)
	b.Logf("made the cohort in %s", time.Since(start).Round(time.Millisecond))
	for _, path := range []string{"overview", "export.json", "export.md"} {
		b.Run(path, func(b *testing.B) {
			var n int64
			for b.Loop() {
				n = big.get(b, path)
			}
			b.ReportMetric(float64(n), "bytes")
		})
	}
}

// get reads one of the cohort's views and returns its size.
func (bc bigCohort) get(tb testing.TB, path string) int64 {
	tb.Helper()
	req, _ := http.NewRequest("GET", bc.e.url()+"/api/cohorts/"+bc.cohort+"/"+path, nil)
	resp, err := (&http.Client{Jar: bc.fb.hc.Jar}).Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		tb.Fatalf("GET %s: %d, %v", path, resp.StatusCode, err)
	}
	return n
}

// TestCohortReadInOne: a cohort read back in one transaction, without the
// journeys each room carries in, reads as each room read whole does: the
// overview, both exports and a participant's history.
func TestCohortReadInOne(t *testing.T) {
	bc := newBigCohort(t, bigShape{participants: 12, sessions: 5, notes: 6, noteLen: 200})
	ctx := context.Background()
	bc.e.mu.Lock()
	db, rooms := bc.e.db, bc.e.rooms
	bc.e.mu.Unlock()
	ana, err := db.AccountByEmail(ctx, "ana@example.org")
	if err != nil {
		t.Fatal(err)
	}
	fac := &facilitator.Service{Store: db, InviteKey: bc.e.key}
	// The same store, but not an Archive: every room is read whole.
	whole := &facilitator.Service{Store: struct{ facilitator.Store }{db}, InviteKey: bc.e.key}
	views := func(m *memory.Memory) []string {
		cm, err := m.Load(ctx, ana, bc.cohort)
		if err != nil {
			t.Fatal(err)
		}
		at := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
		ex, err := cm.Export(at)
		if err != nil {
			t.Fatal(err)
		}
		text, err := cm.Markdown(at)
		if err != nil {
			t.Fatal(err)
		}
		people, err := fac.Participants(ctx, ana, bc.cohort)
		if err != nil {
			t.Fatal(err)
		}
		c, err := fac.Cohort(ctx, ana, bc.cohort)
		if err != nil {
			t.Fatal(err)
		}
		p := people[3]
		p.Acceptances = []facilitator.Acceptance{{Version: c.AgreementsVersion, At: at}}
		h, err := m.History(ctx, fac.InviteToken(p), p, c)
		if err != nil {
			t.Fatal(err)
		}
		return []string{string(mustJSON(t, ex)), text, string(mustJSON(t, h))}
	}
	got, want := views(memory.New(fac, rooms)), views(memory.New(whole, rooms))
	for i, name := range []string{"export.json (with the overview)", "export.md", "history"} {
		if got[i] != want[i] {
			t.Errorf("%s read in one differs from each room read whole", name)
		}
	}
	if !strings.Contains(got[1], "on “To be gentler with myself in week 2.” (Week 1): ") {
		t.Errorf("the Markdown names no reflection on an earlier intention:\n%s", got[1])
	}
}

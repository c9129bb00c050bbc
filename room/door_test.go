package room

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

// atDoor returns s with the door asking for admission and the members named
// waiting at it (never in the room before).
func atDoor(s State, waiting ...string) State {
	s = fullCopy(s)
	s.Door.AdmitOnArrival = true
	for i, m := range s.Members {
		if slices.Contains(waiting, m.ID) {
			s.Members[i].Presence = Waiting
			s.Members[i].FirstJoined = time.Time{}
		}
	}
	return s
}

// sentOut returns s with id removed from this session, with presence p.
func sentOut(s State, id string, p Presence) State {
	s = withPresence(s, id, p)
	s.Door.Removed = append(slices.Clone(s.Door.Removed), id)
	return s
}

func wantPresenceOf(tb testing.TB, s State, id string, p Presence) {
	tb.Helper()
	if m, _ := s.Member(id); m.Presence != p {
		tb.Errorf("got %s %s, want %s", id, m.Presence, p)
	}
}

// sameRoles checks that a transition gave no member another role: the
// facilitator's role is never given to a participant.
func sameRoles(tb testing.TB, before, after State) {
	tb.Helper()
	for _, m := range after.Members {
		if was, _ := before.Member(m.ID); was.Role != m.Role {
			tb.Errorf("%s is now a %s, was a %s", m.ID, m.Role, was.Role)
		}
	}
}

func TestApplyDoor(t *testing.T) {
	admit := func(id string) Command { return command(TypeDoorAdmit, map[string]string{"memberId": id}) }
	remove := func(id string) Command { return command(TypeDoorRemove, map[string]string{"memberId": id}) }
	tests := []applyCase{
		// Who may, and whom.
		{name: "a participant cannot admit", state: atDoor(gathering(), "p3"), actor: "p1", cmd: admit("p3"), wantCode: CodeNotAllowed},
		{name: "a participant cannot remove", state: gathering(), actor: "p1", cmd: remove("p2"), wantCode: CodeNotAllowed},
		{name: "a participant cannot lock", state: gathering(), actor: "p1", cmd: command(TypeDoorLock, map[string]bool{"locked": true}), wantCode: CodeNotAllowed},
		{name: "a participant cannot ask for admission", state: gathering(), actor: "p1",
			cmd: command(TypeDoorAdmission, map[string]bool{"admitOnArrival": true}), wantCode: CodeNotAllowed},
		{name: "admitting an unknown member", state: atDoor(gathering(), "p3"), actor: "f1", cmd: admit("nobody"), wantCode: CodeNotFound},
		{name: "removing an unknown member", state: gathering(), actor: "f1", cmd: remove("nobody"), wantCode: CodeNotFound},
		{name: "removing a facilitator", state: gathering(), actor: "f1", cmd: remove("f1"), wantCode: CodeNotAllowed},
		{name: "admitting a facilitator", state: gathering(), actor: "f1", cmd: admit("f1"), wantCode: CodeNotAllowed},
		{name: "admitting someone not waiting", state: atDoor(gathering(), "p3"), actor: "f1", cmd: admit("p1"), wantCode: CodeInvalid},
		{name: "admitting all when nobody waits", state: atDoor(gathering()), actor: "f1", cmd: command(TypeDoorAdmit, map[string]bool{"all": true}), wantCode: CodeInvalid},
		{name: "removing twice", state: sentOut(gathering(), "p2", Removed), actor: "f1", cmd: remove("p2"), wantCode: CodeInvalid},
		{name: "admission without its setting", state: gathering(), actor: "f1", cmd: command(TypeDoorAdmission, map[string]any{}), wantCode: CodeInvalid},
		{name: "a lock without its setting", state: gathering(), actor: "f1", cmd: command(TypeDoorLock, map[string]any{}), wantCode: CodeInvalid},

		// What each does.
		{name: "admission on", state: gathering(), actor: "f1", cmd: command(TypeDoorAdmission, map[string]bool{"admitOnArrival": true}),
			check: func(tb testing.TB, _, after State, ch Change) {
				if !after.Door.AdmitOnArrival {
					tb.Error("admission is off")
				}
				wantChange(tb, ch, heard{Door: true})
			}},
		{name: "admission off lets in those waiting, not those sent out", state: sentOut(atDoor(gathering(), "p2", "p3"), "p1", Waiting), actor: "f1",
			cmd: command(TypeDoorAdmission, map[string]bool{"admitOnArrival": false}),
			check: func(tb testing.TB, _, after State, ch Change) {
				wantPresenceOf(tb, after, "p2", Present)
				wantPresenceOf(tb, after, "p3", Present)
				wantPresenceOf(tb, after, "p1", Waiting)
				wantChange(tb, ch, heard{Door: true, Roster: true})
				if !slices.Equal(ch.admitted, []string{"p2", "p3"}) {
					tb.Errorf("got admitted %v, want p2 and p3", ch.admitted)
				}
			}},
		{name: "admitting one lets them in", state: atDoor(gathering(), "p2", "p3"), actor: "f1", cmd: admit("p3"),
			check: func(tb testing.TB, _, after State, ch Change) {
				wantPresenceOf(tb, after, "p3", Present)
				wantPresenceOf(tb, after, "p2", Waiting)
				if m, _ := after.Member("p3"); !m.FirstJoined.Equal(now) {
					tb.Errorf("got first joined %v, want now", m.FirstJoined)
				}
				wantChange(tb, ch, heard{Members: []string{"p3"}, Door: true})
				if p := sentTo(tb, ch, Member{ID: "p1", Role: Participant})[fieldMember].(*memberView); p.Presence != Present {
					tb.Errorf("participants see %s, want present", p.Presence)
				}
			}},
		{name: "admitting all", state: atDoor(gathering(), "p2", "p3"), actor: "f1", cmd: command(TypeDoorAdmit, map[string]bool{"all": true}),
			check: func(tb testing.TB, _, after State, ch Change) {
				wantPresenceOf(tb, after, "p2", Present)
				wantPresenceOf(tb, after, "p3", Present)
				wantChange(tb, ch, heard{Roster: true, Door: true})
			}},
		{name: "admitting one sent out and waiting", state: sentOut(gathering(), "p2", Waiting), actor: "f1", cmd: admit("p2"),
			check: func(tb testing.TB, _, after State, _ Change) {
				wantPresenceOf(tb, after, "p2", Present)
				if len(after.Door.Removed) != 0 {
					tb.Errorf("still removed: %v", after.Door.Removed)
				}
			}},
		{name: "admitting one sent out and gone: they may come back", state: sentOut(gathering(), "p2", Removed), actor: "f1", cmd: admit("p2"),
			check: func(tb testing.TB, _, after State, ch Change) {
				wantPresenceOf(tb, after, "p2", Left)
				if m, _ := after.Member("p2"); after.arrive(m) != arriveIn {
					tb.Error("they would wait at the door again")
				}
				if len(ch.admitted) != 0 {
					tb.Errorf("got admitted %v, want none: nobody is at the door", ch.admitted)
				}
			}},
		{name: "removing sends them out, the group sees them gone", state: gathering(), actor: "f1", cmd: remove("p2"),
			check: func(tb testing.TB, before, after State, ch Change) {
				wantPresenceOf(tb, after, "p2", Removed)
				if !slices.Equal(after.Door.Removed, []string{"p2"}) || !slices.Equal(ch.removed, []string{"p2"}) {
					tb.Errorf("got removed %v, change %v", after.Door.Removed, ch.removed)
				}
				m, _ := after.Member("p2")
				if was, _ := before.Member("p2"); m.Drops != was.Drops {
					tb.Errorf("a removal counted as a drop")
				}
				if after.arrive(m) != arriveWait {
					tb.Error("a removed participant would not wait at the door")
				}
				if p := sentTo(tb, ch, Member{ID: "p1", Role: Participant})[fieldMember].(*memberView); p.Presence != Left {
					tb.Errorf("participants see %s, want left", p.Presence)
				}
				wantChange(tb, ch, heard{Members: []string{"p2"}, Door: true})
			}},
		{name: "removing the holder hands the piece on", state: holding(circleRoom(RoundMode, 0, "p2", "p3"), "p1", 1), actor: "f1", cmd: remove("p1"),
			check: func(tb testing.TB, _, after State, _ Change) {
				wantHolder(tb, after, "p2", "p3")
				wantTurns(tb, after, "p1:left")
			}},
		{name: "locking", state: gathering(), actor: "f1", cmd: command(TypeDoorLock, map[string]bool{"locked": true}),
			check: func(tb testing.TB, _, after State, ch Change) {
				if !after.Door.Locked {
					tb.Error("not locked")
				}
				wantChange(tb, ch, heard{Door: true})
			}},
		{name: "unlocking forgets who was turned away", state: func() State {
			s := gathering()
			s.Door = Door{Locked: true, TurnedAway: []string{"p3"}}
			return s
		}(), actor: "f1", cmd: command(TypeDoorLock, map[string]bool{"locked": false}),
			check: func(tb testing.TB, _, after State, _ Change) {
				if after.Door.Locked || len(after.Door.TurnedAway) != 0 {
					tb.Errorf("got door %+v", after.Door)
				}
			}},
	}
	for _, tc := range tests {
		check := tc.check
		tc.check = func(tb testing.TB, before, after State, ch Change) {
			sameRoles(tb, before, after)
			if check != nil {
				check(tb, before, after, ch)
			}
		}
		t.Run(tc.name, func(t *testing.T) { runApply(t, tc) })
	}
}

func TestArrive(t *testing.T) {
	s := gathering()
	never := Member{ID: "n", Role: Participant}
	was := Member{ID: "w", Role: Participant, FirstJoined: t0}
	fac := Member{ID: "f", Role: Facilitator}
	for _, tc := range []struct {
		name string
		door Door
		m    Member
		want arrival
	}{
		{"an open door", Door{}, never, arriveIn},
		{"admission: a newcomer waits", Door{AdmitOnArrival: true}, never, arriveWait},
		{"admission: someone who was in comes back", Door{AdmitOnArrival: true}, was, arriveIn},
		{"locked: a newcomer is turned away", Door{Locked: true}, never, arriveLocked},
		{"locked: someone who was in comes back", Door{Locked: true, AdmitOnArrival: true}, was, arriveIn},
		{"removed: they wait, locked or not", Door{Locked: true, Removed: []string{"w"}}, was, arriveWait},
		{"a facilitator is never held", Door{Locked: true, AdmitOnArrival: true, Removed: []string{"f"}}, fac, arriveIn},
	} {
		s.Door = tc.door
		if got := s.arrive(tc.m); got != tc.want {
			t.Errorf("%s: got %d, want %d", tc.name, got, tc.want)
		}
	}
}

// openWithDoor opens the test room with the door asking for admission, as
// the session service sets it from the cohort.
func openWithDoor(tb testing.TB, m *Manager) *Room {
	tb.Helper()
	r, err := m.Open(context.Background(), State{
		SessionID: "s1", CohortID: "c1", Title: "Week 1", Cohort: "Tuesday circle",
		Members: roster(), Door: Door{AdmitOnArrival: true},
	})
	if err != nil {
		tb.Fatal(err)
	}
	return r
}

type waitingMsg struct {
	Type      string `json:"type"`
	Admission bool   `json:"admission"`
	Removed   bool   `json:"removed"`
	Cohort    string `json:"cohort"`
	Message   string `json:"message"`
}

func wantWaiting(tb testing.TB, sub *Subscription, removed bool) {
	tb.Helper()
	msg := recvType(tb, sub, "waiting")
	var w waitingMsg
	decodeInto(tb, msg.raw, &w)
	if !w.Admission || w.Removed != removed || w.Cohort != "Tuesday circle" || w.Message == "" {
		tb.Errorf("%s: got %s, want admission, removed %v", sub.Member().ID, msg.raw, removed)
	}
}

// TestDoorInTheRoom runs the door through a live room, on the raw frames:
// who hears of a knock, the snapshot on admission on the same subscription,
// the bye on removal, the return to the door, and the lock.
func TestDoorInTheRoom(t *testing.T) {
	m, _ := newTestManager(t, Config{})
	r := openWithDoor(t, m)
	fac := join(t, r, "f1") // never held
	snap := recvType(t, fac, "snapshot")
	if !snap.has("room") || snap.You.Role != string(Facilitator) {
		t.Fatalf("got %s, want the facilitator's snapshot", snap.raw)
	}
	var door struct {
		Room struct {
			Door *doorView `json:"door"`
		} `json:"room"`
	}
	decodeInto(t, snap.raw, &door)
	if door.Room.Door == nil || !door.Room.Door.AdmitOnArrival {
		t.Errorf("got door %+v, want admission on", door.Room.Door)
	}

	kim := join(t, r, "p2")
	wantWaiting(t, kim, false)
	wantPresence(t, fac, version(r), "p2", Waiting)
	if err := do(t, fac, TypeDoorAdmit, "admit-kim", `{"memberId":"p2"}`); err != nil {
		t.Fatal(err)
	}
	wantPresence(t, fac, version(r), "p2", Present)
	wantAck(t, fac, "admit-kim", version(r), false)
	ks := recvType(t, kim, "snapshot")
	if ks.Version != version(r) || ks.You.Role != string(Participant) || ks.You.Presence != string(Present) {
		t.Errorf("got %s, want Kim's snapshot as a participant, present", ks.raw)
	}
	if bytes.Contains(ks.raw, []byte(`"door"`)) {
		t.Errorf("Kim's snapshot has the door: %s", ks.raw)
	}

	// Sam knocks: the facilitator sees it, Kim gets the version alone.
	sam := join(t, r, "p1")
	wantWaiting(t, sam, false)
	v := version(r)
	wantPresence(t, fac, v, "p1", Waiting)
	if ev := wantEvent(t, kim, v); ev.has("member") {
		t.Errorf("Kim was told of the knock: %s", ev.raw)
	}
	recvNone(t, sam)
	if err := do(t, sam, TypeAgendaNext, "sam-1", ""); err != nil {
		t.Fatal(err)
	}
	wantError(t, sam, "sam-1", CodeClosed)
	if err := do(t, sam, TypeSync, "", ""); err != nil {
		t.Fatal(err)
	}
	wantWaiting(t, sam, false)
	// A change of the room reaches the others, never the door.
	if err := do(t, fac, TypeDoorLock, "lock-0", `{"locked":false}`); err != nil {
		t.Fatal(err)
	}
	wantEvent(t, fac, version(r))
	wantAck(t, fac, "lock-0", version(r), false)
	wantEvent(t, kim, version(r))
	recvNone(t, sam)

	if err := do(t, fac, TypeDoorAdmit, "admit-sam", `{"memberId":"p1"}`); err != nil {
		t.Fatal(err)
	}
	v = version(r)
	wantPresence(t, kim, v, "p1", Present)
	ss := recvType(t, sam, "snapshot")
	if ss.Version != v || ss.You.ID != "p1" || ss.You.Role != string(Participant) {
		t.Errorf("got %s, want Sam's snapshot at %d", ss.raw, v)
	}
	drain(fac)

	// Sam is sent out: their subscription gets the bye, Kim sees them gone.
	if err := do(t, fac, TypeDoorRemove, "remove-sam", `{"memberId":"p1"}`); err != nil {
		t.Fatal(err)
	}
	v = version(r)
	wantPresence(t, kim, v, "p1", Left)
	wantEvent(t, sam, v)
	wantBye(t, sam, ReasonRemoved)
	if reason := waitDone(t, sam); reason != ReasonRemoved {
		t.Errorf("got reason %q, want removed", reason)
	}
	sam.Leave()
	if p := presence(t, r, "p1"); p != Removed {
		t.Errorf("got %s after the removed connection ended, want removed", p)
	}

	// Back, Sam waits at the door; gone from it, they are removed again.
	drain(fac)
	again := join(t, r, "p1")
	wantWaiting(t, again, true)
	wantPresence(t, fac, version(r), "p1", Waiting)
	if ev := wantEvent(t, kim, version(r)); ev.has("member") {
		t.Errorf("Kim was told of a removed member's knock: %s", ev.raw)
	}
	again.Leave()
	wantPresence(t, fac, version(r), "p1", Removed)

	// Locked: Lee never came and is turned away; the facilitators see it.
	if err := do(t, fac, TypeDoorLock, "lock-1", `{"locked":true}`); err != nil {
		t.Fatal(err)
	}
	drain(fac)
	drain(kim)
	if _, err := r.Join(context.Background(), "p3"); !errors.Is(err, ErrLocked) {
		t.Fatalf("got %v, want ErrLocked", err)
	}
	ev := wantEvent(t, fac, version(r))
	var turned struct {
		Door doorView `json:"door"`
	}
	decodeInto(t, ev.raw, &turned)
	if !slices.Equal(turned.Door.TurnedAway, []string{"p3"}) {
		t.Errorf("got %s, want Lee among those turned away", ev.raw)
	}
	if ev := wantEvent(t, kim, version(r)); ev.has("door") || ev.has("member") {
		t.Errorf("Kim was told of the locked door: %s", ev.raw)
	}
	if p := presence(t, r, "p3"); p != Absent {
		t.Errorf("got Lee %s, want absent", p)
	}
	// Kim was in: she comes back through a locked door.
	kim.Leave()
	recvType(t, join(t, r, "p2"), "snapshot")
}

// TestDoorRestart: a paused room and its door come back as they were, and
// someone waiting at the door when the server stopped is not counted as
// waiting after it.
func TestDoorRestart(t *testing.T) {
	m, store := newTestManager(t, Config{})
	r := openWithDoor(t, m)
	join(t, r, "f1")
	join(t, r, "p2")
	for _, c := range []Command{
		{Type: TypeRoomPause, ID: "a-1"},
		{Type: TypeDoorRemove, ID: "a-2", Data: data(map[string]string{"memberId": "p3"})},
		{Type: TypeDoorLock, ID: "a-3", Data: data(map[string]bool{"locked": true})},
	} {
		if err := r.Act(context.Background(), "f1", c); err != nil {
			t.Fatal(err)
		}
	}
	m.Stop()

	m2, _ := newTestManager(t, Config{Store: store})
	if _, err := m2.Restore(context.Background()); err != nil {
		t.Fatal(err)
	}
	r2, _ := m2.Get("s1")
	s := r2.State()
	if !s.Hold.Paused || !s.Door.Locked || !s.Door.AdmitOnArrival || !slices.Equal(s.Door.Removed, []string{"p3"}) {
		t.Errorf("got hold %+v door %+v, want paused, locked, admission on, Lee removed", s.Hold, s.Door)
	}
	if p := presence(t, r2, "p2"); p != Absent {
		t.Errorf("got Kim %s, want absent: she was at the door, never in", p)
	}
	wantWaiting(t, join(t, r2, "p3"), true)
}

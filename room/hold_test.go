package room

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// withGrounding returns s running a grounding pause with 60 s left at now and
// a breath cycle counted from 10 s before.
func withGrounding(s State) State {
	s = fullCopy(s)
	s.Agenda = []Item{{ID: "i-ground", Kind: KindGrounding, Status: Running, Settings: GroundingSettings{Seconds: 120}}}
	s.Current = &Activity{ItemID: "i-ground", Run: &Grounding{ID: "g-1", Seconds: 120, Breath: &Breath{In: 4, Out: 4},
		StartedAt: now.Add(-time.Minute), EndsAt: now.Add(time.Minute), CycleStart: now.Add(-10 * time.Second)}}
	return s
}

// frozen returns s held since 30 s before now, as h says.
func frozen(s State, h Hold) State {
	s = fullCopy(s)
	h.Since = now.Add(-30 * time.Second)
	s.Hold = h
	return s
}

func wantHold(tb testing.TB, s State, want Hold) {
	tb.Helper()
	if s.Hold != want {
		tb.Errorf("got hold %+v, want %+v", s.Hold, want)
	}
}

func TestApplyPause(t *testing.T) {
	paused := frozen(gathering(), Hold{Paused: true})
	away := withPresence(frozen(gathering(), Hold{FacilitatorAway: true}), "f1", Reconnecting)
	tests := []applyCase{
		{name: "a participant cannot pause", state: gathering(), actor: "p1", cmd: command(TypeRoomPause, nil), wantCode: CodeNotAllowed},
		{name: "a participant cannot resume", state: paused, actor: "p1", cmd: command(TypeRoomResume, nil), wantCode: CodeNotAllowed},
		{name: "pausing twice", state: paused, actor: "f1", cmd: command(TypeRoomPause, nil), wantCode: CodeClosed},
		{name: "resuming a room not paused", state: gathering(), actor: "f1", cmd: command(TypeRoomResume, nil), wantCode: CodeClosed},
		{name: "resuming a room held for its facilitator only", state: away, actor: "f1", cmd: command(TypeRoomResume, nil), wantCode: CodeClosed},
		{name: "a pause holds the room and tells everyone", state: gathering(), actor: "f1", cmd: command(TypeRoomPause, nil),
			check: func(tb testing.TB, _, after State, ch Change) {
				wantHold(tb, after, Hold{Paused: true, Since: now})
				wantChange(tb, ch, heard{Hold: true})
			}},
		{name: "a pause shows the grounding standing still", state: withGrounding(gathering()), actor: "f1", cmd: command(TypeRoomPause, nil),
			check: func(tb testing.TB, before, after State, ch Change) {
				wantChange(tb, ch, heard{Hold: true, Activity: true})
				if g := groundingOf(tb, after); g.EndsAt != groundingOf(tb, before).EndsAt {
					tb.Errorf("a pause moved the deadline to %v", g.EndsAt)
				}
				v := viewActivity(&after, Participant).(*groundingView)
				if !v.Paused || v.Remaining != time.Minute.Milliseconds() || v.PausedAt != now.UnixMilli() {
					tb.Errorf("got view paused %v remaining %d at %d, want paused with 60000 ms at now", v.Paused, v.Remaining, v.PausedAt)
				}
			}},
		{name: "a resume moves the grounding on by the pause", state: frozen(withGrounding(gathering()), Hold{Paused: true}), actor: "f1",
			cmd: command(TypeRoomResume, nil),
			check: func(tb testing.TB, before, after State, ch Change) {
				wantHold(tb, after, Hold{})
				wantChange(tb, ch, heard{Hold: true, Activity: true})
				g, was := groundingOf(tb, after), groundingOf(tb, before)
				if want := was.EndsAt.Add(30 * time.Second); !g.EndsAt.Equal(want) {
					tb.Errorf("got deadline %v, want %v", g.EndsAt, want)
				}
				if want := was.CycleStart.Add(30 * time.Second); !g.CycleStart.Equal(want) {
					tb.Errorf("got cycle start %v, want %v", g.CycleStart, want)
				}
			}},
		{name: "a resume leaves a grounding paused by itself as it was", state: func() State {
			s := frozen(withGrounding(gathering()), Hold{Paused: true})
			g := s.Current.Grounding()
			g.Paused, g.PausedAt, g.Remaining = true, now.Add(-time.Minute), 40*time.Second
			return s
		}(), actor: "f1", cmd: command(TypeRoomResume, nil),
			check: func(tb testing.TB, before, after State, _ Change) {
				if g, was := groundingOf(tb, after), groundingOf(tb, before); !reflect.DeepEqual(g, was) {
					tb.Errorf("got %+v, want %+v", g, was)
				}
			}},
		{name: "a resume moves the share's time on", state: frozen(holding(circleRoom(RoundMode, 120, "p2"), "p1", 1), Hold{Paused: true}),
			actor: "f1", cmd: command(TypeRoomResume, nil),
			check: func(tb testing.TB, before, after State, _ Change) {
				if got, want := after.Current.Circle().Turn.EndsAt, before.Current.Circle().Turn.EndsAt.Add(30*time.Second); !got.Equal(want) {
					tb.Errorf("got share end %v, want %v", got, want)
				}
			}},
		{name: "a resume while no facilitator is here keeps the room held", state: withPresence(frozen(withGrounding(gathering()), Hold{Paused: true, FacilitatorAway: true}), "f1", Reconnecting),
			actor: "f1", cmd: command(TypeRoomResume, nil),
			check: func(tb testing.TB, before, after State, _ Change) {
				wantHold(tb, after, Hold{FacilitatorAway: true, Since: before.Hold.Since})
				if !groundingOf(tb, after).EndsAt.Equal(groundingOf(tb, before).EndsAt) {
					tb.Error("a room still held moved its deadlines")
				}
			}},

		// What a frozen room refuses, and what it still takes.
		{name: "paused: an answer waits", state: frozen(withCheckIn(VisibleToGroup, true), Hold{Paused: true}), actor: "p1",
			cmd: Command{Type: TypeCheckInAnswer, ID: "a-1", Data: answer(5, Within, "", "")}, wantCode: CodePaused},
		{name: "paused: the circle does not move", state: frozen(circleRoom(RoundMode, 0, "p1"), Hold{Paused: true}), actor: "f1",
			cmd: command(TypeCircleNext, nil), wantCode: CodePaused},
		{name: "paused: the grounding's own controls wait", state: frozen(withGrounding(gathering()), Hold{Paused: true}), actor: "f1",
			cmd: command(TypeGroundingExtend, map[string]int{"seconds": 30}), wantCode: CodePaused},
		{name: "paused: the agenda does not advance", state: paused, actor: "f1", cmd: command(TypeAgendaNext, nil), wantCode: CodePaused},
		{name: "paused: no item starts", state: paused, actor: "f1", cmd: command(TypeAgendaStart, map[string]string{"itemId": "x"}), wantCode: CodePaused},
		{name: "paused: the activity does not end", state: frozen(withGrounding(gathering()), Hold{Paused: true}), actor: "f1",
			cmd: command(TypeActivityEnd, nil), wantCode: CodePaused},
		{name: "facilitator away: the agenda does not advance", state: away, actor: "f1", cmd: command(TypeAgendaNext, nil), wantCode: CodePaused},
		{name: "paused: the agenda can be planned", state: paused, actor: "f1",
			cmd: command(TypeAgendaAdd, map[string]any{"item": map[string]any{"kind": "grounding", "seconds": 60}})},
		{name: "paused: the door works", state: paused, actor: "f1", cmd: command(TypeDoorLock, map[string]bool{"locked": true})},
		{name: "paused: a participant can still ask for support", state: paused, actor: "p1",
			cmd: command(TypeSupportRaise, map[string]string{"level": "now"})},
		{name: "facilitator away: a participant can still write to the facilitators", state: away, actor: "p1",
			cmd: command(TypeMessageSend, map[string]string{"text": "Are you still there?"})},
		{name: "paused: a facilitator can still answer a signal's person", state: paused, actor: "f1",
			cmd: command(TypeMessageSend, map[string]string{"to": "p1", "text": "I am here."})},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runApply(t, tc) })
	}
}

func TestPausedMessages(t *testing.T) {
	for _, tc := range []struct {
		hold Hold
		want string
	}{
		{Hold{Paused: true}, "The group is taking a pause."},
		{Hold{Paused: true, FacilitatorAway: true}, "The group is taking a pause."},
		{Hold{FacilitatorAway: true}, "Your facilitator is reconnecting."},
	} {
		_, _, err := Apply(frozen(gathering(), tc.hold), now, "f1", command(TypeAgendaNext, nil))
		if e, ok := err.(*Error); !ok || e.Code != CodePaused || e.Message != tc.want {
			t.Errorf("held %+v: got %v, want paused %q", tc.hold, err, tc.want)
		}
	}
}

// TestHoldFollowsFacilitators: the room holds when its last facilitator
// drops and lets go when one is back, moving the deadlines on.
func TestHoldFollowsFacilitators(t *testing.T) {
	s := withGrounding(gathering())
	dropped, ch, ok := setPresence(s, now, "f1", Reconnecting)
	if !ok {
		t.Fatal("no change")
	}
	wantHold(t, dropped, Hold{FacilitatorAway: true, Since: now})
	wantChange(t, ch, heard{Members: []string{"f1"}, Hold: true, Activity: true})

	left, _, _ := setPresence(dropped, now.Add(30*time.Second), "f1", Left)
	wantHold(t, left, Hold{FacilitatorAway: true, Since: now})

	back, ch, _ := setPresence(left, now.Add(40*time.Second), "f1", Present)
	wantHold(t, back, Hold{})
	wantChange(t, ch, heard{Members: []string{"f1"}, Hold: true, Activity: true})
	if got, want := groundingOf(t, back).EndsAt, groundingOf(t, s).EndsAt.Add(40*time.Second); !got.Equal(want) {
		t.Errorf("got deadline %v, want %v: nobody loses time", got, want)
	}

	// A paused room stays paused when its facilitator comes back.
	paused := frozen(withPresence(withGrounding(gathering()), "f1", Reconnecting), Hold{Paused: true, FacilitatorAway: true})
	back, _, _ = setPresence(paused, now, "f1", Present)
	wantHold(t, back, Hold{Paused: true, Since: paused.Hold.Since})

	// A co-facilitator still here keeps the room going.
	two := gathering()
	two.Members = append([]Member{{ID: "f2", Name: "Ben", Role: Facilitator, Presence: Present, FirstJoined: t0}}, two.Members...)
	one, _, _ := setPresence(two, now, "f1", Reconnecting)
	wantHold(t, one, Hold{})

	// A room whose facilitator never came is not held: nobody left it.
	never := withPresence(gathering(), "f1", Absent)
	never.Members[0].FirstJoined = time.Time{}
	gone, _, _ := setPresence(never, now, "p1", Reconnecting)
	wantHold(t, gone, Hold{})
}

// TestAwayHolder: a holder whose connection goes keeps the piece, with their
// time standing still, for as long as they are away; circle.next sends the
// piece on and brings it back to them later.
func TestAwayHolder(t *testing.T) {
	s := holding(circleRoom(RoundMode, 120, "p2", "p3"), "p1", 1)
	s.Current.Circle().Turn.EndsAt = now.Add(50 * time.Second)

	away, _, _ := setPresence(s, now, "p1", Reconnecting)
	turn := away.Current.Circle().Turn
	if !turn.Away || turn.Remaining != 50*time.Second || !turn.EndsAt.IsZero() {
		t.Fatalf("got turn %+v, want away with 50s left", turn)
	}
	v := viewActivity(&away, Participant).(*circleView)
	if v.Holder == nil || !v.Holder.Away || v.Holder.Remaining != 50000 || v.Holder.EndsAt != 0 {
		t.Errorf("got holder %+v, want away, 50000 ms left, no end", v.Holder)
	}
	gone, _, _ := setPresence(away, now.Add(time.Minute), "p1", Left)
	if c := gone.Current.Circle(); c.Turn == nil || c.Turn.MemberID != "p1" || !c.Turn.Away {
		t.Fatalf("got %+v, want p1 to keep the piece past the grace", c.Turn)
	}
	back, _, _ := setPresence(gone, now.Add(5*time.Minute), "p1", Present)
	if turn := back.Current.Circle().Turn; turn.Away || !turn.EndsAt.Equal(now.Add(5*time.Minute+50*time.Second)) {
		t.Errorf("got turn %+v, want their 50 s to resume from their return", turn)
	}

	// circle.next with an away holder: their turn ends, they go to the end.
	next, _, err := Apply(gone, now, "f1", command(TypeCircleNext, nil))
	if err != nil {
		t.Fatal(err)
	}
	wantHolder(t, next, "p2", "p3", "p1")
	wantTurns(t, next, "p1:left")

	// circle.give as before: the share ends as spoken.
	given, _, err := Apply(gone, now, "f1", command(TypeCircleGive, map[string]string{"memberId": "p3"}))
	if err != nil {
		t.Fatal(err)
	}
	wantHolder(t, given, "p3", "p2")
	wantTurns(t, given, "p1:spoke")

	// The holder drops in a frozen room: what is left is counted to the
	// moment the room froze.
	held := frozen(s, Hold{Paused: true})
	away, _, _ = setPresence(held, now, "p1", Reconnecting)
	if got := away.Current.Circle().Turn.Remaining; got != 80*time.Second {
		t.Errorf("got %v left, want 80s: the time stood still from the freeze", got)
	}
	v = viewActivity(&held, Participant).(*circleView)
	if v.Holder.EndsAt != 0 || v.Holder.Remaining != 80000 || v.Holder.Away {
		t.Errorf("got holder %+v in a frozen room, want 80000 ms standing still", v.Holder)
	}
}

// TestPauseInTheRoom runs the hold through a live room: everyone hears of
// it, a frozen room refuses with paused, and the facilitator's drop holds
// the room until they are back.
func TestPauseInTheRoom(t *testing.T) {
	m, _ := newTestManager(t, Config{})
	r := openTestRoom(t, m)
	fac, sam := join(t, r, "f1"), join(t, r, "p1")
	drain(fac)
	drain(sam)

	if err := do(t, fac, TypeRoomPause, "pause-1", ""); err != nil {
		t.Fatal(err)
	}
	v := version(r)
	for _, sub := range []*Subscription{fac, sam} {
		ev := wantEvent(t, sub, v)
		var h struct {
			Hold holdView `json:"hold"`
		}
		decodeInto(t, ev.raw, &h)
		if !h.Hold.Paused || h.Hold.Since == 0 {
			t.Errorf("%s: got hold %+v, want paused since a moment", sub.Member().ID, h.Hold)
		}
	}
	wantAck(t, fac, "pause-1", v, false)
	if err := do(t, fac, TypeAgendaNext, "next-1", ""); err != nil {
		t.Fatal(err)
	}
	wantError(t, fac, "next-1", CodePaused)

	// The facilitator drops: the room stays held, now for both reasons.
	fac.Leave()
	ev := wantEvent(t, sam, version(r))
	if !ev.has("hold") || !ev.has("member") {
		t.Errorf("got %s, want the facilitator's presence and the hold", ev.raw)
	}
	if h := r.State().Hold; !h.Paused || !h.FacilitatorAway {
		t.Errorf("got hold %+v, want paused and the facilitator away", h)
	}
	snap := recvType(t, join(t, r, "f1"), "snapshot")
	var room struct {
		Room struct {
			Hold holdView `json:"hold"`
		} `json:"room"`
	}
	decodeInto(t, snap.raw, &room)
	if !room.Room.Hold.Paused || room.Room.Hold.FacilitatorAway {
		t.Errorf("got hold %+v in the snapshot, want paused with the facilitator back", room.Room.Hold)
	}
}

func decodeInto(tb testing.TB, raw []byte, v any) {
	tb.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		tb.Fatalf("decode %s: %v", raw, err)
	}
}

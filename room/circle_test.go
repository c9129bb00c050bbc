package room

import (
	"context"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

const circlePrompt = "prompt-of-circle: what is alive for you?"

// circleRoom returns a room (f1 facilitating; p1, p2, p3 present) running a
// circle whose queue is as given and whose piece nobody holds. It is built
// here, not by CircleSettings.start, so a bug there cannot shape the
// fixture.
func circleRoom(mode CircleMode, shareSeconds int, queue ...string) State {
	s := gathering()
	set := CircleSettings{Prompt: circlePrompt, Mode: mode, ShareSeconds: shareSeconds}
	if mode == RoundMode {
		set.Order = RosterOrder
	}
	it := Item{ID: "i-circle", Kind: KindCircle, Title: "Sharing circle", Status: Running, Settings: set}
	s.Agenda = []Item{it}
	s.Current = &Activity{ItemID: it.ID, Run: &Circle{
		ID: "act-circle", Prompt: set.Prompt, Mode: mode, Order: set.Order, ShareSeconds: shareSeconds,
		StartedAt: t0.Add(time.Minute), Queue: append([]string{}, queue...), Passes: map[string]int{}, Turns: []Turn{},
	}}
	return s
}

// holding returns s with id holding the piece as its turn number n, since
// t0+2m. It leaves the queue alone: the caller says who is still waiting.
func holding(s State, id string, n int) State {
	s = fullCopy(s)
	c := s.Current.Circle()
	c.Held = n
	c.Turn = &Turn{N: n, MemberID: id, StartedAt: t0.Add(2 * time.Minute)}
	if c.ShareSeconds > 0 {
		c.Turn.EndsAt = c.Turn.StartedAt.Add(time.Duration(c.ShareSeconds) * time.Second)
	}
	c.Reacted = map[string][]string{}
	return s
}

// withTurns returns s with finished turns recorded before the current one.
func withTurns(s State, turns ...Turn) State {
	s = fullCopy(s)
	c := s.Current.Circle()
	c.Turns = append(c.Turns, turns...)
	return s
}

func withPresence(s State, id string, p Presence) State {
	s = fullCopy(s)
	for i := range s.Members {
		if s.Members[i].ID == id {
			s.Members[i].Presence = p
		}
	}
	return s
}

func (c *Circle) testCopy() Run {
	out := *c
	out.Queue = slices.Clone(c.Queue)
	out.Passes = maps.Clone(c.Passes)
	if c.Reacted != nil {
		out.Reacted = make(map[string][]string, len(c.Reacted))
		for k, v := range c.Reacted {
			out.Reacted[k] = slices.Clone(v)
		}
	}
	if c.Turns != nil {
		out.Turns = make([]Turn, len(c.Turns))
		for i, t := range c.Turns {
			t.Reactions = maps.Clone(t.Reactions)
			out.Turns[i] = t
		}
	}
	if c.Turn != nil {
		t := *c.Turn
		t.Reactions = maps.Clone(c.Turn.Reactions)
		out.Turn = &t
	}
	return &out
}

func (c *Circle) scribble() {
	for i := range c.Queue {
		c.Queue[i] = "scribbled"
	}
	c.Passes["scribbled"] = 9
	for k := range c.Reacted {
		if len(c.Reacted[k]) > 0 {
			c.Reacted[k][0] = "scribbled"
		}
	}
	for i := range c.Turns {
		c.Turns[i].Outcome = "scribbled"
	}
	if c.Turn != nil {
		c.Turn.MemberID = "scribbled"
	}
	c.RoundOver = !c.RoundOver
}

// pieceMoved is what a command that moves the talking piece tells: the
// circle to everyone, and to every participant their own part of it, since
// the share in progress (the one they may react to) is part of each one's.
var pieceMoved = heard{Activity: true, Mine: []string{"p1", "p2", "p3"}}

// turn is the data of a command naming share n.
func turn(n int) map[string]int { return map[string]int{"turn": n} }

// held is the data of a command naming the share in progress in s.
func held(tb testing.TB, s State) map[string]int {
	tb.Helper()
	c := circleOf(tb, s)
	if c.Turn == nil {
		tb.Fatal("nobody holds the piece")
	}
	return turn(c.Turn.N)
}

func circleOf(tb testing.TB, s State) *Circle {
	tb.Helper()
	c := s.Current.Circle()
	if c == nil {
		tb.Fatalf("got current %+v, want a circle", s.Current)
	}
	return c
}

// viewOfCircle returns the running circle of s as members see it (everyone
// sees the same).
func viewOfCircle(tb testing.TB, s State) *circleView {
	tb.Helper()
	v, ok := circleOf(tb, s).view(&s, s.Current.ItemID, Participant).(*circleView)
	if !ok {
		tb.Fatal("the circle's view is not a *circleView")
	}
	return v
}

// circleMine returns the member's own part of the running circle.
func circleMine(tb testing.TB, s State, memberID string) *circleMineView {
	tb.Helper()
	v, ok := viewMine(&s, memberID)["circle"].(*circleMineView)
	if !ok {
		tb.Fatalf("got mine %+v for %s, want a circle's", viewMine(&s, memberID), memberID)
	}
	return v
}

// wantHolder checks who holds the piece (""; nobody) and who waits, in order.
func wantHolder(tb testing.TB, s State, holder string, queue ...string) {
	tb.Helper()
	c := circleOf(tb, s)
	got := ""
	if c.Turn != nil {
		got = c.Turn.MemberID
	}
	if got != holder {
		tb.Errorf("got holder %q, want %q", got, holder)
	}
	if queue == nil {
		queue = []string{}
	}
	if !slices.Equal(c.Queue, queue) {
		tb.Errorf("got queue %v, want %v", c.Queue, queue)
	}
}

// wantTurns checks the finished turns as "member:outcome".
func wantTurns(tb testing.TB, s State, want ...string) {
	tb.Helper()
	var got []string
	for _, t := range circleOf(tb, s).Turns {
		got = append(got, t.MemberID+":"+string(t.Outcome))
	}
	if !slices.Equal(got, want) {
		tb.Errorf("got turns %v, want %v", got, want)
	}
}

func TestItemNormalizeCircle(t *testing.T) {
	// As a facilitator's client sends it: fields of other kinds are not the
	// circle's and do not survive.
	var ok Item
	if err := json.Unmarshal([]byte(`{"kind":"circle","prompt":" What is alive? ","mode":"round","order":"random","shareSeconds":180,`+
		`"visibility":"group","seconds":60}`), &ok); err != nil {
		t.Fatal(err)
	}
	got, err := ok.Normalize()
	if err != nil {
		t.Fatal(err)
	}
	want := Item{Kind: KindCircle, Settings: CircleSettings{Prompt: "What is alive?", Mode: RoundMode, Order: RandomOrder, ShareSeconds: 180}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v, want %+v (other kinds' settings dropped)", got, want)
	}
	if b, _ := json.Marshal(got); string(b) != `{"id":"","kind":"circle","prompt":"What is alive?","mode":"round","order":"random","shareSeconds":180}` {
		t.Errorf("got %s, want the circle's settings only", b)
	}
	open, err := NewItem("", CircleSettings{Prompt: "Who would like to share?", Mode: OpenFloor, Order: RandomOrder}).Normalize()
	if set, _ := open.Settings.(CircleSettings); err != nil || set.Order != "" || set.ShareSeconds != 0 {
		t.Errorf("got %+v, %v; want an open floor without an order or a time", open, err)
	}
	circle := func(c CircleSettings) Item { return Item{Kind: KindCircle, Settings: c} }
	bad := []struct {
		name string
		it   Item
	}{
		{"no prompt", circle(CircleSettings{Mode: RoundMode, Order: RosterOrder})},
		{"no mode", circle(CircleSettings{Prompt: "p", Order: RosterOrder})},
		{"unknown mode", circle(CircleSettings{Prompt: "p", Mode: "popcorn", Order: RosterOrder})},
		{"round without order", circle(CircleSettings{Prompt: "p", Mode: RoundMode})},
		{"unknown order", circle(CircleSettings{Prompt: "p", Mode: RoundMode, Order: "alphabetical"})},
		{"share too short", circle(CircleSettings{Prompt: "p", Mode: RoundMode, Order: RosterOrder, ShareSeconds: MinShareSeconds - 1})},
		{"share too long", circle(CircleSettings{Prompt: "p", Mode: RoundMode, Order: RosterOrder, ShareSeconds: MaxShareSeconds + 1})},
		{"negative share", circle(CircleSettings{Prompt: "p", Mode: RoundMode, Order: RosterOrder, ShareSeconds: -60})},
		{"settings of another kind", Item{Kind: KindCircle, Settings: CheckInSettings{Prompt: "p", Visibility: VisibleToGroup}}},
		{"no settings", Item{Kind: KindCircle}},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.it.Normalize(); ErrorCode(err) != CodeInvalid {
				t.Errorf("got %v, want an invalid error", err)
			}
		})
	}
}

func TestCircleStart(t *testing.T) {
	start := func(tb testing.TB, s State, set CircleSettings) *Circle {
		tb.Helper()
		set.Prompt = circlePrompt
		s.Agenda = []Item{{ID: "i-circle", Kind: KindCircle, Status: Pending, Settings: set}}
		after, _, err := Apply(s, now, "f1", command(TypeAgendaStart, map[string]string{"itemId": "i-circle"}))
		if err != nil {
			tb.Fatal(err)
		}
		return circleOf(tb, after)
	}
	t.Run("roster order of those here; the absent and the facilitator are not in it", func(t *testing.T) {
		s := withPresence(withPresence(gathering(), "p2", Absent), "p3", Reconnecting)
		c := start(t, s, CircleSettings{Mode: RoundMode, Order: RosterOrder, ShareSeconds: 120})
		if !slices.Equal(c.Queue, []string{"p1", "p3"}) || c.Turn != nil || c.ShareSeconds != 120 || c.Prompt != circlePrompt {
			t.Errorf("got %+v, want queue [p1 p3], nobody holding, the item's settings", c)
		}
	})
	t.Run("random order is the same people", func(t *testing.T) {
		seen := map[string]bool{}
		for range 50 {
			c := start(t, gathering(), CircleSettings{Mode: RoundMode, Order: RandomOrder})
			got := slices.Clone(c.Queue)
			seen[strings.Join(got, ",")] = true
			slices.Sort(got)
			if !slices.Equal(got, []string{"p1", "p2", "p3"}) {
				t.Fatalf("got queue %v, want p1, p2 and p3 in some order", c.Queue)
			}
		}
		if len(seen) < 2 {
			t.Errorf("50 random orders were all %v", seen)
		}
	})
	t.Run("open floor starts with no hands up", func(t *testing.T) {
		c := start(t, gathering(), CircleSettings{Mode: OpenFloor})
		if len(c.Queue) != 0 || c.Turn != nil {
			t.Errorf("got %+v, want no queue and nobody holding", c)
		}
	})
}

func TestApplyCircle(t *testing.T) {
	round := circleRoom(RoundMode, 0, "p1", "p2", "p3")
	p1Holds := holding(circleRoom(RoundMode, 0, "p2", "p3"), "p1", 1)
	timed := holding(circleRoom(RoundMode, 120, "p2", "p3"), "p1", 1)
	lastHolds := withTurns(holding(circleRoom(RoundMode, 0), "p3", 3),
		Turn{N: 1, MemberID: "p1", Outcome: Spoke}, Turn{N: 2, MemberID: "p2", Outcome: Spoke})
	open := circleRoom(OpenFloor, 0, "p2", "p3")
	ref := func(id string) map[string]string { return map[string]string{"memberId": id} }
	react := func(kind string, n int) map[string]any { return map[string]any{"kind": kind, "turn": n} }

	tests := []step{
		// Starting the round.
		{name: "next hands the piece to the first in the round", state: round, actor: "f1",
			cmd: command(TypeCircleNext, nil), change: pieceMoved,
			check: func(tb testing.TB, _, after State) {
				wantHolder(tb, after, "p1", "p2", "p3")
				if c := circleOf(tb, after); c.Turn.N != 1 || !c.Turn.StartedAt.Equal(now) || !c.Turn.EndsAt.IsZero() {
					tb.Errorf("got turn %+v, want number 1 from now without an end", c.Turn)
				}
			}},
		{name: "next passes over someone away, who keeps their place", state: withPresence(round, "p1", Reconnecting), actor: "f1",
			cmd: command(TypeCircleNext, nil), change: pieceMoved,
			check: func(tb testing.TB, _, after State) { wantHolder(tb, after, "p2", "p1", "p3") }},
		{name: "next with a time per share sets the end", state: circleRoom(RoundMode, 90, "p1"), actor: "f1",
			cmd: command(TypeCircleNext, nil), change: pieceMoved,
			check: func(tb testing.TB, _, after State) {
				if got := circleOf(tb, after).Turn.EndsAt; !got.Equal(now.Add(90 * time.Second)) {
					tb.Errorf("got end %v, want now+90s", got)
				}
			}},
		{name: "a participant cannot start the round", state: round, actor: "p1", cmd: command(TypeCircleNext, nil), wantCode: CodeNotAllowed},
		{name: "next while someone holds the piece", state: p1Holds, actor: "f1", cmd: command(TypeCircleNext, nil), wantCode: CodeClosed},
		{name: "next with nobody here waiting", state: withPresence(circleRoom(RoundMode, 0, "p1"), "p1", Left), actor: "f1",
			cmd: command(TypeCircleNext, nil), wantCode: CodeClosed},
		{name: "next without a circle", state: gathering(), actor: "f1", cmd: command(TypeCircleNext, nil), wantCode: CodeClosed},

		// The holder's own moves.
		{name: "I'm done: the piece moves on by itself", state: p1Holds, actor: "p1",
			cmd: command(TypeCircleDone, turn(1)), change: pieceMoved,
			check: func(tb testing.TB, _, after State) {
				wantHolder(tb, after, "p2", "p3")
				wantTurns(tb, after, "p1:spoke")
				if c := circleOf(tb, after); c.Turn.N != 2 || !c.Turns[0].EndedAt.Equal(now) {
					tb.Errorf("got turn %+v after %+v, want turn 2 and p1's ended now", c.Turn, c.Turns[0])
				}
			}},
		{name: "the facilitator ends a share for the holder", state: p1Holds, actor: "f1",
			cmd: command(TypeCircleDone, turn(1)), change: pieceMoved,
			check: func(tb testing.TB, _, after State) { wantHolder(tb, after, "p2", "p3") }},
		{name: "someone else cannot end the holder's turn", state: p1Holds, actor: "p2", cmd: command(TypeCircleDone, turn(1)), wantCode: CodeNotAllowed},
		{name: "done with nobody holding", state: round, actor: "f1", cmd: command(TypeCircleDone, turn(1)), wantCode: CodeClosed},
		{name: "the last share completes the round", state: lastHolds, actor: "p3",
			cmd: command(TypeCircleDone, turn(3)), change: pieceMoved,
			check: func(tb testing.TB, _, after State) {
				wantHolder(tb, after, "")
				wantTurns(tb, after, "p1:spoke", "p2:spoke", "p3:spoke")
			}},
		{name: "pass for now goes to the end, to be asked once more", state: p1Holds, actor: "p1",
			cmd: command(TypeCirclePass, turn(1)), change: pieceMoved,
			check: func(tb testing.TB, _, after State) {
				wantHolder(tb, after, "p2", "p3", "p1")
				wantTurns(tb, after, "p1:passed")
				if got := circleOf(tb, after).Passes["p1"]; got != 1 {
					tb.Errorf("got %d passes, want 1", got)
				}
			}},
		{name: "a second pass is final", state: func() State {
			s := holding(circleRoom(RoundMode, 0, "p2"), "p1", 4)
			s.Current.Circle().Passes["p1"] = 1
			return withTurns(s, Turn{N: 1, MemberID: "p1", Outcome: PassedOnce})
		}(), actor: "p1", cmd: command(TypeCirclePass, turn(4)), change: pieceMoved,
			check: func(tb testing.TB, _, after State) {
				wantHolder(tb, after, "p2")
				wantTurns(tb, after, "p1:passed", "p1:passed-final")
			}},
		{name: "the last person passes: asked once more at once", state: lastHolds, actor: "p3",
			cmd: command(TypeCirclePass, turn(3)), change: pieceMoved,
			check: func(tb testing.TB, _, after State) {
				wantHolder(tb, after, "p3")
				if c := circleOf(tb, after); c.Turn.N != 4 || c.Passes["p3"] != 1 {
					tb.Errorf("got turn %+v with %d passes, want turn 4, one pass", c.Turn, c.Passes["p3"])
				}
			}},
		{name: "the holder leaves and only people away wait: complete, resting for them", state: withPresence(holding(circleRoom(RoundMode, 0, "p2", "p3"), "p1", 1), "p2", Reconnecting),
			actor: "p1", cmd: command(TypeCircleDone, turn(1)), change: pieceMoved,
			check: func(tb testing.TB, _, after State) {
				wantHolder(tb, after, "p3", "p2")
				after = withPresence(after, "p3", Left)
				after.Current.Circle().Turn = nil
				after.Current.Circle().Queue = []string{"p2", "p3"}
				if v := viewOfCircle(tb, after); !v.Complete || v.Away != 2 {
					tb.Errorf("got complete %v with %d away, want complete with both away", v.Complete, v.Away)
				}
			}},
		{name: "the last person passes twice: the round is complete", state: func() State {
			s := withTurns(holding(circleRoom(RoundMode, 0), "p3", 4), Turn{N: 3, MemberID: "p3", Outcome: PassedOnce})
			s.Current.Circle().Passes["p3"] = 1
			return s
		}(), actor: "p3", cmd: command(TypeCirclePass, turn(4)), change: pieceMoved,
			check: func(tb testing.TB, _, after State) {
				wantHolder(tb, after, "")
				if v := viewOfCircle(tb, after); !v.Complete || v.Next != "" {
					tb.Errorf("got view %+v, want the round complete", v)
				}
			}},
		{name: "a pass on the open floor is final", state: holding(open, "p1", 1), actor: "p1",
			cmd: command(TypeCirclePass, turn(1)), change: pieceMoved,
			check: func(tb testing.TB, _, after State) {
				wantHolder(tb, after, "", "p2", "p3") // the facilitator gives the floor
				wantTurns(tb, after, "p1:passed-final")
			}},
		{name: "only the holder passes", state: p1Holds, actor: "p2", cmd: command(TypeCirclePass, turn(1)), wantCode: CodeNotAllowed},
		{name: "the facilitator cannot pass for someone", state: p1Holds, actor: "f1", cmd: command(TypeCirclePass, turn(1)), wantCode: CodeNotAllowed},

		// The facilitator's moves.
		{name: "give the piece to someone waiting", state: p1Holds, actor: "f1",
			cmd: command(TypeCircleGive, ref("p3")), change: pieceMoved,
			check: func(tb testing.TB, _, after State) {
				wantHolder(tb, after, "p3", "p2")
				wantTurns(tb, after, "p1:spoke")
			}},
		{name: "give the piece again to someone who spoke", state: withTurns(round, Turn{N: 1, MemberID: "p2", Outcome: Spoke}), actor: "f1",
			cmd: command(TypeCircleGive, ref("p2")), change: pieceMoved,
			check: func(tb testing.TB, _, after State) { wantHolder(tb, after, "p2", "p1", "p3") }},
		{name: "give to the holder", state: p1Holds, actor: "f1", cmd: command(TypeCircleGive, ref("p1")), wantCode: CodeClosed},
		{name: "give to a facilitator", state: round, actor: "f1", cmd: command(TypeCircleGive, ref("f1")), wantCode: CodeInvalid},
		{name: "give to someone away", state: withPresence(round, "p2", Left), actor: "f1", cmd: command(TypeCircleGive, ref("p2")), wantCode: CodeInvalid},
		{name: "give to nobody", state: round, actor: "f1", cmd: command(TypeCircleGive, nil), wantCode: CodeInvalid},
		{name: "a participant cannot give the piece", state: p1Holds, actor: "p1", cmd: command(TypeCircleGive, ref("p2")), wantCode: CodeNotAllowed},
		{name: "give with malformed data", state: round, actor: "f1", cmd: command(TypeCircleGive, `{"memberId":3}`), wantCode: CodeInvalid},
		{name: "skip the holder", state: p1Holds, actor: "f1",
			cmd: command(TypeCircleSkip, turn(1)), change: pieceMoved,
			check: func(tb testing.TB, _, after State) {
				wantHolder(tb, after, "p2", "p3")
				wantTurns(tb, after, "p1:skipped")
			}},
		{name: "skip someone waiting, while another speaks", state: p1Holds, actor: "f1",
			cmd: command(TypeCircleSkip, ref("p2")), change: heard{Activity: true},
			check: func(tb testing.TB, _, after State) {
				wantHolder(tb, after, "p1", "p3")
				wantTurns(tb, after, "p2:skipped")
				if c := circleOf(tb, after); c.Turn.N != 1 || c.Turns[0].N != 0 {
					tb.Errorf("got turn %d and record %d, want the share in progress unchanged", c.Turn.N, c.Turns[0].N)
				}
			}},
		{name: "skip someone not waiting", state: p1Holds, actor: "f1", cmd: command(TypeCircleSkip, ref("f1")), wantCode: CodeInvalid},
		{name: "skip with nobody holding", state: round, actor: "f1", cmd: command(TypeCircleSkip, turn(1)), wantCode: CodeClosed},
		{name: "reorder while someone speaks leaves the share alone", state: p1Holds, actor: "f1",
			cmd: command(TypeCircleOrder, map[string][]string{"order": {"p3", "p2"}}), change: heard{Activity: true},
			check: func(tb testing.TB, before, after State) {
				wantHolder(tb, after, "p1", "p3", "p2")
				if !reflect.DeepEqual(circleOf(tb, after).Turn, circleOf(tb, before).Turn) {
					tb.Error("the share in progress changed")
				}
			}},
		{name: "reorder may not include the holder", state: p1Holds, actor: "f1",
			cmd: command(TypeCircleOrder, map[string][]string{"order": {"p3", "p2", "p1"}}), wantCode: CodeInvalid},
		{name: "reorder may not leave someone out", state: round, actor: "f1",
			cmd: command(TypeCircleOrder, map[string][]string{"order": {"p3", "p2"}}), wantCode: CodeInvalid},
		{name: "reorder may not name someone twice", state: round, actor: "f1",
			cmd: command(TypeCircleOrder, map[string][]string{"order": {"p3", "p2", "p2"}}), wantCode: CodeInvalid},
		{name: "the open floor has no order to arrange", state: open, actor: "f1",
			cmd: command(TypeCircleOrder, map[string][]string{"order": {"p3", "p2"}}), wantCode: CodeInvalid},
		{name: "a participant cannot reorder", state: round, actor: "p1",
			cmd: command(TypeCircleOrder, map[string][]string{"order": {"p3", "p2", "p1"}}), wantCode: CodeNotAllowed},
		{name: "extend a share", state: timed, at: t0.Add(3 * time.Minute), actor: "f1", cmd: command(TypeCircleExtend, map[string]int{"seconds": 60, "turn": 1}),
			change: heard{Activity: true},
			check: func(tb testing.TB, before, after State) {
				want := circleOf(tb, before).Turn.EndsAt.Add(time.Minute)
				if got := circleOf(tb, after).Turn.EndsAt; !got.Equal(want) {
					tb.Errorf("got end %v, want %v", got, want)
				}
			}},
		{name: "extend a share whose time is up counts from now", state: timed, at: now.Add(time.Hour), actor: "f1",
			cmd: command(TypeCircleExtend, map[string]int{"seconds": 60, "turn": 1}), change: heard{Activity: true},
			check: func(tb testing.TB, _, after State) {
				if got := circleOf(tb, after).Turn.EndsAt; !got.Equal(now.Add(time.Hour + time.Minute)) {
					tb.Errorf("got end %v, want a minute from the extension", got)
				}
			}},
		{name: "extend without a time per share", state: p1Holds, actor: "f1", cmd: command(TypeCircleExtend, map[string]int{"seconds": 60, "turn": 1}), wantCode: CodeInvalid},
		{name: "extend by nothing", state: timed, actor: "f1", cmd: command(TypeCircleExtend, map[string]int{"seconds": 0}), wantCode: CodeInvalid},
		{name: "extend by too much", state: timed, actor: "f1", cmd: command(TypeCircleExtend, map[string]int{"seconds": MaxExtendSeconds + 1}), wantCode: CodeInvalid},
		{name: "extend with nobody holding", state: circleRoom(RoundMode, 120, "p1"), actor: "f1", cmd: command(TypeCircleExtend, map[string]int{"seconds": 60, "turn": 1}), wantCode: CodeClosed},
		{name: "a participant cannot extend", state: timed, actor: "p1", cmd: command(TypeCircleExtend, map[string]int{"seconds": 60, "turn": 1}), wantCode: CodeNotAllowed},
		{name: "end the round during a share", state: p1Holds, actor: "f1",
			cmd: command(TypeCircleEnd, nil), change: pieceMoved,
			check: func(tb testing.TB, _, after State) {
				wantHolder(tb, after, "", "p2", "p3") // not reached, and listed so
				wantTurns(tb, after, "p1:spoke")
				if v := viewOfCircle(tb, after); !v.RoundOver || !v.Complete || v.Next != "" {
					tb.Errorf("got view %+v, want the round over", v)
				}
			}},
		{name: "after the round, no next", state: func() State { s := fullCopy(round); s.Current.Circle().RoundOver = true; return s }(),
			actor: "f1", cmd: command(TypeCircleNext, nil), wantCode: CodeClosed},
		{name: "end the round twice", state: func() State { s := fullCopy(round); s.Current.Circle().RoundOver = true; return s }(),
			actor: "f1", cmd: command(TypeCircleEnd, nil), wantCode: CodeClosed},

		// Silent reactions.
		{name: "a listener sends a reaction, quietly: only their own record changes", state: p1Holds, actor: "p2",
			cmd: command(TypeCircleReact, react("heard", 1)), change: heard{Quiet: true},
			check: func(tb testing.TB, _, after State) {
				if got := circleOf(tb, after).Reacted; !reflect.DeepEqual(got, map[string][]string{"p2": {"heard"}}) {
					tb.Errorf("got reacted %v", got)
				}
			}},
		{name: "the same reaction twice", state: func() State {
			s := holding(circleRoom(RoundMode, 0), "p1", 1)
			s.Current.Circle().Reacted["p2"] = []string{"heard"}
			return s
		}(), actor: "p2", cmd: command(TypeCircleReact, react("heard", 1)), wantCode: CodeInvalid},
		{name: "a reaction to a share that ended", state: holding(round, "p2", 2), actor: "p3", cmd: command(TypeCircleReact, react("heard", 1)), wantCode: CodeClosed},
		{name: "the speaker cannot react to themselves", state: p1Holds, actor: "p1", cmd: command(TypeCircleReact, react("heard", 1)), wantCode: CodeNotAllowed},
		{name: "facilitators do not react", state: p1Holds, actor: "f1", cmd: command(TypeCircleReact, react("heard", 1)), wantCode: CodeNotAllowed},
		{name: "an unknown reaction", state: p1Holds, actor: "p2", cmd: command(TypeCircleReact, react("applause", 1)), wantCode: CodeInvalid},
		{name: "the speaker gets the counts when the share ends, never the senders", state: func() State {
			s := holding(circleRoom(RoundMode, 0, "p2"), "p1", 1)
			s.Current.Circle().Reacted = map[string][]string{"p2": {"heard", "resonates"}, "p3": {"heard"}}
			return s
		}(), actor: "p1", cmd: command(TypeCircleDone, turn(1)), change: pieceMoved,
			check: func(tb testing.TB, _, after State) {
				c := circleOf(tb, after)
				if got := c.Turns[0].Reactions; !reflect.DeepEqual(got, map[string]int{"heard": 2, "resonates": 1}) {
					tb.Errorf("got counts %v", got)
				}
				if len(c.Reacted) != 0 {
					tb.Errorf("the senders of the ended share are kept: %v", c.Reacted)
				}
			}},

		// The open floor.
		{name: "raise a hand", state: open, actor: "p1", cmd: command(TypeCircleRaise, nil), change: heard{Activity: true, Mine: []string{"p1"}},
			check: func(tb testing.TB, _, after State) { wantHolder(tb, after, "", "p2", "p3", "p1") }},
		{name: "lower a hand", state: open, actor: "p2", cmd: command(TypeCircleLower, nil), change: heard{Activity: true, Mine: []string{"p2"}},
			check: func(tb testing.TB, _, after State) { wantHolder(tb, after, "", "p3") }},
		{name: "raise a hand twice", state: open, actor: "p2", cmd: command(TypeCircleRaise, nil), wantCode: CodeInvalid},
		{name: "lower a hand that is not up", state: open, actor: "p1", cmd: command(TypeCircleLower, nil), wantCode: CodeInvalid},
		{name: "raise a hand while holding the floor", state: holding(open, "p1", 1), actor: "p1", cmd: command(TypeCircleRaise, nil), wantCode: CodeInvalid},
		{name: "no hands in a round", state: round, actor: "p1", cmd: command(TypeCircleRaise, nil), wantCode: CodeInvalid},
		{name: "facilitators do not raise hands", state: open, actor: "f1", cmd: command(TypeCircleRaise, nil), wantCode: CodeNotAllowed},
		{name: "next gives the floor to the first hand", state: open, actor: "f1", cmd: command(TypeCircleNext, nil), change: pieceMoved,
			check: func(tb testing.TB, _, after State) { wantHolder(tb, after, "p2", "p3") }},
		{name: "done on the open floor waits for the facilitator", state: holding(open, "p1", 1), actor: "p1",
			cmd: command(TypeCircleDone, turn(1)), change: pieceMoved,
			check: func(tb testing.TB, _, after State) { wantHolder(tb, after, "", "p2", "p3") }},

		// A command names the share it is for: one sent for a share that has
		// ended (kept on a device through a dropped connection, say) never
		// ends or changes the next.
		{name: "done for a share that has ended", state: p1Holds, actor: "f1", cmd: command(TypeCircleDone, turn(2)), wantCode: CodeClosed},
		{name: "done naming no share", state: p1Holds, actor: "p1", cmd: command(TypeCircleDone, nil), wantCode: CodeInvalid},
		{name: "a pass for a share that has ended", state: p1Holds, actor: "p1", cmd: command(TypeCirclePass, turn(7)), wantCode: CodeClosed},
		{name: "skip a share that has ended", state: p1Holds, actor: "f1", cmd: command(TypeCircleSkip, turn(2)), wantCode: CodeClosed},
		{name: "skip the holder naming no share", state: p1Holds, actor: "f1", cmd: command(TypeCircleSkip, nil), wantCode: CodeInvalid},
		{name: "extend a share that has ended", state: timed, actor: "f1", cmd: command(TypeCircleExtend, map[string]int{"seconds": 60, "turn": 2}), wantCode: CodeClosed},
		{name: "a reaction naming no share", state: p1Holds, actor: "p2", cmd: command(TypeCircleReact, map[string]string{"kind": "heard"}), wantCode: CodeInvalid},
		{name: "a pass from someone given the piece after sharing is final", state: withTurns(holding(circleRoom(RoundMode, 0, "p2"), "p1", 2),
			Turn{N: 1, MemberID: "p1", Outcome: Spoke}), actor: "p1", cmd: command(TypeCirclePass, turn(2)), change: pieceMoved,
			check: func(tb testing.TB, _, after State) {
				wantHolder(tb, after, "p2")
				wantTurns(tb, after, "p1:spoke", "p1:passed-final")
			}},
		{name: "a pass on the open floor is not counted toward asking again", state: holding(open, "p1", 1), actor: "p1",
			cmd: command(TypeCirclePass, turn(1)), change: pieceMoved,
			check: func(tb testing.TB, _, after State) {
				if n := circleOf(tb, after).Passes["p1"]; n != 0 {
					tb.Errorf("got %d passes on the open floor, want none counted", n)
				}
			}},
		{name: "skipping a raised hand only lowers it, and tells its owner", state: open, actor: "f1",
			cmd: command(TypeCircleSkip, ref("p2")), change: heard{Activity: true, Mine: []string{"p2"}},
			check: func(tb testing.TB, _, after State) {
				wantHolder(tb, after, "", "p3")
				wantTurns(tb, after)
			}},

		// Ending the activity.
		{name: "ending the activity mid-share records the share", state: p1Holds, actor: "f1",
			cmd: command(TypeActivityEnd, nil), change: heard{Activity: true, Agenda: true},
			check: func(tb testing.TB, _, after State) {
				if after.Current != nil || len(after.History) != 1 {
					tb.Fatalf("got current %+v, history %d", after.Current, len(after.History))
				}
				c := after.History[0].Circle()
				if c == nil || c.Turn != nil || !c.EndedAt.Equal(now) || len(c.Turns) != 1 || c.Turns[0].Outcome != Spoke {
					tb.Errorf("got %+v, want the share closed into the history", c)
				}
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runStep(t, tc) })
	}
}

func TestCirclePresence(t *testing.T) {
	round := circleRoom(RoundMode, 0, "p2", "p3")
	cases := []struct {
		name   string
		state  State
		member string
		to     Presence
		holder string
		queue  []string
		// mine is who gets their own part of the circle: every
		// participant when the piece moves, since the share in progress
		// is part of each one's.
		mine []string
	}{
		{"the holder drops: the piece waits for them", holding(round, "p1", 1), "p1", Reconnecting, "p1", []string{"p2", "p3"}, nil},
		{"the holder is gone past the grace: the piece still waits for them", withPresence(holding(round, "p1", 1), "p1", Reconnecting), "p1", Left, "p1", []string{"p2", "p3"}, nil},
		{"the holder is sent out: the piece moves on", holding(round, "p1", 1), "p1", Removed, "p2", []string{"p3"}, []string{"p1", "p2", "p3"}},
		{"someone waiting who is sent out leaves the round", round, "p2", Removed, "", []string{"p3"}, nil},
		{"the holder comes back within the grace", withPresence(holding(round, "p1", 1), "p1", Reconnecting), "p1", Present, "p1", []string{"p2", "p3"}, nil},
		{"a late joiner goes to the end", withPresence(holding(circleRoom(RoundMode, 0, "p2"), "p1", 1), "p3", Absent), "p3", Present, "p1", []string{"p2", "p3"}, nil},
		{"someone waiting who comes back keeps their place", withPresence(round, "p2", Reconnecting), "p2", Present, "", []string{"p2", "p3"}, nil},
		{"someone who spoke and comes back is not asked again",
			withPresence(withTurns(circleRoom(RoundMode, 0, "p3"), Turn{N: 1, MemberID: "p2", Outcome: Spoke}), "p2", Left),
			"p2", Present, "", []string{"p3"}, nil},
		{"someone who left mid-share is asked again when back",
			withPresence(withTurns(circleRoom(RoundMode, 0, "p3"), Turn{N: 1, MemberID: "p2", Outcome: LeftRoom}), "p2", Left),
			"p2", Present, "", []string{"p3", "p2"}, nil},
		{"late joiners do not queue on the open floor", withPresence(circleRoom(OpenFloor, 0), "p3", Absent), "p3", Present, "", nil, nil},
		{"after the round, nobody is added", func() State {
			s := withPresence(circleRoom(RoundMode, 0), "p3", Absent)
			s.Current.Circle().RoundOver = true
			return s
		}(), "p3", Present, "", nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := fullCopy(tc.state)
			after, ch, changed := setPresence(tc.state, now, tc.member, tc.to)
			if !changed {
				t.Fatal("presence did not change")
			}
			if !reflect.DeepEqual(tc.state, before) {
				t.Fatal("setPresence changed its input")
			}
			wantHolder(t, after, tc.holder, tc.queue...)
			var care []string // a holder whose connection drops is flagged (care.go)
			m, _ := before.Member(tc.member)
			if t := before.Current.Circle().Turn; m.Presence == Present && tc.to == Reconnecting && t != nil && t.MemberID == tc.member {
				care = []string{fieldFlags}
			}
			wantChange(t, ch, heard{Members: []string{tc.member}, Activity: true, Mine: tc.mine, Care: care})
		})
	}
}

// TestCircleViewPrivacy checks what the circle's messages carry: the same
// picture for everyone, reaction counts only to the speaker after the share,
// and never who sent a reaction.
func TestCircleViewPrivacy(t *testing.T) {
	s := holding(circleRoom(RoundMode, 120, "p3"), "p1", 1)
	s.Current.Circle().Reacted = map[string][]string{"p2": {"resonates"}}

	var ch Change
	ch.activity(&s)
	during := newFanout(s.Version, now, ch.parts, nil)
	for _, m := range s.Members {
		if msg := during.messageTo(m).Data; strings.Contains(string(msg), "resonates") || strings.Contains(string(msg), "reacted") {
			t.Errorf("%s: a reaction shows during the share: %s", m.ID, msg)
		}
	}
	// The sender sees only what they sent, so a reload shows it as sent.
	if mine := circleMine(t, s, "p2"); !slices.Equal(mine.Reacted, []string{"resonates"}) || mine.Turn != 1 {
		t.Errorf("got the sender's mine %+v", mine)
	}
	for _, id := range []string{"p1", "p3", "f1"} {
		if b, _ := json.Marshal(viewMine(&s, id)); strings.Contains(string(b), "resonates") {
			t.Errorf("%s sees a reaction during the share: %s", id, b)
		}
	}

	after, ch, err := Apply(s, now, "p1", command(TypeCircleDone, turn(1)))
	if err != nil {
		t.Fatal(err)
	}
	f := newFanout(after.Version, now, ch.parts, nil)
	for _, m := range after.Members {
		msg := string(f.messageTo(m).Data)
		got := strings.Contains(msg, `"resonates":1`)
		if got != (m.ID == "p1") {
			t.Errorf("%s: got the count %v, want it only for the speaker: %s", m.ID, got, msg)
		}
		if strings.Contains(msg, "p2\",\"kind") || strings.Contains(msg, `"reacted"`) {
			t.Errorf("%s: a sender shows: %s", m.ID, msg)
		}
	}
	// The piece moved on to Lee: every participant's own part follows it,
	// so nobody is left holding the turn of a share that has ended.
	for _, m := range after.Members {
		raw, ok := decodeMsg(t, f.messageTo(m).Data).keys["mine"]
		if m.Role == Facilitator {
			if ok {
				t.Errorf("%s: got mine %s, want none", m.ID, raw)
			}
			continue
		}
		var mine struct{ Circle *struct{ Turn int } }
		if err := json.Unmarshal(raw, &mine); err != nil || mine.Circle == nil || mine.Circle.Turn != 2 {
			t.Errorf("%s: got mine %s, want their part of the circle at turn 2", m.ID, raw)
		}
	}
	if snap := string(snapshot(&after, after.Members[1], now)); !strings.Contains(snap, `"received":{"n":1,"outcome":"spoke","reactions":{"resonates":1}}`) {
		t.Errorf("the speaker's snapshot lacks their counts: %s", snap)
	}
	for _, m := range []Member{after.Members[0], after.Members[2], after.Members[3]} {
		if snap := string(snapshot(&after, m, now)); strings.Contains(snap, "resonates") {
			t.Errorf("%s's snapshot shows the speaker's reactions: %s", m.ID, snap)
		}
	}
	v := viewOfCircle(t, after)
	if v.Holder == nil || v.Holder.MemberID != "p3" || v.Holder.EndsAt != now.Add(2*time.Minute).UnixMilli() || len(v.Turns) != 1 || v.Turns[0].Name != "Sam" {
		t.Errorf("got view %+v", v)
	}
}

// TestCircleRunsThrough plays a whole round as members would, through Apply
// and setPresence only: a pass, a late joiner, a reorder, a holder who
// leaves, the second pass.
func TestCircleRunsThrough(t *testing.T) {
	s := withPresence(gathering(), "p3", Absent)
	s.Members = append(s.Members, Member{ID: "p4", Name: "Ola", Role: Participant, Presence: Present})
	s.Agenda = []Item{{ID: "c", Kind: KindCircle, Status: Pending,
		Settings: CircleSettings{Prompt: circlePrompt, Mode: RoundMode, Order: ArrangedOrder, ShareSeconds: 60}}}
	at := now
	do := func(actor, typ string, v any) {
		t.Helper()
		at = at.Add(time.Second)
		next, _, err := Apply(s, at, actor, command(typ, v))
		if err != nil {
			t.Fatalf("%s %s: %v", actor, typ, err)
		}
		s = next
	}
	presence := func(id string, p Presence) {
		t.Helper()
		next, _, ok := setPresence(s, at, id, p)
		if !ok {
			t.Fatalf("%s did not become %s", id, p)
		}
		s = next
	}
	do("f1", TypeAgendaStart, map[string]string{"itemId": "c"})
	wantHolder(t, s, "", "p1", "p2", "p4")
	do("f1", TypeCircleOrder, map[string][]string{"order": {"p2", "p1", "p4"}})
	do("f1", TypeCircleNext, nil)
	wantHolder(t, s, "p2", "p1", "p4")
	do("p2", TypeCirclePass, held(t, s))
	wantHolder(t, s, "p1", "p4", "p2")
	presence("p3", Present) // late
	wantHolder(t, s, "p1", "p4", "p2", "p3")
	do("p4", TypeCircleReact, map[string]any{"kind": "thanks", "turn": 2})
	do("p1", TypeCircleDone, held(t, s))
	wantHolder(t, s, "p4", "p2", "p3")
	presence("p4", Reconnecting)
	presence("p4", Left)
	wantHolder(t, s, "p4", "p2", "p3") // the piece never passes by itself
	do("f1", TypeCircleNext, nil)      // their turn ends; they come back to it
	wantHolder(t, s, "p2", "p3", "p4")
	do("p2", TypeCirclePass, held(t, s)) // the second pass is final
	wantHolder(t, s, "p3", "p4")
	do("p3", TypeCircleDone, held(t, s))
	wantHolder(t, s, "", "p4") // p4 is away: the round rests
	wantTurns(t, s, "p2:passed", "p1:spoke", "p4:left", "p2:passed-final", "p3:spoke")
	if got := circleOf(t, s).Turns[1].Reactions; !reflect.DeepEqual(got, map[string]int{"thanks": 1}) {
		t.Errorf("got p1's reactions %v", got)
	}
	presence("p4", Present) // back: asked, since they never finished
	wantHolder(t, s, "", "p4")
	do("f1", TypeCircleNext, nil)
	do("p4", TypeCircleDone, held(t, s))
	do("f1", TypeAgendaNext, nil)
	if s.Current != nil || s.History[0].Circle() == nil || len(s.History[0].Circle().Turns) != 6 {
		t.Errorf("got current %+v, history %+v", s.Current, s.History)
	}
}

// TestQuietReaction runs a reaction through a live room: the sender gets its
// ack and nobody else gets anything, not even a version; the reaction is
// committed (a retry is a duplicate, a restart keeps it), and the speaker
// learns the count when the share ends.
func TestQuietReaction(t *testing.T) {
	m, store := newTestManager(t, Config{})
	r := openTestRoom(t, m)
	fac, sam, kim, lee := join(t, r, "f1"), join(t, r, "p1"), join(t, r, "p2"), join(t, r, "p3")
	r.mu.Lock()
	s := r.state.clone()
	s.Version++
	s.Agenda = []Item{{ID: "c", Kind: KindCircle, Status: Pending, Settings: CircleSettings{Prompt: circlePrompt, Mode: RoundMode, Order: RosterOrder}}}
	var ch Change
	ch.agendaChanged(&s)
	if err := r.commitLocked(context.Background(), s, ch, ""); err != nil {
		t.Fatal(err)
	}
	r.mu.Unlock()
	act := func(sub *Subscription, id, typ string, v any) {
		t.Helper()
		if err := r.do(context.Background(), sub, Command{Type: typ, ID: id, Data: data(v)}); err != nil {
			t.Fatal(err)
		}
	}
	act(fac, "a1", TypeAgendaStart, map[string]string{"itemId": "c"})
	act(fac, "a2", TypeCircleNext, nil)
	for _, sub := range []*Subscription{fac, sam, kim, lee} {
		drain(sub)
	}
	before := version(r)
	act(kim, "k1", TypeCircleReact, map[string]any{"kind": "heard", "turn": 1})
	wantAck(t, kim, "k1", before, false)
	for _, sub := range []*Subscription{fac, sam, lee} {
		recvNone(t, sub)
	}
	if version(r) != before {
		t.Errorf("the reaction moved the version from %d to %d", before, version(r))
	}
	stored, err := store.Room(context.Background(), "s1")
	if err != nil || stored.Current.Circle() == nil || !slices.Equal(stored.Current.Circle().Reacted["p2"], []string{"heard"}) {
		t.Fatalf("stored %+v (%v), want the reaction committed", stored.Current, err)
	}
	act(kim, "k1", TypeCircleReact, map[string]any{"kind": "heard", "turn": 1})
	wantAck(t, kim, "k1", before, true)
	recvNone(t, sam)

	act(sam, "s1", TypeCircleDone, map[string]int{"turn": 1})
	msg := wantEvent(t, sam, before+1)
	if !strings.Contains(string(msg.raw), `"reactions":{"heard":1}`) {
		t.Errorf("the speaker's event after the share: %s, want the count", msg.raw)
	}
	if ev := wantEvent(t, lee, before+1); strings.Contains(string(ev.raw), "heard") {
		t.Errorf("a listener learns of the reaction: %s", ev.raw)
	}
}

package room

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// careRoom returns a gathering room with Sam's (p1) signal open at level,
// raised a minute before now, acknowledged by Ana (f1) when acked; level ""
// for no signal.
func careRoom(level SupportLevel, acked bool) State {
	s := gathering()
	if level == "" {
		return s
	}
	sig := Signal{MemberID: "p1", Level: level, At: now.Add(-time.Minute)}
	if acked {
		sig.AckedAt, sig.AckedBy = now.Add(-30*time.Second), "f1"
	}
	s.Signals = []Signal{
		// Kim's earlier signal, withdrawn: no transition of Sam's touches it.
		{MemberID: "p2", Level: SupportNow, At: t0.Add(time.Minute), EndedAt: t0.Add(2 * time.Minute), Ended: SignalWithdrawn},
		sig,
	}
	return s
}

// withThread returns s with a thread between the facilitators and with
// holding n messages, alternately from f1 and from them, read by both up
// to read.
func withThread(s State, with string, n, read int) State {
	s = fullCopy(s)
	if s.Threads == nil {
		s.Threads = map[string]Thread{}
	}
	t := Thread{ReadByFacilitators: read, ReadByParticipant: read}
	for i := 1; i <= n; i++ {
		from := "f1"
		if i%2 == 0 {
			from = with
		}
		t.Messages = append(t.Messages, ThreadMessage{N: i, From: from, Text: "message " + strings.Repeat("x", i%7), At: t0.Add(time.Duration(i) * time.Second)})
	}
	s.Threads[with] = t
	return s
}

// withFlag returns s with an open flag on the member.
func withFlag(s State, memberID string, reason FlagReason) State {
	s = fullCopy(s)
	s.Flags = append(s.Flags, Flag{MemberID: memberID, Reason: reason, At: now.Add(-2 * time.Minute)})
	return s
}

// careScribbled changes in place every care part of after that differs
// from before: runStep then checks that the input did not change with it,
// so a transition that wrote into a slice or map its input shares fails.
func careScribbled(before, after State) {
	if !reflect.DeepEqual(before.Signals, after.Signals) {
		for i := range after.Signals {
			after.Signals[i].Level = "scribbled"
		}
	}
	if !reflect.DeepEqual(before.Flags, after.Flags) {
		for i := range after.Flags {
			after.Flags[i].Reason = "scribbled"
		}
	}
	for id, t := range after.Threads {
		if !reflect.DeepEqual(before.Threads[id].Messages, t.Messages) {
			for i := range t.Messages {
				t.Messages[i].Text = "scribbled"
			}
		}
	}
	if after.Threads != nil && !reflect.DeepEqual(before.Threads, after.Threads) {
		after.Threads["scribbled"] = Thread{}
	}
}

// wantSignals checks Sam's (p1) signals after a transition: the open one,
// and the ends of the others in order.
func wantSignals(tb testing.TB, s State, open *Signal, ended ...Signal) {
	tb.Helper()
	var gotOpen *Signal
	var gotEnded []Signal
	for _, sig := range s.Signals {
		if sig.MemberID != "p1" {
			continue
		}
		if sig.Ended == "" {
			if gotOpen != nil {
				tb.Errorf("Sam has two open signals: %+v and %+v", *gotOpen, sig)
			}
			gotOpen = &sig
			continue
		}
		gotEnded = append(gotEnded, sig)
	}
	if !reflect.DeepEqual(gotOpen, open) {
		tb.Errorf("got Sam's open signal %+v, want %+v", gotOpen, open)
	}
	if !reflect.DeepEqual(gotEnded, ended) {
		tb.Errorf("got Sam's ended signals %+v, want %+v", gotEnded, ended)
	}
	for _, kim := range s.Signals {
		if kim.MemberID == "p2" && kim.Ended != SignalWithdrawn {
			tb.Errorf("Kim's signal changed: %+v", kim)
		}
	}
}

func TestApplySupport(t *testing.T) {
	sam := Signal{MemberID: "p1", Level: SupportMoment, At: now.Add(-time.Minute)}
	acked := sam
	acked.AckedAt, acked.AckedBy = now.Add(-30*time.Second), "f1"
	ended := func(sig Signal, how SignalEnd, by string) Signal {
		sig.EndedAt, sig.Ended, sig.EndedBy = now, how, by
		return sig
	}
	full := careRoom("", false)
	for i := range MaxSignals {
		full.Signals = append(full.Signals, Signal{MemberID: "p1", Level: SupportMoment, At: t0.Add(time.Duration(i) * time.Second),
			EndedAt: t0.Add(time.Duration(i)*time.Second + time.Millisecond), Ended: SignalWithdrawn})
	}
	samTold := heard{Care: []string{fieldSupport, fieldSupport + ":p1"}}
	tests := []step{
		{name: "a participant raises a moment", state: careRoom("", false), actor: "p1",
			cmd: command(TypeSupportRaise, map[string]any{"level": "moment"}), change: samTold,
			check: func(tb testing.TB, before, after State) {
				wantSignals(tb, after, &Signal{MemberID: "p1", Level: SupportMoment, At: now})
				careScribbled(before, after)
			}},
		{name: "a participant asks for someone now", state: careRoom("", false), actor: "p1",
			cmd: command(TypeSupportRaise, map[string]any{"level": "now"}), change: samTold,
			check: func(tb testing.TB, _, after State) {
				wantSignals(tb, after, &Signal{MemberID: "p1", Level: SupportNow, At: now})
			}},
		{name: "raising another level ends the open signal and asks anew", state: careRoom(SupportMoment, true), actor: "p1",
			cmd: command(TypeSupportRaise, map[string]any{"level": "now"}), change: samTold,
			check: func(tb testing.TB, before, after State) {
				wantSignals(tb, after, &Signal{MemberID: "p1", Level: SupportNow, At: now}, ended(acked, SignalRaisedAgain, ""))
				careScribbled(before, after)
			}},
		{name: "raising the same level after the answer asks for a new one", state: careRoom(SupportMoment, true), actor: "p1",
			cmd: command(TypeSupportRaise, map[string]any{"level": "moment"}), change: samTold,
			check: func(tb testing.TB, _, after State) {
				wantSignals(tb, after, &Signal{MemberID: "p1", Level: SupportMoment, At: now}, ended(acked, SignalRaisedAgain, ""))
			}},
		{name: "raising the same level while it waits changes nothing", state: careRoom(SupportMoment, false), actor: "p1",
			cmd: command(TypeSupportRaise, map[string]any{"level": "moment"}), change: heard{Quiet: true},
			check: func(tb testing.TB, before, after State) {
				if !reflect.DeepEqual(after.Signals, before.Signals) {
					tb.Errorf("got signals %+v, want them as they were", after.Signals)
				}
			}},
		{name: "a facilitator cannot raise", state: careRoom("", false), actor: "f1",
			cmd: command(TypeSupportRaise, map[string]any{"level": "now"}), wantCode: CodeNotAllowed},
		{name: "an unknown level", state: careRoom("", false), actor: "p1",
			cmd: command(TypeSupportRaise, map[string]any{"level": "soon"}), wantCode: CodeInvalid},
		{name: "no level", state: careRoom("", false), actor: "p1", cmd: command(TypeSupportRaise, nil), wantCode: CodeInvalid},
		{name: "data that is no object", state: careRoom("", false), actor: "p1", cmd: command(TypeSupportRaise, `"now"`), wantCode: CodeInvalid},
		{name: "past the most signals of a session", state: full, actor: "p1",
			cmd: command(TypeSupportRaise, map[string]any{"level": "now"}), wantCode: CodeInvalid},

		{name: "a participant withdraws", state: careRoom(SupportMoment, true), actor: "p1",
			cmd: command(TypeSupportWithdraw, nil), change: samTold,
			check: func(tb testing.TB, before, after State) {
				wantSignals(tb, after, nil, ended(acked, SignalWithdrawn, ""))
				careScribbled(before, after)
			}},
		{name: "nothing to withdraw", state: careRoom("", false), actor: "p1", cmd: command(TypeSupportWithdraw, nil), wantCode: CodeClosed},
		{name: "another's signal is not theirs to withdraw", state: careRoom(SupportNow, false), actor: "p2",
			cmd: command(TypeSupportWithdraw, nil), wantCode: CodeClosed},
		{name: "a facilitator cannot withdraw", state: careRoom(SupportNow, false), actor: "f1",
			cmd: command(TypeSupportWithdraw, nil), wantCode: CodeNotAllowed},

		{name: "a facilitator says I see you", state: careRoom(SupportMoment, false), actor: "f1",
			cmd: command(TypeSupportAck, memberRef{MemberID: "p1"}), change: samTold,
			check: func(tb testing.TB, before, after State) {
				want := sam
				want.AckedAt, want.AckedBy = now, "f1"
				wantSignals(tb, after, &want)
				careScribbled(before, after)
			}},
		{name: "a second answer keeps the first", state: careRoom(SupportMoment, true), actor: "f1",
			cmd: command(TypeSupportAck, memberRef{MemberID: "p1"}), change: heard{Quiet: true},
			check: func(tb testing.TB, _, after State) { wantSignals(tb, after, &acked) }},
		{name: "a participant cannot answer", state: careRoom(SupportMoment, false), actor: "p2",
			cmd: command(TypeSupportAck, memberRef{MemberID: "p1"}), wantCode: CodeNotAllowed},
		{name: "a facilitator as memberId", state: careRoom(SupportMoment, false), actor: "f1",
			cmd: command(TypeSupportAck, memberRef{MemberID: "f1"}), wantCode: CodeNotAllowed},
		{name: "nobody of that ID", state: careRoom(SupportMoment, false), actor: "f1",
			cmd: command(TypeSupportAck, memberRef{MemberID: "p9"}), wantCode: CodeNotFound},
		{name: "no memberId", state: careRoom(SupportMoment, false), actor: "f1", cmd: command(TypeSupportAck, nil), wantCode: CodeInvalid},
		{name: "no open signal to answer", state: careRoom("", false), actor: "f1",
			cmd: command(TypeSupportAck, memberRef{MemberID: "p2"}), wantCode: CodeClosed},

		{name: "a facilitator clears a signal", state: careRoom(SupportNow, true), actor: "f1",
			cmd: command(TypeSupportClear, memberRef{MemberID: "p1"}), change: samTold,
			check: func(tb testing.TB, _, after State) {
				want := acked
				want.Level = SupportNow
				wantSignals(tb, after, nil, ended(want, SignalCleared, "f1"))
			}},
		{name: "clearing a signal clears the flags too", state: withFlag(withFlag(careRoom(SupportNow, false), "p1", DroppedAfterSignal), "p2", DroppedWhileSharing),
			actor: "f1", cmd: command(TypeSupportClear, memberRef{MemberID: "p1"}),
			change: heard{Care: []string{fieldFlags, fieldSupport, fieldSupport + ":p1"}},
			check: func(tb testing.TB, before, after State) {
				want := []Flag{
					{MemberID: "p1", Reason: DroppedAfterSignal, At: now.Add(-2 * time.Minute), ClearedAt: now, ClearedBy: "f1"},
					{MemberID: "p2", Reason: DroppedWhileSharing, At: now.Add(-2 * time.Minute)},
				}
				if !reflect.DeepEqual(after.Flags, want) {
					tb.Errorf("got flags %+v, want %+v", after.Flags, want)
				}
				careScribbled(before, after)
			}},
		{name: "clearing a flag alone", state: withFlag(careRoom("", false), "p2", DroppedWhileSharing), actor: "f1",
			cmd: command(TypeSupportClear, memberRef{MemberID: "p2"}), change: heard{Care: []string{fieldFlags}},
			check: func(tb testing.TB, _, after State) {
				if f := after.Flags[0]; f.ClearedAt != now || f.ClearedBy != "f1" {
					tb.Errorf("got flag %+v, want it cleared by f1 now", f)
				}
			}},
		{name: "nothing to clear", state: withFlag(careRoom(SupportNow, false), "p2", DroppedWhileSharing), actor: "f1",
			cmd: command(TypeSupportClear, memberRef{MemberID: "p3"}), wantCode: CodeClosed},
		{name: "a participant cannot clear", state: careRoom(SupportNow, false), actor: "p1",
			cmd: command(TypeSupportClear, memberRef{MemberID: "p1"}), wantCode: CodeNotAllowed},
		{name: "a facilitator is cleared of nothing", state: careRoom(SupportNow, false), actor: "f1",
			cmd: command(TypeSupportClear, memberRef{MemberID: "f1"}), wantCode: CodeNotAllowed},
		{name: "clearing nobody", state: careRoom(SupportNow, false), actor: "f1",
			cmd: command(TypeSupportClear, memberRef{MemberID: "p9"}), wantCode: CodeNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runStep(t, tc) })
	}
}

func TestApplyMessages(t *testing.T) {
	send := func(to, text string) Command {
		return command(TypeMessageSend, map[string]any{"to": to, "text": text})
	}
	read := func(with string, n int) Command {
		return command(TypeMessageRead, map[string]any{"with": with, "n": n})
	}
	samsThread := heard{Care: []string{fieldThread, fieldThread + ":p1"}}
	// wantThread checks Sam's thread after a message: its last message,
	// its length and both read marks.
	wantThread := func(n int, last ThreadMessage, byF, byP int) func(tb testing.TB, before, after State) {
		return func(tb testing.TB, before, after State) {
			tb.Helper()
			th := after.Threads["p1"]
			if len(th.Messages) != n || !reflect.DeepEqual(th.Messages[n-1], last) {
				tb.Errorf("got %d messages, the last %+v; want %d, the last %+v", len(th.Messages), th.Messages[len(th.Messages)-1], n, last)
			}
			if th.ReadByFacilitators != byF || th.ReadByParticipant != byP {
				tb.Errorf("got read marks %d/%d, want %d/%d", th.ReadByFacilitators, th.ReadByParticipant, byF, byP)
			}
			if !reflect.DeepEqual(after.Threads["p2"], before.Threads["p2"]) {
				tb.Errorf("Kim's thread changed: %+v", after.Threads["p2"])
			}
			careScribbled(before, after)
		}
	}
	both := withThread(withThread(gathering(), "p1", 3, 2), "p2", 2, 1)
	full := withThread(gathering(), "p1", MaxThread, 0)
	long := strings.Repeat("🌿", MaxMessage)
	tests := []step{
		{name: "a facilitator writes first", state: gathering(), actor: "f1", cmd: send("p1", "How are you doing?"), change: samsThread,
			check: wantThread(1, ThreadMessage{N: 1, From: "f1", Text: "How are you doing?", At: now}, 1, 0)},
		{name: "a participant writes to the facilitators", state: both, actor: "p1", cmd: command(TypeMessageSend, map[string]any{"text": "  I am ok.\n "}),
			change: samsThread, check: wantThread(4, ThreadMessage{N: 4, From: "p1", Text: "I am ok.", At: now}, 2, 4)},
		{name: "a participant may name themself", state: both, actor: "p1", cmd: send("p1", "Thanks"), change: samsThread,
			check: wantThread(4, ThreadMessage{N: 4, From: "p1", Text: "Thanks", At: now}, 2, 4)},
		{name: "500 characters", state: both, actor: "f1", cmd: send("p1", long), change: samsThread,
			check: wantThread(4, ThreadMessage{N: 4, From: "f1", Text: long, At: now}, 4, 2)},
		{name: "501 characters", state: both, actor: "f1", cmd: send("p1", long+"a"), wantCode: CodeInvalid},
		{name: "a message loses the characters that reorder text", state: both, actor: "p1", cmd: send("", "I am \u202eko\u202c\x07 now"), change: samsThread,
			check: wantThread(4, ThreadMessage{N: 4, From: "p1", Text: "I am ko now", At: now}, 2, 4)},
		{name: "a message of nothing but such characters", state: both, actor: "p1", cmd: send("", "\u202e\u2066"), wantCode: CodeInvalid},
		{name: "an empty message", state: both, actor: "p1", cmd: send("", ""), wantCode: CodeInvalid},
		{name: "a message of white space", state: both, actor: "p1", cmd: send("", " \n\t "), wantCode: CodeInvalid},
		{name: "a participant writes to another", state: both, actor: "p1", cmd: send("p2", "hi"), wantCode: CodeNotAllowed},
		{name: "a message to a facilitator", state: both, actor: "f1", cmd: send("f1", "hi"), wantCode: CodeNotAllowed},
		{name: "a message to nobody of that ID", state: both, actor: "f1", cmd: send("p9", "hi"), wantCode: CodeNotFound},
		{name: "a facilitator names nobody", state: both, actor: "f1", cmd: send("", "hi"), wantCode: CodeInvalid},
		{name: "a full thread", state: full, actor: "p1", cmd: send("", "one more"), wantCode: CodeInvalid},
		{name: "a full thread, from a facilitator", state: full, actor: "f1", cmd: send("p1", "one more"), wantCode: CodeInvalid},
		{name: "no text field", state: both, actor: "p1", cmd: command(TypeMessageSend, `{"txt":"hi"}`), wantCode: CodeInvalid},

		{name: "a facilitator reads", state: both, actor: "f1", cmd: read("p1", 3), change: samsThread,
			check: func(tb testing.TB, before, after State) {
				if th := after.Threads["p1"]; th.ReadByFacilitators != 3 || th.ReadByParticipant != 2 || len(th.Messages) != 3 {
					tb.Errorf("got %+v, want read by the facilitators to 3", th)
				}
				careScribbled(before, after)
			}},
		{name: "a participant reads", state: both, actor: "p1", cmd: command(TypeMessageRead, map[string]any{"n": 3}), change: samsThread,
			check: func(tb testing.TB, _, after State) {
				if th := after.Threads["p1"]; th.ReadByFacilitators != 2 || th.ReadByParticipant != 3 {
					tb.Errorf("got %+v, want read by Sam to 3", th)
				}
			}},
		{name: "read already", state: both, actor: "p1", cmd: command(TypeMessageRead, map[string]any{"n": 1}), change: heard{Quiet: true},
			check: func(tb testing.TB, before, after State) {
				if !reflect.DeepEqual(after.Threads, before.Threads) {
					tb.Errorf("got threads %+v, want them as they were", after.Threads)
				}
			}},
		{name: "past the last message", state: both, actor: "f1", cmd: read("p1", 4), wantCode: CodeInvalid},
		{name: "message 0", state: both, actor: "f1", cmd: read("p1", 0), wantCode: CodeInvalid},
		{name: "a thread with no messages", state: gathering(), actor: "p3", cmd: command(TypeMessageRead, map[string]any{"n": 1}), wantCode: CodeInvalid},
		{name: "a participant reads another's", state: both, actor: "p1", cmd: read("p2", 1), wantCode: CodeNotAllowed},
		{name: "a facilitator names nobody to read", state: both, actor: "f1", cmd: command(TypeMessageRead, map[string]any{"n": 1}), wantCode: CodeInvalid},
		{name: "the thread of a facilitator", state: both, actor: "f1", cmd: read("f1", 1), wantCode: CodeNotAllowed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runStep(t, tc) })
	}
}

// TestCareFlags checks which lost connections flag a participant to the
// facilitators.
func TestCareFlags(t *testing.T) {
	raisedAgo := func(ago time.Duration, end SignalEnd) State {
		s := gathering()
		s.Signals = []Signal{{MemberID: "p1", Level: SupportMoment, At: now.Add(-ago), Ended: end}}
		if end != "" {
			s.Signals[0].EndedAt = now.Add(-ago / 2)
		}
		return s
	}
	round := circleRoom(RoundMode, 0, "p2", "p3")
	both := holding(round, "p1", 1)
	both.Signals = raisedAgo(10*time.Second, "").Signals
	cases := []struct {
		name   string
		state  State
		member string
		to     Presence
		want   []FlagReason
	}{
		{"dropped 10 s after signalling", raisedAgo(10*time.Second, ""), "p1", Reconnecting, []FlagReason{DroppedAfterSignal}},
		{"dropped a minute after signalling", raisedAgo(FlagWindow, ""), "p1", Reconnecting, []FlagReason{DroppedAfterSignal}},
		{"dropped later than a minute after", raisedAgo(FlagWindow+time.Second, ""), "p1", Reconnecting, nil},
		{"dropped after withdrawing", raisedAgo(10*time.Second, SignalWithdrawn), "p1", Reconnecting, nil},
		{"another participant drops", raisedAgo(10*time.Second, ""), "p2", Reconnecting, nil},
		{"dropped while holding the piece", holding(round, "p1", 1), "p1", Reconnecting, []FlagReason{DroppedWhileSharing}},
		{"dropped while waiting for the piece", holding(round, "p1", 1), "p2", Reconnecting, nil},
		{"both at once", both, "p1", Reconnecting, []FlagReason{DroppedAfterSignal, DroppedWhileSharing}},
		{"gone past the grace is no new drop", withPresence(raisedAgo(10*time.Second, ""), "p1", Reconnecting), "p1", Left, nil},
		{"coming back is no drop", withPresence(raisedAgo(10*time.Second, ""), "p1", Reconnecting), "p1", Present, nil},
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
			var got []FlagReason
			for _, f := range after.Flags {
				if f.MemberID != tc.member || !f.At.Equal(now) || !f.ClearedAt.IsZero() {
					t.Errorf("got flag %+v, want one on %s now", f, tc.member)
				}
				got = append(got, f.Reason)
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("got flags %v, want %v", got, tc.want)
			}
			h := heardOf(t, ch)
			if flagged := slices.Contains(h.Care, fieldFlags); flagged != (len(tc.want) > 0) {
				t.Errorf("got care parts %v, want flags sent %v", h.Care, len(tc.want) > 0)
			}
		})
	}
	t.Run("a facilitator who drops is never flagged", func(t *testing.T) {
		s := holding(round, "p1", 1)
		after, _, _ := setPresence(s, now, "f1", Reconnecting)
		if len(after.Flags) != 0 {
			t.Errorf("got flags %+v", after.Flags)
		}
	})
}

// wirePerson is one entry of `people`, as docs/protocol.md names it.
type wirePerson struct {
	MemberID      string `json:"memberId"`
	State         string `json:"state"`
	StateAt       int64  `json:"stateAt"`
	MissedArrival bool   `json:"missedCheckIn"`
}

func peopleSent(tb testing.TB, ch Change) ([]wirePerson, bool) {
	tb.Helper()
	for _, p := range ch.parts {
		if p.field == fieldPeople {
			var out []wirePerson
			if err := json.Unmarshal(data(p.value), &out); err != nil {
				tb.Fatal(err)
			}
			return out, true
		}
	}
	return nil, false
}

func TestCarePeople(t *testing.T) {
	// Sam answered an earlier check-in hyper; Kim came after it closed;
	// Lee has not come yet.
	earlier := &CheckIn{ID: "ci-0", Prompt: "Arriving?", Visibility: VisibleToGroup, StartedAt: t0, ClosedAt: t0.Add(4 * time.Minute),
		Answers: map[string]Answer{"p1": {MemberID: "p1", Scale: 8, State: Hyper, At: t0.Add(time.Minute)}}}
	base := func(current *CheckIn) State {
		s := gathering()
		s.Members[2].FirstJoined = t0.Add(5 * time.Minute)
		s.Members[3].FirstJoined, s.Members[3].Presence = time.Time{}, Absent
		s.History = []Activity{{ItemID: "i-0", Run: earlier}}
		if current != nil {
			s.Current = &Activity{ItemID: "i-1", Run: current}
		}
		return s
	}
	running := func() *CheckIn {
		return &CheckIn{ID: "ci-1", Prompt: "And now?", Visibility: VisibleToFacilitators, Open: true, StartedAt: t0.Add(6 * time.Minute),
			Answers: map[string]Answer{}, Stepped: true}
	}
	hyperAt := millis(t0.Add(time.Minute))
	t.Run("the snapshot of a facilitator", func(t *testing.T) {
		s := base(nil)
		msg := decodeMsg(t, snapshot(&s, s.Members[0], now))
		var room struct {
			People []wirePerson `json:"people"`
		}
		if err := json.Unmarshal(msg.keys["room"], &room); err != nil {
			t.Fatal(err)
		}
		want := []wirePerson{
			{MemberID: "p1", State: "hyper", StateAt: hyperAt},
			{MemberID: "p2", MissedArrival: true},
			{MemberID: "p3", MissedArrival: true},
		}
		if !reflect.DeepEqual(room.People, want) {
			t.Errorf("got people %+v, want %+v", room.People, want)
		}
	})
	t.Run("a later answer is the latest state", func(t *testing.T) {
		after, ch, err := Apply(base(running()), now, "p1", command(TypeCheckInAnswer, answer(3, Within, "", "")))
		if err != nil {
			t.Fatal(err)
		}
		got, ok := peopleSent(t, ch)
		want := []wirePerson{
			{MemberID: "p1", State: "within", StateAt: millis(now)},
			{MemberID: "p2", MissedArrival: true},
			{MemberID: "p3", MissedArrival: true},
		}
		if !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("got people %+v (sent %v), want %+v", got, ok, want)
		}
		if got := viewPeople(&after); !slices.Equal(got, []personView{{"p1", Within, millis(now), false}, {"p2", "", 0, true}, {"p3", "", 0, true}}) {
			t.Errorf("got %+v from the state", got)
		}
	})
	t.Run("closing a check-in marks who had not come", func(t *testing.T) {
		s := base(running())
		s.History = nil
		_, ch, err := Apply(s, now, "f1", command(TypeCheckInClose, nil))
		if err != nil {
			t.Fatal(err)
		}
		got, ok := peopleSent(t, ch)
		want := []wirePerson{{MemberID: "p1"}, {MemberID: "p2"}, {MemberID: "p3", MissedArrival: true}}
		if !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("got people %+v (sent %v), want %+v", got, ok, want)
		}
	})
	t.Run("closing a check-in everyone came to changes nothing", func(t *testing.T) {
		_, ch, err := Apply(withCheckIn(VisibleToGroup, true), now, "f1", command(TypeCheckInClose, nil))
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := peopleSent(t, ch); ok {
			t.Errorf("got people %+v, want none", got)
		}
	})
	t.Run("a participant added", func(t *testing.T) {
		_, ch, _ := addMember(base(nil), Member{ID: "p4", Name: "Noor", Role: Participant})
		got, ok := peopleSent(t, ch)
		if !ok || len(got) != 4 || got[3] != (wirePerson{MemberID: "p4", MissedArrival: true}) {
			t.Errorf("got people %+v (sent %v), want Noor's added", got, ok)
		}
	})
	t.Run("presence alone changes nothing", func(t *testing.T) {
		_, ch, _ := setPresence(base(running()), now, "p3", Present)
		if got, ok := peopleSent(t, ch); ok {
			t.Errorf("got people %+v, want none", got)
		}
	})
	t.Run("the check-out's closing check is the latest state, and no check-in missed", func(t *testing.T) {
		s := checkingOut(true)
		_, ch, err := Apply(s, now, "p1", command(TypeCheckOutWord, map[string]any{"word": "lighter", "state": "hypo"}))
		if err != nil {
			t.Fatal(err)
		}
		got, ok := peopleSent(t, ch)
		if !ok || len(got) == 0 || got[0] != (wirePerson{MemberID: "p1", State: "hypo", StateAt: millis(now)}) {
			t.Errorf("got people %+v (sent %v), want Sam leaving hypo-aroused", got, ok)
		}
		for _, p := range got {
			if p.MissedArrival {
				t.Errorf("a check-out marked %s as having missed a check-in", p.MemberID)
			}
		}
	})
	t.Run("a check-out word without a closing check leaves the state", func(t *testing.T) {
		_, ch, err := Apply(checkingOut(false), now, "p1", command(TypeCheckOutWord, map[string]any{"word": "lighter"}))
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := peopleSent(t, ch); ok {
			t.Errorf("got people %+v, want none", got)
		}
	})
	t.Run("other activities cost nothing", func(t *testing.T) {
		s := holding(circleRoom(RoundMode, 0, "p2"), "p1", 1)
		_, ch, err := Apply(s, now, "p1", command(TypeCircleDone, map[string]any{"turn": 1}))
		if err != nil {
			t.Fatal(err)
		}
		if got, ok := peopleSent(t, ch); ok {
			t.Errorf("got people %+v, want none", got)
		}
	})
}

// TestCareSummary checks the care section of the summary: every signal with
// its level, time, answer and end; every flag; every thread, whole.
func TestCareSummary(t *testing.T) {
	s := withFlag(withThread(careRoom(SupportNow, true), "p1", 2, 1), "p1", DroppedAfterSignal)
	s.Flags[0].ClearedAt, s.Flags[0].ClearedBy = now, "f1"
	sum := Summarize(s)
	raw, err := json.Marshal(sum)
	if err != nil {
		t.Fatal(err)
	}
	var got struct {
		Care struct {
			Signals []map[string]any `json:"signals"`
			Flags   []map[string]any `json:"flags"`
			Threads []struct {
				With     string           `json:"with"`
				Name     string           `json:"name"`
				Messages []map[string]any `json:"messages"`
			} `json:"threads"`
		} `json:"care"`
	}
	if err := json.Unmarshal(raw, &got); err != nil {
		t.Fatal(err)
	}
	c := got.Care
	if len(c.Signals) != 2 || c.Signals[0]["name"] != "Kim" || c.Signals[0]["ended"] != "withdrawn" ||
		c.Signals[1]["name"] != "Sam" || c.Signals[1]["level"] != "now" || c.Signals[1]["ackedByName"] != "Ana" ||
		c.Signals[1]["ackedAt"] == nil || c.Signals[1]["ended"] != nil {
		t.Errorf("got signals %v", c.Signals)
	}
	if len(c.Flags) != 1 || c.Flags[0]["reason"] != "dropped-after-signal" || c.Flags[0]["clearedByName"] != "Ana" {
		t.Errorf("got flags %v", c.Flags)
	}
	if len(c.Threads) != 1 || c.Threads[0].Name != "Sam" || len(c.Threads[0].Messages) != 2 ||
		c.Threads[0].Messages[0]["fromName"] != "Ana" || c.Threads[0].Messages[1]["fromRole"] != "participant" {
		t.Errorf("got threads %+v", c.Threads)
	}
	empty, _ := json.Marshal(Summarize(gathering()))
	if !strings.Contains(string(empty), `"care":{"signals":[],"flags":[],"threads":[]}`) {
		t.Errorf("a room without care has %s", empty)
	}
}

// TestCareSnapshot checks what each member's snapshot holds of care: the
// facilitators everything open, a participant their own signal (or null)
// and their own thread, even without messages.
func TestCareSnapshot(t *testing.T) {
	s := withFlag(withThread(withThread(careRoom(SupportMoment, true), "p1", 2, 1), "p2", 1, 0), "p2", DroppedWhileSharing)
	room := func(id string) map[string]json.RawMessage {
		m, _ := s.Member(id)
		var out struct {
			Room map[string]json.RawMessage `json:"room"`
		}
		if err := json.Unmarshal(snapshot(&s, m, now), &out); err != nil {
			t.Fatal(err)
		}
		return out.Room
	}
	f := room("f1")
	for _, k := range []string{"support", "flags", "threads", "people"} {
		if _, ok := f[k]; !ok {
			t.Errorf("the facilitator's snapshot has no %s", k)
		}
	}
	if _, ok := f["thread"]; ok {
		t.Errorf("the facilitator's snapshot has a thread of its own")
	}
	var threads []struct {
		With string `json:"with"`
	}
	_ = json.Unmarshal(f["threads"], &threads)
	if len(threads) != 2 || threads[0].With != "p1" || threads[1].With != "p2" {
		t.Errorf("got threads %s", f["threads"])
	}
	sam, kim, lee := room("p1"), room("p2"), room("p3")
	for id, r := range map[string]map[string]json.RawMessage{"p1": sam, "p2": kim, "p3": lee} {
		for _, k := range []string{"flags", "threads", "people"} {
			if _, ok := r[k]; ok {
				t.Errorf("%s's snapshot has %s: %s", id, k, r[k])
			}
		}
		var th struct {
			With string `json:"with"`
		}
		if err := json.Unmarshal(r["thread"], &th); err != nil || th.With != id {
			t.Errorf("%s's snapshot has thread %s", id, r["thread"])
		}
	}
	want := `{"level":"moment","at":` + jsonInt(millis(now.Add(-time.Minute))) + `,"ackedAt":` + jsonInt(millis(now.Add(-30*time.Second))) +
		`,"ackedBy":"f1","ackedByName":"Ana"}`
	if string(sam["support"]) != want {
		t.Errorf("Sam's support is %s, want %s", sam["support"], want)
	}
	if string(kim["support"]) != "null" || string(lee["support"]) != "null" {
		t.Errorf("Kim's support is %s and Lee's %s, want null", kim["support"], lee["support"])
	}
	var leesThread struct {
		Messages []json.RawMessage `json:"messages"`
	}
	if err := json.Unmarshal(lee["thread"], &leesThread); err != nil || leesThread.Messages == nil || len(leesThread.Messages) != 0 {
		t.Errorf("Lee's thread is %s, want one without messages", lee["thread"])
	}
}

func jsonInt(n int64) string { return string(data(n)) }

// TestCareInTheRoom runs care through a real Room: what each member is sent,
// and that a restart of the room from its store keeps it.
func TestCareInTheRoom(t *testing.T) {
	m, store := newTestManager(t, Config{Grace: time.Hour})
	r := openTestRoom(t, m)
	f1, p1, p2 := join(t, r, "f1"), join(t, r, "p1"), join(t, r, "p2")
	for _, sub := range []*Subscription{f1, p1, p2} {
		recvType(t, sub, "snapshot")
	}
	drain := func() {
		for _, sub := range []*Subscription{f1, p1, p2} {
			visDrain(sub)
		}
	}
	drain()
	if err := do(t, p1, TypeSupportRaise, "r-1", `{"level":"now"}`); err != nil {
		t.Fatal(err)
	}
	ev := recvType(t, f1, "event")
	if !ev.has("support") || ev.has("thread") {
		t.Errorf("the facilitator got %s", ev.raw)
	}
	ev = recvType(t, p1, "event")
	if !ev.has("support") {
		t.Errorf("Sam got %s", ev.raw)
	}
	recvType(t, p1, "ack")
	ev = recvType(t, p2, "event")
	if len(ev.keys) != 3 { // type, version, serverTime
		t.Errorf("Kim got %s, want an empty event", ev.raw)
	}
	if err := do(t, f1, TypeMessageSend, "m-1", `{"to":"p1","text":"I am here."}`); err != nil {
		t.Fatal(err)
	}
	drain()
	// Sam's connection drops within the minute: flagged.
	p1.Leave()
	ev = recvType(t, f1, "event")
	if !ev.has("flags") || !ev.has("member") {
		t.Errorf("the facilitator got %s at Sam's drop", ev.raw)
	}
	if ev = recvType(t, p2, "event"); ev.has("flags") {
		t.Errorf("Kim got %s at Sam's drop", ev.raw)
	}
	saved := store.Saved(t, "s1")
	if len(saved.Signals) != 1 || len(saved.Flags) != 1 || len(saved.Threads["p1"].Messages) != 1 {
		t.Errorf("the store has signals %+v, flags %+v, threads %+v", saved.Signals, saved.Flags, saved.Threads)
	}
}

// BenchmarkApplyCheckInAnswer is the costliest path people adds to: an
// answer in a check-in of a large group with a long session behind it,
// where people is computed before and after.
func BenchmarkApplyCheckInAnswer(b *testing.B) {
	s := gathering()
	for i := range 40 {
		id := "q" + strings.Repeat("x", i%5) + string(rune('a'+i%26)) + string(rune('a'+i/26))
		s.Members = append(s.Members, Member{ID: id, Name: "Q", Role: Participant, Presence: Present, Since: t0, FirstJoined: t0})
	}
	for i := range 12 {
		ci := &CheckIn{ID: "old", Prompt: "p", Visibility: VisibleToGroup, StartedAt: t0, ClosedAt: t0.Add(time.Minute), Answers: map[string]Answer{}}
		for _, m := range s.Members[1:] {
			ci.Answers[m.ID] = Answer{MemberID: m.ID, Scale: i % 10, State: Within, At: t0.Add(time.Duration(i) * time.Second)}
		}
		s.History = append(s.History, Activity{ItemID: "old", Run: ci})
	}
	s.Current = &Activity{ItemID: "now", Run: &CheckIn{ID: "ci", Prompt: "p", Visibility: VisibleToGroup, Open: true, StartedAt: t0,
		Answers: map[string]Answer{}, Stepped: true}}
	cmd := command(TypeCheckInAnswer, answer(5, Hyper, "calm", ""))
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := Apply(s, now, "p1", cmd); err != nil {
			b.Fatal(err)
		}
	}
}

package room

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"
)

// groundingSince returns a room whose 180-second grounding (box breath, 16 s a
// cycle) started at started.
func groundingSince(started time.Time) State {
	return running("i-ground", started)
}

// pausedGrounding returns a room whose grounding started at started and was
// paused at pausedAt with remaining left.
func pausedGrounding(started, pausedAt time.Time, remaining time.Duration) State {
	s := groundingSince(started)
	g := s.Current.Grounding
	g.Paused, g.PausedAt, g.Remaining = true, pausedAt, remaining
	return s
}

// groundingOf returns the running grounding of s, failing the test when there
// is none.
func groundingOf(tb testing.TB, s State) Grounding {
	tb.Helper()
	if s.Current == nil || s.Current.Grounding == nil {
		tb.Fatalf("got current %+v, want a grounding", s.Current)
	}
	return *s.Current.Grounding
}

// wantGrounding checks the grounding of after against before's with the
// changes edit makes.
func wantGrounding(tb testing.TB, before, after State, edit func(g *Grounding)) {
	tb.Helper()
	want := groundingOf(tb, before)
	edit(&want)
	if got := groundingOf(tb, after); !reflect.DeepEqual(got, want) {
		tb.Errorf("got grounding\n%+v\nwant\n%+v", got, want)
	}
	if !reflect.DeepEqual(after.Agenda, before.Agenda) || !reflect.DeepEqual(after.History, before.History) {
		tb.Error("the agenda or the history changed")
	}
}

// phase returns where in its breath cycle g is at t.
func phase(g Grounding, t time.Time) time.Duration {
	return t.Sub(g.CycleStart) % g.Breath.cycle()
}

func TestApplyGroundingPause(t *testing.T) {
	pause := command(TypeGroundingPause, nil)
	tests := []step{
		{
			name: "it keeps what is left", state: groundingSince(now.Add(-time.Minute)), actor: "f1", cmd: pause,
			change: Change{Activity: true},
			check: func(tb testing.TB, before, after State) {
				wantGrounding(tb, before, after, func(g *Grounding) {
					g.Paused, g.PausedAt, g.Remaining = true, now, 2*time.Minute
				})
			},
		},
		{
			name: "at the last moment", state: groundingSince(now.Add(-180 * time.Second)), actor: "f1", cmd: pause,
			change: Change{Activity: true},
			check: func(tb testing.TB, before, after State) {
				wantGrounding(tb, before, after, func(g *Grounding) { g.Paused, g.PausedAt, g.Remaining = true, now, 0 })
			},
		},
		{
			name: "after the end nothing is left, not less", state: groundingSince(now.Add(-5 * time.Minute)), actor: "f1", cmd: pause,
			change: Change{Activity: true},
			check: func(tb testing.TB, before, after State) {
				wantGrounding(tb, before, after, func(g *Grounding) { g.Paused, g.PausedAt, g.Remaining = true, now, 0 })
			},
		},
		{name: "twice", state: pausedGrounding(now.Add(-time.Minute), now.Add(-time.Second), time.Minute), actor: "f1", cmd: pause, wantCode: CodeClosed},
		{name: "while gathering", state: planned(), actor: "f1", cmd: pause, wantCode: CodeClosed},
		{name: "during a check-out", state: running("i-out", now), actor: "f1", cmd: pause, wantCode: CodeClosed},
		{name: "by a participant", state: groundingSince(now), actor: "p1", cmd: pause, wantCode: CodeNotAllowed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runStep(t, tc) })
	}
}

func TestApplyGroundingResume(t *testing.T) {
	resume := command(TypeGroundingResume, nil)
	started := now.Add(-2 * time.Minute)
	tests := []step{
		{
			// Paused 30 s ago with 90 s left: it ends 90 s from now, and
			// the breath cycle starts 30 s later than it did.
			name: "it counts on from where it stopped", state: pausedGrounding(started, now.Add(-30*time.Second), 90*time.Second), actor: "f1", cmd: resume,
			change: Change{Activity: true},
			check: func(tb testing.TB, before, after State) {
				wantGrounding(tb, before, after, func(g *Grounding) {
					g.Paused, g.PausedAt, g.Remaining = false, time.Time{}, 0
					g.EndsAt = now.Add(90 * time.Second)
					g.CycleStart = started.Add(30 * time.Second)
				})
			},
		},
		{
			name: "a pause paused after its end is over at once", state: pausedGrounding(started, now.Add(-time.Second), 0), actor: "f1", cmd: resume,
			change: Change{Activity: true},
			check: func(tb testing.TB, before, after State) {
				wantGrounding(tb, before, after, func(g *Grounding) {
					g.Paused, g.PausedAt, g.Remaining = false, time.Time{}, 0
					g.EndsAt = now
					g.CycleStart = started.Add(time.Second)
				})
			},
		},
		{name: "when not paused", state: groundingSince(started), actor: "f1", cmd: resume, wantCode: CodeClosed},
		{name: "while gathering", state: planned(), actor: "f1", cmd: resume, wantCode: CodeClosed},
		{name: "by a participant", state: pausedGrounding(started, now.Add(-time.Second), time.Minute), actor: "p1", cmd: resume, wantCode: CodeNotAllowed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runStep(t, tc) })
	}
}

// TestGroundingBreathsOn pauses and resumes a grounding through Apply and
// checks that the countdown and the breath go on exactly where they stopped.
func TestGroundingBreathsOn(t *testing.T) {
	start := t0.Add(time.Minute)
	s, _, err := Apply(planned(), start, "f1", command(TypeAgendaStart, map[string]any{"itemId": "i-ground"}))
	if err != nil {
		t.Fatal(err)
	}
	cycle := s.Current.Grounding.Breath.cycle()
	steps := []struct {
		pause, resume time.Duration // after start
	}{
		{7 * time.Second, 47 * time.Second},
		{61 * time.Second, 61 * time.Second}, // resumed at once
		{90*time.Second + 300*time.Millisecond, 103 * time.Second},
	}
	var paused time.Duration // the pauses so far
	for _, st := range steps {
		at := start.Add(st.pause)
		g := groundingOf(t, s)
		wantPhase := phase(g, at)
		wantLeft := g.EndsAt.Sub(at)
		s, _, err = Apply(s, at, "f1", command(TypeGroundingPause, nil))
		if err != nil {
			t.Fatal(err)
		}
		at = start.Add(st.resume)
		s, _, err = Apply(s, at, "f1", command(TypeGroundingResume, nil))
		if err != nil {
			t.Fatal(err)
		}
		breathed := st.pause - paused
		paused += st.resume - st.pause
		g = groundingOf(t, s)
		if got := phase(g, at); got != wantPhase {
			t.Errorf("resumed at %v: got breath phase %v, want %v (where it paused)", st.resume, got, wantPhase)
		}
		if got := g.EndsAt.Sub(at); got != wantLeft {
			t.Errorf("resumed at %v: got %v left, want %v", st.resume, got, wantLeft)
		}
		// The phase is the time breathed, whatever the pauses were.
		if got, want := phase(g, at), breathed%cycle; got != want {
			t.Errorf("resumed at %v: got phase %v, want %v", st.resume, got, want)
		}
	}
	if got, want := groundingOf(t, s).EndsAt, start.Add(180*time.Second+paused); !got.Equal(want) {
		t.Errorf("got endsAt %v, want %v (the length plus the pauses)", got, want)
	}
}

func TestApplyGroundingExtend(t *testing.T) {
	extend := func(seconds any) Command { return command(TypeGroundingExtend, map[string]any{"seconds": seconds}) }
	started := now.Add(-time.Minute) // 120 s left
	tests := []step{
		{
			name: "while running it adds to the end", state: groundingSince(started), actor: "f1", cmd: extend(60),
			change: Change{Activity: true},
			check: func(tb testing.TB, before, after State) {
				wantGrounding(tb, before, after, func(g *Grounding) {
					g.EndsAt = now.Add(3 * time.Minute)
					g.Seconds = 240
				})
			},
		},
		{
			name: "after the end it counts again from now", state: groundingSince(now.Add(-10 * time.Minute)), actor: "f1", cmd: extend(60),
			change: Change{Activity: true},
			check: func(tb testing.TB, before, after State) {
				wantGrounding(tb, before, after, func(g *Grounding) {
					g.EndsAt = now.Add(time.Minute)
					g.Seconds = 240
				})
			},
		},
		{
			name: "while paused it adds to what is left", state: pausedGrounding(started, now.Add(-time.Second), 30*time.Second), actor: "f1", cmd: extend(60),
			change: Change{Activity: true},
			check: func(tb testing.TB, before, after State) {
				wantGrounding(tb, before, after, func(g *Grounding) {
					g.Remaining = 90 * time.Second
					g.Seconds = 240
				})
			},
		},
		{
			name: "paused after the end", state: pausedGrounding(now.Add(-10*time.Minute), now.Add(-time.Second), 0), actor: "f1", cmd: extend(1),
			change: Change{Activity: true},
			check: func(tb testing.TB, before, after State) {
				wantGrounding(tb, before, after, func(g *Grounding) {
					g.Remaining = time.Second
					g.Seconds = 181
				})
			},
		},
		{
			name: "by 600 seconds", state: groundingSince(started), actor: "f1", cmd: extend(MaxExtendSeconds),
			change: Change{Activity: true},
			check: func(tb testing.TB, before, after State) {
				wantGrounding(tb, before, after, func(g *Grounding) {
					g.EndsAt = now.Add(2*time.Minute + MaxExtendSeconds*time.Second)
					g.Seconds = 180 + MaxExtendSeconds
				})
			},
		},
		{name: "by 0 seconds", state: groundingSince(started), actor: "f1", cmd: extend(0), wantCode: CodeInvalid},
		{name: "by -60 seconds", state: groundingSince(started), actor: "f1", cmd: extend(-60), wantCode: CodeInvalid},
		{name: "by 601 seconds", state: groundingSince(started), actor: "f1", cmd: extend(MaxExtendSeconds + 1), wantCode: CodeInvalid},
		{name: "by 1.5 seconds", state: groundingSince(started), actor: "f1", cmd: extend(1.5), wantCode: CodeInvalid},
		{name: "by a string", state: groundingSince(started), actor: "f1", cmd: extend("60"), wantCode: CodeInvalid},
		{name: "without seconds", state: groundingSince(started), actor: "f1", cmd: command(TypeGroundingExtend, nil), wantCode: CodeInvalid},
		{name: "while gathering", state: planned(), actor: "f1", cmd: extend(60), wantCode: CodeClosed},
		{name: "during a check-in", state: running("i-in", now), actor: "f1", cmd: extend(60), wantCode: CodeClosed},
		{name: "by a participant", state: groundingSince(started), actor: "p1", cmd: extend(60), wantCode: CodeNotAllowed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runStep(t, tc) })
	}
}

// checkingOut returns a room running the check-out (with a closing check
// when closing) and the given words.
func checkingOut(closing bool, words ...Word) State {
	s := running("i-out", t0.Add(time.Minute))
	s.Current.CheckOut.ClosingCheck = closing
	for _, w := range words {
		s.Current.CheckOut.Words[w.MemberID] = w
	}
	return s
}

func TestApplyCheckOutWord(t *testing.T) {
	word := func(w string, state Arousal) Command {
		return command(TypeCheckOutWord, map[string]any{"word": w, "state": state})
	}
	earlier := Word{MemberID: "p1", Word: "heavy", State: Hypo, At: t0.Add(2 * time.Minute)}
	other := Word{MemberID: "p2", Word: "open", State: Hyper, At: t0.Add(3 * time.Minute)}
	wantWords := func(want ...Word) func(tb testing.TB, before, after State) {
		return func(tb testing.TB, before, after State) {
			tb.Helper()
			m := map[string]Word{}
			for _, w := range want {
				m[w.MemberID] = w
			}
			if got := after.Current.CheckOut.Words; !reflect.DeepEqual(got, m) {
				tb.Errorf("got words %+v, want %+v", got, m)
			}
			a, b := *after.Current.CheckOut, *before.Current.CheckOut
			a.Words, b.Words = nil, nil
			if !reflect.DeepEqual(a, b) {
				tb.Errorf("the check-out changed beyond its words: got %+v, want %+v", a, b)
			}
		}
	}
	mine := Change{Activity: true, Mine: "p1"}
	tests := []step{
		{
			name: "with a closing state", state: checkingOut(true), actor: "p1", cmd: word("lighter", Within), change: mine,
			check: wantWords(Word{MemberID: "p1", Word: "lighter", State: Within, At: now}),
		},
		{
			name: "trimmed, inner whitespace collapsed", state: checkingOut(false), actor: "p1", cmd: word(" \t so   much\n\nlighter  ", ""), change: mine,
			check: wantWords(Word{MemberID: "p1", Word: "so much lighter", At: now}),
		},
		{
			name: "40 characters", state: checkingOut(false), actor: "p1", cmd: word(strings.Repeat("🌿", MaxWord), ""), change: mine,
			check: wantWords(Word{MemberID: "p1", Word: strings.Repeat("🌿", MaxWord), At: now}),
		},
		{
			name: "40 characters once the spaces are collapsed", state: checkingOut(false), actor: "p1", cmd: word("  a    "+strings.Repeat("b", MaxWord-2)+"  ", ""), change: mine,
			check: wantWords(Word{MemberID: "p1", Word: "a " + strings.Repeat("b", MaxWord-2), At: now}),
		},
		{
			name: "without a closing check the state is dropped", state: checkingOut(false), actor: "p1", cmd: word("lighter", Hyper), change: mine,
			check: wantWords(Word{MemberID: "p1", Word: "lighter", At: now}),
		},
		{
			name: "without a closing check a bad state is ignored", state: checkingOut(false), actor: "p1", cmd: word("lighter", "calm"), change: mine,
			check: wantWords(Word{MemberID: "p1", Word: "lighter", At: now}),
		},
		{
			name: "a new word replaces the old", state: checkingOut(true, earlier, other), actor: "p1", cmd: word("lighter", Within), change: mine,
			check: wantWords(Word{MemberID: "p1", Word: "lighter", State: Within, At: now}, other),
		},
		{
			name: "after the reveal", state: func() State {
				s := checkingOut(true, other)
				s.Current.CheckOut.Revealed = true
				return s
			}(), actor: "p1", cmd: word("lighter", Hypo), change: mine,
			check: wantWords(Word{MemberID: "p1", Word: "lighter", State: Hypo, At: now}, other),
		},
		{name: "an empty word", state: checkingOut(false), actor: "p1", cmd: word("", ""), wantCode: CodeInvalid},
		{name: "a blank word", state: checkingOut(false), actor: "p1", cmd: word(" \t\n ", ""), wantCode: CodeInvalid},
		{name: "41 characters", state: checkingOut(false), actor: "p1", cmd: word(strings.Repeat("🌿", MaxWord+1), ""), wantCode: CodeInvalid},
		{name: "a closing check without a state", state: checkingOut(true), actor: "p1", cmd: command(TypeCheckOutWord, map[string]any{"word": "lighter"}), wantCode: CodeInvalid},
		{name: "a closing check with an unknown state", state: checkingOut(true), actor: "p1", cmd: word("lighter", "calm"), wantCode: CodeInvalid},
		{name: "a word that is not a string", state: checkingOut(false), actor: "p1", cmd: command(TypeCheckOutWord, `{"word":7}`), wantCode: CodeInvalid},
		{name: "from a facilitator", state: checkingOut(false), actor: "f1", cmd: word("lighter", ""), wantCode: CodeNotAllowed},
		{name: "while gathering", state: planned(), actor: "p1", cmd: word("lighter", ""), wantCode: CodeClosed},
		{name: "during a grounding", state: groundingSince(now), actor: "p1", cmd: word("lighter", ""), wantCode: CodeClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runStep(t, tc) })
	}
}

func TestApplyCheckOutReveal(t *testing.T) {
	reveal := command(TypeCheckOutReveal, nil)
	w := Word{MemberID: "p2", Word: "open", State: Hyper, At: t0.Add(3 * time.Minute)}
	revealed := checkingOut(true, w)
	revealed.Current.CheckOut.Revealed = true
	tests := []step{
		{
			name: "the facilitator reveals", state: checkingOut(true, w), actor: "f1", cmd: reveal, change: Change{Activity: true},
			check: func(tb testing.TB, before, after State) {
				want := fullCopy(before).Current
				want.CheckOut.Revealed = true
				if !reflect.DeepEqual(after.Current, want) {
					tb.Errorf("got %+v, want %+v", after.Current.CheckOut, want.CheckOut)
				}
			},
		},
		{name: "twice", state: revealed, actor: "f1", cmd: reveal, wantCode: CodeClosed},
		{name: "by a participant", state: checkingOut(true, w), actor: "p2", cmd: reveal, wantCode: CodeNotAllowed},
		{name: "while gathering", state: planned(), actor: "f1", cmd: reveal, wantCode: CodeClosed},
		{name: "during a grounding", state: groundingSince(now), actor: "f1", cmd: reveal, wantCode: CodeClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runStep(t, tc) })
	}
}

func TestCloud(t *testing.T) {
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	tests := []struct {
		name  string
		words []Word
		want  []CloudWord
	}{
		{name: "no words", words: nil, want: []CloudWord{}},
		{
			name:  "one word",
			words: []Word{{MemberID: "p1", Word: "lighter", At: at(1)}},
			want:  []CloudWord{{"lighter", 1}},
		},
		{
			name: "words are counted without case, shown as first given",
			words: []Word{
				{MemberID: "p3", Word: "LIGHTER", At: at(3)},
				{MemberID: "p1", Word: "lighter", At: at(2)},
				{MemberID: "p2", Word: "Lighter", At: at(1)},
			},
			want: []CloudWord{{"Lighter", 3}},
		},
		{
			name: "the most frequent first",
			words: []Word{
				{MemberID: "p1", Word: "calm", At: at(1)},
				{MemberID: "p2", Word: "open", At: at(2)},
				{MemberID: "p3", Word: "Open", At: at(3)},
				{MemberID: "p4", Word: "tired", At: at(4)},
				{MemberID: "p5", Word: "tired", At: at(5)},
				{MemberID: "p6", Word: "TIRED", At: at(6)},
			},
			want: []CloudWord{{"tired", 3}, {"open", 2}, {"calm", 1}},
		},
		{
			name: "ties in alphabetical order, whatever the case",
			words: []Word{
				{MemberID: "p1", Word: "Zen", At: at(1)},
				{MemberID: "p2", Word: "apple", At: at(2)},
				{MemberID: "p3", Word: "Moss", At: at(3)},
				{MemberID: "p4", Word: "birch", At: at(4)},
			},
			want: []CloudWord{{"apple", 1}, {"birch", 1}, {"Moss", 1}, {"Zen", 1}},
		},
		{
			name: "at the same moment the lower member ID gave it first",
			words: []Word{
				{MemberID: "p2", Word: "OPEN", At: at(1)},
				{MemberID: "p1", Word: "Open", At: at(1)},
			},
			want: []CloudWord{{"Open", 2}},
		},
		{
			name: "phrases are words",
			words: []Word{
				{MemberID: "p1", Word: "so much lighter", At: at(1)},
				{MemberID: "p2", Word: "So Much Lighter", At: at(2)},
				{MemberID: "p3", Word: "lighter", At: at(3)},
			},
			want: []CloudWord{{"so much lighter", 2}, {"lighter", 1}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			co := &CheckOut{Words: map[string]Word{}}
			for _, w := range tc.words {
				co.Words[w.MemberID] = w
			}
			// Map order varies; the cloud must not.
			for range 20 {
				got := co.Cloud()
				if len(got) != len(tc.want) || len(got) > 0 && !reflect.DeepEqual(got, tc.want) {
					t.Fatalf("got cloud %+v, want %+v", got, tc.want)
				}
			}
		})
	}
}

// wireGrounding is the grounding view as docs/protocol.md names its fields.
type wireGrounding struct {
	ID         string      `json:"id"`
	Kind       string      `json:"kind"`
	ItemID     string      `json:"itemId"`
	Seconds    int         `json:"seconds"`
	Breath     *wireBreath `json:"breath"`
	StartedAt  int64       `json:"startedAt"`
	EndsAt     int64       `json:"endsAt"`
	Paused     bool        `json:"paused"`
	Remaining  int64       `json:"remaining"`
	CycleStart int64       `json:"cycleStart"`
}

func TestGroundingView(t *testing.T) {
	at := t0.Add(20 * time.Minute)
	started := t0.Add(10 * time.Minute)
	paused := pausedGrounding(started, started.Add(30*time.Second), 150*time.Second+250*time.Millisecond)
	paused.Current.Grounding.CycleStart = started.Add(1500 * time.Millisecond)
	noPacer := groundingSince(started)
	noPacer.Current.Grounding.Breath = nil
	tests := []struct {
		name  string
		state State
		want  wireGrounding
	}{
		{
			name: "running", state: groundingSince(started),
			want: wireGrounding{
				ID: "act-i-ground", Kind: "grounding", ItemID: "i-ground", Seconds: 180, Breath: &wireBreath{4, 4, 4, 4},
				StartedAt: started.UnixMilli(), EndsAt: started.Add(180 * time.Second).UnixMilli(), CycleStart: started.UnixMilli(),
			},
		},
		{
			name: "paused", state: paused,
			want: wireGrounding{
				ID: "act-i-ground", Kind: "grounding", ItemID: "i-ground", Seconds: 180, Breath: &wireBreath{4, 4, 4, 4},
				StartedAt: started.UnixMilli(), EndsAt: started.Add(180 * time.Second).UnixMilli(),
				Paused: true, Remaining: 150250, CycleStart: started.UnixMilli() + 1500,
			},
		},
		{
			name: "without a pacer", state: noPacer,
			want: wireGrounding{
				ID: "act-i-ground", Kind: "grounding", ItemID: "i-ground", Seconds: 180,
				StartedAt: started.UnixMilli(), EndsAt: started.Add(180 * time.Second).UnixMilli(), CycleStart: started.UnixMilli(),
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.state
			f := encodeChange(&s, Change{Activity: true}, at)
			var first json.RawMessage
			for _, id := range []string{"f1", "p1", "p3"} {
				m, _ := s.Member(id)
				for _, msg := range []wireMsg{decodeMsg(t, snapshot(&s, m, at)), decodeMsg(t, f.messageFor(m))} {
					raw, ok := roomPart(t, msg, "activity")
					if !ok {
						t.Fatalf("%s: got no activity in %s", id, msg.raw)
					}
					var got wireGrounding
					if err := json.Unmarshal(raw, &got); err != nil {
						t.Fatalf("decode %s: %v", raw, err)
					}
					if !reflect.DeepEqual(got, tc.want) {
						t.Errorf("%s %s: got %+v, want %+v", id, msg.Type, got, tc.want)
					}
					if tc.want.Breath == nil && !bytes.Contains(raw, []byte(`"breath":null`)) {
						t.Errorf("%s %s: got %s, want breath null", id, msg.Type, raw)
					}
					if first == nil {
						first = raw
					} else if !bytes.Equal(raw, first) {
						t.Errorf("%s %s: got %s, want what everyone gets: %s", id, msg.Type, raw, first)
					}
				}
			}
		})
	}
}

// The words of the check-out visibility tests. They are unique, so finding
// one anywhere in the bytes a member receives means it leaked.
var (
	samWord = Word{MemberID: "p1", Word: "lighter", State: Hyper, At: t0.Add(2 * time.Minute)}
	kimWord = Word{MemberID: "p2", Word: "heavier", State: Hypo, At: t0.Add(3 * time.Minute)}
)

type wireWord struct {
	MemberID string `json:"memberId"`
	Name     string `json:"name"`
	Word     string `json:"word"`
	State    string `json:"state"`
	At       int64  `json:"at"`
}

type wireCloudWord struct {
	Word  string `json:"word"`
	Count int    `json:"count"`
}

type wireCheckOut struct {
	ID            string          `json:"id"`
	Kind          string          `json:"kind"`
	ItemID        string          `json:"itemId"`
	Prompt        string          `json:"prompt"`
	ClosingCheck  bool            `json:"closingCheck"`
	Revealed      bool            `json:"revealed"`
	AnsweredCount int             `json:"answeredCount"`
	Expected      int             `json:"expected"`
	Words         []wireWord      `json:"words"`
	Cloud         []wireCloudWord `json:"cloud"`
}

func TestCheckOutVisibility(t *testing.T) {
	at := t0.Add(20 * time.Minute)
	names := []string{"Ana", "Sam", "Kim", "Lee"}
	states := []string{"hypo", "within", "hyper"}
	wantCloud := []wireCloudWord{{"heavier", 1}, {"lighter", 1}}
	wantWords := []wireWord{
		{MemberID: "p1", Name: "Sam", Word: "lighter", State: "hyper", At: samWord.At.UnixMilli()},
		{MemberID: "p2", Name: "Kim", Word: "heavier", State: "hypo", At: kimWord.At.UnixMilli()},
	}
	own := map[string]*Word{"p1": &samWord, "p2": &kimWord}
	for _, revealed := range []bool{false, true} {
		s := checkingOut(true, samWord, kimWord)
		s.Current.CheckOut.Revealed = revealed
		s.Version = 12
		// Sam's word is the change: Sam gets mine, everyone the activity.
		f := encodeChange(&s, Change{Activity: true, Mine: "p1"}, at)
		for _, id := range []string{"f1", "p1", "p2", "p3"} {
			m, _ := s.Member(id)
			for _, msg := range []wireMsg{decodeMsg(t, snapshot(&s, m, at)), decodeMsg(t, f.messageFor(m))} {
				name := msg.Type + " for " + id + " before the reveal"
				if revealed {
					name = msg.Type + " for " + id + " after the reveal"
				}
				t.Run(name, func(t *testing.T) {
					raw, ok := roomPart(t, msg, "activity")
					if !ok {
						t.Fatalf("got no activity in %s", msg.raw)
					}
					var got wireCheckOut
					if err := json.Unmarshal(raw, &got); err != nil {
						t.Fatalf("decode %s: %v", raw, err)
					}
					keys := activityKeys(t, raw)
					if got.ID != "act-i-out" || got.Kind != "checkout" || got.ItemID != "i-out" || got.Prompt != checkOutPrompt ||
						!got.ClosingCheck || got.Revealed != revealed || got.AnsweredCount != 2 || got.Expected != 3 {
						t.Errorf("got %s, want the check-out with 2 of 3 answered, revealed %v", raw, revealed)
					}

					if m.Role == Facilitator {
						if !reflect.DeepEqual(got.Words, wantWords) {
							t.Errorf("got words %+v, want %+v", got.Words, wantWords)
						}
						if !reflect.DeepEqual(got.Cloud, wantCloud) {
							t.Errorf("got cloud %+v, want %+v", got.Cloud, wantCloud)
						}
						return
					}

					if _, ok := keys["words"]; ok {
						t.Errorf("a participant got words: %s", raw)
					}
					if revealed {
						if !reflect.DeepEqual(got.Cloud, wantCloud) {
							t.Errorf("got cloud %+v, want %+v", got.Cloud, wantCloud)
						}
					} else if _, ok := keys["cloud"]; ok {
						t.Errorf("a participant got the cloud before the reveal: %s", raw)
					}
					// Never a name or a state next to the words.
					for _, secret := range append(append([]string{"memberId", `"name"`, `"state"`}, names...), states...) {
						if bytes.Contains(raw, []byte(secret)) {
							t.Errorf("a participant's check-out holds %q: %s", secret, raw)
						}
					}
					// Nobody else's word before the reveal, nobody else's
					// state ever, anywhere in the message.
					for other, w := range own {
						if other == id {
							continue
						}
						if !revealed && bytes.Contains(msg.raw, []byte(w.Word)) {
							t.Errorf("%s received %s's word %q before the reveal: %s", id, other, w.Word, msg.raw)
						}
						if mw := own[id]; mw == nil || mw.State != w.State {
							if bytes.Contains(msg.raw, []byte(w.State)) {
								t.Errorf("%s received %s's closing state %q: %s", id, other, w.State, msg.raw)
							}
						}
					}

					mineRaw, hasMine := roomPart(t, msg, "mine")
					wantsMine := own[id] != nil && (msg.Type == "snapshot" || id == "p1")
					if !wantsMine {
						if msg.Type == "event" && hasMine {
							t.Errorf("%s got mine in another member's event: %s", id, msg.raw)
						}
						if msg.Type == "snapshot" && string(mineRaw) != "{}" {
							t.Errorf("got mine %s, want {}", mineRaw)
						}
						return
					}
					var mine struct {
						Word map[string]any `json:"word"`
					}
					if err := json.Unmarshal(mineRaw, &mine); err != nil {
						t.Fatalf("decode mine %s: %v", mineRaw, err)
					}
					w := own[id]
					want := map[string]any{"word": w.Word, "state": string(w.State), "at": float64(w.At.UnixMilli())}
					if !reflect.DeepEqual(mine.Word, want) {
						t.Errorf("got mine.word %v, want %v", mine.Word, want)
					}
				})
			}
		}
	}
}

func TestCheckOutViewDetails(t *testing.T) {
	at := t0.Add(20 * time.Minute)
	decode := func(t *testing.T, s State, id string) (wireCheckOut, json.RawMessage) {
		t.Helper()
		m, _ := s.Member(id)
		msg := decodeMsg(t, snapshot(&s, m, at))
		raw, _ := roomPart(t, msg, "activity")
		var co wireCheckOut
		if err := json.Unmarshal(raw, &co); err != nil {
			t.Fatalf("decode %s: %v", raw, err)
		}
		mine, _ := roomPart(t, msg, "mine")
		return co, mine
	}
	t.Run("before any word", func(t *testing.T) {
		s := checkingOut(true)
		for _, id := range []string{"f1", "p1"} {
			co, _ := decode(t, s, id)
			if co.AnsweredCount != 0 || co.Expected != 3 || len(co.Words) != 0 || len(co.Cloud) != 0 {
				t.Errorf("%s: got %+v, want nothing answered of 3", id, co)
			}
		}
	})
	t.Run("words of the same moment in member order", func(t *testing.T) {
		same := t0.Add(2 * time.Minute)
		s := checkingOut(false,
			Word{MemberID: "p3", Word: "c", At: same},
			Word{MemberID: "p1", Word: "a", At: same},
			Word{MemberID: "p2", Word: "b", At: same.Add(-time.Second)},
		)
		co, _ := decode(t, s, "f1")
		var got []string
		for _, w := range co.Words {
			got = append(got, w.MemberID)
		}
		if want := []string{"p2", "p1", "p3"}; !reflect.DeepEqual(got, want) {
			t.Errorf("got words of %v, want %v", got, want)
		}
	})
	t.Run("without a closing check mine has no state", func(t *testing.T) {
		s := checkingOut(false, Word{MemberID: "p1", Word: "lighter", At: t0.Add(2 * time.Minute)})
		_, mine := decode(t, s, "p1")
		if want := fmt.Sprintf(`{"word":{"word":"lighter","at":%d}}`, t0.Add(2*time.Minute).UnixMilli()); string(mine) != want {
			t.Errorf("got mine %s, want %s", mine, want)
		}
	})
}

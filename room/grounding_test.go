package room

import (
	"bytes"
	"encoding/json"
	"reflect"
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
	g := s.Current.Grounding()
	g.Paused, g.PausedAt, g.Remaining = true, pausedAt, remaining
	return s
}

// groundingOf returns the running grounding of s, failing the test when there
// is none.
func groundingOf(tb testing.TB, s State) Grounding {
	tb.Helper()
	g := s.Current.Grounding()
	if g == nil {
		tb.Fatalf("got current %+v, want a grounding", s.Current)
	}
	return *g
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

// breathCycle returns the length of one breath of b.
func breathCycle(b *Breath) time.Duration {
	return time.Duration(b.In+b.Hold+b.Out+b.Rest) * time.Second
}

// phase returns where in its breath cycle g is at t.
func phase(g Grounding, t time.Time) time.Duration {
	return t.Sub(g.CycleStart) % breathCycle(g.Breath)
}

func TestApplyGroundingPause(t *testing.T) {
	pause := command(TypeGroundingPause, nil)
	tests := []step{
		{
			name: "it keeps what is left", state: groundingSince(now.Add(-time.Minute)), actor: "f1", cmd: pause,
			change: heard{Activity: true},
			check: func(tb testing.TB, before, after State) {
				wantGrounding(tb, before, after, func(g *Grounding) {
					g.Paused, g.PausedAt, g.Remaining = true, now, 2*time.Minute
				})
			},
		},
		{
			name: "at the last moment", state: groundingSince(now.Add(-180 * time.Second)), actor: "f1", cmd: pause,
			change: heard{Activity: true},
			check: func(tb testing.TB, before, after State) {
				wantGrounding(tb, before, after, func(g *Grounding) { g.Paused, g.PausedAt, g.Remaining = true, now, 0 })
			},
		},
		{
			name: "after the end nothing is left, not less", state: groundingSince(now.Add(-5 * time.Minute)), actor: "f1", cmd: pause,
			change: heard{Activity: true},
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
			change: heard{Activity: true},
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
			change: heard{Activity: true},
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
	breath := breathCycle(s.Current.Grounding().Breath)
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
		if got, want := phase(g, at), breathed%breath; got != want {
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
			change: heard{Activity: true},
			check: func(tb testing.TB, before, after State) {
				wantGrounding(tb, before, after, func(g *Grounding) {
					g.EndsAt = now.Add(3 * time.Minute)
					g.Seconds = 240
				})
			},
		},
		{
			name: "after the end it counts again from now", state: groundingSince(now.Add(-10 * time.Minute)), actor: "f1", cmd: extend(60),
			change: heard{Activity: true},
			check: func(tb testing.TB, before, after State) {
				wantGrounding(tb, before, after, func(g *Grounding) {
					g.EndsAt = now.Add(time.Minute)
					g.Seconds = 240
				})
			},
		},
		{
			name: "while paused it adds to what is left", state: pausedGrounding(started, now.Add(-time.Second), 30*time.Second), actor: "f1", cmd: extend(60),
			change: heard{Activity: true},
			check: func(tb testing.TB, before, after State) {
				wantGrounding(tb, before, after, func(g *Grounding) {
					g.Remaining = 90 * time.Second
					g.Seconds = 240
				})
			},
		},
		{
			name: "paused after the end", state: pausedGrounding(now.Add(-10*time.Minute), now.Add(-time.Second), 0), actor: "f1", cmd: extend(1),
			change: heard{Activity: true},
			check: func(tb testing.TB, before, after State) {
				wantGrounding(tb, before, after, func(g *Grounding) {
					g.Remaining = time.Second
					g.Seconds = 181
				})
			},
		},
		{
			name: "by 600 seconds", state: groundingSince(started), actor: "f1", cmd: extend(MaxExtendSeconds),
			change: heard{Activity: true},
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
	paused.Current.Grounding().CycleStart = started.Add(1500 * time.Millisecond)
	noPacer := groundingSince(started)
	noPacer.Current.Grounding().Breath = nil
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
			var ch Change
			ch.activity(&s)
			f := newFanout(s.Version, at, ch.parts, nil)
			var first json.RawMessage
			for _, id := range []string{"f1", "p1", "p3"} {
				m, _ := s.Member(id)
				for _, msg := range []wireMsg{decodeMsg(t, snapshot(&s, m, at)), decodeMsg(t, f.messageTo(m).Data)} {
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

func (r *Grounding) testCopy() Run {
	g := *r
	if r.Breath != nil {
		b := *r.Breath
		g.Breath = &b
	}
	return &g
}

func (r *Grounding) scribble() {
	r.Paused = !r.Paused
	r.EndsAt = r.EndsAt.Add(time.Hour)
	r.CycleStart = r.CycleStart.Add(time.Hour)
	r.Remaining += time.Hour
	r.Seconds++
}

package room

import (
	"bytes"
	"context"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// The texts of the intentions tests are unique, so finding one in the bytes
// a member receives means it reached them.
const (
	pastOfSam  = "past-intention-of-Sam"
	pastOfKim  = "past-intention-of-Kim"
	stepOfSam  = "past-step-of-Sam"
	nowOfSam   = "intention-of-Sam"
	nowOfKim   = "intention-of-Kim"
	stepNowSam = "step-now-of-Sam"
	intPrompt  = "What would you like to carry?"
)

var lastWeek = t0.Add(-7 * 24 * time.Hour)

// journeys is what Sam (p1) and Kim (p2) brought from Week 0: Sam an
// intention with a step, Kim an intention. Lee (p3) was not there.
func journeys() Journeys {
	return Journeys{
		"p1": {{ID: "int-sam-0", MemberID: "p1", SessionID: "s0", SessionTitle: "Week 0", SetAt: lastWeek, Text: pastOfSam,
			Commitments: []PastCommitment{{ID: "com-sam-0", SessionID: "s0", SessionTitle: "Week 0", Step: stepOfSam, At: lastWeek.Add(time.Minute)}}}},
		"p2": {{ID: "int-kim-0", MemberID: "p2", SessionID: "s0", SessionTitle: "Week 0", SetAt: lastWeek, Text: pastOfKim}},
	}
}

// withIntentions returns a room running an intentions activity (nothing
// written yet), with the journeys from Week 0.
func withIntentions(reveal RevealMode, commitment bool) State {
	s := gathering()
	s.Agenda = []Item{{ID: "i-int", Kind: KindIntentions, Title: "Intentions", Status: Running,
		Settings: IntentionsSettings{Prompt: intPrompt, Reveal: reveal, Commitment: commitment}}}
	s.Journeys = journeys()
	s.Current = &Activity{ItemID: "i-int", Run: &Intentions{
		ID: "act-int", Prompt: intPrompt, Reveal: reveal, Commitment: commitment, StartedAt: t0.Add(time.Minute),
		Written: map[string]Intention{}, Reflections: map[string]Reflection{}, Commitments: map[string]Commitment{},
	}}
	return s
}

// withWritten returns s with the member's intention written.
func withWritten(s State, memberID, id, text string) State {
	s = fullCopy(s)
	s.Current.Intentions().Written[memberID] = Intention{ID: id, MemberID: memberID, Text: text, At: t0.Add(2 * time.Minute)}
	return s
}

func revealed(s State) State {
	s = fullCopy(s)
	in := s.Current.Intentions()
	in.Revealed = true
	in.RevealedAt = t0.Add(3 * time.Minute)
	if in.Reveal == RevealAnonymous {
		// What the reveal showed: every intention written by then.
		in.Shown = map[string]string{}
		for _, w := range in.Written {
			in.Shown[w.ID] = w.Text
		}
	}
	return s
}

func intentionsOf(tb testing.TB, s State) *Intentions {
	tb.Helper()
	in := s.Current.Intentions()
	if in == nil {
		tb.Fatalf("got current %+v, want an intentions activity", s.Current)
	}
	return in
}

func TestItemNormalizeIntentions(t *testing.T) {
	intentions := func(title string, set IntentionsSettings) Item {
		return Item{Kind: KindIntentions, Title: title, Settings: set}
	}
	tests := []struct {
		name     string
		in       string // the item as a facilitator's client sends it
		want     Item
		wantCode string
	}{
		{
			name: "named, with a commitment",
			in:   `{"kind":"intentions","title":" Intentions ","prompt":" What will you carry? ","reveal":"named","commitment":true}`,
			want: intentions("Intentions", IntentionsSettings{Prompt: "What will you carry?", Reveal: RevealNamed, Commitment: true}),
		},
		{
			name: "anonymous, settings of other kinds dropped",
			in:   `{"kind":"intentions","prompt":"p","reveal":"anonymous","visibility":"group","seconds":60,"closingCheck":true}`,
			want: intentions("", IntentionsSettings{Prompt: "p", Reveal: RevealAnonymous}),
		},
		{
			name: "other kinds drop the intentions settings",
			in:   `{"kind":"checkout","prompt":"p","reveal":"named","commitment":true}`,
			want: Item{Kind: KindCheckOut, Settings: CheckOutSettings{Prompt: "p"}},
		},
		{name: "no reveal mode", in: `{"kind":"intentions","prompt":"p"}`, wantCode: CodeInvalid},
		{name: "an unknown reveal mode", in: `{"kind":"intentions","prompt":"p","reveal":"everyone"}`, wantCode: CodeInvalid},
		{name: "no prompt", in: `{"kind":"intentions","prompt":"  ","reveal":"named"}`, wantCode: CodeInvalid},
		{name: "a prompt too long", in: `{"kind":"intentions","prompt":"` + strings.Repeat("é", MaxPrompt+1) + `","reveal":"named"}`, wantCode: CodeInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var in Item
			if err := json.Unmarshal([]byte(tc.in), &in); err != nil {
				t.Fatal(err)
			}
			got, err := in.Normalize()
			if tc.wantCode != "" {
				if ErrorCode(err) != tc.wantCode {
					t.Fatalf("got %v, want code %s", err, tc.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
	if _, err := (Item{Kind: KindIntentions, Settings: CircleSettings{Prompt: "p", Mode: OpenFloor}}).Normalize(); ErrorCode(err) != CodeInvalid {
		t.Errorf("settings of another kind: got %v, want code %s", err, CodeInvalid)
	}
}

func TestApplyIntentionWrite(t *testing.T) {
	write := func(text any) Command { return command(TypeIntentionWrite, map[string]any{"text": text}) }
	anon := withIntentions(RevealAnonymous, true)
	longest := strings.Repeat("ü", MaxIntention)
	tests := []step{
		{
			name: "the first one gets a fresh ID", state: anon, actor: "p1", cmd: write("  To rest more.  "),
			change: heard{Activity: true, Mine: []string{"p1"}},
			check: func(tb testing.TB, _, after State) {
				w := intentionsOf(tb, after).Written["p1"]
				if w.ID == "" || w.MemberID != "p1" || w.Text != "To rest more." || !w.At.Equal(now) {
					tb.Errorf("got %+v, want a trimmed intention of p1 at now with an ID", w)
				}
				if len(intentionsOf(tb, after).Written) != 1 {
					tb.Errorf("got %d intentions, want 1", len(intentionsOf(tb, after).Written))
				}
			},
		},
		{
			name: "changing it keeps its ID", state: withWritten(anon, "p1", "int-1", "old"), actor: "p1", cmd: write("new"),
			change: heard{Activity: true, Mine: []string{"p1"}},
			check: func(tb testing.TB, _, after State) {
				if w := intentionsOf(tb, after).Written["p1"]; w.ID != "int-1" || w.Text != "new" {
					tb.Errorf("got %+v, want int-1 with the new text", w)
				}
			},
		},
		{
			// Kim was typing when the facilitator revealed: her intention
			// still counts, and waits to join the shown set with another
			// (TestLateIntentions).
			name: "after the reveal, still taken", state: revealed(withWritten(anon, "p1", "int-1", nowOfSam)), actor: "p2", cmd: write(nowOfKim),
			change: heard{Activity: true, Mine: []string{"p2"}},
			check: func(tb testing.TB, _, after State) {
				in := intentionsOf(tb, after)
				if !in.Revealed || in.Written["p2"].Text != nowOfKim {
					tb.Errorf("got %+v, want Kim's intention in a revealed activity", in)
				}
				if !slices.Equal(in.Held, []string{"p2"}) || !reflect.DeepEqual(in.Shown, map[string]string{"int-1": nowOfSam}) {
					tb.Errorf("got held %v shown %v, want Kim's held and Sam's alone shown", in.Held, in.Shown)
				}
			},
		},
		{name: "the longest", state: anon, actor: "p1", cmd: write(longest), change: heard{Activity: true, Mine: []string{"p1"}}},
		{name: "one character too long", state: anon, actor: "p1", cmd: write(longest + "ü"), wantCode: CodeInvalid},
		{name: "empty", state: anon, actor: "p1", cmd: write(""), wantCode: CodeInvalid},
		{name: "only spaces", state: anon, actor: "p1", cmd: write(" \n\t "), wantCode: CodeInvalid},
		{name: "not text", state: anon, actor: "p1", cmd: write(42), wantCode: CodeInvalid},
		{name: "malformed data", state: anon, actor: "p1", cmd: command(TypeIntentionWrite, `{"text":`), wantCode: CodeInvalid},
		{name: "by a facilitator", state: anon, actor: "f1", cmd: write("mine"), wantCode: CodeNotAllowed},
		{name: "by a stranger", state: anon, actor: "x9", cmd: write("mine"), wantCode: CodeNotAllowed},
		{name: "while gathering", state: planned(), actor: "p1", cmd: write("mine"), wantCode: CodeClosed},
		{name: "during a check-out", state: running("i-out", now), actor: "p1", cmd: write("mine"), wantCode: CodeClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runStep(t, tc) })
	}
}

func TestApplyIntentionReflect(t *testing.T) {
	reflect_ := func(id, outcome string) Command {
		return command(TypeIntentionReflect, map[string]string{"intentionId": id, "outcome": outcome})
	}
	s := withIntentions(RevealNamed, false)
	tests := []step{
		{
			name: "on an earlier intention of one's own", state: s, actor: "p1", cmd: reflect_("int-sam-0", "lived"),
			change: heard{Activity: true, Mine: []string{"p1"}},
			check: func(tb testing.TB, _, after State) {
				want := Reflection{IntentionID: "int-sam-0", MemberID: "p1", Outcome: Lived, At: now}
				if got := intentionsOf(tb, after).Reflections["int-sam-0"]; got != want {
					tb.Errorf("got %+v, want %+v", got, want)
				}
				if !reflect.DeepEqual(after.Journeys, journeys()) {
					tb.Error("a reflection changed the journeys of earlier sessions")
				}
			},
		},
		{name: "let it go", state: s, actor: "p2", cmd: reflect_("int-kim-0", "letgo"), change: heard{Activity: true, Mine: []string{"p2"}}},
		{name: "still with it", state: s, actor: "p2", cmd: reflect_("int-kim-0", "still"), change: heard{Activity: true, Mine: []string{"p2"}}},
		{name: "on someone else's", state: s, actor: "p1", cmd: reflect_("int-kim-0", "lived"), wantCode: CodeInvalid},
		{name: "on an unknown ID", state: s, actor: "p1", cmd: reflect_("int-nobody", "lived"), wantCode: CodeInvalid},
		{name: "with no ID", state: s, actor: "p1", cmd: reflect_("", "lived"), wantCode: CodeInvalid},
		{name: "on this session's intention", state: withWritten(s, "p1", "int-1", nowOfSam), actor: "p1", cmd: reflect_("int-1", "lived"), wantCode: CodeInvalid},
		{name: "without an outcome", state: s, actor: "p1", cmd: reflect_("int-sam-0", ""), wantCode: CodeInvalid},
		{name: "an unknown outcome", state: s, actor: "p1", cmd: reflect_("int-sam-0", "forgot"), wantCode: CodeInvalid},
		{name: "by a facilitator", state: s, actor: "f1", cmd: reflect_("int-sam-0", "lived"), wantCode: CodeNotAllowed},
		{name: "while gathering", state: planned(), actor: "p1", cmd: reflect_("int-sam-0", "lived"), wantCode: CodeClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runStep(t, tc) })
	}
	t.Run("again replaces the first", func(t *testing.T) {
		a, _, err := Apply(s, now, "p1", reflect_("int-sam-0", "still"))
		if err != nil {
			t.Fatal(err)
		}
		b, _, err := Apply(a, now.Add(time.Minute), "p1", reflect_("int-sam-0", "letgo"))
		if err != nil {
			t.Fatal(err)
		}
		in := intentionsOf(t, b)
		if len(in.Reflections) != 1 || in.Reflections["int-sam-0"].Outcome != LetGo {
			t.Errorf("got reflections %+v, want one: letgo", in.Reflections)
		}
	})
}

func TestApplyIntentionCommit(t *testing.T) {
	commit := func(id, step any) Command {
		return command(TypeIntentionCommit, map[string]any{"intentionId": id, "step": step})
	}
	s := withIntentions(RevealAnonymous, true)
	longest := strings.Repeat("ß", MaxStep)
	tests := []step{
		{
			name: "for an earlier intention", state: s, actor: "p1", cmd: commit("int-sam-0", " Walk every morning. "),
			change: heard{Activity: true, Mine: []string{"p1"}},
			check: func(tb testing.TB, _, after State) {
				c := intentionsOf(tb, after).Commitments["p1"]
				if c.ID == "" || c.IntentionID != "int-sam-0" || c.Step != "Walk every morning." || c.MemberID != "p1" || !c.At.Equal(now) {
					tb.Errorf("got %+v, want a trimmed commitment of p1 for int-sam-0", c)
				}
			},
		},
		{
			name: "for the intention written now", state: withWritten(s, "p3", "int-lee", "rest"), actor: "p3", cmd: commit("int-lee", "Sleep by ten."),
			change: heard{Activity: true, Mine: []string{"p3"}},
		},
		{
			name: "again: the same commitment, changed", actor: "p1", cmd: commit("int-sam-0", "new step"),
			state: func() State {
				c := fullCopy(s)
				c.Current.Intentions().Commitments["p1"] = Commitment{ID: "com-1", MemberID: "p1", IntentionID: "int-sam-0", Step: "old", At: t0}
				return c
			}(),
			change: heard{Activity: true, Mine: []string{"p1"}},
			check: func(tb testing.TB, _, after State) {
				if c := intentionsOf(tb, after).Commitments["p1"]; c.ID != "com-1" || c.Step != "new step" {
					tb.Errorf("got %+v, want com-1 with the new step", c)
				}
			},
		},
		{name: "the longest step", state: s, actor: "p1", cmd: commit("int-sam-0", longest), change: heard{Activity: true, Mine: []string{"p1"}}},
		{name: "a step too long", state: s, actor: "p1", cmd: commit("int-sam-0", longest+"ß"), wantCode: CodeInvalid},
		{name: "an empty step", state: s, actor: "p1", cmd: commit("int-sam-0", "  "), wantCode: CodeInvalid},
		{name: "for someone else's", state: withWritten(s, "p2", "int-kim", "x"), actor: "p1", cmd: commit("int-kim", "step"), wantCode: CodeInvalid},
		{name: "for someone else's earlier", state: s, actor: "p1", cmd: commit("int-kim-0", "step"), wantCode: CodeInvalid},
		{name: "for an unknown ID", state: s, actor: "p1", cmd: commit("int-nobody", "step"), wantCode: CodeInvalid},
		// Lee has written nothing: an empty ID must not match "no intention".
		{name: "with no ID before writing", state: s, actor: "p3", cmd: commit("", "step"), wantCode: CodeInvalid},
		{name: "not asked for", state: withIntentions(RevealAnonymous, false), actor: "p1", cmd: commit("int-sam-0", "step"), wantCode: CodeClosed},
		{name: "by a facilitator", state: s, actor: "f1", cmd: commit("int-sam-0", "step"), wantCode: CodeNotAllowed},
		{name: "while gathering", state: planned(), actor: "p1", cmd: commit("int-sam-0", "step"), wantCode: CodeClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runStep(t, tc) })
	}
}

func TestApplyIntentionReveal(t *testing.T) {
	reveal := command(TypeIntentionReveal, nil)
	s := withWritten(withIntentions(RevealAnonymous, false), "p1", "int-1", nowOfSam)
	tests := []step{
		{
			name: "shows them", state: s, actor: "f1", cmd: reveal, change: heard{Activity: true},
			check: func(tb testing.TB, before, after State) {
				in := intentionsOf(tb, after)
				if !in.Revealed || !in.RevealedAt.Equal(now) || !reflect.DeepEqual(in.Written, before.Current.Intentions().Written) {
					tb.Errorf("got %+v, want revealed at now, the intentions as they were", in)
				}
				// An anonymous reveal keeps what it showed, to hold back
				// what comes after it.
				if !reflect.DeepEqual(in.Shown, map[string]string{"int-1": nowOfSam}) || len(in.Held) != 0 {
					tb.Errorf("got shown %v held %v, want Sam's as written and nothing held", in.Shown, in.Held)
				}
			},
		},
		{name: "with nothing written", state: withIntentions(RevealNamed, false), actor: "f1", cmd: reveal, change: heard{Activity: true}},
		{name: "twice", state: revealed(s), actor: "f1", cmd: reveal, wantCode: CodeClosed},
		{name: "by a participant", state: s, actor: "p1", cmd: reveal, wantCode: CodeNotAllowed},
		{name: "while gathering", state: planned(), actor: "f1", cmd: reveal, wantCode: CodeClosed},
		{name: "during a check-out", state: running("i-out", now), actor: "f1", cmd: reveal, wantCode: CodeClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runStep(t, tc) })
	}
}

// TestLateIntentions writes intentions after the reveal. After an anonymous
// reveal, one that appeared alone (or changed alone) would say whose it is,
// by when it came: it is held until a second one of its sort comes (a new
// one takes a new place in the list, a changed one changes in its place),
// or the activity ends. After a named reveal the names say it anyway: it
// shows at once.
func TestLateIntentions(t *testing.T) {
	const (
		changedOfSam = "changed-intention-of-Sam"
		againOfKim   = "intention-again-of-Kim"
	)
	type act struct{ actor, text string } // text "": the facilitator ends the activity
	tests := []struct {
		name   string
		reveal RevealMode
		acts   []act // after Sam's intention is revealed
		// shown is what participants see of the intentions after the
		// last act (in the room, or once ended, looking back); held are
		// texts no participant but their writer may have received.
		shown, held []string
	}{
		{name: "one late intention is not shown", reveal: RevealAnonymous,
			acts: []act{{"p2", nowOfKim}}, shown: []string{nowOfSam}, held: []string{nowOfKim}},
		{name: "a second late one shows both", reveal: RevealAnonymous,
			acts: []act{{"p2", nowOfKim}, {"p3", nowOfLee}}, shown: []string{nowOfSam, nowOfKim, nowOfLee}},
		{name: "the same writer again is still one", reveal: RevealAnonymous,
			acts: []act{{"p2", nowOfKim}, {"p2", againOfKim}}, shown: []string{nowOfSam}, held: []string{nowOfKim, againOfKim}},
		{name: "a changed one is held, the text shown stays", reveal: RevealAnonymous,
			acts: []act{{"p1", changedOfSam}}, shown: []string{nowOfSam}, held: []string{changedOfSam}},
		{name: "a changed one and a late one do not hide each other", reveal: RevealAnonymous,
			acts: []act{{"p1", changedOfSam}, {"p2", nowOfKim}}, shown: []string{nowOfSam}, held: []string{changedOfSam, nowOfKim}},
		{name: "a lone change waits for the end, with the late ones", reveal: RevealAnonymous,
			acts: []act{{"p1", changedOfSam}, {"p2", nowOfKim}, {"p3", nowOfLee}}, shown: []string{nowOfSam, nowOfKim, nowOfLee},
			held: []string{changedOfSam}},
		{name: "ending the activity shows every held one", reveal: RevealAnonymous,
			acts: []act{{"p1", changedOfSam}, {"p2", nowOfKim}, {"f1", ""}}, shown: []string{changedOfSam, nowOfKim}},
		{name: "ending the activity shows a lone late one", reveal: RevealAnonymous,
			acts: []act{{"p2", nowOfKim}, {"f1", ""}}, shown: []string{nowOfSam, nowOfKim}},
		{name: "a named reveal shows a late one at once", reveal: RevealNamed,
			acts: []act{{"p2", nowOfKim}}, shown: []string{nowOfSam, nowOfKim}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, _, err := Apply(withWritten(withIntentions(tc.reveal, false), "p1", "int-sam", nowOfSam), now, "f1", command(TypeIntentionReveal, nil))
			if err != nil {
				t.Fatal(err)
			}
			wrote := map[string]string{} // text → its writer
			for _, a := range tc.acts {
				cmd := command(TypeActivityEnd, nil)
				if a.text != "" {
					cmd = command(TypeIntentionWrite, map[string]string{"text": a.text})
					wrote[a.text] = a.actor
				}
				next, ch, err := Apply(s, now, a.actor, cmd)
				if err != nil {
					t.Fatalf("%s %s: %v", a.actor, cmd.Type, err)
				}
				s = next
				f := newFanout(s.Version, now, ch.parts, nil)
				for _, m := range s.Members {
					wantNotSent(t, m, f.messageTo(m).Data, tc.held, wrote)
				}
			}
			for _, m := range s.Members {
				wantNotSent(t, m, snapshot(&s, m, now), tc.held, wrote)
			}
			var got []string
			if s.Current != nil {
				m, _ := s.Member("p3")
				raw, _ := roomPart(t, decodeMsg(t, snapshot(&s, m, now)), "activity")
				var a wireIntentions
				if err := json.Unmarshal(raw, &a); err != nil {
					t.Fatal(err)
				}
				for _, sh := range a.Shown {
					got = append(got, sh.Text)
				}
			} else {
				for _, id := range []string{"p1", "p2", "p3"} {
					j, _ := JourneyOf(s, id)
					var texts []string
					for _, sh := range detailOf[*JourneyIntentions](t, j.Moments[0].Detail).Shown {
						texts = append(texts, sh.Text)
					}
					if got != nil && !slices.Equal(slices.Sorted(slices.Values(texts)), slices.Sorted(slices.Values(got))) {
						t.Errorf("%s looks back on %v, another on %v: want the same set", id, texts, got)
					}
					got = texts
				}
			}
			if !slices.Equal(slices.Sorted(slices.Values(got)), slices.Sorted(slices.Values(tc.shown))) {
				t.Errorf("participants see %v, want %v", got, tc.shown)
			}
			if m, _ := s.Member("f1"); s.Current != nil {
				// Facilitators read every intention as it stands.
				raw, _ := roomPart(t, decodeMsg(t, snapshot(&s, m, now)), "activity")
				for _, text := range tc.held {
					if w := wrote[text]; intentionsOf(t, s).Written[w].Text == text && !bytes.Contains(raw, []byte(text)) {
						t.Errorf("facilitators do not see %q: %s", text, raw)
					}
				}
			}
		})
	}
}

// wantNotSent checks that msg, sent to m, holds none of the held texts,
// unless m wrote it (their own part shows it to them).
func wantNotSent(tb testing.TB, m Member, msg []byte, held []string, wrote map[string]string) {
	tb.Helper()
	if m.Role == Facilitator {
		return
	}
	for _, text := range held {
		if wrote[text] != m.ID && bytes.Contains(msg, []byte(text)) {
			tb.Errorf("%s received the held %q: %s", m.ID, text, msg)
		}
	}
}

// TestIntentionsRunThrough starts a planned intentions item, writes, reveals
// and ends it: it goes into the history closed, as written.
func TestIntentionsRunThrough(t *testing.T) {
	s := gathering()
	s.Journeys = journeys()
	s.Agenda = []Item{{ID: "i-int", Kind: KindIntentions, Status: Pending, Settings: IntentionsSettings{Prompt: intPrompt, Reveal: RevealNamed, Commitment: true}}}
	steps := []struct {
		actor string
		cmd   Command
	}{
		{"f1", command(TypeAgendaStart, map[string]string{"itemId": "i-int"})},
		{"p1", command(TypeIntentionWrite, map[string]string{"text": nowOfSam})},
		{"p1", command(TypeIntentionReflect, map[string]string{"intentionId": "int-sam-0", "outcome": "still"})},
		{"f1", command(TypeIntentionReveal, nil)},
		{"p2", command(TypeIntentionWrite, map[string]string{"text": nowOfKim})},
		{"f1", command(TypeActivityEnd, nil)},
	}
	at := now
	for _, st := range steps {
		var err error
		if s, _, err = Apply(s, at, st.actor, st.cmd); err != nil {
			t.Fatalf("%s %s: %v", st.actor, st.cmd.Type, err)
		}
		if st.cmd.Type == TypeAgendaStart {
			in := intentionsOf(t, s)
			if in.ID == "" || in.Prompt != intPrompt || in.Reveal != RevealNamed || !in.Commitment || !in.StartedAt.Equal(at) {
				t.Fatalf("started %+v, want the item's settings", in)
			}
		}
		at = at.Add(time.Minute)
	}
	if s.Current != nil || len(s.History) != 1 || s.Agenda[0].Status != Done {
		t.Fatalf("got current %+v, history %d, item %s; want gathering with the activity done", s.Current, len(s.History), s.Agenda[0].Status)
	}
	in := s.History[0].Intentions()
	if in == nil || in.EndedAt.IsZero() || len(in.Written) != 2 || in.Reflections["int-sam-0"].Outcome != StillWith {
		t.Errorf("history holds %+v, want the ended activity with both intentions and Sam's reflection", in)
	}
	if _, _, err := Apply(s, at, "p1", command(TypeIntentionWrite, map[string]string{"text": "late"})); ErrorCode(err) != CodeClosed {
		t.Errorf("writing after the end: got %v, want closed", err)
	}
}

// pastRoom returns a closed room of an earlier session holding one finished
// intentions activity.
func pastRoom(id, title string, opened time.Time, in *Intentions) State {
	s := gathering()
	s.SessionID, s.Title, s.OpenedAt, s.Status = id, title, opened, Closed
	s.History = []Activity{{ItemID: "i-" + id, Run: in}}
	return s
}

func TestBuildJourneys(t *testing.T) {
	w1 := t0.Add(-14 * 24 * time.Hour)
	w2 := t0.Add(-7 * 24 * time.Hour)
	week1 := pastRoom("s1", "Week 1", w1, &Intentions{ID: "a1",
		Written: map[string]Intention{
			"p1":   {ID: "sam-1", MemberID: "p1", Text: "sam one", At: w1.Add(2 * time.Minute)},
			"p2":   {ID: "kim-1", MemberID: "p2", Text: "kim one", At: w1.Add(time.Minute)},
			"gone": {ID: "gone-1", MemberID: "gone", Text: "of someone who left", At: w1},
		},
		Commitments: map[string]Commitment{"p1": {ID: "c-sam-1", MemberID: "p1", IntentionID: "sam-1", Step: "step one", At: w1.Add(3 * time.Minute)}},
	})
	week2 := pastRoom("s2", "Week 2", w2, &Intentions{ID: "a2",
		Written: map[string]Intention{"p1": {ID: "sam-2", MemberID: "p1", Text: "sam two", At: w2.Add(time.Minute)}},
		Reflections: map[string]Reflection{
			"sam-1": {IntentionID: "sam-1", MemberID: "p1", Outcome: Lived, At: w2.Add(2 * time.Minute)},
			// Not Kim's own: ignored.
			"kim-x": {IntentionID: "kim-1", MemberID: "p1", Outcome: LetGo, At: w2},
		},
		Commitments: map[string]Commitment{
			"p1": {ID: "c-sam-2", MemberID: "p1", IntentionID: "sam-2", Step: "step two", At: w2.Add(3 * time.Minute)},
			"p2": {ID: "c-kim-2", MemberID: "p2", IntentionID: "kim-1", Step: "kim step", At: w2.Add(4 * time.Minute)},
		},
	})
	// Week 2's room carries Week 1's journeys, as every room does: they
	// must not count twice.
	week2.Journeys = Journeys{"p1": {{ID: "sam-1", MemberID: "p1", Text: "sam one"}}}
	never := gathering() // a room with other activities only
	never.SessionID, never.OpenedAt = "s-other", w1.Add(time.Hour)
	never.History = []Activity{{Run: &CheckOut{ID: "co", Words: map[string]Word{"p1": {Word: "x"}}}}}

	want := Journeys{
		"p1": {
			{ID: "sam-1", MemberID: "p1", SessionID: "s1", SessionTitle: "Week 1", SetAt: w1.Add(2 * time.Minute), Text: "sam one",
				Reflections: []PastReflection{{SessionID: "s2", SessionTitle: "Week 2", Outcome: Lived, At: w2.Add(2 * time.Minute)}},
				Commitments: []PastCommitment{{ID: "c-sam-1", SessionID: "s1", SessionTitle: "Week 1", Step: "step one", At: w1.Add(3 * time.Minute)}}},
			{ID: "sam-2", MemberID: "p1", SessionID: "s2", SessionTitle: "Week 2", SetAt: w2.Add(time.Minute), Text: "sam two",
				Commitments: []PastCommitment{{ID: "c-sam-2", SessionID: "s2", SessionTitle: "Week 2", Step: "step two", At: w2.Add(3 * time.Minute)}}},
		},
		"p2": {
			{ID: "kim-1", MemberID: "p2", SessionID: "s1", SessionTitle: "Week 1", SetAt: w1.Add(time.Minute), Text: "kim one",
				Commitments: []PastCommitment{{ID: "c-kim-2", SessionID: "s2", SessionTitle: "Week 2", Step: "kim step", At: w2.Add(4 * time.Minute)}}},
		},
	}
	// Given in any order, the sessions are read by when they opened.
	got := BuildJourneys([]State{week2, never, week1}, roster())
	if !reflect.DeepEqual(got, want) {
		gb, _ := json.MarshalIndent(got, "", " ")
		t.Errorf("got journeys\n%s\nwant %+v", gb, want)
	}
	if got := BuildJourneys(nil, roster()); got != nil {
		t.Errorf("no earlier sessions: got %v, want nil", got)
	}
	if got := BuildJourneys([]State{never}, roster()); got != nil {
		t.Errorf("no earlier intentions: got %v, want nil", got)
	}
}

// wireIntentions is the intentions activity as docs/protocol.md names it.
type wireIntentions struct {
	ID           string `json:"id"`
	Kind         string `json:"kind"`
	Prompt       string `json:"prompt"`
	Reveal       string `json:"reveal"`
	Commitment   bool   `json:"commitment"`
	Revealed     bool   `json:"revealed"`
	WrittenCount int    `json:"writtenCount"`
	Expected     int    `json:"expected"`
	Intentions   []struct {
		ID, MemberID, Name, Text string
	} `json:"intentions"`
	Journeys []struct {
		MemberID   string `json:"memberId"`
		Name       string `json:"name"`
		Current    *struct{ Text string }
		Commitment *struct{ IntentionID, Step string }
		Past       []wirePast `json:"past"`
	} `json:"journeys"`
	Shown []struct {
		MemberID string `json:"memberId"`
		Name     string `json:"name"`
		Text     string `json:"text"`
	} `json:"shown"`
}

type wirePast struct {
	ID          string `json:"id"`
	Text        string `json:"text"`
	Reflection  string `json:"reflection"`
	Commitments []struct{ Step string }
}

type wireMyIntentions struct {
	ActivityID string `json:"activityId"`
	Intention  *struct {
		ID, Text string
	} `json:"intention"`
	Commitment *struct {
		IntentionID, IntentionText, Step string
	} `json:"commitment"`
	Past            []wirePast `json:"past"`
	LastCommitments []struct {
		IntentionText, Step, SessionTitle string
	} `json:"lastCommitments"`
}

// sharedState is an intentions activity in full swing: Sam wrote, reflected
// and committed; Kim wrote; Lee has not.
func sharedState(reveal RevealMode) State {
	s := withWritten(withIntentions(reveal, true), "p1", "int-sam", nowOfSam)
	s = withWritten(s, "p2", "int-kim", nowOfKim)
	s.Current.Intentions().Reflections["int-sam-0"] = Reflection{IntentionID: "int-sam-0", MemberID: "p1", Outcome: LetGo, At: now}
	s.Current.Intentions().Commitments["p1"] = Commitment{ID: "com-sam", MemberID: "p1", IntentionID: "int-sam", Step: stepNowSam, At: now}
	return s
}

// seenBy returns every message the member would receive of s: a snapshot,
// and the events of a write by Sam, of the activity's start (as startItem
// makes it: everyone with a part of their own gets it), and of a change to
// the activity alone (a reveal, say).
func seenBy(tb testing.TB, s State, memberID string) [][]byte {
	tb.Helper()
	m, _ := s.Member(memberID)
	var start Change
	start.agendaChanged(&s)
	start.activity(&s)
	for _, mm := range s.Members {
		if _, v := s.Current.Run.mine(&s, mm.ID); v != nil {
			start.mine(&s, mm.ID)
		}
	}
	var reveal Change
	reveal.activity(&s)
	out := [][]byte{snapshot(&s, m, now)}
	for _, ch := range []Change{ownChange(&s, "p1"), start, reveal} {
		out = append(out, newFanout(s.Version, now, ch.parts, nil).messageTo(m).Data)
	}
	return out
}

func TestIntentionsVisibility(t *testing.T) {
	others := map[string][]string{
		// What each participant must never receive: the others' intentions
		// (until the reveal), their past, reflections and steps.
		"p1": {nowOfKim, pastOfKim, "int-kim"},
		"p2": {nowOfSam, pastOfSam, stepOfSam, stepNowSam, "int-sam", `"letgo"`},
		"p3": {nowOfSam, nowOfKim, pastOfSam, pastOfKim, stepOfSam, stepNowSam, "int-sam", "int-kim", `"letgo"`},
	}
	for _, reveal := range []RevealMode{RevealNamed, RevealAnonymous} {
		s := sharedState(reveal)
		t.Run(string(reveal)+" before the reveal", func(t *testing.T) {
			for id, secrets := range others {
				for _, b := range seenBy(t, s, id) {
					for _, secret := range secrets {
						if bytes.Contains(b, []byte(secret)) {
							t.Errorf("%s received %q: %s", id, secret, b)
						}
					}
					if raw, ok := roomPart(t, decodeMsg(t, b), "activity"); ok {
						var a wireIntentions
						json.Unmarshal(raw, &a)
						if a.Kind != "intentions" || a.WrittenCount != 2 || a.Expected != 3 || a.Prompt != intPrompt || a.Reveal != string(reveal) {
							t.Errorf("%s: got activity %s, want counts 2 of 3 with the prompt", id, raw)
						}
						if len(a.Shown) != 0 || len(a.Intentions) != 0 || len(a.Journeys) != 0 {
							t.Errorf("%s: got intentions in %s before the reveal", id, raw)
						}
					}
				}
			}
		})
		s = revealed(s)
		t.Run(string(reveal)+" after the reveal", func(t *testing.T) {
			for id, secrets := range others {
				for _, b := range seenBy(t, s, id) {
					// Now the intentions are shown; the rest stays private.
					for _, secret := range secrets {
						if secret == nowOfSam || secret == nowOfKim {
							continue
						}
						if bytes.Contains(b, []byte(secret)) {
							t.Errorf("%s received %q: %s", id, secret, b)
						}
					}
					raw, ok := roomPart(t, decodeMsg(t, b), "activity")
					if !ok {
						continue
					}
					var a wireIntentions
					json.Unmarshal(raw, &a)
					if len(a.Shown) != 2 {
						t.Fatalf("%s: got shown %s, want both intentions", id, raw)
					}
					for _, sh := range a.Shown {
						named := sh.Name != "" || sh.MemberID != ""
						if named != (reveal == RevealNamed) {
							t.Errorf("%s: got %+v in a %s reveal", id, sh, reveal)
						}
					}
					if reveal == RevealNamed && (a.Shown[0].Name != "Sam" || a.Shown[0].Text != nowOfSam || a.Shown[1].Name != "Kim") {
						t.Errorf("%s: got shown %+v, want Sam's then Kim's, by the roster", id, a.Shown)
					}
					if reveal == RevealAnonymous && (bytes.Contains([]byte(raw), []byte(`"Sam"`)) || bytes.Contains([]byte(raw), []byte(`"Kim"`))) {
						t.Errorf("%s: an anonymous reveal names someone: %s", id, raw)
					}
				}
			}
		})
	}

	t.Run("Sam's own part", func(t *testing.T) {
		s := sharedState(RevealAnonymous)
		// The snapshot, Sam's own write and the start carry Sam's part.
		for _, b := range seenBy(t, s, "p1")[:3] {
			msg := decodeMsg(t, b)
			raw, ok := roomPart(t, msg, "mine")
			if !ok {
				t.Errorf("got no mine in %s", b)
				continue
			}
			var mine struct{ Intentions *wireMyIntentions }
			json.Unmarshal(raw, &mine)
			my := mine.Intentions
			if my == nil || my.ActivityID != "act-int" || my.Intention == nil || my.Intention.Text != nowOfSam {
				t.Fatalf("got mine %s, want Sam's intention", raw)
			}
			if my.Commitment == nil || my.Commitment.Step != stepNowSam || my.Commitment.IntentionText != nowOfSam {
				t.Errorf("got commitment %+v, want Sam's step with its intention", my.Commitment)
			}
			if len(my.Past) != 1 || my.Past[0].Text != pastOfSam || my.Past[0].Reflection != "letgo" || len(my.Past[0].Commitments) != 1 {
				t.Errorf("got past %+v, want Week 0's intention, let go, with its step", my.Past)
			}
			if len(my.LastCommitments) != 1 || my.LastCommitments[0].Step != stepOfSam || my.LastCommitments[0].IntentionText != pastOfSam {
				t.Errorf("got last commitments %+v, want Week 0's step", my.LastCommitments)
			}
		}
	})

	t.Run("Lee, new to the group, has nothing of their own", func(t *testing.T) {
		s := sharedState(RevealAnonymous)
		m, _ := s.Member("p3")
		raw, _ := roomPart(t, decodeMsg(t, snapshot(&s, m, now)), "mine")
		if string(raw) != "{}" {
			t.Errorf("got mine %s, want {}", raw)
		}
	})

	t.Run("facilitators see everything, as it comes", func(t *testing.T) {
		s := sharedState(RevealAnonymous)
		for _, b := range seenBy(t, s, "f1") {
			raw, ok := roomPart(t, decodeMsg(t, b), "activity")
			if !ok {
				continue
			}
			var a wireIntentions
			json.Unmarshal(raw, &a)
			if len(a.Intentions) != 2 || a.Intentions[0].Name == "" || len(a.Shown) != 0 {
				t.Errorf("got intentions %+v (shown %d), want both with names, nothing shown yet", a.Intentions, len(a.Shown))
			}
			if len(a.Journeys) != 3 {
				t.Fatalf("got %d journeys, want one per participant: %s", len(a.Journeys), raw)
			}
			sam := a.Journeys[0]
			if sam.Name != "Sam" || sam.Current == nil || sam.Current.Text != nowOfSam || sam.Commitment == nil || sam.Commitment.Step != stepNowSam ||
				len(sam.Past) != 1 || sam.Past[0].Reflection != "letgo" || len(sam.Past[0].Commitments) != 1 {
				t.Errorf("got Sam's journey %+v, want all of it", sam)
			}
			if lee := a.Journeys[2]; lee.Name != "Lee" || lee.Current != nil || len(lee.Past) != 0 {
				t.Errorf("got Lee's journey %+v, want an empty one", lee)
			}
		}
	})

	t.Run("anonymous order tells nothing and holds", func(t *testing.T) {
		// Whatever the order of writing, the shown order is the same on
		// every call; and it is not the order of writing for every room.
		byTime := 0
		const rooms = 20
		for r := range rooms {
			s := withIntentions(RevealAnonymous, false)
			s.Current.Intentions().ID = "act-" + string(rune('a'+r))
			texts := []string{"first written", "second written", "third written"}
			for i, id := range []string{"p1", "p2", "p3"} {
				s.Current.Intentions().Written[id] = Intention{ID: "w-" + id, MemberID: id, Text: texts[i], At: t0.Add(time.Duration(i) * time.Minute)}
			}
			s = revealed(s)
			in := s.Current.Intentions()
			if len(in.Shown) != 3 {
				t.Fatalf("got shown %v, want the three", in.Shown)
			}
			a := shown(&s, in)
			b := shown(&s, in)
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("two views of one room differ: %v and %v", a, b)
			}
			if a[0].Text == texts[0] && a[1].Text == texts[1] {
				byTime++
			}
		}
		if byTime == rooms {
			t.Errorf("in all %d rooms the shown order is the order of writing", rooms)
		}
	})
}

// TestIntentionsOverTheHub runs the activity through a live room: each
// participant gets their own past when it starts, a retried write is applied
// once, and an intention sent after the reveal joins the shown set for all.
func TestIntentionsOverTheHub(t *testing.T) {
	m, store := newTestManager(t, Config{Now: func() time.Time { return now }})
	st := State{SessionID: "s1", CohortID: "c1", Title: "Week 1", Members: roster(), Journeys: journeys(),
		Agenda: []Item{{ID: "i-int", Kind: KindIntentions, Status: Pending, Settings: IntentionsSettings{Prompt: intPrompt, Reveal: RevealAnonymous, Commitment: true}}}}
	r, err := m.Open(context.Background(), st)
	if err != nil {
		t.Fatal(err)
	}
	subs := map[string]*Subscription{}
	for _, id := range []string{"f1", "p1", "p2", "p3"} {
		subs[id] = join(t, r, id)
	}
	drain := func() {
		for _, sub := range subs {
			for {
				select {
				case <-sub.Messages():
					continue
				default:
				}
				break
			}
		}
	}
	drain()

	if err := do(t, subs["f1"], TypeAgendaNext, "f-1", ""); err != nil {
		t.Fatal(err)
	}
	for id, want := range map[string]string{"p1": pastOfSam, "p2": pastOfKim, "p3": ""} {
		ev := recvType(t, subs[id], "event")
		raw, hasMine := roomPart(t, ev, "mine")
		if want == "" {
			if hasMine {
				t.Errorf("%s: got mine %s, want none", id, raw)
			}
			continue
		}
		if !bytes.Contains(raw, []byte(want)) {
			t.Errorf("%s: the start carries mine %s, want their own past %q", id, raw, want)
		}
		for other, secret := range map[string]string{"p1": pastOfSam, "p2": pastOfKim} {
			if other != id && bytes.Contains(ev.raw, []byte(secret)) {
				t.Errorf("%s received %s's past: %s", id, other, ev.raw)
			}
		}
	}
	drain()

	write := `{"text":"` + nowOfSam + `"}`
	if err := do(t, subs["p1"], TypeIntentionWrite, "w-1", write); err != nil {
		t.Fatal(err)
	}
	recvType(t, subs["p1"], "event")
	first := recvType(t, subs["p1"], "ack")
	drain()
	if err := do(t, subs["p1"], TypeIntentionWrite, "w-1", write); err != nil {
		t.Fatal(err)
	}
	if again := recvType(t, subs["p1"], "ack"); !again.Duplicate || again.Version != first.Version {
		t.Errorf("the retried write: got ack %s, want a duplicate at version %d", again.raw, first.Version)
	}
	recvNone(t, subs["p2"])

	if err := do(t, subs["f1"], TypeIntentionReveal, "f-2", ""); err != nil {
		t.Fatal(err)
	}
	drain()
	if err := do(t, subs["p2"], TypeIntentionWrite, "w-2", `{"text":"`+nowOfKim+`"}`); err != nil {
		t.Fatal(err)
	}
	// The reveal was anonymous: Kim's late intention, shown alone, would say
	// whose it is. It waits for another; facilitators have it at once.
	for _, id := range []string{"f1", "p1", "p3"} {
		ev := recvType(t, subs[id], "event")
		raw, _ := roomPart(t, ev, "activity")
		var a wireIntentions
		json.Unmarshal(raw, &a)
		if len(a.Shown) != 1 || a.Shown[0].Text != nowOfSam {
			t.Errorf("%s: after Kim's late write got %s, want Sam's alone shown", id, raw)
		}
		if got := bytes.Contains(ev.raw, []byte(nowOfKim)); got != (id == "f1") {
			t.Errorf("%s: got Kim's late intention %v, want it only for facilitators: %s", id, got, ev.raw)
		}
	}
	drain()
	if err := do(t, subs["p3"], TypeIntentionWrite, "w-3", `{"text":"`+nowOfLee+`"}`); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"f1", "p1", "p2"} {
		ev := recvType(t, subs[id], "event")
		raw, _ := roomPart(t, ev, "activity")
		var a wireIntentions
		json.Unmarshal(raw, &a)
		if len(a.Shown) != 3 || !bytes.Contains(raw, []byte(nowOfKim)) || !bytes.Contains(raw, []byte(nowOfLee)) {
			t.Errorf("%s: after Lee's late write got %s, want all three shown", id, raw)
		}
	}
	saved := store.Saved(t, "s1")
	if in := saved.Current.Intentions(); in == nil || len(in.Written) != 3 || !in.Revealed || len(in.Shown) != 3 || len(in.Held) != 0 {
		t.Errorf("stored %+v, want the three intentions revealed and shown", saved.Current)
	}
	if !reflect.DeepEqual(saved.Journeys, journeys()) {
		t.Errorf("stored journeys %+v, want them as opened", saved.Journeys)
	}
}

// FuzzIntentions feeds arbitrary intentions commands to a running
// intentions activity with journeys: Apply never panics, a refusal carries a
// code and changes nothing, and whatever is accepted can be shown to every
// member without leaking another participant's words before the reveal.
func FuzzIntentions(f *testing.F) {
	for _, seed := range []struct{ typ, data string }{
		{TypeIntentionWrite, `{"text":"To rest"}`},
		{TypeIntentionWrite, `{"text":["a"]}`},
		{TypeIntentionReflect, `{"intentionId":"int-sam-0","outcome":"lived"}`},
		{TypeIntentionReflect, `{"intentionId":"int-kim-0","outcome":"still"}`},
		{TypeIntentionCommit, `{"intentionId":"int-sam-0","step":"Walk"}`},
		{TypeIntentionCommit, `{"intentionId":"","step":""}`},
		{TypeIntentionReveal, `{}`},
	} {
		f.Add(seed.typ, []byte(seed.data), false, false)
	}
	f.Fuzz(func(t *testing.T, typ string, data []byte, asFacilitator, isRevealed bool) {
		s := withWritten(withIntentions(RevealAnonymous, true), "p2", "int-kim", nowOfKim)
		if isRevealed {
			s = revealed(s)
		}
		before := fullCopy(s)
		actor := "p1"
		if asFacilitator {
			actor = "f1"
		}
		next, _, err := Apply(s, now, actor, Command{Type: typ, ID: "x", Data: data})
		if !reflect.DeepEqual(s, before) {
			t.Fatal("Apply changed its input state")
		}
		if err != nil {
			if ErrorCode(err) == CodeInternal {
				t.Fatalf("a refusal without a code: %v", err)
			}
			return
		}
		for _, id := range []string{"f1", "p1", "p3"} {
			m, _ := next.Member(id)
			b := snapshot(&next, m, now)
			if m.Role == Participant && !next.Current.Intentions().Revealed && bytes.Contains(b, []byte(nowOfKim)) {
				t.Fatalf("%s received Kim's intention before the reveal: %s", id, b)
			}
			if m.ID == "p3" && bytes.Contains(b, []byte(pastOfSam)) {
				t.Fatalf("Lee received Sam's past: %s", b)
			}
		}
	})
}

func (r *Intentions) testCopy() Run {
	in := *r
	in.Written = maps.Clone(r.Written)
	in.Reflections = maps.Clone(r.Reflections)
	in.Commitments = maps.Clone(r.Commitments)
	in.Shown = maps.Clone(r.Shown)
	in.Held = slices.Clone(r.Held)
	return &in
}

func (r *Intentions) scribble() {
	r.Written["scribbled"] = Intention{Text: "scribbled"}
	r.Reflections["scribbled"] = Reflection{Outcome: "scribbled"}
	r.Commitments["scribbled"] = Commitment{Step: "scribbled"}
	if r.Shown != nil {
		r.Shown["scribbled"] = "scribbled"
	}
	for i := range r.Held {
		r.Held[i] = "scribbled"
	}
	r.Revealed = !r.Revealed
}

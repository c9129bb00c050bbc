package room

import (
	"encoding/json"
	"maps"
	"reflect"
	"strings"
	"testing"
)

// sixInCircle returns a gathering room with three more participants (p4,
// p5, p6) present: enough answers for an anonymous aggregate to move twice.
func sixInCircle() State {
	s := gathering()
	for _, m := range []Member{{ID: "p4", Name: "Ola"}, {ID: "p5", Name: "Ren"}, {ID: "p6", Name: "Tam"}} {
		m.Role, m.Presence, m.Since, m.FirstJoined = Participant, Present, t0, t0
		s.Members = append(s.Members, m)
	}
	return s
}

// wantAggregate is an anonymous aggregate as the wire carries it; nil for
// none.
func wantAggregate(count int, avg float64, hypo, within, hyper int) *wireAggregate {
	return &wireAggregate{Count: count, ScaleAverage: avg, States: map[string]int{"hypo": hypo, "within": within, "hyper": hyper}}
}

// TestAnonymousAggregateSteps answers an anonymous check-in one member at a
// time. Participants see the aggregate only as last shown, and it moves on
// only once MinAnonymous members have answered since it last did, each
// counted as they first answered: two aggregates a participant sees never
// differ by one answer (nor by one and changes), which could then be
// worked out. Facilitators see every answer as it comes.
func TestAnonymousAggregateSteps(t *testing.T) {
	s, _, err := Apply(sixInCircle(), now, "f1", command(TypeCheckInStart, map[string]any{"prompt": "How are you arriving?", "visibility": Anonymous}))
	if err != nil {
		t.Fatal(err)
	}
	// Shown after the third answer, and after the fourth to sixth.
	three := wantAggregate(3, 4, 1, 2, 0)
	six := wantAggregate(6, 5, 2, 2, 2)
	steps := []struct {
		name   string
		actor  string
		scale  int
		state  Arousal
		shown  *wireAggregate // what participants see after it
		answer int            // how many answers facilitators see
	}{
		{"one answer shows nothing", "p1", 2, Hypo, nil, 1},
		{"two answers show nothing", "p2", 4, Within, nil, 2},
		{"the third shows the three", "p3", 6, Within, three, 3},
		{"a fourth does not move it", "p4", 10, Hyper, three, 4},
		{"nor does a fifth", "p5", 0, Hypo, three, 5},
		{"the sixth moves it", "p6", 8, Hyper, six, 6},
		{"a changed answer moves nothing", "p1", 8, Within, six, 6},
		{"nor does the same member changing again", "p1", 5, Within, six, 6},
		{"nor a second changed answer", "p2", 7, Hyper, six, 6},
		{"nor a third: an answer counts as first given", "p3", 3, Hypo, six, 6},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			next, ch, err := Apply(s, now, st.actor, command(TypeCheckInAnswer, map[string]any{"scale": st.scale, "state": st.state}))
			if err != nil {
				t.Fatal(err)
			}
			s = next
			f := newFanout(s.Version, now, ch.parts, nil)
			for _, m := range s.Members {
				for _, msg := range []wireMsg{decodeMsg(t, f.messageTo(m).Data), decodeMsg(t, snapshot(&s, m, now))} {
					a := msg.Activity
					if msg.Type == "snapshot" {
						a = msg.Room.Activity
					}
					if a == nil {
						t.Fatalf("%s: got no activity in %s", m.ID, msg.raw)
					}
					if m.Role == Facilitator {
						if a.Aggregate == nil || a.Aggregate.Count != st.answer || len(a.Answers) != st.answer {
							t.Errorf("%s %s: got %s, want all %d answers and their aggregate", m.ID, msg.Type, msg.raw, st.answer)
						}
						continue
					}
					if !reflect.DeepEqual(a.Aggregate, st.shown) {
						t.Errorf("%s %s: got aggregate %+v, want %+v", m.ID, msg.Type, a.Aggregate, st.shown)
					}
					if len(a.Answers) != 0 || len(a.Answered) != 0 || a.AnsweredCount != st.answer {
						t.Errorf("%s %s: got %s, want the count of answers and none of them", m.ID, msg.Type, msg.raw)
					}
				}
			}
		})
	}

	// What each participant looks back on is what the room last showed,
	// not the aggregate of every answer: the changes are not in it.
	s, _, err = Apply(s, now, "p4", command(TypeCheckInAnswer, map[string]any{"scale": 1, "state": Hypo}))
	if err != nil {
		t.Fatal(err)
	}
	s, _, err = Apply(s, now, "f1", command(TypeActivityEnd, nil))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"p1", "p4", "p5"} {
		j, _ := JourneyOf(s, id)
		raw, _ := json.Marshal(detailOf[*JourneyCheckIn](t, j.Moments[0].Detail).Aggregate)
		var got *wireAggregate
		if err := json.Unmarshal(raw, &got); err != nil {
			t.Fatal(err)
		}
		if want := six; !reflect.DeepEqual(got, want) {
			t.Errorf("%s's journey: got aggregate %+v, want the last shown %+v", id, got, want)
		}
	}
	// Facilitators read every answer as it stands.
	if sec := detailOf[*CheckInSection](t, Summarize(s).Sections[0].Detail); sec.ScaleAverage != 4 || len(sec.Answers) != 6 {
		t.Errorf("summary: got average %v of %d answers, want 4 of 6", sec.ScaleAverage, len(sec.Answers))
	}
}

// TestJourneyOfAnAnonymousCheckIn checks what a participant looks back on of
// an anonymous check-in: never an answer of another, and the aggregate only
// as the group saw it in the room.
func TestJourneyOfAnAnonymousCheckIn(t *testing.T) {
	lee := Answer{MemberID: "p3", Scale: 1, State: Hypo, Note: "secret-of-lee", At: t0}
	shownOfThree := &Aggregate{Count: 3, ScaleAverage: 4, States: map[Arousal]int{Hypo: 2, Within: 0, Hyper: 1}}
	tests := []struct {
		name string
		// edit makes pastSession's first check-in anonymous as the case has
		// it.
		edit func(ci *CheckIn)
		want *Aggregate
	}{
		// A check-in stored before the shown aggregate was kept showed the
		// aggregate of every answer from MinAnonymous on.
		{name: "stored before steps, two answers: none", edit: func(*CheckIn) {}},
		{name: "stored before steps, three answers: all of them", edit: func(ci *CheckIn) { ci.Answers["p3"] = lee },
			want: &Aggregate{Count: 3, ScaleAverage: 4, States: map[Arousal]int{Hypo: 2, Within: 0, Hyper: 1}}},
		{name: "two answers: none", edit: func(ci *CheckIn) { ci.Stepped = true }},
		{name: "three answers: as shown", edit: func(ci *CheckIn) {
			ci.Answers["p3"] = lee
			ci.Stepped, ci.Shown = true, shownOfThree
			include(ci)
		}, want: shownOfThree},
		{name: "an answer changed since: as shown before it", edit: func(ci *CheckIn) {
			ci.Answers["p3"] = lee
			include(ci)
			ci.Answers["p3"] = Answer{MemberID: "p3", Scale: 10, State: Hyper, Note: "secret-of-lee", At: t0}
			ci.Stepped, ci.Shown = true, shownOfThree
		}, want: shownOfThree},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := pastSession()
			s.Members[3].FirstJoined = t0
			ci := s.History[0].CheckIn()
			ci.Visibility = Anonymous
			tc.edit(ci)
			j, _ := JourneyOf(s, "p1")
			got := detailOf[*JourneyCheckIn](t, j.Moments[0].Detail)
			if !reflect.DeepEqual(got.Aggregate, tc.want) || len(got.Group) != 0 {
				t.Errorf("got aggregate %+v group %+v, want aggregate %+v and no answers", got.Aggregate, got.Group, tc.want)
			}
			if got.Mine == nil || got.Mine.Note != "secret-of-sam" {
				t.Errorf("got mine %+v, want Sam's own answer", got.Mine)
			}
			if data, _ := json.Marshal(j); strings.Contains(string(data), "secret-of-kim") || strings.Contains(string(data), "secret-of-lee") {
				t.Errorf("another's note leaks: %s", data)
			}
		})
	}
}

func (r *CheckIn) testCopy() Run {
	ci := *r
	ci.Answers = maps.Clone(r.Answers)
	ci.Included = maps.Clone(r.Included)
	if r.Shown != nil {
		agg := *r.Shown
		agg.States = maps.Clone(r.Shown.States)
		ci.Shown = &agg
	}
	return &ci
}

func (r *CheckIn) scribble() {
	r.Prompt = "scribbled"
	r.Open = !r.Open
	r.Answers["scribbled"] = Answer{Note: "scribbled"}
}

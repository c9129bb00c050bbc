package room

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// The visibility matrix: every kind of event that reaches members (presence,
// every activity's commands, the agenda, the room's closing), under every
// visibility setting, as each kind of member receives it: the facilitator
// (f1), the participant who acts (mostly Sam, p1), the other participants
// (Kim, p2, and Lee, p3), and a late joiner (Noor, p4, who is on the roster
// but never connects: after every step, the snapshot she would get if she
// joined then). Each scenario runs in a real Room over a memStore, through
// subscriptions, and every byte each member is sent is decoded and checked:
//
//   - no message has a field twice, at any depth;
//   - each secret (a word written by one member, a planned prompt, a
//     reaction) reaches a member only from the step it may, and does reach
//     them at that step;
//   - what participants are sent never has the fields that are not theirs
//     (answers of a check-in that is not the group's, names in an
//     anonymous reveal, the check-out's words beside their writers, who
//     sent a reaction, the plan of an agenda item);
//   - an anonymous aggregate a participant is sent counts at least
//     MinAnonymous answers, and never moves unless it counts at least
//     MinAnonymous more than the one they were sent before (a move by
//     changed answers alone, or by fewer new ones, would let the difference
//     name an answer);
//   - a quiet change (a reaction) sends nobody anything: the sender gets
//     their ack, at the version before;
//   - and afterwards, each participant's journey holds only what they
//     were allowed to see (plus what an activity's end shows).

// The viewers of every scenario.
const (
	lateJoiner  = "p4"
	visJoinStep = "join" // the name of step 0: everyone but Noor joins
)

var visViewers = []string{"f1", "p1", "p2", "p3", lateJoiner}

// The planned prompts (and the reading's words); a participant may receive
// one only once its item runs.
const (
	promptCheckIn    = "vis-prompt-checkin"
	promptIntentions = "vis-prompt-intentions"
	promptCircle     = "vis-prompt-circle"
	promptOpenFloor  = "vis-prompt-open-floor"
	promptCheckOut   = "vis-prompt-checkout"
	visReadingText   = "vis-reading-text"
	visReadingSource = "vis-reading-source"
)

// What Sam and Kim set in earlier sessions: theirs and the facilitators' only.
const (
	visPastOfSam     = "vis-past-intention-of-sam"
	visPastStepOfSam = "vis-past-step-of-sam"
	visPastOfKim     = "vis-past-intention-of-kim"
)

func visRoster() []Member {
	return append(roster(), Member{ID: lateJoiner, Name: "Noor", Role: Participant})
}

func visAgenda(checkIn Visibility, reveal RevealMode) []Item {
	items := []Item{
		NewItem("Arrival", CheckInSettings{Prompt: promptCheckIn, Visibility: checkIn}),
		NewItem("Grounding", GroundingSettings{Seconds: 60, Breath: &Breath{In: 4, Out: 4}}),
		NewItem("Intentions", IntentionsSettings{Prompt: promptIntentions, Reveal: reveal, Commitment: true}),
		NewItem("Circle", CircleSettings{Prompt: promptCircle, Mode: RoundMode, Order: RosterOrder, ShareSeconds: 60}),
		NewItem("Open floor", CircleSettings{Prompt: promptOpenFloor, Mode: OpenFloor}),
		NewItem("Check-out", CheckOutSettings{Prompt: promptCheckOut, ClosingCheck: true}),
		NewItem("A poem", ReadingSettings{Text: visReadingText, Source: visReadingSource}),
	}
	for i, id := range []string{"i-in", "i-ground", "i-int", "i-circle", "i-open", "i-out", "i-read"} {
		items[i].ID, items[i].Status = id, Pending
	}
	return items
}

func visJourneys() Journeys {
	week0 := t0.Add(-7 * 24 * time.Hour)
	return Journeys{
		"p1": {{ID: "past-sam", MemberID: "p1", SessionID: "s0", SessionTitle: "Week 0", SetAt: week0, Text: visPastOfSam,
			Commitments: []PastCommitment{{ID: "pc-sam", SessionID: "s0", SessionTitle: "Week 0", Step: visPastStepOfSam, At: week0}}}},
		"p2": {{ID: "past-kim", MemberID: "p2", SessionID: "s0", SessionTitle: "Week 0", SetAt: week0, Text: visPastOfKim}},
	}
}

// visStep is one thing that happens in a scenario's room: a member's
// command, or a member leaving or coming back.
type visStep struct {
	name string
	by   string // the member who sends the command
	typ  string
	data any // the command's data; a func(State) any is given the room's state first
	// leave and join: instead of a command, the member's connection ends,
	// or the member connects again.
	leave, join string
	// quiet: nobody may hear of it; the sender gets their ack alone.
	quiet bool
	// want checks the messages of the step (by viewer) beyond the matrix.
	want func(tb testing.TB, got map[string][][]byte)
}

// visSecret is a text that only some viewers may receive, from some step on.
type visSecret struct {
	text string
	// from names, by viewer, the step from which they may receive it; they
	// are sent it at that step. A viewer not named may never receive it.
	from map[string]string
	// maybe names viewers who may receive it from their step on, but need
	// not then (a reaction's sender sees it from their ack).
	maybe []string
	// journey names viewers who never receive it live but see it in their
	// journey afterwards (an intention held until the activity ended).
	journey []string
}

type visScenario struct {
	name    string
	checkIn Visibility
	reveal  RevealMode
	steps   []visStep
	secrets []visSecret
	// anonymous: the participants' aggregates are held to MinAnonymous.
	anonymous bool
}

// seen returns a from map: the viewers may receive it from step on.
func visSeen(step string, viewers ...string) map[string]string {
	out := map[string]string{}
	for _, v := range viewers {
		out[v] = step
	}
	return out
}

// and merges from maps; the first to name a viewer gives their step.
func visAnd(maps ...map[string]string) map[string]string {
	out := map[string]string{}
	for _, m := range maps {
		for v, step := range m {
			if _, ok := out[v]; !ok {
				out[v] = step
			}
		}
	}
	return out
}

var (
	visEveryone     = []string{"f1", "p1", "p2", "p3", lateJoiner}
	visParticipants = []string{"p1", "p2", "p3", lateJoiner}
)

// plan returns the secrets of the planned prompts: the facilitator has them
// from the start, participants once their item starts (started maps a
// prompt to the step that starts it).
func visPlan(started map[string]string) []visSecret {
	var out []visSecret
	for _, p := range []string{promptCheckIn, promptIntentions, promptCircle, promptOpenFloor, promptCheckOut, visReadingText, visReadingSource} {
		from := visSeen(visJoinStep, "f1")
		if step, ok := started[p]; ok {
			from = visAnd(from, visSeen(step, visParticipants...))
		}
		out = append(out, visSecret{text: p, from: from})
	}
	return out
}

// pasts returns the secrets of the earlier intentions: Sam's and Kim's own
// and the facilitator's, from the step the intentions start (never, when
// start is "").
func visPasts(start string) []visSecret {
	if start == "" {
		return []visSecret{{text: visPastOfSam, from: nil}, {text: visPastStepOfSam, from: nil}, {text: visPastOfKim, from: nil}}
	}
	return []visSecret{
		{text: visPastOfSam, from: visSeen(start, "f1", "p1")},
		{text: visPastStepOfSam, from: visSeen(start, "f1", "p1")},
		{text: visPastOfKim, from: visSeen(start, "f1", "p2")},
	}
}

func visAnswer(scale int, state Arousal, tag string) map[string]any {
	return map[string]any{"scale": scale, "state": state, "feeling": "vis-feeling-" + tag, "note": "vis-note-" + tag}
}

// checkInScenario runs the check-in of visibility vis: Sam and Kim answer,
// Lee drops and comes back, Sam changes his answer.
func visCheckIn(vis Visibility) visScenario {
	sc := visScenario{name: "check-in " + string(vis), checkIn: vis, reveal: RevealNamed, anonymous: vis == Anonymous}
	sc.steps = []visStep{
		{name: "start", by: "f1", typ: TypeAgendaStart, data: itemRef{ItemID: "i-in"}},
		{name: "sam answers", by: "p1", typ: TypeCheckInAnswer, data: visAnswer(6, Within, "sam-1")},
		{name: "kim answers", by: "p2", typ: TypeCheckInAnswer, data: visAnswer(3, Hypo, "kim")},
		{name: "lee drops", leave: "p3"},
		{name: "lee is back", join: "p3"},
		{name: "sam changes his answer", by: "p1", typ: TypeCheckInAnswer, data: visAnswer(7, Within, "sam-2")},
		{name: "close", by: "f1", typ: TypeCheckInClose},
		{name: "end", by: "f1", typ: TypeActivityEnd},
	}
	answer := func(tag, owner, step string) []visSecret {
		from := visSeen(step, "f1", owner)
		if vis == VisibleToGroup {
			from = visSeen(step, visEveryone...)
		}
		return []visSecret{{text: "vis-note-" + tag, from: from}, {text: "vis-feeling-" + tag, from: from}}
	}
	sc.secrets = slices.Concat(
		visPlan(map[string]string{promptCheckIn: "start"}), visPasts(""),
		answer("sam-1", "p1", "sam answers"), answer("kim", "p2", "kim answers"), answer("sam-2", "p1", "sam changes his answer"),
	)
	return sc
}

// anonymousCheckIn runs an anonymous check-in through two aggregates: all
// three answer (shown), then each changes (Sam twice), shown again only once
// the third of them has.
func visAnonymousCheckIn() visScenario {
	sc := visScenario{name: "check-in anonymous, step by step", checkIn: Anonymous, reveal: RevealNamed, anonymous: true}
	first := wireAggregate{Count: 3, ScaleAverage: 5, States: map[string]int{"hypo": 1, "within": 1, "hyper": 1}}
	shows := func(agg *wireAggregate) func(tb testing.TB, got map[string][][]byte) {
		return func(tb testing.TB, got map[string][][]byte) {
			tb.Helper()
			for _, v := range visParticipants {
				if a := visLastAggregate(tb, got[v]); !reflect.DeepEqual(a, agg) {
					tb.Errorf("%s: got aggregate %+v, want %+v", v, a, agg)
				}
			}
		}
	}
	sc.steps = []visStep{
		{name: "start", by: "f1", typ: TypeAgendaStart, data: itemRef{ItemID: "i-in"}},
		{name: "sam answers", by: "p1", typ: TypeCheckInAnswer, data: visAnswer(2, Hypo, "sam-1"),
			want: func(tb testing.TB, got map[string][][]byte) {
				// Facilitators follow every answer live.
				want := &wireAggregate{Count: 1, ScaleAverage: 2, States: map[string]int{"hypo": 1, "within": 0, "hyper": 0}}
				if a := visLastAggregate(tb, got["f1"]); !reflect.DeepEqual(a, want) {
					tb.Errorf("f1: got aggregate %+v, want %+v", a, want)
				}
				shows(nil)(tb, got)
			}},
		{name: "kim answers", by: "p2", typ: TypeCheckInAnswer, data: visAnswer(9, Hyper, "kim-1"), want: shows(nil)},
		{name: "lee answers", by: "p3", typ: TypeCheckInAnswer, data: visAnswer(4, Within, "lee-1"), want: shows(&first)},
		{name: "kim drops", leave: "p2"},
		{name: "kim is back", join: "p2"},
		{name: "sam changes", by: "p1", typ: TypeCheckInAnswer, data: visAnswer(8, Within, "sam-2"), want: shows(&first)},
		{name: "sam changes again", by: "p1", typ: TypeCheckInAnswer, data: visAnswer(5, Within, "sam-3"), want: shows(&first)},
		{name: "kim changes", by: "p2", typ: TypeCheckInAnswer, data: visAnswer(0, Hypo, "kim-2"), want: shows(&first)},
		{name: "lee changes", by: "p3", typ: TypeCheckInAnswer, data: visAnswer(1, Hypo, "lee-2"), want: shows(&first)},
		{name: "close", by: "f1", typ: TypeCheckInClose},
		{name: "end", by: "f1", typ: TypeActivityEnd},
	}
	sc.secrets = visPlan(map[string]string{promptCheckIn: "start"})
	sc.secrets = append(sc.secrets, visPasts("")...)
	for _, a := range []struct{ tag, owner, step string }{
		{"sam-1", "p1", "sam answers"}, {"kim-1", "p2", "kim answers"}, {"lee-1", "p3", "lee answers"},
		{"sam-2", "p1", "sam changes"}, {"sam-3", "p1", "sam changes again"}, {"kim-2", "p2", "kim changes"}, {"lee-2", "p3", "lee changes"},
	} {
		from := visSeen(a.step, "f1", a.owner)
		sc.secrets = append(sc.secrets, visSecret{text: "vis-note-" + a.tag, from: from}, visSecret{text: "vis-feeling-" + a.tag, from: from})
	}
	return sc
}

func visIntention(tag string) map[string]any { return map[string]any{"text": "vis-intention-" + tag} }

// startsWithMine checks that the intentions' start sends Sam and Kim their
// earlier intentions, each alone, and Lee nothing of his own.
func visStartsWithMine(tb testing.TB, got map[string][][]byte) {
	tb.Helper()
	for _, v := range []string{"p1", "p2", "p3"} {
		_, has := visLastPart(tb, got[v], "mine")
		if want := v != "p3"; has != want {
			tb.Errorf("%s: got mine %v at the start, want %v", v, has, want)
		}
	}
}

// namedIntentions: Sam writes, reflects and commits, Kim writes, the
// facilitator reveals with names, Lee writes late (shown at once, named).
func visNamedIntentions() visScenario {
	sc := visScenario{name: "intentions named", checkIn: VisibleToGroup, reveal: RevealNamed}
	sc.steps = []visStep{
		{name: "start", by: "f1", typ: TypeAgendaStart, data: itemRef{ItemID: "i-int"}, want: visStartsWithMine},
		{name: "sam writes", by: "p1", typ: TypeIntentionWrite, data: visIntention("sam")},
		{name: "sam reflects", by: "p1", typ: TypeIntentionReflect, data: map[string]any{"intentionId": "past-sam", "outcome": Lived}},
		{name: "sam commits", by: "p1", typ: TypeIntentionCommit, data: func(s State) any {
			return map[string]any{"intentionId": s.Current.Intentions().Written["p1"].ID, "step": "vis-step-of-sam"}
		}},
		{name: "kim writes", by: "p2", typ: TypeIntentionWrite, data: visIntention("kim")},
		{name: "reveal", by: "f1", typ: TypeIntentionReveal},
		{name: "lee writes late", by: "p3", typ: TypeIntentionWrite, data: visIntention("lee")},
		{name: "end", by: "f1", typ: TypeActivityEnd},
	}
	sc.secrets = slices.Concat(visPlan(map[string]string{promptIntentions: "start"}), visPasts("start"), []visSecret{
		{text: "vis-intention-sam", from: visAnd(visSeen("sam writes", "f1", "p1"), visSeen("reveal", visParticipants...))},
		{text: "vis-intention-kim", from: visAnd(visSeen("kim writes", "f1", "p2"), visSeen("reveal", visParticipants...))},
		{text: "vis-intention-lee", from: visSeen("lee writes late", visEveryone...)},
		{text: "vis-step-of-sam", from: visSeen("sam commits", "f1", "p1")},
	})
	return sc
}

// anonymousIntentions: the reveal is anonymous; Sam's changed intention is
// held until Lee's late one joins it, Kim's changed one until the end.
func visAnonymousIntentions() visScenario {
	sc := visScenario{name: "intentions anonymous", checkIn: VisibleToGroup, reveal: RevealAnonymous}
	sc.steps = []visStep{
		{name: "start", by: "f1", typ: TypeAgendaStart, data: itemRef{ItemID: "i-int"}, want: visStartsWithMine},
		{name: "sam writes", by: "p1", typ: TypeIntentionWrite, data: visIntention("sam-1")},
		{name: "kim writes", by: "p2", typ: TypeIntentionWrite, data: visIntention("kim-1")},
		{name: "reveal", by: "f1", typ: TypeIntentionReveal},
		{name: "sam changes his", by: "p1", typ: TypeIntentionWrite, data: visIntention("sam-2")},
		{name: "lee writes late", by: "p3", typ: TypeIntentionWrite, data: visIntention("lee")},
		{name: "kim changes hers", by: "p2", typ: TypeIntentionWrite, data: visIntention("kim-2")},
		{name: "end", by: "f1", typ: TypeActivityEnd},
	}
	sc.secrets = slices.Concat(visPlan(map[string]string{promptIntentions: "start"}), visPasts("start"), []visSecret{
		{text: "vis-intention-sam-1", from: visAnd(visSeen("sam writes", "f1", "p1"), visSeen("reveal", visParticipants...))},
		{text: "vis-intention-kim-1", from: visAnd(visSeen("kim writes", "f1", "p2"), visSeen("reveal", visParticipants...))},
		// Two changes show together; a lone late one waits for the end.
		{text: "vis-intention-sam-2", from: visAnd(visSeen("sam changes his", "f1", "p1"), visSeen("kim changes hers", visParticipants...))},
		{text: "vis-intention-lee", from: visSeen("lee writes late", "f1", "p3"), journey: []string{"p1", "p2"}},
		{text: "vis-intention-kim-2", from: visSeen("kim changes hers", visEveryone...)},
	})
	return sc
}

func visCheckOut() visScenario {
	sc := visScenario{name: "check-out", checkIn: VisibleToGroup, reveal: RevealNamed}
	word := func(w string, st Arousal) map[string]any { return map[string]any{"word": "vis-word-" + w, "state": st} }
	sc.steps = []visStep{
		{name: "start", by: "f1", typ: TypeAgendaStart, data: itemRef{ItemID: "i-out"}},
		{name: "sam", by: "p1", typ: TypeCheckOutWord, data: word("sam", Within)},
		{name: "kim", by: "p2", typ: TypeCheckOutWord, data: word("kim", Hypo)},
		{name: "reveal", by: "f1", typ: TypeCheckOutReveal},
		// A word given after the reveal waits for another (or the end):
		// the moment the cloud grows would name its writer.
		{name: "lee after the reveal", by: "p3", typ: TypeCheckOutWord, data: word("lee", Hyper)},
		{name: "sam changes his", by: "p1", typ: TypeCheckOutWord, data: word("sam-2", Within)},
		{name: "kim changes hers", by: "p2", typ: TypeCheckOutWord, data: word("kim-2", Hypo)},
		{name: "end", by: "f1", typ: TypeActivityEnd},
	}
	sc.secrets = slices.Concat(visPlan(map[string]string{promptCheckOut: "start"}), visPasts(""), []visSecret{
		{text: "vis-word-sam", from: visAnd(visSeen("sam", "f1", "p1"), visSeen("reveal", visParticipants...))},
		{text: "vis-word-kim", from: visAnd(visSeen("kim", "f1", "p2"), visSeen("reveal", visParticipants...))},
		{text: "vis-word-lee", from: visAnd(visSeen("lee after the reveal", "f1", "p3"), visSeen("sam changes his", visParticipants...))},
		{text: "vis-word-sam-2", from: visSeen("sam changes his", visEveryone...)},
		{text: "vis-word-kim-2", from: visSeen("kim changes hers", "f1", "p2"), journey: []string{"p1", "p3"}},
	})
	return sc
}

// visReadBy checks what Sam's or Kim's "I've read it" (who) tells: the
// facilitator the names of those who have read it (names), the
// participants here how many, and the reader alone their own mark.
func visReadBy(who string, names ...string) func(tb testing.TB, got map[string][][]byte) {
	return func(tb testing.TB, got map[string][][]byte) {
		tb.Helper()
		for _, v := range []string{"f1", "p1", "p2", "p3"} {
			raw, ok := visLastPart(tb, got[v], "activity")
			if !ok {
				tb.Errorf("%s: got no activity when %s read it", v, who)
				continue
			}
			var act struct {
				ReadCount int `json:"readCount"`
				Read      []struct {
					Name string `json:"name"`
				} `json:"read"`
			}
			if err := json.Unmarshal(raw, &act); err != nil {
				tb.Fatalf("%s: decode %s: %v", v, raw, err)
			}
			var gotNames []string
			for _, r := range act.Read {
				gotNames = append(gotNames, r.Name)
			}
			if v == "f1" && !slices.Equal(gotNames, names) {
				tb.Errorf("%s: got read by %v, want %v", v, gotNames, names)
			}
			if act.ReadCount != len(names) {
				tb.Errorf("%s: got readCount %d, want %d", v, act.ReadCount, len(names))
			}
			mine, ok := visLastPart(tb, got[v], "mine")
			if ok != (v == who) || ok && string(mine) != `{"reading":{"done":true}}` {
				tb.Errorf("%s: got mine %s (%v), want {\"reading\":{\"done\":true}} for %s alone", v, mine, ok, who)
			}
		}
	}
}

// reading: the facilitator shares a poem; Sam and Kim say they have read
// it, Lee drops and comes back between.
func visReading() visScenario {
	sc := visScenario{name: "reading", checkIn: VisibleToGroup, reveal: RevealNamed}
	sc.steps = []visStep{
		{name: "start", by: "f1", typ: TypeAgendaStart, data: itemRef{ItemID: "i-read"}},
		{name: "sam has read it", by: "p1", typ: TypeReadingDone, want: visReadBy("p1", "Sam")},
		{name: "lee drops", leave: "p3"},
		{name: "lee is back", join: "p3"},
		{name: "kim has read it", by: "p2", typ: TypeReadingDone, want: visReadBy("p2", "Sam", "Kim")},
		{name: "end", by: "f1", typ: TypeActivityEnd},
	}
	sc.secrets = slices.Concat(visPlan(map[string]string{visReadingText: "start", visReadingSource: "start"}), visPasts(""))
	return sc
}

// everyoneGetsMine checks that each participant here is sent their own part
// of the circle: the talking piece moved.
func visEveryoneGetsMine(tb testing.TB, got map[string][][]byte) {
	tb.Helper()
	for _, v := range []string{"p1", "p2", "p3"} {
		if _, ok := visLastPart(tb, got[v], "mine"); !ok {
			tb.Errorf("%s: got no mine when the talking piece moved", v)
		}
	}
}

// onlyMine checks that of the participants here only who is sent their own
// part, and that it says their hand is up (or not).
func visOnlyMine(who string, handUp bool) func(tb testing.TB, got map[string][][]byte) {
	return func(tb testing.TB, got map[string][][]byte) {
		tb.Helper()
		for _, v := range []string{"p1", "p2", "p3"} {
			raw, ok := visLastPart(tb, got[v], "mine")
			if ok != (v == who) {
				tb.Errorf("%s: got mine %v, want it only for %s", v, ok, who)
			}
			if v != who || !ok {
				continue
			}
			var mine struct {
				Circle struct {
					HandUp bool `json:"handUp"`
				} `json:"circle"`
			}
			if err := json.Unmarshal(raw, &mine); err != nil || mine.Circle.HandUp != handUp {
				tb.Errorf("%s: got mine %s, want hand up %v", v, raw, handUp)
			}
		}
	}
}

// received checks what the speaker is shown of the reactions to their
// share, once it is over: counts alone.
func visReceived(who string, n int, reactions map[string]int) func(tb testing.TB, got map[string][][]byte) {
	return func(tb testing.TB, got map[string][][]byte) {
		tb.Helper()
		visEveryoneGetsMine(tb, got)
		raw, _ := visLastPart(tb, got[who], "mine")
		var mine struct {
			Circle struct {
				Received map[string]json.RawMessage `json:"received"`
			} `json:"circle"`
		}
		if err := json.Unmarshal(raw, &mine); err != nil {
			tb.Fatalf("%s: decode mine %s: %v", who, raw, err)
		}
		want := map[string]string{"n": fmt.Sprint(n), "outcome": `"spoke"`, "reactions": string(data(reactions))}
		gotKeys := map[string]string{}
		for k, v := range mine.Circle.Received {
			gotKeys[k] = string(v)
		}
		if !reflect.DeepEqual(gotKeys, want) {
			tb.Errorf("%s: got received %v, want %v", who, gotKeys, want)
		}
	}
}

func visRoundCircle() visScenario {
	sc := visScenario{name: "circle round", checkIn: VisibleToGroup, reveal: RevealNamed}
	sc.steps = []visStep{
		{name: "start", by: "f1", typ: TypeAgendaStart, data: itemRef{ItemID: "i-circle"}},
		{name: "the piece goes to sam", by: "f1", typ: TypeCircleNext, want: visEveryoneGetsMine},
		{name: "kim reacts", by: "p2", typ: TypeCircleReact, data: map[string]any{"kind": "resonates", "turn": 1}, quiet: true},
		{name: "lee reacts", by: "p3", typ: TypeCircleReact, data: map[string]any{"kind": "thanks", "turn": 1}, quiet: true},
		{name: "more time", by: "f1", typ: TypeCircleExtend, data: map[string]any{"seconds": 30, "turn": 1}},
		{name: "sam is done", by: "p1", typ: TypeCircleDone, data: turn(1), want: visReceived("p1", 1, map[string]int{"resonates": 1, "thanks": 1})},
		{name: "kim passes", by: "p2", typ: TypeCirclePass, data: turn(2), want: visEveryoneGetsMine},
		{name: "lee drops while holding", leave: "p3"},
		{name: "lee is back", join: "p3"},
		{name: "the order", by: "f1", typ: TypeCircleOrder, data: map[string]any{"order": []string{"p2"}}},
		{name: "lee is done", by: "p3", typ: TypeCircleDone, data: turn(3), want: visReceived("p3", 3, map[string]int{})},
		{name: "kim is skipped", by: "f1", typ: TypeCircleSkip, data: map[string]any{"turn": 4}, want: visEveryoneGetsMine},
		{name: "the piece is given to sam", by: "f1", typ: TypeCircleGive, data: map[string]any{"memberId": "p1"}, want: visEveryoneGetsMine},
		{name: "the round ends", by: "f1", typ: TypeCircleEnd, want: visEveryoneGetsMine},
		{name: "end", by: "f1", typ: TypeActivityEnd},
	}
	sc.secrets = slices.Concat(visPlan(map[string]string{promptCircle: "start"}), visPasts(""), []visSecret{
		{text: `"resonates"`, from: visAnd(visSeen("kim reacts", "p2"), visSeen("sam is done", "p1")), maybe: []string{"p2"}},
		{text: `"thanks"`, from: visAnd(visSeen("lee reacts", "p3"), visSeen("sam is done", "p1")), maybe: []string{"p3"}},
	})
	return sc
}

func visOpenFloor() visScenario {
	sc := visScenario{name: "circle open floor", checkIn: VisibleToGroup, reveal: RevealNamed}
	sc.steps = []visStep{
		{name: "start", by: "f1", typ: TypeAgendaStart, data: itemRef{ItemID: "i-open"}},
		{name: "sam raises his hand", by: "p1", typ: TypeCircleRaise, want: visOnlyMine("p1", true)},
		{name: "kim raises hers", by: "p2", typ: TypeCircleRaise, want: visOnlyMine("p2", true)},
		{name: "sam lowers his", by: "p1", typ: TypeCircleLower, want: visOnlyMine("p1", false)},
		{name: "the floor goes to kim", by: "f1", typ: TypeCircleNext, want: visEveryoneGetsMine},
		{name: "sam reacts", by: "p1", typ: TypeCircleReact, data: map[string]any{"kind": "heard", "turn": 1}, quiet: true},
		{name: "kim is done", by: "p2", typ: TypeCircleDone, data: turn(1), want: visReceived("p2", 1, map[string]int{"heard": 1})},
		{name: "lee raises his", by: "p3", typ: TypeCircleRaise, want: visOnlyMine("p3", true)},
		{name: "lee's hand is skipped", by: "f1", typ: TypeCircleSkip, data: map[string]any{"memberId": "p3"}, want: visOnlyMine("p3", false)},
		{name: "the floor is given to lee", by: "f1", typ: TypeCircleGive, data: map[string]any{"memberId": "p3"}, want: visEveryoneGetsMine},
		{name: "end", by: "f1", typ: TypeActivityEnd},
	}
	sc.secrets = slices.Concat(visPlan(map[string]string{promptOpenFloor: "start"}), visPasts(""), []visSecret{
		{text: `"heard"`, from: visAnd(visSeen("sam reacts", "p1"), visSeen("kim is done", "p2")), maybe: []string{"p1"}},
	})
	return sc
}

// addedID is the ID of the item the agenda scenario adds.
func visAddedID(s State) string {
	for _, it := range s.Agenda {
		if it.Title == "Added" {
			return it.ID
		}
	}
	return ""
}

// visHeard checks which fields of an event each member here got at the
// step (beyond type, version and serverTime): want names them by viewer;
// a viewer not named must get an empty event.
func visHeard(want map[string][]string) func(tb testing.TB, got map[string][][]byte) {
	return func(tb testing.TB, got map[string][][]byte) {
		tb.Helper()
		for _, v := range []string{"f1", "p1", "p2", "p3"} {
			var fields []string
			events := 0
			for _, raw := range got[v] {
				msg := decodeMsg(tb, raw)
				if msg.Type != "event" {
					continue
				}
				events++
				for k := range msg.keys {
					if k != "type" && k != "version" && k != "serverTime" {
						fields = append(fields, k)
					}
				}
			}
			if len(got[v]) == 0 {
				continue // not connected
			}
			slices.Sort(fields)
			w := slices.Sorted(slices.Values(want[v]))
			if events != 1 || !slices.Equal(fields, w) {
				tb.Errorf("%s got %d events with %v, want one with %v", v, events, fields, w)
			}
		}
	}
}

// visCare: Sam signals and drops within the minute (a flag), comes back,
// is seen; private messages go both ways with Sam and Kim; Kim answers a
// check-in (people); the facilitator clears Sam's signal and flag. Each
// reaches the facilitator and the participant it is about, never the
// others, not even in a late joiner's snapshot.
func visCare() visScenario {
	sc := visScenario{name: "care in the room", checkIn: VisibleToFacilitators, reveal: RevealNamed}
	send := func(to, text string) map[string]any { return map[string]any{"to": to, "text": text} }
	sc.steps = []visStep{
		{name: "sam signals", by: "p1", typ: TypeSupportRaise, data: map[string]any{"level": "now"},
			want: visHeard(map[string][]string{"f1": {"support"}, "p1": {"support"}})},
		{name: "sam drops", leave: "p1", want: visHeard(map[string][]string{"f1": {"flags", "member"}, "p2": {"member"}, "p3": {"member"}})},
		{name: "sam is back", join: "p1"},
		{name: "ana sees sam", by: "f1", typ: TypeSupportAck, data: map[string]any{"memberId": "p1"},
			want: visHeard(map[string][]string{"f1": {"support"}, "p1": {"support"}})},
		{name: "ana writes to sam", by: "f1", typ: TypeMessageSend, data: send("p1", "vis-message-to-sam"),
			want: visHeard(map[string][]string{"f1": {"thread"}, "p1": {"thread"}})},
		{name: "sam writes back", by: "p1", typ: TypeMessageSend, data: send("", "vis-message-from-sam")},
		{name: "kim writes", by: "p2", typ: TypeMessageSend, data: send("", "vis-message-from-kim"),
			want: visHeard(map[string][]string{"f1": {"thread"}, "p2": {"thread"}})},
		{name: "ana reads kim", by: "f1", typ: TypeMessageRead, data: map[string]any{"with": "p2", "n": 1},
			want: visHeard(map[string][]string{"f1": {"thread"}, "p2": {"thread"}})},
		{name: "sam reads", by: "p1", typ: TypeMessageRead, data: map[string]any{"n": 2}},
		{name: "start", by: "f1", typ: TypeAgendaStart, data: itemRef{ItemID: "i-in"}},
		{name: "kim answers", by: "p2", typ: TypeCheckInAnswer, data: visAnswer(3, Hypo, "kim"),
			want: visHeard(map[string][]string{"f1": {"activity", "people"}, "p1": {"activity"}, "p2": {"activity", "mine"}, "p3": {"activity"}})},
		{name: "ana clears sam", by: "f1", typ: TypeSupportClear, data: map[string]any{"memberId": "p1"},
			want: visHeard(map[string][]string{"f1": {"flags", "support"}, "p1": {"support"}})},
		{name: "sam signals again", by: "p1", typ: TypeSupportRaise, data: map[string]any{"level": "moment"}},
		{name: "sam withdraws", by: "p1", typ: TypeSupportWithdraw,
			want: visHeard(map[string][]string{"f1": {"support"}, "p1": {"support"}})},
		{name: "end", by: "f1", typ: TypeActivityEnd},
	}
	sc.secrets = slices.Concat(visPlan(map[string]string{promptCheckIn: "start"}), visPasts(""), []visSecret{
		{text: "vis-message-to-sam", from: visSeen("ana writes to sam", "f1", "p1")},
		{text: "vis-message-from-sam", from: visSeen("sam writes back", "f1", "p1")},
		{text: "vis-message-from-kim", from: visSeen("kim writes", "f1", "p2")},
		{text: "vis-note-kim", from: visSeen("kim answers", "f1", "p2")},
		{text: "vis-feeling-kim", from: visSeen("kim answers", "f1", "p2")},
		// Who signals and who is flagged: their IDs sit beside these words
		// only in what the facilitator is sent.
		{text: `"reason":"dropped-after-signal"`, from: visSeen("sam drops", "f1")},
		{text: `"memberId":"p1","name":"Sam","level"`, from: visSeen("sam signals", "f1")},
	})
	return sc
}

// agendaAndClose: the facilitator changes the plan live, runs a grounding
// with a drop in it, moves on to the check-in and closes the room.
func visAgendaAndClose() visScenario {
	sc := visScenario{name: "agenda, grounding and closing", checkIn: VisibleToFacilitators, reveal: RevealNamed}
	added := func(prompt string) Item { return NewItem("Added", CheckOutSettings{Prompt: prompt}) }
	sc.steps = []visStep{
		{name: "add", by: "f1", typ: TypeAgendaAdd, data: map[string]any{"item": added("vis-prompt-added"), "after": "i-in"}},
		{name: "edit", by: "f1", typ: TypeAgendaEdit, data: func(s State) any {
			it := added("vis-prompt-edited")
			it.ID = visAddedID(s)
			return map[string]any{"item": it}
		}},
		{name: "move", by: "f1", typ: TypeAgendaMove, data: func(s State) any { return map[string]any{"itemId": visAddedID(s), "to": 0} }},
		{name: "skip", by: "f1", typ: TypeAgendaSkip, data: itemRef{ItemID: "i-circle"}},
		{name: "remove", by: "f1", typ: TypeAgendaRemove, data: func(s State) any { return itemRef{ItemID: visAddedID(s)} }},
		{name: "grounding", by: "f1", typ: TypeAgendaStart, data: itemRef{ItemID: "i-ground"}},
		{name: "pause", by: "f1", typ: TypeGroundingPause},
		{name: "sam drops", leave: "p1"},
		{name: "resume", by: "f1", typ: TypeGroundingResume},
		{name: "sam is back", join: "p1"},
		{name: "extend", by: "f1", typ: TypeGroundingExtend, data: map[string]any{"seconds": 30}},
		{name: "next", by: "f1", typ: TypeAgendaNext},
		{name: "sam answers", by: "p1", typ: TypeCheckInAnswer, data: visAnswer(4, Hyper, "sam")},
		{name: "end", by: "f1", typ: TypeActivityEnd},
		{name: "ad-hoc check-in", by: "f1", typ: TypeCheckInStart, data: map[string]any{"prompt": "vis-prompt-ad-hoc", "visibility": Anonymous}},
		{name: "close", by: "f1", typ: TypeRoomClose, want: func(tb testing.TB, got map[string][][]byte) {
			for _, v := range []string{"f1", "p1", "p2", "p3"} {
				var status string
				bye := false
				for _, raw := range got[v] {
					msg := decodeMsg(tb, raw)
					if msg.Type == "event" && msg.Status != "" {
						status = msg.Status
					}
					bye = bye || msg.Type == "bye" && msg.Reason == ReasonClosed
				}
				if status != string(Closed) || !bye {
					tb.Errorf("%s: got status %q and bye %v at the close, want closed and a bye", v, status, bye)
				}
			}
		}},
	}
	sc.secrets = slices.Concat(visPlan(map[string]string{promptCheckIn: "next"}), visPasts(""), []visSecret{
		{text: "vis-prompt-added", from: visSeen("add", "f1")},
		{text: "vis-prompt-edited", from: visSeen("edit", "f1")},
		{text: "vis-note-sam", from: visSeen("sam answers", "f1", "p1")},
		{text: "vis-feeling-sam", from: visSeen("sam answers", "f1", "p1")},
		{text: "vis-prompt-ad-hoc", from: visSeen("ad-hoc check-in", visEveryone...)},
	})
	return sc
}

// visDoor: the door and the pause. Admission is turned on after everyone is
// in, so coming back is no arrival; Sam is sent out, asks to come back and
// is let in; the room pauses during a grounding. The door is the
// facilitators' alone; a participant sees nobody waiting or removed.
func visDoor() visScenario {
	sc := visScenario{name: "door and pause", checkIn: VisibleToGroup, reveal: RevealNamed}
	only := func(who string, typ string, removed bool) func(tb testing.TB, got map[string][][]byte) {
		return func(tb testing.TB, got map[string][][]byte) {
			msgs := got[who]
			if len(msgs) != 1 {
				tb.Fatalf("%s got %d messages, want one %s", who, len(msgs), typ)
			}
			var m struct {
				Type    string `json:"type"`
				Removed bool   `json:"removed"`
			}
			decodeInto(tb, msgs[0], &m)
			if m.Type != typ || m.Removed != removed {
				tb.Errorf("%s got %s, want %s (removed %v)", who, msgs[0], typ, removed)
			}
		}
	}
	sc.steps = []visStep{
		{name: "admission on", by: "f1", typ: TypeDoorAdmission, data: map[string]bool{"admitOnArrival": true}},
		{name: "lee drops", leave: "p3"},
		{name: "lee is back, not held", join: "p3", want: only("p3", "snapshot", false)},
		{name: "the door is locked", by: "f1", typ: TypeDoorLock, data: map[string]bool{"locked": true}},
		{name: "grounding", by: "f1", typ: TypeAgendaStart, data: itemRef{ItemID: "i-ground"}},
		{name: "pause", by: "f1", typ: TypeRoomPause},
		{name: "sam is sent out", by: "f1", typ: TypeDoorRemove, data: map[string]string{"memberId": "p1"}},
		{name: "sam's connection ends", leave: "p1"},
		{name: "sam asks to come back", join: "p1", want: only("p1", "waiting", true)},
		{name: "sam is let back in", by: "f1", typ: TypeDoorAdmit, data: map[string]string{"memberId": "p1"}},
		{name: "resume", by: "f1", typ: TypeRoomResume},
		{name: "end", by: "f1", typ: TypeActivityEnd},
	}
	sc.secrets = slices.Concat(visPlan(nil), visPasts(""), []visSecret{
		{text: `"door":{`, from: visSeen("admission on", "f1")},
		{text: `"presence":"removed"`, from: visSeen("sam is sent out", "f1")},
		{text: `"presence":"waiting"`, from: visSeen("sam asks to come back", "f1")},
		{text: `"reason":"removed"`, from: visSeen("sam is sent out", "p1")},
		{text: `"admission":true`, from: visSeen("sam asks to come back", "p1")},
		{text: `"paused":true`, from: visSeen("pause", visEveryone...)},
	})
	return sc
}

func TestVisibilityMatrix(t *testing.T) {
	scenarios := []visScenario{
		visCheckIn(VisibleToGroup),
		visCheckIn(VisibleToFacilitators),
		visCheckIn(Anonymous),
		visAnonymousCheckIn(),
		visNamedIntentions(),
		visAnonymousIntentions(),
		visCheckOut(),
		visRoundCircle(),
		visOpenFloor(),
		visAgendaAndClose(),
		visReading(),
		visDoor(),
		visCare(),
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) { runVisibility(t, sc) })
	}
}

// visLog is what each viewer received at each step: log[viewer][step] holds
// the messages, in order. Noor's holds her snapshot.
type visLog map[string][][][]byte

func runVisibility(t *testing.T, sc visScenario) {
	var mu sync.Mutex
	clock := t0
	m, _ := newTestManager(t, Config{Grace: time.Hour, Now: func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		return clock
	}})
	r, err := m.Open(context.Background(), State{
		SessionID: "s1", CohortID: "c1", Title: "Week 1", Cohort: "Tuesday circle",
		Members: visRoster(), Agenda: visAgenda(sc.checkIn, sc.reveal), Journeys: visJourneys(),
	})
	if err != nil {
		t.Fatal(err)
	}
	steps := append([]visStep{{name: visJoinStep}}, sc.steps...)
	index := map[string]int{}
	for i, st := range steps {
		if _, dup := index[st.name]; dup {
			t.Fatalf("two steps are named %q", st.name)
		}
		index[st.name] = i
	}
	log := visLog{}
	for _, v := range visViewers {
		log[v] = make([][][]byte, len(steps))
	}
	here := map[string][]bool{} // viewer -> connected at the end of each step
	subs := map[string]*Subscription{}
	versions := make([]uint64, len(steps))

	for i, st := range steps {
		mu.Lock()
		clock = clock.Add(time.Minute)
		mu.Unlock()
		before := r.State()
		switch {
		case i == 0:
			for _, id := range []string{"f1", "p1", "p2", "p3"} {
				subs[id] = join(t, r, id)
			}
		case st.leave != "":
			subs[st.leave].Leave()
			delete(subs, st.leave)
		case st.join != "":
			subs[st.join] = join(t, r, st.join)
		default:
			sub := subs[st.by]
			if sub == nil {
				t.Fatalf("step %q: %s is not connected", st.name, st.by)
			}
			payload := st.data
			if f, ok := payload.(func(State) any); ok {
				payload = f(before)
			}
			raw := ""
			if payload != nil {
				raw = string(data(payload))
			}
			if err := do(t, sub, st.typ, fmt.Sprintf("a-%d", i), raw); err != nil {
				t.Fatalf("step %q: %v", st.name, err)
			}
		}
		for id, sub := range subs {
			log[id][i] = visDrain(sub)
		}
		for _, v := range visViewers {
			here[v] = append(here[v], subs[v] != nil)
		}
		after := r.State()
		versions[i] = after.Version
		if after.Status == Open {
			noor, _ := after.Member(lateJoiner)
			mu.Lock()
			at := clock
			mu.Unlock()
			log[lateJoiner][i] = [][]byte{snapshot(&after, noor, at)}
			here[lateJoiner][i] = true
		}
		if st.by != "" && st.quiet {
			visQuiet(t, st, i, before.Version, log, subs)
		} else if st.by != "" {
			visAcked(t, st, i, log[st.by][i])
		}
		if st.want != nil {
			got := map[string][][]byte{}
			for _, v := range visViewers {
				got[v] = log[v][i]
			}
			t.Run("step "+st.name, func(t *testing.T) { st.want(t, got) })
		}
	}

	for _, v := range visViewers {
		for i, msgs := range log[v] {
			for _, raw := range msgs {
				if err := noFieldTwice(raw); err != nil {
					t.Errorf("%s at step %q: %v in %s", v, steps[i].name, err, raw)
				}
				if v != "f1" {
					visParticipantFields(t, v, steps[i].name, raw)
				}
			}
		}
	}
	visSecrets(t, sc, steps, index, log, here)
	if sc.anonymous {
		for _, v := range []string{"p1", "p2", "p3"} {
			visAggregates(t, v, steps, log[v], false)
		}
		visAggregates(t, lateJoiner, steps, log[lateJoiner], true)
	}
	visCheckJourneys(t, sc, r.State())
}

// drainAll returns every message queued for sub. The room queues what a call
// causes before the call returns, so there is nothing to wait for.
func visDrain(sub *Subscription) [][]byte {
	var out [][]byte
	for {
		select {
		case msg := <-sub.Messages():
			out = append(out, msg.Data)
		default:
			return out
		}
	}
}

// checkAcked checks that the step's command was applied: its sender got the
// ack and no error.
func visAcked(tb testing.TB, st visStep, i int, msgs [][]byte) {
	tb.Helper()
	id := fmt.Sprintf("a-%d", i)
	acked := false
	for _, raw := range msgs {
		msg := decodeMsg(tb, raw)
		if msg.Type == "error" {
			tb.Errorf("step %q: %s got an error: %s", st.name, st.by, raw)
		}
		acked = acked || msg.Type == "ack" && msg.ID == id
	}
	if !acked {
		tb.Errorf("step %q: %s got no ack for %s", st.name, st.by, id)
	}
}

// checkQuiet checks that nobody heard of a quiet step: its sender got their
// ack alone, at the version before, and everyone else nothing at all.
func visQuiet(tb testing.TB, st visStep, i int, version uint64, log visLog, subs map[string]*Subscription) {
	tb.Helper()
	for id := range subs {
		msgs := log[id][i]
		if id != st.by {
			if len(msgs) > 0 {
				tb.Errorf("step %q is quiet, but %s was sent %q", st.name, id, msgs)
			}
			continue
		}
		if len(msgs) != 1 {
			tb.Errorf("step %q: %s got %q, want its ack alone", st.name, id, msgs)
			continue
		}
		msg := decodeMsg(tb, msgs[0])
		if msg.Type != "ack" || msg.ID != fmt.Sprintf("a-%d", i) || msg.Version != version {
			tb.Errorf("step %q: %s got %s, want the ack at version %d", st.name, id, msgs[0], version)
		}
	}
}

// noFieldTwice walks the JSON of a message token by token and reports a
// field that appears twice in one object (which a json.Unmarshal into a map
// would hide, keeping the last).
func noFieldTwice(raw []byte) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var walk func(path string) error
	walk = func(path string) error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch tok {
		case json.Delim('{'):
			keys := map[string]bool{}
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return err
				}
				key := k.(string)
				if keys[key] {
					return fmt.Errorf("the field %s.%s is there twice", path, key)
				}
				keys[key] = true
				if err := walk(path + "." + key); err != nil {
					return err
				}
			}
			_, err = dec.Token()
			return err
		case json.Delim('['):
			for n := 0; dec.More(); n++ {
				if err := walk(fmt.Sprintf("%s[%d]", path, n)); err != nil {
					return err
				}
			}
			_, err = dec.Token()
			return err
		}
		return nil
	}
	if err := walk(""); err != nil {
		return err
	}
	if dec.More() {
		return fmt.Errorf("more than one value")
	}
	return nil
}

// part returns a part of the room (activity, mine, agenda) as a message
// carries it: a snapshot's room holds each, an event only what changed.
func visPart(tb testing.TB, raw []byte, key string) (json.RawMessage, bool) {
	tb.Helper()
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		tb.Fatalf("decode %s: %v", raw, err)
	}
	var typ string
	_ = json.Unmarshal(top["type"], &typ)
	switch typ {
	case "snapshot":
		var room map[string]json.RawMessage
		if err := json.Unmarshal(top["room"], &room); err != nil {
			tb.Fatalf("decode the room of %s: %v", raw, err)
		}
		v, ok := room[key]
		return v, ok
	case "event":
		v, ok := top[key]
		return v, ok
	}
	return nil, false
}

// lastPart returns the last of msgs' parts named key.
func visLastPart(tb testing.TB, msgs [][]byte, key string) (json.RawMessage, bool) {
	tb.Helper()
	var out json.RawMessage
	found := false
	for _, raw := range msgs {
		if v, ok := visPart(tb, raw, key); ok {
			out, found = v, true
		}
	}
	return out, found
}

// lastAggregate returns the aggregate of the last check-in msgs carry, or
// nil when it has none.
func visLastAggregate(tb testing.TB, msgs [][]byte) *wireAggregate {
	tb.Helper()
	raw, ok := visLastPart(tb, msgs, "activity")
	if !ok {
		tb.Fatalf("got no activity in %q", msgs)
	}
	var act struct {
		Aggregate *wireAggregate `json:"aggregate"`
	}
	if err := json.Unmarshal(raw, &act); err != nil {
		tb.Fatalf("decode activity %s: %v", raw, err)
	}
	return act.Aggregate
}

// keysOf returns the keys of a JSON object, sorted.
func visKeys(tb testing.TB, raw json.RawMessage) []string {
	tb.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		tb.Fatalf("decode %s: %v", raw, err)
	}
	return slices.Sorted(maps.Keys(m))
}

// checkParticipantFields checks the shape of what a participant is sent:
// none of the fields that are the facilitators' alone.
func visParticipantFields(tb testing.TB, viewer, step string, raw []byte) {
	tb.Helper()
	fail := func(format string, args ...any) {
		tb.Errorf("%s at step %q: %s in %s", viewer, step, fmt.Sprintf(format, args...), raw)
	}
	if agenda, ok := visPart(tb, raw, "agenda"); ok {
		var items []json.RawMessage
		if err := json.Unmarshal(agenda, &items); err != nil {
			tb.Fatalf("decode agenda %s: %v", agenda, err)
		}
		for _, it := range items {
			for _, k := range visKeys(tb, it) {
				if !slices.Contains([]string{"id", "kind", "title", "status"}, k) {
					fail("an agenda item has %q", k)
				}
			}
		}
	}
	if act, ok := visPart(tb, raw, "activity"); ok && string(act) != "null" {
		var head struct {
			Kind       string            `json:"kind"`
			Visibility Visibility        `json:"visibility"`
			Reveal     RevealMode        `json:"reveal"`
			Shown      []json.RawMessage `json:"shown"`
			Cloud      []json.RawMessage `json:"cloud"`
		}
		if err := json.Unmarshal(act, &head); err != nil {
			tb.Fatalf("decode activity %s: %v", act, err)
		}
		keys := visKeys(tb, act)
		has := func(k string) bool { return slices.Contains(keys, k) }
		switch head.Kind {
		case string(KindCheckIn):
			if head.Visibility != VisibleToGroup && (has("answers") || has("answered")) {
				fail("a %s check-in has its answers", head.Visibility)
			}
			if head.Visibility == VisibleToFacilitators && has("aggregate") {
				fail("a facilitators-only check-in has an aggregate")
			}
		case string(KindIntentions):
			if has("intentions") || has("journeys") {
				fail("the intentions have the facilitators' fields")
			}
			want := []string{"memberId", "name", "text"}
			if head.Reveal == RevealAnonymous {
				want = []string{"text"}
			}
			for _, sh := range head.Shown {
				if got := visKeys(tb, sh); !reflect.DeepEqual(got, want) {
					fail("a revealed intention has %v, want %v", got, want)
				}
			}
		case string(KindReading):
			if has("read") {
				fail("the reading names who has read it")
			}
		case string(KindCheckOut):
			if has("words") {
				fail("the check-out has its words with their writers")
			}
			for _, w := range head.Cloud {
				if got := visKeys(tb, w); !reflect.DeepEqual(got, []string{"count", "word"}) {
					fail("a word of the cloud has %v", got)
				}
			}
		}
	}
	for _, k := range []string{"flags", "people", "threads"} {
		if _, ok := visPart(tb, raw, k); ok {
			fail("%s is the facilitators'", k)
		}
	}
	if th, ok := visPart(tb, raw, "thread"); ok {
		var v struct {
			With *string `json:"with"`
		}
		if err := json.Unmarshal(th, &v); err != nil || v.With == nil || *v.With != viewer {
			fail("the thread is not theirs")
		}
	}
	if sup, ok := visPart(tb, raw, "support"); ok && string(sup) != "null" {
		if got := visKeys(tb, sup); !reflect.DeepEqual(got, []string{"ackedAt", "ackedBy", "ackedByName", "at", "level"}) {
			fail("their signal has %v", got)
		}
	}
	if mine, ok := visPart(tb, raw, "mine"); ok {
		var m struct {
			Circle *struct {
				Received json.RawMessage `json:"received"`
			} `json:"circle"`
		}
		if err := json.Unmarshal(mine, &m); err != nil {
			tb.Fatalf("decode mine %s: %v", mine, err)
		}
		if m.Circle != nil && m.Circle.Received != nil {
			if got := visKeys(tb, m.Circle.Received); !reflect.DeepEqual(got, []string{"n", "outcome", "reactions"}) {
				fail("the reactions received have %v", got)
			}
		}
	}
}

// checkSecrets checks every secret against every viewer at every step.
func visSecrets(tb testing.TB, sc visScenario, steps []visStep, index map[string]int, log visLog, here map[string][]bool) {
	tb.Helper()
	for _, sec := range sc.secrets {
		for _, v := range visViewers {
			from := len(steps) // never
			if name, ok := sec.from[v]; ok {
				i, known := index[name]
				if !known {
					tb.Fatalf("secret %q names no step %q", sec.text, name)
				}
				from = i
			}
			for i, msgs := range log[v] {
				got := slices.ContainsFunc(msgs, func(raw []byte) bool { return bytes.Contains(raw, []byte(sec.text)) })
				switch {
				case got && i < from:
					tb.Errorf("%s received %s at step %q: %s", v, sec.text, steps[i].name,
						msgs[slices.IndexFunc(msgs, func(raw []byte) bool { return bytes.Contains(raw, []byte(sec.text)) })])
				case !got && i == from && here[v][i] && !slices.Contains(sec.maybe, v):
					tb.Errorf("%s was not sent %s at step %q: %q", v, sec.text, steps[i].name, msgs)
				}
			}
		}
	}
}

// checkAggregates checks the anonymous aggregates a participant was sent:
// each counts at least MinAnonymous answers, its states add up to its count,
// and one that differs from the one sent before counts at least
// MinAnonymous answers more: the difference of two is never fewer people's
// answers (changed answers never move it). Each of a late joiner's
// snapshots is a first.
func visAggregates(tb testing.TB, viewer string, steps []visStep, log [][][]byte, eachFirst bool) {
	tb.Helper()
	var last *wireAggregate
	for i, msgs := range log {
		for _, raw := range msgs {
			act, ok := visPart(tb, raw, "activity")
			if !ok || string(act) == "null" {
				continue
			}
			var v struct {
				Kind      string         `json:"kind"`
				Aggregate *wireAggregate `json:"aggregate"`
			}
			if err := json.Unmarshal(act, &v); err != nil {
				tb.Fatalf("decode activity %s: %v", act, err)
			}
			if v.Kind != string(KindCheckIn) || v.Aggregate == nil {
				continue
			}
			if eachFirst {
				last = nil
			}
			agg := *v.Aggregate
			if last != nil && reflect.DeepEqual(*last, agg) {
				continue
			}
			total := 0
			for _, n := range agg.States {
				total += n
			}
			switch {
			case total != agg.Count:
				tb.Errorf("%s at step %q got aggregate %+v: its states add up to %d", viewer, steps[i].name, agg, total)
			case agg.Count < MinAnonymous:
				tb.Errorf("%s at step %q got aggregate %+v of fewer than %d answers", viewer, steps[i].name, agg, MinAnonymous)
			case last != nil && agg.Count-last.Count < MinAnonymous:
				tb.Errorf("%s at step %q got aggregate %+v after %+v: it moved by %d answers, want at least %d",
					viewer, steps[i].name, agg, *last, agg.Count-last.Count, MinAnonymous)
			}
			last = v.Aggregate
		}
	}
}

// checkJourneys checks each participant's journey of the session: none of
// the secrets they were never sent, except those an activity's end shows,
// which must be there. Noor never came, so hers is empty.
func visCheckJourneys(tb testing.TB, sc visScenario, s State) {
	tb.Helper()
	for _, v := range visParticipants {
		j, ok := JourneyOf(s, v)
		if !ok {
			tb.Fatalf("%s has no journey", v)
		}
		raw := data(j)
		if err := noFieldTwice(raw); err != nil {
			tb.Errorf("%s's journey: %v", v, err)
		}
		if v == lateJoiner {
			if j.Came || len(j.Moments) > 0 {
				tb.Errorf("the journey of someone who never came has %s", raw)
			}
			continue
		}
		for _, sec := range sc.secrets {
			_, live := sec.from[v]
			after := slices.Contains(sec.journey, v)
			got := bytes.Contains(raw, []byte(sec.text))
			switch {
			case got && !live && !after:
				tb.Errorf("%s's journey has %s: %s", v, sec.text, raw)
			case !got && after:
				tb.Errorf("%s's journey lacks %s, shown when the activity ended: %s", v, sec.text, raw)
			}
		}
		if strings.Contains(string(raw), "memberId") {
			tb.Errorf("%s's journey names members by ID: %s", v, raw)
		}
	}
}

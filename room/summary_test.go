package room

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// detailOf returns a section's or a moment's detail as a T, failing the
// test when it is of another kind.
func detailOf[T any](tb testing.TB, detail any) T {
	tb.Helper()
	d, ok := detail.(T)
	if !ok {
		var want T
		tb.Fatalf("got detail %T (%+v), want %T", detail, detail, want)
	}
	return d
}

func TestSetPresenceKeepsAttendance(t *testing.T) {
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	tests := []struct {
		name      string
		steps     []Presence // applied at minutes 1, 2, 3, …
		drops     int
		lastLeft  time.Time
		firstJoin time.Time
	}{
		{"never came", nil, 0, time.Time{}, time.Time{}},
		{"came and stayed", []Presence{Present}, 0, time.Time{}, at(1)},
		// A reload, Back or a reissued link comes back within the grace.
		{"back within the grace is no drop", []Presence{Present, Reconnecting, Present}, 0, time.Time{}, at(1)},
		{"away past the grace and back", []Presence{Present, Reconnecting, Left, Present}, 1, at(2), at(1)},
		{"a reload, then gone", []Presence{Present, Reconnecting, Present, Reconnecting, Left}, 1, at(4), at(1)},
		{"gone twice", []Presence{Present, Reconnecting, Left, Present, Reconnecting, Left}, 2, at(5), at(1)},
		// The drop is counted once the grace is over, from when the
		// connection was lost.
		{"gone after the grace is one drop", []Presence{Present, Reconnecting, Left}, 1, at(2), at(1)},
		// A restart makes everyone reconnecting without setPresence; coming
		// back from it is no drop of theirs.
		{"back after a restart", []Presence{Reconnecting, Present}, 0, time.Time{}, at(2)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := gathering()
			s.Members[1].Presence, s.Members[1].FirstJoined = Absent, time.Time{}
			for i, p := range tt.steps {
				s, _, _ = setPresence(s, at(i+1), "p1", p)
			}
			m, _ := s.Member("p1")
			if m.Drops != tt.drops || !m.LastLeft.Equal(tt.lastLeft) || !m.FirstJoined.Equal(tt.firstJoin) {
				t.Errorf("drops %d, last left %v, first joined %v; want %d, %v, %v",
					m.Drops, m.LastLeft, m.FirstJoined, tt.drops, tt.lastLeft, tt.firstJoin)
			}
		})
	}

	t.Run("not back within the grace after a restart is a drop, from the restart", func(t *testing.T) {
		s := gathering()
		// Restore marks them reconnecting without setPresence.
		s.Members[1].Presence, s.Members[1].Since = Reconnecting, at(5)
		s, _, _ = setPresence(s, at(6), "p1", Left)
		if m, _ := s.Member("p1"); m.Drops != 1 || !m.LastLeft.Equal(at(5)) {
			t.Errorf("drops %d, last left %v; want 1, %v", m.Drops, m.LastLeft, at(5))
		}
		if a := Summarize(s).Attendance[1]; !a.LeftEarly || !a.LeftAt.Equal(at(5)) || a.Returns != 0 {
			t.Errorf("attendance %+v, want left early at %v, no return", a, at(5))
		}
	})
}

func TestSummaryAttendance(t *testing.T) {
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	tests := []struct {
		name string
		m    Member
		want Attendance
	}{
		{"never came",
			Member{ID: "p", Name: "Lee", Role: Participant, Presence: Absent, Since: at(0)},
			Attendance{MemberID: "p", Name: "Lee", Role: Participant, Presence: Absent}},
		{"stayed to the end",
			Member{ID: "p", Name: "Sam", Role: Participant, Presence: Present, Since: at(1), FirstJoined: at(1)},
			Attendance{MemberID: "p", Name: "Sam", Role: Participant, Presence: Present, Came: true, FirstJoined: at(1)}},
		{"dropped twice and came back twice",
			Member{ID: "p", Name: "Sam", Role: Participant, Presence: Present, Since: at(9), FirstJoined: at(1), Drops: 2, LastLeft: at(8)},
			Attendance{MemberID: "p", Name: "Sam", Role: Participant, Presence: Present, Came: true, FirstJoined: at(1), Drops: 2, Returns: 2}},
		{"dropped, came back, then left early",
			Member{ID: "p", Name: "Kim", Role: Participant, Presence: Left, Since: at(20), FirstJoined: at(1), Drops: 2, LastLeft: at(19)},
			Attendance{MemberID: "p", Name: "Kim", Role: Participant, Presence: Left, Came: true, FirstJoined: at(1), Drops: 2, Returns: 1, LeftEarly: true, LeftAt: at(19)}},
		{"reconnecting at the close is not gone",
			Member{ID: "p", Name: "Kim", Role: Participant, Presence: Reconnecting, Since: at(30), FirstJoined: at(1)},
			Attendance{MemberID: "p", Name: "Kim", Role: Participant, Presence: Reconnecting, Came: true, FirstJoined: at(1)}},
		{"away once past the grace, back, and reconnecting at the close",
			Member{ID: "p", Name: "Kim", Role: Participant, Presence: Reconnecting, Since: at(30), FirstJoined: at(1), Drops: 1, LastLeft: at(10)},
			Attendance{MemberID: "p", Name: "Kim", Role: Participant, Presence: Reconnecting, Came: true, FirstJoined: at(1), Drops: 1, Returns: 1}},
		// An earlier version counted a drop when the connection was lost.
		{"reconnecting at the close, in a room stored by an earlier version",
			Member{ID: "p", Name: "Kim", Role: Participant, Presence: Reconnecting, Since: at(30), FirstJoined: at(1), Drops: 1, LastLeft: at(30)},
			Attendance{MemberID: "p", Name: "Kim", Role: Participant, Presence: Reconnecting, Came: true, FirstJoined: at(1), Drops: 1}},
		{"gone after a restart, with no drop of their own",
			Member{ID: "p", Name: "Kim", Role: Participant, Presence: Left, Since: at(12), FirstJoined: at(1)},
			Attendance{MemberID: "p", Name: "Kim", Role: Participant, Presence: Left, Came: true, FirstJoined: at(1), LeftEarly: true, LeftAt: at(12)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := State{Status: Closed, Members: []Member{tt.m}}
			got := Summarize(s).Attendance
			if len(got) != 1 || !reflect.DeepEqual(got[0], tt.want) {
				t.Errorf("attendance\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

// pastSession is a closed room with a check-in, a grounding ended early, a
// second check-in and a check-out, one item skipped and one never run. Sam
// and Kim came, Lee did not.
func pastSession() State {
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	s := gathering()
	s.Status, s.ClosedAt = Closed, at(60)
	s.Members[3].Presence, s.Members[3].FirstJoined = Absent, time.Time{} // Lee never came
	s.Agenda = []Item{
		{ID: "i1", Kind: KindCheckIn, Title: "Arrival", Settings: CheckInSettings{Prompt: "How are you?", Visibility: VisibleToFacilitators}, Status: Done},
		{ID: "i2", Kind: KindGrounding, Settings: GroundingSettings{Seconds: 300}, Status: Done},
		{ID: "i3", Kind: KindCheckIn, Settings: CheckInSettings{Prompt: "And now?", Visibility: VisibleToGroup}, Status: Done},
		{ID: "i4", Kind: KindCheckOut, Settings: CheckOutSettings{Prompt: "One word", ClosingCheck: true}, Status: Done},
		{ID: "i5", Kind: KindGrounding, Settings: GroundingSettings{Seconds: 60}, Status: Skipped},
		{ID: "i6", Kind: KindCheckOut, Settings: CheckOutSettings{Prompt: "Another word"}, Status: Pending},
	}
	s.History = []Activity{
		{ItemID: "i1", Run: &CheckIn{ID: "c1", Prompt: "How are you?", Visibility: VisibleToFacilitators,
			StartedAt: at(1), ClosedAt: at(5), Answers: map[string]Answer{
				"p1": {MemberID: "p1", Scale: 3, State: Hypo, Feeling: "heavy", Note: "secret-of-sam", At: at(3)},
				"p2": {MemberID: "p2", Scale: 8, State: Hyper, Note: "secret-of-kim", At: at(2)},
			}}},
		{ItemID: "i2", Run: &Grounding{ID: "g1", Seconds: 360, StartedAt: at(6), EndsAt: at(12), EndedAt: at(9)}},
		{ItemID: "i3", Run: &CheckIn{ID: "c2", Prompt: "And now?", Visibility: VisibleToGroup,
			StartedAt: at(13), ClosedAt: at(15), Answers: map[string]Answer{
				"p2": {MemberID: "p2", Scale: 6, State: Within, Note: "open-of-kim", At: at(14)},
			}}},
		{ItemID: "i4", Run: &CheckOut{ID: "o1", Prompt: "One word", ClosingCheck: true, StartedAt: at(50), EndedAt: at(55),
			Words: map[string]Word{
				"p1": {MemberID: "p1", Word: "lighter", State: Within, At: at(51)},
				"p2": {MemberID: "p2", Word: "Lighter", State: Within, At: at(52)},
			}}},
	}
	return s
}

func TestSummarySections(t *testing.T) {
	sum := Summarize(pastSession())
	var kinds []Kind
	for _, sec := range sum.Sections {
		kinds = append(kinds, sec.Kind)
	}
	if want := []Kind{KindCheckIn, KindGrounding, KindCheckIn, KindCheckOut}; !reflect.DeepEqual(kinds, want) {
		t.Fatalf("sections %v, want %v (history order)", kinds, want)
	}

	ci := detailOf[*CheckInSection](t, sum.Sections[0].Detail)
	if sum.Sections[0].Title != "Arrival" || ci.Visibility != VisibleToFacilitators {
		t.Errorf("first section %+v, want the titled facilitators-only check-in", sum.Sections[0])
	}
	// Facilitators read every answer, with names, in the order given.
	if got := ci.Answers; len(got) != 2 || got[0].Name != "Kim" || got[1].Name != "Sam" || got[1].Note != "secret-of-sam" {
		t.Errorf("check-in answers %+v, want Kim then Sam with their notes", got)
	}
	if ci.ScaleAverage != 5.5 || ci.States[Hypo] != 1 || ci.States[Hyper] != 1 {
		t.Errorf("check-in average %v states %v, want 5.5 and one hypo, one hyper", ci.ScaleAverage, ci.States)
	}
	// Lee never came: attendance says so, not every activity.
	if got := detailOf[*CheckInSection](t, sum.Sections[2].Detail).Unanswered; !reflect.DeepEqual(got, []string{"Sam"}) {
		t.Errorf("second check-in unanswered %v, want [Sam]", got)
	}

	g := detailOf[*GroundingSection](t, sum.Sections[1].Detail)
	if g.Seconds != 360 || g.Ran != 3*time.Minute || !g.EndedEarly {
		t.Errorf("grounding %+v, want 360 s planned, ran 3 min, ended early", g)
	}

	co := detailOf[*CheckOutSection](t, sum.Sections[3].Detail)
	if len(co.Words) != 2 || co.Words[0].Name != "Sam" || co.Words[0].State != Within {
		t.Fatalf("check-out words %+v, want Sam's first with his closing state", co.Words)
	}
	// The arrival is the latest check-in each answered before the check-out:
	// Sam's first (hypo), Kim's second (within).
	if co.Words[0].Arrival != Hypo || co.Words[1].Arrival != Within {
		t.Errorf("arrivals %s, %s; want hypo, within", co.Words[0].Arrival, co.Words[1].Arrival)
	}
	if len(co.Cloud) != 1 || co.Cloud[0].Count != 2 {
		t.Errorf("cloud %+v, want one word twice", co.Cloud)
	}
	if len(sum.Skipped) != 1 || sum.Skipped[0].ID != "i5" || len(sum.Pending) != 1 || sum.Pending[0].ID != "i6" {
		t.Errorf("skipped %+v pending %+v, want i5 and i6", sum.Skipped, sum.Pending)
	}
}

func TestSummaryOfALiveRoom(t *testing.T) {
	s := pastSession()
	s.Status, s.ClosedAt = Open, time.Time{}
	s.Current = &Activity{ItemID: "i5", Run: &Grounding{ID: "g2", Seconds: 60, StartedAt: t0.Add(56 * time.Minute), EndsAt: t0.Add(57 * time.Minute)}}
	sum := Summarize(s)
	last := sum.Sections[len(sum.Sections)-1]
	if len(sum.Sections) != 5 || !last.Running || last.Kind != KindGrounding || detailOf[*GroundingSection](t, last.Detail).Ran != 0 {
		t.Errorf("sections %d, last %+v; want 5 with the running grounding last", len(sum.Sections), last)
	}
	for _, sec := range sum.Sections[:4] {
		if sec.Running {
			t.Errorf("finished section %s marked running", sec.Kind)
		}
	}
}

func TestSummarizeDoesNotChangeTheState(t *testing.T) {
	s := pastSession()
	before, _ := json.Marshal(s)
	Summarize(s)
	after, _ := json.Marshal(s)
	if string(before) != string(after) {
		t.Error("Summarize changed the state it was given")
	}
}

func TestJourneyShowsOnlyWhatTheParticipantMaySee(t *testing.T) {
	s := pastSession()
	tests := []struct {
		name     string
		member   string
		ok, came bool
		has      []string // must be in the journey
		hasNot   []string // must never be
	}{
		{name: "Sam", member: "p1", ok: true, came: true,
			has: []string{"secret-of-sam", "heavy", "open-of-kim", `"Kim"`, `"lighter"`, `"within"`},
			// Kim's facilitators-only note; names or states on the cloud.
			hasNot: []string{"secret-of-kim", `"Sam"`, `"hyper"`}},
		{name: "Kim", member: "p2", ok: true, came: true,
			has:    []string{"secret-of-kim", "open-of-kim", `"Lighter"`},
			hasNot: []string{"secret-of-sam", "heavy", `"Sam"`, `"Kim"`}},
		{name: "Lee never came", member: "p3", ok: true, came: false,
			hasNot: []string{"secret", "open-of-kim", "ighter", `"Kim"`, `"Sam"`}},
		{name: "a facilitator has no journey", member: "f1", ok: false},
		{name: "a stranger has none", member: "nobody", ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, ok := JourneyOf(s, tt.member)
			if ok != tt.ok || j.Came != tt.came {
				t.Fatalf("ok %v came %v, want %v %v", ok, j.Came, tt.ok, tt.came)
			}
			data, _ := json.Marshal(j)
			for _, want := range tt.has {
				if !strings.Contains(string(data), want) {
					t.Errorf("journey lacks %s: %s", want, data)
				}
			}
			for _, bad := range tt.hasNot {
				if strings.Contains(string(data), bad) {
					t.Errorf("journey carries %s: %s", bad, data)
				}
			}
		})
	}

	t.Run("an unrevealed check-out shows only one's own word", func(t *testing.T) {
		s := pastSession()
		s.History[3].CheckOut().Revealed = false
		j, _ := JourneyOf(s, "p1")
		co := detailOf[*JourneyCheckOut](t, j.Moments[3].Detail)
		if len(co.Cloud) != 0 || co.Mine == nil || co.Mine.Word != "lighter" {
			t.Errorf("check-out %+v, want Sam's own word and no cloud", co)
		}
	})
}

// An activity of a kind the summary has no function for yet still shows
// where it ran, under its agenda item's kind and title.
func TestSummaryOfAKindWithoutItsSection(t *testing.T) {
	s := pastSession()
	s.Agenda = append(s.Agenda, Item{ID: "i7", Kind: "future", Title: "Something new", Status: Done})
	s.History = append(s.History, Activity{ItemID: "i7"})
	sum := Summarize(s)
	last := sum.Sections[len(sum.Sections)-1]
	if last.Kind != "future" || last.Title != "Something new" || last.Detail != nil {
		t.Errorf("last section %+v, want the item's kind and title and no details", last)
	}
}

// Unique texts of the intentions and circle fixture, so finding one in a
// journey's bytes means it is there.
const (
	nowOfLee      = "intention-of-Lee"
	stepKimPast   = "step-of-Kim-for-her-past"
	circlePrompt2 = "What stayed with you?"
)

// intentionsAndCircle is a closed room in which everyone came. In the
// intentions activity (anonymous, revealed), Sam and Lee wrote intentions;
// Sam reflected "lived" on his Week 0 intention and committed a step to his
// new one; Kim wrote nothing, let her Week 0 intention go and committed a
// step to it. In the circle (a round, 2 min a share) Sam shared, Kim passed
// for now, was asked again and passed; the facilitator ended the round
// before Lee was reached. Sam's share got two "heard" and a "thanks", Kim's
// first pass one "resonates".
func intentionsAndCircle(reveal RevealMode, revealedNow bool) State {
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	s := gathering()
	s.Status, s.ClosedAt = Closed, at(90)
	s.Journeys = journeys()
	s.Agenda = []Item{
		{ID: "i-int", Kind: KindIntentions, Settings: IntentionsSettings{Prompt: intPrompt, Reveal: reveal, Commitment: true}, Status: Done},
		{ID: "i-circle", Kind: KindCircle, Title: "Sharing circle", Settings: CircleSettings{Prompt: circlePrompt2, Mode: RoundMode, Order: RosterOrder, ShareSeconds: 120}, Status: Done},
	}
	in := &Intentions{ID: "act-int", Prompt: intPrompt, Reveal: reveal, Commitment: true, Revealed: revealedNow,
		StartedAt: at(1), EndedAt: at(20),
		Written: map[string]Intention{
			"p1": {ID: "int-sam-1", MemberID: "p1", Text: nowOfSam, At: at(4)},
			"p3": {ID: "int-lee-1", MemberID: "p3", Text: nowOfLee, At: at(3)},
		},
		Reflections: map[string]Reflection{
			"int-sam-0": {IntentionID: "int-sam-0", MemberID: "p1", Outcome: Lived, At: at(2)},
			"int-kim-0": {IntentionID: "int-kim-0", MemberID: "p2", Outcome: LetGo, At: at(5)},
		},
		Commitments: map[string]Commitment{
			"p1": {ID: "com-sam-1", MemberID: "p1", IntentionID: "int-sam-1", Step: stepNowSam, At: at(6)},
			"p2": {ID: "com-kim-1", MemberID: "p2", IntentionID: "int-kim-0", Step: stepKimPast, At: at(7)},
		},
	}
	if revealedNow {
		in.RevealedAt = at(10)
	}
	c := &Circle{ID: "act-circle", Prompt: circlePrompt2, Mode: RoundMode, Order: RosterOrder, ShareSeconds: 120,
		StartedAt: at(21), EndedAt: at(40), Queue: []string{"p3"}, Passes: map[string]int{"p2": 2}, RoundOver: true, Held: 3,
		Turns: []Turn{
			{N: 1, MemberID: "p1", StartedAt: at(21), EndsAt: at(23), EndedAt: at(24), Outcome: Spoke, Reactions: map[string]int{"heard": 2, "thanks": 1}},
			{N: 2, MemberID: "p2", StartedAt: at(24), EndsAt: at(26), EndedAt: at(25), Outcome: PassedOnce, Reactions: map[string]int{"resonates": 1}},
			{N: 3, MemberID: "p2", StartedAt: at(25), EndsAt: at(27), EndedAt: at(25).Add(30 * time.Second), Outcome: PassedFinal},
		}}
	s.History = []Activity{{ItemID: "i-int", Run: in}, {ItemID: "i-circle", Run: c}}
	return s
}

func TestSummaryOfIntentions(t *testing.T) {
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	sum := Summarize(intentionsAndCircle(RevealAnonymous, true))
	sec := sum.Sections[0]
	if sec.Kind != KindIntentions || !sec.StartedAt.Equal(at(1)) || !sec.EndedAt.Equal(at(20)) {
		t.Fatalf("section %+v, want the intentions from minute 1 to 20", sec)
	}
	got := detailOf[*IntentionsSection](t, sec.Detail)
	if got.Prompt != intPrompt || got.Reveal != RevealAnonymous || !got.Revealed || !got.RevealedAt.Equal(at(10)) || !got.Commitment {
		t.Errorf("settings %+v, want the prompt, anonymous, revealed at minute 10, with a step", got)
	}
	// An anonymous reveal hid names from the group, never from facilitators.
	wantIntentions := []SummaryIntention{
		{MemberID: "p3", Name: "Lee", Text: nowOfLee, At: at(3)},
		{MemberID: "p1", Name: "Sam", Text: nowOfSam, At: at(4)},
	}
	if !reflect.DeepEqual(got.Intentions, wantIntentions) {
		t.Errorf("intentions\n got %+v\nwant %+v", got.Intentions, wantIntentions)
	}
	wantReflections := []SummaryReflection{
		{MemberID: "p1", Name: "Sam", IntentionID: "int-sam-0", Intention: pastOfSam, SessionTitle: "Week 0", Outcome: Lived, At: at(2)},
		{MemberID: "p2", Name: "Kim", IntentionID: "int-kim-0", Intention: pastOfKim, SessionTitle: "Week 0", Outcome: LetGo, At: at(5)},
	}
	if !reflect.DeepEqual(got.Reflections, wantReflections) {
		t.Errorf("reflections\n got %+v\nwant %+v", got.Reflections, wantReflections)
	}
	wantSteps := []SummaryStep{
		{MemberID: "p1", Name: "Sam", Step: stepNowSam, IntentionID: "int-sam-1", Intention: nowOfSam, At: at(6)},
		{MemberID: "p2", Name: "Kim", Step: stepKimPast, IntentionID: "int-kim-0", Intention: pastOfKim, SessionTitle: "Week 0", At: at(7)},
	}
	if !reflect.DeepEqual(got.Steps, wantSteps) {
		t.Errorf("steps\n got %+v\nwant %+v", got.Steps, wantSteps)
	}
	if !reflect.DeepEqual(got.Unwritten, []string{"Kim"}) {
		t.Errorf("unwritten %v, want [Kim]: she came and wrote no intention", got.Unwritten)
	}

	t.Run("someone who never came is not among those who wrote nothing", func(t *testing.T) {
		s := intentionsAndCircle(RevealNamed, false)
		s.Members[2].FirstJoined, s.Members[2].Presence = time.Time{}, Absent // Kim
		if got := detailOf[*IntentionsSection](t, Summarize(s).Sections[0].Detail).Unwritten; len(got) != 0 {
			t.Errorf("unwritten %v, want none", got)
		}
	})
	t.Run("a running activity shows what is written so far", func(t *testing.T) {
		s := intentionsAndCircle(RevealNamed, false)
		s.Status, s.ClosedAt = Open, time.Time{}
		a := s.History[0]
		a.Intentions().EndedAt = time.Time{}
		s.Current, s.History = &a, nil
		sum := Summarize(s)
		if len(sum.Sections) != 1 || !sum.Sections[0].Running {
			t.Fatalf("sections %+v, want the running intentions", sum.Sections)
		}
		if got := detailOf[*IntentionsSection](t, sum.Sections[0].Detail); len(got.Intentions) != 2 || got.Revealed {
			t.Errorf("sections %+v, want the running, unrevealed intentions", sum.Sections)
		}
	})
}

func TestSummaryOfACircle(t *testing.T) {
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	s := intentionsAndCircle(RevealNamed, true)
	sum := Summarize(s)
	sec := sum.Sections[1]
	if sec.Kind != KindCircle || sec.Title != "Sharing circle" || !sec.EndedAt.Equal(at(40)) {
		t.Fatalf("section %+v, want the titled circle, ended at minute 40", sec)
	}
	c := detailOf[*CircleSection](t, sec.Detail)
	if c.Prompt != circlePrompt2 || c.Mode != RoundMode || c.Order != RosterOrder || c.ShareSeconds != 120 || !c.RoundOver {
		t.Errorf("circle %+v, want the prompt, a round in roster order, 2 min a share, ended by the facilitator", c)
	}
	want := []SummaryTurn{
		{N: 1, MemberID: "p1", Name: "Sam", Outcome: Spoke, StartedAt: at(21), EndedAt: at(24), Duration: 3 * time.Minute},
		{N: 2, MemberID: "p2", Name: "Kim", Outcome: PassedOnce, StartedAt: at(24), EndedAt: at(25), Duration: time.Minute},
		{N: 3, MemberID: "p2", Name: "Kim", Outcome: PassedFinal, StartedAt: at(25), EndedAt: at(25).Add(30 * time.Second), Duration: 30 * time.Second},
	}
	if !reflect.DeepEqual(c.Turns, want) {
		t.Errorf("turns\n got %+v\nwant %+v", c.Turns, want)
	}
	if !reflect.DeepEqual(c.Waiting, []string{"Lee"}) {
		t.Errorf("waiting %v, want [Lee], not reached", c.Waiting)
	}
	// The reactions were for the speaker alone: not even facilitators read
	// them afterwards.
	data, _ := json.Marshal(sum)
	for _, bad := range []string{"reaction", "heard", "resonates", "thanks"} {
		if strings.Contains(string(data), bad) {
			t.Errorf("the summary carries %q: %s", bad, data)
		}
	}

	t.Run("a running circle lists the share in progress last, without an outcome", func(t *testing.T) {
		s := intentionsAndCircle(RevealNamed, true)
		s.Status, s.ClosedAt = Open, time.Time{}
		a := s.History[1]
		c := *a.Circle()
		c.EndedAt, c.RoundOver = time.Time{}, false
		c.Turn = &Turn{N: 4, MemberID: "p3", StartedAt: at(26)}
		c.Queue = []string{}
		a.Run = &c
		s.Current, s.History = &a, s.History[:1]
		got := Summarize(s).Sections[1]
		circle := detailOf[*CircleSection](t, got.Detail)
		last := circle.Turns[len(circle.Turns)-1]
		if !got.Running || len(circle.Turns) != 4 || last.Name != "Lee" || last.Outcome != "" || last.Duration != 0 || circle.RoundOver {
			t.Errorf("running circle %+v, want Lee's share in progress last", circle)
		}
	})
	t.Run("a skip while waiting is a turn never held", func(t *testing.T) {
		s := intentionsAndCircle(RevealNamed, true)
		c := s.History[1].Circle()
		c.Turns = append(slices.Clone(c.Turns), Turn{MemberID: "p3", StartedAt: at(30), EndedAt: at(30), Outcome: SkippedTurn})
		c.Queue = nil
		got := detailOf[*CircleSection](t, Summarize(s).Sections[1].Detail)
		if last := got.Turns[3]; last.N != 0 || last.Name != "Lee" || last.Outcome != SkippedTurn || last.Duration != 0 || len(got.Waiting) != 0 || got.Waiting == nil {
			t.Errorf("circle %+v, want Lee skipped without a hold and nobody waiting", got)
		}
	})
}

func TestJourneyOfIntentionsAndACircle(t *testing.T) {
	type journeyCase struct {
		name   string
		reveal RevealMode
		shown  bool
		member string
		has    []string // must be in the journey
		hasNot []string // must never be
	}
	tests := []journeyCase{
		{name: "Sam, anonymous reveal", reveal: RevealAnonymous, shown: true, member: "p1",
			has: []string{nowOfSam, pastOfSam, `"lived"`, stepNowSam, nowOfLee, `"heard":2`, `"thanks":1`},
			// Kim's reflection and step, her past, her reactions, Lee's name on
			// her intention.
			hasNot: []string{pastOfKim, stepKimPast, `"letgo"`, "resonates", `"Lee"`, "int-"}},
		{name: "Kim, anonymous reveal", reveal: RevealAnonymous, shown: true, member: "p2",
			has:    []string{pastOfKim, `"letgo"`, stepKimPast, nowOfSam, nowOfLee, `"resonates":1`, `"Sam"`},
			hasNot: []string{pastOfSam, stepNowSam, stepOfSam, `"lived"`, "heard", "thanks", `"Lee"`}},
		{name: "Lee, not revealed", reveal: RevealNamed, shown: false, member: "p3",
			has:    []string{nowOfLee, `"Sam"`, `"Kim"`},
			hasNot: []string{nowOfSam, pastOfSam, pastOfKim, stepNowSam, stepKimPast, `"lived"`, `"letgo"`, "heard", "thanks", "resonates"}},
		{name: "Kim, not revealed", reveal: RevealAnonymous, shown: false, member: "p2",
			has:    []string{stepKimPast},
			hasNot: []string{nowOfSam, nowOfLee, stepNowSam}},
		{name: "Lee, named reveal", reveal: RevealNamed, shown: true, member: "p3",
			has:    []string{nowOfSam, `"name":"Sam"`},
			hasNot: []string{stepNowSam, stepKimPast, pastOfSam, pastOfKim, `"lived"`, `"letgo"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, ok := JourneyOf(intentionsAndCircle(tt.reveal, tt.shown), tt.member)
			if !ok || len(j.Moments) != 2 || j.Moments[0].Kind != KindIntentions || j.Moments[1].Kind != KindCircle {
				t.Fatalf("journey %+v, want the intentions and the circle", j)
			}
			data, _ := json.Marshal(j)
			for _, want := range tt.has {
				if !strings.Contains(string(data), want) {
					t.Errorf("journey lacks %s: %s", want, data)
				}
			}
			for _, bad := range tt.hasNot {
				if strings.Contains(string(data), bad) {
					t.Errorf("journey carries %s: %s", bad, data)
				}
			}
		})
	}

	t.Run("the revealed set is the room's, in its order", func(t *testing.T) {
		for _, reveal := range []RevealMode{RevealAnonymous, RevealNamed} {
			s := intentionsAndCircle(reveal, true)
			room := shown(&s, s.History[0].Intentions())
			j, _ := JourneyOf(s, "p2")
			got := detailOf[*JourneyIntentions](t, j.Moments[0].Detail).Shown
			if len(got) != len(room) {
				t.Fatalf("%s: shown %+v, want %+v", reveal, got, room)
			}
			for i := range room {
				if got[i].Text != room[i].Text || got[i].Name != room[i].Name || got[i].Mine {
					t.Errorf("%s: shown %d is %+v, want %+v", reveal, i, got[i], room[i])
				}
				if reveal == RevealAnonymous && got[i].Name != "" {
					t.Errorf("an anonymous reveal names %q", got[i].Name)
				}
			}
		}
	})
	t.Run("one's own in a named reveal is marked, not named", func(t *testing.T) {
		j, _ := JourneyOf(intentionsAndCircle(RevealNamed, true), "p1")
		got := detailOf[*JourneyIntentions](t, j.Moments[0].Detail).Shown
		want := []JourneyShown{{Mine: true, Text: nowOfSam}, {Name: "Lee", Text: nowOfLee}}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("shown %+v, want %+v (roster order)", got, want)
		}
	})
	t.Run("one's own part, with the intention each step is for", func(t *testing.T) {
		j, _ := JourneyOf(intentionsAndCircle(RevealAnonymous, false), "p2")
		in := detailOf[*JourneyIntentions](t, j.Moments[0].Detail)
		if in.Mine != nil || len(in.Shown) != 0 || in.Revealed {
			t.Errorf("Kim's intentions %+v, want no intention of hers and nothing shown", in)
		}
		if len(in.Reflections) != 1 || in.Reflections[0].Intention != pastOfKim || in.Reflections[0].SessionTitle != "Week 0" || in.Reflections[0].Outcome != LetGo {
			t.Errorf("Kim's reflections %+v, want her Week 0 intention let go", in.Reflections)
		}
		if in.Step == nil || in.Step.Step != stepKimPast || in.Step.Intention != pastOfKim || in.Step.SessionTitle != "Week 0" {
			t.Errorf("Kim's step %+v, want it for her Week 0 intention", in.Step)
		}
	})
	t.Run("the circle's order, with reactions to one's own turns only", func(t *testing.T) {
		j, _ := JourneyOf(intentionsAndCircle(RevealNamed, true), "p2")
		want := []JourneyTurn{
			{Name: "Sam", Outcome: Spoke},
			{Mine: true, Outcome: PassedOnce, Reactions: map[string]int{"resonates": 1}},
			{Mine: true, Outcome: PassedFinal},
		}
		if got := detailOf[*JourneyCircle](t, j.Moments[1].Detail); !reflect.DeepEqual(got.Turns, want) || got.Prompt != circlePrompt2 || got.Mode != RoundMode {
			t.Errorf("Kim's circle %+v, want %+v", got, want)
		}
	})
}

package memory

import (
	"encoding/json"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"hearth/room"
)

// jsonFields returns the JSON names of a struct type's fields, with their
// options (e.g. "closedAt,omitzero").
func jsonFields(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		tag := t.Field(i).Tag.Get("json")
		if tag == "" || tag == "-" {
			continue
		}
		out = append(out, tag)
	}
	sort.Strings(out)
	return out
}

// TestExportV1FollowsRoom holds each of the export's types to the room type
// it is copied from: a field added to room's (or renamed, or encoded
// differently) fails here, so the export format never changes unseen. The
// fix is to copy the field deliberately (a new format version if the file
// changes), not to change this test.
func TestExportV1FollowsRoom(t *testing.T) {
	pairs := []struct{ room, v1 any }{
		{room.Summary{}, SummaryV1{}},
		{room.Attendance{}, AttendanceV1{}},
		{room.Section{}, SectionV1{}},
		{room.Breath{}, BreathV1{}},
		{room.CheckInSection{}, CheckInV1{}},
		{room.SummaryAnswer{}, AnswerV1{}},
		{room.GroundingSection{}, GroundingV1{}},
		{room.IntentionsSection{}, IntentionsV1{}},
		{room.SummaryIntention{}, WrittenV1{}},
		{room.SummaryReflection{}, ReflectionV1{}},
		{room.SummaryStep{}, StepV1{}},
		{room.CircleSection{}, CircleV1{}},
		{room.SummaryTurn{}, TurnV1{}},
		{room.CheckOutSection{}, CheckOutV1{}},
		{room.SummaryWord{}, WordV1{}},
		{room.CloudWord{}, CloudWordV1{}},
		{room.ReadingSection{}, ReadingV1{}},
		{room.Reader{}, ReaderV1{}},
		{room.CareSummary{}, CareV1{}},
		{room.SummarySignal{}, SignalV1{}},
		{room.SummaryFlag{}, FlagV1{}},
		{room.SummaryThread{}, ThreadV1{}},
		{room.SummaryMessage{}, MessageV1{}},
	}
	for _, p := range pairs {
		rt, vt := reflect.TypeOf(p.room), reflect.TypeOf(p.v1)
		t.Run(rt.Name(), func(t *testing.T) {
			got, want := jsonFields(vt), jsonFields(rt)
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s has fields %v, %s has %v", vt.Name(), got, rt.Name(), want)
			}
		})
	}
}

// sameJSON reports whether a and b encode to the same JSON value.
func sameJSON(t *testing.T, a, b any) {
	t.Helper()
	var va, vb any
	for _, x := range []struct {
		v   any
		out *any
	}{{a, &va}, {b, &vb}} {
		data, err := json.Marshal(x.v)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(data, x.out); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(va, vb) {
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		t.Errorf("export writes\n%s\nthe room writes\n%s", ja, jb)
	}
}

// TestItemV1 checks that an agenda item of every known kind is written as
// the room writes it, every setting given.
func TestItemV1(t *testing.T) {
	items := []room.Item{
		room.NewItem("Arrival", room.CheckInSettings{Prompt: "How are you?", Visibility: room.Anonymous}),
		room.NewItem("", room.GroundingSettings{Seconds: 90, Breath: &room.Breath{In: 4, Hold: 4, Out: 6, Rest: 2}}),
		room.NewItem("Intentions", room.IntentionsSettings{Prompt: "What now?", Reveal: room.RevealAnonymous, Commitment: true}),
		room.NewItem("Circle", room.CircleSettings{Prompt: "Share", Mode: room.RoundMode, Order: room.RandomOrder, ShareSeconds: 120}),
		room.NewItem("Out", room.CheckOutSettings{Prompt: "One word", ClosingCheck: true}),
		{ID: "x", Kind: "unknown-kind", Title: "Not a kind of this server"},
	}
	for _, it := range items {
		it.ID, it.Status = "item-"+string(it.Kind), room.Skipped
		t.Run(string(it.Kind), func(t *testing.T) {
			v, err := itemV1(it)
			if err != nil {
				t.Fatal(err)
			}
			sameJSON(t, v, it)
		})
	}
}

// TestSectionV1 checks that the section of every known kind, every field
// given, is written as the room writes it; and that a kind the format does
// not know is carried as its own JSON under its name, and written in
// Markdown as its title and time only.
func TestSectionV1(t *testing.T) {
	t0 := time.Date(2025, 3, 4, 18, 0, 0, 0, time.UTC)
	t1 := t0.Add(5 * time.Minute)
	details := []struct {
		kind   room.Kind
		detail any
	}{
		{room.KindCheckIn, &room.CheckInSection{Prompt: "How are you?", Visibility: room.Anonymous,
			Answers:    []room.SummaryAnswer{{MemberID: "m", Name: "Maya", Scale: 6, State: room.Within, Feeling: "calm", Note: "ok", At: t0}},
			Unanswered: []string{"Jonas"}, ScaleAverage: 6, States: map[room.Arousal]int{room.Within: 1}}},
		{room.KindGrounding, &room.GroundingSection{Seconds: 120, Breath: &room.Breath{In: 4, Hold: 4, Out: 6, Rest: 2},
			Ran: time.Minute, EndedEarly: true}},
		{room.KindIntentions, &room.IntentionsSection{Prompt: "What now?", Reveal: room.RevealNamed, Commitment: true,
			Revealed: true, RevealedAt: t1,
			Intentions:  []room.SummaryIntention{{MemberID: "m", Name: "Maya", Text: "rest", At: t0}},
			Reflections: []room.SummaryReflection{{MemberID: "m", Name: "Maya", IntentionID: "i", Intention: "walk", SessionTitle: "Week 1", Outcome: room.Lived, At: t0}},
			Steps:       []room.SummaryStep{{MemberID: "m", Name: "Maya", Step: "bed at ten", IntentionID: "i", Intention: "rest", SessionTitle: "Week 1", At: t1}},
			Unwritten:   []string{"Jonas"}}},
		{room.KindCircle, &room.CircleSection{Prompt: "Share", Mode: room.RoundMode, Order: room.RosterOrder, ShareSeconds: 300,
			Turns:   []room.SummaryTurn{{N: 1, MemberID: "m", Name: "Maya", Outcome: room.Spoke, StartedAt: t0, EndedAt: t1, Duration: t1.Sub(t0)}},
			Waiting: []string{"Jonas"}, RoundOver: true}},
		{room.KindCheckOut, &room.CheckOutSection{Prompt: "One word", ClosingCheck: true, Revealed: true,
			Words:      []room.SummaryWord{{MemberID: "m", Name: "Maya", Word: "light", State: room.Within, Arrival: room.Hyper, At: t1}},
			Unanswered: []string{"Jonas"}, Cloud: []room.CloudWord{{Word: "light", Count: 1}}}},
		{room.KindReading, &room.ReadingSection{Text: "Be patient\ntoward all", Source: "Rilke",
			Read: []room.Reader{{MemberID: "m", Name: "Maya", At: t1}}}},
		{"breathing-out", &struct {
			Seconds int `json:"seconds"`
		}{Seconds: 30}},
	}
	for _, d := range details {
		t.Run(string(d.kind), func(t *testing.T) {
			sec := room.Section{Kind: d.kind, ItemID: "it", Title: "Its title", StartedAt: t0, EndedAt: t1, Running: true, Detail: d.detail}
			v, err := sectionV1(sec)
			if err != nil {
				t.Fatal(err)
			}
			sameJSON(t, v, sec)
			var b strings.Builder
			writeSection(&b, 2, v)
			if head := "#### 2. Its title, 18:00 (running at the export)\n\n"; !strings.HasPrefix(b.String(), head) {
				t.Errorf("Markdown starts %q, want %q", b.String(), head)
			}
			if _, raw := v.Detail.(json.RawMessage); raw != (d.kind == "breathing-out") {
				t.Errorf("detail %T: only a kind the format does not know is carried as its JSON", v.Detail)
			}
			if want := "> Be patient\n> toward all\n>\n> — Rilke\n\nMarked read by: Maya."; d.kind == room.KindReading && !strings.Contains(b.String(), want) {
				t.Errorf("Markdown of a reading: %q, want the passage quoted, its source and who read it: %q", b.String(), want)
			}
			if d.kind == "breathing-out" && b.String() != "#### 2. Its title, 18:00 (running at the export)\n\n" {
				t.Errorf("Markdown of a kind the format does not know: %q, want its title and time only", b.String())
			}
		})
	}
}

// TestCareV1 checks that the care of a session, every field given, is
// written as the room writes it, and that its Markdown names each signal,
// flag and message with what people wrote escaped.
func TestCareV1(t *testing.T) {
	t0 := time.Date(2025, 3, 4, 18, 0, 0, 0, time.UTC)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	care := room.CareSummary{
		Signals: []room.SummarySignal{
			{MemberID: "m", Name: "Maya", Level: room.SupportMoment, At: at(1), AckedAt: at(2), AckedBy: "f", AckedByName: "Ana",
				EndedAt: at(3), Ended: room.SignalRaisedAgain},
			{MemberID: "m", Name: "Maya", Level: room.SupportNow, At: at(3), EndedAt: at(9), Ended: room.SignalCleared, EndedBy: "f", EndedByName: "Ana"},
			{MemberID: "j", Name: "Jonas", Level: room.SupportMoment, At: at(20)},
		},
		Flags: []room.SummaryFlag{{MemberID: "m", Name: "Maya", Reason: room.DroppedAfterSignal, At: at(4),
			ClearedAt: at(9), ClearedBy: "f", ClearedByName: "Ana"}},
		Threads: []room.SummaryThread{{With: "m", Name: "Maya", ReadByFacilitators: 2, ReadByParticipant: 1,
			Messages: []room.SummaryMessage{
				{N: 1, From: "f", FromName: "Ana", FromRole: room.Facilitator, Text: "I see you.", At: at(2)},
				{N: 2, From: "m", FromName: "Maya", FromRole: room.Participant, Text: "*thank* you <3", At: at(5)},
			}}},
	}
	sum := room.Summary{SessionID: "s", Attendance: []room.Attendance{}, Sections: []room.Section{}, Skipped: []room.Item{}, Pending: []room.Item{}, Care: care}
	v, err := summaryV1(sum)
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, v, sum)
	var b strings.Builder
	writeSummary(&b, v)
	for _, want := range []string{
		"#### Care\n\n",
		"- 18:01, Maya: needed a moment; Ana answered at 18:02; raised again at 18:03.\n",
		"- 18:03, Maya: needed someone now; cleared by Ana at 18:09.\n",
		"- 18:20, Jonas: needed a moment; still open.\n",
		"- 18:04, Maya: connection dropped soon after signalling; cleared by Ana at 18:09.\n",
		"Private messages with Maya:\n\n- 18:02, Ana: I see you.\n- 18:05, Maya: \\*thank\\* you \\<3\n",
	} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("Markdown lacks %q:\n%s", want, b.String())
		}
	}
	b.Reset()
	empty, _ := summaryV1(room.Summary{Care: room.CareSummary{Signals: []room.SummarySignal{}, Flags: []room.SummaryFlag{}, Threads: []room.SummaryThread{}}})
	writeCare(&b, empty.Care)
	if b.Len() != 0 {
		t.Errorf("a session without care writes %q", b.String())
	}
}

package room

import (
	"bytes"
	"encoding/json"
	"maps"
	"reflect"
	"strings"
	"testing"
	"time"
)

const (
	readingText   = "reading-text: Be here,\nnow."
	readingSource = "reading-source: Mary"
)

// readingRoom returns a room running a reading (item i-read) since a minute
// after t0, read by the given participants at t0 plus their place in the
// list, in minutes.
func readingRoom(readers ...string) State {
	s := gathering()
	s.Agenda = []Item{{ID: "i-read", Kind: KindReading, Title: "A poem", Status: Running,
		Settings: ReadingSettings{Text: readingText, Source: readingSource}}}
	r := &Reading{ID: "act-read", Text: readingText, Source: readingSource, StartedAt: t0.Add(time.Minute), Read: map[string]time.Time{}}
	for i, id := range readers {
		r.Read[id] = t0.Add(time.Duration(i+2) * time.Minute)
	}
	s.Current = &Activity{ItemID: "i-read", Run: r}
	return s
}

func TestItemNormalizeReading(t *testing.T) {
	reading := func(text, source string) Item { return NewItem("", ReadingSettings{Text: text, Source: source}) }
	tests := []struct {
		name     string
		in       Item
		want     Item   // when valid
		wantCode string // empty: valid
	}{
		{name: "a text with its source", in: reading("Be here.", "Mary"), want: reading("Be here.", "Mary")},
		{name: "without a source", in: reading("Be here.", ""), want: reading("Be here.", "")},
		{
			name: "trimmed around, its lines kept",
			in:   reading(" \n\t First line,\n  second line.\n\nA verse after. \n ", "  Mary  "),
			want: reading("First line,\n  second line.\n\nA verse after.", "Mary"),
		},
		{name: "line ends made one kind", in: reading("one\r\ntwo\rthree", ""), want: reading("one\ntwo\nthree", "")},
		{name: "the source on one line", in: reading("Be here.", " Mary \n\t Oliver "), want: reading("Be here.", "Mary Oliver")},
		{name: "1000 characters", in: reading(strings.Repeat("🌿", MaxReadingText), ""), want: reading(strings.Repeat("🌿", MaxReadingText), "")},
		{name: "a source of 100 characters", in: reading("Be here.", strings.Repeat("é", MaxReadingSource)), want: reading("Be here.", strings.Repeat("é", MaxReadingSource))},
		{name: "1001 characters", in: reading(strings.Repeat("🌿", MaxReadingText+1), ""), wantCode: CodeInvalid},
		{name: "1000 characters once trimmed", in: reading("\n "+strings.Repeat("a", MaxReadingText)+" \n", ""), want: reading(strings.Repeat("a", MaxReadingText), "")},
		{name: "no text", in: reading("", "Mary"), wantCode: CodeInvalid},
		{name: "a blank text", in: reading(" \r\n\t ", "Mary"), wantCode: CodeInvalid},
		{name: "a source of 101 characters", in: reading("Be here.", strings.Repeat("é", MaxReadingSource+1)), wantCode: CodeInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.in.Normalize()
			if tc.wantCode != "" {
				if ErrorCode(err) != tc.wantCode {
					t.Fatalf("got %+v, %v; want code %q", got, err, tc.wantCode)
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
}

func TestApplyReadingStart(t *testing.T) {
	s := readingRoom()
	s.Agenda[0].Status = Pending
	s.Current = nil
	runStep(t, step{
		name: "a reading starts with nobody having read it", state: s, actor: "f1",
		cmd: command(TypeAgendaStart, itemRef{ItemID: "i-read"}), change: heard{Activity: true, Agenda: true},
		check: func(tb testing.TB, _, after State) {
			r := after.Current.Reading()
			if r == nil {
				tb.Fatalf("got current %+v, want a reading", after.Current)
			}
			want := Reading{ID: r.ID, Text: readingText, Source: readingSource, StartedAt: now, Read: map[string]time.Time{}}
			if r.ID == "" || !reflect.DeepEqual(*r, want) {
				tb.Errorf("got %+v, want %+v", *r, want)
			}
		},
	})
}

func TestApplyReadingDone(t *testing.T) {
	done := command(TypeReadingDone, nil)
	wantRead := func(readers map[string]time.Time) func(tb testing.TB, before, after State) {
		return func(tb testing.TB, before, after State) {
			tb.Helper()
			if got := after.Current.Reading().Read; !reflect.DeepEqual(got, readers) {
				tb.Errorf("got read %v, want %v", got, readers)
			}
			a, b := *after.Current.Reading(), *before.Current.Reading()
			a.Read, b.Read = nil, nil
			if !reflect.DeepEqual(a, b) || !reflect.DeepEqual(after.Agenda, before.Agenda) {
				tb.Errorf("the reading changed beyond who read it: got %+v, want %+v", a, b)
			}
		}
	}
	tests := []step{
		{
			name: "the first to read it", state: readingRoom(), actor: "p1", cmd: done,
			change: heard{Activity: true, Mine: []string{"p1"}},
			check:  wantRead(map[string]time.Time{"p1": now}),
		},
		{
			name: "after another", state: readingRoom("p2"), actor: "p1", cmd: done,
			change: heard{Activity: true, Mine: []string{"p1"}},
			check:  wantRead(map[string]time.Time{"p2": t0.Add(2 * time.Minute), "p1": now}),
		},
		{
			// Data is not read: a stray field changes nothing.
			name: "with data it does not take", state: readingRoom(), actor: "p3", cmd: command(TypeReadingDone, `{"done":false}`),
			change: heard{Activity: true, Mine: []string{"p3"}},
			check:  wantRead(map[string]time.Time{"p3": now}),
		},
		{name: "again", state: readingRoom("p1"), actor: "p1", cmd: done, wantCode: CodeInvalid},
		{name: "by a facilitator", state: readingRoom(), actor: "f1", cmd: done, wantCode: CodeNotAllowed},
		{name: "while gathering", state: planned(), actor: "p1", cmd: done, wantCode: CodeClosed},
		{name: "during a grounding", state: groundingSince(now), actor: "p1", cmd: done, wantCode: CodeClosed},
		{name: "by a facilitator while gathering", state: planned(), actor: "f1", cmd: done, wantCode: CodeNotAllowed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runStep(t, tc) })
	}
}

// wireReading is the reading as docs/protocol.md names its fields.
type wireReading struct {
	ID        string       `json:"id"`
	Kind      string       `json:"kind"`
	ItemID    string       `json:"itemId"`
	Text      string       `json:"text"`
	Source    string       `json:"source"`
	StartedAt int64        `json:"startedAt"`
	ReadCount int          `json:"readCount"`
	Expected  int          `json:"expected"`
	Read      []wireReader `json:"read"`
}

type wireReader struct {
	MemberID string `json:"memberId"`
	Name     string `json:"name"`
	At       int64  `json:"at"`
}

// TestReadingView checks the reading as each member gets it, in a snapshot
// and in the event of Sam's "I've read it": the facilitators with the names
// of who has read it, the participants with the count alone, and Sam alone
// with his own mark.
func TestReadingView(t *testing.T) {
	at := t0.Add(20 * time.Minute)
	before := readingRoom("p2")
	before.Members[3].Presence = Left // Lee: not expected
	s, ch, err := Apply(before, at, "p1", command(TypeReadingDone, nil))
	if err != nil {
		t.Fatal(err)
	}
	base := wireReading{
		ID: "act-read", Kind: "reading", ItemID: "i-read", Text: readingText, Source: readingSource,
		StartedAt: t0.Add(time.Minute).UnixMilli(), ReadCount: 2, Expected: 2,
	}
	forFacilitators := base
	forFacilitators.Read = []wireReader{
		{MemberID: "p2", Name: "Kim", At: t0.Add(2 * time.Minute).UnixMilli()},
		{MemberID: "p1", Name: "Sam", At: at.UnixMilli()},
	}
	f := newFanout(s.Version, at, ch.parts, nil)
	for _, tc := range []struct {
		id   string
		want wireReading
		mine string // the member's own part, "" for none in an event
	}{
		{id: "f1", want: forFacilitators, mine: `{}`},
		{id: "p1", want: base, mine: `{"reading":{"done":true}}`},
		{id: "p2", want: base, mine: `{"reading":{"done":true}}`},
		{id: "p3", want: base, mine: `{}`},
	} {
		m, _ := s.Member(tc.id)
		for _, msg := range []wireMsg{decodeMsg(t, snapshot(&s, m, at)), decodeMsg(t, f.messageTo(m).Data)} {
			raw, ok := roomPart(t, msg, "activity")
			if !ok {
				t.Fatalf("%s %s: got no activity in %s", tc.id, msg.Type, msg.raw)
			}
			var got wireReading
			if err := json.Unmarshal(raw, &got); err != nil {
				t.Fatalf("decode %s: %v", raw, err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s %s: got %+v, want %+v", tc.id, msg.Type, got, tc.want)
			}
			if tc.id != "f1" && (bytes.Contains(raw, []byte(`"read"`)) || bytes.Contains(raw, []byte("Kim"))) {
				t.Errorf("%s %s: got %s, want no names of who read it", tc.id, msg.Type, raw)
			}
			mine, ok := roomPart(t, msg, "mine")
			switch {
			case msg.Type == "snapshot" && string(mine) != tc.mine:
				t.Errorf("%s snapshot: got mine %s, want %s", tc.id, mine, tc.mine)
			case msg.Type == "event" && tc.id == "p1" && string(mine) != tc.mine:
				t.Errorf("%s event: got mine %s, want %s", tc.id, mine, tc.mine)
			case msg.Type == "event" && tc.id != "p1" && ok:
				t.Errorf("%s event: got mine %s, want none: only the reader hears of their mark", tc.id, mine)
			}
		}
	}
	t.Run("before anyone has read it", func(t *testing.T) {
		s := readingRoom()
		m, _ := s.Member("f1")
		raw, _ := roomPart(t, decodeMsg(t, snapshot(&s, m, at)), "activity")
		if !bytes.Contains(raw, []byte(`"read":[]`)) || !bytes.Contains(raw, []byte(`"readCount":0`)) {
			t.Errorf("got %s, want an empty list of who read it for the facilitator", raw)
		}
	})
}

// TestReadingAfterwards checks the reading's section of the summary and its
// moment in a participant's journey.
func TestReadingAfterwards(t *testing.T) {
	s, _, err := Apply(readingRoom("p2", "p1"), now, "f1", command(TypeActivityEnd, nil))
	if err != nil {
		t.Fatal(err)
	}
	sum := Summarize(s)
	if len(sum.Sections) != 1 {
		t.Fatalf("got sections %+v, want the reading's", sum.Sections)
	}
	sec := sum.Sections[0]
	want := &ReadingSection{Text: readingText, Source: readingSource, Read: []Reader{
		{MemberID: "p2", Name: "Kim", At: t0.Add(2 * time.Minute)},
		{MemberID: "p1", Name: "Sam", At: t0.Add(3 * time.Minute)},
	}}
	if sec.Kind != KindReading || sec.Title != "A poem" || !sec.EndedAt.Equal(now) || !reflect.DeepEqual(sec.Detail, want) {
		t.Errorf("got section %+v with %+v, want the reading ended at %v with %+v", sec, sec.Detail, now, want)
	}
	raw := data(sec)
	if !bytes.Contains(raw, []byte(`"reading":{"text":`)) {
		t.Errorf("got section %s, want its part under \"reading\"", raw)
	}

	for _, tc := range []struct {
		id   string
		want JourneyReading
	}{
		{id: "p1", want: JourneyReading{Text: readingText, Source: readingSource, Done: true}},
		{id: "p3", want: JourneyReading{Text: readingText, Source: readingSource}},
	} {
		j, ok := JourneyOf(s, tc.id)
		if !ok || len(j.Moments) != 1 {
			t.Fatalf("%s: got journey %+v, want the reading", tc.id, j)
		}
		mo := j.Moments[0]
		if got, ok := mo.Detail.(*JourneyReading); mo.Kind != KindReading || !ok || *got != tc.want {
			t.Errorf("%s: got moment %+v with %+v, want %+v", tc.id, mo, mo.Detail, tc.want)
		}
		if raw := data(j); bytes.Contains(raw, []byte("Kim")) || bytes.Contains(raw, []byte("memberId")) {
			t.Errorf("%s: got journey %s, want nobody named", tc.id, raw)
		}
	}
}

// TestReadingStored checks that a reading goes to the store and comes back
// as it was, and that one stored without its readers (read: null) is still
// carried on.
func TestReadingStored(t *testing.T) {
	s := readingRoom("p2")
	raw := data(s.Current)
	if !bytes.Contains(raw, []byte(`"itemId":"i-read","reading":{`)) {
		t.Errorf("got %s, want the run under \"reading\"", raw)
	}
	var back Activity
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, *s.Current) {
		t.Errorf("got %+v back, want %+v", back.Run, s.Current.Run)
	}

	bare := readingRoom()
	if err := json.Unmarshal([]byte(`{"itemId":"i-read","reading":{"id":"act-read","text":"t","startedAt":"2026-12-01T18:01:00Z","read":null}}`), bare.Current); err != nil {
		t.Fatal(err)
	}
	next, _, err := Apply(bare, now, "p1", command(TypeReadingDone, nil))
	if err != nil {
		t.Fatal(err)
	}
	if got := next.Current.Reading().Read; !reflect.DeepEqual(got, map[string]time.Time{"p1": now}) {
		t.Errorf("got read %v, want Sam's", got)
	}
}

func (r *Reading) testCopy() Run {
	rd := *r
	rd.Read = maps.Clone(r.Read)
	return &rd
}

func (r *Reading) scribble() {
	r.Text = "scribbled"
	r.Read["scribbled"] = time.Time{}
}

package room

import (
	"encoding/json"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// The reading: the facilitator shares a short passage with the group (a
// poem, a quote, the group agreements, words to close with). Everyone sees
// the same text; a participant may say they have read it, which the
// facilitators see by name and the group only as a count.

// KindReading is the reading's kind.
const KindReading Kind = "reading"

// TypeReadingDone is a participant's "I've read it".
const TypeReadingDone = "reading.done"

// Limits of a reading, in characters.
const (
	MaxReadingText   = 1000
	MaxReadingSource = 100
)

var readingKind = kindSpec{
	settings: decodeJSON[ReadingSettings, Settings],
	run:      decodeJSON[*Reading, Run],
	commands: map[string]transition{
		TypeReadingDone: readingDone,
	},
}

// ReadingSettings are a planned reading's settings.
type ReadingSettings struct {
	Text   string `json:"text,omitempty"`
	Source string `json:"source,omitempty"`
}

func (ReadingSettings) kind() Kind { return KindReading }

// check trims the text but keeps its line breaks (a poem is its lines), and
// makes the source one line.
func (r ReadingSettings) check() (Settings, error) {
	text := CleanText(r.Text)
	if text == "" {
		return nil, errorf(CodeInvalid, "The reading needs a text.")
	}
	if utf8.RuneCountInString(text) > MaxReadingText {
		return nil, errorf(CodeInvalid, "The reading is longer than %d characters.", MaxReadingText)
	}
	source := strings.Join(strings.Fields(CleanLine(r.Source)), " ")
	if utf8.RuneCountInString(source) > MaxReadingSource {
		return nil, errorf(CodeInvalid, "The source is longer than %d characters.", MaxReadingSource)
	}
	return ReadingSettings{Text: text, Source: source}, nil
}

func (r ReadingSettings) start(_ *State, id string, now time.Time) Run {
	return &Reading{ID: id, Text: r.Text, Source: r.Source, StartedAt: now, Read: map[string]time.Time{}}
}

// Reading is a run of a reading.
type Reading struct {
	ID        string    `json:"id"`
	Text      string    `json:"text"`
	Source    string    `json:"source,omitempty"`
	StartedAt time.Time `json:"startedAt"`
	EndedAt   time.Time `json:"endedAt,omitzero"`
	// Read holds, by member ID, when each participant said they had read it.
	Read map[string]time.Time `json:"read"`
}

// Reading returns a's run when it is a reading, or nil.
func (a *Activity) Reading() *Reading { return runOf[*Reading](a) }

func (*Reading) kind() Kind { return KindReading }

func (r *Reading) span() (time.Time, time.Time) { return r.StartedAt, r.EndedAt }

func (r *Reading) clone() Run {
	c := *r
	c.Read = cloneMap(r.Read)
	return &c
}

// erase forgets that the member read it.
func (r *Reading) erase(m Member) { delete(r.Read, m.ID) }

func (r *Reading) finish(now time.Time) {
	if r.EndedAt.IsZero() {
		r.EndedAt = now
	}
}

func (*Reading) presence(*State, Member, Presence, time.Time, *Change) {}

func readingDone(s State, now time.Time, actor Member, _ json.RawMessage) (State, Change, error) {
	if actor.Role != Participant {
		return s, Change{}, errorf(CodeNotAllowed, "Only participants mark a reading as read.")
	}
	r := s.Current.Reading()
	if r == nil {
		return s, Change{}, errorf(CodeClosed, "There is no reading now.")
	}
	if _, ok := r.Read[actor.ID]; ok {
		return s, Change{}, errorf(CodeInvalid, "You have marked this reading as read already.")
	}
	next := s.clone()
	next.Current.Reading().Read[actor.ID] = now
	var ch Change
	// Facilitators' view names who has read it, the participants' counts
	// them; the reader alone learns that it is marked for them.
	ch.activity(&next)
	ch.mine(&next, actor.ID)
	return next, ch, nil
}

// readers returns who has read it, earliest first.
func (r *Reading) readers() []string {
	ids := make([]string, 0, len(r.Read))
	for id := range r.Read {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return byTime(r.Read[ids[i]], r.Read[ids[j]], ids[i], ids[j]) })
	return ids
}

// --- what each member sees --------------------------------------------------

type readerView struct {
	MemberID string `json:"memberId"`
	Name     string `json:"name"`
	At       int64  `json:"at"`
}

type readingView struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	ItemID    string `json:"itemId"`
	Text      string `json:"text"`
	Source    string `json:"source"`
	StartedAt int64  `json:"startedAt"`
	ReadCount int    `json:"readCount"`
	Expected  int    `json:"expected"`
	// Read is for facilitators only; participants see the count.
	Read []readerView `json:"read,omitzero"`
}

func (r *Reading) view(s *State, itemID string, role Role) any {
	v := &readingView{
		ID: r.ID, Kind: string(KindReading), ItemID: itemID, Text: r.Text, Source: r.Source,
		StartedAt: millis(r.StartedAt), ReadCount: len(r.Read), Expected: s.Expected(),
	}
	if role == Facilitator {
		v.Read = make([]readerView, 0, len(r.Read))
		for _, id := range r.readers() {
			v.Read = append(v.Read, readerView{MemberID: id, Name: memberName(s, id), At: millis(r.Read[id])})
		}
	}
	return v
}

// readingMine is a participant's own part: that they have read it.
type readingMine struct {
	Done bool `json:"done"`
}

func (r *Reading) mine(_ *State, memberID string) (string, any) {
	if _, ok := r.Read[memberID]; !ok {
		return "", nil
	}
	return "reading", &readingMine{Done: true}
}

// --- afterwards --------------------------------------------------------------

// Reader is a participant who said they had read the reading.
type Reader struct {
	MemberID string    `json:"memberId"`
	Name     string    `json:"name"`
	At       time.Time `json:"at"`
}

// ReadingSection is a reading as it was shared, and who said they had read
// it, earliest first.
type ReadingSection struct {
	Text   string   `json:"text"`
	Source string   `json:"source,omitempty"`
	Read   []Reader `json:"read"`
}

func (r *Reading) section(s *State, _ []Activity) any {
	out := &ReadingSection{Text: r.Text, Source: r.Source, Read: make([]Reader, 0, len(r.Read))}
	for _, id := range r.readers() {
		out.Read = append(out.Read, Reader{MemberID: id, Name: memberName(s, id), At: r.Read[id]})
	}
	return out
}

// JourneyReading is a reading the group shared: its words, and whether the
// participant said they had read it.
type JourneyReading struct {
	Text   string `json:"text"`
	Source string `json:"source,omitempty"`
	Done   bool   `json:"done"`
}

func (r *Reading) moment(_ *State, memberID string) any {
	_, done := r.Read[memberID]
	return &JourneyReading{Text: r.Text, Source: r.Source, Done: done}
}

package room

import (
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// The check-out: one word (or a short phrase) each, with an optional
// closing window-of-tolerance check, shown together as a cloud without
// names when the facilitator reveals.

// KindCheckOut is the check-out's kind.
const KindCheckOut Kind = "checkout"

// Command types of the check-out.
const (
	TypeCheckOutWord   = "checkout.word"
	TypeCheckOutReveal = "checkout.reveal"
)

// MaxWord is the longest check-out, in characters.
const MaxWord = 40

var checkOutKind = kindSpec{
	settings: decodeJSON[CheckOutSettings, Settings],
	run:      decodeJSON[*CheckOut, Run],
	commands: map[string]transition{
		TypeCheckOutWord:   checkOutWord,
		TypeCheckOutReveal: checkOutReveal,
	},
}

// CheckOutSettings are a planned check-out's settings.
type CheckOutSettings struct {
	Prompt       string `json:"prompt,omitempty"`
	ClosingCheck bool   `json:"closingCheck,omitempty"`
}

func (CheckOutSettings) kind() Kind { return KindCheckOut }

func (c CheckOutSettings) check() (Settings, error) {
	p, err := checkPrompt(c.Prompt)
	if err != nil {
		return nil, err
	}
	return CheckOutSettings{Prompt: p, ClosingCheck: c.ClosingCheck}, nil
}

func (c CheckOutSettings) start(_ *State, id string, now time.Time) Run {
	return &CheckOut{ID: id, Prompt: c.Prompt, ClosingCheck: c.ClosingCheck, StartedAt: now, Words: map[string]Word{}}
}

// CheckOut is the closing round: one word (or a short phrase) each, shown
// together when the facilitator reveals.
type CheckOut struct {
	ID           string          `json:"id"`
	Prompt       string          `json:"prompt"`
	ClosingCheck bool            `json:"closingCheck"`
	Revealed     bool            `json:"revealed"`
	StartedAt    time.Time       `json:"startedAt"`
	EndedAt      time.Time       `json:"endedAt,omitzero"`
	Words        map[string]Word `json:"words"`
	// Shown holds, once revealed, each word as the group sees it in the
	// cloud, by member ID. A word given (or changed) after the reveal waits
	// until another one does too, or the check-out ends, so that neither
	// the moment the cloud grows nor how names its writer. A check-out
	// revealed without Shown showed every word as given.
	Shown map[string]Word `json:"shown,omitempty"`
	// Held lists the members whose word waits to be shown.
	Held []string `json:"held,omitempty"`
}

// CheckOut returns a's run when it is a check-out, or nil.
func (a *Activity) CheckOut() *CheckOut { return runOf[*CheckOut](a) }

func (*CheckOut) kind() Kind { return KindCheckOut }

func (co *CheckOut) span() (time.Time, time.Time) { return co.StartedAt, co.EndedAt }

func (co *CheckOut) clone() Run {
	c := *co
	c.Words = cloneMap(co.Words)
	if co.Shown != nil {
		c.Shown = cloneMap(co.Shown)
	}
	c.Held = slices.Clone(co.Held)
	return &c
}

// erase drops the member's word, from the cloud as well.
func (co *CheckOut) erase(m Member) {
	delete(co.Words, m.ID)
	if co.Shown != nil {
		delete(co.Shown, m.ID)
	}
	co.Held = slices.DeleteFunc(co.Held, func(id string) bool { return id == m.ID })
}

// finish shows the held words: the check-out's end is the moment every late
// word joins the cloud together.
func (co *CheckOut) finish(now time.Time) {
	if co.EndedAt.IsZero() {
		co.EndedAt = now
	}
	co.showHeld()
}

func (co *CheckOut) showHeld() {
	for _, id := range co.Held {
		if w, ok := co.Words[id]; ok {
			co.Shown[id] = w
		}
	}
	co.Held = nil
}

// shownCloud is the cloud as the group sees it.
func (co *CheckOut) shownCloud() []CloudWord {
	if co.Shown == nil {
		return co.Cloud()
	}
	return cloudOf(co.Shown)
}

func (*CheckOut) presence(*State, Member, Presence, time.Time, *Change) {}

// windowState gives care in the room (windowRun) the state a member left
// with, when the check-out asked for one.
func (co *CheckOut) windowState(memberID string) (Arousal, time.Time, bool) {
	w, ok := co.Words[memberID]
	return w.State, w.At, ok && w.State != ""
}

func (*CheckOut) arrival() bool { return false }

// Word is one participant's check-out.
type Word struct {
	MemberID string    `json:"memberId"`
	Word     string    `json:"word"`
	State    Arousal   `json:"state,omitempty"`
	At       time.Time `json:"at"`
}

func checkOutWord(s State, now time.Time, actor Member, data json.RawMessage) (State, Change, error) {
	if actor.Role != Participant {
		return s, Change{}, errorf(CodeNotAllowed, "Only participants share a check-out word.")
	}
	co := s.Current.CheckOut()
	if co == nil {
		return s, Change{}, errorf(CodeClosed, "There is no check-out now.")
	}
	var in struct {
		Word  string  `json:"word"`
		State Arousal `json:"state"`
	}
	if err := decode(data, &in); err != nil {
		return s, Change{}, err
	}
	in.Word = strings.Join(strings.Fields(CleanLine(in.Word)), " ")
	if in.Word == "" {
		return s, Change{}, errorf(CodeInvalid, "Write a word, or a few.")
	}
	if utf8.RuneCountInString(in.Word) > MaxWord {
		return s, Change{}, errorf(CodeInvalid, "The check-out is longer than %d characters.", MaxWord)
	}
	if co.ClosingCheck {
		if err := checkArousal(in.State); err != nil {
			return s, Change{}, err
		}
	} else {
		in.State = ""
	}
	next := s.clone()
	nco := next.Current.CheckOut()
	w := Word{MemberID: actor.ID, Word: in.Word, State: in.State, At: now}
	nco.Words[actor.ID] = w
	var released []string
	if nco.Shown != nil && nco.Shown[actor.ID].Word != w.Word && holdLate(&nco.Held, actor.ID) {
		released = nco.Held
		nco.showHeld()
	}
	var ch Change
	ch.activity(&next)
	ch.mine(&next, actor.ID)
	// Whoever's word joined the cloud now is told it no longer waits.
	ch.mine(&next, released...)
	return next, ch, nil
}

func checkOutReveal(s State, _ time.Time, actor Member, _ json.RawMessage) (State, Change, error) {
	if err := requireFacilitator(actor); err != nil {
		return s, Change{}, err
	}
	co := s.Current.CheckOut()
	if co == nil {
		return s, Change{}, errorf(CodeClosed, "There is no check-out now.")
	}
	if co.Revealed {
		return s, Change{}, errorf(CodeClosed, "The words are revealed already.")
	}
	next := s.clone()
	nco := next.Current.CheckOut()
	nco.Revealed = true
	nco.Shown = cloneMap(nco.Words)
	var ch Change
	ch.activity(&next)
	return next, ch, nil
}

// CloudWord is a word of the check-out cloud and how many chose it.
type CloudWord struct {
	Word  string `json:"word"`
	Count int    `json:"count"`
}

// Cloud returns the check-out's words with their counts, most frequent
// first; words are compared without case.
func (co *CheckOut) Cloud() []CloudWord { return cloudOf(co.Words) }

// cloudOf returns the cloud of the words.
func cloudOf(given map[string]Word) []CloudWord {
	// Earliest first, so the spelling shown for a word is the first one given.
	words := make([]Word, 0, len(given))
	for _, w := range given {
		words = append(words, w)
	}
	sort.Slice(words, func(i, j int) bool {
		if !words[i].At.Equal(words[j].At) {
			return words[i].At.Before(words[j].At)
		}
		return words[i].MemberID < words[j].MemberID
	})
	counts := map[string]*CloudWord{}
	var order []string
	for _, w := range words {
		key := strings.ToLower(w.Word)
		if c, ok := counts[key]; ok {
			c.Count++
			continue
		}
		counts[key] = &CloudWord{Word: w.Word, Count: 1}
		order = append(order, key)
	}
	out := make([]CloudWord, 0, len(order))
	for _, k := range order {
		out = append(out, *counts[k])
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return strings.ToLower(out[i].Word) < strings.ToLower(out[j].Word)
	})
	return out
}

// --- what each member sees --------------------------------------------------

type wordView struct {
	MemberID string  `json:"memberId,omitempty"`
	Name     string  `json:"name,omitempty"`
	Word     string  `json:"word"`
	State    Arousal `json:"state,omitempty"`
	// Arrival is how the member arrived (their latest check-in state this
	// session), for facilitators to compare with how they leave.
	Arrival Arousal `json:"arrival,omitempty"`
	At      int64   `json:"at"`
	// Held, in the member's own word: given after the reveal, it waits to
	// join the cloud with another.
	Held bool `json:"held,omitempty"`
}

type checkOutView struct {
	ID            string      `json:"id"`
	Kind          string      `json:"kind"`
	ItemID        string      `json:"itemId"`
	Prompt        string      `json:"prompt"`
	ClosingCheck  bool        `json:"closingCheck"`
	Revealed      bool        `json:"revealed"`
	StartedAt     int64       `json:"startedAt"`
	AnsweredCount int         `json:"answeredCount"`
	Expected      int         `json:"expected"`
	Words         []wordView  `json:"words,omitempty"`
	Cloud         []CloudWord `json:"cloud,omitempty"`
}

func (co *CheckOut) view(s *State, itemID string, role Role) any {
	v := &checkOutView{
		ID: co.ID, Kind: string(KindCheckOut), ItemID: itemID, Prompt: co.Prompt,
		ClosingCheck: co.ClosingCheck, Revealed: co.Revealed, StartedAt: millis(co.StartedAt),
		AnsweredCount: len(co.Words), Expected: s.Expected(),
	}
	if role == Facilitator {
		v.Words = make([]wordView, 0, len(co.Words))
		for _, w := range co.Words {
			v.Words = append(v.Words, wordView{MemberID: w.MemberID, Name: memberName(s, w.MemberID), Word: w.Word,
				State: w.State, Arrival: arrivalIn(s.History, w.MemberID), At: millis(w.At)})
		}
		sort.Slice(v.Words, func(i, j int) bool {
			if v.Words[i].At != v.Words[j].At {
				return v.Words[i].At < v.Words[j].At
			}
			return v.Words[i].MemberID < v.Words[j].MemberID
		})
	}
	// Words without names: the cloud tells nobody who chose what.
	if role == Facilitator {
		v.Cloud = co.Cloud()
	} else if co.Revealed {
		v.Cloud = co.shownCloud()
	}
	return v
}

func (co *CheckOut) mine(_ *State, memberID string) (string, any) {
	w, ok := co.Words[memberID]
	if !ok {
		return "", nil
	}
	return "word", &wordView{Word: w.Word, State: w.State, At: millis(w.At), Held: slices.Contains(co.Held, memberID)}
}

// --- afterwards --------------------------------------------------------------

// SummaryWord is a check-out word with who gave it, and how they arrived.
type SummaryWord struct {
	MemberID string  `json:"memberId"`
	Name     string  `json:"name"`
	Word     string  `json:"word"`
	State    Arousal `json:"state,omitempty"`
	// Arrival is the member's state in the latest check-in they answered
	// before this check-out, "" when none.
	Arrival Arousal   `json:"arrival,omitempty"`
	At      time.Time `json:"at"`
}

// CheckOutSection is a check-out's words, the closing states beside the
// arrival states, and the cloud.
type CheckOutSection struct {
	Prompt       string        `json:"prompt"`
	ClosingCheck bool          `json:"closingCheck"`
	Revealed     bool          `json:"revealed"`
	Words        []SummaryWord `json:"words"`
	Unanswered   []string      `json:"unanswered"`
	Cloud        []CloudWord   `json:"cloud"`
}

func (co *CheckOut) section(s *State, before []Activity) any {
	out := &CheckOutSection{
		Prompt: co.Prompt, ClosingCheck: co.ClosingCheck, Revealed: co.Revealed,
		Words: make([]SummaryWord, 0, len(co.Words)), Cloud: co.Cloud(),
	}
	for _, w := range co.Words {
		out.Words = append(out.Words, SummaryWord{
			MemberID: w.MemberID, Name: memberName(s, w.MemberID), Word: w.Word, State: w.State,
			Arrival: arrivalIn(before, w.MemberID), At: w.At,
		})
	}
	sort.Slice(out.Words, func(i, j int) bool {
		return byTime(out.Words[i].At, out.Words[j].At, out.Words[i].MemberID, out.Words[j].MemberID)
	})
	out.Unanswered = unanswered(s, func(id string) bool { _, ok := co.Words[id]; return ok })
	return out
}

// JourneyWord is the participant's own check-out.
type JourneyWord struct {
	Word  string  `json:"word"`
	State Arousal `json:"state,omitempty"`
}

// JourneyCheckOut is a check-out: the participant's own word and, when it
// was revealed, the group's cloud without names.
type JourneyCheckOut struct {
	Prompt string       `json:"prompt"`
	Mine   *JourneyWord `json:"mine,omitempty"`
	Cloud  []CloudWord  `json:"cloud"`
}

func (co *CheckOut) moment(_ *State, memberID string) any {
	out := &JourneyCheckOut{Prompt: co.Prompt, Cloud: []CloudWord{}}
	if w, ok := co.Words[memberID]; ok {
		out.Mine = &JourneyWord{Word: w.Word, State: w.State}
	}
	if co.Revealed {
		out.Cloud = co.shownCloud()
	}
	return out
}

// A check-out's closing check tells care in the room how each person leaves.
var _ windowRun = (*CheckOut)(nil)

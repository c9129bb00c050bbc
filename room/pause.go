package room

import (
	"encoding/json"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// Grounding is a shared pause: a countdown and an optional breathing pacer.
// Everything is absolute server time, so every screen, a reconnect and a
// restart all show the same moment.
type Grounding struct {
	ID        string    `json:"id"`
	Seconds   int       `json:"seconds"`
	Breath    *Breath   `json:"breath,omitempty"`
	StartedAt time.Time `json:"startedAt"`
	// EndsAt is when the countdown reaches zero; meaningless while paused.
	EndsAt time.Time `json:"endsAt"`
	Paused bool      `json:"paused"`
	// Remaining is what was left when paused.
	Remaining time.Duration `json:"remaining"`
	// CycleStart is the moment the breath cycle is counted from. A resume
	// moves it on by the pause's length, so the breath goes on where it
	// stopped.
	CycleStart time.Time `json:"cycleStart"`
	PausedAt   time.Time `json:"pausedAt,omitzero"`
	EndedAt    time.Time `json:"endedAt,omitzero"`
}

func currentGrounding(s State, actor Member) (*Grounding, error) {
	if err := requireFacilitator(actor); err != nil {
		return nil, err
	}
	if s.Current == nil || s.Current.Grounding == nil {
		return nil, errorf(CodeClosed, "There is no grounding pause now.")
	}
	return s.Current.Grounding, nil
}

func groundingPause(s State, now time.Time, actor Member) (State, Change, error) {
	g, err := currentGrounding(s, actor)
	if err != nil {
		return s, Change{}, err
	}
	if g.Paused {
		return s, Change{}, errorf(CodeClosed, "The pause is paused already.")
	}
	next := s.clone()
	ng := next.Current.Grounding
	ng.Paused = true
	ng.PausedAt = now
	ng.Remaining = max(ng.EndsAt.Sub(now), 0)
	return next, Change{Activity: true}, nil
}

func groundingResume(s State, now time.Time, actor Member) (State, Change, error) {
	g, err := currentGrounding(s, actor)
	if err != nil {
		return s, Change{}, err
	}
	if !g.Paused {
		return s, Change{}, errorf(CodeClosed, "The pause is not paused.")
	}
	next := s.clone()
	ng := next.Current.Grounding
	ng.Paused = false
	ng.EndsAt = now.Add(ng.Remaining)
	ng.CycleStart = ng.CycleStart.Add(now.Sub(ng.PausedAt))
	ng.Remaining = 0
	ng.PausedAt = time.Time{}
	return next, Change{Activity: true}, nil
}

func groundingExtend(s State, now time.Time, actor Member, data json.RawMessage) (State, Change, error) {
	if _, err := currentGrounding(s, actor); err != nil {
		return s, Change{}, err
	}
	add, err := extension(data)
	if err != nil {
		return s, Change{}, err
	}
	next := s.clone()
	ng := next.Current.Grounding
	if ng.Paused {
		ng.Remaining += add
	} else {
		// A pause that has finished starts counting again from now.
		ng.EndsAt = later(ng.EndsAt, now).Add(add)
	}
	ng.Seconds += int(add / time.Second)
	return next, Change{Activity: true}, nil
}

// extension decodes an extend command's {"seconds": n}.
func extension(data json.RawMessage) (time.Duration, error) {
	var in struct {
		Seconds int `json:"seconds"`
	}
	if err := decode(data, &in); err != nil {
		return 0, err
	}
	if in.Seconds < 1 || in.Seconds > MaxExtendSeconds {
		return 0, errorf(CodeInvalid, "Extend by 1 to %d seconds.", MaxExtendSeconds)
	}
	return time.Duration(in.Seconds) * time.Second, nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
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
}

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
	if s.Current == nil || s.Current.CheckOut == nil {
		return s, Change{}, errorf(CodeClosed, "There is no check-out now.")
	}
	co := s.Current.CheckOut
	var in struct {
		Word  string  `json:"word"`
		State Arousal `json:"state"`
	}
	if err := decode(data, &in); err != nil {
		return s, Change{}, err
	}
	in.Word = strings.Join(strings.Fields(in.Word), " ")
	if in.Word == "" {
		return s, Change{}, errorf(CodeInvalid, "Write a word, or a few.")
	}
	if utf8.RuneCountInString(in.Word) > MaxWord {
		return s, Change{}, errorf(CodeInvalid, "The check-out is longer than %d characters.", MaxWord)
	}
	if co.ClosingCheck {
		switch in.State {
		case Hypo, Within, Hyper:
		default:
			return s, Change{}, errorf(CodeInvalid, "Choose hypo-aroused, within the window or hyper-aroused.")
		}
	} else {
		in.State = ""
	}
	next := s.clone()
	next.Current.CheckOut.Words[actor.ID] = Word{MemberID: actor.ID, Word: in.Word, State: in.State, At: now}
	return next, Change{Activity: true, Mine: actor.ID}, nil
}

func checkOutReveal(s State, actor Member) (State, Change, error) {
	if err := requireFacilitator(actor); err != nil {
		return s, Change{}, err
	}
	if s.Current == nil || s.Current.CheckOut == nil {
		return s, Change{}, errorf(CodeClosed, "There is no check-out now.")
	}
	if s.Current.CheckOut.Revealed {
		return s, Change{}, errorf(CodeClosed, "The words are revealed already.")
	}
	next := s.clone()
	next.Current.CheckOut.Revealed = true
	return next, Change{Activity: true}, nil
}

// CloudWord is a word of the check-out cloud and how many chose it.
type CloudWord struct {
	Word  string `json:"word"`
	Count int    `json:"count"`
}

// Cloud returns the check-out's words with their counts, most frequent
// first; words are compared without case.
func (co *CheckOut) Cloud() []CloudWord {
	// Earliest first, so the spelling shown for a word is the first one given.
	words := make([]Word, 0, len(co.Words))
	for _, w := range co.Words {
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

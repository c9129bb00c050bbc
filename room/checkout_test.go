package room

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// checkingOut returns a room running the check-out (with a closing check
// when closing) and the given words.
func checkingOut(closing bool, words ...Word) State {
	s := running("i-out", t0.Add(time.Minute))
	s.Current.CheckOut().ClosingCheck = closing
	for _, w := range words {
		s.Current.CheckOut().Words[w.MemberID] = w
	}
	return s
}

func TestApplyCheckOutWord(t *testing.T) {
	word := func(w string, state Arousal) Command {
		return command(TypeCheckOutWord, map[string]any{"word": w, "state": state})
	}
	earlier := Word{MemberID: "p1", Word: "heavy", State: Hypo, At: t0.Add(2 * time.Minute)}
	other := Word{MemberID: "p2", Word: "open", State: Hyper, At: t0.Add(3 * time.Minute)}
	wantWords := func(want ...Word) func(tb testing.TB, before, after State) {
		return func(tb testing.TB, before, after State) {
			tb.Helper()
			m := map[string]Word{}
			for _, w := range want {
				m[w.MemberID] = w
			}
			if got := after.Current.CheckOut().Words; !reflect.DeepEqual(got, m) {
				tb.Errorf("got words %+v, want %+v", got, m)
			}
			a, b := *after.Current.CheckOut(), *before.Current.CheckOut()
			a.Words, b.Words = nil, nil
			if !reflect.DeepEqual(a, b) {
				tb.Errorf("the check-out changed beyond its words: got %+v, want %+v", a, b)
			}
		}
	}
	mine := heard{Activity: true, Mine: []string{"p1"}}
	// A closing state is the member's latest: the facilitators' people move.
	closing := heard{Activity: true, Mine: []string{"p1"}, People: true}
	tests := []step{
		{
			name: "with a closing state", state: checkingOut(true), actor: "p1", cmd: word("lighter", Within), change: closing,
			check: wantWords(Word{MemberID: "p1", Word: "lighter", State: Within, At: now}),
		},
		{
			name: "trimmed, inner whitespace collapsed", state: checkingOut(false), actor: "p1", cmd: word(" \t so   much\n\nlighter  ", ""), change: mine,
			check: wantWords(Word{MemberID: "p1", Word: "so much lighter", At: now}),
		},
		{
			name: "40 characters", state: checkingOut(false), actor: "p1", cmd: word(strings.Repeat("🌿", MaxWord), ""), change: mine,
			check: wantWords(Word{MemberID: "p1", Word: strings.Repeat("🌿", MaxWord), At: now}),
		},
		{
			name: "40 characters once the spaces are collapsed", state: checkingOut(false), actor: "p1", cmd: word("  a    "+strings.Repeat("b", MaxWord-2)+"  ", ""), change: mine,
			check: wantWords(Word{MemberID: "p1", Word: "a " + strings.Repeat("b", MaxWord-2), At: now}),
		},
		{
			name: "without a closing check the state is dropped", state: checkingOut(false), actor: "p1", cmd: word("lighter", Hyper), change: mine,
			check: wantWords(Word{MemberID: "p1", Word: "lighter", At: now}),
		},
		{
			name: "without a closing check a bad state is ignored", state: checkingOut(false), actor: "p1", cmd: word("lighter", "calm"), change: mine,
			check: wantWords(Word{MemberID: "p1", Word: "lighter", At: now}),
		},
		{
			name: "a new word replaces the old", state: checkingOut(true, earlier, other), actor: "p1", cmd: word("lighter", Within), change: closing,
			check: wantWords(Word{MemberID: "p1", Word: "lighter", State: Within, At: now}, other),
		},
		{
			name: "after the reveal", state: func() State {
				s := checkingOut(true, other)
				s.Current.CheckOut().Revealed = true
				return s
			}(), actor: "p1", cmd: word("lighter", Hypo), change: closing,
			check: wantWords(Word{MemberID: "p1", Word: "lighter", State: Hypo, At: now}, other),
		},
		{name: "an empty word", state: checkingOut(false), actor: "p1", cmd: word("", ""), wantCode: CodeInvalid},
		{name: "a blank word", state: checkingOut(false), actor: "p1", cmd: word(" \t\n ", ""), wantCode: CodeInvalid},
		{name: "41 characters", state: checkingOut(false), actor: "p1", cmd: word(strings.Repeat("🌿", MaxWord+1), ""), wantCode: CodeInvalid},
		{name: "a closing check without a state", state: checkingOut(true), actor: "p1", cmd: command(TypeCheckOutWord, map[string]any{"word": "lighter"}), wantCode: CodeInvalid},
		{name: "a closing check with an unknown state", state: checkingOut(true), actor: "p1", cmd: word("lighter", "calm"), wantCode: CodeInvalid},
		{name: "a word that is not a string", state: checkingOut(false), actor: "p1", cmd: command(TypeCheckOutWord, `{"word":7}`), wantCode: CodeInvalid},
		{name: "from a facilitator", state: checkingOut(false), actor: "f1", cmd: word("lighter", ""), wantCode: CodeNotAllowed},
		{name: "while gathering", state: planned(), actor: "p1", cmd: word("lighter", ""), wantCode: CodeClosed},
		{name: "during a grounding", state: groundingSince(now), actor: "p1", cmd: word("lighter", ""), wantCode: CodeClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runStep(t, tc) })
	}
}

func TestApplyCheckOutReveal(t *testing.T) {
	reveal := command(TypeCheckOutReveal, nil)
	w := Word{MemberID: "p2", Word: "open", State: Hyper, At: t0.Add(3 * time.Minute)}
	revealed := checkingOut(true, w)
	revealed.Current.CheckOut().Revealed = true
	tests := []step{
		{
			name: "the facilitator reveals", state: checkingOut(true, w), actor: "f1", cmd: reveal, change: heard{Activity: true},
			check: func(tb testing.TB, before, after State) {
				want := fullCopy(before).Current
				want.CheckOut().Revealed = true
				want.CheckOut().Shown = maps.Clone(want.CheckOut().Words)
				if !reflect.DeepEqual(after.Current, want) {
					tb.Errorf("got %+v, want %+v", after.Current.CheckOut(), want.CheckOut())
				}
			},
		},
		{name: "twice", state: revealed, actor: "f1", cmd: reveal, wantCode: CodeClosed},
		{name: "by a participant", state: checkingOut(true, w), actor: "p2", cmd: reveal, wantCode: CodeNotAllowed},
		{name: "while gathering", state: planned(), actor: "f1", cmd: reveal, wantCode: CodeClosed},
		{name: "during a grounding", state: groundingSince(now), actor: "f1", cmd: reveal, wantCode: CodeClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runStep(t, tc) })
	}
}

func TestCloud(t *testing.T) {
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	tests := []struct {
		name  string
		words []Word
		want  []CloudWord
	}{
		{name: "no words", words: nil, want: []CloudWord{}},
		{
			name:  "one word",
			words: []Word{{MemberID: "p1", Word: "lighter", At: at(1)}},
			want:  []CloudWord{{"lighter", 1}},
		},
		{
			name: "words are counted without case, shown as first given",
			words: []Word{
				{MemberID: "p3", Word: "LIGHTER", At: at(3)},
				{MemberID: "p1", Word: "lighter", At: at(2)},
				{MemberID: "p2", Word: "Lighter", At: at(1)},
			},
			want: []CloudWord{{"Lighter", 3}},
		},
		{
			name: "the most frequent first",
			words: []Word{
				{MemberID: "p1", Word: "calm", At: at(1)},
				{MemberID: "p2", Word: "open", At: at(2)},
				{MemberID: "p3", Word: "Open", At: at(3)},
				{MemberID: "p4", Word: "tired", At: at(4)},
				{MemberID: "p5", Word: "tired", At: at(5)},
				{MemberID: "p6", Word: "TIRED", At: at(6)},
			},
			want: []CloudWord{{"tired", 3}, {"open", 2}, {"calm", 1}},
		},
		{
			name: "ties in alphabetical order, whatever the case",
			words: []Word{
				{MemberID: "p1", Word: "Zen", At: at(1)},
				{MemberID: "p2", Word: "apple", At: at(2)},
				{MemberID: "p3", Word: "Moss", At: at(3)},
				{MemberID: "p4", Word: "birch", At: at(4)},
			},
			want: []CloudWord{{"apple", 1}, {"birch", 1}, {"Moss", 1}, {"Zen", 1}},
		},
		{
			name: "at the same moment the lower member ID gave it first",
			words: []Word{
				{MemberID: "p2", Word: "OPEN", At: at(1)},
				{MemberID: "p1", Word: "Open", At: at(1)},
			},
			want: []CloudWord{{"Open", 2}},
		},
		{
			name: "phrases are words",
			words: []Word{
				{MemberID: "p1", Word: "so much lighter", At: at(1)},
				{MemberID: "p2", Word: "So Much Lighter", At: at(2)},
				{MemberID: "p3", Word: "lighter", At: at(3)},
			},
			want: []CloudWord{{"so much lighter", 2}, {"lighter", 1}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			co := &CheckOut{Words: map[string]Word{}}
			for _, w := range tc.words {
				co.Words[w.MemberID] = w
			}
			// Map order varies; the cloud must not.
			for range 20 {
				got := co.Cloud()
				if len(got) != len(tc.want) || len(got) > 0 && !reflect.DeepEqual(got, tc.want) {
					t.Fatalf("got cloud %+v, want %+v", got, tc.want)
				}
			}
		})
	}
}

// The words of the check-out visibility tests. They are unique, so finding
// one anywhere in the bytes a member receives means it leaked.
var (
	samWord = Word{MemberID: "p1", Word: "lighter", State: Hyper, At: t0.Add(2 * time.Minute)}
	kimWord = Word{MemberID: "p2", Word: "heavier", State: Hypo, At: t0.Add(3 * time.Minute)}
)

type wireWord struct {
	MemberID string `json:"memberId"`
	Name     string `json:"name"`
	Word     string `json:"word"`
	State    string `json:"state"`
	At       int64  `json:"at"`
}

type wireCloudWord struct {
	Word  string `json:"word"`
	Count int    `json:"count"`
}

type wireCheckOut struct {
	ID            string          `json:"id"`
	Kind          string          `json:"kind"`
	ItemID        string          `json:"itemId"`
	Prompt        string          `json:"prompt"`
	ClosingCheck  bool            `json:"closingCheck"`
	Revealed      bool            `json:"revealed"`
	AnsweredCount int             `json:"answeredCount"`
	Expected      int             `json:"expected"`
	Words         []wireWord      `json:"words"`
	Cloud         []wireCloudWord `json:"cloud"`
}

func TestCheckOutVisibility(t *testing.T) {
	at := t0.Add(20 * time.Minute)
	names := []string{"Ana", "Sam", "Kim", "Lee"}
	states := []string{"hypo", "within", "hyper"}
	wantCloud := []wireCloudWord{{"heavier", 1}, {"lighter", 1}}
	wantWords := []wireWord{
		{MemberID: "p1", Name: "Sam", Word: "lighter", State: "hyper", At: samWord.At.UnixMilli()},
		{MemberID: "p2", Name: "Kim", Word: "heavier", State: "hypo", At: kimWord.At.UnixMilli()},
	}
	own := map[string]*Word{"p1": &samWord, "p2": &kimWord}
	for _, revealed := range []bool{false, true} {
		s := checkingOut(true, samWord, kimWord)
		s.Current.CheckOut().Revealed = revealed
		s.Version = 12
		// Sam's word is the change: Sam gets mine, everyone the activity.
		var ch Change
		ch.activity(&s)
		ch.mine(&s, "p1")
		f := newFanout(s.Version, at, ch.parts, nil)
		for _, id := range []string{"f1", "p1", "p2", "p3"} {
			m, _ := s.Member(id)
			for _, msg := range []wireMsg{decodeMsg(t, snapshot(&s, m, at)), decodeMsg(t, f.messageTo(m).Data)} {
				name := msg.Type + " for " + id + " before the reveal"
				if revealed {
					name = msg.Type + " for " + id + " after the reveal"
				}
				t.Run(name, func(t *testing.T) {
					raw, ok := roomPart(t, msg, "activity")
					if !ok {
						t.Fatalf("got no activity in %s", msg.raw)
					}
					var got wireCheckOut
					if err := json.Unmarshal(raw, &got); err != nil {
						t.Fatalf("decode %s: %v", raw, err)
					}
					keys := activityKeys(t, raw)
					if got.ID != "act-i-out" || got.Kind != "checkout" || got.ItemID != "i-out" || got.Prompt != checkOutPrompt ||
						!got.ClosingCheck || got.Revealed != revealed || got.AnsweredCount != 2 || got.Expected != 3 {
						t.Errorf("got %s, want the check-out with 2 of 3 answered, revealed %v", raw, revealed)
					}

					if m.Role == Facilitator {
						if !reflect.DeepEqual(got.Words, wantWords) {
							t.Errorf("got words %+v, want %+v", got.Words, wantWords)
						}
						if !reflect.DeepEqual(got.Cloud, wantCloud) {
							t.Errorf("got cloud %+v, want %+v", got.Cloud, wantCloud)
						}
						return
					}

					if _, ok := keys["words"]; ok {
						t.Errorf("a participant got words: %s", raw)
					}
					if revealed {
						if !reflect.DeepEqual(got.Cloud, wantCloud) {
							t.Errorf("got cloud %+v, want %+v", got.Cloud, wantCloud)
						}
					} else if _, ok := keys["cloud"]; ok {
						t.Errorf("a participant got the cloud before the reveal: %s", raw)
					}
					// Never a name or a state next to the words.
					for _, secret := range append(append([]string{"memberId", `"name"`, `"state"`}, names...), states...) {
						if bytes.Contains(raw, []byte(secret)) {
							t.Errorf("a participant's check-out holds %q: %s", secret, raw)
						}
					}
					// Nobody else's word before the reveal, nobody else's
					// state ever, anywhere in the message.
					for other, w := range own {
						if other == id {
							continue
						}
						if !revealed && bytes.Contains(msg.raw, []byte(w.Word)) {
							t.Errorf("%s received %s's word %q before the reveal: %s", id, other, w.Word, msg.raw)
						}
						if mw := own[id]; mw == nil || mw.State != w.State {
							if bytes.Contains(msg.raw, []byte(w.State)) {
								t.Errorf("%s received %s's closing state %q: %s", id, other, w.State, msg.raw)
							}
						}
					}

					mineRaw, hasMine := roomPart(t, msg, "mine")
					wantsMine := own[id] != nil && (msg.Type == "snapshot" || id == "p1")
					if !wantsMine {
						if msg.Type == "event" && hasMine {
							t.Errorf("%s got mine in another member's event: %s", id, msg.raw)
						}
						if msg.Type == "snapshot" && string(mineRaw) != "{}" {
							t.Errorf("got mine %s, want {}", mineRaw)
						}
						return
					}
					var mine struct {
						Word map[string]any `json:"word"`
					}
					if err := json.Unmarshal(mineRaw, &mine); err != nil {
						t.Fatalf("decode mine %s: %v", mineRaw, err)
					}
					w := own[id]
					want := map[string]any{"word": w.Word, "state": string(w.State), "at": float64(w.At.UnixMilli())}
					if !reflect.DeepEqual(mine.Word, want) {
						t.Errorf("got mine.word %v, want %v", mine.Word, want)
					}
				})
			}
		}
	}
}

func TestCheckOutViewDetails(t *testing.T) {
	at := t0.Add(20 * time.Minute)
	decode := func(t *testing.T, s State, id string) (wireCheckOut, json.RawMessage) {
		t.Helper()
		m, _ := s.Member(id)
		msg := decodeMsg(t, snapshot(&s, m, at))
		raw, _ := roomPart(t, msg, "activity")
		var co wireCheckOut
		if err := json.Unmarshal(raw, &co); err != nil {
			t.Fatalf("decode %s: %v", raw, err)
		}
		mine, _ := roomPart(t, msg, "mine")
		return co, mine
	}
	t.Run("before any word", func(t *testing.T) {
		s := checkingOut(true)
		for _, id := range []string{"f1", "p1"} {
			co, _ := decode(t, s, id)
			if co.AnsweredCount != 0 || co.Expected != 3 || len(co.Words) != 0 || len(co.Cloud) != 0 {
				t.Errorf("%s: got %+v, want nothing answered of 3", id, co)
			}
		}
	})
	t.Run("words of the same moment in member order", func(t *testing.T) {
		same := t0.Add(2 * time.Minute)
		s := checkingOut(false,
			Word{MemberID: "p3", Word: "c", At: same},
			Word{MemberID: "p1", Word: "a", At: same},
			Word{MemberID: "p2", Word: "b", At: same.Add(-time.Second)},
		)
		co, _ := decode(t, s, "f1")
		var got []string
		for _, w := range co.Words {
			got = append(got, w.MemberID)
		}
		if want := []string{"p2", "p1", "p3"}; !reflect.DeepEqual(got, want) {
			t.Errorf("got words of %v, want %v", got, want)
		}
	})
	t.Run("without a closing check mine has no state", func(t *testing.T) {
		s := checkingOut(false, Word{MemberID: "p1", Word: "lighter", At: t0.Add(2 * time.Minute)})
		_, mine := decode(t, s, "p1")
		if want := fmt.Sprintf(`{"word":{"word":"lighter","at":%d}}`, t0.Add(2*time.Minute).UnixMilli()); string(mine) != want {
			t.Errorf("got mine %s, want %s", mine, want)
		}
	})
}

func (r *CheckOut) testCopy() Run {
	co := *r
	co.Words = maps.Clone(r.Words)
	co.Shown = maps.Clone(r.Shown)
	co.Held = slices.Clone(r.Held)
	return &co
}

func (r *CheckOut) scribble() {
	r.Revealed = !r.Revealed
	r.Prompt = "scribbled"
	r.Words["scribbled"] = Word{Word: "scribbled"}
	if r.Shown != nil {
		r.Shown["scribbled"] = Word{Word: "scribbled"}
	}
	for i := range r.Held {
		r.Held[i] = "scribbled"
	}
}

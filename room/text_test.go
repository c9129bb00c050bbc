package room

import "testing"

func TestCleanText(t *testing.T) {
	cases := []struct {
		name, in, line, text string
	}{
		{"plain text is only trimmed", "  Sam  ", "Sam", "Sam"},
		{"a right-to-left override", "Sam\u202egnp.exe", "Samgnp.exe", "Samgnp.exe"},
		{"every embedding and override", "a\u202ab\u202bc\u202cd\u202de\u202ef", "abcdef", "abcdef"},
		{"isolates and marks", "\u2066a\u2067b\u2068c\u2069\u200ed\u200fe\u061c", "abcde", "abcde"},
		{"C0 controls and DEL", "a\x00b\x07c\x1bd\x7f", "abcd", "abcd"},
		{"C1 controls", "a\u0085b\u009bc", "abc", "abc"},
		{"line breaks", "one\r\ntwo\rthree\nfour", "one two three four", "one\ntwo\nthree\nfour"},
		{"Unicode line and paragraph separators", "a\u2028b\u2029c", "a b c", "a\nb\nc"},
		{"tabs", "a\tb", "a b", "a\tb"},
		{"white space left once cleaned", "\u202e \n", "", ""},
		{"what other scripts need stays", "سلام עולם 👩\u200d👩\u200d👧 می\u200cخواهم", "سلام עולם 👩\u200d👩\u200d👧 می\u200cخواهم", "سلام עולם 👩\u200d👩\u200d👧 می\u200cخواهم"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := CleanLine(tc.in); got != tc.line {
				t.Errorf("CleanLine(%+q) = %+q, want %+q", tc.in, got, tc.line)
			}
			if got := CleanText(tc.in); got != tc.text {
				t.Errorf("CleanText(%+q) = %+q, want %+q", tc.in, got, tc.text)
			}
		})
	}
}

// TestRoomTextsAreCleaned checks what members write in the room, and what
// facilitators plan, on its way into the state.
func TestRoomTextsAreCleaned(t *testing.T) {
	s, _, err := Apply(gathering(), now, "f1", command(TypeAgendaAdd, map[string]any{
		"item": map[string]any{"kind": "checkin", "title": "Arrival\u202e\nnow", "prompt": "How are you\u2066 arriving?\nTake your time.", "visibility": "group"},
	}))
	if err != nil {
		t.Fatal(err)
	}
	it := s.Agenda[len(s.Agenda)-1]
	if it.Title != "Arrival now" {
		t.Errorf("title %+q, want one clean line", it.Title)
	}
	if p := it.Settings.(CheckInSettings).Prompt; p != "How are you arriving?\nTake your time." {
		t.Errorf("prompt %+q, want its lines without the isolate", p)
	}
	s, _, err = Apply(s, now, "f1", command(TypeAgendaStart, map[string]any{"itemId": it.ID}))
	if err != nil {
		t.Fatal(err)
	}
	s, _, err = Apply(s, now, "p1", command(TypeCheckInAnswer, map[string]any{
		"scale": 5, "state": Within, "feeling": "\u202dcalm\u202c\x07", "note": "first line\u200f\r\nsecond\x1b[31m",
	}))
	if err != nil {
		t.Fatal(err)
	}
	a := s.Current.CheckIn().Answers["p1"]
	if a.Feeling != "calm" || a.Note != "first line\nsecond[31m" {
		t.Errorf("answer %+q / %+q, want calm and two clean lines", a.Feeling, a.Note)
	}
}

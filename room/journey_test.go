package room

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestSetPresenceKeepsStays(t *testing.T) {
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	tests := []struct {
		name  string
		steps []Presence // applied at minutes 1, 2, 3, …
		want  []Stay
	}{
		{"never came", nil, nil},
		{"came and stayed", []Presence{Present}, []Stay{{From: at(1)}}},
		{"a reload is two stays", []Presence{Present, Reconnecting, Present}, []Stay{{at(1), at(2)}, {From: at(3)}}},
		{"gone after the grace", []Presence{Present, Reconnecting, Left}, []Stay{{at(1), at(2)}}},
		{"gone and back", []Presence{Present, Reconnecting, Left, Present}, []Stay{{at(1), at(2)}, {From: at(4)}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := gathering()
			s.Members[1].Presence, s.Members[1].FirstJoined = Absent, time.Time{}
			for i, p := range tt.steps {
				s, _, _ = setPresence(s, at(i+1), "p1", p)
			}
			if m, _ := s.Member("p1"); !reflect.DeepEqual(m.Stays, tt.want) {
				t.Errorf("stays %+v, want %+v", m.Stays, tt.want)
			}
		})
	}

	t.Run("a restart closes the stay when it marked them reconnecting", func(t *testing.T) {
		s := gathering()
		s.Members[1].Presence, s.Members[1].FirstJoined = Absent, time.Time{}
		s, _, _ = setPresence(s, at(1), "p1", Present)
		// Restore moves presence without setPresence.
		s.Members[1].Presence, s.Members[1].Since = Reconnecting, at(5)
		s, _, _ = setPresence(s, at(6), "p1", Present)
		if m, _ := s.Member("p1"); !reflect.DeepEqual(m.Stays, []Stay{{at(1), at(5)}, {From: at(6)}}) {
			t.Errorf("stays %+v, want one to the restart and one from the return", m.Stays)
		}
		s.Members[1].Presence, s.Members[1].Since = Reconnecting, at(8)
		s, _, _ = setPresence(s, at(9), "p1", Left)
		if m, _ := s.Member("p1"); !reflect.DeepEqual(m.Stays, []Stay{{at(1), at(5)}, {at(6), at(8)}}) {
			t.Errorf("stays %+v, want the second closed at the restart", m.Stays)
		}
	})

	t.Run("someone who came before stays were kept is here since they first came", func(t *testing.T) {
		s := gathering() // FirstJoined t0, no stays: a room stored by an earlier version
		s.Members[1].Presence, s.Members[1].Since = Reconnecting, at(5)
		s, _, _ = setPresence(s, at(6), "p1", Present)
		if m, _ := s.Member("p1"); !reflect.DeepEqual(m.Stays, []Stay{{From: t0}}) {
			t.Errorf("stays %+v, want one from their first arrival", m.Stays)
		}
	})

	t.Run("a flaky connection merges the oldest, and clones keep theirs", func(t *testing.T) {
		s := gathering()
		s.Members[1].Presence, s.Members[1].FirstJoined = Absent, time.Time{}
		var kept State
		n := 2 * (maxStays + 5)
		for i := range n {
			p := Present
			if i%2 == 1 {
				p = Reconnecting
			}
			s, _, _ = setPresence(s, at(i+1), "p1", p)
			if i == 2*maxStays-2 {
				kept = s
			}
		}
		m, _ := s.Member("p1")
		if len(m.Stays) != maxStays {
			t.Fatalf("%d stays, want %d", len(m.Stays), maxStays)
		}
		if first, last := m.Stays[0], m.Stays[maxStays-1]; !first.From.Equal(at(1)) || !last.From.Equal(at(n-1)) || !last.To.Equal(at(n)) {
			t.Errorf("stays from %v to %v, want from the first arrival to the last drop", first, last)
		}
		for i := 1; i < len(m.Stays); i++ {
			if !m.Stays[i-1].To.Before(m.Stays[i].From) {
				t.Errorf("stays %d and %d overlap or touch: %+v", i-1, i, m.Stays)
			}
		}
		if km, _ := kept.Member("p1"); len(km.Stays) != maxStays || !km.Stays[maxStays-1].To.IsZero() || !km.Stays[0].To.Equal(at(2)) {
			t.Errorf("an earlier state's stays changed: %+v", km.Stays)
		}
	})
}

// TestJourneyHoldsWhatTheyWereThereFor checks Lee, who came late or left
// early, against pastSession: a check-in 1–5 min, a grounding 6–9, a
// check-in shared with the group 13–15 (Kim's answer "open-of-kim"), a
// check-out 50–55.
func TestJourneyHoldsWhatTheyWereThereFor(t *testing.T) {
	at := func(min int) time.Time { return t0.Add(time.Duration(min) * time.Minute) }
	tests := []struct {
		name    string
		stays   []Stay
		endedAt time.Time // the shared check-in's, when it left the screen
		want    []Kind
		sawKim  bool
	}{
		{name: "a room stored before stays: everything, as before",
			want: []Kind{KindCheckIn, KindGrounding, KindCheckIn, KindCheckOut}, sawKim: true},
		{name: "came during the grounding", stays: []Stay{{From: at(7)}},
			want: []Kind{KindGrounding, KindCheckIn, KindCheckOut}, sawKim: true},
		{name: "came in the middle of the shared check-in: all of its board", stays: []Stay{{From: at(14)}},
			want: []Kind{KindCheckIn, KindCheckOut}, sawKim: true},
		{name: "came after it closed, while its answers were still up", stays: []Stay{{From: at(17)}}, endedAt: at(20),
			want: []Kind{KindCheckIn, KindCheckOut}, sawKim: true},
		{name: "came after it left the screen", stays: []Stay{{From: at(21)}}, endedAt: at(20),
			want: []Kind{KindCheckOut}},
		{name: "came after a check-in stored without its end closed", stays: []Stay{{From: at(17)}},
			want: []Kind{KindCheckOut}},
		{name: "left before the shared check-in", stays: []Stay{{at(1), at(10)}},
			want: []Kind{KindCheckIn, KindGrounding}},
		{name: "away while it ran", stays: []Stay{{at(1), at(10)}, {From: at(30)}},
			want: []Kind{KindCheckIn, KindGrounding, KindCheckOut}},
		{name: "came after everything", stays: []Stay{{at(56), at(58)}},
			want: []Kind{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := pastSession()
			lee := &s.Members[3]
			lee.FirstJoined, lee.Presence, lee.Stays = t0, Left, tt.stays
			if len(tt.stays) > 0 {
				lee.FirstJoined = tt.stays[0].From
			}
			s.History[2].CheckIn().EndedAt = tt.endedAt
			j, ok := JourneyOf(s, "p3")
			if !ok || !j.Came {
				t.Fatalf("ok %v came %v, want a journey of someone who came", ok, j.Came)
			}
			got := []Kind{}
			for _, mo := range j.Moments {
				got = append(got, mo.Kind)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("moments %v, want %v", got, tt.want)
			}
			data, _ := json.Marshal(j)
			if saw := strings.Contains(string(data), "open-of-kim"); saw != tt.sawKim {
				t.Errorf("Kim's shared answer in the journey: %v, want %v: %s", saw, tt.sawKim, data)
			}
		})
	}

	t.Run("through presence: came late, dropped, came back", func(t *testing.T) {
		s := pastSession()
		s.History[2].CheckIn().EndedAt = at(16)
		for _, step := range []struct {
			min int
			p   Presence
		}{{17, Present}, {20, Reconnecting}, {21, Left}, {52, Present}} {
			s, _, _ = setPresence(s, at(step.min), "p3", step.p)
		}
		j, _ := JourneyOf(s, "p3")
		if len(j.Moments) != 1 || j.Moments[0].Kind != KindCheckOut {
			t.Errorf("moments %+v, want the check-out alone", j.Moments)
		}
	})
}

// TestJourneyOfAGroundingSaysHowLongItLasted runs grounding pauses of 180
// seconds through their commands and reads them back in a journey.
func TestJourneyOfAGroundingSaysHowLongItLasted(t *testing.T) {
	sec := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Second) }
	apply := func(tb testing.TB, s State, at time.Time, typ string) State {
		tb.Helper()
		next, _, err := Apply(s, at, "f1", Command{Type: typ, Data: []byte(`{"seconds": 60}`)})
		if err != nil {
			tb.Fatalf("%s: %v", typ, err)
		}
		return next
	}
	type step struct {
		at  int
		typ string
	}
	tests := []struct {
		name  string
		steps []step
		want  JourneyPause
	}{
		{name: "ran its course, then was ended",
			steps: []step{{200, TypeActivityEnd}},
			want:  JourneyPause{Seconds: 180, Ran: 200 * time.Second}},
		{name: "paused for a minute and ended early",
			steps: []step{{30, TypeGroundingPause}, {90, TypeGroundingResume}, {150, TypeActivityEnd}},
			want:  JourneyPause{Seconds: 180, Ran: 150 * time.Second, EndedEarly: true}},
		{name: "ended while paused",
			steps: []step{{170, TypeGroundingPause}, {300, TypeActivityEnd}},
			want:  JourneyPause{Seconds: 180, Ran: 300 * time.Second, EndedEarly: true}},
		{name: "extended, and given its whole time",
			steps: []step{{100, TypeGroundingExtend}, {240, TypeRoomClose}},
			want:  JourneyPause{Seconds: 240, Ran: 240 * time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := groundingSince(t0)
			for _, st := range tt.steps {
				s = apply(t, s, sec(st.at), st.typ)
			}
			j, _ := JourneyOf(s, "p1")
			if len(j.Moments) != 1 {
				t.Fatalf("moments %+v, want the grounding", j.Moments)
			}
			if got := detailOf[*JourneyPause](t, j.Moments[0].Detail); *got != tt.want {
				t.Errorf("got %+v, want %+v", *got, tt.want)
			}
		})
	}

	t.Run("a pause ended before its length was kept says what was planned", func(t *testing.T) {
		s := pastSession() // its grounding has no Ran
		j, _ := JourneyOf(s, "p1")
		data, _ := json.Marshal(j.Moments[1])
		if want := `"grounding":{"seconds":360}`; !strings.Contains(string(data), want) {
			t.Errorf("got %s, want %s", data, want)
		}
	})
}

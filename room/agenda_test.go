package room

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// The planned agenda of the agenda tests: one item of each kind. The prompts
// are unique, so finding one in the bytes a participant receives means the
// facilitator's plan leaked.
const (
	checkInPrompt  = "prompt-of-checkin: how are you arriving?"
	checkOutPrompt = "prompt-of-checkout: one word for how you leave"
)

func planItems() []Item {
	return []Item{
		{ID: "i-in", Kind: KindCheckIn, Title: "Arrival", Status: Pending, Settings: CheckInSettings{Prompt: checkInPrompt, Visibility: VisibleToGroup}},
		{ID: "i-ground", Kind: KindGrounding, Title: "Grounding", Status: Pending, Settings: GroundingSettings{Seconds: 180, Breath: &Breath{In: 4, Hold: 4, Out: 4, Rest: 4}}},
		{ID: "i-out", Kind: KindCheckOut, Title: "Check-out", Status: Pending, Settings: CheckOutSettings{Prompt: checkOutPrompt, ClosingCheck: true}},
	}
}

// planned returns a gathering room with the three planned items, all pending.
func planned() State {
	s := gathering()
	s.Agenda = planItems()
	return s
}

// withStatus returns s with the named items set to status st.
func withStatus(s State, st ItemStatus, ids ...string) State {
	s.Agenda = slices.Clone(s.Agenda)
	for _, id := range ids {
		i := s.itemIndex(id)
		if i < 0 {
			panic("no item " + id)
		}
		s.Agenda[i].Status = st
	}
	return s
}

// running returns planned() with item id running since started. The activity
// is built here, not by its settings' start, so a bug there cannot shape the
// fixture.
func running(id string, started time.Time) State {
	s := withStatus(planned(), Running, id)
	it := s.Agenda[s.itemIndex(id)]
	a := Activity{ItemID: id}
	switch set := it.Settings.(type) {
	case CheckInSettings:
		a.Run = &CheckIn{ID: "act-" + id, Prompt: set.Prompt, Visibility: set.Visibility, Open: true, StartedAt: started,
			Answers: map[string]Answer{}, Stepped: true}
	case GroundingSettings:
		a.Run = &Grounding{ID: "act-" + id, Seconds: set.Seconds, Breath: set.Breath, StartedAt: started,
			EndsAt: started.Add(time.Duration(set.Seconds) * time.Second), CycleStart: started}
	case CheckOutSettings:
		a.Run = &CheckOut{ID: "act-" + id, Prompt: set.Prompt, ClosingCheck: set.ClosingCheck, StartedAt: started, Words: map[string]Word{}}
	default:
		panic(fmt.Sprintf("running: no fixture for a %s", it.Kind))
	}
	s.Current = &a
	return s
}

// full returns a gathering room whose agenda has MaxItems pending items.
func full() State {
	s := gathering()
	for i := range MaxItems {
		it := NewItem("", CheckOutSettings{Prompt: "One word."})
		it.ID, it.Status = fmt.Sprintf("i-%d", i), Pending
		s.Agenda = append(s.Agenda, it)
	}
	return s
}

// statuses returns "id:status" for each agenda item, in order.
func statuses(s State) []string {
	out := make([]string, len(s.Agenda))
	for i, it := range s.Agenda {
		out[i] = it.ID + ":" + string(it.Status)
	}
	return out
}

func wantStatuses(tb testing.TB, s State, want ...string) {
	tb.Helper()
	if got := statuses(s); !reflect.DeepEqual(got, want) {
		tb.Errorf("got agenda %v, want %v", got, want)
	}
}

// fullCopy copies every part of s: the agenda, the activities of every kind,
// the applied actions and the journeys. It is written without the package's
// clone, so a bug there cannot hide a mutation.
func fullCopy(s State) State {
	c := s
	c.Members = slices.Clone(s.Members)
	c.Door.Removed, c.Door.TurnedAway = slices.Clone(s.Door.Removed), slices.Clone(s.Door.TurnedAway)
	if s.Agenda != nil {
		c.Agenda = make([]Item, len(s.Agenda))
		for i, it := range s.Agenda {
			if g, ok := it.Settings.(GroundingSettings); ok && g.Breath != nil {
				b := *g.Breath
				g.Breath = &b
				it.Settings = g
			}
			c.Agenda[i] = it
		}
	}
	if s.Current != nil {
		a := copyRun(*s.Current)
		c.Current = &a
	}
	if s.History != nil {
		c.History = make([]Activity, len(s.History))
		for i, a := range s.History {
			c.History[i] = copyRun(a)
		}
	}
	if s.Applied != nil {
		c.Applied = make(map[string][]AppliedAction, len(s.Applied))
		for k, v := range s.Applied {
			c.Applied[k] = slices.Clone(v)
		}
	}
	if s.Journeys != nil {
		c.Journeys = make(Journeys, len(s.Journeys))
		for k, v := range s.Journeys {
			v = slices.Clone(v)
			for i := range v {
				v[i].Reflections = slices.Clone(v[i].Reflections)
				v[i].Commitments = slices.Clone(v[i].Commitments)
			}
			c.Journeys[k] = v
		}
	}
	c.Signals, c.Flags = slices.Clone(s.Signals), slices.Clone(s.Flags)
	if s.Threads != nil {
		c.Threads = make(map[string]Thread, len(s.Threads))
		for k, t := range s.Threads {
			t.Messages = slices.Clone(t.Messages)
			c.Threads[k] = t
		}
	}
	return c
}

// copyRun copies an activity and everything its run holds, by the run's
// testCopy: each kind's test file says how, independently of the kind's own
// clone, which the tests check against it.
func copyRun(a Activity) Activity {
	out := Activity{ItemID: a.ItemID}
	if a.Run != nil {
		out.Run = a.Run.(testRun).testCopy()
	}
	return out
}

// testRun is what each kind's test file adds to its run: testCopy, a deep
// copy made without the run's clone, and scribble, which changes in place
// every part of the run a later transition may change in place.
type testRun interface {
	testCopy() Run
	scribble()
}

// scribbleAll changes every part of s that a later transition may change in
// place (the agenda, the current activity of any kind, the history's slots),
// to prove the state Apply returned shares none of it with its input.
func scribbleAll(s *State) {
	scribble(s)
	for i := range s.Agenda {
		s.Agenda[i].Title = "scribbled"
		s.Agenda[i].Status = "scribbled"
		s.Agenda[i].Settings = CheckOutSettings{Prompt: "scribbled"}
	}
	for i := range s.History {
		s.History[i] = Activity{ItemID: "scribbled"}
	}
	if s.Current == nil {
		return
	}
	s.Current.ItemID = "scribbled"
	if s.Current.Run != nil {
		s.Current.Run.(testRun).scribble()
	}
}

// step is one transition to check. Unlike applyCase it names what a success
// must tell whom, so no case can forget to check it.
type step struct {
	name     string
	state    State
	at       time.Time // when the command is applied; zero means now
	actor    string
	cmd      Command
	wantCode string // empty: the command is applied
	change   heard  // what a success tells
	check    func(tb testing.TB, before, after State)
}

// runStep checks what every transition keeps (the input is not changed, a
// refusal changes nothing and spends no version, a success spends one,
// remembers its action at it and tells what it names), then the case's own
// check.
func runStep(t *testing.T, tc step) {
	t.Helper()
	at := tc.at
	if at.IsZero() {
		at = now
	}
	before := fullCopy(tc.state)
	after, ch, err := Apply(tc.state, at, tc.actor, tc.cmd)
	if !reflect.DeepEqual(tc.state, before) {
		t.Fatalf("Apply changed its input state:\ngot  %+v\nwant %+v", tc.state, before)
	}
	if tc.wantCode != "" {
		if err == nil {
			t.Fatalf("got no error, want code %q", tc.wantCode)
		}
		if got := ErrorCode(err); got != tc.wantCode {
			t.Fatalf("got code %q (%v), want %q", got, err, tc.wantCode)
		}
		if e := (*Error)(nil); !errors.As(err, &e) || e.Message == "" {
			t.Errorf("got error %#v, want an *Error with a message a person can read", err)
		}
		if after.Version != before.Version {
			t.Errorf("got version %d after a refusal, want %d", after.Version, before.Version)
		}
		if !reflect.DeepEqual(after, before) {
			t.Errorf("a refusal returned a changed state:\ngot  %+v\nwant %+v", after, before)
		}
		if !reflect.DeepEqual(ch, Change{}) {
			t.Errorf("got change %+v after a refusal, want none", ch)
		}
		return
	}
	if err != nil {
		t.Fatalf("got error %v, want none", err)
	}
	// A quiet change keeps the version: no member may learn of it.
	if want := before.Version + 1; !tc.change.Quiet && after.Version != want {
		t.Errorf("got version %d, want %d", after.Version, want)
	} else if tc.change.Quiet && after.Version != before.Version {
		t.Errorf("got version %d after a quiet change, want %d", after.Version, before.Version)
	}
	wantRemembered(t, before, after, tc.actor, tc.cmd.ID)
	wantChange(t, ch, tc.change)
	if tc.check != nil {
		tc.check(t, before, after)
	}
	scribbleAll(&after)
	if !reflect.DeepEqual(tc.state, before) {
		t.Errorf("the state Apply returned shares memory with its input: changing it changed the input")
	}
}

// command returns a command with action ID a-1 and v as its data (none when
// v is nil).
func command(typ string, v any) Command {
	c := Command{Type: typ, ID: "a-1"}
	switch v := v.(type) {
	case nil:
	case string:
		c.Data = json.RawMessage(v)
	default:
		c.Data = data(v)
	}
	return c
}

func TestItemNormalize(t *testing.T) {
	box := func() *Breath { return &Breath{In: 4, Hold: 4, Out: 4, Rest: 4} }
	checkIn := func(prompt string, vis Visibility) Item {
		return NewItem("", CheckInSettings{Prompt: prompt, Visibility: vis})
	}
	ground := func(seconds int, b *Breath) Item { return NewItem("", GroundingSettings{Seconds: seconds, Breath: b}) }
	checkOut := func(prompt string) Item { return NewItem("", CheckOutSettings{Prompt: prompt}) }
	titled := func(title string) Item { return NewItem(title, GroundingSettings{Seconds: 60}) }
	tests := []struct {
		name     string
		in       Item
		want     Item   // when valid
		wantCode string // empty: valid
	}{
		{
			name: "a check-in is trimmed, keeping its ID and status",
			in:   Item{ID: "x", Status: Done, Kind: KindCheckIn, Title: "  Arrival \n", Settings: CheckInSettings{Prompt: "\t How are you? ", Visibility: VisibleToFacilitators}},
			want: Item{ID: "x", Status: Done, Kind: KindCheckIn, Title: "Arrival", Settings: CheckInSettings{Prompt: "How are you?", Visibility: VisibleToFacilitators}},
		},
		{name: "a group check-in", in: checkIn("Arriving", VisibleToGroup), want: checkIn("Arriving", VisibleToGroup)},
		{name: "an anonymous check-in", in: checkIn("Arriving", Anonymous), want: checkIn("Arriving", Anonymous)},
		{name: "a check-in prompt of 300 characters", in: checkIn(strings.Repeat("🌿", MaxPrompt), VisibleToGroup), want: checkIn(strings.Repeat("🌿", MaxPrompt), VisibleToGroup)},
		{name: "a check-in prompt of 301 characters", in: checkIn(strings.Repeat("🌿", MaxPrompt+1), VisibleToGroup), wantCode: CodeInvalid},
		{name: "an empty check-in prompt", in: checkIn("", VisibleToGroup), wantCode: CodeInvalid},
		{name: "a blank check-in prompt", in: checkIn(" \n\t ", VisibleToGroup), wantCode: CodeInvalid},
		{name: "an unknown visibility", in: checkIn("Arriving", "everyone"), wantCode: CodeInvalid},
		{name: "a missing visibility", in: checkIn("Arriving", ""), wantCode: CodeInvalid},

		{name: "a grounding with a pacer", in: ground(180, box()), want: ground(180, box())},
		{name: "a grounding without a pacer", in: ground(180, nil), want: ground(180, nil)},
		{name: "a grounding of 10 seconds", in: ground(MinGroundSeconds, nil), want: ground(MinGroundSeconds, nil)},
		{name: "a grounding of 1800 seconds", in: ground(MaxGroundSeconds, nil), want: ground(MaxGroundSeconds, nil)},
		{name: "a grounding of 9 seconds", in: ground(MinGroundSeconds-1, nil), wantCode: CodeInvalid},
		{name: "a grounding of 1801 seconds", in: ground(MaxGroundSeconds+1, nil), wantCode: CodeInvalid},
		{name: "a grounding of 0 seconds", in: ground(0, nil), wantCode: CodeInvalid},
		{name: "no hold and no rest", in: ground(60, &Breath{In: 1, Out: 1}), want: ground(60, &Breath{In: 1, Out: 1})},
		{name: "phases of 20 seconds", in: ground(60, &Breath{In: 20, Hold: 20, Out: 20, Rest: 20}), want: ground(60, &Breath{In: 20, Hold: 20, Out: 20, Rest: 20})},
		{name: "a hold of -1", in: ground(60, &Breath{In: 4, Hold: -1, Out: 4}), wantCode: CodeInvalid},
		{name: "a rest of -1", in: ground(60, &Breath{In: 4, Out: 4, Rest: -1}), wantCode: CodeInvalid},
		{name: "an in-breath of 21", in: ground(60, &Breath{In: 21, Out: 4}), wantCode: CodeInvalid},
		{name: "a rest of 21", in: ground(60, &Breath{In: 4, Out: 4, Rest: 21}), wantCode: CodeInvalid},
		{name: "an in-breath of 0", in: ground(60, &Breath{In: 0, Hold: 4, Out: 4, Rest: 4}), wantCode: CodeInvalid},
		{name: "an out-breath of 0", in: ground(60, &Breath{In: 4, Hold: 4, Out: 0, Rest: 4}), wantCode: CodeInvalid},
		{name: "a breath of zeros", in: ground(60, &Breath{}), wantCode: CodeInvalid},

		{name: "a check-out", in: NewItem("", CheckOutSettings{Prompt: "One word.", ClosingCheck: true}), want: NewItem("", CheckOutSettings{Prompt: "One word.", ClosingCheck: true})},
		{name: "a check-out without a closing check", in: checkOut("One word."), want: checkOut("One word.")},
		{name: "a check-out prompt of 300 characters", in: checkOut(strings.Repeat("é", MaxPrompt)), want: checkOut(strings.Repeat("é", MaxPrompt))},
		{name: "a check-out prompt of 301 characters", in: checkOut(strings.Repeat("é", MaxPrompt+1)), wantCode: CodeInvalid},
		{name: "an empty check-out prompt", in: checkOut(""), wantCode: CodeInvalid},

		{name: "an unknown kind", in: Item{Kind: "dance"}, wantCode: CodeInvalid},
		{name: "no kind", in: Item{Settings: CheckInSettings{Prompt: "Move", Visibility: VisibleToGroup}}, wantCode: CodeInvalid},
		{name: "settings of another kind", in: Item{Kind: KindCheckIn, Settings: GroundingSettings{Seconds: 60}}, wantCode: CodeInvalid},
		{name: "a kind without settings", in: Item{Kind: KindGrounding}, wantCode: CodeInvalid},
		{name: "a title of 100 characters", in: titled(strings.Repeat("🌿", MaxTitle)), want: titled(strings.Repeat("🌿", MaxTitle))},
		{name: "a title of 101 characters", in: titled(strings.Repeat("🌿", MaxTitle+1)), wantCode: CodeInvalid},
		{name: "a title of 100 characters with spaces around", in: titled("  " + strings.Repeat("a", MaxTitle) + " "), want: titled(strings.Repeat("a", MaxTitle))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := fullCopy(State{Agenda: []Item{tc.in}}).Agenda[0]
			got, err := tc.in.Normalize()
			if !reflect.DeepEqual(tc.in, in) {
				t.Errorf("Normalize changed its item: got %+v, want %+v", tc.in, in)
			}
			if tc.wantCode != "" {
				if got := ErrorCode(err); got != tc.wantCode {
					t.Fatalf("got code %q (%v), want %q", got, err, tc.wantCode)
				}
				if !reflect.DeepEqual(got, Item{}) {
					t.Errorf("got item %+v with the error, want none", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			if g, ok := got.Settings.(GroundingSettings); ok && g.Breath != nil && g.Breath == tc.in.Settings.(GroundingSettings).Breath {
				t.Error("the normalized item shares its breath with the input")
			}
		})
	}
}

// TestItemJSON decodes items as a client sends them. The settings of other
// kinds have no place in an item of a kind: they are dropped, not judged, and
// never sent on.
func TestItemJSON(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		want     Item
		wantKeys []string // the keys of the normalized item sent on
	}{
		{
			name:     "a check-in drops the settings of other kinds",
			in:       `{"id":"a","kind":"checkin","prompt":"Arriving","visibility":"group","seconds":60,"breath":{"in":4,"out":4},"closingCheck":true,"reveal":"named","mode":"round"}`,
			want:     Item{ID: "a", Kind: KindCheckIn, Settings: CheckInSettings{Prompt: "Arriving", Visibility: VisibleToGroup}},
			wantKeys: []string{"id", "kind", "prompt", "visibility"},
		},
		{
			name:     "a grounding drops the settings of other kinds",
			in:       `{"kind":"grounding","title":"Pause","status":"done","seconds":60,"prompt":"Breathe","visibility":"anonymous","closingCheck":true}`,
			want:     Item{Kind: KindGrounding, Title: "Pause", Status: Done, Settings: GroundingSettings{Seconds: 60}},
			wantKeys: []string{"id", "kind", "seconds", "status", "title"},
		},
		{
			name:     "a check-out drops the settings of other kinds",
			in:       `{"kind":"checkout","prompt":"One word.","visibility":"group","seconds":60,"breath":{"in":1,"out":1},"shareSeconds":60}`,
			want:     Item{Kind: KindCheckOut, Settings: CheckOutSettings{Prompt: "One word."}},
			wantKeys: []string{"id", "kind", "prompt"},
		},
		{
			name:     "a check-in ignores a broken breath",
			in:       `{"kind":"checkin","prompt":"Arriving","visibility":"group","seconds":-5,"breath":{"in":-1}}`,
			want:     Item{Kind: KindCheckIn, Settings: CheckInSettings{Prompt: "Arriving", Visibility: VisibleToGroup}},
			wantKeys: []string{"id", "kind", "prompt", "visibility"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var it Item
			if err := json.Unmarshal([]byte(tc.in), &it); err != nil {
				t.Fatalf("decode %s: %v", tc.in, err)
			}
			got, err := it.Normalize()
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
			b, err := json.Marshal(got)
			if err != nil {
				t.Fatal(err)
			}
			var keys map[string]json.RawMessage
			if err := json.Unmarshal(b, &keys); err != nil {
				t.Fatal(err)
			}
			if got := slices.Sorted(maps.Keys(keys)); !reflect.DeepEqual(got, tc.wantKeys) {
				t.Errorf("got keys %v in %s, want %v", got, b, tc.wantKeys)
			}
			var back Item
			if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, got) {
				t.Errorf("the item does not come back from its JSON %s: got %+v, %v", b, back, err)
			}
		})
	}
	t.Run("an unknown kind decodes without settings and is refused", func(t *testing.T) {
		var it Item
		if err := json.Unmarshal([]byte(`{"kind":"dance","prompt":"Move"}`), &it); err != nil {
			t.Fatalf("decode: %v", err)
		}
		if it.Settings != nil {
			t.Errorf("got settings %+v for an unknown kind, want none", it.Settings)
		}
		if _, err := it.Normalize(); ErrorCode(err) != CodeInvalid {
			t.Errorf("got %v, want the item refused", err)
		}
	})
}

func TestPlanAgenda(t *testing.T) {
	n := func(k int) []Item {
		items := make([]Item, k)
		for i := range items {
			items[i] = NewItem("", GroundingSettings{Seconds: 60})
		}
		return items
	}
	withID := func(id string, it Item) Item {
		it.ID = id
		return it
	}
	withStatus := func(st ItemStatus, it Item) Item {
		it.Status = st
		return it
	}
	ground := NewItem("", GroundingSettings{Seconds: 60})
	tests := []struct {
		name     string
		in       []Item
		wantCode string
		check    func(tb testing.TB, in, got []Item)
	}{
		{
			name: "an agenda of each kind is planned",
			in: []Item{
				withID("a", NewItem("", CheckInSettings{Prompt: " Arriving ", Visibility: VisibleToGroup})),
				withID("b", NewItem("", GroundingSettings{Seconds: 120, Breath: &Breath{In: 4, Out: 6}})),
				withID("c", NewItem("", CheckOutSettings{Prompt: "One word.", ClosingCheck: true})),
			},
			check: func(tb testing.TB, _, got []Item) {
				want := []Item{
					{ID: "a", Kind: KindCheckIn, Status: Pending, Settings: CheckInSettings{Prompt: "Arriving", Visibility: VisibleToGroup}},
					{ID: "b", Kind: KindGrounding, Status: Pending, Settings: GroundingSettings{Seconds: 120, Breath: &Breath{In: 4, Out: 6}}},
					{ID: "c", Kind: KindCheckOut, Status: Pending, Settings: CheckOutSettings{Prompt: "One word.", ClosingCheck: true}},
				}
				if !reflect.DeepEqual(got, want) {
					tb.Errorf("got %+v, want %+v", got, want)
				}
			},
		},
		{name: "an empty agenda", in: nil, check: func(tb testing.TB, _, got []Item) {
			if len(got) != 0 {
				tb.Errorf("got %+v, want no items", got)
			}
		}},
		{name: "30 items", in: n(MaxItems), check: func(tb testing.TB, _, got []Item) {
			if len(got) != MaxItems {
				tb.Errorf("got %d items, want %d", len(got), MaxItems)
			}
		}},
		{name: "31 items", in: n(MaxItems + 1), wantCode: CodeInvalid},
		{
			name:     "one invalid item refuses the agenda",
			in:       []Item{ground, NewItem("", CheckInSettings{Prompt: "", Visibility: VisibleToGroup})},
			wantCode: CodeInvalid,
		},
		{
			name: "missing, duplicate and overlong IDs get fresh ones",
			in: []Item{
				withID("keep", ground),
				ground,
				withID("keep", ground),
				ground,
				withID(strings.Repeat("x", MaxID+1), ground),
				withID(strings.Repeat("y", MaxID), ground),
			},
			check: func(tb testing.TB, _, got []Item) {
				if got[0].ID != "keep" {
					tb.Errorf("got first ID %q, want %q kept", got[0].ID, "keep")
				}
				if got[5].ID != strings.Repeat("y", MaxID) {
					tb.Errorf("got an ID of %d characters replaced by %q, want it kept", MaxID, got[5].ID)
				}
				seen := map[string]int{}
				for i, it := range got {
					if it.ID == "" || len(it.ID) > MaxID {
						tb.Errorf("item %d: got ID %q, want one of 1 to %d bytes", i, it.ID, MaxID)
					}
					if j, ok := seen[it.ID]; ok {
						tb.Errorf("items %d and %d share the ID %q", j, i, it.ID)
					}
					seen[it.ID] = i
				}
			},
		},
		{
			name: "statuses are cleared to pending",
			in: []Item{
				withStatus(Done, ground),
				withStatus(Running, ground),
				withStatus(Skipped, ground),
				withStatus("weird", ground),
				ground,
			},
			check: func(tb testing.TB, _, got []Item) {
				for i, it := range got {
					if it.Status != Pending {
						tb.Errorf("item %d: got status %q, want %q", i, it.Status, Pending)
					}
				}
			},
		},
		{
			name: "an item of settings of another kind refuses the agenda",
			in:   []Item{ground, {Kind: KindCheckOut, Settings: GroundingSettings{Seconds: 60}}}, wantCode: CodeInvalid,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := fullCopy(State{Agenda: tc.in}).Agenda
			got, err := PlanAgenda(tc.in)
			if !reflect.DeepEqual(tc.in, in) {
				t.Errorf("PlanAgenda changed its input: got %+v, want %+v", tc.in, in)
			}
			if tc.wantCode != "" {
				if code := ErrorCode(err); code != tc.wantCode {
					t.Fatalf("got code %q (%v), want %q", code, err, tc.wantCode)
				}
				if got != nil {
					t.Errorf("got items %+v with the error, want none", got)
				}
				return
			}
			if err != nil {
				t.Fatalf("got error %v, want none", err)
			}
			if len(got) != len(tc.in) {
				t.Fatalf("got %d items, want %d", len(got), len(tc.in))
			}
			if tc.check != nil {
				tc.check(t, tc.in, got)
			}
		})
	}
}

func TestBuiltinTemplates(t *testing.T) {
	templates := BuiltinTemplates()
	if len(templates) == 0 {
		t.Fatal("got no built-in templates")
	}
	seen := map[string]bool{}
	for _, tpl := range templates {
		t.Run(tpl.ID, func(t *testing.T) {
			if tpl.ID == "" || tpl.Name == "" || !tpl.Builtin {
				t.Errorf("got template %+v, want an ID, a name and builtin", tpl)
			}
			if seen[tpl.ID] {
				t.Errorf("the ID %q is used twice", tpl.ID)
			}
			seen[tpl.ID] = true
			if len(tpl.Items) == 0 {
				t.Error("the template has no items")
			}
			got, err := PlanAgenda(tpl.Items)
			if err != nil {
				t.Fatalf("the template does not plan: %v", err)
			}
			for i, it := range tpl.Items {
				// Planning changes nothing of a built-in item but its ID and status.
				want := got[i]
				want.ID, want.Status = it.ID, it.Status
				if !reflect.DeepEqual(it, want) {
					t.Errorf("item %d: got %+v, want it already normal: %+v", i, it, want)
				}
			}
		})
	}
	t.Run("each call returns its own items", func(t *testing.T) {
		a, b := BuiltinTemplates(), BuiltinTemplates()
		a[0].Items[0].Settings = CheckInSettings{Prompt: "scribbled"}
		for _, it := range a[0].Items {
			if g, ok := it.Settings.(GroundingSettings); ok && g.Breath != nil {
				g.Breath.In = 99
			}
		}
		if !reflect.DeepEqual(b, BuiltinTemplates()) {
			t.Error("changing one call's templates changed another's")
		}
	})
}

func TestApplyAgendaAdd(t *testing.T) {
	add := func(item Item, after string) Command {
		return command(TypeAgendaAdd, map[string]any{"item": item, "after": after})
	}
	ground := Item{Kind: KindGrounding, Title: " Pause ", Settings: GroundingSettings{Seconds: 60}}
	added := func(at int) func(tb testing.TB, before, after State) {
		return func(tb testing.TB, before, after State) {
			tb.Helper()
			if got, want := len(after.Agenda), len(before.Agenda)+1; got != want {
				tb.Fatalf("got %d items, want %d", got, want)
			}
			it := after.Agenda[at]
			if it.ID == "" || before.itemIndex(it.ID) >= 0 {
				tb.Errorf("got ID %q, want a fresh one", it.ID)
			}
			want := Item{ID: it.ID, Kind: KindGrounding, Title: "Pause", Status: Pending, Settings: GroundingSettings{Seconds: 60}}
			if !reflect.DeepEqual(it, want) {
				tb.Errorf("got item %+v at %d, want %+v", it, at, want)
			}
			rest := slices.Delete(slices.Clone(after.Agenda), at, at+1)
			if len(rest) != len(before.Agenda) || len(rest) > 0 && !reflect.DeepEqual(rest, before.Agenda) {
				tb.Errorf("the other items changed: got %v, want %v", statuses(State{Agenda: rest}), statuses(before))
			}
		}
	}
	tests := []step{
		{
			name: "at the end", state: planned(), actor: "f1", cmd: add(ground, ""),
			change: heard{Agenda: true}, check: added(3),
		},
		{
			name: "after an item", state: planned(), actor: "f1", cmd: add(ground, "i-in"),
			change: heard{Agenda: true}, check: added(1),
		},
		{
			name: "after the last item", state: planned(), actor: "f1", cmd: add(ground, "i-out"),
			change: heard{Agenda: true}, check: added(3),
		},
		{
			name: "to an empty agenda", state: gathering(), actor: "f1", cmd: add(ground, ""),
			change: heard{Agenda: true}, check: added(0),
		},
		{
			name: "after a done item, while another runs", state: withStatus(running("i-ground", now), Done, "i-in"), actor: "f1", cmd: add(ground, "i-in"),
			change: heard{Agenda: true},
			check: func(tb testing.TB, before, after State) {
				added(1)(tb, before, after)
				if !reflect.DeepEqual(after.Current, before.Current) {
					tb.Errorf("the running activity changed: got %+v, want %+v", after.Current, before.Current)
				}
			},
		},
		{
			name: "the client's ID and status are not taken", state: planned(), actor: "f1",
			cmd:    add(Item{ID: "i-in", Status: Done, Kind: KindGrounding, Title: "Pause", Settings: GroundingSettings{Seconds: 60}}, ""),
			change: heard{Agenda: true}, check: added(3),
		},
		{name: "after an unknown item", state: planned(), actor: "f1", cmd: add(ground, "nope"), wantCode: CodeInvalid},
		{name: "a 31st item", state: full(), actor: "f1", cmd: add(ground, ""), wantCode: CodeInvalid},
		{name: "an invalid item", state: planned(), actor: "f1", cmd: add(Item{Kind: KindGrounding, Settings: GroundingSettings{Seconds: 5}}, ""), wantCode: CodeInvalid},
		{name: "an item of no kind", state: planned(), actor: "f1", cmd: command(TypeAgendaAdd, `{"after":""}`), wantCode: CodeInvalid},
		{name: "malformed data", state: planned(), actor: "f1", cmd: command(TypeAgendaAdd, `{"item":`), wantCode: CodeInvalid},
		{name: "by a participant", state: planned(), actor: "p1", cmd: add(ground, ""), wantCode: CodeNotAllowed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runStep(t, tc) })
	}
}

func TestApplyAgendaEdit(t *testing.T) {
	edit := func(item Item) Command { return command(TypeAgendaEdit, map[string]any{"item": item}) }
	newOut := Item{ID: "i-out", Kind: KindCheckOut, Title: " Goodbye ", Settings: CheckOutSettings{Prompt: " A word to leave with. "}}
	edited := func(status ItemStatus) func(tb testing.TB, before, after State) {
		return func(tb testing.TB, before, after State) {
			tb.Helper()
			want := slices.Clone(before.Agenda)
			want[2] = Item{ID: "i-out", Kind: KindCheckOut, Title: "Goodbye", Status: status, Settings: CheckOutSettings{Prompt: "A word to leave with."}}
			if !reflect.DeepEqual(after.Agenda, want) {
				tb.Errorf("got agenda %+v, want %+v", after.Agenda, want)
			}
		}
	}
	withDone := withStatus(planned(), Done, "i-out")
	tests := []step{
		{
			name: "a pending item", state: planned(), actor: "f1", cmd: edit(newOut),
			change: heard{Agenda: true}, check: edited(Pending),
		},
		{
			name: "a skipped item stays skipped", state: withStatus(planned(), Skipped, "i-out"), actor: "f1", cmd: edit(newOut),
			change: heard{Agenda: true}, check: edited(Skipped),
		},
		{
			name: "the status sent is not taken", state: planned(), actor: "f1",
			cmd:    edit(Item{ID: "i-out", Kind: KindCheckOut, Title: "Goodbye", Status: Done, Settings: CheckOutSettings{Prompt: "A word to leave with."}}),
			change: heard{Agenda: true}, check: edited(Pending),
		},
		{
			name: "while another item runs", state: running("i-in", now), actor: "f1", cmd: edit(newOut),
			change: heard{Agenda: true}, check: edited(Pending),
		},
		{name: "a running item", state: running("i-out", now), actor: "f1", cmd: edit(newOut), wantCode: CodeClosed},
		{name: "a done item", state: withDone, actor: "f1", cmd: edit(newOut), wantCode: CodeClosed},
		{name: "an unknown item", state: planned(), actor: "f1", cmd: edit(Item{ID: "nope", Kind: KindGrounding, Settings: GroundingSettings{Seconds: 60}}), wantCode: CodeInvalid},
		{name: "no ID", state: planned(), actor: "f1", cmd: edit(Item{Kind: KindGrounding, Settings: GroundingSettings{Seconds: 60}}), wantCode: CodeInvalid},
		{name: "invalid settings", state: planned(), actor: "f1", cmd: edit(Item{ID: "i-ground", Kind: KindGrounding, Settings: GroundingSettings{Seconds: 1801}}), wantCode: CodeInvalid},
		{name: "an empty prompt", state: planned(), actor: "f1", cmd: edit(Item{ID: "i-out", Kind: KindCheckOut, Settings: CheckOutSettings{Prompt: " "}}), wantCode: CodeInvalid},
		{name: "malformed data", state: planned(), actor: "f1", cmd: command(TypeAgendaEdit, `{"item":[]}`), wantCode: CodeInvalid},
		{name: "a change of kind", state: planned(), actor: "f1", cmd: edit(Item{ID: "i-out", Kind: KindGrounding, Settings: GroundingSettings{Seconds: 60}}), wantCode: CodeInvalid},
		{name: "by a participant", state: planned(), actor: "p1", cmd: edit(newOut), wantCode: CodeNotAllowed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runStep(t, tc) })
	}
}

func TestApplyAgendaRemove(t *testing.T) {
	remove := func(id string) Command { return command(TypeAgendaRemove, map[string]any{"itemId": id}) }
	tests := []step{
		{
			name: "a pending item", state: planned(), actor: "f1", cmd: remove("i-ground"), change: heard{Agenda: true},
			check: func(tb testing.TB, _, after State) { wantStatuses(tb, after, "i-in:pending", "i-out:pending") },
		},
		{
			name: "a skipped item", state: withStatus(planned(), Skipped, "i-in"), actor: "f1", cmd: remove("i-in"), change: heard{Agenda: true},
			check: func(tb testing.TB, _, after State) { wantStatuses(tb, after, "i-ground:pending", "i-out:pending") },
		},
		{
			name: "the last item", state: planned(), actor: "f1", cmd: remove("i-out"), change: heard{Agenda: true},
			check: func(tb testing.TB, _, after State) { wantStatuses(tb, after, "i-in:pending", "i-ground:pending") },
		},
		{name: "a running item", state: running("i-ground", now), actor: "f1", cmd: remove("i-ground"), wantCode: CodeClosed},
		{name: "a done item", state: withStatus(planned(), Done, "i-in"), actor: "f1", cmd: remove("i-in"), wantCode: CodeClosed},
		{name: "an unknown item", state: planned(), actor: "f1", cmd: remove("nope"), wantCode: CodeInvalid},
		{name: "no item", state: planned(), actor: "f1", cmd: command(TypeAgendaRemove, nil), wantCode: CodeInvalid},
		{name: "malformed data", state: planned(), actor: "f1", cmd: command(TypeAgendaRemove, `"i-in"`), wantCode: CodeInvalid},
		{name: "by a participant", state: planned(), actor: "p1", cmd: remove("i-in"), wantCode: CodeNotAllowed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runStep(t, tc) })
	}
}

func TestApplyAgendaMove(t *testing.T) {
	move := func(id string, to int) Command {
		return command(TypeAgendaMove, map[string]any{"itemId": id, "to": to})
	}
	order := func(want ...string) func(tb testing.TB, before, after State) {
		return func(tb testing.TB, _, after State) {
			tb.Helper()
			var got []string
			for _, it := range after.Agenda {
				got = append(got, it.ID)
			}
			if !reflect.DeepEqual(got, want) {
				tb.Errorf("got order %v, want %v", got, want)
			}
		}
	}
	tests := []step{
		{name: "to 0", state: planned(), actor: "f1", cmd: move("i-out", 0), change: heard{Agenda: true}, check: order("i-out", "i-in", "i-ground")},
		{name: "to the last place", state: planned(), actor: "f1", cmd: move("i-in", 2), change: heard{Agenda: true}, check: order("i-ground", "i-out", "i-in")},
		{name: "to the middle", state: planned(), actor: "f1", cmd: move("i-in", 1), change: heard{Agenda: true}, check: order("i-ground", "i-in", "i-out")},
		{name: "to where it is", state: planned(), actor: "f1", cmd: move("i-ground", 1), change: heard{Agenda: true}, check: order("i-in", "i-ground", "i-out")},
		{
			name: "a skipped item keeps its status", state: withStatus(planned(), Skipped, "i-out"), actor: "f1", cmd: move("i-out", 0), change: heard{Agenda: true},
			check: func(tb testing.TB, _, after State) {
				wantStatuses(tb, after, "i-out:skipped", "i-in:pending", "i-ground:pending")
			},
		},
		{
			name: "past a running item", state: running("i-in", now), actor: "f1", cmd: move("i-out", 0), change: heard{Agenda: true},
			check: func(tb testing.TB, before, after State) {
				order("i-out", "i-in", "i-ground")(tb, before, after)
				if !reflect.DeepEqual(after.Current, before.Current) {
					tb.Errorf("the running activity changed: got %+v, want %+v", after.Current, before.Current)
				}
			},
		},
		{name: "one place past the end", state: planned(), actor: "f1", cmd: move("i-in", 3), wantCode: CodeInvalid},
		{name: "to -1", state: planned(), actor: "f1", cmd: move("i-in", -1), wantCode: CodeInvalid},
		{name: "without a place", state: planned(), actor: "f1", cmd: command(TypeAgendaMove, map[string]any{"itemId": "i-in"}), wantCode: CodeInvalid},
		{name: "to null", state: planned(), actor: "f1", cmd: command(TypeAgendaMove, `{"itemId":"i-in","to":null}`), wantCode: CodeInvalid},
		{name: "to a string", state: planned(), actor: "f1", cmd: command(TypeAgendaMove, `{"itemId":"i-in","to":"0"}`), wantCode: CodeInvalid},
		{name: "a running item", state: running("i-ground", now), actor: "f1", cmd: move("i-ground", 0), wantCode: CodeClosed},
		{name: "a done item", state: withStatus(planned(), Done, "i-in"), actor: "f1", cmd: move("i-in", 2), wantCode: CodeClosed},
		{name: "an unknown item", state: planned(), actor: "f1", cmd: move("nope", 0), wantCode: CodeInvalid},
		{name: "by a participant", state: planned(), actor: "p1", cmd: move("i-in", 1), wantCode: CodeNotAllowed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runStep(t, tc) })
	}
}

func TestApplyAgendaSkip(t *testing.T) {
	skip := func(id string) Command { return command(TypeAgendaSkip, map[string]any{"itemId": id}) }
	tests := []step{
		{
			name: "a pending item is skipped", state: planned(), actor: "f1", cmd: skip("i-ground"), change: heard{Agenda: true},
			check: func(tb testing.TB, _, after State) {
				wantStatuses(tb, after, "i-in:pending", "i-ground:skipped", "i-out:pending")
			},
		},
		{
			name: "while another item runs", state: running("i-in", now), actor: "f1", cmd: skip("i-ground"), change: heard{Agenda: true},
			check: func(tb testing.TB, before, after State) {
				wantStatuses(tb, after, "i-in:running", "i-ground:skipped", "i-out:pending")
				if !reflect.DeepEqual(after.Current, before.Current) {
					tb.Errorf("the running activity changed: got %+v, want %+v", after.Current, before.Current)
				}
			},
		},
		{name: "a skipped item again", state: withStatus(planned(), Skipped, "i-ground"), actor: "f1", cmd: skip("i-ground"), wantCode: CodeClosed},
		{name: "a running item", state: running("i-ground", now), actor: "f1", cmd: skip("i-ground"), wantCode: CodeClosed},
		{name: "a done item", state: withStatus(planned(), Done, "i-in"), actor: "f1", cmd: skip("i-in"), wantCode: CodeClosed},
		{name: "an unknown item", state: planned(), actor: "f1", cmd: skip("nope"), wantCode: CodeInvalid},
		{name: "by a participant", state: planned(), actor: "p2", cmd: skip("i-in"), wantCode: CodeNotAllowed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runStep(t, tc) })
	}
}

// wantStarted checks that item id runs as a fresh activity started at now,
// with its item's settings, and that nothing else of the room changed but
// the item's status.
func wantStarted(tb testing.TB, before, after State, id string) {
	tb.Helper()
	i := before.itemIndex(id)
	if i < 0 {
		tb.Fatalf("no item %s before", id)
	}
	it := before.Agenda[i]
	wantAgenda := slices.Clone(before.Agenda)
	wantAgenda[i].Status = Running
	if !reflect.DeepEqual(after.Agenda, wantAgenda) {
		tb.Errorf("got agenda %v, want %v", statuses(after), statuses(State{Agenda: wantAgenda}))
	}
	a := after.Current
	if a == nil {
		tb.Fatal("got no running activity")
	}
	if a.ItemID != id {
		tb.Errorf("got itemId %q, want %q", a.ItemID, id)
	}
	if a.Kind() != it.Kind {
		tb.Fatalf("got an activity of kind %q, want %q: %+v", a.Kind(), it.Kind, a)
	}
	actID := runID(*a)
	got := copyRun(*a)
	setRunID(got.Run, "")
	var want Run
	switch set := it.Settings.(type) {
	case CheckInSettings:
		want = &CheckIn{Prompt: set.Prompt, Visibility: set.Visibility, Open: true, StartedAt: now, Answers: map[string]Answer{}, Stepped: true}
	case GroundingSettings:
		want = &Grounding{Seconds: set.Seconds, Breath: set.Breath, StartedAt: now,
			EndsAt: now.Add(time.Duration(set.Seconds) * time.Second), CycleStart: now}
	case CheckOutSettings:
		want = &CheckOut{Prompt: set.Prompt, ClosingCheck: set.ClosingCheck, StartedAt: now, Words: map[string]Word{}}
	default:
		tb.Fatalf("wantStarted knows no %s", it.Kind)
	}
	if !reflect.DeepEqual(got.Run, want) {
		tb.Errorf("got %s %+v, want %+v", it.Kind, got.Run, want)
	}
	if actID == "" {
		tb.Error("the activity has no ID")
	}
	for _, h := range before.History {
		if runID(h) == actID {
			tb.Errorf("the activity has the ID %q of an earlier one, want a fresh one", actID)
		}
	}
}

// runID returns the ID of a run of any kind.
func runID(a Activity) string {
	switch r := a.Run.(type) {
	case *CheckIn:
		return r.ID
	case *Grounding:
		return r.ID
	case *Intentions:
		return r.ID
	case *Circle:
		return r.ID
	case *CheckOut:
		return r.ID
	}
	return ""
}

// setRunID sets the ID of a run of any kind.
func setRunID(run Run, id string) {
	switch r := run.(type) {
	case *CheckIn:
		r.ID = id
	case *Grounding:
		r.ID = id
	case *Intentions:
		r.ID = id
	case *Circle:
		r.ID = id
	case *CheckOut:
		r.ID = id
	}
}

// ranBefore returns planned() with item id done and a finished run of it in
// the history.
func ranBefore(id string) State {
	r := running(id, t0.Add(time.Minute))
	a := *r.Current
	switch run := a.Run.(type) {
	case *CheckIn:
		run.Answers["p1"] = Answer{MemberID: "p1", Scale: 3, State: Hypo, At: t0.Add(2 * time.Minute)}
		run.Open, run.ClosedAt = false, t0.Add(3*time.Minute)
	case *Grounding:
		run.EndedAt = t0.Add(4 * time.Minute)
	case *CheckOut:
		run.Words["p1"] = Word{MemberID: "p1", Word: "lighter", State: Within, At: t0.Add(2 * time.Minute)}
		run.Revealed, run.EndedAt = true, t0.Add(3*time.Minute)
	}
	s := withStatus(planned(), Done, id)
	s.History = []Activity{a}
	return s
}

func TestApplyAgendaStart(t *testing.T) {
	start := func(id string) Command { return command(TypeAgendaStart, map[string]any{"itemId": id}) }
	started := func(id string) func(tb testing.TB, before, after State) {
		return func(tb testing.TB, before, after State) {
			tb.Helper()
			wantStarted(tb, before, after, id)
			if !reflect.DeepEqual(after.History, before.History) {
				tb.Errorf("the history changed: got %+v, want %+v", after.History, before.History)
			}
		}
	}
	both := heard{Agenda: true, Activity: true}
	var tests []step
	for _, id := range []string{"i-in", "i-ground", "i-out"} {
		tests = append(tests,
			step{name: "a pending " + id, state: planned(), actor: "f1", cmd: start(id), change: both, check: started(id)},
			step{name: "a skipped " + id, state: withStatus(planned(), Skipped, id), actor: "f1", cmd: start(id), change: both, check: started(id)},
			step{name: "a done " + id + " runs again, fresh", state: ranBefore(id), actor: "f1", cmd: start(id), change: both, check: started(id)},
		)
	}
	tests = append(tests,
		step{
			name: "a grounding without a pacer", state: func() State {
				s := planned()
				s.Agenda[1].Settings = GroundingSettings{Seconds: 180}
				return s
			}(), actor: "f1", cmd: start("i-ground"), change: both, check: started("i-ground"),
		},
		step{name: "while another item runs", state: running("i-in", now), actor: "f1", cmd: start("i-out"), wantCode: CodeClosed},
		step{name: "the running item", state: running("i-in", now), actor: "f1", cmd: start("i-in"), wantCode: CodeClosed},
		step{name: "while a check-in without an item runs", state: func() State {
			s := withCheckIn(VisibleToGroup, true)
			s.Agenda = planItems()
			return s
		}(), actor: "f1", cmd: start("i-in"), wantCode: CodeClosed},
		step{name: "an unknown item", state: planned(), actor: "f1", cmd: start("nope"), wantCode: CodeInvalid},
		step{name: "no item", state: planned(), actor: "f1", cmd: command(TypeAgendaStart, nil), wantCode: CodeInvalid},
		step{name: "malformed data", state: planned(), actor: "f1", cmd: command(TypeAgendaStart, `{"itemId":1}`), wantCode: CodeInvalid},
		step{name: "by a participant", state: planned(), actor: "p1", cmd: start("i-in"), wantCode: CodeNotAllowed},
	)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runStep(t, tc) })
	}
}

// wantEnded checks that the activity running in before is the last entry of
// after's history, finished at now if it was still open, and that its item
// is done.
func wantEnded(tb testing.TB, before, after State) {
	tb.Helper()
	if got, want := len(after.History), len(before.History)+1; got != want {
		tb.Fatalf("got %d activities in the history, want %d", got, want)
	}
	if len(before.History) > 0 && !reflect.DeepEqual(after.History[:len(before.History)], before.History) {
		tb.Errorf("earlier history changed: got %+v, want %+v", after.History[:len(before.History)], before.History)
	}
	got := after.History[len(after.History)-1]
	want := copyRun(*before.Current)
	switch r := want.Run.(type) {
	case *CheckIn:
		if r.Open {
			r.Open, r.ClosedAt = false, now
		}
		if r.EndedAt.IsZero() {
			r.EndedAt = now
		}
	case *Grounding:
		if r.EndedAt.IsZero() {
			r.EndedAt, r.Ran = now, now.Sub(r.StartedAt)
		}
	case *CheckOut:
		if r.EndedAt.IsZero() {
			r.EndedAt = now
		}
	default:
		tb.Fatalf("wantEnded knows no %s", want.Kind())
	}
	if !reflect.DeepEqual(got, want) {
		tb.Errorf("got history entry %+v, want %+v", got, want)
	}
	if i := after.itemIndex(before.Current.ItemID); i >= 0 && after.Agenda[i].Status != Done {
		tb.Errorf("item %s: got status %q, want done", before.Current.ItemID, after.Agenda[i].Status)
	}
}

func TestApplyAgendaNext(t *testing.T) {
	next := command(TypeAgendaNext, nil)
	both := heard{Agenda: true, Activity: true}
	runningIn := running("i-in", t0.Add(time.Minute))
	runningIn.Current.CheckIn().Answers["p2"] = Answer{MemberID: "p2", Scale: 7, State: Within, At: t0.Add(2 * time.Minute)}
	lastRunning := withStatus(running("i-out", t0.Add(time.Minute)), Done, "i-in", "i-ground")
	lastRunning.Current.CheckOut().Words["p1"] = Word{MemberID: "p1", Word: "lighter", State: Within, At: t0.Add(2 * time.Minute)}
	tests := []step{
		{
			name: "from gathering it starts the first item", state: planned(), actor: "f1", cmd: next, change: both,
			check: func(tb testing.TB, before, after State) { wantStarted(tb, before, after, "i-in") },
		},
		{
			name: "from gathering it starts the first pending item", state: withStatus(planned(), Done, "i-in"), actor: "f1", cmd: next, change: both,
			check: func(tb testing.TB, before, after State) { wantStarted(tb, before, after, "i-ground") },
		},
		{
			name: "it passes over skipped items", state: withStatus(planned(), Skipped, "i-in", "i-ground"), actor: "f1", cmd: next, change: both,
			check: func(tb testing.TB, before, after State) { wantStarted(tb, before, after, "i-out") },
		},
		{
			name: "it ends the running item and starts the next", state: runningIn, actor: "f1", cmd: next, change: both,
			check: func(tb testing.TB, before, after State) {
				wantEnded(tb, before, after)
				wantStatuses(tb, after, "i-in:done", "i-ground:running", "i-out:pending")
				if after.Current == nil || after.Current.ItemID != "i-ground" || after.Current.Grounding() == nil {
					tb.Errorf("got current %+v, want the grounding running", after.Current)
				}
			},
		},
		{
			name: "the last item ends and the room gathers", state: lastRunning, actor: "f1", cmd: next, change: both,
			check: func(tb testing.TB, before, after State) {
				wantEnded(tb, before, after)
				wantStatuses(tb, after, "i-in:done", "i-ground:done", "i-out:done")
				if after.Current != nil {
					tb.Errorf("got current %+v, want nil (gathering)", after.Current)
				}
			},
		},
		{
			name:  "a running item with only skipped ones left ends and the room gathers",
			state: withStatus(withStatus(running("i-in", now), Skipped, "i-ground"), Done, "i-out"), actor: "f1", cmd: next, change: both,
			check: func(tb testing.TB, before, after State) {
				wantEnded(tb, before, after)
				wantStatuses(tb, after, "i-in:done", "i-ground:skipped", "i-out:done")
				if after.Current != nil {
					tb.Errorf("got current %+v, want nil", after.Current)
				}
			},
		},
		{name: "nothing pending and nothing running", state: withStatus(withStatus(planned(), Done, "i-in", "i-out"), Skipped, "i-ground"), actor: "f1", cmd: next, wantCode: CodeClosed},
		{name: "an empty agenda", state: gathering(), actor: "f1", cmd: next, wantCode: CodeClosed},
		{name: "by a participant", state: runningIn, actor: "p1", cmd: next, wantCode: CodeNotAllowed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runStep(t, tc) })
	}
}

func TestApplyAgendaActivityEnd(t *testing.T) {
	end := command(TypeActivityEnd, nil)
	both := heard{Activity: true, Agenda: true}
	var tests []step
	for _, id := range []string{"i-in", "i-ground", "i-out"} {
		want := []string{"i-in:pending", "i-ground:pending", "i-out:pending"}
		for i, w := range want {
			if strings.HasPrefix(w, id+":") {
				want[i] = id + ":done"
			}
		}
		tests = append(tests, step{
			name: "a running " + id + " is done", state: running(id, t0.Add(time.Minute)), actor: "f1", cmd: end, change: both,
			check: func(tb testing.TB, before, after State) {
				wantEnded(tb, before, after)
				wantStatuses(tb, after, want...)
				if after.Current != nil {
					tb.Errorf("got current %+v, want nil", after.Current)
				}
			},
		})
	}
	paused := running("i-ground", t0.Add(time.Minute))
	paused.Current.Grounding().Paused = true
	paused.Current.Grounding().PausedAt = t0.Add(2 * time.Minute)
	paused.Current.Grounding().Remaining = 2 * time.Minute
	tests = append(tests,
		step{
			name: "a paused grounding is done", state: paused, actor: "f1", cmd: end, change: both,
			check: func(tb testing.TB, before, after State) { wantEnded(tb, before, after) },
		},
		step{name: "by a participant", state: running("i-ground", now), actor: "p1", cmd: end, wantCode: CodeNotAllowed},
	)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runStep(t, tc) })
	}
}

func TestApplyCheckInStartJoinsAgenda(t *testing.T) {
	start := command(TypeCheckInStart, map[string]any{"prompt": " Arriving ", "visibility": Anonymous})
	tests := []step{
		{
			name: "it is added at the end and started", state: withStatus(planned(), Done, "i-in"), actor: "f1", cmd: start,
			change: heard{Activity: true, Agenda: true},
			check: func(tb testing.TB, before, after State) {
				if got, want := len(after.Agenda), len(before.Agenda)+1; got != want {
					tb.Fatalf("got %d items, want %d", got, want)
				}
				if !reflect.DeepEqual(after.Agenda[:len(before.Agenda)], before.Agenda) {
					tb.Errorf("the planned items changed: got %v, want %v", statuses(after), statuses(before))
				}
				it := after.Agenda[len(after.Agenda)-1]
				if it.ID == "" || before.itemIndex(it.ID) >= 0 {
					tb.Errorf("got item ID %q, want a fresh one", it.ID)
				}
				want := Item{ID: it.ID, Kind: KindCheckIn, Status: Running, Settings: CheckInSettings{Prompt: "Arriving", Visibility: Anonymous}}
				if !reflect.DeepEqual(it, want) {
					tb.Errorf("got item %+v, want %+v", it, want)
				}
				ci := after.Current.CheckIn()
				if after.Current == nil || after.Current.ItemID != it.ID || ci == nil {
					tb.Fatalf("got current %+v, want the new item's check-in", after.Current)
				}
				if ci.Prompt != "Arriving" || ci.Visibility != Anonymous || !ci.Open || !ci.StartedAt.Equal(now) || len(ci.Answers) != 0 || !ci.Stepped {
					tb.Errorf("got check-in %+v, want an open anonymous one started now", ci)
				}
			},
		},
		{name: "with 30 items on the agenda", state: full(), actor: "f1", cmd: start, wantCode: CodeInvalid},
		{name: "while an agenda item runs", state: running("i-ground", now), actor: "f1", cmd: start, wantCode: CodeClosed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runStep(t, tc) })
	}
}

func TestApplyRoomCloseEndsAgendaItem(t *testing.T) {
	closeRoom := command(TypeRoomClose, nil)
	change := heard{Activity: true, Status: true, Agenda: true}
	paused := running("i-ground", t0.Add(time.Minute))
	paused.Current.Grounding().Paused = true
	paused.Current.Grounding().PausedAt = t0.Add(2 * time.Minute)
	paused.Current.Grounding().Remaining = time.Minute
	withWords := running("i-out", t0.Add(time.Minute))
	withWords.Current.CheckOut().Words["p1"] = Word{MemberID: "p1", Word: "lighter", State: Within, At: t0.Add(2 * time.Minute)}
	withWords.Current.CheckOut().Revealed = true
	closed := func(tb testing.TB, before, after State) {
		tb.Helper()
		wantEnded(tb, before, after)
		if after.Current != nil || after.Status != Closed || !after.ClosedAt.Equal(now) {
			tb.Errorf("got current %+v status %q closedAt %v, want nil, closed, %v", after.Current, after.Status, after.ClosedAt, now)
		}
	}
	tests := []step{
		{name: "a running grounding goes into the history", state: running("i-ground", t0.Add(time.Minute)), actor: "f1", cmd: closeRoom, change: change, check: closed},
		{name: "a paused grounding goes into the history", state: paused, actor: "f1", cmd: closeRoom, change: change, check: closed},
		{
			name: "a running check-out goes into the history with its words", state: withWords, actor: "f1", cmd: closeRoom, change: change,
			check: func(tb testing.TB, before, after State) {
				closed(tb, before, after)
				co := after.History[len(after.History)-1].CheckOut()
				if co == nil || !co.EndedAt.Equal(now) || len(co.Words) != 1 {
					tb.Errorf("got history check-out %+v, want it ended now with its word", co)
				}
			},
		},
		{name: "a running check-in goes into the history", state: running("i-in", t0.Add(time.Minute)), actor: "f1", cmd: closeRoom, change: change, check: closed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { runStep(t, tc) })
	}
}

// TestAgendaRunsThrough plays a whole planned session, each command on the
// state the one before returned.
func TestAgendaRunsThrough(t *testing.T) {
	s := planned()
	at := now
	apply := func(actor, typ string, v any, wantCode string) {
		t.Helper()
		at = at.Add(time.Minute)
		next, _, err := Apply(s, at, actor, command(typ, v))
		if got := ErrorCode(err); err != nil && got != wantCode || err == nil && wantCode != "" {
			t.Fatalf("%s by %s: got error %v, want code %q", typ, actor, err, wantCode)
		}
		s = next
	}
	apply("f1", TypeAgendaSkip, map[string]any{"itemId": "i-in"}, "")
	apply("f1", TypeAgendaNext, nil, "") // the grounding
	apply("f1", TypeGroundingPause, nil, "")
	apply("f1", TypeGroundingResume, nil, "")
	apply("f1", TypeAgendaNext, nil, "") // the check-out
	apply("p1", TypeCheckOutWord, map[string]any{"word": "lighter", "state": "within"}, "")
	apply("f1", TypeCheckOutReveal, nil, "")
	apply("f1", TypeAgendaStart, map[string]any{"itemId": "i-in"}, CodeClosed)
	apply("f1", TypeActivityEnd, nil, "")
	wantStatuses(t, s, "i-in:skipped", "i-ground:done", "i-out:done")
	apply("f1", TypeAgendaStart, map[string]any{"itemId": "i-in"}, "")
	apply("p2", TypeCheckInAnswer, answer(6, Within, "", ""), "")
	apply("f1", TypeAgendaNext, nil, "") // nothing left: the room gathers
	apply("f1", TypeAgendaNext, nil, CodeClosed)
	wantStatuses(t, s, "i-in:done", "i-ground:done", "i-out:done")
	if s.Current != nil {
		t.Errorf("got current %+v, want nil", s.Current)
	}
	var kinds []string
	for _, a := range s.History {
		kinds = append(kinds, a.ItemID+":"+string(a.Kind()))
	}
	if want := []string{"i-ground:grounding", "i-out:checkout", "i-in:checkin"}; !reflect.DeepEqual(kinds, want) {
		t.Errorf("got history %v, want %v", kinds, want)
	}
	// Eleven commands were applied, two refused.
	if got, want := s.Version, planned().Version+11; got != want {
		t.Errorf("got version %d, want %d", got, want)
	}
}

// roomPart returns a part of the room (agenda, activity, mine) as a member
// received it: in a snapshot's room, or at an event's top level. ok is false
// when the message does not carry it.
func roomPart(tb testing.TB, msg wireMsg, key string) (raw json.RawMessage, ok bool) {
	tb.Helper()
	keys := msg.keys
	if msg.Type == "snapshot" {
		if err := json.Unmarshal(msg.keys["room"], &keys); err != nil {
			tb.Fatalf("decode room of %s: %v", msg.raw, err)
		}
	}
	raw, ok = keys[key]
	return raw, ok
}

type wireBreath struct {
	In   int `json:"in"`
	Hold int `json:"hold"`
	Out  int `json:"out"`
	Rest int `json:"rest"`
}

// wireItem is an agenda item as docs/protocol.md names its fields.
type wireItem struct {
	ID           string      `json:"id"`
	Kind         string      `json:"kind"`
	Title        string      `json:"title"`
	Status       string      `json:"status"`
	Prompt       string      `json:"prompt"`
	Visibility   string      `json:"visibility"`
	Seconds      int         `json:"seconds"`
	Breath       *wireBreath `json:"breath"`
	ClosingCheck bool        `json:"closingCheck"`
}

func TestAgendaVisibility(t *testing.T) {
	at := t0.Add(20 * time.Minute)
	s := withStatus(running("i-ground", t0.Add(time.Minute)), Done, "i-in")
	s.Agenda = append(s.Agenda, Item{ID: "i-untitled", Kind: KindCheckIn, Status: Skipped, Settings: CheckInSettings{Prompt: "prompt-of-skipped", Visibility: Anonymous}})
	s.Version = 12
	wantFacilitator := []wireItem{
		{ID: "i-in", Kind: "checkin", Title: "Arrival", Status: "done", Prompt: checkInPrompt, Visibility: "group"},
		{ID: "i-ground", Kind: "grounding", Title: "Grounding", Status: "running", Seconds: 180, Breath: &wireBreath{4, 4, 4, 4}},
		{ID: "i-out", Kind: "checkout", Title: "Check-out", Status: "pending", Prompt: checkOutPrompt, ClosingCheck: true},
		{ID: "i-untitled", Kind: "checkin", Status: "skipped", Prompt: "prompt-of-skipped", Visibility: "anonymous"},
	}
	// What a participant may know of each item, and nothing more.
	wantParticipant := []map[string]string{
		{"id": "i-in", "kind": "checkin", "title": "Arrival", "status": "done"},
		{"id": "i-ground", "kind": "grounding", "title": "Grounding", "status": "running"},
		{"id": "i-out", "kind": "checkout", "title": "Check-out", "status": "pending"},
		{"id": "i-untitled", "kind": "checkin", "status": "skipped"},
	}
	// Every agenda command tells of it with this change.
	f := newFanout(s.Version, at, agendaChange(&s).parts, nil)
	for _, id := range []string{"f1", "p1", "p3"} {
		m, _ := s.Member(id)
		for _, msg := range []wireMsg{decodeMsg(t, snapshot(&s, m, at)), decodeMsg(t, f.messageFor(m))} {
			t.Run(msg.Type+" for "+id, func(t *testing.T) {
				raw, ok := roomPart(t, msg, "agenda")
				if !ok {
					t.Fatalf("got no agenda in %s", msg.raw)
				}
				if msg.Type == "event" {
					for _, k := range []string{"activity", "mine", "member", "status"} {
						if msg.has(k) {
							t.Errorf("got %q in an agenda event: %s", k, msg.raw)
						}
					}
				}
				if m.Role == Facilitator {
					var got []wireItem
					if err := json.Unmarshal(raw, &got); err != nil {
						t.Fatalf("decode agenda %s: %v", raw, err)
					}
					if !reflect.DeepEqual(got, wantFacilitator) {
						t.Errorf("got agenda %s, want %+v", raw, wantFacilitator)
					}
					return
				}
				var got []map[string]string
				if err := json.Unmarshal(raw, &got); err != nil {
					t.Fatalf("decode agenda %s (a participant's items hold only strings): %v", raw, err)
				}
				if !reflect.DeepEqual(got, wantParticipant) {
					t.Errorf("got agenda %s, want %v", raw, wantParticipant)
				}
				for _, secret := range []string{checkInPrompt, checkOutPrompt, "prompt-of-skipped", "closingCheck", "visibility", "anonymous"} {
					if bytes.Contains(msg.raw, []byte(secret)) {
						t.Errorf("a participant received %q of the plan: %s", secret, msg.raw)
					}
				}
			})
		}
	}
	t.Run("a room without an agenda has an empty one", func(t *testing.T) {
		s := gathering()
		for _, id := range []string{"f1", "p1"} {
			m, _ := s.Member(id)
			raw, _ := roomPart(t, decodeMsg(t, snapshot(&s, m, at)), "agenda")
			if string(raw) != "[]" {
				t.Errorf("%s: got agenda %s, want []", id, raw)
			}
		}
	})
	t.Run("a change of the activity alone carries no agenda", func(t *testing.T) {
		next, ch, err := Apply(s, at, "f1", command(TypeGroundingPause, nil))
		if err != nil {
			t.Fatal(err)
		}
		f := newFanout(next.Version, at, ch.parts, nil)
		for _, id := range []string{"f1", "p1"} {
			m, _ := s.Member(id)
			if msg := decodeMsg(t, f.messageFor(m)); msg.has("agenda") {
				t.Errorf("%s: got agenda in %s", id, msg.raw)
			}
		}
	})
}

// FuzzItemNormalize checks that an item decoded from a client's JSON
// normalizes without panicking, is refused only with CodeInvalid, and is
// idempotent: a normal item normalizes to itself, and comes back the same
// from its own JSON.
func FuzzItemNormalize(f *testing.F) {
	f.Add("checkin", "id", "pending", " Arrival ", " How are you? ", "group", "", 0, false, 0, 0, 0, 0, false)
	f.Add("grounding", "", "done", "Pause", "", "", "", 180, true, 4, 4, 4, 4, false)
	f.Add("grounding", "", "", "", "x", "anonymous", "", 10, true, 1, 0, 1, 0, true)
	f.Add("checkout", "x", "skipped", "\u00a0Bye\u0085", "One word.\xff ", "", "", 0, true, -1, 21, 0, 0, true)
	f.Add("intentions", "", "", "Intentions", "What will you carry?", "", "anonymous", 0, false, 0, 0, 0, 0, true)
	f.Add("circle", "", "", "Circle", "What is alive?", "", "round", 300, false, 0, 0, 0, 0, false)
	f.Add("circle", "", "", "Open floor", "Anything?", "", "open", 0, false, 0, 0, 0, 0, false)
	f.Add("dance", "", "", "", "", "", "", 0, false, 0, 0, 0, 0, false)
	f.Fuzz(func(t *testing.T, kind, id, status, title, prompt, vis, choice string, seconds int, hasBreath bool, in, hold, out, rest int, closing bool) {
		obj := map[string]any{
			"id": id, "kind": kind, "status": status, "title": title, "prompt": prompt, "visibility": vis,
			"seconds": seconds, "shareSeconds": seconds, "closingCheck": closing, "commitment": closing,
			"reveal": choice, "mode": choice, "order": RosterOrder,
		}
		if hasBreath {
			obj["breath"] = map[string]int{"in": in, "hold": hold, "out": out, "rest": rest}
		}
		var it Item
		if err := json.Unmarshal(data(obj), &it); err != nil {
			t.Fatalf("an item of well-typed fields does not decode: %v", err)
		}
		n, err := it.Normalize()
		if err != nil {
			if code := ErrorCode(err); code != CodeInvalid {
				t.Fatalf("got code %q (%v), want %q", code, err, CodeInvalid)
			}
			return
		}
		again, err := n.Normalize()
		if err != nil {
			t.Fatalf("a normalized item %+v is refused: %v", n, err)
		}
		if !reflect.DeepEqual(again, n) {
			t.Fatalf("normalizing twice gave %+v, once %+v", again, n)
		}
		if n.ID != it.ID || n.Status != it.Status || n.Kind != it.Kind {
			t.Fatalf("got ID, status, kind %q %q %q, want %q %q %q kept", n.ID, n.Status, n.Kind, it.ID, it.Status, it.Kind)
		}
		var back Item
		if err := json.Unmarshal(data(n), &back); err != nil || !reflect.DeepEqual(back, n) {
			t.Fatalf("a normal item %+v comes back from its JSON as %+v (%v)", n, back, err)
		}
		if _, err := PlanAgenda([]Item{it}); err != nil {
			t.Fatalf("an item Normalize takes is refused by PlanAgenda: %v", err)
		}
	})
}

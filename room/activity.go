package room

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"
)

// An activity kind is one unit: everything Hearth knows of a kind of agenda
// item lives in the kind's own file (grounding.go, reading.go, …) and is
// reached through the table below. Adding a kind means adding its file, its
// line in kinds, and its face in web/static/activities/.

// kinds is every activity kind Hearth runs, by its name. No transition may
// refer to it (or to commands) directly: the kinds' command tables refer to
// the transitions, and Go refuses a cycle in their initialisation.
var kinds = map[Kind]*kindSpec{
	KindCheckIn:    &checkInKind,
	KindGrounding:  &groundingKind,
	KindIntentions: &intentionsKind,
	KindCircle:     &circleKind,
	KindCheckOut:   &checkOutKind,
	KindReading:    &readingKind,
}

// commands maps every activity command type to its kind's handler.
var commands = commandTable()

func commandTable() map[string]transition {
	out := map[string]transition{}
	for k, spec := range kinds {
		for typ, c := range spec.commands {
			if _, dup := out[typ]; dup {
				panic(fmt.Sprintf("room: command %q of kind %q is taken", typ, k))
			}
			out[typ] = c
		}
	}
	return out
}

// kindSpec is what the room needs to know of a kind beyond its runs.
type kindSpec struct {
	// settings decodes an agenda item's settings of this kind from the
	// item's JSON object.
	settings func(data []byte) (Settings, error)
	// run decodes a stored run of this kind.
	run func(data []byte) (Run, error)
	// commands are the command types a run of this kind takes.
	commands map[string]transition
}

// transition is one command's transition: it checks the command from actor
// against s and returns the state after it and the change that tells who
// hears of it. It does no I/O and never changes s.
type transition func(s State, now time.Time, actor Member, data json.RawMessage) (State, Change, error)

// Settings are an agenda item's settings, of the item's kind. They are
// values: a change makes new ones, so items can be copied freely.
type Settings interface {
	kind() Kind
	// check returns the settings cleaned (text trimmed) or an *Error that
	// says what breaks a rule.
	check() (Settings, error)
	// start begins a run of the item at now; s is the room it starts in.
	start(s *State, id string, now time.Time) Run
}

// Run is one run of an activity: the kind's state in the room, committed
// with it. Commands change the run of a cloned state; nothing else does.
type Run interface {
	kind() Kind
	// span returns when the run started, and when it ended (zero while it
	// runs; for a check-in, when it closed).
	span() (started, ended time.Time)
	clone() Run
	// finish closes whatever is still open as the run goes into the
	// history; it changes the run in place (it is a clone).
	finish(now time.Time)
	// view returns the run as a member of role sees it live.
	view(s *State, itemID string, role Role) any
	// mine returns the member's own part of the run and the field of
	// "mine" it goes under, or a nil v when they have none.
	mine(s *State, memberID string) (field string, v any)
	// presence keeps the run in step with a member's presence (s is a
	// clone) and adds to ch what that changes beyond the activity's view.
	presence(s *State, m Member, p Presence, now time.Time, ch *Change)
	// section returns the run's part of the session summary, for
	// facilitators; before is the history that ran before it.
	section(s *State, before []Activity) any
	// moment returns what the participant memberID may see of the
	// finished run afterwards, or nil for nothing.
	moment(s *State, memberID string) any
	// erase removes from the run (a clone) everything of the member m
	// (what they wrote or chose, their place in it) and recomputes or
	// drops what counted them, for erasure (erase.go).
	erase(m Member)
}

// decodeJSON is a kindSpec's decoder of a value type V that satisfies I.
func decodeJSON[V any, I any](data []byte) (I, error) {
	var v V
	var zero I
	if err := json.Unmarshal(data, &v); err != nil {
		return zero, err
	}
	i, ok := any(v).(I)
	if !ok {
		return zero, fmt.Errorf("room: %T does not implement %T", v, zero)
	}
	return i, nil
}

// runOf returns a's run as a T, or T's zero value when a is nil or runs
// another kind.
func runOf[T Run](a *Activity) T {
	var zero T
	if a == nil {
		return zero
	}
	t, ok := a.Run.(T)
	if !ok {
		return zero
	}
	return t
}

// Activity is a run of one agenda item. It is stored and sent as
// {"itemId": …, "<kind>": {…the run…}}.
type Activity struct {
	// ItemID is the agenda item this runs ("" for a check-in started
	// before agendas existed).
	ItemID string
	Run    Run
}

// Kind returns the activity's kind.
func (a Activity) Kind() Kind {
	if a.Run == nil {
		return ""
	}
	return a.Run.kind()
}

func (a Activity) clone() Activity {
	c := a
	if a.Run != nil {
		c.Run = a.Run.clone()
	}
	return c
}

// MarshalJSON encodes the activity with its run under its kind's name.
func (a Activity) MarshalJSON() ([]byte, error) { return a.AppendJSON(nil) }

// AppendJSON appends the activity's JSON (as MarshalJSON encodes it) to b.
// The store encodes the current activity with every save: called directly,
// it spares the copy and the second scan encoding/json makes of whatever a
// MarshalJSON returns.
func (a Activity) AppendJSON(b []byte) ([]byte, error) {
	b = append(b, '{')
	if a.ItemID != "" {
		id, err := json.Marshal(a.ItemID)
		if err != nil {
			return nil, err
		}
		b = append(append(b, `"itemId":`...), id...)
	}
	if a.Run != nil {
		if a.ItemID != "" {
			b = append(b, ',')
		}
		k, _ := json.Marshal(string(a.Run.kind()))
		// Encoded straight onto b: an Encoder writes from its own pooled
		// buffer, where Marshal would allocate the run's bytes.
		buf := bytes.NewBuffer(append(append(b, k...), ':'))
		if err := json.NewEncoder(buf).Encode(a.Run); err != nil {
			return nil, err
		}
		b = bytes.TrimSuffix(buf.Bytes(), []byte("\n")) // Encode ends with a newline
	}
	return append(b, '}'), nil
}

// UnmarshalJSON decodes an activity; a kind this binary does not know is
// an error, since its run could not be carried on.
func (a *Activity) UnmarshalJSON(data []byte) error {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return err
	}
	*a = Activity{}
	for name, raw := range fields {
		if name == "itemId" {
			if err := json.Unmarshal(raw, &a.ItemID); err != nil {
				return err
			}
			continue
		}
		if string(raw) == "null" {
			continue
		}
		spec, ok := kinds[Kind(name)]
		if !ok {
			return fmt.Errorf("room: activity of unknown kind %q", name)
		}
		run, err := spec.run(raw)
		if err != nil {
			return fmt.Errorf("room: decode %s: %w", name, err)
		}
		a.Run = run
	}
	return nil
}

// itemHead is the part of an agenda item every kind has.
type itemHead struct {
	ID     string     `json:"id"`
	Kind   Kind       `json:"kind"`
	Title  string     `json:"title,omitempty"`
	Status ItemStatus `json:"status,omitempty"`
}

// MarshalJSON encodes an item as one object: its own fields, then its
// kind's settings.
func (it Item) MarshalJSON() ([]byte, error) {
	head, err := json.Marshal(itemHead{ID: it.ID, Kind: it.Kind, Title: it.Title, Status: it.Status})
	if err != nil || it.Settings == nil {
		return head, err
	}
	return joinObjects(head, it.Settings)
}

// UnmarshalJSON decodes an item and its kind's settings. An unknown kind
// decodes without settings, for Normalize to refuse with a clear message.
func (it *Item) UnmarshalJSON(data []byte) error {
	var h itemHead
	if err := json.Unmarshal(data, &h); err != nil {
		return err
	}
	*it = Item{ID: h.ID, Kind: h.Kind, Title: h.Title, Status: h.Status}
	spec, ok := kinds[h.Kind]
	if !ok {
		return nil
	}
	s, err := spec.settings(data)
	if err != nil {
		return err
	}
	it.Settings = s
	return nil
}

// joinObjects appends the fields of v's JSON object to the object head.
func joinObjects(head []byte, v any) ([]byte, error) {
	rest, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	if len(rest) <= 2 || rest[0] != '{' { // "{}": nothing to add
		return head, nil
	}
	out := make([]byte, 0, len(head)+len(rest))
	out = append(out, head[:len(head)-1]...)
	out = append(out, ',')
	return append(out, rest[1:]...), nil
}

// withKind appends to the object head a field named after the kind, holding
// v; a nil v adds nothing.
func withKind(head []byte, k Kind, v any) ([]byte, error) {
	if v == nil {
		return head, nil
	}
	body, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	name, _ := json.Marshal(string(k))
	out := make([]byte, 0, len(head)+len(name)+len(body)+2)
	out = append(out, head[:len(head)-1]...)
	out = append(out, ',')
	out = append(out, name...)
	out = append(out, ':')
	out = append(out, body...)
	return append(out, '}'), nil
}

// checkPrompt cleans a prompt and checks it is there and not too long.
func checkPrompt(p string) (string, error) {
	p = CleanText(p)
	if p == "" {
		return "", errorf(CodeInvalid, "The activity needs a prompt.")
	}
	if utf8.RuneCountInString(p) > MaxPrompt {
		return "", errorf(CodeInvalid, "The prompt is longer than %d characters.", MaxPrompt)
	}
	return p, nil
}

// checkArousal checks a window-of-tolerance state.
func checkArousal(a Arousal) error {
	switch a {
	case Hypo, Within, Hyper:
		return nil
	}
	return errorf(CodeInvalid, "Choose hypo-aroused, within the window or hyper-aroused.")
}

// holdLate counts memberID among those whose contribution, given after a
// reveal, is held back, and reports whether the held ones are now enough to
// be shown together. One alone would be named by the moment it appeared (and
// by where, in a list that grows): it waits for another, or for its
// activity's end.
func holdLate(held *[]string, memberID string) (showAll bool) {
	if !slices.Contains(*held, memberID) {
		*held = append(*held, memberID)
	}
	return len(*held) > 1
}

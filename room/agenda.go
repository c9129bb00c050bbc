package room

import (
	"encoding/json"
	"slices"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Kind is the kind of an agenda item: the name its activity is registered
// under (activity.go).
type Kind string

// ItemStatus is where an agenda item is in the session.
type ItemStatus string

const (
	Pending ItemStatus = "pending"
	Running ItemStatus = "running"
	Done    ItemStatus = "done"
	Skipped ItemStatus = "skipped"
)

// Item is one step of a session's agenda, with the settings of its kind. It
// is sent and stored as one JSON object: its own fields and its settings'.
type Item struct {
	ID     string
	Kind   Kind
	Title  string
	Status ItemStatus
	// Settings are the kind's own, declared in its file; nil for a kind
	// this binary does not know.
	Settings Settings
}

// NewItem returns a new item of the settings' kind, with a title.
func NewItem(title string, s Settings) Item {
	return Item{Kind: s.kind(), Title: title, Settings: s}
}

// Limits of an agenda.
const (
	MaxItems         = 30
	MaxTitle         = 100
	MaxExtendSeconds = 600
)

// Normalize checks an item's settings and returns it cleaned (text
// trimmed). It keeps ID and Status as they are.
func (it Item) Normalize() (Item, error) {
	out := Item{ID: it.ID, Kind: it.Kind, Status: it.Status, Title: CleanLine(it.Title)}
	if utf8.RuneCountInString(out.Title) > MaxTitle {
		return Item{}, errorf(CodeInvalid, "The title is longer than %d characters.", MaxTitle)
	}
	if it.Settings == nil || it.Settings.kind() != it.Kind {
		return Item{}, errorf(CodeInvalid, "Unknown activity kind %q.", it.Kind)
	}
	settings, err := it.Settings.check()
	if err != nil {
		return Item{}, err
	}
	out.Settings = settings
	return out, nil
}

// DecodeAgenda decodes an agenda stored as PlanAgenda's items encode (a
// session's or a template's); an empty one is an empty list. A stored
// agenda was checked when it was stored, so it decodes.
func DecodeAgenda(raw json.RawMessage) []Item {
	items := []Item{}
	if len(raw) > 0 {
		json.Unmarshal(raw, &items)
	}
	return items
}

// PlanAgenda checks a planned agenda: every item's settings, the number of
// items, and fresh IDs for new items. Statuses are cleared: a planned item
// is pending.
func PlanAgenda(items []Item) ([]Item, error) {
	if len(items) > MaxItems {
		return nil, errorf(CodeInvalid, "An agenda has at most %d activities.", MaxItems)
	}
	out := make([]Item, 0, len(items))
	seen := map[string]bool{}
	for _, it := range items {
		n, err := it.Normalize()
		if err != nil {
			return nil, err
		}
		if n.ID == "" || len(n.ID) > MaxID || seen[n.ID] {
			n.ID = uuid.Must(uuid.NewV7()).String()
		}
		seen[n.ID] = true
		n.Status = Pending
		out = append(out, n)
	}
	return out, nil
}

func (s *State) itemIndex(id string) int {
	return slices.IndexFunc(s.Agenda, func(it Item) bool { return it.ID == id })
}

// changeable reports whether an item has not run and can be edited, moved or
// removed.
func changeable(it Item) bool { return it.Status == Pending || it.Status == Skipped }

type itemRef struct {
	ItemID string `json:"itemId"`
}

// changeableIndex returns the index of the item with the ID, which must not
// have run yet.
func changeableIndex(s State, id string) (int, error) {
	i := s.itemIndex(id)
	if i < 0 {
		return 0, errorf(CodeInvalid, "No such activity on the agenda.")
	}
	if !changeable(s.Agenda[i]) {
		return 0, errorf(CodeClosed, "This activity has run already; it cannot be changed.")
	}
	return i, nil
}

// findChangeable decodes an item reference and returns the index of an item
// that has not run.
func findChangeable(s State, data json.RawMessage) (int, error) {
	var in itemRef
	if err := decode(data, &in); err != nil {
		return 0, err
	}
	return changeableIndex(s, in.ItemID)
}

func agendaAdd(s State, _ time.Time, actor Member, data json.RawMessage) (State, Change, error) {
	if err := requireFacilitator(actor); err != nil {
		return s, Change{}, err
	}
	var in struct {
		Item  Item   `json:"item"`
		After string `json:"after"`
	}
	if err := decode(data, &in); err != nil {
		return s, Change{}, err
	}
	if len(s.Agenda) >= MaxItems {
		return s, Change{}, errorf(CodeInvalid, "An agenda has at most %d activities.", MaxItems)
	}
	it, err := in.Item.Normalize()
	if err != nil {
		return s, Change{}, err
	}
	it.ID = uuid.Must(uuid.NewV7()).String()
	it.Status = Pending
	at := len(s.Agenda)
	if in.After != "" {
		i := s.itemIndex(in.After)
		if i < 0 {
			return s, Change{}, errorf(CodeInvalid, "No such activity to add after.")
		}
		at = i + 1
	}
	next := s.clone()
	next.Agenda = slices.Insert(next.Agenda, at, it)
	return next, agendaChange(&next), nil
}

func agendaEdit(s State, _ time.Time, actor Member, data json.RawMessage) (State, Change, error) {
	if err := requireFacilitator(actor); err != nil {
		return s, Change{}, err
	}
	var in struct {
		Item Item `json:"item"`
	}
	if err := decode(data, &in); err != nil {
		return s, Change{}, err
	}
	i, err := changeableIndex(s, in.Item.ID)
	if err != nil {
		return s, Change{}, err
	}
	if in.Item.Kind != s.Agenda[i].Kind {
		return s, Change{}, errorf(CodeInvalid, "An activity's kind cannot change; add a new one instead.")
	}
	it, err := in.Item.Normalize()
	if err != nil {
		return s, Change{}, err
	}
	it.Status = s.Agenda[i].Status
	next := s.clone()
	next.Agenda[i] = it
	return next, agendaChange(&next), nil
}

func agendaRemove(s State, _ time.Time, actor Member, data json.RawMessage) (State, Change, error) {
	if err := requireFacilitator(actor); err != nil {
		return s, Change{}, err
	}
	i, err := findChangeable(s, data)
	if err != nil {
		return s, Change{}, err
	}
	next := s.clone()
	next.Agenda = slices.Delete(next.Agenda, i, i+1)
	return next, agendaChange(&next), nil
}

func agendaSkip(s State, _ time.Time, actor Member, data json.RawMessage) (State, Change, error) {
	if err := requireFacilitator(actor); err != nil {
		return s, Change{}, err
	}
	i, err := findChangeable(s, data)
	if err != nil {
		return s, Change{}, err
	}
	if s.Agenda[i].Status == Skipped {
		return s, Change{}, errorf(CodeClosed, "This activity is skipped already.")
	}
	next := s.clone()
	next.Agenda[i].Status = Skipped
	return next, agendaChange(&next), nil
}

func agendaMove(s State, _ time.Time, actor Member, data json.RawMessage) (State, Change, error) {
	if err := requireFacilitator(actor); err != nil {
		return s, Change{}, err
	}
	var in struct {
		ItemID string `json:"itemId"`
		To     *int   `json:"to"`
	}
	if err := decode(data, &in); err != nil {
		return s, Change{}, err
	}
	i, err := changeableIndex(s, in.ItemID)
	if err != nil {
		return s, Change{}, err
	}
	if in.To == nil || *in.To < 0 || *in.To >= len(s.Agenda) {
		return s, Change{}, errorf(CodeInvalid, "Move it to a place from 0 to %d.", len(s.Agenda)-1)
	}
	next := s.clone()
	it := next.Agenda[i]
	next.Agenda = slices.Delete(next.Agenda, i, i+1)
	next.Agenda = slices.Insert(next.Agenda, *in.To, it)
	return next, agendaChange(&next), nil
}

// agendaStart starts the item with the given ID: pending, skipped, or done
// (it runs again, fresh). The room must be gathering.
func agendaStart(s State, now time.Time, actor Member, data json.RawMessage) (State, Change, error) {
	if err := requireFacilitator(actor); err != nil {
		return s, Change{}, err
	}
	var in itemRef
	if err := decode(data, &in); err != nil {
		return s, Change{}, err
	}
	i := s.itemIndex(in.ItemID)
	if i < 0 {
		return s, Change{}, errorf(CodeInvalid, "No such activity on the agenda.")
	}
	if s.Current != nil {
		return s, Change{}, errorf(CodeClosed, "Another activity is running; end it first.")
	}
	next := s.clone()
	var ch Change
	startItem(&next, i, now, &ch)
	return next, ch, nil
}

// agendaNext ends the running activity, if any, and starts the next pending
// item.
func agendaNext(s State, now time.Time, actor Member, _ json.RawMessage) (State, Change, error) {
	if err := requireFacilitator(actor); err != nil {
		return s, Change{}, err
	}
	next := s.clone()
	ended := false
	if next.Current != nil {
		endCurrent(&next, now)
		ended = true
	}
	var ch Change
	i := slices.IndexFunc(next.Agenda, func(it Item) bool { return it.Status == Pending })
	if i < 0 {
		if !ended {
			return s, Change{}, errorf(CodeClosed, "Nothing is left on the agenda.")
		}
		ch.agendaChanged(&next)
		ch.activity(&next)
		return next, ch, nil
	}
	startItem(&next, i, now, &ch)
	return next, ch, nil
}

// startItem makes agenda item i the running activity (s is a clone) and
// adds to ch what everyone hears of it: the agenda, the activity, and each
// member's own part of it where they come with one (their earlier
// intentions, say), which no shared message may carry.
func startItem(s *State, i int, now time.Time, ch *Change) {
	it := s.Agenda[i]
	s.Agenda[i].Status = Running
	s.Current = &Activity{ItemID: it.ID, Run: it.Settings.start(s, uuid.Must(uuid.NewV7()).String(), now)}
	ch.agendaChanged(s)
	ch.activity(s)
	for _, m := range s.Members {
		if mv := viewMine(s, m.ID); len(mv) > 0 {
			ch.send(onlyMember(m.ID), fieldMine, &mv)
		}
	}
}

// agendaChange is the change of a command that changed the agenda alone.
func agendaChange(s *State) Change {
	var ch Change
	ch.agendaChanged(s)
	return ch
}

// endCurrent moves the running activity into the history and marks its
// agenda item done. s is a clone.
func endCurrent(s *State, now time.Time) {
	if s.Current == nil {
		return
	}
	if i := s.itemIndex(s.Current.ItemID); i >= 0 && s.Current.ItemID != "" {
		s.Agenda[i].Status = Done
	}
	done := s.Current.clone()
	if done.Run != nil {
		done.Run.finish(now)
	}
	s.History = append(s.History, done)
	s.Current = nil
}

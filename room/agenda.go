package room

import (
	"encoding/json"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Kind is the kind of an agenda item.
type Kind string

const (
	KindCheckIn   Kind = "checkin"
	KindGrounding Kind = "grounding"
	KindCheckOut  Kind = "checkout"
	KindCircle    Kind = "circle"
)

// ItemStatus is where an agenda item is in the session.
type ItemStatus string

const (
	Pending ItemStatus = "pending"
	Running ItemStatus = "running"
	Done    ItemStatus = "done"
	Skipped ItemStatus = "skipped"
)

// Breath is a breathing pattern, in whole seconds per phase.
type Breath struct {
	In   int `json:"in"`
	Hold int `json:"hold"`
	Out  int `json:"out"`
	Rest int `json:"rest"`
}

// cycle returns the length of one breath.
func (b Breath) cycle() time.Duration {
	return time.Duration(b.In+b.Hold+b.Out+b.Rest) * time.Second
}

// Item is one step of a session's agenda, with the settings of its kind.
type Item struct {
	ID     string     `json:"id"`
	Kind   Kind       `json:"kind"`
	Title  string     `json:"title,omitempty"`
	Status ItemStatus `json:"status,omitempty"`
	// checkin, checkout and intentions
	Prompt string `json:"prompt,omitempty"`
	// checkin
	Visibility Visibility `json:"visibility,omitempty"`
	// grounding
	Seconds int     `json:"seconds,omitempty"`
	Breath  *Breath `json:"breath,omitempty"`
	// checkout
	ClosingCheck bool `json:"closingCheck,omitempty"`
	// intentions
	Reveal     RevealMode `json:"reveal,omitempty"`
	Commitment bool       `json:"commitment,omitempty"` // ask each participant for one step
	// circle
	Mode         CircleMode    `json:"mode,omitempty"`
	Order        SpeakingOrder `json:"order,omitempty"`
	ShareSeconds int           `json:"shareSeconds,omitempty"` // 0: no time per share
}

// Limits of an agenda.
const (
	MaxItems         = 30
	MaxTitle         = 100
	MinGroundSeconds = 10
	MaxGroundSeconds = 1800
	MaxBreathPhase   = 20
	MaxExtendSeconds = 600
	MaxWord          = 40
	MinShareSeconds  = 30
	MaxShareSeconds  = 1800
)

// Normalize checks an item's settings and returns it cleaned (text trimmed,
// settings of other kinds dropped). It keeps ID and Status as they are.
func (it Item) Normalize() (Item, error) {
	out := Item{ID: it.ID, Kind: it.Kind, Status: it.Status, Title: strings.TrimSpace(it.Title)}
	if utf8.RuneCountInString(out.Title) > MaxTitle {
		return Item{}, errorf(CodeInvalid, "The title is longer than %d characters.", MaxTitle)
	}
	prompt := func() error {
		out.Prompt = strings.TrimSpace(it.Prompt)
		if out.Prompt == "" {
			return errorf(CodeInvalid, "The activity needs a prompt.")
		}
		if utf8.RuneCountInString(out.Prompt) > MaxPrompt {
			return errorf(CodeInvalid, "The prompt is longer than %d characters.", MaxPrompt)
		}
		return nil
	}
	switch it.Kind {
	case KindCheckIn:
		if err := prompt(); err != nil {
			return Item{}, err
		}
		switch it.Visibility {
		case VisibleToGroup, VisibleToFacilitators, Anonymous:
			out.Visibility = it.Visibility
		default:
			return Item{}, errorf(CodeInvalid, "Visibility must be group, facilitators or anonymous.")
		}
	case KindGrounding:
		if it.Seconds < MinGroundSeconds || it.Seconds > MaxGroundSeconds {
			return Item{}, errorf(CodeInvalid, "A grounding pause lasts from %d seconds to %d minutes.", MinGroundSeconds, MaxGroundSeconds/60)
		}
		out.Seconds = it.Seconds
		if b := it.Breath; b != nil {
			for _, v := range []int{b.In, b.Hold, b.Out, b.Rest} {
				if v < 0 || v > MaxBreathPhase {
					return Item{}, errorf(CodeInvalid, "Each breathing phase lasts 0 to %d seconds.", MaxBreathPhase)
				}
			}
			if b.In < 1 || b.Out < 1 {
				return Item{}, errorf(CodeInvalid, "Breathing in and out last at least a second each.")
			}
			bb := *b
			out.Breath = &bb
		}
	case KindCheckOut:
		if err := prompt(); err != nil {
			return Item{}, err
		}
		out.ClosingCheck = it.ClosingCheck
	case KindIntentions:
		if err := prompt(); err != nil {
			return Item{}, err
		}
		if err := intentionSettings(it, &out); err != nil {
			return Item{}, err
		}
	case KindCircle:
		if err := prompt(); err != nil {
			return Item{}, err
		}
		switch it.Mode {
		case RoundMode:
			switch it.Order {
			case RosterOrder, RandomOrder, ArrangedOrder:
				out.Order = it.Order
			default:
				return Item{}, errorf(CodeInvalid, "The speaking order must be roster, random or arranged.")
			}
		case OpenFloor:
		default:
			return Item{}, errorf(CodeInvalid, "A circle goes round in order or is an open floor.")
		}
		out.Mode = it.Mode
		if it.ShareSeconds != 0 && (it.ShareSeconds < MinShareSeconds || it.ShareSeconds > MaxShareSeconds) {
			return Item{}, errorf(CodeInvalid, "A time per share is from %d seconds to %d minutes, or none.", MinShareSeconds, MaxShareSeconds/60)
		}
		out.ShareSeconds = it.ShareSeconds
	default:
		return Item{}, errorf(CodeInvalid, "Unknown activity kind %q.", it.Kind)
	}
	return out, nil
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

func agendaAdd(s State, actor Member, data json.RawMessage) (State, Change, error) {
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
	return next, Change{Agenda: true}, nil
}

func agendaEdit(s State, actor Member, data json.RawMessage) (State, Change, error) {
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
	return next, Change{Agenda: true}, nil
}

func agendaRemove(s State, actor Member, data json.RawMessage) (State, Change, error) {
	if err := requireFacilitator(actor); err != nil {
		return s, Change{}, err
	}
	i, err := findChangeable(s, data)
	if err != nil {
		return s, Change{}, err
	}
	next := s.clone()
	next.Agenda = slices.Delete(next.Agenda, i, i+1)
	return next, Change{Agenda: true}, nil
}

func agendaSkip(s State, actor Member, data json.RawMessage) (State, Change, error) {
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
	return next, Change{Agenda: true}, nil
}

func agendaMove(s State, actor Member, data json.RawMessage) (State, Change, error) {
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
	return next, Change{Agenda: true}, nil
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
	startItem(&next, i, now)
	return next, Change{Agenda: true, Activity: true}, nil
}

// agendaNext ends the running activity, if any, and starts the next pending
// item.
func agendaNext(s State, now time.Time, actor Member) (State, Change, error) {
	if err := requireFacilitator(actor); err != nil {
		return s, Change{}, err
	}
	next := s.clone()
	ended := false
	if next.Current != nil {
		endCurrent(&next, now)
		ended = true
	}
	i := slices.IndexFunc(next.Agenda, func(it Item) bool { return it.Status == Pending })
	if i < 0 {
		if !ended {
			return s, Change{}, errorf(CodeClosed, "Nothing is left on the agenda.")
		}
		return next, Change{Agenda: true, Activity: true}, nil
	}
	startItem(&next, i, now)
	return next, Change{Agenda: true, Activity: true}, nil
}

// startItem makes agenda item i the running activity. s is a clone.
func startItem(s *State, i int, now time.Time) {
	it := s.Agenda[i]
	s.Agenda[i].Status = Running
	a := Activity{ItemID: it.ID}
	id := uuid.Must(uuid.NewV7()).String()
	switch it.Kind {
	case KindCheckIn:
		a.CheckIn = &CheckIn{ID: id, Prompt: it.Prompt, Visibility: it.Visibility, Open: true, StartedAt: now, Answers: map[string]Answer{}}
	case KindGrounding:
		a.Grounding = &Grounding{ID: id, Seconds: it.Seconds, Breath: it.Breath, StartedAt: now,
			EndsAt: now.Add(time.Duration(it.Seconds) * time.Second), CycleStart: now}
	case KindCheckOut:
		a.CheckOut = &CheckOut{ID: id, Prompt: it.Prompt, ClosingCheck: it.ClosingCheck, StartedAt: now, Words: map[string]Word{}}
	case KindIntentions:
		a.Intentions = newIntentions(id, it, now)
	case KindCircle:
		a.Circle = newCircle(s, it, id, now)
	}
	s.Current = &a
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
	s.History = append(s.History, finish(*s.Current, now))
	s.Current = nil
}

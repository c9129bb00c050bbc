package room

import (
	"encoding/json"
	"time"
)

// The grounding pause: a shared countdown with an optional breathing pacer.
// Everything is absolute server time, so every screen, a reconnect and a
// restart all show the same moment.

// KindGrounding is the grounding pause's kind.
const KindGrounding Kind = "grounding"

// Command types of the grounding pause.
const (
	TypeGroundingPause  = "grounding.pause"
	TypeGroundingResume = "grounding.resume"
	TypeGroundingExtend = "grounding.extend"
)

// Limits of a grounding pause.
const (
	MinGroundSeconds = 10
	MaxGroundSeconds = 1800
	MaxBreathPhase   = 20
)

var groundingKind = kindSpec{
	settings: decodeJSON[GroundingSettings, Settings],
	run:      decodeJSON[*Grounding, Run],
	commands: map[string]transition{
		TypeGroundingPause:  groundingPause,
		TypeGroundingResume: groundingResume,
		TypeGroundingExtend: groundingExtend,
	},
}

// Breath is a breathing pattern, in whole seconds per phase.
type Breath struct {
	In   int `json:"in"`
	Hold int `json:"hold"`
	Out  int `json:"out"`
	Rest int `json:"rest"`
}

// GroundingSettings are a planned grounding pause's settings.
type GroundingSettings struct {
	Seconds int     `json:"seconds,omitempty"`
	Breath  *Breath `json:"breath,omitempty"` // never changed in place
}

func (GroundingSettings) kind() Kind { return KindGrounding }

func (g GroundingSettings) check() (Settings, error) {
	if g.Seconds < MinGroundSeconds || g.Seconds > MaxGroundSeconds {
		return nil, errorf(CodeInvalid, "A grounding pause lasts from %d seconds to %d minutes.", MinGroundSeconds, MaxGroundSeconds/60)
	}
	out := GroundingSettings{Seconds: g.Seconds}
	if b := g.Breath; b != nil {
		for _, v := range []int{b.In, b.Hold, b.Out, b.Rest} {
			if v < 0 || v > MaxBreathPhase {
				return nil, errorf(CodeInvalid, "Each breathing phase lasts 0 to %d seconds.", MaxBreathPhase)
			}
		}
		if b.In < 1 || b.Out < 1 {
			return nil, errorf(CodeInvalid, "Breathing in and out last at least a second each.")
		}
		bb := *b
		out.Breath = &bb
	}
	return out, nil
}

func (g GroundingSettings) start(_ *State, id string, now time.Time) Run {
	return &Grounding{ID: id, Seconds: g.Seconds, Breath: g.Breath, StartedAt: now,
		EndsAt: now.Add(time.Duration(g.Seconds) * time.Second), CycleStart: now}
}

// Grounding is a run of the grounding pause.
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
	// Ran is how long the pause really lasted, pauses and an early end
	// included, set when it ends; zero for one that ended before it was
	// kept, whose journey entry says only what was planned.
	Ran time.Duration `json:"ran,omitempty"`
}

// Grounding returns a's run when it is a grounding pause, or nil.
func (a *Activity) Grounding() *Grounding { return runOf[*Grounding](a) }

func (*Grounding) kind() Kind { return KindGrounding }

func (g *Grounding) span() (time.Time, time.Time) { return g.StartedAt, g.EndedAt }

func (g *Grounding) clone() Run {
	c := *g // Breath is never changed in place
	return &c
}

// erase has nothing to do: a grounding keeps nothing of anyone.
func (*Grounding) erase(Member) {}

func (g *Grounding) finish(now time.Time) {
	if g.EndedAt.IsZero() {
		g.EndedAt = now
		g.Ran = now.Sub(g.StartedAt)
	}
}

func (*Grounding) presence(*State, Member, Presence, time.Time, *Change) {}

// resume moves the countdown and the breath on by the time the room stood
// still. A pause the facilitator paused itself keeps what it had left, and
// its own resume moves the breath on.
func (g *Grounding) resume(frozen time.Duration) {
	if g.Paused {
		return
	}
	g.EndsAt = g.EndsAt.Add(frozen)
	g.CycleStart = g.CycleStart.Add(frozen)
}

// groundingFor returns a copy of s to change and its running pause, for a
// facilitator's command.
func groundingFor(s State, actor Member) (State, *Grounding, error) {
	if err := requireFacilitator(actor); err != nil {
		return s, nil, err
	}
	if s.Current.Grounding() == nil {
		return s, nil, errorf(CodeClosed, "There is no grounding pause now.")
	}
	next := s.clone()
	return next, next.Current.Grounding(), nil
}

func groundingPause(s State, now time.Time, actor Member, _ json.RawMessage) (State, Change, error) {
	next, g, err := groundingFor(s, actor)
	if err != nil {
		return s, Change{}, err
	}
	if g.Paused {
		return s, Change{}, errorf(CodeClosed, "The pause is paused already.")
	}
	g.Paused = true
	g.PausedAt = now
	g.Remaining = max(g.EndsAt.Sub(now), 0)
	var ch Change
	ch.activity(&next)
	return next, ch, nil
}

func groundingResume(s State, now time.Time, actor Member, _ json.RawMessage) (State, Change, error) {
	next, g, err := groundingFor(s, actor)
	if err != nil {
		return s, Change{}, err
	}
	if !g.Paused {
		return s, Change{}, errorf(CodeClosed, "The pause is not paused.")
	}
	g.Paused = false
	g.EndsAt = now.Add(g.Remaining)
	g.CycleStart = g.CycleStart.Add(now.Sub(g.PausedAt))
	g.Remaining = 0
	g.PausedAt = time.Time{}
	var ch Change
	ch.activity(&next)
	return next, ch, nil
}

func groundingExtend(s State, now time.Time, actor Member, data json.RawMessage) (State, Change, error) {
	next, g, err := groundingFor(s, actor)
	if err != nil {
		return s, Change{}, err
	}
	add, err := extension(data)
	if err != nil {
		return s, Change{}, err
	}
	if g.Paused {
		g.Remaining += add
	} else {
		// A pause that has finished starts counting again from now.
		g.EndsAt = later(g.EndsAt, now).Add(add)
	}
	g.Seconds += int(add / time.Second)
	var ch Change
	ch.activity(&next)
	return next, ch, nil
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

// --- what each member sees --------------------------------------------------

// Everyone sees the same pause: it is shared.
type groundingView struct {
	ID         string  `json:"id"`
	Kind       string  `json:"kind"`
	ItemID     string  `json:"itemId"`
	Seconds    int     `json:"seconds"`
	Breath     *Breath `json:"breath"`
	StartedAt  int64   `json:"startedAt"`
	EndsAt     int64   `json:"endsAt"`
	Paused     bool    `json:"paused"`
	Remaining  int64   `json:"remaining"`
	CycleStart int64   `json:"cycleStart"`
	PausedAt   int64   `json:"pausedAt"`
}

// view shows a pause in a frozen room as paused where the room froze, so
// every screen holds the countdown and the breath still.
func (g *Grounding) view(s *State, itemID string, _ Role) any {
	v := &groundingView{
		ID: g.ID, Kind: string(KindGrounding), ItemID: itemID, Seconds: g.Seconds, Breath: g.Breath,
		StartedAt: millis(g.StartedAt), EndsAt: millis(g.EndsAt), Paused: g.Paused,
		Remaining: g.Remaining.Milliseconds(), CycleStart: millis(g.CycleStart), PausedAt: millis(g.PausedAt),
	}
	if !g.Paused && s.Hold.Frozen() {
		v.Paused, v.PausedAt = true, millis(s.Hold.Since)
		v.Remaining = max(g.EndsAt.Sub(s.Hold.Since), 0).Milliseconds()
	}
	return v
}

func (*Grounding) mine(*State, string) (string, any) { return "", nil }

// --- afterwards --------------------------------------------------------------

// GroundingSection is a grounding pause as it ran.
type GroundingSection struct {
	// Seconds is the pause's length with its extensions.
	Seconds int     `json:"seconds"`
	Breath  *Breath `json:"breath,omitempty"`
	// Ran is how long it was on, from start to end (pauses included);
	// EndedEarly is true when it was ended before its countdown ran out.
	Ran        time.Duration `json:"ran"`
	EndedEarly bool          `json:"endedEarly"`
}

func (g *Grounding) section(*State, []Activity) any {
	out := &GroundingSection{Seconds: g.Seconds, Breath: g.Breath}
	if end := g.EndedAt; !end.IsZero() {
		out.Ran = end.Sub(g.StartedAt)
		// A pause ended while paused, or before its countdown reached zero,
		// was ended early.
		out.EndedEarly = g.Paused || end.Before(g.EndsAt)
	}
	return out
}

// JourneyPause is a grounding pause the participant took part in: Seconds
// as planned (with its extensions), Ran how long it really lasted and
// EndedEarly whether it was ended before its countdown ran out. Ran is zero
// and EndedEarly false for a pause that ended before Hearth kept its length.
type JourneyPause struct {
	Seconds    int           `json:"seconds"`
	Ran        time.Duration `json:"ran,omitempty"`
	EndedEarly bool          `json:"endedEarly,omitempty"`
}

func (g *Grounding) moment(*State, string) any {
	out := &JourneyPause{Seconds: g.Seconds, Ran: g.Ran}
	if g.Ran > 0 {
		out.EndedEarly = g.Paused || g.EndedAt.Before(g.EndsAt)
	}
	return out
}

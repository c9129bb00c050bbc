package room

import (
	"encoding/json"
	"time"
)

// The hold: a room stands still while a facilitator has paused it, or while
// no facilitator is with it (after one was). Nothing advances then: the
// activity's timers stop, the agenda does not move, and whatever a timer
// counted down resumes with the time it had left, so nobody loses time.
// The room keeps no timers of its own for this: deadlines are absolute
// times in the state, moved on when the room lets go.

// Command types of the pause.
const (
	TypeRoomPause  = "room.pause"
	TypeRoomResume = "room.resume"
)

// Hold is whether the room stands still, and since when.
type Hold struct {
	// Paused: a facilitator paused the room.
	Paused bool `json:"paused,omitempty"`
	// FacilitatorAway: every facilitator has dropped, after one had been
	// present.
	FacilitatorAway bool `json:"facilitatorAway,omitempty"`
	// Since is when the room froze; zero while it is not frozen.
	Since time.Time `json:"since,omitzero"`
}

// Frozen reports whether the room stands still.
func (h Hold) Frozen() bool { return h.Paused || h.FacilitatorAway }

// timed is a run with deadlines in absolute time. When a frozen room lets
// go, resume moves them on by how long it stood still. A run that counts
// nothing down does not implement it.
type timed interface {
	resume(frozen time.Duration)
}

// clock returns the moment the room's timers read at now: now itself, or
// the moment the room froze while it stands still.
func (s *State) clock(now time.Time) time.Time {
	if s.Hold.Frozen() {
		return s.Hold.Since
	}
	return now
}

// setHold makes h the room's hold at now (s is a clone) and tells everyone,
// with the activity (whose timers read differently frozen). A room that
// lets go moves every deadline of its activity on by the time it stood
// still. It reports whether anything changed.
func setHold(s *State, h Hold, now time.Time, ch *Change) bool {
	was := s.Hold
	switch {
	case h.Frozen() && was.Frozen():
		h.Since = was.Since
	case h.Frozen():
		h.Since = now
	default:
		h.Since = time.Time{}
		if was.Frozen() && s.Current != nil {
			if t, ok := s.Current.Run.(timed); ok {
				t.resume(max(now.Sub(was.Since), 0))
			}
		}
	}
	if h == was {
		return false
	}
	s.Hold = h
	ch.send(everyone(), fieldHold, viewHold(h))
	if s.Current != nil {
		ch.activity(s)
	}
	return true
}

// facilitatorAway reports whether no facilitator is with the room after
// one has been.
func facilitatorAway(s *State) bool {
	came := false
	for _, m := range s.Members {
		if m.Role != Facilitator {
			continue
		}
		if m.Presence == Present {
			return false
		}
		came = came || !m.FirstJoined.IsZero()
	}
	return came
}

// holdFollowsFacilitators freezes the room when its last facilitator has
// dropped, and lets it go when one is back (and nobody paused it); s is a
// clone whose roster just changed.
func holdFollowsFacilitators(s *State, now time.Time, ch *Change) {
	h := s.Hold
	h.FacilitatorAway = facilitatorAway(s)
	setHold(s, h, now, ch)
}

// frozenRefuses returns the refusal of a command of type typ while the room
// stands still, or nil: an activity's commands and whatever advances the
// agenda wait; care, the door and planning the agenda do not.
func frozenRefuses(s *State, typ string) error {
	if !s.Hold.Frozen() {
		return nil
	}
	_, activity := commands[typ]
	switch {
	case activity, typ == TypeAgendaStart, typ == TypeAgendaNext, typ == TypeActivityEnd:
	default:
		return nil
	}
	if s.Hold.Paused {
		return errorf(CodePaused, "The group is taking a pause.")
	}
	return errorf(CodePaused, "Your facilitator is reconnecting.")
}

func roomPause(s State, now time.Time, actor Member, _ json.RawMessage) (State, Change, error) {
	if err := requireFacilitator(actor); err != nil {
		return s, Change{}, err
	}
	if s.Hold.Paused {
		return s, Change{}, errorf(CodeClosed, "The room is paused already.")
	}
	next := s.clone()
	h := next.Hold
	h.Paused = true
	var ch Change
	setHold(&next, h, now, &ch)
	return next, ch, nil
}

func roomResume(s State, now time.Time, actor Member, _ json.RawMessage) (State, Change, error) {
	if err := requireFacilitator(actor); err != nil {
		return s, Change{}, err
	}
	if !s.Hold.Paused {
		return s, Change{}, errorf(CodeClosed, "The room is not paused.")
	}
	next := s.clone()
	h := next.Hold
	h.Paused = false
	h.FacilitatorAway = facilitatorAway(&next)
	var ch Change
	setHold(&next, h, now, &ch)
	return next, ch, nil
}

// holdView is the hold as everyone sees it.
type holdView struct {
	Paused          bool  `json:"paused"`
	FacilitatorAway bool  `json:"facilitatorAway"`
	Since           int64 `json:"since"`
}

func viewHold(h Hold) holdView {
	return holdView{Paused: h.Paused, FacilitatorAway: h.FacilitatorAway, Since: millis(h.Since)}
}

// snapshotHold is the hold as a snapshot carries it: nil while the room is
// not frozen.
func snapshotHold(h Hold) *holdView {
	if !h.Frozen() {
		return nil
	}
	v := viewHold(h)
	return &v
}

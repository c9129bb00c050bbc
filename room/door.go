package room

import (
	"encoding/json"
	"errors"
	"slices"
	"time"
)

// The door: who may come into the room. With admission on, a participant who
// has not been in the room this session waits at the door until a
// facilitator lets them in; a locked door turns away anyone who has not
// been in; a facilitator may send a participant out of this session, after
// which they wait at the door whenever they come back. Someone let in who
// drops and comes back is not held again. Facilitators are never held.
//
// Waiting is a presence only facilitators see (memberViewFor); the waiting
// member's connection is a subscription that hears nothing of the room until
// they are let in, when it gets its snapshot (room.go).

// Command types of the door.
const (
	TypeDoorAdmission = "door.admission"
	TypeDoorLock      = "door.lock"
	TypeDoorAdmit     = "door.admit"
	TypeDoorRemove    = "door.remove"
)

// Reasons a subscription ends at the door, told to the client in a "bye".
const (
	ReasonLocked  = "locked"  // the door is locked and they had not been in
	ReasonRemoved = "removed" // a facilitator sent them out of this session
)

// What the door says.
const (
	LockedText      = "The group has closed its door for this session. Your facilitator can see you tried; you are welcome next time."
	RemovedText     = "Your facilitator has asked you to step out of this session. You are welcome at the next one."
	admissionText   = "You are at the door. Your facilitator will let you in in a moment."
	askToReturnText = "Your facilitator can see you would like to come back in."
)

// ErrLocked is returned by Join for a participant who has not been in the
// room this session while its door is locked.
var ErrLocked = errors.New("the room's door is locked")

// Door is who may come in. Its slices are replaced, never changed in place.
type Door struct {
	// AdmitOnArrival: participants who have not been in the room this
	// session wait to be let in.
	AdmitOnArrival bool `json:"admitOnArrival,omitempty"`
	// Locked: participants who have not been in the room this session are
	// turned away.
	Locked bool `json:"locked,omitempty"`
	// Removed are the participants sent out of this session, until a
	// facilitator lets them back in.
	Removed []string `json:"removed,omitempty"`
	// TurnedAway are the participants a locked door turned away, so the
	// facilitators can see who tried. Unlocking forgets them.
	TurnedAway []string `json:"turnedAway,omitempty"`
}

func (d Door) clone() Door {
	d.Removed = slices.Clone(d.Removed)
	d.TurnedAway = slices.Clone(d.TurnedAway)
	return d
}

func (d Door) removed(id string) bool { return slices.Contains(d.Removed, id) }

// admitted reports whether m comes in without a word from the door: a
// facilitator, or a participant who has been in the room this session and
// was not sent out.
func (s *State) admitted(m Member) bool {
	return m.Role == Facilitator || (!m.FirstJoined.IsZero() && !s.Door.removed(m.ID))
}

// arrival is what the door does with someone who connects.
type arrival uint8

const (
	arriveIn     arrival = iota // into the room
	arriveWait                  // to wait at the door
	arriveLocked                // turned away
)

// arrive returns what the door does with m arriving now. Someone sent out
// waits, locked door or not: they may ask to come back.
func (s *State) arrive(m Member) arrival {
	switch {
	case s.admitted(m):
		return arriveIn
	case s.Door.removed(m.ID):
		return arriveWait
	case s.Door.Locked:
		return arriveLocked
	case s.Door.AdmitOnArrival:
		return arriveWait
	}
	return arriveIn
}

// offDoorstep returns the presence of a member who waited at the door once
// their last connection has ended: removed still, or as they were before
// they came to the door.
func (s *State) offDoorstep(m Member) Presence {
	switch {
	case s.Door.removed(m.ID):
		return Removed
	case !m.FirstJoined.IsZero():
		return Left
	}
	return Absent
}

// turnAway records that the locked door turned memberID away, for the
// facilitators to see. It reports false when it knew already.
func turnAway(s State, memberID string) (State, Change, bool) {
	if slices.Contains(s.Door.TurnedAway, memberID) {
		return s, Change{}, false
	}
	next := s.clone()
	next.Door.TurnedAway = append(next.Door.TurnedAway, memberID)
	next.Version = s.Version + 1
	var ch Change
	ch.doorChanged(&next)
	return next, ch, true
}

// doorChanged tells the facilitators of the door.
func (c *Change) doorChanged(s *State) {
	c.send(facilitatorsOnly(), fieldDoor, viewDoor(s, Facilitator))
}

// membersMoved tells each member of the members moved, each role as it may
// see them: one under "member", several as the whole roster under
// "members", so no event has a field twice.
func (c *Change) membersMoved(s *State, before []Member, ids []string) {
	if len(ids) == 1 {
		i := slices.IndexFunc(before, func(m Member) bool { return m.ID == ids[0] })
		m, _ := s.Member(ids[0])
		c.memberMoved(before[i], m)
		return
	}
	c.roster = true
	c.send(facilitatorsOnly(), fieldMembers, viewMembers(s, Facilitator))
	c.send(participantsOnly(), fieldMembers, viewMembers(s, Participant))
}

// moveAtDoor moves member i of s (a clone) to presence p, keeping the
// running activity in step; the caller tells the members.
func moveAtDoor(s *State, i int, p Presence, now time.Time, ch *Change) {
	setMemberPresence(&s.Members[i], p, now)
	if s.Current != nil && s.Members[i].Role == Participant {
		s.Current.Run.presence(s, s.Members[i], p, now, ch)
	}
}

// doorFor is the start of every door command: the role and a copy of s to
// change.
func doorFor(s State, actor Member, data json.RawMessage, in any) (State, error) {
	if err := requireFacilitator(actor); err != nil {
		return s, err
	}
	if err := decode(data, in); err != nil {
		return s, err
	}
	return s.clone(), nil
}

// participantAt returns the index of the participant id names, or an error
// for someone not on the roster or a facilitator.
func participantAt(s *State, id string) (int, error) {
	i := slices.IndexFunc(s.Members, func(m Member) bool { return m.ID == id })
	if i < 0 {
		return -1, errorf(CodeNotFound, "There is no such member in this room.")
	}
	if s.Members[i].Role != Participant {
		return -1, errorf(CodeNotAllowed, "A facilitator is never held at the door.")
	}
	return i, nil
}

// doorAdmission turns admission on or off. Turning it off lets in everyone
// waiting who was not sent out: nobody waits at an open door.
func doorAdmission(s State, now time.Time, actor Member, data json.RawMessage) (State, Change, error) {
	var in struct {
		AdmitOnArrival *bool `json:"admitOnArrival"`
	}
	next, err := doorFor(s, actor, data, &in)
	if err != nil {
		return s, Change{}, err
	}
	if in.AdmitOnArrival == nil {
		return s, Change{}, errorf(CodeInvalid, "Say whether arrivals wait to be let in (admitOnArrival).")
	}
	next.Door.AdmitOnArrival = *in.AdmitOnArrival
	var ch Change
	if !next.Door.AdmitOnArrival {
		admitWaiting(&next, s.Members, now, &ch, func(m Member) bool { return !next.Door.removed(m.ID) })
	}
	ch.doorChanged(&next)
	return next, ch, nil
}

// doorLock locks or unlocks the door.
func doorLock(s State, _ time.Time, actor Member, data json.RawMessage) (State, Change, error) {
	var in struct {
		Locked *bool `json:"locked"`
	}
	next, err := doorFor(s, actor, data, &in)
	if err != nil {
		return s, Change{}, err
	}
	if in.Locked == nil {
		return s, Change{}, errorf(CodeInvalid, "Say whether the door is locked (locked).")
	}
	next.Door.Locked = *in.Locked
	if !next.Door.Locked {
		next.Door.TurnedAway = nil
	}
	var ch Change
	ch.doorChanged(&next)
	return next, ch, nil
}

// doorAdmit lets in one participant who waits at the door (or lets one who
// was sent out back, connected or not), or everyone waiting.
func doorAdmit(s State, now time.Time, actor Member, data json.RawMessage) (State, Change, error) {
	var in struct {
		MemberID string `json:"memberId"`
		All      bool   `json:"all"`
	}
	next, err := doorFor(s, actor, data, &in)
	if err != nil {
		return s, Change{}, err
	}
	var ch Change
	if in.All {
		if !admitWaiting(&next, s.Members, now, &ch, func(Member) bool { return true }) {
			return s, Change{}, errorf(CodeInvalid, "Nobody is waiting at the door.")
		}
		ch.doorChanged(&next)
		return next, ch, nil
	}
	i, err := participantAt(&next, in.MemberID)
	if err != nil {
		return s, Change{}, err
	}
	m := next.Members[i]
	switch {
	case m.Presence == Waiting:
		admitWaiting(&next, s.Members, now, &ch, func(w Member) bool { return w.ID == m.ID })
	case next.Door.removed(m.ID):
		// Not connected: they come in when they do.
		next.Door.Removed = slices.DeleteFunc(slices.Clone(next.Door.Removed), func(id string) bool { return id == m.ID })
		moveAtDoor(&next, i, next.offDoorstep(m), now, &ch)
		ch.membersMoved(&next, s.Members, []string{m.ID})
		if next.Current != nil {
			ch.activity(&next)
		}
	default:
		return s, Change{}, errorf(CodeInvalid, "%s is not waiting at the door.", m.Name)
	}
	ch.doorChanged(&next)
	return next, ch, nil
}

// admitWaiting lets in every member waiting at the door whom let chooses,
// and reports whether there was anyone.
func admitWaiting(s *State, before []Member, now time.Time, ch *Change, let func(Member) bool) bool {
	var ids []string
	for i, m := range s.Members {
		if m.Presence != Waiting || !let(m) {
			continue
		}
		s.Door.Removed = slices.DeleteFunc(slices.Clone(s.Door.Removed), func(id string) bool { return id == m.ID })
		moveAtDoor(s, i, Present, now, ch)
		ids = append(ids, m.ID)
	}
	if len(ids) == 0 {
		return false
	}
	ch.membersMoved(s, before, ids)
	if s.Current != nil {
		ch.activity(s)
	}
	ch.admitted = ids
	return true
}

// doorRemove sends a participant out of this session. They stay on the
// cohort's roster; activities count them as gone.
func doorRemove(s State, now time.Time, actor Member, data json.RawMessage) (State, Change, error) {
	var in struct {
		MemberID string `json:"memberId"`
	}
	next, err := doorFor(s, actor, data, &in)
	if err != nil {
		return s, Change{}, err
	}
	i, err := participantAt(&next, in.MemberID)
	if err != nil {
		return s, Change{}, err
	}
	if next.Door.removed(in.MemberID) {
		return s, Change{}, errorf(CodeInvalid, "%s has been asked to step out already.", next.Members[i].Name)
	}
	next.Door.Removed = append(next.Door.Removed, in.MemberID)
	var ch Change
	moveAtDoor(&next, i, Removed, now, &ch)
	ch.membersMoved(&next, s.Members, []string{in.MemberID})
	if next.Current != nil {
		ch.activity(&next)
	}
	ch.doorChanged(&next)
	ch.removed = []string{in.MemberID}
	return next, ch, nil
}

// doorView is the door as facilitators see it.
type doorView struct {
	AdmitOnArrival bool     `json:"admitOnArrival"`
	Locked         bool     `json:"locked"`
	Removed        []string `json:"removed"`
	TurnedAway     []string `json:"turnedAway"`
}

// viewDoor returns the door as a member of role sees it: nil for a
// participant, who is never told of it.
func viewDoor(s *State, role Role) *doorView {
	if role != Facilitator {
		return nil
	}
	v := &doorView{AdmitOnArrival: s.Door.AdmitOnArrival, Locked: s.Door.Locked,
		Removed: s.Door.Removed, TurnedAway: s.Door.TurnedAway}
	if v.Removed == nil {
		v.Removed = []string{}
	}
	if v.TurnedAway == nil {
		v.TurnedAway = []string{}
	}
	return v
}

// snapshotDoor is the door as a snapshot carries it: nil for a participant,
// and for a door all off and empty.
func snapshotDoor(s *State, role Role) *doorView {
	d := s.Door
	if !d.AdmitOnArrival && !d.Locked && len(d.Removed) == 0 && len(d.TurnedAway) == 0 {
		return nil
	}
	return viewDoor(s, role)
}

// waitingAtDoor encodes the message of a member waiting at the door.
func waitingAtDoor(s *State, m Member, now time.Time) []byte {
	msg := struct {
		Type       string `json:"type"`
		ServerTime int64  `json:"serverTime"`
		Admission  bool   `json:"admission"`
		Removed    bool   `json:"removed,omitempty"`
		Cohort     string `json:"cohort"`
		Message    string `json:"message"`
	}{Type: "waiting", ServerTime: now.UnixMilli(), Admission: true, Cohort: s.Cohort, Message: admissionText}
	if s.Door.removed(m.ID) {
		msg.Removed, msg.Message = true, askToReturnText
	}
	return mustJSON(msg)
}

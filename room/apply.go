package room

import (
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Command is a member's action, as decoded from the wire. Data holds the
// type's own fields; Apply decodes and checks them.
type Command struct {
	Type string          // e.g. "checkin.answer"
	ID   string          // the client's action ID, for exactly-once
	Data json.RawMessage // may be empty for types without fields
}

// Command types a client may send.
const (
	TypeSync          = "sync"
	TypeCheckInStart  = "checkin.start"
	TypeCheckInAnswer = "checkin.answer"
	TypeCheckInClose  = "checkin.close"
	TypeActivityEnd   = "activity.end"
	TypeRoomClose     = "room.close"

	TypeAgendaStart  = "agenda.start"
	TypeAgendaNext   = "agenda.next"
	TypeAgendaAdd    = "agenda.add"
	TypeAgendaEdit   = "agenda.edit"
	TypeAgendaRemove = "agenda.remove"
	TypeAgendaMove   = "agenda.move"
	TypeAgendaSkip   = "agenda.skip"

	TypeGroundingPause  = "grounding.pause"
	TypeGroundingResume = "grounding.resume"
	TypeGroundingExtend = "grounding.extend"

	TypeCheckOutWord   = "checkout.word"
	TypeCheckOutReveal = "checkout.reveal"

	TypeCircleDone   = "circle.done"
	TypeCirclePass   = "circle.pass"
	TypeCircleNext   = "circle.next"
	TypeCircleGive   = "circle.give"
	TypeCircleSkip   = "circle.skip"
	TypeCircleOrder  = "circle.order"
	TypeCircleExtend = "circle.extend"
	TypeCircleEnd    = "circle.end"
	TypeCircleReact  = "circle.react"
	TypeCircleRaise  = "circle.raise"
	TypeCircleLower  = "circle.lower"
)

// Limits on what members may write, in characters.
const (
	MaxPrompt  = 300
	MaxFeeling = 40
	MaxNote    = 500
	MaxID      = 64
)

// Change says which parts of the room a transition changed, so the fan-out
// sends each member only those parts, as that member may see them.
type Change struct {
	Members  []string // IDs of members whose record changed
	Activity bool     // the current activity changed
	Mine     string   // the member whose own contribution changed
	Status   bool     // the room opened or closed
	Agenda   bool     // the agenda changed
	// Quiet: nobody but the actor may learn that anything happened (a
	// reaction to a share in progress). The state is committed and the
	// actor acknowledged, but the version does not move and nothing is
	// sent: even an empty event would tell the speaker, live, that someone
	// just reacted.
	Quiet bool
}

// Apply checks cmd from the member actorID against s and returns the state
// after it and what changed. It does no I/O and does not change s. On error
// nothing changed; the error is an *Error with a code for the client.
func Apply(s State, now time.Time, actorID string, cmd Command) (State, Change, error) {
	actor, ok := s.Member(actorID)
	if !ok {
		return s, Change{}, errorf(CodeNotAllowed, "You are not a member of this room.")
	}
	if s.Status != Open {
		return s, Change{}, errorf(CodeClosed, "The session has ended.")
	}
	var (
		next State
		ch   Change
		err  error
	)
	switch cmd.Type {
	case TypeCheckInStart:
		next, ch, err = checkInStart(s, now, actor, cmd.Data)
	case TypeCheckInAnswer:
		next, ch, err = checkInAnswer(s, now, actor, cmd.Data)
	case TypeCheckInClose:
		next, ch, err = checkInClose(s, now, actor)
	case TypeActivityEnd:
		next, ch, err = activityEnd(s, now, actor)
	case TypeRoomClose:
		next, ch, err = closeRoom(s, now, actor)
	case TypeAgendaStart:
		next, ch, err = agendaStart(s, now, actor, cmd.Data)
	case TypeAgendaNext:
		next, ch, err = agendaNext(s, now, actor)
	case TypeAgendaAdd:
		next, ch, err = agendaAdd(s, actor, cmd.Data)
	case TypeAgendaEdit:
		next, ch, err = agendaEdit(s, actor, cmd.Data)
	case TypeAgendaRemove:
		next, ch, err = agendaRemove(s, actor, cmd.Data)
	case TypeAgendaMove:
		next, ch, err = agendaMove(s, actor, cmd.Data)
	case TypeAgendaSkip:
		next, ch, err = agendaSkip(s, actor, cmd.Data)
	case TypeGroundingPause:
		next, ch, err = groundingPause(s, now, actor)
	case TypeGroundingResume:
		next, ch, err = groundingResume(s, now, actor)
	case TypeGroundingExtend:
		next, ch, err = groundingExtend(s, now, actor, cmd.Data)
	case TypeCheckOutWord:
		next, ch, err = checkOutWord(s, now, actor, cmd.Data)
	case TypeCheckOutReveal:
		next, ch, err = checkOutReveal(s, actor)
	case TypeIntentionWrite:
		next, ch, err = intentionWrite(s, now, actor, cmd.Data)
	case TypeIntentionReflect:
		next, ch, err = intentionReflect(s, now, actor, cmd.Data)
	case TypeIntentionCommit:
		next, ch, err = intentionCommit(s, now, actor, cmd.Data)
	case TypeIntentionReveal:
		next, ch, err = intentionReveal(s, now, actor)
	case TypeCircleDone:
		next, ch, err = circleDone(s, now, actor, cmd.Data)
	case TypeCirclePass:
		next, ch, err = circlePass(s, now, actor, cmd.Data)
	case TypeCircleNext:
		next, ch, err = circleNext(s, now, actor)
	case TypeCircleGive:
		next, ch, err = circleGive(s, now, actor, cmd.Data)
	case TypeCircleSkip:
		next, ch, err = circleSkip(s, now, actor, cmd.Data)
	case TypeCircleOrder:
		next, ch, err = circleOrder(s, actor, cmd.Data)
	case TypeCircleExtend:
		next, ch, err = circleExtend(s, now, actor, cmd.Data)
	case TypeCircleEnd:
		next, ch, err = circleEnd(s, now, actor)
	case TypeCircleReact:
		next, ch, err = circleReact(s, actor, cmd.Data)
	case TypeCircleRaise:
		next, ch, err = circleHand(s, actor, true)
	case TypeCircleLower:
		next, ch, err = circleHand(s, actor, false)
	default:
		return s, Change{}, errorf(CodeUnknownType, "Unknown message type %q.", cmd.Type)
	}
	if err != nil {
		return s, Change{}, err
	}
	next.remember(actorID, cmd.ID)
	next.Version = s.Version
	if !ch.Quiet {
		next.Version++
	}
	return next, ch, nil
}

func requireFacilitator(m Member) error {
	if m.Role != Facilitator {
		return errorf(CodeNotAllowed, "Only a facilitator can do this.")
	}
	return nil
}

func decode(data json.RawMessage, v any) error {
	if len(data) == 0 {
		data = []byte("{}")
	}
	if err := json.Unmarshal(data, v); err != nil {
		return errorf(CodeInvalid, "The message's data could not be read.")
	}
	return nil
}

func checkInStart(s State, now time.Time, actor Member, data json.RawMessage) (State, Change, error) {
	if err := requireFacilitator(actor); err != nil {
		return s, Change{}, err
	}
	var in struct {
		Prompt     string     `json:"prompt"`
		Visibility Visibility `json:"visibility"`
	}
	if err := decode(data, &in); err != nil {
		return s, Change{}, err
	}
	// The same rules as a planned check-in.
	it, err := Item{Kind: KindCheckIn, Prompt: in.Prompt, Visibility: in.Visibility}.Normalize()
	if err != nil {
		return s, Change{}, err
	}
	if s.Current != nil {
		return s, Change{}, errorf(CodeClosed, "Another activity is running; end it first.")
	}
	if len(s.Agenda) >= MaxItems {
		return s, Change{}, errorf(CodeInvalid, "An agenda has at most %d activities.", MaxItems)
	}
	// An ad-hoc check-in joins the agenda, so the agenda stays the whole
	// story of the session.
	next := s.clone()
	it.ID, it.Status = uuid.Must(uuid.NewV7()).String(), Pending
	next.Agenda = append(next.Agenda, it)
	startItem(&next, len(next.Agenda)-1, now)
	return next, Change{Activity: true, Agenda: true}, nil
}

func checkInAnswer(s State, now time.Time, actor Member, data json.RawMessage) (State, Change, error) {
	if actor.Role != Participant {
		return s, Change{}, errorf(CodeNotAllowed, "Only participants answer the check-in.")
	}
	if s.Current == nil || s.Current.CheckIn == nil {
		return s, Change{}, errorf(CodeClosed, "There is no check-in now.")
	}
	if !s.Current.CheckIn.Open {
		return s, Change{}, errorf(CodeClosed, "The check-in is closed.")
	}
	var in struct {
		Scale   *int    `json:"scale"`
		State   Arousal `json:"state"`
		Feeling string  `json:"feeling"`
		Note    string  `json:"note"`
	}
	if err := decode(data, &in); err != nil {
		return s, Change{}, err
	}
	if in.Scale == nil || *in.Scale < 0 || *in.Scale > 10 {
		return s, Change{}, errorf(CodeInvalid, "The scale must be a whole number from 0 to 10.")
	}
	switch in.State {
	case Hypo, Within, Hyper:
	default:
		return s, Change{}, errorf(CodeInvalid, "Choose hypo-aroused, within the window or hyper-aroused.")
	}
	in.Feeling = strings.TrimSpace(in.Feeling)
	in.Note = strings.TrimSpace(in.Note)
	if utf8.RuneCountInString(in.Feeling) > MaxFeeling {
		return s, Change{}, errorf(CodeInvalid, "The feeling word is longer than %d characters.", MaxFeeling)
	}
	if utf8.RuneCountInString(in.Note) > MaxNote {
		return s, Change{}, errorf(CodeInvalid, "The sentence is longer than %d characters.", MaxNote)
	}
	next := s.clone()
	next.Current.CheckIn.Answers[actor.ID] = Answer{
		MemberID: actor.ID,
		Scale:    *in.Scale,
		State:    in.State,
		Feeling:  in.Feeling,
		Note:     in.Note,
		At:       now,
	}
	return next, Change{Activity: true, Mine: actor.ID}, nil
}

func checkInClose(s State, now time.Time, actor Member) (State, Change, error) {
	if err := requireFacilitator(actor); err != nil {
		return s, Change{}, err
	}
	if s.Current == nil || s.Current.CheckIn == nil || !s.Current.CheckIn.Open {
		return s, Change{}, errorf(CodeClosed, "There is no open check-in.")
	}
	next := s.clone()
	next.Current.CheckIn.Open = false
	next.Current.CheckIn.ClosedAt = now
	return next, Change{Activity: true}, nil
}

func activityEnd(s State, now time.Time, actor Member) (State, Change, error) {
	if err := requireFacilitator(actor); err != nil {
		return s, Change{}, err
	}
	if s.Current == nil {
		return s, Change{}, errorf(CodeClosed, "The room is already gathering.")
	}
	next := s.clone()
	endCurrent(&next, now)
	return next, Change{Activity: true, Agenda: true}, nil
}

// finish returns a copy of a as it goes into the history: whatever is still
// open is closed at now, so the history never holds an open activity.
func finish(a Activity, now time.Time) Activity {
	c := a.clone()
	if ci := c.CheckIn; ci != nil && ci.Open {
		ci.Open = false
		ci.ClosedAt = now
	}
	if g := c.Grounding; g != nil && g.EndedAt.IsZero() {
		g.EndedAt = now
	}
	if co := c.CheckOut; co != nil && co.EndedAt.IsZero() {
		co.EndedAt = now
	}
	if in := c.Intentions; in != nil && in.EndedAt.IsZero() {
		in.EndedAt = now
	}
	if cc := c.Circle; cc != nil && cc.EndedAt.IsZero() {
		finishCircle(cc, now)
	}
	return c
}

func closeRoom(s State, now time.Time, actor Member) (State, Change, error) {
	if err := requireFacilitator(actor); err != nil {
		return s, Change{}, err
	}
	next := s.clone()
	endCurrent(&next, now)
	next.Status = Closed
	next.ClosedAt = now
	return next, Change{Activity: true, Status: true, Agenda: true}, nil
}

// setPresence moves a member to presence p. It returns ok false when nothing
// changes, so no version is spent on it.
func setPresence(s State, now time.Time, memberID string, p Presence) (State, Change, bool) {
	for i, m := range s.Members {
		if m.ID != memberID {
			continue
		}
		if m.Presence == p {
			return s, Change{}, false
		}
		next := s.clone()
		next.Members[i].Presence = p
		next.Members[i].Since = now
		if p == Present && m.FirstJoined.IsZero() {
			next.Members[i].FirstJoined = now
		}
		if m.Presence == Present {
			next.Members[i].Drops++
			next.Members[i].LastLeft = now
		}
		next.Version = s.Version + 1
		ch := Change{Members: []string{memberID}}
		// The number of people a check-in waits for follows presence.
		if next.Current != nil && m.Role == Participant {
			ch.Activity = true
			ch.Mine = circlePresence(&next, m, p, now)
		}
		return next, ch, true
	}
	return s, Change{}, false
}

// AddMember puts a member on the roster (a participant added while the room
// is live, or a co-facilitator). Adding an existing member renames them.
func addMember(s State, m Member) (State, Change, bool) {
	for i, old := range s.Members {
		if old.ID == m.ID {
			if old.Name == m.Name {
				return s, Change{}, false
			}
			next := s.clone()
			next.Members[i].Name = m.Name
			next.Version = s.Version + 1
			return next, Change{Members: []string{m.ID}}, true
		}
	}
	next := s.clone()
	if m.Presence == "" {
		m.Presence = Absent
	}
	next.Members = append(next.Members, m)
	next.Version = s.Version + 1
	return next, Change{Members: []string{m.ID}}, true
}

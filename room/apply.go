package room

import (
	"encoding/json"
	"time"
)

// Command is a member's action, as decoded from the wire. Data holds the
// type's own fields; Apply decodes and checks them.
type Command struct {
	Type string          // e.g. "checkin.answer"
	ID   string          // the client's action ID, for exactly-once
	Data json.RawMessage // may be empty for types without fields
}

// Command types of the room itself; each activity kind has its own (in
// its file).
const (
	TypeSync        = "sync"
	TypeActivityEnd = "activity.end"
	TypeRoomClose   = "room.close"

	TypeAgendaStart  = "agenda.start"
	TypeAgendaNext   = "agenda.next"
	TypeAgendaAdd    = "agenda.add"
	TypeAgendaEdit   = "agenda.edit"
	TypeAgendaRemove = "agenda.remove"
	TypeAgendaMove   = "agenda.move"
	TypeAgendaSkip   = "agenda.skip"
)

// Limits on what members may write, in characters.
const (
	MaxPrompt  = 300
	MaxFeeling = 40
	MaxNote    = 500
	MaxID      = 64
)

// roomCommands are the room's own commands; the kinds' are in commands.
var roomCommands = map[string]transition{
	TypeActivityEnd:  activityEnd,
	TypeRoomClose:    closeRoom,
	TypeAgendaStart:  agendaStart,
	TypeAgendaNext:   agendaNext,
	TypeAgendaAdd:    agendaAdd,
	TypeAgendaEdit:   agendaEdit,
	TypeAgendaRemove: agendaRemove,
	TypeAgendaMove:   agendaMove,
	TypeAgendaSkip:   agendaSkip,

	TypeRoomPause:     roomPause,
	TypeRoomResume:    roomResume,
	TypeDoorAdmission: doorAdmission,
	TypeDoorLock:      doorLock,
	TypeDoorAdmit:     doorAdmit,
	TypeDoorRemove:    doorRemove,
	// Care in the room (care.go).
	TypeSupportRaise:    supportRaise,
	TypeSupportWithdraw: supportWithdraw,
	TypeSupportAck:      supportAck,
	TypeSupportClear:    supportClear,
	TypeMessageSend:     messageSend,
	TypeMessageRead:     messageRead,
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
	do, ok := roomCommands[cmd.Type]
	if !ok {
		do, ok = commands[cmd.Type]
	}
	if !ok {
		return s, Change{}, errorf(CodeUnknownType, "Unknown message type %q.", cmd.Type)
	}
	if err := frozenRefuses(&s, cmd.Type); err != nil {
		return s, Change{}, err
	}
	next, ch, err := do(s, now, actor, cmd.Data)
	if err != nil {
		return s, Change{}, err
	}
	next.Version = s.Version
	if !ch.quiet {
		next.Version++
		ch.peopleIfChanged(&s, &next)
	}
	next.remember(actorID, cmd.ID, next.Version)
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

func activityEnd(s State, now time.Time, actor Member, _ json.RawMessage) (State, Change, error) {
	if err := requireFacilitator(actor); err != nil {
		return s, Change{}, err
	}
	if s.Current == nil {
		return s, Change{}, errorf(CodeClosed, "The room is already gathering.")
	}
	next := s.clone()
	endCurrent(&next, now)
	var ch Change
	ch.agendaChanged(&next)
	ch.activity(&next)
	return next, ch, nil
}

func closeRoom(s State, now time.Time, actor Member, _ json.RawMessage) (State, Change, error) {
	if err := requireFacilitator(actor); err != nil {
		return s, Change{}, err
	}
	next := s.clone()
	endCurrent(&next, now)
	next.Status = Closed
	next.ClosedAt = now
	var ch Change
	ch.agendaChanged(&next)
	ch.activity(&next)
	ch.send(everyone(), fieldStatus, next.Status)
	return next, ch, nil
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
		setMemberPresence(&next.Members[i], p, now)
		next.Version = s.Version + 1
		var ch Change
		ch.memberMoved(m, next.Members[i])
		if m.Role == Facilitator {
			holdFollowsFacilitators(&next, now, &ch)
		}
		if m.Role == Participant && m.Presence == Present && p == Reconnecting {
			flagDrop(&next, m, now, &ch)
		}
		// The number of people an activity waits for follows presence.
		if next.Current != nil && m.Role == Participant {
			next.Current.Run.presence(&next, next.Members[i], p, now, &ch)
			ch.activity(&next)
		}
		ch.peopleIfChanged(&s, &next)
		return next, ch, true
	}
	return s, Change{}, false
}

// setMemberPresence moves m to presence p at now, keeping what attendance
// counts.
func setMemberPresence(m *Member, p Presence, now time.Time) {
	was, since := m.Presence, m.Since
	m.Stays = m.withStay(p, now)
	m.Presence = p
	m.Since = now
	if p == Present && m.FirstJoined.IsZero() {
		m.FirstJoined = now
	}
	if p == Left {
		// Only an absence past the grace is a drop (a removal is none): a
		// reload, Back or a reissued link comes back within it. It began
		// when they were last seen, when they stopped being present.
		m.Drops++
		m.LastLeft = now
		if was == Reconnecting {
			m.LastLeft = since
		}
	}
}

// addMember puts a member on the roster (a participant added while the room
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
			var ch Change
			ch.memberChanged(next.Members[i])
			return next, ch, true
		}
	}
	next := s.clone()
	if m.Presence == "" {
		m.Presence = Absent
	}
	next.Members = append(next.Members, m)
	next.Version = s.Version + 1
	var ch Change
	ch.memberChanged(m)
	ch.peopleIfChanged(&s, &next)
	return next, ch, true
}

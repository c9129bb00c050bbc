package room

import "slices"

// Events name their audience. A transition says, where it makes each part
// of an event, who that part is for: everyone(), facilitatorsOnly(),
// participantsOnly(), onlyMember(id) or allBut(id). The fan-out only routes
// and encodes: it never looks at what a part holds to decide who gets it. Every member still gets one event for every version (an empty
// one when nothing of it is theirs to see), so a gap in versions always
// means a message was lost.

// audienceKind is the shape of an audience.
type audienceKind uint8

const (
	toEveryone audienceKind = iota
	toFacilitators
	toParticipants
	toMember
	toAllBut
)

// audience is who a part of an event is for.
type audience struct {
	kind   audienceKind
	member string // for toMember and toAllBut
}

// everyone is every member of the room.
func everyone() audience { return audience{kind: toEveryone} }

// facilitatorsOnly is the room's facilitators.
func facilitatorsOnly() audience { return audience{kind: toFacilitators} }

// participantsOnly is the room's participants.
func participantsOnly() audience { return audience{kind: toParticipants} }

// onlyMember is one member.
func onlyMember(id string) audience { return audience{kind: toMember, member: id} }

// allBut is every member but one (the actor, say).
func allBut(id string) audience { return audience{kind: toAllBut, member: id} }

// includes reports whether m is in the audience.
func (a audience) includes(m Member) bool {
	switch a.kind {
	case toEveryone:
		return true
	case toFacilitators:
		return m.Role == Facilitator
	case toParticipants:
		return m.Role == Participant
	case toMember:
		return m.ID == a.member
	case toAllBut:
		return m.ID != a.member
	}
	return false
}

// The fields of an event a part can fill. Parts that fill one field go to
// audiences that do not overlap, so no member gets a field twice.
const (
	fieldMember   = "member"
	fieldStatus   = "status"
	fieldAgenda   = "agenda"
	fieldActivity = "activity"
	fieldMine     = "mine"
	fieldMembers  = "members"
	fieldHold     = "hold"
	fieldDoor     = "door"
	fieldVideoURL = "videoUrl"
	// Care in the room (care.go).
	fieldSupport = "support"
	fieldFlags   = "flags"
	fieldThread  = "thread"
	fieldPeople  = "people"
)

// part is one field of an event, for one audience.
type part struct {
	to    audience
	field string
	value any
}

// Change is what one transition did: the parts of its event, each with its
// audience, and which parts of the state it changed, for the store.
type Change struct {
	parts []part
	// quiet: nobody but the actor may learn that anything happened (a
	// reaction to a share in progress). The state is committed and the
	// actor acknowledged, but the version does not move and nothing is
	// sent: even an empty event would tell the speaker, live, that someone
	// just reacted.
	quiet bool
	// roster and agenda say the state's Members or Agenda changed.
	roster, agenda bool
	// admitted and removed name the members the door let in or sent out:
	// once the change is published, the room turns their waiting
	// subscriptions into the room's, or ends them (door.go).
	admitted, removed []string
	// care says the state's Signals or Flags changed; thread names the
	// participant whose thread changed, or "".
	care   bool
	thread string
}

// send adds a part of the event for the audience to.
func (c *Change) send(to audience, field string, v any) {
	if c.parts == nil {
		c.parts = make([]part, 0, 4) // most changes have two to four parts
	}
	c.parts = append(c.parts, part{to: to, field: field, value: v})
}

// activity sends the current activity (null while the room gathers), each
// role its own view of it.
func (c *Change) activity(s *State) {
	c.send(facilitatorsOnly(), fieldActivity, viewActivity(s, Facilitator))
	c.send(participantsOnly(), fieldActivity, viewActivity(s, Participant))
}

// agendaChanged marks the agenda changed and sends it, each role its own
// view of it.
func (c *Change) agendaChanged(s *State) {
	c.agenda = true
	c.send(facilitatorsOnly(), fieldAgenda, viewAgenda(s, Facilitator))
	c.send(participantsOnly(), fieldAgenda, viewAgenda(s, Participant))
}

// mine sends each of the members their own part of the current activity.
func (c *Change) mine(s *State, ids ...string) {
	for _, id := range ids {
		if slices.ContainsFunc(c.parts, func(p part) bool {
			return p.field == fieldMine && p.to == onlyMember(id)
		}) {
			continue
		}
		mv := viewMine(s, id)
		c.send(onlyMember(id), fieldMine, &mv)
	}
}

// mineOfParticipants sends every participant their own part of the current
// activity: for a change that moves something each of them holds a copy of
// (the share in progress, in a circle).
func (c *Change) mineOfParticipants(s *State) {
	for _, m := range s.Members {
		if m.Role == Participant {
			c.mine(s, m.ID)
		}
	}
}

// memberChanged marks the roster changed and tells everyone of the member,
// each role as it may see them.
func (c *Change) memberChanged(m Member) {
	c.roster = true
	fv, pv := viewMember(m), memberViewFor(m, Participant)
	if fv == pv {
		c.send(everyone(), fieldMember, &fv)
		return
	}
	c.send(facilitatorsOnly(), fieldMember, &fv)
	c.send(participantsOnly(), fieldMember, &pv)
}

// memberMoved is memberChanged for a member who was old before. Participants
// are told nothing when what they see of the member is unchanged: a knock
// at the door is the facilitators' to see.
func (c *Change) memberMoved(old, m Member) {
	if memberViewFor(old, Participant) != memberViewFor(m, Participant) {
		c.memberChanged(m)
		return
	}
	c.roster = true
	fv := viewMember(m)
	c.send(facilitatorsOnly(), fieldMember, &fv)
}

// Record is what a committed change hands the store: the state after it,
// and which of the parts the store keeps apart changed with it, so the
// store writes exactly those. The room's own fields and its current
// activity are written with every record; finished activities are in
// State.History and never change once there.
type Record struct {
	State *State
	// Roster, Agenda and Journeys say that the state's Members, Agenda or
	// Journeys changed (all three for the room's first record).
	Roster, Agenda, Journeys bool
	// Applied names the member whose remembered action IDs changed, or "".
	Applied string
	// Care says the state's Signals or Flags changed; Thread names the
	// participant whose thread (State.Threads) changed, or "".
	Care   bool
	Thread string
}

// firstRecord is the record of a room's first state: every part is new.
func firstRecord(s *State) Record {
	return Record{State: s, Roster: true, Agenda: true, Journeys: true, Applied: "", Care: true}
}

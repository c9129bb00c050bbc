package room

import "slices"

// Events name their audience. A transition says, where it makes each part
// of an event, who that part is for: everyone, the facilitators, the
// participants, one member, or everyone but one member. The fan-out only
// routes and encodes: it never looks at what a part holds to decide who
// gets it. Every member still gets one event for every version (an empty
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

// Audience is who a part of an event is for.
type Audience struct {
	kind   audienceKind
	member string // for toMember and toAllBut
}

// Everyone is every member of the room.
func Everyone() Audience { return Audience{kind: toEveryone} }

// Facilitators are the room's facilitators.
func Facilitators() Audience { return Audience{kind: toFacilitators} }

// Participants are the room's participants.
func Participants() Audience { return Audience{kind: toParticipants} }

// OnlyMember is one member.
func OnlyMember(id string) Audience { return Audience{kind: toMember, member: id} }

// AllBut is every member but one (the actor, say).
func AllBut(id string) Audience { return Audience{kind: toAllBut, member: id} }

// includes reports whether m is in the audience.
func (a Audience) includes(m Member) bool {
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
)

// part is one field of an event, for one audience.
type part struct {
	to    Audience
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
}

// send adds a part of the event for the audience to.
func (c *Change) send(to Audience, field string, v any) {
	c.parts = append(c.parts, part{to: to, field: field, value: v})
}

// activity sends the current activity (null while the room gathers), each
// role its own view of it.
func (c *Change) activity(s *State) {
	c.send(Facilitators(), fieldActivity, viewActivity(s, Facilitator))
	c.send(Participants(), fieldActivity, viewActivity(s, Participant))
}

// agendaChanged marks the agenda changed and sends it, each role its own
// view of it.
func (c *Change) agendaChanged(s *State) {
	c.agenda = true
	c.send(Facilitators(), fieldAgenda, viewAgenda(s, Facilitator))
	c.send(Participants(), fieldAgenda, viewAgenda(s, Participant))
}

// mine sends each of the members their own part of the current activity.
func (c *Change) mine(s *State, ids ...string) {
	for _, id := range ids {
		if slices.ContainsFunc(c.parts, func(p part) bool {
			return p.field == fieldMine && p.to == OnlyMember(id)
		}) {
			continue
		}
		mv := viewMine(s, id)
		c.send(OnlyMember(id), fieldMine, &mv)
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

// memberChanged marks the roster changed and tells everyone of the member.
func (c *Change) memberChanged(m Member) {
	c.roster = true
	mv := viewMember(m)
	c.send(Everyone(), fieldMember, &mv)
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
}

// firstRecord is the record of a room's first state: every part is new.
func firstRecord(s *State) Record {
	return Record{State: s, Roster: true, Agenda: true, Journeys: true, Applied: ""}
}

package room

import (
	"maps"
	"slices"
)

// EraseMember returns the room without anything of the member memberID:
// their roster entry, what they wrote or chose in every activity (the
// current one and the finished ones), their support signals, flags and
// private thread, the journey carried in for them, their remembered
// actions and their place at the door. Aggregates that counted them are
// recomputed or dropped by each kind (Run.erase). s is not changed. A
// member not on the roster leaves the room as it was, but for whatever
// else still names them. Erasure is for rooms that are not live: a live
// room's members would keep what they were sent.
func EraseMember(s State, memberID string) State {
	m, _ := s.Member(memberID)
	m.ID = memberID
	c := s.clone()
	c.Members = slices.DeleteFunc(c.Members, func(x Member) bool { return x.ID == memberID })
	if c.Current != nil && c.Current.Run != nil {
		c.Current.Run.erase(m) // c.Current is a clone already
	}
	for i := range c.History {
		a := c.History[i].clone()
		if a.Run != nil {
			a.Run.erase(m)
		}
		c.History[i] = a
	}
	if c.Applied != nil {
		delete(c.Applied, memberID)
	}
	if _, ok := c.Journeys[memberID]; ok {
		c.Journeys = maps.Clone(c.Journeys)
		delete(c.Journeys, memberID)
	}
	c.Signals = slices.DeleteFunc(slices.Clone(c.Signals), func(x Signal) bool { return x.MemberID == memberID })
	c.Flags = slices.DeleteFunc(slices.Clone(c.Flags), func(x Flag) bool { return x.MemberID == memberID })
	if _, ok := c.Threads[memberID]; ok {
		c.Threads = maps.Clone(c.Threads)
		delete(c.Threads, memberID)
	}
	c.Door.Removed = slices.DeleteFunc(c.Door.Removed, func(id string) bool { return id == memberID })
	c.Door.TurnedAway = slices.DeleteFunc(c.Door.TurnedAway, func(id string) bool { return id == memberID })
	return c
}

// Package room is the live room of a session: its state machine (activities,
// presence), its member subscriptions and the fan-out of committed changes.
//
// The room knows nothing of HTTP or of bbolt. A change travels one way: a
// Command is checked and applied by the pure function Apply, the new State is
// handed to the Store and committed, and only then is it swapped in,
// acknowledged and offered to each member's bounded queue.
package room

import (
	"encoding/json"
	"maps"
	"slices"
	"time"
)

// Role is what a member may do in a room.
type Role string

const (
	Facilitator Role = "facilitator"
	Participant Role = "participant"
)

// Presence says whether a member is with the room.
type Presence string

const (
	Absent       Presence = "absent"       // on the roster, not come yet
	Present      Presence = "present"      // connected
	Reconnecting Presence = "reconnecting" // the connection dropped within the grace period
	Left         Presence = "left"         // gone for longer than the grace period
	// Waiting: connected, not admitted yet (the door, door.go). Removed:
	// sent out of this session. Participants see neither (memberViewFor).
	Waiting Presence = "waiting"
	Removed Presence = "removed"
)

// Status is whether the room is live.
type Status string

const (
	Open   Status = "open"
	Closed Status = "closed"
)

// Arousal is a window-of-tolerance state.
type Arousal string

const (
	Hypo   Arousal = "hypo"
	Within Arousal = "within"
	Hyper  Arousal = "hyper"
)

// Member is someone on the room's roster. IDs are the participant's or the
// facilitator account's ID, so a member keeps their place across reconnects.
type Member struct {
	ID       string    `json:"id"`
	Name     string    `json:"name"`
	Role     Role      `json:"role"`
	Presence Presence  `json:"presence"`
	Since    time.Time `json:"since"` // when Presence last changed
	// FirstJoined is zero until the member first connects; kept for attendance.
	FirstJoined time.Time `json:"firstJoined,omitzero"`
	// Drops counts the times the member was away longer than the grace
	// period (they became Left), and LastLeft is when the last of those
	// absences began (their connection was lost): attendance tells a
	// dropped-and-back from a left-early. A reload or a restart they come
	// back from within the grace is not counted. (Rooms stored by earlier
	// versions counted every lost connection, each as it was lost.)
	Drops    int       `json:"drops,omitempty"`
	LastLeft time.Time `json:"lastLeft,omitzero"`
	// Stays are the spans the member was present, oldest first, so a
	// journey holds only what they were there to see. A room stored before
	// stays were kept has none for anyone: its journeys show every activity,
	// as they did then. At most maxStays are kept; older ones are merged.
	// The slice is replaced, never changed in place, so clones share it.
	Stays []Stay `json:"stays,omitempty"`
}

// Stay is a span of time a member was present in the room. To is zero while
// the stay goes on.
type Stay struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to,omitzero"`
}

// maxStays bounds a member's stays: a flaky phone makes one per reconnect,
// and the roster is written with every presence change.
const maxStays = 16

// saw reports whether one of the member's stays overlaps the span from
// start to end (end zero: still going on). A member without stays (a room
// stored before they were kept) counts as having seen everything since
// they first came.
func (m *Member) saw(start, end time.Time) bool {
	if len(m.Stays) == 0 {
		return !m.FirstJoined.IsZero()
	}
	for _, st := range m.Stays {
		if (end.IsZero() || !st.From.After(end)) && (st.To.IsZero() || !st.To.Before(start)) {
			return true
		}
	}
	return false
}

// withStay returns the member's stays after their presence moved at now
// from m.Presence to p: a stay opens when they become present and closes
// when they stop being present.
func (m *Member) withStay(p Presence, now time.Time) []Stay {
	stays := m.Stays
	if n := len(stays); n > 0 && stays[n-1].To.IsZero() && m.Presence != Present {
		// A stay left open by a move that did not pass through here (a
		// restart marks everyone reconnecting) ended when that move was
		// made.
		stays = append(slices.Clip(stays[:n-1]), Stay{From: stays[n-1].From, To: m.Since})
	}
	switch {
	case p == Present && m.Presence != Present:
		from := now
		if len(stays) == 0 && !m.FirstJoined.IsZero() {
			// They came before stays were kept (the room was stored by an
			// earlier version): as then, they count as here since they first
			// came.
			from = m.FirstJoined
		}
		stays = append(slices.Clip(stays), Stay{From: from})
	case p != Present && m.Presence == Present:
		if n := len(stays); n > 0 && stays[n-1].To.IsZero() {
			stays = append(slices.Clip(stays[:n-1]), Stay{From: stays[n-1].From, To: now})
		}
	}
	if len(stays) > maxStays {
		// Merge the two oldest: the gap between them counts as seen. A
		// journey may then hold an activity of that gap, never one from
		// before they first came.
		merged := Stay{From: stays[0].From, To: stays[1].To}
		stays = append([]Stay{merged}, stays[2:]...)
	}
	return stays
}

// State is everything a room is, as committed to the store. It is treated as
// a value: Apply returns a new State and never changes the one it was given.
type State struct {
	SessionID string    `json:"sessionId"`
	CohortID  string    `json:"cohortId"`
	Title     string    `json:"title"`
	Cohort    string    `json:"cohort"`
	VideoURL  string    `json:"videoUrl"`
	Status    Status    `json:"status"`
	Version   uint64    `json:"version"`
	OpenedAt  time.Time `json:"openedAt"`
	ClosedAt  time.Time `json:"closedAt,omitzero"`
	// Members in roster order: facilitators first, then participants.
	Members []Member `json:"members"`
	// Agenda is the session's plan, with each item's status.
	Agenda []Item `json:"agenda,omitempty"`
	// Current is nil while the room is gathering.
	Current *Activity `json:"current,omitempty"`
	// History holds finished activities, oldest first.
	History []Activity `json:"history,omitempty"`
	// Applied remembers each member's most recent actions, so an action
	// retried after a reconnect is applied once. It is committed with the
	// change it belongs to, so the promise survives a restart.
	Applied map[string][]AppliedAction `json:"applied,omitempty"`
	// Journeys is what the room carries in from the cohort's earlier
	// sessions (BuildJourneys). It is filled when the room opens and never
	// changed after (no command writes it), so clones share it.
	Journeys Journeys `json:"journeys,omitempty"`
	// Hold is whether the room stands still (hold.go).
	Hold Hold `json:"hold,omitzero"`
	// Door is who may come in (door.go). Door.AdmitOnArrival is the
	// cohort's setting when the room opens; the session service sets it.
	Door Door `json:"door,omitzero"`
	// Signals is every support signal of the session, oldest first, open or
	// ended; Flags every flag; Threads the private threads, by participant
	// ID (care.go). Transitions replace them, never change them in place,
	// so clones share them.
	Signals []Signal          `json:"signals,omitempty"`
	Flags   []Flag            `json:"flags,omitempty"`
	Threads map[string]Thread `json:"threads,omitempty"`

	// names is the roster's names by member ID while Summarize builds a
	// summary from its own copy of the state, so that naming everyone in
	// every activity is not a walk over the roster each; nil otherwise,
	// as the roster of a running room changes.
	names map[string]string
}

// appliedMemory is how many action IDs are remembered per member. A client
// retries only the actions it sent before its last drop, far fewer than this.
const appliedMemory = 64

// Member returns the member with the given ID.
func (s *State) Member(id string) (Member, bool) {
	for _, m := range s.Members {
		if m.ID == id {
			return m, true
		}
	}
	return Member{}, false
}

// AppliedAction is an action the room applied: the client's ID for it, and
// the room's version once it was applied.
type AppliedAction struct {
	ID      string `json:"id"`
	Version uint64 `json:"v"`
}

// UnmarshalJSON reads an applied action, or the bare ID that rooms stored
// before they kept the version (Version 0: not known).
func (a *AppliedAction) UnmarshalJSON(data []byte) error {
	if len(data) > 0 && data[0] == '"' {
		*a = AppliedAction{}
		return json.Unmarshal(data, &a.ID)
	}
	type plain AppliedAction
	return json.Unmarshal(data, (*plain)(a))
}

// clone returns a deep copy, so a transition can change it freely.
func (s State) clone() State {
	c := s
	c.Members = slices.Clone(s.Members)
	c.Agenda = slices.Clone(s.Agenda) // an item's Settings are values
	if s.Current != nil {
		a := s.Current.clone()
		c.Current = &a
	}
	c.History = slices.Clone(s.History) // finished activities are never changed
	if s.Applied != nil {
		c.Applied = maps.Clone(s.Applied) // slices are replaced, never appended to in place
	}
	c.Door = s.Door.clone()
	return c
}

// applied returns the action the member's action ID names, if it was
// applied.
func (s *State) applied(memberID, actionID string) (AppliedAction, bool) {
	for _, a := range s.Applied[memberID] {
		if a.ID == actionID {
			return a, true
		}
	}
	return AppliedAction{}, false
}

func (s *State) remember(memberID, actionID string, version uint64) {
	if actionID == "" {
		return
	}
	if s.Applied == nil {
		s.Applied = make(map[string][]AppliedAction)
	}
	old := s.Applied[memberID]
	if len(old) >= appliedMemory {
		old = old[len(old)-appliedMemory+1:]
	}
	ids := make([]AppliedAction, 0, len(old)+1)
	ids = append(ids, old...)
	s.Applied[memberID] = append(ids, AppliedAction{ID: actionID, Version: version})
}

// Expected counts the participants who are with the room now (present or
// reconnecting): the people an activity waits for.
func (s *State) Expected() int {
	n := 0
	for _, m := range s.Members {
		if m.Role == Participant && (m.Presence == Present || m.Presence == Reconnecting) {
			n++
		}
	}
	return n
}

// cloneMap copies m, never returning nil: transitions write into the copy.
func cloneMap[V any](m map[string]V) map[string]V {
	if m == nil {
		return map[string]V{}
	}
	return maps.Clone(m)
}

package room

import (
	"encoding/json"
	"time"
)

// This file builds every byte that leaves the room toward a member: the
// snapshot (the room as that member may see it, from each kind's view and
// mine) and the events of committed changes, routed by the audiences the
// changes name (event.go). What a member may see of an activity is decided
// in its kind's file.

type memberView struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Role     Role     `json:"role"`
	Presence Presence `json:"presence"`
}

// itemView is an agenda item as a participant sees it: where the group is,
// not what the facilitator has planned to ask.
type itemView struct {
	ID     string     `json:"id"`
	Kind   Kind       `json:"kind"`
	Title  string     `json:"title,omitempty"`
	Status ItemStatus `json:"status"`
}

type roomView struct {
	SessionID string       `json:"sessionId"`
	Title     string       `json:"title"`
	Cohort    string       `json:"cohort"`
	VideoURL  string       `json:"videoUrl"`
	Status    Status       `json:"status"`
	Members   []memberView `json:"members"`
	Agenda    any          `json:"agenda"`
	Activity  any          `json:"activity"`
	Mine      mineView     `json:"mine"`
	// Hold is left out while the room is not frozen, and Door (the
	// facilitators' alone) while it is all off and empty: a snapshot
	// replaces everything, so a client reads either's absence as that.
	Hold *holdView `json:"hold,omitempty"`
	Door *doorView `json:"door,omitempty"`
	careView
}

type snapshotMessage struct {
	Type       string     `json:"type"`
	Version    uint64     `json:"version"`
	ServerTime int64      `json:"serverTime"`
	You        memberView `json:"you"`
	Room       roomView   `json:"room"`
}

func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func viewMember(m Member) memberView {
	return memberView{ID: m.ID, Name: m.Name, Role: m.Role, Presence: m.Presence}
}

// viewMembers returns the roster as a member of role sees it.
func viewMembers(s *State, role Role) []memberView {
	out := make([]memberView, len(s.Members))
	for i, m := range s.Members {
		out[i] = memberViewFor(m, role)
	}
	return out
}

// memberViewFor returns the member as a member of role sees them: the door
// is the facilitators' to see, so a participant sees someone waiting as not
// come yet (or gone, when they had been in) and someone removed as gone.
func memberViewFor(m Member, role Role) memberView {
	v := viewMember(m)
	if role == Facilitator {
		return v
	}
	switch m.Presence {
	case Waiting:
		v.Presence = Absent
		if !m.FirstJoined.IsZero() {
			v.Presence = Left
		}
	case Removed:
		v.Presence = Left
	}
	return v
}

// viewAgenda returns the agenda as a member of role may see it.
func viewAgenda(s *State, role Role) any {
	if role == Facilitator {
		if s.Agenda == nil {
			return []Item{}
		}
		return s.Agenda
	}
	out := make([]itemView, len(s.Agenda))
	for i, it := range s.Agenda {
		out[i] = itemView{ID: it.ID, Kind: it.Kind, Title: it.Title, Status: it.Status}
	}
	return out
}

// viewActivity returns the current activity as a member of role may see it,
// or nil while the room is gathering.
func viewActivity(s *State, role Role) any {
	if s.Current == nil || s.Current.Run == nil {
		return nil
	}
	return s.Current.Run.view(s, s.Current.ItemID, role)
}

// mineView is a member's own part of the current activity, under its
// kind's field ("answer", "word", "intentions", "circle"); empty when they
// have none.
type mineView map[string]any

// viewMine returns the member's own part of the current activity.
func viewMine(s *State, memberID string) mineView {
	if s.Current == nil || s.Current.Run == nil {
		return mineView{}
	}
	field, v := s.Current.Run.mine(s, memberID)
	if v == nil {
		return mineView{}
	}
	return mineView{field: v}
}

// snapshot encodes the whole room as the member may see it.
func snapshot(s *State, m Member, now time.Time) []byte {
	msg := snapshotMessage{
		Type:       "snapshot",
		Version:    s.Version,
		ServerTime: now.UnixMilli(),
		You:        viewMember(m),
		Room: roomView{
			SessionID: s.SessionID,
			Title:     s.Title,
			Cohort:    s.Cohort,
			VideoURL:  s.VideoURL,
			Status:    s.Status,
			Members:   viewMembers(s, m.Role),
			Agenda:    viewAgenda(s, m.Role),
			Activity:  viewActivity(s, m.Role),
			Mine:      viewMine(s, m.ID),
			Hold:      snapshotHold(s.Hold),
			Door:      snapshotDoor(s, m.Role),
			careView:  viewCare(s, m),
		},
	}
	return mustJSON(msg)
}

// fanout builds the event of one committed change for each member from
// the change's parts. Each part is encoded once, and members who get the
// same parts share one Message, so the cost of a change does not grow with
// the room's size beyond one queue send per member.
type fanout struct {
	head  []byte // {"type":"event","version":…,"serverTime":… without its '}'
	parts []part
	enc   [][]byte // each part's value, encoded on first use
	// shared holds the messages of members with no part of their own, by
	// the set of parts they get.
	shared map[uint64]*Message
	fan    *fanTrack
}

func newFanout(version uint64, now time.Time, parts []part, fan *fanTrack) *fanout {
	head := mustJSON(struct {
		Type       string `json:"type"`
		Version    uint64 `json:"version"`
		ServerTime int64  `json:"serverTime"`
	}{"event", version, now.UnixMilli()})
	return &fanout{head: head[:len(head)-1], parts: parts, enc: make([][]byte, len(parts)), fan: fan}
}

// messageTo returns the message for m: the parts whose audience includes
// m, and nothing else.
func (f *fanout) messageTo(m Member) *Message {
	var mask uint64
	own := false
	for i, p := range f.parts {
		if p.to.includes(m) {
			own = own || p.to.kind == toMember || i >= 64
			if i < 64 {
				mask |= 1 << i
			}
		}
	}
	if own {
		return f.build(m)
	}
	if msg, ok := f.shared[mask]; ok {
		return msg
	}
	msg := f.build(m)
	if f.shared == nil {
		f.shared = make(map[uint64]*Message, 2)
	}
	f.shared[mask] = msg
	return msg
}

// build encodes the event as m gets it.
func (f *fanout) build(m Member) *Message {
	n := len(f.head) + 1
	for i, p := range f.parts {
		if p.to.includes(m) {
			if f.enc[i] == nil {
				f.enc[i] = mustJSON(p.value)
			}
			n += len(p.field) + 4 + len(f.enc[i])
		}
	}
	out := make([]byte, 0, n)
	out = append(out, f.head...)
	for i, p := range f.parts {
		if p.to.includes(m) {
			out = append(out, ',', '"')
			out = append(out, p.field...)
			out = append(out, '"', ':')
			out = append(out, f.enc[i]...)
		}
	}
	return &Message{Data: append(out, '}'), fan: f.fan}
}

// ackMessage and errorMessage are the replies to the sender of an action.
type ackMessage struct {
	Type      string `json:"type"`
	ID        string `json:"id"`
	Version   uint64 `json:"version"`
	Duplicate bool   `json:"duplicate,omitempty"`
}

type errorMessage struct {
	Type    string `json:"type"`
	ID      string `json:"id"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// ErrorMessage encodes an error reply for the client.
func ErrorMessage(actionID, code, message string) []byte {
	return mustJSON(errorMessage{Type: "error", ID: actionID, Code: code, Message: message})
}

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		// Only our own view types are encoded here; they cannot fail.
		panic("room: encode view: " + err.Error())
	}
	return b
}

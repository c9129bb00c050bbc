package storage

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"sync"

	"hearth/room"
)

// recordOut is what a roomRecord is encoded from: the State with the parts
// that most saves leave unchanged (members, agenda, remembered action IDs)
// shadowed, left nil so they are omitted, and appended afterwards from
// their encoding in a partsCache. Every other field of State, the current
// activity included, is encoded by encoding/json as before, so a field
// added to State is stored without anyone remembering to add it here.
// readRoom decodes the result as a roomRecord.
type recordOut struct {
	*room.State
	HistoryLen int `json:"historyLen"`

	Members []struct{} `json:"members,omitempty"`
	Agenda  []struct{} `json:"agenda,omitempty"`
	Applied []struct{} `json:"applied,omitempty"`
	History []struct{} `json:"history,omitempty"`
}

// partsCache holds, for one live room, the encoding of the parts of its
// last saved state that an action rarely changes: an answer changes the
// current check-in and one member's action IDs, not the roster with its
// timestamps, nor the agenda, nor the other members' IDs. A part is
// encoded again only when it is not equal to what was encoded last, so the
// cache can never hand out an encoding of something else.
type partsCache struct {
	mu          sync.Mutex
	members     []room.Member
	membersJSON []byte
	agenda      []room.Item
	agendaJSON  []byte
	applied     map[string]appliedJSON // by member ID
}

// appliedJSON is one member's remembered action IDs and their encoding,
// the member's ID included: "id":["a","b"].
type appliedJSON struct {
	ids  []string
	json []byte
}

// parts returns the cache of a live room, made on first use.
func (db *DB) parts(sessionID string) *partsCache {
	db.handedMu.Lock()
	defer db.handedMu.Unlock()
	p, ok := db.cached[sessionID]
	if !ok {
		p = &partsCache{applied: make(map[string]appliedJSON)}
		db.cached[sessionID] = p
	}
	return p
}

// encodeRecord encodes s as a roomRecord of historyLen finished activities
// (which it does not encode: they are stored apart), reusing the encoding
// of the parts that did not change since the room's last save in p.
func encodeRecord(p *partsCache, s *room.State, historyLen int) ([]byte, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	// The rest of the state goes to a pooled buffer, copied once into the
	// record below: a save allocates the record and little else.
	scratch := scratchPool.Get().(*bytes.Buffer)
	defer scratchPool.Put(scratch)
	scratch.Reset()
	if err := json.NewEncoder(scratch).Encode(recordOut{State: s, HistoryLen: historyLen}); err != nil {
		return nil, err
	}
	out := bytes.TrimSuffix(scratch.Bytes(), []byte("\n")) // Encode ends with a newline
	var err error
	if !slices.Equal(p.members, s.Members) || p.membersJSON == nil {
		if p.membersJSON, err = json.Marshal(s.Members); err != nil {
			return nil, err
		}
		p.members = slices.Clone(s.Members)
	}
	if len(s.Agenda) > 0 && (!slices.EqualFunc(p.agenda, s.Agenda, sameItem) || p.agendaJSON == nil) {
		if p.agendaJSON, err = json.Marshal(s.Agenda); err != nil {
			return nil, err
		}
		p.agenda = slices.Clone(s.Agenda)
	}

	// In key order, as encoding/json writes a map.
	ids := slices.Sorted(maps.Keys(s.Applied))
	appliedLen := 0
	for _, id := range ids {
		a, ok := p.applied[id]
		if !ok || !slices.Equal(a.ids, s.Applied[id]) {
			key, err := json.Marshal(id)
			if err != nil {
				return nil, err
			}
			list, err := json.Marshal(s.Applied[id])
			if err != nil {
				return nil, err
			}
			a = appliedJSON{ids: slices.Clone(s.Applied[id]), json: append(append(key, ':'), list...)}
			p.applied[id] = a
		}
		appliedLen += len(a.json) + 1
	}

	// out ends with '}': append the parts to the object.
	buf := make([]byte, 0, len(out)+len(`,"members":`)+len(p.membersJSON)+len(`,"agenda":`)+len(p.agendaJSON)+len(`,"applied":{}`)+appliedLen+1)
	buf = append(buf, out[:len(out)-1]...)
	buf = append(buf, `,"members":`...)
	buf = append(buf, p.membersJSON...)
	if len(s.Agenda) > 0 {
		buf = append(buf, `,"agenda":`...)
		buf = append(buf, p.agendaJSON...)
	}
	if len(ids) > 0 {
		buf = append(buf, `,"applied":{`...)
		for i, id := range ids {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = append(buf, p.applied[id].json...)
		}
		buf = append(buf, '}')
	}
	// Members removed from the room keep their IDs in Applied, so this
	// holds at most the IDs of everyone who was ever on the roster.
	return append(buf, '}'), nil
}

// scratchPool holds the buffers encodeRecord encodes into.
var scratchPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// sameItem reports whether two agenda items encode the same.
func sameItem(a, b room.Item) bool {
	if a.Breath != b.Breath {
		if a.Breath == nil || b.Breath == nil || *a.Breath != *b.Breath {
			return false
		}
		a.Breath = b.Breath
	}
	return a == b
}

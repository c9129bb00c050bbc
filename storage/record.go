package storage

import (
	"bytes"
	"encoding/json"
	"maps"
	"reflect"
	"slices"
	"sync"

	"hearth/room"
)

// A live room is stored in three places, so that an action writes little:
//
//   - rooms/<session>: the record, the State without the parts below (the
//     current activity and the room's own fields: about 2 KB with a
//     check-in of ten answers, under one 4 KiB page);
//   - room_parts/<session>\x00<tag>[member ID]: the parts that most actions
//     leave alone, each written only when it changed: the roster (tag 'm'),
//     the agenda ('a'), the journeys ('j', set once when the room opens) and
//     each member's remembered action IDs ('p' and the member's ID);
//   - room_history/<session>\x00<index>: each finished activity, written once.
//
// A record of schema 2 holds the roster, agenda, journeys and action IDs
// inline (it has no "parts" field) and still reads; the room's first save
// in schema 3 writes every part and a record without them.
const (
	partMembers  = 'm'
	partAgenda   = 'a'
	partJourneys = 'j'
	partApplied  = 'p'
)

// recordOut is what a record is encoded from: the State with the parts
// stored apart shadowed, left nil so they are omitted. Every other field of
// State, the current activity included, is encoded by encoding/json, so a
// field added to State is stored without anyone remembering to add it here.
// readRoom decodes the result as a roomRecord.
type recordOut struct {
	*room.State
	HistoryLen int  `json:"historyLen"`
	Parts      bool `json:"parts"`

	Members  []struct{} `json:"members,omitempty"`
	Agenda   []struct{} `json:"agenda,omitempty"`
	Applied  []struct{} `json:"applied,omitempty"`
	History  []struct{} `json:"history,omitempty"`
	Journeys []struct{} `json:"journeys,omitempty"`
}

// part is one key of room_parts to write, or to delete when value is nil.
type part struct {
	key   []byte
	value []byte
}

// partsCache holds, for one live room, the parts of the last state handed
// to the committer. A save writes a part only when it is not equal to the
// one handed over last; states of a room reach the committer in order and
// are committed in version order (commit), so the parts in the database
// are always those of the latest committed state. When a state is encoded
// but not handed over, the room's cache is dropped (forgetParts) and its
// next save writes every part.
type partsCache struct {
	mu       sync.Mutex
	members  []room.Member
	agenda   []room.Item
	journeys map[string][]room.PastIntention
	applied  map[string][]string // by member ID
	written  bool                // false until a first save wrote every part
}

// parts returns the cache of a live room, made on first use.
func (db *DB) parts(sessionID string) *partsCache {
	db.handedMu.Lock()
	defer db.handedMu.Unlock()
	p, ok := db.cached[sessionID]
	if !ok {
		p = &partsCache{}
		db.cached[sessionID] = p
	}
	return p
}

// forgetParts drops a room's cache after a state was encoded against it but
// never handed over: what the cache says was written may not be.
func (db *DB) forgetParts(sessionID string) {
	db.handedMu.Lock()
	defer db.handedMu.Unlock()
	delete(db.cached, sessionID)
}

// encodeRecord encodes s as the record of a room with historyLen finished
// activities (stored apart), and the parts that changed since the state
// last handed over, which it records in p as handed over.
func encodeRecord(p *partsCache, s *room.State, historyLen int) ([]byte, []part, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	var parts []part
	add := func(tag byte, memberID string, v any) error {
		value, err := json.Marshal(v)
		if err != nil {
			return err
		}
		parts = append(parts, part{key: partKey(s.SessionID, tag, memberID), value: value})
		return nil
	}
	if !p.written || !slices.Equal(p.members, s.Members) {
		if err := add(partMembers, "", s.Members); err != nil {
			return nil, nil, err
		}
		p.members = slices.Clone(s.Members)
	}
	if !p.written || !slices.EqualFunc(p.agenda, s.Agenda, sameItem) {
		if err := add(partAgenda, "", s.Agenda); err != nil {
			return nil, nil, err
		}
		p.agenda = slices.Clone(s.Agenda)
	}
	// Journeys are set when a room opens and never changed in place after
	// (State says so): the same map is the same journeys.
	if !p.written || !sameMap(p.journeys, s.Journeys) {
		if err := add(partJourneys, "", s.Journeys); err != nil {
			return nil, nil, err
		}
		p.journeys = s.Journeys
	}
	if p.applied == nil {
		p.applied = make(map[string][]string, len(s.Applied))
	}
	for _, id := range slices.Sorted(maps.Keys(s.Applied)) {
		if ids, ok := p.applied[id]; !ok || !slices.Equal(ids, s.Applied[id]) {
			if err := add(partApplied, id, s.Applied[id]); err != nil {
				return nil, nil, err
			}
			p.applied[id] = slices.Clone(s.Applied[id])
		}
	}
	// Members removed from a room keep their IDs in Applied, so this is
	// rare; a state without them must not read back with them.
	for id := range p.applied {
		if _, ok := s.Applied[id]; !ok {
			parts = append(parts, part{key: partKey(s.SessionID, partApplied, id)})
			delete(p.applied, id)
		}
	}
	p.written = true

	// The record goes to a pooled buffer, copied once: a save allocates the
	// record, the changed parts and little else.
	scratch := scratchPool.Get().(*bytes.Buffer)
	defer scratchPool.Put(scratch)
	scratch.Reset()
	if err := json.NewEncoder(scratch).Encode(recordOut{State: s, HistoryLen: historyLen, Parts: true}); err != nil {
		return nil, nil, err
	}
	record := bytes.Clone(bytes.TrimSuffix(scratch.Bytes(), []byte("\n"))) // Encode ends with a newline
	return record, parts, nil
}

// partKey is the room_parts key of one part of a room: the session ID, a
// zero byte, the part's tag and, for a member's action IDs, the member's ID.
func partKey(sessionID string, tag byte, memberID string) []byte {
	k := make([]byte, 0, len(sessionID)+2+len(memberID))
	k = append(k, sessionID...)
	k = append(k, 0, tag)
	return append(k, memberID...)
}

// readParts puts the parts of a schema 3 record back into s, inside the
// transaction. A room without its roster is an error: every first save
// writes it.
func readParts(c cursor, sessionID []byte, s *room.State) error {
	prefix := append(bytes.Clone(sessionID), 0)
	roster := false
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		rest := k[len(prefix):]
		if len(rest) == 0 {
			continue
		}
		var err error
		switch rest[0] {
		case partMembers:
			roster = true
			err = json.Unmarshal(v, &s.Members)
		case partAgenda:
			err = json.Unmarshal(v, &s.Agenda)
		case partJourneys:
			err = json.Unmarshal(v, &s.Journeys)
		case partApplied:
			var ids []string
			if err = json.Unmarshal(v, &ids); err == nil {
				if s.Applied == nil {
					s.Applied = make(map[string][]string)
				}
				s.Applied[string(rest[1:])] = ids
			}
		}
		if err != nil {
			return err
		}
	}
	if !roster {
		return errRosterMissing
	}
	return nil
}

// cursor is the part of a bbolt cursor readParts uses.
type cursor interface {
	Seek(seek []byte) (key, value []byte)
	Next() (key, value []byte)
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

// sameMap reports whether a and b are the same map (not merely equal).
func sameMap[M ~map[K]V, K comparable, V any](a, b M) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}

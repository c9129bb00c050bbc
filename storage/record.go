package storage

import (
	"bytes"
	"encoding/json"
	"maps"
	"slices"
	"sync"
	"time"

	"hearth/room"
)

// A live room is stored in three places, so that an action writes little:
//
//   - rooms/<session>: the record, the State without the parts below (the
//     current activity and the room's own fields: about 2 KB with a
//     check-in of ten answers, under one 4 KiB page);
//   - room_parts/<session>\x00<tag>[member ID]: the parts that most actions
//     leave alone, each written only when it changed: the roster (tag 'm'),
//     the agenda ('a'), the journeys ('j', set once when the room opens),
//     each member's remembered action IDs ('p' and the member's ID), the
//     support signals and flags ('c') and each participant's private thread
//     ('t' and the participant's ID);
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
	partCare     = 'c'
	partThread   = 't'
)

// carePart is what the care part ('c') holds.
type carePart struct {
	Signals []room.Signal `json:"signals,omitempty"`
	Flags   []room.Flag   `json:"flags,omitempty"`
}

// head is what a room's record under rooms/<session> holds: the room's own
// fields and its current activity, named one by one. A field added to
// room.State is stored only once it is added here or to the parts
// (TestRecordCoversState fails until then).
type head struct {
	SessionID  string         `json:"sessionId"`
	CohortID   string         `json:"cohortId"`
	Title      string         `json:"title"`
	Cohort     string         `json:"cohort"`
	VideoURL   string         `json:"videoUrl"`
	Status     room.Status    `json:"status"`
	Version    uint64         `json:"version"`
	OpenedAt   time.Time      `json:"openedAt"`
	ClosedAt   time.Time      `json:"closedAt,omitzero"`
	Hold       room.Hold      `json:"hold,omitzero"`
	Door       room.Door      `json:"door,omitzero"`
	Current    *room.Activity `json:"current,omitempty"`
	HistoryLen int            `json:"historyLen"`
	Parts      bool           `json:"parts"`
}

// part is one key of room_parts to write.
type part struct {
	key   []byte
	value []byte
}

// partsWritten reports whether a save of the room in this process has
// handed over every part; until one has, a save writes them all.
func (db *DB) partsWritten(sessionID string) bool {
	db.handedMu.Lock()
	defer db.handedMu.Unlock()
	return db.written[sessionID]
}

// setPartsWritten records whether the room's parts in the database are
// those of the last record handed over. A record encoded but never handed
// over sets it false: the next save writes every part.
func (db *DB) setPartsWritten(sessionID string, ok bool) {
	db.handedMu.Lock()
	defer db.handedMu.Unlock()
	if ok {
		db.written[sessionID] = true
	} else {
		delete(db.written, sessionID)
	}
}

// encodeRecord encodes rec's state as the record of a room with historyLen
// finished activities (stored apart), and the parts rec says changed (all
// of them when all is set).
func encodeRecord(rec room.Record, historyLen int, all bool) ([]byte, []part, error) {
	s := rec.State
	var parts []part
	add := func(tag byte, memberID string, v any) error {
		value, err := json.Marshal(v)
		if err != nil {
			return err
		}
		parts = append(parts, part{key: partKey(s.SessionID, tag, memberID), value: value})
		return nil
	}
	if all || rec.Roster {
		if err := add(partMembers, "", s.Members); err != nil {
			return nil, nil, err
		}
	}
	if all || rec.Agenda {
		if err := add(partAgenda, "", s.Agenda); err != nil {
			return nil, nil, err
		}
	}
	if all || rec.Journeys {
		if err := add(partJourneys, "", s.Journeys); err != nil {
			return nil, nil, err
		}
	}
	if all || rec.Care {
		if err := add(partCare, "", carePart{Signals: s.Signals, Flags: s.Flags}); err != nil {
			return nil, nil, err
		}
	}
	if all {
		for _, id := range slices.Sorted(maps.Keys(s.Threads)) {
			if err := add(partThread, id, s.Threads[id]); err != nil {
				return nil, nil, err
			}
		}
	} else if rec.Thread != "" {
		if err := add(partThread, rec.Thread, s.Threads[rec.Thread]); err != nil {
			return nil, nil, err
		}
	}
	if all {
		for _, id := range slices.Sorted(maps.Keys(s.Applied)) {
			if err := add(partApplied, id, s.Applied[id]); err != nil {
				return nil, nil, err
			}
		}
	} else if rec.Applied != "" {
		if err := add(partApplied, rec.Applied, s.Applied[rec.Applied]); err != nil {
			return nil, nil, err
		}
	}

	// The record goes to a pooled buffer, copied once: a save allocates the
	// record, the changed parts and little else.
	scratch := scratchPool.Get().(*bytes.Buffer)
	defer scratchPool.Put(scratch)
	scratch.Reset()
	// The current activity is appended by hand (it is the larger part of
	// the record): through head it would be encoded by its MarshalJSON and
	// then copied and scanned again by encoding/json, which doubled the
	// cost of a save. The record decodes the same either way.
	h := head{
		SessionID: s.SessionID, CohortID: s.CohortID, Title: s.Title, Cohort: s.Cohort, VideoURL: s.VideoURL,
		Status: s.Status, Version: s.Version, OpenedAt: s.OpenedAt, ClosedAt: s.ClosedAt,
		Hold: s.Hold, Door: s.Door,
		HistoryLen: historyLen, Parts: true,
	}
	if err := json.NewEncoder(scratch).Encode(h); err != nil {
		return nil, nil, err
	}
	scratch.Truncate(scratch.Len() - 1) // Encode ends with a newline
	if s.Current != nil {
		scratch.Truncate(scratch.Len() - 1) // head's '}'
		scratch.WriteString(`,"current":`)
		// Onto the buffer's spare room, which the pool keeps from save to
		// save: a save allocates the record and little else.
		b, err := s.Current.AppendJSON(scratch.AvailableBuffer())
		if err != nil {
			return nil, nil, err
		}
		scratch.Write(b)
		scratch.WriteByte('}')
	}
	return bytes.Clone(scratch.Bytes()), parts, nil
}

// partKey is the room_parts key of one part of a room: the session ID, a
// zero byte, the part's tag and, for a member's action IDs or thread, the
// member's ID.
func partKey(sessionID string, tag byte, memberID string) []byte {
	k := make([]byte, 0, len(sessionID)+2+len(memberID))
	k = append(k, sessionID...)
	k = append(k, 0, tag)
	return append(k, memberID...)
}

// readParts puts the parts of a schema 3 record back into s, inside the
// transaction, the journeys part only when journeys is set. A room without
// its roster is an error: every first save writes it.
func readParts(c cursor, sessionID []byte, s *room.State, journeys bool) error {
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
			if journeys {
				err = json.Unmarshal(v, &s.Journeys)
			}
		case partApplied:
			var ids []room.AppliedAction
			if err = json.Unmarshal(v, &ids); err == nil {
				if s.Applied == nil {
					s.Applied = make(map[string][]room.AppliedAction)
				}
				s.Applied[string(rest[1:])] = ids
			}
		case partCare:
			var c carePart
			if err = json.Unmarshal(v, &c); err == nil {
				s.Signals, s.Flags = c.Signals, c.Flags
			}
		case partThread:
			var t room.Thread
			if err = json.Unmarshal(v, &t); err == nil {
				if s.Threads == nil {
					s.Threads = make(map[string]room.Thread)
				}
				s.Threads[string(rest[1:])] = t
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

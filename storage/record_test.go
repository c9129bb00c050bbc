package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"hearth/room"
)

// TestRoomParts follows one room through changes to each part stored apart
// (roster, agenda, journeys, each member's remembered actions), each saved
// with the record a room would hand over, and checks that the room reads
// back as it was saved, before and after a reopen.
func TestRoomParts(t *testing.T) {
	db := newDB(t)
	s := loadRoom(t, 3)
	check := func(what string, rec room.Record) {
		t.Helper()
		s.Version++
		rec.State = &s
		saveRecord(t, db.DB, rec)
		if got, want := getRoom(t, db.DB, s.SessionID), roundTrip(t, s); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: read back\ngot  %+v\nwant %+v", what, got, want)
		}
	}
	check("first save", whole(&s))
	check("the same state again", room.Record{})
	s = cloneState(s)
	s.Members[3].Presence, s.Members[3].Since = room.Reconnecting, t0.Add(time.Hour)
	check("a member reconnecting", room.Record{Roster: true})
	s = cloneState(s)
	id := s.Members[2].ID
	s.Applied[id] = []room.AppliedAction{{ID: "a-new", Version: s.Version + 1}}
	check("one member's remembered actions replaced", room.Record{Applied: id})
	s = cloneState(s)
	s.Applied["someone-removed"] = []room.AppliedAction{{ID: "a-1", Version: 2}, {ID: `a-"quoted"<&>`, Version: s.Version + 1}}
	check("actions of a member no longer on the roster", room.Record{Applied: "someone-removed"})
	s = cloneState(s)
	s.Journeys = room.Journeys{s.Members[1].ID: {{ID: "i-1", MemberID: s.Members[1].ID, SessionID: "earlier", Text: "rest more", SetAt: t0}}}
	check("journeys set", room.Record{Journeys: true})
	s = cloneState(s)
	s.Signals = []room.Signal{{MemberID: s.Members[2].ID, Level: room.SupportNow, At: t0, AckedAt: t0.Add(time.Second), AckedBy: s.Members[0].ID}}
	check("a signal raised and answered", room.Record{Care: true})
	s = cloneState(s)
	s.Flags = []room.Flag{{MemberID: s.Members[2].ID, Reason: room.DroppedAfterSignal, At: t0.Add(time.Minute)}}
	check("a flag", room.Record{Care: true})
	s = cloneState(s)
	s.Threads = map[string]room.Thread{s.Members[2].ID: {Messages: []room.ThreadMessage{{N: 1, From: s.Members[0].ID, Text: `How are you? <"&">`, At: t0}}, ReadByFacilitators: 1}}
	check("a thread begun", room.Record{Thread: s.Members[2].ID})
	s = cloneState(s)
	s.Threads[s.Members[3].ID] = room.Thread{Messages: []room.ThreadMessage{{N: 1, From: s.Members[3].ID, Text: "Hello", At: t0}}, ReadByParticipant: 1}
	check("a second thread", room.Record{Thread: s.Members[3].ID})
	s = cloneState(s)
	s.Agenda[0].Title = "Renamed"
	check("an agenda item renamed", room.Record{Agenda: true})
	s = cloneState(s)
	s.Agenda = append(s.Agenda, room.Item{ID: "item-pause", Kind: room.KindGrounding, Title: "Pause", Status: room.Pending,
		Settings: room.GroundingSettings{Seconds: 90}})
	check("a grounding pause added", room.Record{Agenda: true})
	s = cloneState(s)
	last := len(s.Agenda) - 1
	s.Agenda[last].Settings = room.GroundingSettings{Seconds: 90, Breath: &room.Breath{In: 4, Hold: 2, Out: 6}}
	check("a breath added", room.Record{Agenda: true})
	s = cloneState(s)
	g := s.Agenda[last].Settings.(room.GroundingSettings)
	b := *g.Breath
	b.Out = 8
	g.Breath = &b
	s.Agenda[last].Settings = g
	check("a breath changed", room.Record{Agenda: true})
	s = cloneState(s)
	s.Agenda, s.Journeys = nil, nil
	check("no agenda, no journeys", room.Record{Agenda: true, Journeys: true})
	s = cloneState(s)
	s.Members = s.Members[:2]
	s.Status, s.ClosedAt = room.Closed, t0.Add(2*time.Hour)
	check("closed with a smaller roster", room.Record{Roster: true})
	s = cloneState(s)
	s.Members = nil
	check("no members", room.Record{Roster: true})

	want := roundTrip(t, s)
	db.reopen(t)
	if got := getRoom(t, db.DB, s.SessionID); !reflect.DeepEqual(got, want) {
		t.Errorf("after reopen:\ngot  %+v\nwant %+v", got, want)
	}
}

// TestRecordFlags checks which parts a save writes: those its record says
// changed, or every part (every member's remembered actions included) when
// the store cannot know what the database holds: on a room's first save in
// the process, and after a record was encoded but never handed over.
func TestRecordFlags(t *testing.T) {
	// saved is the usual start: the room saved once in this process.
	saved := func(t *testing.T, db *testDB, s *room.State) { saveRoom(t, db.DB, s) }
	for _, tc := range []struct {
		name   string
		before func(t *testing.T, db *testDB, s *room.State) // nil: the room was never saved
		// change changes the state as one transition would and returns
		// the record the room would hand over.
		change func(s *room.State) room.Record
		// want lists the parts written, as partName names them ("applied"
		// for the member the record names); nil: every part.
		want []string
	}{
		{
			name:   "a room's first save writes every part, whatever its record says",
			change: func(s *room.State) room.Record { return room.Record{State: s} },
		},
		{
			name:   "a record that names nothing writes no part",
			before: saved,
			change: func(s *room.State) room.Record { s.Title = "renamed"; return room.Record{State: s} },
			want:   []string{},
		},
		{
			name:   "a record that says the roster changed writes the roster only",
			before: saved,
			change: func(s *room.State) room.Record {
				s.Members[3].Presence = room.Reconnecting
				return room.Record{State: s, Roster: true}
			},
			want: []string{"members"},
		},
		{
			name:   "a record that says the agenda changed writes the agenda only",
			before: saved,
			change: func(s *room.State) room.Record {
				s.Agenda[0].Title = "Renamed"
				return room.Record{State: s, Agenda: true}
			},
			want: []string{"agenda"},
		},
		{
			name:   "a record that says the journeys changed writes the journeys only",
			before: saved,
			change: func(s *room.State) room.Record {
				s.Journeys = room.Journeys{s.Members[1].ID: {{ID: "i-1", MemberID: s.Members[1].ID, Text: "rest", SetAt: t0}}}
				return room.Record{State: s, Journeys: true}
			},
			want: []string{"journeys"},
		},
		{
			name:   "a record that names one member's actions writes that member's applied part only",
			before: saved,
			change: func(s *room.State) room.Record {
				id := s.Members[4].ID
				s.Applied[id] = append(slices.Clone(s.Applied[id]), room.AppliedAction{ID: "a-new", Version: s.Version})
				return room.Record{State: s, Applied: id}
			},
			want: []string{"applied"},
		},
		{
			name:   "a record that says the signals or flags changed writes the care part only",
			before: saved,
			change: func(s *room.State) room.Record {
				s.Signals = []room.Signal{{MemberID: s.Members[2].ID, Level: room.SupportNow, At: t0}}
				s.Flags = []room.Flag{{MemberID: s.Members[2].ID, Reason: room.DroppedAfterSignal, At: t0.Add(time.Second)}}
				return room.Record{State: s, Care: true}
			},
			want: []string{"care"},
		},
		{
			name:   "a record that names one thread writes that thread only",
			before: saved,
			change: func(s *room.State) room.Record {
				id := s.Members[3].ID
				s.Threads = map[string]room.Thread{id: {Messages: []room.ThreadMessage{{N: 1, From: id, Text: "Can we talk?", At: t0}}, ReadByParticipant: 1}}
				return room.Record{State: s, Thread: id}
			},
			want: []string{"thread"},
		},
		{
			name:   "a record that names every kind of part writes each",
			before: saved,
			change: func(s *room.State) room.Record {
				s.Members[3].Presence = room.Reconnecting
				s.Agenda[0].Title = "Renamed"
				s.Journeys = room.Journeys{s.Members[1].ID: {{ID: "i-1", MemberID: s.Members[1].ID, Text: "rest", SetAt: t0}}}
				id := s.Members[4].ID
				s.Applied[id] = append(slices.Clone(s.Applied[id]), room.AppliedAction{ID: "a-new", Version: s.Version})
				s.Signals = []room.Signal{{MemberID: s.Members[2].ID, Level: room.SupportMoment, At: t0}}
				s.Threads = map[string]room.Thread{id: {Messages: []room.ThreadMessage{{N: 1, From: s.Members[0].ID, Text: "Here.", At: t0}}}}
				return room.Record{State: s, Roster: true, Agenda: true, Journeys: true, Applied: id, Care: true, Thread: id}
			},
			want: []string{"members", "agenda", "journeys", "care", "thread", "applied"},
		},
		{
			name: "a room's first save after a reopen writes every part",
			before: func(t *testing.T, db *testDB, s *room.State) {
				saveRoom(t, db.DB, s)
				db.reopen(t)
			},
			change: func(s *room.State) room.Record {
				id := s.Members[4].ID
				s.Applied[id] = append(slices.Clone(s.Applied[id]), room.AppliedAction{ID: "a-new", Version: s.Version})
				return room.Record{State: s, Applied: id}
			},
		},
		{
			name: "after a record encoded but never handed over, the next save writes every part",
			before: func(t *testing.T, db *testDB, s *room.State) {
				saveRoom(t, db.DB, s)
				release := holdCommitter(t, db.DB)
				renamed := cloneState(*s)
				renamed.Version++
				renamed.Agenda[0].Title = "Renamed"
				gaveUp, cancel := context.WithCancel(context.Background())
				cancel()
				if err := db.SaveRoom(gaveUp, room.Record{State: &renamed, Agenda: true}, nil); err == nil {
					t.Fatal("SaveRoom with a cancelled context while the committer is held: got no error")
				}
				release()
			},
			change: func(s *room.State) room.Record { s.Title = "renamed"; return room.Record{State: s} },
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := newDB(t)
			s := loadRoom(t, 2)
			if tc.before != nil {
				tc.before(t, db, &s)
			}
			s = cloneState(s)
			s.Version++
			rec := tc.change(&s)
			want := slices.Clone(tc.want)
			if i := slices.Index(want, "applied"); i >= 0 {
				want[i] = "applied " + rec.Applied
			}
			if i := slices.Index(want, "thread"); i >= 0 {
				want[i] = "thread " + rec.Thread
			}
			if want == nil {
				want = []string{"members", "agenda", "journeys", "care"}
				for _, id := range slices.Sorted(maps.Keys(s.Threads)) {
					want = append(want, "thread "+id)
				}
				for _, id := range slices.Sorted(maps.Keys(s.Applied)) {
					want = append(want, "applied "+id)
				}
			}
			req, err := db.request(rec)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, p := range req.parts {
				got = append(got, partName(t, s.SessionID, p.key))
			}
			if !slices.Equal(got, want) {
				t.Errorf("the save writes parts\n%q\nwant\n%q", got, want)
			}
			// What is written is the state: the parts not written are as
			// they were.
			if err := db.SaveRoom(context.Background(), rec, nil); err != nil {
				t.Fatal(err)
			}
			if got, want := getRoom(t, db.DB, s.SessionID), roundTrip(t, s); !reflect.DeepEqual(got, want) {
				t.Errorf("read back\ngot  %+v\nwant %+v", got, want)
			}
		})
	}
}

// partName names the part of room sessionID that key is the key of, as
// TestRecordFlags lists them.
func partName(tb testing.TB, sessionID string, key []byte) string {
	tb.Helper()
	rest, ok := bytes.CutPrefix(key, append([]byte(sessionID), 0))
	if !ok || len(rest) == 0 {
		tb.Fatalf("part key %q is not one of room %s", key, sessionID)
	}
	switch rest[0] {
	case partMembers:
		return "members"
	case partAgenda:
		return "agenda"
	case partJourneys:
		return "journeys"
	case partApplied:
		return "applied " + string(rest[1:])
	case partCare:
		return "care"
	case partThread:
		return "thread " + string(rest[1:])
	}
	tb.Fatalf("part key %q: unknown tag %q", key, rest[0])
	return ""
}

// TestRecordCoversState checks that every field of room.State is stored:
// in the room's record (head, encoded field by field), as a part of its
// own in room_parts, or as History in room_history. A field added to State
// fails it until it is stored, and until testRoom sets it, so that the
// round trips of the other tests show it comes back.
func TestRecordCoversState(t *testing.T) {
	apart := map[string]string{
		"Members":  "the roster part (partMembers)",
		"Agenda":   "the agenda part (partAgenda)",
		"Journeys": "the journeys part (partJourneys)",
		"Applied":  "each member's applied part (partApplied)",
		"Signals":  "the care part (partCare)",
		"Flags":    "the care part (partCare)",
		"Threads":  "each participant's thread part (partThread)",
		"History":  "room_history",
	}
	own := map[string]bool{"HistoryLen": true, "Parts": true} // the record's, not State's
	// Derived while a copy of the state is read, never part of a room.
	derived := map[string]string{"names": "Summarize's index of its own copy's roster"}
	state, rec := reflect.TypeFor[room.State](), reflect.TypeFor[head]()
	var inHead []string
	for i := range state.NumField() {
		f := state.Field(i)
		if _, ok := apart[f.Name]; ok {
			continue
		}
		if _, ok := derived[f.Name]; ok {
			continue
		}
		h, ok := rec.FieldByName(f.Name)
		if !ok {
			t.Errorf("room.State.%s is stored nowhere: add it to head and to encodeRecord in storage/record.go "+
				"(or, if most actions leave it alone, give it a part of its own in room_parts, written by "+
				"encodeRecord when room.Record says it changed and read back by readParts)", f.Name)
			continue
		}
		inHead = append(inHead, f.Name)
		// readRoom decodes the record into a State: the two must agree.
		if h.Type != f.Type {
			t.Errorf("head.%s is a %v but room.State.%s a %v: make them the same type", f.Name, h.Type, f.Name, f.Type)
		}
		if h.Tag.Get("json") != f.Tag.Get("json") {
			t.Errorf("head.%s is encoded as %q but room.State.%s decoded from %q: give head the State's JSON tag",
				f.Name, h.Tag.Get("json"), f.Name, f.Tag.Get("json"))
		}
	}
	for i := range rec.NumField() {
		f := rec.Field(i)
		if _, ok := state.FieldByName(f.Name); !ok && !own[f.Name] {
			t.Errorf("head.%s is no field of room.State: readRoom would never read it back", f.Name)
		}
		if _, ok := apart[f.Name]; ok {
			t.Errorf("head.%s is stored apart (%s) and must not be in the record too", f.Name, apart[f.Name])
		}
	}

	// The fixture of the round trips fills every field, and encodeRecord
	// copies each field of the record.
	s := testRoom("s1", room.Closed, 7)
	v := reflect.ValueOf(*s)
	for i := range state.NumField() {
		if _, ok := derived[state.Field(i).Name]; !ok && v.Field(i).IsZero() {
			t.Errorf("testRoom leaves room.State.%s zero: set it there, so the round trips show whether it is stored", state.Field(i).Name)
		}
	}
	record, _, err := encodeRecord(whole(s), len(s.History), true)
	if err != nil {
		t.Fatal(err)
	}
	var got room.State
	if err := json.Unmarshal(record, &roomRecord{State: &got}); err != nil {
		t.Fatal(err)
	}
	want := reflect.ValueOf(roundTrip(t, *s))
	for _, name := range inHead {
		if g, w := reflect.ValueOf(got).FieldByName(name).Interface(), want.FieldByName(name).Interface(); !reflect.DeepEqual(g, w) {
			t.Errorf("room.State.%s from the record: got %v, want %v (does encodeRecord copy it into head?)", name, g, w)
		}
	}
}

// TestAnswerWritesLittle checks what the storage is for: an answer writes
// the room's record, under one page, and the answering member's action
// IDs, nothing else.
func TestAnswerWritesLittle(t *testing.T) {
	db := newDB(t)
	s := loadRoom(t, 20)
	saveRoom(t, db.DB, &s)
	p := s.Members[7]
	next, _, err := room.Apply(s, t0.Add(time.Hour), p.ID, room.Command{Type: room.TypeCheckInAnswer, ID: "a-answer",
		Data: json.RawMessage(`{"scale":6,"state":"within","feeling":"tender","note":"NOTE~r17~m7~ a long week, glad to be here"}`)})
	if err != nil {
		t.Fatal(err)
	}
	req, err := db.request(room.Record{State: &next, Applied: p.ID})
	if err != nil {
		t.Fatal(err)
	}
	if len(req.parts) != 1 || !bytes.Equal(req.parts[0].key, partKey(s.SessionID, partApplied, p.ID)) {
		var keys []string
		for _, part := range req.parts {
			keys = append(keys, fmt.Sprintf("%q", part.key))
		}
		t.Errorf("an answer writes parts %v, want only %q", keys, partKey(s.SessionID, partApplied, p.ID))
	}
	if len(req.data) > 4096-100 {
		t.Errorf("the record of a check-in of ten answers is %d bytes: more than a page holds with its key", len(req.data))
	}
	for _, inline := range []string{`"members":`, `"agenda":`, `"applied":`, `"journeys":`, `"history":`} {
		if bytes.Contains(req.data, []byte(inline)) {
			t.Errorf("the record holds %s inline: %s", inline, req.data)
		}
	}
}

// TestPartsInOrder checks the two ways a part could be lost: a state queued
// before a waited-for one is taken after it into the batch, and a state
// encoded but never handed over (its caller gave up).
func TestPartsInOrder(t *testing.T) {
	ctx := context.Background()
	// A presence state is queued, then the room's next state waits for its
	// commit: both meet in one batch, the waited-for one first.
	for _, tc := range []struct {
		name  string
		quiet bool // the waited-for state keeps the version (a reaction)
	}{
		{"a roster changed by a queued state survives a later state in the same batch", false},
		{"an acknowledged quiet change is not overwritten by a presence state of the same version queued before it", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := newDB(t)
			s := loadRoom(t, 2)
			saveRoom(t, db.DB, &s)
			release := holdCommitter(t, db.DB)
			joined := cloneState(s) // presence: queued, not waited for
			joined.Version++
			joined.Members[4].Presence, joined.Members[4].Since = room.Reconnecting, t0.Add(time.Hour)
			if err := db.QueueRoom(room.Record{State: &joined, Roster: true}); err != nil {
				t.Fatal(err)
			}
			acted := cloneState(joined) // same roster, new IDs
			if !tc.quiet {
				acted.Version++
			}
			acted.Title = "after the action"
			actor := acted.Members[2].ID
			acted.Applied[actor] = []room.AppliedAction{{ID: "a-after", Version: acted.Version}}
			done := make(chan error, 1)
			go func() { done <- db.SaveRoom(ctx, room.Record{State: &acted, Applied: actor}, nil) }()
			// The waited-for save is in the committer's hands before the
			// hold ends.
			time.Sleep(20 * time.Millisecond)
			release()
			if err := <-done; err != nil {
				t.Fatal(err)
			}
			want := roundTrip(t, acted)
			if got := getRoom(t, db.DB, s.SessionID); !reflect.DeepEqual(got, want) {
				t.Errorf("after the batch:\ngot  %+v\nwant %+v", got, want)
			}
			db.reopen(t)
			if got := getRoom(t, db.DB, s.SessionID); !reflect.DeepEqual(got, want) {
				t.Errorf("after reopen:\ngot  %+v\nwant %+v", got, want)
			}
		})
	}

	// What the store was told before a record it gave up on may not be in
	// the database: the next save writes every part, even one its record
	// does not name (TestRecordFlags lists them).
	t.Run("a state its caller gave up on does not count as written", func(t *testing.T) {
		db := newDB(t)
		s := loadRoom(t, 2)
		saveRoom(t, db.DB, &s)
		release := holdCommitter(t, db.DB)
		renamed := cloneState(s)
		renamed.Version++
		renamed.Agenda[0].Title = "Renamed"
		gaveUp, cancel := context.WithCancel(ctx)
		cancel()
		if err := db.SaveRoom(gaveUp, room.Record{State: &renamed, Agenda: true}, nil); err == nil {
			t.Fatal("SaveRoom with a cancelled context while the committer is held: got no error")
		}
		release()
		next := cloneState(renamed) // built on the state given up on; its record names no part
		next.Version++
		saveRecord(t, db.DB, room.Record{State: &next})
		if got := getRoom(t, db.DB, s.SessionID); got.Agenda[0].Title != "Renamed" {
			t.Errorf("agenda after the retry: %q, want the renamed item", got.Agenda[0].Title)
		}
	})
}

// TestSchema2Record checks that a schema 2 file, whose records hold the
// roster, agenda and action IDs inline, loads, and that a room's first
// save moves them out.
func TestSchema2Record(t *testing.T) {
	db := newDB(t)
	old := withHistory("s1", 4, 2)
	asOlderSchema(t, db, "2", func(tx *bolt.Tx) error {
		if err := putHistory(tx, old); err != nil {
			return err
		}
		// As schema 2 wrote it: the state without its history, inline.
		live := *old
		live.History = nil
		data, err := olderJSON(struct {
			room.State
			HistoryLen int `json:"historyLen"`
		}{live, len(old.History)})
		if err != nil {
			return err
		}
		return tx.Bucket(bucketRooms).Put([]byte("s1"), data)
	})
	upgradesOnSave(t, db, "2", unversioned(old), whole(withHistory("s1", 5, 3)), func(record []byte, _ int) error {
		if bytes.Contains(record, []byte(`"members":`)) || bytes.Contains(record, []byte(`"applied":`)) {
			return fmt.Errorf("the record still holds its parts: %s", record)
		}
		return nil
	})
}

// TestSchema3Record checks that a schema 3 file, whose parts hold each
// member's remembered actions as bare IDs, loads with those actions at
// version 0 (not known), and that a room's first save, whatever its record
// names, writes every member's actions with their versions.
func TestSchema3Record(t *testing.T) {
	db := newDB(t)
	old := withHistory("s1", 4, 2)
	asOlderSchema(t, db, "3", func(tx *bolt.Tx) error {
		if err := putHistory(tx, old); err != nil {
			return err
		}
		// As schema 3 wrote it: the state with what it kept apart
		// shadowed by empty fields, so omitted, and each part under its
		// own key.
		data, err := json.Marshal(struct {
			*room.State
			HistoryLen int        `json:"historyLen"`
			Parts      bool       `json:"parts"`
			Members    []struct{} `json:"members,omitempty"`
			Agenda     []struct{} `json:"agenda,omitempty"`
			Applied    []struct{} `json:"applied,omitempty"`
			History    []struct{} `json:"history,omitempty"`
			Journeys   []struct{} `json:"journeys,omitempty"`
		}{State: old, HistoryLen: len(old.History), Parts: true})
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketRooms).Put([]byte("s1"), data); err != nil {
			return err
		}
		parts := map[string]any{
			string(partKey("s1", partMembers, "")):  old.Members,
			string(partKey("s1", partAgenda, "")):   old.Agenda,
			string(partKey("s1", partJourneys, "")): old.Journeys,
		}
		for id, actions := range old.Applied {
			parts[string(partKey("s1", partApplied, id))] = bareIDs(actions)
		}
		for k, v := range parts {
			data, err := json.Marshal(v)
			if err != nil {
				return err
			}
			if err := tx.Bucket(bucketParts).Put([]byte(k), data); err != nil {
				return err
			}
		}
		return nil
	})

	want := map[string][]room.AppliedAction{
		"p1": {{ID: "a-1"}, {ID: "a-2"}},
		"f1": {{ID: "a-9"}},
	}
	if got := getRoom(t, db.DB, "s1").Applied; !reflect.DeepEqual(got, want) {
		t.Errorf("remembered actions of a schema 3 room: got %v, want %v", got, want)
	}

	// p1 acts: the room's record names p1's actions only.
	next := unversioned(old)
	next.Version++
	next.Applied["p1"] = append(slices.Clone(next.Applied["p1"]), room.AppliedAction{ID: "a-3", Version: next.Version})
	upgradesOnSave(t, db, "3", unversioned(old), room.Record{State: next, Applied: "p1"}, func(record []byte, entries int) error {
		if entries != len(old.History) {
			return fmt.Errorf("%d entries in room_history, want %d", entries, len(old.History))
		}
		for id, want := range map[string]string{
			"p1": `[{"id":"a-1","v":0},{"id":"a-2","v":0},{"id":"a-3","v":5}]`,
			"f1": `[{"id":"a-9","v":0}]`,
		} {
			if got := rawPart(t, db.DB, partKey("s1", partApplied, id)); string(got) != want {
				return fmt.Errorf("applied part of %s: %s, want %s", id, got, want)
			}
		}
		if got := rawMeta(t, db.DB, "schema"); got != schemaVersion {
			return fmt.Errorf("schema key %q, want %q", got, schemaVersion)
		}
		return nil
	})
}

// putHistory writes s's finished activities as schemas 2 and later store
// them.
func putHistory(tx *bolt.Tx, s *room.State) error {
	for i, a := range s.History {
		data, err := json.Marshal(a)
		if err != nil {
			return err
		}
		if err := tx.Bucket(bucketHistory).Put(historyKey(s.SessionID, i), data); err != nil {
			return err
		}
	}
	return nil
}

// olderJSON encodes v, a state or a record that embeds one, as schemas 1
// and 2 stored it: each member's remembered actions as bare IDs.
func olderJSON(v any) ([]byte, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return nil, err
	}
	if raw, ok := fields["applied"]; ok {
		var applied map[string][]room.AppliedAction
		if err := json.Unmarshal(raw, &applied); err != nil {
			return nil, err
		}
		bare := make(map[string][]string, len(applied))
		for id, actions := range applied {
			bare[id] = bareIDs(actions)
		}
		if fields["applied"], err = json.Marshal(bare); err != nil {
			return nil, err
		}
	}
	return json.Marshal(fields)
}

// bareIDs returns remembered actions as schemas 1 to 3 stored them.
func bareIDs(actions []room.AppliedAction) []string {
	ids := make([]string, len(actions))
	for i, a := range actions {
		ids[i] = a.ID
	}
	return ids
}

// unversioned returns a copy of s as a file of schema 3 or older gives it
// back: its remembered actions at version 0, not known.
func unversioned(s *room.State) *room.State {
	c := cloneState(*s)
	for id, actions := range c.Applied {
		bare := make([]room.AppliedAction, len(actions))
		for i, a := range actions {
			bare[i] = room.AppliedAction{ID: a.ID}
		}
		c.Applied[id] = bare
	}
	return &c
}

// rawPart returns what room_parts holds under key.
func rawPart(tb testing.TB, db *DB, key []byte) []byte {
	tb.Helper()
	var v []byte
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v = bytes.Clone(tx.Bucket(bucketParts).Get(key))
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// rawMeta returns what the meta bucket holds under key.
func rawMeta(tb testing.TB, db *DB, key string) string {
	tb.Helper()
	var v string
	err := db.bolt.View(func(tx *bolt.Tx) error {
		v = string(tx.Bucket(bucketMeta).Get([]byte(key)))
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

func TestRosterMissing(t *testing.T) {
	db := newDB(t)
	saveRoom(t, db.DB, testRoom("s1", room.Open, 1))
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketParts).Delete(partKey("s1", partMembers, ""))
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Room(context.Background(), "s1"); err == nil {
		t.Error("Room(s1) without its roster: got no error")
	}
	if _, err := db.OpenRooms(context.Background()); err == nil {
		t.Error("OpenRooms with a room without its roster: got no error")
	}
}

// cloneState copies what the tests change, as room's transitions do: the
// next state never shares a changed slice or map with the last.
func cloneState(s room.State) room.State {
	s.Members = append([]room.Member(nil), s.Members...)
	s.Agenda = append([]room.Item(nil), s.Agenda...)
	if s.Applied != nil {
		s.Applied = maps.Clone(s.Applied)
	}
	if s.Threads != nil {
		s.Threads = maps.Clone(s.Threads)
	}
	return s
}

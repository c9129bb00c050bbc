package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"hearth/room"
)

// TestRoomParts follows one room through changes to each part stored apart
// (roster, agenda, journeys, each member's action IDs) and checks that the
// room reads back as it was saved, before and after a reopen.
func TestRoomParts(t *testing.T) {
	db := newDB(t)
	s := loadRoom(t, 3)
	check := func(what string) {
		t.Helper()
		s.Version++
		saveRoom(t, db.DB, &s)
		if got, want := getRoom(t, db.DB, s.SessionID), roundTrip(t, s); !reflect.DeepEqual(got, want) {
			t.Errorf("%s: read back\ngot  %+v\nwant %+v", what, got, want)
		}
	}
	check("first save")
	check("the same state again")
	s = cloneState(s)
	s.Members[3].Presence, s.Members[3].Since = room.Reconnecting, t0.Add(time.Hour)
	check("a member reconnecting")
	s = cloneState(s)
	s.Applied[s.Members[2].ID] = append(s.Applied[s.Members[2].ID][:0:0], "a-new")
	check("one member's action IDs replaced")
	s = cloneState(s)
	s.Applied["someone-removed"] = []string{"a-1", `a-"quoted"<&>`}
	check("IDs of a member no longer on the roster")
	s = cloneState(s)
	delete(s.Applied, "someone-removed")
	check("a member's IDs gone")
	s = cloneState(s)
	s.Journeys = map[string][]room.PastIntention{s.Members[1].ID: {{ID: "i-1", MemberID: s.Members[1].ID, SessionID: "earlier", Text: "rest more", SetAt: t0}}}
	check("journeys set")
	s = cloneState(s)
	s.Agenda[0].Title = "Renamed"
	check("an agenda item renamed")
	s = cloneState(s)
	s.Agenda[1].Breath = &room.Breath{In: 4, Hold: 2, Out: 6}
	check("a breath added")
	s = cloneState(s)
	b := *s.Agenda[1].Breath
	b.Out = 8
	s.Agenda[1].Breath = &b
	check("a breath changed")
	s = cloneState(s)
	s.Agenda, s.Applied, s.Journeys = nil, nil, nil
	check("no agenda, no action IDs, no journeys")
	s = cloneState(s)
	s.Members = s.Members[:2]
	s.Status, s.ClosedAt = room.Closed, t0.Add(2*time.Hour)
	check("closed with a smaller roster")
	s = cloneState(s)
	s.Members = nil
	check("no members")

	want := roundTrip(t, s)
	db.reopen(t)
	if got := getRoom(t, db.DB, s.SessionID); !reflect.DeepEqual(got, want) {
		t.Errorf("after reopen:\ngot  %+v\nwant %+v", got, want)
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
	req, err := db.request(&next)
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
			if err := db.QueueRoom(&joined); err != nil {
				t.Fatal(err)
			}
			acted := cloneState(joined) // same roster, new IDs
			if !tc.quiet {
				acted.Version++
			}
			acted.Title = "after the action"
			acted.Applied[acted.Members[2].ID] = []string{"a-after"}
			done := make(chan error, 1)
			go func() { done <- db.SaveRoom(ctx, &acted, nil) }()
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
		if err := db.SaveRoom(gaveUp, &renamed, nil); err == nil {
			t.Fatal("SaveRoom with a cancelled context while the committer is held: got no error")
		}
		release()
		next := cloneState(renamed) // the room retries with the same agenda
		next.Version++
		saveRoom(t, db.DB, &next)
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
		for i, a := range old.History {
			data, err := json.Marshal(a)
			if err != nil {
				return err
			}
			if err := tx.Bucket(bucketHistory).Put(historyKey("s1", i), data); err != nil {
				return err
			}
		}
		// As schema 2 wrote it: the state without its history, inline.
		live := *old
		live.History = nil
		data, err := json.Marshal(struct {
			room.State
			HistoryLen int `json:"historyLen"`
		}{live, len(old.History)})
		if err != nil {
			return err
		}
		return tx.Bucket(bucketRooms).Put([]byte("s1"), data)
	})
	upgradesOnSave(t, db, "2", old, withHistory("s1", 5, 3), func(record []byte, _ int) error {
		if bytes.Contains(record, []byte(`"members":`)) || bytes.Contains(record, []byte(`"applied":`)) {
			return fmt.Errorf("the record still holds its parts: %s", record)
		}
		return nil
	})
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
	return s
}

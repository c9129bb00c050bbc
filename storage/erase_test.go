package storage

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"hearth/facilitator"
	"hearth/room"
)

// eraseFixture is a cohort "c1" with two participants ("zed", who will be
// erased, and "kim") and two sessions whose rooms ran, in which each
// participant left a unique sentence in every place a participant's words
// can be, and a note about each.
type eraseFixture struct {
	db        *testDB
	sentences map[string][]string // by owner ("zed", "kim", "s2"): what is theirs
}

func sentence(owner, place string) string {
	return fmt.Sprintf("Only %s wrote this %s sentence, 7f3a9c", owner, place)
}

func newEraseFixture(t *testing.T) *eraseFixture {
	t.Helper()
	ctx := context.Background()
	db := newDB(t)
	f := &eraseFixture{db: db, sentences: map[string][]string{}}
	mark := func(owner, place string) string {
		s := sentence(owner, place)
		f.sentences[owner] = append(f.sentences[owner], s)
		return s
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(db.PutCohort(ctx, facilitator.Cohort{ID: "c1", Name: "Tuesday circle", Facilitators: []string{"fac"}, CreatedAt: t0}))
	must(db.PutCohort(ctx, facilitator.Cohort{ID: "c2", Name: "Another", Facilitators: []string{"fac"}, CreatedAt: t0}))
	for _, id := range []string{"zed", "kim"} {
		must(db.PutParticipant(ctx, facilitator.Participant{ID: id, CohortID: "c1", Name: mark(id, "name"), TokenHash: "hash-" + id, CreatedAt: t0}))
	}
	for i, sid := range []string{"s1", "s2"} {
		must(db.PutSession(ctx, facilitator.Session{ID: sid, CohortID: "c1", Title: "Week", StartsAt: t0.Add(time.Duration(i) * 168 * time.Hour)}))
	}
	for _, id := range []string{"zed", "kim"} {
		must(db.PutNote(ctx, facilitator.Note{ID: "n-" + id, CohortID: "c1", ParticipantID: id, AuthorID: "fac", Text: mark(id, "note about them"), CreatedAt: t0}))
	}
	must(db.PutNote(ctx, facilitator.Note{ID: "n-s2", CohortID: "c1", SessionID: "s2", AuthorID: "fac", Text: mark("s2", "session note"), CreatedAt: t0}))

	for i, sid := range []string{"s1", "s2"} {
		at := t0.Add(time.Duration(i) * 168 * time.Hour)
		owner := func(id string) string {
			if sid == "s2" && id == "kim" {
				return "s2" // what kim said in s2 goes with s2, for the session's deletion
			}
			return id
		}
		s := &room.State{SessionID: sid, CohortID: "c1", Title: "Week", Status: room.Open, OpenedAt: at, Version: 1,
			Members: []room.Member{{ID: "fac", Name: "Ana", Role: room.Facilitator, Presence: room.Present, FirstJoined: at}}}
		answers := map[string]room.Answer{}
		written := map[string]room.Intention{}
		words := map[string]room.Word{}
		threads := map[string]room.Thread{}
		for _, id := range []string{"zed", "kim"} {
			o := owner(id)
			s.Members = append(s.Members, room.Member{ID: id, Name: "n", Role: room.Participant, Presence: room.Present, FirstJoined: at})
			answers[id] = room.Answer{MemberID: id, Scale: 5, State: room.Within, Feeling: "ok", Note: mark(o, "check-in note in "+sid), At: at}
			written[id] = room.Intention{ID: "i-" + id + sid, MemberID: id, Text: mark(o, "intention in "+sid), At: at}
			words[id] = room.Word{MemberID: id, Word: "w" + id, At: at}
			threads[id] = room.Thread{Messages: []room.ThreadMessage{{N: 1, From: id, Text: mark(o, "message in "+sid), At: at}}}
		}
		s.Current = &room.Activity{ItemID: "a", Run: &room.CheckIn{ID: "ci", Open: true, StartedAt: at, Answers: answers}}
		// Saved live a few times, as a room is: old copies of each page
		// are left behind in free pages.
		for v := range 3 {
			s.Version = uint64(v + 1)
			saveRecord(t, db.DB, room.Record{State: s, Roster: true, Agenda: true, Journeys: true, Care: true, Thread: "zed"})
		}
		s.Threads = threads
		s.History = []room.Activity{
			{ItemID: "a", Run: &room.CheckIn{ID: "ci", StartedAt: at, ClosedAt: at, Answers: answers}},
			{ItemID: "b", Run: &room.Intentions{ID: "in", StartedAt: at, EndedAt: at, Written: written,
				Commitments: map[string]room.Commitment{"zed": {ID: "c", MemberID: "zed", Step: mark(owner("zed"), "step in "+sid), At: at}}}},
			{ItemID: "c", Run: &room.CheckOut{ID: "co", StartedAt: at, EndedAt: at, Words: words}},
		}
		s.Current = nil
		s.Signals = []room.Signal{{MemberID: "zed", Level: room.SupportNow, At: at}}
		s.Status, s.ClosedAt, s.Version = room.Closed, at.Add(time.Hour), 9
		saveRecord(t, db.DB, room.Record{State: s, Roster: true, Agenda: true, Journeys: true, Care: true, Thread: "zed"})
		for _, id := range []string{"kim"} {
			saveRecord(t, db.DB, room.Record{State: s, Thread: id})
		}
	}
	return f
}

// scan fails the test for every sentence found in the database file or in
// a backup taken now, and reports whether each of keep is still there.
func (f *eraseFixture) scan(t *testing.T, gone []string, kept []string) {
	t.Helper()
	file, err := os.ReadFile(f.db.path)
	if err != nil {
		t.Fatal(err)
	}
	var backup bytes.Buffer
	if err := f.db.Backup(&backup); err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"the database file": file, "a backup taken after": backup.Bytes()} {
		for _, s := range gone {
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("%s still holds %q", name, s)
			}
		}
		for _, s := range kept {
			if !bytes.Contains(data, []byte(s)) {
				t.Errorf("%s lost %q, which was not deleted", name, s)
			}
		}
	}
}

func TestEraseParticipantLeavesNoByte(t *testing.T) {
	f := newEraseFixture(t)
	ctx := context.Background()
	// Every sentence is in the file before: the scan would see one left.
	f.scan(t, nil, append(append(f.sentences["zed"], f.sentences["kim"]...), f.sentences["s2"]...))
	if err := f.db.EraseParticipant(ctx, "c1", "zed"); err != nil {
		t.Fatalf("EraseParticipant: %v", err)
	}
	f.scan(t, f.sentences["zed"], append(f.sentences["kim"], f.sentences["s2"]...))

	for _, sid := range []string{"s1", "s2"} {
		s := getRoom(t, f.db.DB, sid)
		if _, ok := s.Member("zed"); ok {
			t.Errorf("room %s still has zed on its roster", sid)
		}
		if _, ok := s.Member("kim"); !ok {
			t.Errorf("room %s lost kim", sid)
		}
		if len(s.Signals) != 0 || len(s.History) != 3 || s.Threads["kim"].Messages == nil {
			t.Errorf("room %s after erasure: signals %v, %d finished activities, kim's thread %v", sid, s.Signals, len(s.History), s.Threads["kim"])
		}
	}
	if _, err := f.db.Participant(ctx, "zed"); !errors.Is(err, facilitator.ErrNotFound) {
		t.Errorf("Participant(zed) after erasure: %v, want not found", err)
	}
	if _, err := f.db.ParticipantByToken(ctx, "hash-zed"); !errors.Is(err, facilitator.ErrNotFound) {
		t.Errorf("zed's link after erasure: %v, want not found", err)
	}
	if err := f.db.EraseParticipant(ctx, "c1", "zed"); !errors.Is(err, facilitator.ErrNotFound) {
		t.Errorf("erasing zed again: %v, want not found", err)
	}
	if err := f.db.EraseParticipant(ctx, "c2", "kim"); !errors.Is(err, facilitator.ErrNotFound) {
		t.Errorf("erasing kim through another cohort: %v, want not found", err)
	}

	// The rewritten rooms decode, as a server and `hearth check` read them.
	if err := f.db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := Check(ctx, f.db.path); err != nil {
		t.Errorf("Check after erasure: %v", err)
	}
	f.db.reopen(t)
	f.scan(t, f.sentences["zed"], f.sentences["kim"])
}

func TestEraseRemovedParticipant(t *testing.T) {
	f := newEraseFixture(t)
	ctx := context.Background()
	// Removed from the roster first ("leave the cohort"): their words stay
	// in the rooms until they are erased.
	if err := f.db.DeleteParticipant(ctx, "zed"); err != nil {
		t.Fatal(err)
	}
	if err := f.db.EraseParticipant(ctx, "c1", "zed"); err != nil {
		t.Fatalf("EraseParticipant after removal: %v", err)
	}
	f.scan(t, f.sentences["zed"][1:], f.sentences["kim"]) // [0] is their name, gone with the removal
}

func TestDeleteSessionLeavesNoByte(t *testing.T) {
	f := newEraseFixture(t)
	ctx := context.Background()
	if err := f.db.DeleteSession(ctx, "s2"); err != nil {
		t.Fatalf("DeleteSession: %v", err)
	}
	var zedInS1 []string
	for _, s := range f.sentences["zed"] {
		if !strings.Contains(s, "s2") {
			zedInS1 = append(zedInS1, s)
		}
	}
	f.scan(t, f.sentences["s2"], zedInS1)
	if _, err := f.db.Session(ctx, "s2"); !errors.Is(err, facilitator.ErrNotFound) {
		t.Errorf("Session(s2) after delete: %v", err)
	}
	if _, err := f.db.Room(ctx, "s2"); !errors.Is(err, room.ErrNotStored) {
		t.Errorf("Room(s2) after delete: %v", err)
	}
	ss, err := f.db.Sessions(ctx, "c1")
	if err != nil || len(ss) != 1 || ss[0].ID != "s1" {
		t.Errorf("Sessions(c1) after deleting s2: %v, %v", ss, err)
	}
	if err := f.db.DeleteSession(ctx, "s2"); !errors.Is(err, facilitator.ErrNotFound) {
		t.Errorf("deleting s2 again: %v", err)
	}
}

func TestDeleteCohortLeavesNoByte(t *testing.T) {
	f := newEraseFixture(t)
	ctx := context.Background()
	if err := f.db.DeleteCohort(ctx, "c1"); err != nil {
		t.Fatalf("DeleteCohort: %v", err)
	}
	all := append(append(f.sentences["zed"], f.sentences["kim"]...), f.sentences["s2"]...)
	f.scan(t, all, nil)
	if _, err := f.db.Cohort(ctx, "c1"); !errors.Is(err, facilitator.ErrNotFound) {
		t.Errorf("Cohort(c1) after delete: %v", err)
	}
	if c, err := f.db.Cohort(ctx, "c2"); err != nil || c.Name != "Another" {
		t.Errorf("the other cohort after deleting c1: %+v, %v", c, err)
	}
	for _, check := range []func() (int, error){
		func() (int, error) { n, err := f.db.Participants(ctx, "c1"); return len(n), err },
		func() (int, error) { n, err := f.db.Sessions(ctx, "c1"); return len(n), err },
		func() (int, error) { n, err := f.db.CohortNotes(ctx, "c1"); return len(n), err },
		func() (int, error) { n, err := f.db.OpenRooms(ctx); return len(n), err },
	} {
		if n, err := check(); n != 0 || err != nil {
			t.Errorf("after deleting the cohort: %d left, %v", n, err)
		}
	}
	f.db.reopen(t)
	f.scan(t, all, nil)
}

func TestDeleteAccount(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	secret := "a template only Ana wrote, 7f3a9c"
	if err := db.CreateAccount(ctx, facilitator.Account{ID: "a1", Email: "ana@example.org", Name: "Ana"}); err != nil {
		t.Fatal(err)
	}
	if err := db.PutLogin(ctx, facilitator.Login{TokenHash: "l1", AccountID: "a1"}); err != nil {
		t.Fatal(err)
	}
	if err := db.PutTemplate(ctx, facilitator.Template{ID: "t1", AccountID: "a1", Name: secret, Items: []byte("[]")}); err != nil {
		t.Fatal(err)
	}
	if err := db.DeleteAccount(ctx, "a1"); err != nil {
		t.Fatalf("DeleteAccount: %v", err)
	}
	if _, err := db.AccountByEmail(ctx, "ana@example.org"); !errors.Is(err, facilitator.ErrNotFound) {
		t.Errorf("the email after delete: %v", err)
	}
	if _, err := db.Login(ctx, "l1"); !errors.Is(err, facilitator.ErrNotFound) {
		t.Errorf("the login after delete: %v", err)
	}
	file, _ := os.ReadFile(db.path)
	if bytes.Contains(file, []byte(secret)) || bytes.Contains(file, []byte("ana@example.org")) {
		t.Error("the file still holds the account's template or email")
	}
}

package session_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"hearth/facilitator"
	"hearth/facilitator/session"
	"hearth/room"
	"hearth/storage"
)

// t0 is where the test clocks start; not in UTC, so the normalising shows.
var t0 = time.Date(2025, 3, 14, 19, 0, 0, 0, time.FixedZone("CET", 3600))

// clock is a Now that moves only when told.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// server is the back office, the rooms and the session service on one real
// database in a temporary folder, as cmd/hearth wires them. restart stops
// them and opens the same file again.
type server struct {
	tb    testing.TB
	path  string
	clk   *clock
	db    *storage.DB
	fac   *facilitator.Service
	rooms *room.Manager
	svc   *session.Service
}

func newServer(tb testing.TB) *server {
	tb.Helper()
	s := &server{tb: tb, path: filepath.Join(tb.TempDir(), "hearth.db"), clk: &clock{now: t0}}
	s.start()
	tb.Cleanup(s.stop)
	return s
}

func (s *server) start() {
	s.tb.Helper()
	db, err := storage.Open(s.path, time.Second)
	if err != nil {
		s.tb.Fatalf("storage.Open(%s): %v", s.path, err)
	}
	s.db = db
	s.fac = &facilitator.Service{Store: db, InviteKey: bytes.Repeat([]byte{0x42}, 32), Now: s.clk.Now}
	s.rooms = room.NewManager(room.Config{Store: db, Now: s.clk.Now})
	if _, err := s.rooms.Restore(context.Background()); err != nil {
		s.tb.Fatalf("restore: %v", err)
	}
	s.svc = session.New(s.fac, s.rooms)
}

func (s *server) stop() {
	if s.db == nil {
		return
	}
	s.rooms.Stop()
	if err := s.db.Close(); err != nil {
		s.tb.Errorf("close %s: %v", s.path, err)
	}
	s.db = nil
}

// restart stops the rooms and the database as a stop (or a crash after the
// last commit) leaves them, and starts again on the same file.
func (s *server) restart() {
	s.tb.Helper()
	s.stop()
	s.start()
}

func (s *server) account(name string) facilitator.Account {
	s.tb.Helper()
	a := facilitator.Account{ID: "acct-" + strings.ToLower(name), Email: strings.ToLower(name) + "@example.org", Name: name, CreatedAt: t0.UTC()}
	if err := s.db.CreateAccount(context.Background(), a); err != nil {
		s.tb.Fatalf("CreateAccount(%s): %v", name, err)
	}
	return a
}

func (s *server) cohort(acct facilitator.Account, name string, people ...string) facilitator.Cohort {
	s.tb.Helper()
	ctx := context.Background()
	c, err := s.fac.CreateCohort(ctx, acct, facilitator.CohortInput{Name: &name})
	if err != nil {
		s.tb.Fatalf("CreateCohort(%s): %v", name, err)
	}
	for _, p := range people {
		if _, err := s.fac.AddParticipant(ctx, acct, c.ID, p); err != nil {
			s.tb.Fatalf("AddParticipant(%s): %v", p, err)
		}
	}
	return c
}

func (s *server) plan(acct facilitator.Account, cohortID, title string, at time.Time) facilitator.Session {
	s.tb.Helper()
	ss, err := s.svc.Plan(context.Background(), acct, cohortID, title, at)
	if err != nil {
		s.tb.Fatalf("Plan(%s): %v", title, err)
	}
	return ss
}

// wantCode fails unless err is a *facilitator.Error with the code.
func wantCode(tb testing.TB, what string, err error, code string) {
	tb.Helper()
	var fe *facilitator.Error
	if !errors.As(err, &fe) || fe.Code != code {
		tb.Errorf("%s: got error %v, want code %q", what, err, code)
	}
}

// status reads the session's status as everyone reads it: the back office's
// read of the session, its cohort's list, and the next planned session.
func (s *server) status(tb testing.TB, acct facilitator.Account, ss facilitator.Session) facilitator.Session {
	tb.Helper()
	ctx := context.Background()
	got, _, err := s.fac.Session(ctx, acct, ss.ID)
	if err != nil {
		tb.Fatalf("Session(%s): %v", ss.Title, err)
	}
	all, err := s.fac.Sessions(ctx, acct, ss.CohortID)
	if err != nil {
		tb.Fatal(err)
	}
	for _, other := range all {
		if other.ID == ss.ID && !reflect.DeepEqual(other, got) {
			tb.Errorf("Sessions and Session disagree on %s:\n%+v\n%+v", ss.Title, other, got)
		}
	}
	return got
}

// A session's life, planned → live → closed, read from its one source: the
// room's record. Opening is one commit; closing is the room's own.
func TestLife(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	ana := srv.account("Ana")
	c := srv.cohort(ana, "Tuesday circle", "Sam", "Kai")
	week := 7 * 24 * time.Hour
	first := srv.plan(ana, c.ID, "Week 1", t0.Add(week))
	second := srv.plan(ana, c.ID, "Week 2", t0.Add(2*week))

	t.Run("a planned session is planned and next", func(t *testing.T) {
		got := srv.status(t, ana, first)
		if got.Status != facilitator.Planned || !got.OpenedAt.IsZero() || !got.ClosedAt.IsZero() {
			t.Errorf("planned session: got %s opened %v closed %v, want planned, neither", got.Status, got.OpenedAt, got.ClosedAt)
		}
		if next, ok, err := srv.fac.NextSession(ctx, c.ID); err != nil || !ok || next.ID != first.ID {
			t.Errorf("NextSession: got %q, %v, %v, want Week 1", next.Title, ok, err)
		}
	})

	items := []room.Item{room.NewItem("", room.GroundingSettings{Seconds: 60})}
	if _, err := srv.svc.SetAgenda(ctx, ana, first.ID, items); err != nil {
		t.Fatalf("SetAgenda: %v", err)
	}

	srv.clk.Advance(time.Hour)
	opened, didOpen, err := srv.svc.Open(ctx, ana, first.ID)
	if err != nil || !didOpen {
		t.Fatalf("Open: got opened %v, %v, want the room opened", didOpen, err)
	}
	t.Run("opening the room makes the session live, since the room opened", func(t *testing.T) {
		rm, ok := srv.rooms.Get(first.ID)
		if !ok {
			t.Fatal("no live room after Open")
		}
		st := rm.State()
		if opened.Status != facilitator.Live || !opened.OpenedAt.Equal(st.OpenedAt) || !opened.OpenedAt.Equal(t0.Add(time.Hour)) {
			t.Errorf("Open: got %s opened %v, want live opened %v (the room's)", opened.Status, opened.OpenedAt, st.OpenedAt)
		}
		if got := srv.status(t, ana, first); !reflect.DeepEqual(got, opened) {
			t.Errorf("session after Open:\ngot  %+v\nwant %+v", got, opened)
		}
		if len(st.Agenda) != 1 || st.Agenda[0].Kind != room.KindGrounding || st.Agenda[0].Status != room.Pending {
			t.Errorf("room agenda: got %+v, want the planned grounding, pending", st.Agenda)
		}
		if len(st.Members) != 3 || st.Members[0].ID != ana.ID || st.Members[0].Role != room.Facilitator {
			t.Errorf("room roster: got %+v, want Ana, then Sam and Kai", st.Members)
		}
		if next, ok, err := srv.fac.NextSession(ctx, c.ID); err != nil || !ok || next.ID != second.ID {
			t.Errorf("NextSession while Week 1 is live: got %q, %v, %v, want Week 2", next.Title, ok, err)
		}
	})

	t.Run("the room's door starts as the cohort's setting says", func(t *testing.T) {
		if st := mustRoom(t, srv, first.ID); st.Door.AdmitOnArrival {
			t.Errorf("door of a cohort without admission on arrival: %+v, want open", st.Door)
		}
		on := true
		door := srv.cohort(ana, "Thursday circle", "Lee")
		if _, err := srv.fac.UpdateCohort(ctx, ana, door.ID, facilitator.CohortInput{AdmitOnArrival: &on}); err != nil {
			t.Fatalf("UpdateCohort: %v", err)
		}
		ss := srv.plan(ana, door.ID, "Week 1", t0.Add(week))
		if _, _, err := srv.svc.Open(ctx, ana, ss.ID); err != nil {
			t.Fatalf("Open: %v", err)
		}
		if st := mustRoom(t, srv, ss.ID); !st.Door.AdmitOnArrival {
			t.Errorf("door of a cohort with admission on arrival: %+v, want admitOnArrival", st.Door)
		}
	})

	t.Run("opening a live session again returns it as it is", func(t *testing.T) {
		again, didOpen, err := srv.svc.Open(ctx, ana, first.ID)
		if err != nil || didOpen || !reflect.DeepEqual(again, opened) {
			t.Errorf("Open again: got %+v, opened %v, %v, want %+v, not opened again", again, didOpen, err, opened)
		}
	})

	t.Run("a live session's agenda changes in the room", func(t *testing.T) {
		_, err := srv.svc.SetAgenda(ctx, ana, first.ID, nil)
		wantCode(t, "SetAgenda of a live session", err, facilitator.CodeConflict)
	})

	t.Run("another session of the cohort cannot open meanwhile", func(t *testing.T) {
		_, didOpen, err := srv.svc.Open(ctx, ana, second.ID)
		wantCode(t, "Open of a second session", err, facilitator.CodeConflict)
		if didOpen {
			t.Error("Open of a second session: opened")
		}
		if got := srv.status(t, ana, second); got.Status != facilitator.Planned {
			t.Errorf("second session: got %s, want planned", got.Status)
		}
	})

	t.Run("after a restart the session is live and its room is back", func(t *testing.T) {
		srv.restart()
		if got := srv.status(t, ana, first); !reflect.DeepEqual(got, opened) {
			t.Errorf("session after restart:\ngot  %+v\nwant %+v", got, opened)
		}
		if _, ok := srv.rooms.Get(first.ID); !ok {
			t.Error("the room is not live after the restart")
		}
	})

	srv.clk.Advance(90 * time.Minute)
	closed, err := srv.svc.Close(ctx, ana, first.ID)
	if err != nil {
		t.Fatalf("Close: %v", err)
	}
	t.Run("closing the room closes the session, when the room closed", func(t *testing.T) {
		end := t0.Add(150 * time.Minute)
		if closed.Status != facilitator.Closed || !closed.OpenedAt.Equal(opened.OpenedAt) || !closed.ClosedAt.Equal(end) {
			t.Errorf("Close: got %s opened %v closed %v, want closed, opened %v, closed %v",
				closed.Status, closed.OpenedAt, closed.ClosedAt, opened.OpenedAt, end)
		}
		if got := srv.status(t, ana, first); !reflect.DeepEqual(got, closed) {
			t.Errorf("session after Close:\ngot  %+v\nwant %+v", got, closed)
		}
		if _, ok := srv.rooms.Get(first.ID); ok {
			t.Error("the room is still live after Close")
		}
		srv.restart()
		if got := srv.status(t, ana, first); !reflect.DeepEqual(got, closed) {
			t.Errorf("session after Close and a restart:\ngot  %+v\nwant %+v", got, closed)
		}
	})

	t.Run("a closed session stays closed", func(t *testing.T) {
		_, didOpen, err := srv.svc.Open(ctx, ana, first.ID)
		wantCode(t, "Open of a closed session", err, facilitator.CodeConflict)
		if didOpen {
			t.Error("Open of a closed session: opened")
		}
		_, err = srv.svc.Close(ctx, ana, first.ID)
		wantCode(t, "Close of a closed session", err, facilitator.CodeConflict)
		_, err = srv.svc.SetAgenda(ctx, ana, first.ID, nil)
		wantCode(t, "SetAgenda of a closed session", err, facilitator.CodeConflict)
		_, err = srv.svc.Room(ctx, ana, first.ID)
		wantCode(t, "Room of a closed session", err, facilitator.CodeConflict)
		if got := srv.status(t, ana, first); !reflect.DeepEqual(got, closed) {
			t.Errorf("closed session after the refusals:\ngot  %+v\nwant %+v", got, closed)
		}
		if next, ok, err := srv.fac.NextSession(ctx, c.ID); err != nil || !ok || next.ID != second.ID {
			t.Errorf("NextSession after Week 1 closed: got %q, %v, %v, want Week 2", next.Title, ok, err)
		}
	})

	t.Run("a planned session is not live", func(t *testing.T) {
		_, err := srv.svc.Close(ctx, ana, second.ID)
		wantCode(t, "Close of a planned session", err, facilitator.CodeConflict)
		_, err = srv.svc.Room(ctx, ana, second.ID)
		wantCode(t, "Room of a planned session", err, facilitator.CodeConflict)
	})
}

func TestPlan(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	ana := srv.account("Ana")
	c := srv.cohort(ana, "Tuesday circle")
	ss := srv.plan(ana, c.ID, " Week 1 ", t0)
	want := facilitator.Session{ID: ss.ID, CohortID: c.ID, Title: "Week 1", StartsAt: t0.UTC(), CreatedAt: t0.UTC(), Status: facilitator.Planned}
	if !reflect.DeepEqual(ss, want) {
		t.Errorf("Plan:\ngot  %+v\nwant %+v", ss, want)
	}
	if got := srv.status(t, ana, ss); !reflect.DeepEqual(got, want) {
		t.Errorf("planned session as read:\ngot  %+v\nwant %+v", got, want)
	}
	_, err := srv.svc.Plan(ctx, ana, c.ID, "", t0)
	wantCode(t, "Plan without a title", err, facilitator.CodeInvalid)
}

// The room's rules check agendas, and their refusals reach the caller as
// the back office's error type, with the room's words.
func TestAgendas(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	ana := srv.account("Ana")
	c := srv.cohort(ana, "Tuesday circle")
	ss := srv.plan(ana, c.ID, "Week 1", t0)

	bad := []room.Item{room.NewItem("", room.GroundingSettings{Seconds: 5})}
	_, roomErr := room.PlanAgenda(bad)
	var re *room.Error
	if !errors.As(roomErr, &re) {
		t.Fatalf("room.PlanAgenda of a 5-second grounding: got %v, want a room refusal", roomErr)
	}
	_, err := srv.svc.SetAgenda(ctx, ana, ss.ID, bad)
	var fe *facilitator.Error
	if !errors.As(err, &fe) || fe.Code != facilitator.CodeInvalid || fe.Message != re.Message {
		t.Errorf("SetAgenda of a 5-second grounding: got %v, want invalid: %s", err, re.Message)
	}
	_, _, err = srv.svc.SaveTemplate(ctx, ana, "Short", bad)
	if !errors.As(err, &fe) || fe.Code != facilitator.CodeInvalid || fe.Message != re.Message {
		t.Errorf("SaveTemplate of a 5-second grounding: got %v, want invalid: %s", err, re.Message)
	}
	if got := srv.status(t, ana, ss); len(got.Agenda) != 0 {
		t.Errorf("agenda after a refusal: got %s, want none", got.Agenda)
	}

	items := []room.Item{room.NewItem("", room.GroundingSettings{Seconds: 60}), room.NewItem("", room.CheckOutSettings{Prompt: "One word"})}
	set, err := srv.svc.SetAgenda(ctx, ana, ss.ID, items)
	if err != nil {
		t.Fatalf("SetAgenda: %v", err)
	}
	planned := room.DecodeAgenda(set.Agenda)
	if len(planned) != 2 || planned[0].ID == "" || planned[0].Status != "" || planned[1].Kind != room.KindCheckOut {
		t.Errorf("stored agenda: got %+v, want both items with IDs and no statuses", planned)
	}
	if got := srv.status(t, ana, ss); !reflect.DeepEqual(room.DecodeAgenda(got.Agenda), planned) {
		t.Errorf("agenda as read: got %+v, want %+v", room.DecodeAgenda(got.Agenda), planned)
	}

	tmpl, tmplItems, err := srv.svc.SaveTemplate(ctx, ana, " Tuesday ", items)
	if err != nil {
		t.Fatalf("SaveTemplate: %v", err)
	}
	if tmpl.Name != "Tuesday" || tmpl.AccountID != ana.ID || !reflect.DeepEqual(room.DecodeAgenda(tmpl.Items), tmplItems) || len(tmplItems) != 2 {
		t.Errorf("SaveTemplate: got %+v with %+v", tmpl, tmplItems)
	}
	own, err := srv.fac.Templates(ctx, ana)
	if err != nil || len(own) != 1 || own[0].ID != tmpl.ID {
		t.Errorf("Templates: got %+v, %v, want the saved one", own, err)
	}
	_, _, err = srv.svc.SaveTemplate(ctx, ana, "", items)
	wantCode(t, "SaveTemplate without a name", err, facilitator.CodeInvalid)
}

// Someone who does not facilitate the cohort finds no session, whatever
// its state, and changes nothing.
func TestOtherFacilitator(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	ana, ben := srv.account("Ana"), srv.account("Ben")
	c := srv.cohort(ana, "Tuesday circle", "Sam")
	other := srv.cohort(ana, "Thursday circle")
	planned := srv.plan(ana, c.ID, "Week 2", t0.Add(time.Hour))
	live := srv.plan(ana, other.ID, "Week 1", t0)
	if _, _, err := srv.svc.Open(ctx, ana, live.ID); err != nil {
		t.Fatal(err)
	}
	before := map[string]facilitator.Session{planned.ID: srv.status(t, ana, planned), live.ID: srv.status(t, ana, live)}
	rm, _ := srv.rooms.Get(live.ID)
	version := rm.State().Version

	items := []room.Item{room.NewItem("", room.GroundingSettings{Seconds: 60})}
	for _, ss := range []facilitator.Session{planned, live} {
		for name, do := range map[string]func() error{
			"SetAgenda": func() error { _, err := srv.svc.SetAgenda(ctx, ben, ss.ID, items); return err },
			"SetAgenda, invalid": func() error {
				_, err := srv.svc.SetAgenda(ctx, ben, ss.ID, []room.Item{{Kind: "dance"}})
				return err
			},
			"Open":  func() error { _, _, err := srv.svc.Open(ctx, ben, ss.ID); return err },
			"Close": func() error { _, err := srv.svc.Close(ctx, ben, ss.ID); return err },
			"Room":  func() error { _, err := srv.svc.Room(ctx, ben, ss.ID); return err },
			"Plan":  func() error { _, err := srv.svc.Plan(ctx, ben, ss.CohortID, "Mine", t0); return err },
		} {
			t.Run(name+" of a "+string(before[ss.ID].Status)+" session is not found", func(t *testing.T) {
				wantCode(t, name, do(), facilitator.CodeNotFound)
			})
		}
	}
	t.Run("nothing changed", func(t *testing.T) {
		for _, ss := range []facilitator.Session{planned, live} {
			if got := srv.status(t, ana, ss); !reflect.DeepEqual(got, before[ss.ID]) {
				t.Errorf("%s:\ngot  %+v\nwant %+v", ss.Title, got, before[ss.ID])
			}
		}
		if got := rm.State().Version; got != version {
			t.Errorf("live room version: got %d, want %d", got, version)
		}
		for _, id := range []string{c.ID, other.ID} {
			if all, err := srv.fac.Sessions(ctx, ana, id); err != nil || len(all) != 1 {
				t.Errorf("sessions of %s: got %d, %v, want 1", id, len(all), err)
			}
		}
	})
}

// A co-facilitator added, or a participant renamed, while the room is live
// is on its roster at once.
func TestSyncRoster(t *testing.T) {
	ctx := context.Background()
	srv := newServer(t)
	ana := srv.account("Ana")
	ben := srv.account("Ben")
	c := srv.cohort(ana, "Tuesday circle", "Sam")
	ss := srv.plan(ana, c.ID, "Week 1", t0)
	if err := srv.svc.SyncRoster(ctx, ana, c); err != nil {
		t.Fatalf("SyncRoster without a live room: %v", err)
	}
	if _, _, err := srv.svc.Open(ctx, ana, ss.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := srv.fac.AddCoFacilitator(ctx, ana, c.ID, "ben@example.org"); err != nil {
		t.Fatal(err)
	}
	c, err := srv.fac.AnswerInvitation(ctx, ben, c.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	people, err := srv.fac.Participants(ctx, ana, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := srv.fac.RenameParticipant(ctx, ana, c.ID, people[0].ID, "Samira"); err != nil {
		t.Fatal(err)
	}
	if err := srv.svc.SyncRoster(ctx, ana, c); err != nil {
		t.Fatalf("SyncRoster: %v", err)
	}
	rm, _ := srv.rooms.Get(ss.ID)
	var got []string
	for _, m := range rm.State().Members {
		got = append(got, m.Name+" "+string(m.Role))
	}
	if want := []string{"Ana facilitator", "Samira participant", "Ben facilitator"}; !reflect.DeepEqual(got, want) {
		t.Errorf("roster: got %v, want %v", got, want)
	}
}

func mustRoom(t *testing.T, srv *server, sessionID string) room.State {
	t.Helper()
	rm, ok := srv.rooms.Get(sessionID)
	if !ok {
		t.Fatalf("no live room for %s", sessionID)
	}
	return rm.State()
}

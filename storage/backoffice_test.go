package storage

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"hearth/facilitator"
	"hearth/room"
)

// ids returns the IDs of xs, in order, through id.
func ids[T any](xs []T, id func(T) string) []string {
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		out = append(out, id(x))
	}
	return out
}

func wantNotFound(tb testing.TB, what string, err error) {
	tb.Helper()
	if !errors.Is(err, facilitator.ErrNotFound) {
		tb.Errorf("%s: got error %v, want ErrNotFound", what, err)
	}
}

func TestAccounts(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)

	count := func(tb testing.TB, want int) {
		tb.Helper()
		n, err := db.CountAccounts(ctx)
		if err != nil {
			tb.Fatalf("CountAccounts: %v", err)
		}
		if n != want {
			tb.Errorf("CountAccounts: got %d, want %d", n, want)
		}
	}
	count(t, 0)

	ada := facilitator.Account{ID: "acct-ada", Email: "ada@example.org", Name: "Ada", PasswordHash: "$argon2id$x", CreatedAt: t0}
	grace := facilitator.Account{ID: "acct-grace", Email: "grace@example.org", Name: "Grace", PasswordHash: "$argon2id$y", CreatedAt: t0.Add(time.Hour)}
	for _, a := range []facilitator.Account{ada, grace} {
		if err := db.CreateAccount(ctx, a); err != nil {
			t.Fatalf("CreateAccount(%s): %v", a.Email, err)
		}
	}
	count(t, 2)

	t.Run("a taken email is refused and nothing is stored", func(t *testing.T) {
		dup := facilitator.Account{ID: "acct-dup", Email: "ada@example.org", Name: "Other Ada"}
		if err := db.CreateAccount(ctx, dup); !errors.Is(err, facilitator.ErrEmailTaken) {
			t.Errorf("CreateAccount with a taken email: got %v, want ErrEmailTaken", err)
		}
		count(t, 2)
		_, err := db.Account(ctx, dup.ID)
		wantNotFound(t, "Account(acct-dup)", err)
		if got, err := db.AccountByEmail(ctx, "ada@example.org"); err != nil || got.ID != ada.ID {
			t.Errorf("AccountByEmail(ada) after the refused duplicate: got %q, %v, want %q", got.ID, err, ada.ID)
		}
	})

	db.reopen(t)
	t.Run("accounts survive a reopen", func(t *testing.T) {
		count(t, 2)
		for _, want := range []facilitator.Account{ada, grace} {
			got, err := db.AccountByEmail(ctx, want.Email)
			if err != nil {
				t.Fatalf("AccountByEmail(%s): %v", want.Email, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("AccountByEmail(%s):\ngot  %+v\nwant %+v", want.Email, got, want)
			}
			got, err = db.Account(ctx, want.ID)
			if err != nil {
				t.Fatalf("Account(%s): %v", want.ID, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Account(%s):\ngot  %+v\nwant %+v", want.ID, got, want)
			}
		}
	})

	t.Run("unknown accounts are not found", func(t *testing.T) {
		_, err := db.Account(ctx, "acct-nobody")
		wantNotFound(t, "Account(acct-nobody)", err)
		_, err = db.AccountByEmail(ctx, "nobody@example.org")
		wantNotFound(t, "AccountByEmail(nobody)", err)
	})
}

func TestLogins(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	l := facilitator.Login{TokenHash: "hash-1", AccountID: "acct-ada", CreatedAt: t0, ExpiresAt: t0.Add(24 * time.Hour)}
	if err := db.PutLogin(ctx, l); err != nil {
		t.Fatalf("PutLogin: %v", err)
	}
	db.reopen(t)

	got, err := db.Login(ctx, "hash-1")
	if err != nil {
		t.Fatalf("Login(hash-1): %v", err)
	}
	if !reflect.DeepEqual(got, l) {
		t.Errorf("Login(hash-1):\ngot  %+v\nwant %+v", got, l)
	}
	_, err = db.Login(ctx, "hash-2")
	wantNotFound(t, "Login(hash-2)", err)

	if err := db.DeleteLogin(ctx, "hash-1"); err != nil {
		t.Fatalf("DeleteLogin(hash-1): %v", err)
	}
	_, err = db.Login(ctx, "hash-1")
	wantNotFound(t, "Login(hash-1) after DeleteLogin", err)
	if err := db.DeleteLogin(ctx, "hash-1"); err != nil {
		t.Errorf("DeleteLogin of a deleted login: got %v, want nil", err)
	}
}

// TestCohortOfAnOlderBinary reads a cohort written before the closing text,
// the support lines and the door's setting existed: it reads them as unset.
func TestCohortOfAnOlderBinary(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	old := `{"id":"c-old","name":"Old circle","description":"","agreements":"Stay kind.","agreementsVersion":2,` +
		`"videoUrl":"","archived":false,"facilitators":["ada"],"createdAt":"2026-01-01T10:00:00Z"}`
	if err := db.bolt.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCohorts).Put([]byte("c-old"), []byte(old))
	}); err != nil {
		t.Fatal(err)
	}
	c, err := db.Cohort(ctx, "c-old")
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != "Old circle" || c.AgreementsVersion != 2 || c.ClosingText != "" || c.CrisisText != "" || c.AdmitOnArrival {
		t.Errorf("an older cohort: got %+v, want its own fields and no closing text, support lines or admission", c)
	}
}

func TestCohorts(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	cohorts := []facilitator.Cohort{
		{ID: "c-ada", Name: "Ada's", AgreementsVersion: 1, Facilitators: []string{"ada"}, CreatedAt: t0},
		{ID: "c-both", Name: "Shared", Agreements: "Speak from your own experience.", AgreementsVersion: 3,
			VideoURL: "https://meet.example.org/x", Facilitators: []string{"grace", "ada"}, CreatedAt: t0.Add(time.Hour),
			ClosingText: "Rest tonight.", CrisisText: "Line: 0800 111", AdmitOnArrival: true},
		{ID: "c-grace", Name: "Grace's", Archived: true, AgreementsVersion: 1, Facilitators: []string{"grace"}, CreatedAt: t0},
	}
	for _, c := range cohorts {
		if err := db.PutCohort(ctx, c); err != nil {
			t.Fatalf("PutCohort(%s): %v", c.ID, err)
		}
	}
	db.reopen(t)

	t.Run("Cohort returns what was put", func(t *testing.T) {
		for _, want := range cohorts {
			got, err := db.Cohort(ctx, want.ID)
			if err != nil {
				t.Fatalf("Cohort(%s): %v", want.ID, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Cohort(%s):\ngot  %+v\nwant %+v", want.ID, got, want)
			}
		}
		_, err := db.Cohort(ctx, "c-none")
		wantNotFound(t, "Cohort(c-none)", err)
	})

	cohortID := func(c facilitator.Cohort) string { return c.ID }
	for _, tc := range []struct {
		account string
		want    []string
	}{
		{"ada", []string{"c-ada", "c-both"}},
		{"grace", []string{"c-both", "c-grace"}},
		{"nobody", []string{}},
	} {
		t.Run("CohortsOf "+tc.account+" lists only the cohorts they facilitate", func(t *testing.T) {
			cs, err := db.CohortsOf(ctx, tc.account)
			if err != nil {
				t.Fatalf("CohortsOf(%s): %v", tc.account, err)
			}
			// CohortsOf promises no order; the keys happen to be sorted.
			if got := ids(cs, cohortID); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("CohortsOf(%s): got %v, want %v", tc.account, got, tc.want)
			}
		})
	}

	t.Run("a second put replaces the cohort", func(t *testing.T) {
		c := cohorts[0]
		c.Name = "Renamed"
		c.Facilitators = []string{"grace"}
		if err := db.PutCohort(ctx, c); err != nil {
			t.Fatal(err)
		}
		got, err := db.Cohort(ctx, c.ID)
		if err != nil || got.Name != "Renamed" {
			t.Errorf("Cohort(%s) after a second put: got %q, %v, want %q", c.ID, got.Name, err, "Renamed")
		}
		cs, err := db.CohortsOf(ctx, "ada")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := ids(cs, cohortID), []string{"c-both"}; !reflect.DeepEqual(got, want) {
			t.Errorf("CohortsOf(ada) after she left c-ada: got %v, want %v", got, want)
		}
	})
}

func TestParticipants(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	participantID := func(p facilitator.Participant) string { return p.ID }

	// "c1" is a prefix of "c10": the cohort index must not mix them up.
	people := []facilitator.Participant{
		{ID: "p-late", CohortID: "c1", Name: "Late", InviteNonce: "n1", TokenHash: "tok-late", CreatedAt: t0.Add(2 * time.Hour)},
		{ID: "p-early", CohortID: "c1", Name: "Early", InviteNonce: "n2", TokenHash: "tok-early", CreatedAt: t0,
			Acceptances: []facilitator.Acceptance{{Version: 1, At: t0.Add(time.Minute)}}},
		{ID: "p-mid", CohortID: "c1", Name: "Mid", InviteNonce: "n3", TokenHash: "tok-mid", CreatedAt: t0.Add(time.Hour)},
		{ID: "p-other", CohortID: "c10", Name: "Other", InviteNonce: "n4", TokenHash: "tok-other", CreatedAt: t0.Add(-time.Hour)},
	}
	for _, p := range people {
		if err := db.PutParticipant(ctx, p); err != nil {
			t.Fatalf("PutParticipant(%s): %v", p.ID, err)
		}
	}
	db.reopen(t)

	list := func(tb testing.TB, cohortID string) []string {
		tb.Helper()
		ps, err := db.Participants(ctx, cohortID)
		if err != nil {
			tb.Fatalf("Participants(%s): %v", cohortID, err)
		}
		return ids(ps, participantID)
	}
	byToken := func(tb testing.TB, hash string) facilitator.Participant {
		tb.Helper()
		p, err := db.ParticipantByToken(ctx, hash)
		if err != nil {
			tb.Fatalf("ParticipantByToken(%s): %v", hash, err)
		}
		return p
	}

	t.Run("Participant and ParticipantByToken return what was put", func(t *testing.T) {
		for _, want := range people {
			got, err := db.Participant(ctx, want.ID)
			if err != nil {
				t.Fatalf("Participant(%s): %v", want.ID, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Participant(%s):\ngot  %+v\nwant %+v", want.ID, got, want)
			}
			if got := byToken(t, want.TokenHash); !reflect.DeepEqual(got, want) {
				t.Errorf("ParticipantByToken(%s):\ngot  %+v\nwant %+v", want.TokenHash, got, want)
			}
		}
		_, err := db.Participant(ctx, "p-none")
		wantNotFound(t, "Participant(p-none)", err)
		_, err = db.ParticipantByToken(ctx, "tok-none")
		wantNotFound(t, "ParticipantByToken(tok-none)", err)
	})

	t.Run("Participants lists only the cohort's, oldest first", func(t *testing.T) {
		for _, tc := range []struct {
			cohort string
			want   []string
		}{
			{"c1", []string{"p-early", "p-mid", "p-late"}},
			{"c10", []string{"p-other"}},
			{"c", []string{}},
			{"c-none", []string{}},
		} {
			if got := list(t, tc.cohort); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Participants(%s): got %v, want %v", tc.cohort, got, tc.want)
			}
		}
	})

	t.Run("a new token hash replaces the old one in the index", func(t *testing.T) {
		p := people[0]
		p.InviteNonce, p.TokenHash = "n1-again", "tok-late-2"
		if err := db.PutParticipant(ctx, p); err != nil {
			t.Fatal(err)
		}
		db.reopen(t)
		_, err := db.ParticipantByToken(ctx, "tok-late")
		wantNotFound(t, "ParticipantByToken of the old hash", err)
		if got := byToken(t, "tok-late-2"); got.ID != p.ID || got.InviteNonce != "n1-again" {
			t.Errorf("ParticipantByToken of the new hash: got %s (nonce %s), want %s (nonce n1-again)", got.ID, got.InviteNonce, p.ID)
		}
		if got, want := list(t, "c1"), []string{"p-early", "p-mid", "p-late"}; !reflect.DeepEqual(got, want) {
			t.Errorf("Participants(c1) after a second put: got %v, want %v", got, want)
		}
	})

	t.Run("a put with the same token hash keeps the token working", func(t *testing.T) {
		p := people[2]
		p.Name = "Middle"
		if err := db.PutParticipant(ctx, p); err != nil {
			t.Fatal(err)
		}
		if got := byToken(t, p.TokenHash); got.Name != "Middle" {
			t.Errorf("ParticipantByToken after a rename: got name %q, want %q", got.Name, "Middle")
		}
	})

	t.Run("DeleteParticipant removes the participant, their token and their place", func(t *testing.T) {
		if err := db.DeleteParticipant(ctx, "p-late"); err != nil {
			t.Fatalf("DeleteParticipant(p-late): %v", err)
		}
		db.reopen(t)
		_, err := db.Participant(ctx, "p-late")
		wantNotFound(t, "Participant(p-late) after delete", err)
		_, err = db.ParticipantByToken(ctx, "tok-late-2")
		wantNotFound(t, "ParticipantByToken(tok-late-2) after delete", err)
		if got, want := list(t, "c1"), []string{"p-early", "p-mid"}; !reflect.DeepEqual(got, want) {
			t.Errorf("Participants(c1) after delete: got %v, want %v", got, want)
		}
		wantNotFound(t, "DeleteParticipant(p-late) again", db.DeleteParticipant(ctx, "p-late"))
		// No index entry may outlive the participant, even where a lookup
		// through it would fail anyway.
		err = db.bolt.View(func(tx *bolt.Tx) error {
			if v := tx.Bucket(bucketTokens).Get([]byte("tok-late-2")); v != nil {
				t.Errorf("token index entry tok-late-2: got %q, want none", v)
			}
			if tx.Bucket(bucketCohortPeople).Get(indexKey("c1", "p-late")) != nil {
				t.Errorf("cohort index entry c1/p-late: got one, want none")
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

func TestSessions(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	sessionID := func(s facilitator.Session) string { return s.ID }

	sessions := []facilitator.Session{
		{ID: "s-third", CohortID: "c1", Title: "Week 3", StartsAt: t0.Add(14 * 24 * time.Hour), Status: facilitator.Planned, CreatedAt: t0},
		{ID: "s-first", CohortID: "c1", Title: "Week 1", StartsAt: t0, Status: facilitator.Planned, CreatedAt: t0,
			Agenda: []byte(`[{"kind":"grounding","seconds":60}]`)},
		{ID: "s-second", CohortID: "c1", Title: "Week 2", StartsAt: t0.Add(7 * 24 * time.Hour), Status: facilitator.Planned, CreatedAt: t0},
		{ID: "s-other", CohortID: "c2", Title: "Elsewhere", StartsAt: t0.Add(time.Hour), Status: facilitator.Planned, CreatedAt: t0},
	}
	for _, s := range sessions {
		if err := db.PutSession(ctx, s); err != nil {
			t.Fatalf("PutSession(%s): %v", s.ID, err)
		}
	}
	db.reopen(t)

	t.Run("Session returns what was put", func(t *testing.T) {
		for _, want := range sessions {
			got, err := db.Session(ctx, want.ID)
			if err != nil {
				t.Fatalf("Session(%s): %v", want.ID, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Session(%s):\ngot  %+v\nwant %+v", want.ID, got, want)
			}
		}
		_, err := db.Session(ctx, "s-none")
		wantNotFound(t, "Session(s-none)", err)
	})

	t.Run("Sessions lists the cohort's by start time", func(t *testing.T) {
		for _, tc := range []struct {
			cohort string
			want   []string
		}{
			{"c1", []string{"s-first", "s-second", "s-third"}},
			{"c2", []string{"s-other"}},
			{"c3", []string{}},
		} {
			ss, err := db.Sessions(ctx, tc.cohort)
			if err != nil {
				t.Fatalf("Sessions(%s): %v", tc.cohort, err)
			}
			if got := ids(ss, sessionID); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Sessions(%s): got %v, want %v", tc.cohort, got, tc.want)
			}
		}
	})

	t.Run("moving a session's start reorders it", func(t *testing.T) {
		s := sessions[0]
		s.StartsAt = t0.Add(-24 * time.Hour)
		if err := db.PutSession(ctx, s); err != nil {
			t.Fatal(err)
		}
		ss, err := db.Sessions(ctx, "c1")
		if err != nil {
			t.Fatal(err)
		}
		if got, want := ids(ss, sessionID), []string{"s-third", "s-first", "s-second"}; !reflect.DeepEqual(got, want) {
			t.Errorf("Sessions(c1) after moving s-third first: got %v, want %v", got, want)
		}
	})
}

// rawSession returns the session's record as stored, decoded as a map.
func rawSession(tb testing.TB, db *DB, id string) map[string]any {
	tb.Helper()
	var rec map[string]any
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return getJSON(tx.Bucket(bucketSessions), id, &rec)
	})
	if err != nil {
		tb.Fatalf("session %s as stored: %v", id, err)
	}
	return rec
}

// A session's life is its room's: one source, read in the transaction that
// reads the session, never stored with the session.
func TestSessionLife(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	life := func(tb testing.TB, id string) (facilitator.SessionStatus, time.Time, time.Time) {
		tb.Helper()
		ss, err := db.Session(ctx, id)
		if err != nil {
			tb.Fatalf("Session(%s): %v", id, err)
		}
		all, err := db.Sessions(ctx, ss.CohortID)
		if err != nil {
			tb.Fatalf("Sessions(%s): %v", ss.CohortID, err)
		}
		for _, other := range all {
			if other.ID == id && !reflect.DeepEqual(other, ss) {
				tb.Errorf("Sessions(%s) and Session(%s) disagree:\n%+v\n%+v", ss.CohortID, id, other, ss)
			}
		}
		return ss.Status, ss.OpenedAt, ss.ClosedAt
	}
	wantLife := func(tb testing.TB, id string, status facilitator.SessionStatus, opened, closed time.Time) {
		tb.Helper()
		gotStatus, gotOpened, gotClosed := life(tb, id)
		if gotStatus != status || !gotOpened.Equal(opened) || !gotClosed.Equal(closed) {
			tb.Errorf("session %s: got %s opened %v closed %v, want %s opened %v closed %v",
				id, gotStatus, gotOpened, gotClosed, status, opened, closed)
		}
		if gotOpened.Location() != time.UTC || gotClosed.Location() != time.UTC {
			tb.Errorf("session %s: times in %v and %v, want UTC", id, gotOpened.Location(), gotClosed.Location())
		}
	}

	ss := facilitator.Session{ID: "s1", CohortID: "c1", Title: "Week 1", StartsAt: t0, CreatedAt: t0,
		// A status put with a session is not stored.
		Status: facilitator.Live, OpenedAt: t0}
	if err := db.PutSession(ctx, ss); err != nil {
		t.Fatal(err)
	}
	t.Run("a session without a room is planned", func(t *testing.T) {
		wantLife(t, "s1", facilitator.Planned, time.Time{}, time.Time{})
	})

	opened := t0.In(time.FixedZone("CET", 3600))
	open := testRoom("s1", room.Open, 1)
	open.OpenedAt = opened
	saveRoom(t, db.DB, open)
	t.Run("a session whose room is open is live, since the room opened", func(t *testing.T) {
		wantLife(t, "s1", facilitator.Live, t0, time.Time{})
		db.reopen(t)
		wantLife(t, "s1", facilitator.Live, t0, time.Time{})
	})

	t.Run("UpdateSession sees the room's life, and does not store one", func(t *testing.T) {
		var seen facilitator.SessionStatus
		got, err := db.UpdateSession(ctx, "s1", func(s *facilitator.Session) error {
			seen = s.Status
			s.Title = "Week 1, renamed"
			s.Status, s.ClosedAt = facilitator.Closed, t0
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if seen != facilitator.Live || got.Status != facilitator.Live || !got.ClosedAt.IsZero() || got.Title != "Week 1, renamed" {
			t.Errorf("UpdateSession: fn saw %s; got %s closed %v titled %q, want live seen, live returned, not closed, renamed",
				seen, got.Status, got.ClosedAt, got.Title)
		}
		wantLife(t, "s1", facilitator.Live, t0, time.Time{})
	})

	closed := *open
	closed.Status, closed.Version, closed.ClosedAt = room.Closed, 2, t0.Add(90*time.Minute)
	saveRoom(t, db.DB, &closed)
	t.Run("a session whose room closed is closed, when the room closed", func(t *testing.T) {
		wantLife(t, "s1", facilitator.Closed, t0, t0.Add(90*time.Minute))
	})

	t.Run("the session's record holds no life of its own", func(t *testing.T) {
		rec := rawSession(t, db.DB, "s1")
		for _, key := range []string{"status", "openedAt", "closedAt"} {
			if v, ok := rec[key]; ok {
				t.Errorf("stored session has %q: %v, want none", key, v)
			}
		}
		if rec["title"] != "Week 1, renamed" {
			t.Errorf("stored session title: got %v, want the update's", rec["title"])
		}
	})

	// Files written before kept a status with the session, marked after the
	// room's first commit. The room's record wins wherever there is one.
	legacy := []struct {
		name   string
		record string // the session as an older Hearth stored it
		room   *room.State
		status facilitator.SessionStatus
		opened time.Time
		closed time.Time
	}{
		{
			name:   "an old live session whose room closed is closed",
			record: `{"id":"old-1","cohortId":"c1","title":"Old","status":"live","openedAt":"2025-03-14T18:00:00Z"}`,
			room: func() *room.State {
				r := testRoom("old-1", room.Closed, 5)
				r.ClosedAt = t0.Add(time.Hour)
				return r
			}(),
			status: facilitator.Closed, opened: t0, closed: t0.Add(time.Hour),
		},
		{
			name:   "an old planned session whose room opened before its mark is live",
			record: `{"id":"old-2","cohortId":"c1","title":"Old","status":"planned"}`,
			room:   testRoom("old-2", room.Open, 1),
			status: facilitator.Live, opened: t0,
		},
		{
			name:   "an old planned session without a room is planned",
			record: `{"id":"old-3","cohortId":"c1","title":"Old","status":"planned"}`,
			status: facilitator.Planned,
		},
		{
			name:   "an old closed session without a room stays closed",
			record: `{"id":"old-4","cohortId":"c1","title":"Old","status":"closed","openedAt":"2025-03-14T18:00:00Z","closedAt":"2025-03-14T19:00:00Z"}`,
			status: facilitator.Closed, opened: t0, closed: t0.Add(time.Hour),
		},
		{
			name:   "an old live session without a room reads closed, never to open again",
			record: `{"id":"old-5","cohortId":"c1","title":"Old","status":"live","openedAt":"2025-03-14T18:00:00Z"}`,
			status: facilitator.Closed, opened: t0,
		},
	}
	for _, tc := range legacy {
		t.Run(tc.name, func(t *testing.T) {
			var id struct{ ID string }
			if err := json.Unmarshal([]byte(tc.record), &id); err != nil {
				t.Fatal(err)
			}
			err := db.bolt.Update(func(tx *bolt.Tx) error {
				if err := tx.Bucket(bucketCohortSession).Put(indexKey("c1", id.ID), nil); err != nil {
					return err
				}
				return tx.Bucket(bucketSessions).Put([]byte(id.ID), []byte(tc.record))
			})
			if err != nil {
				t.Fatal(err)
			}
			if tc.room != nil {
				saveRoom(t, db.DB, tc.room)
			}
			wantLife(t, id.ID, tc.status, tc.opened, tc.closed)
			// Written again, the session drops the status it kept.
			if _, err := db.UpdateSession(ctx, id.ID, func(*facilitator.Session) error { return nil }); err != nil {
				t.Fatal(err)
			}
			if v, ok := rawSession(t, db.DB, id.ID)["status"]; ok {
				t.Errorf("rewritten old session keeps status %v, want none", v)
			}
			if tc.room != nil {
				wantLife(t, id.ID, tc.status, tc.opened, tc.closed)
			}
		})
	}
}

// Each Update method reads and writes in one transaction: concurrent
// changes of one record all land, none written over another.
func TestConcurrentUpdates(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	const n = 16
	if err := db.PutCohort(ctx, facilitator.Cohort{ID: "c1", Name: "Circle", Facilitators: []string{"ana"}}); err != nil {
		t.Fatal(err)
	}
	if err := db.PutParticipant(ctx, facilitator.Participant{ID: "p1", CohortID: "c1", Name: "Sam", TokenHash: "tok-0"}); err != nil {
		t.Fatal(err)
	}
	if err := db.PutSession(ctx, facilitator.Session{ID: "s1", CohortID: "c1", Title: "Week"}); err != nil {
		t.Fatal(err)
	}
	if err := db.PutNote(ctx, facilitator.Note{ID: "n1", CohortID: "c1", AuthorID: "ana", Text: "Notes:"}); err != nil {
		t.Fatal(err)
	}

	var wg sync.WaitGroup
	errs := make(chan error, 4*n)
	for i := range n {
		wg.Add(4)
		go func() {
			defer wg.Done()
			_, err := db.UpdateCohort(ctx, "c1", func(c *facilitator.Cohort) error {
				c.Facilitators = append(c.Facilitators, fmt.Sprintf("f%02d", i))
				return nil
			})
			errs <- err
		}()
		go func() {
			defer wg.Done()
			_, err := db.UpdateParticipant(ctx, "p1", func(p *facilitator.Participant) error {
				p.Acceptances = append(p.Acceptances, facilitator.Acceptance{Version: i + 1})
				p.TokenHash = fmt.Sprintf("tok-%d", i+1)
				return nil
			})
			errs <- err
		}()
		go func() {
			defer wg.Done()
			_, err := db.UpdateSession(ctx, "s1", func(s *facilitator.Session) error {
				s.Title += fmt.Sprintf(" %02d", i)
				return nil
			})
			errs <- err
		}()
		go func() {
			defer wg.Done()
			_, err := db.UpdateNote(ctx, "n1", func(note *facilitator.Note) error {
				note.Text += fmt.Sprintf(" %02d", i)
				return nil
			})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("update: %v", err)
		}
	}
	db.reopen(t)

	c, err := db.Cohort(ctx, "c1")
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Facilitators) != n+1 {
		t.Errorf("cohort facilitators: got %d %v, want %d (none lost)", len(c.Facilitators), c.Facilitators, n+1)
	}
	p, err := db.Participant(ctx, "p1")
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Acceptances) != n {
		t.Errorf("participant acceptances: got %d, want %d (none lost)", len(p.Acceptances), n)
	}
	// Only the last token written resolves; every earlier one was unhooked
	// by the update that replaced it.
	for i := range n + 1 {
		tok := fmt.Sprintf("tok-%d", i)
		got, err := db.ParticipantByToken(ctx, tok)
		if tok == p.TokenHash {
			if err != nil || got.ID != "p1" {
				t.Errorf("ParticipantByToken(%s), the current token: got %q, %v, want p1", tok, got.ID, err)
			}
			continue
		}
		wantNotFound(t, "ParticipantByToken("+tok+"), an old token", err)
	}
	ss, err := db.Session(ctx, "s1")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(ss.Title, " "); got != n {
		t.Errorf("session: got %d additions in %q, want %d (none lost)", got, ss.Title, n)
	}
	note, err := db.Note(ctx, "n1")
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(note.Text, " "); got != n {
		t.Errorf("note: got %d additions in %q, want %d (none lost)", got, note.Text, n)
	}
}

func TestUpdateRefusals(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	if err := db.PutCohort(ctx, facilitator.Cohort{ID: "c1", Name: "Circle"}); err != nil {
		t.Fatal(err)
	}
	if err := db.PutParticipant(ctx, facilitator.Participant{ID: "p1", CohortID: "c1", Name: "Sam", TokenHash: "tok"}); err != nil {
		t.Fatal(err)
	}
	if err := db.PutSession(ctx, facilitator.Session{ID: "s1", CohortID: "c1", Title: "Week 1"}); err != nil {
		t.Fatal(err)
	}
	if err := db.PutNote(ctx, facilitator.Note{ID: "n1", CohortID: "c1", Text: "kept"}); err != nil {
		t.Fatal(err)
	}
	refused := errors.New("refused")
	for _, tc := range []struct {
		name string
		do   func() error
		want error // nil: any error but ErrNotFound and refused
	}{
		{"a missing cohort", func() error {
			_, err := db.UpdateCohort(ctx, "c-none", func(*facilitator.Cohort) error { return nil })
			return err
		}, facilitator.ErrNotFound},
		{"a missing participant", func() error {
			_, err := db.UpdateParticipant(ctx, "p-none", func(*facilitator.Participant) error { return nil })
			return err
		}, facilitator.ErrNotFound},
		{"a missing session", func() error {
			_, err := db.UpdateSession(ctx, "s-none", func(*facilitator.Session) error { return nil })
			return err
		}, facilitator.ErrNotFound},
		{"a missing note", func() error {
			_, err := db.UpdateNote(ctx, "n-none", func(*facilitator.Note) error { return nil })
			return err
		}, facilitator.ErrNotFound},
		{"a cohort change fn refuses", func() error {
			_, err := db.UpdateCohort(ctx, "c1", func(c *facilitator.Cohort) error { c.Name = "lost"; return refused })
			return err
		}, refused},
		{"a participant change fn refuses", func() error {
			_, err := db.UpdateParticipant(ctx, "p1", func(p *facilitator.Participant) error {
				p.Name, p.TokenHash = "lost", "tok-lost"
				return refused
			})
			return err
		}, refused},
		{"a session change fn refuses", func() error {
			_, err := db.UpdateSession(ctx, "s1", func(s *facilitator.Session) error { s.Title = "lost"; return refused })
			return err
		}, refused},
		{"a note change fn refuses", func() error {
			_, err := db.UpdateNote(ctx, "n1", func(n *facilitator.Note) error { n.Text = "lost"; return refused })
			return err
		}, refused},
		{"a cohort moved to another ID", func() error {
			_, err := db.UpdateCohort(ctx, "c1", func(c *facilitator.Cohort) error { c.ID, c.Name = "c2", "lost"; return nil })
			return err
		}, nil},
		{"a participant moved to another cohort", func() error {
			_, err := db.UpdateParticipant(ctx, "p1", func(p *facilitator.Participant) error { p.CohortID, p.Name = "c2", "lost"; return nil })
			return err
		}, nil},
		{"a session moved to another cohort", func() error {
			_, err := db.UpdateSession(ctx, "s1", func(s *facilitator.Session) error { s.CohortID, s.Title = "c2", "lost"; return nil })
			return err
		}, nil},
		{"a note moved to another cohort", func() error {
			_, err := db.UpdateNote(ctx, "n1", func(n *facilitator.Note) error { n.CohortID, n.Text = "c2", "lost"; return nil })
			return err
		}, nil},
	} {
		t.Run(tc.name+" is refused, nothing written", func(t *testing.T) {
			err := tc.do()
			switch {
			case tc.want != nil && !errors.Is(err, tc.want):
				t.Errorf("got %v, want %v", err, tc.want)
			case tc.want == nil && (err == nil || errors.Is(err, facilitator.ErrNotFound) || errors.Is(err, refused)):
				t.Errorf("got %v, want the change refused", err)
			}
		})
	}
	t.Run("what was refused is not stored", func(t *testing.T) {
		c, err := db.Cohort(ctx, "c1")
		if err != nil || c.Name != "Circle" {
			t.Errorf("cohort: got %q, %v, want Circle", c.Name, err)
		}
		_, err = db.Cohort(ctx, "c2")
		wantNotFound(t, "Cohort(c2)", err)
		p, err := db.Participant(ctx, "p1")
		if err != nil || p.Name != "Sam" {
			t.Errorf("participant: got %q, %v, want Sam", p.Name, err)
		}
		if got, err := db.ParticipantByToken(ctx, "tok"); err != nil || got.ID != "p1" {
			t.Errorf("ParticipantByToken(tok): got %q, %v, want p1", got.ID, err)
		}
		_, err = db.ParticipantByToken(ctx, "tok-lost")
		wantNotFound(t, "ParticipantByToken(tok-lost)", err)
		if ps, err := db.Participants(ctx, "c2"); err != nil || len(ps) != 0 {
			t.Errorf("Participants(c2): got %d, %v, want none", len(ps), err)
		}
		ss, err := db.Session(ctx, "s1")
		if err != nil || ss.Title != "Week 1" {
			t.Errorf("session: got %q, %v, want Week 1", ss.Title, err)
		}
		if all, err := db.Sessions(ctx, "c2"); err != nil || len(all) != 0 {
			t.Errorf("Sessions(c2): got %d, %v, want none", len(all), err)
		}
		n, err := db.Note(ctx, "n1")
		if err != nil || n.Text != "kept" {
			t.Errorf("note: got %q, %v, want kept", n.Text, err)
		}
	})
}

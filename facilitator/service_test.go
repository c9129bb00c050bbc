package facilitator_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"hearth/facilitator"
	"hearth/storage"
)

// t0 is where every test clock starts; not in UTC, so the service's
// normalising to UTC shows.
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

// newService returns a Service on a real database in a temporary folder,
// with a clock at t0 and logins that last an hour.
func newService(tb testing.TB) (*facilitator.Service, *clock) {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "hearth.db")
	db, err := storage.Open(path, time.Second)
	if err != nil {
		tb.Fatalf("storage.Open(%s): %v", path, err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("close %s: %v", path, err)
		}
	})
	clk := &clock{now: t0}
	svc := &facilitator.Service{
		Store:     db,
		InviteKey: bytes.Repeat([]byte{0x42}, 32),
		Now:       clk.Now,
		LoginTTL:  time.Hour,
	}
	return svc, clk
}

// newAccount stores a facilitator account straight into the store, without
// paying for a password hash. Its email is the lower-case name at example.org.
func newAccount(tb testing.TB, svc *facilitator.Service, name string) facilitator.Account {
	tb.Helper()
	a := facilitator.Account{
		ID:           "acct-" + strings.ToLower(name),
		Email:        strings.ToLower(name) + "@example.org",
		Name:         name,
		PasswordHash: "not a hash: this account cannot log in",
		CreatedAt:    t0.UTC(),
	}
	if err := svc.Store.CreateAccount(context.Background(), a); err != nil {
		tb.Fatalf("CreateAccount(%s): %v", a.Email, err)
	}
	return a
}

func newCohort(tb testing.TB, svc *facilitator.Service, acct facilitator.Account, name, agreements string) facilitator.Cohort {
	tb.Helper()
	c, err := svc.CreateCohort(context.Background(), acct, facilitator.CohortInput{Name: &name, Agreements: &agreements})
	if err != nil {
		tb.Fatalf("CreateCohort(%s): %v", name, err)
	}
	return c
}

// coFacilitate makes other a co-facilitator of the owner's cohort: the
// owner invites them, and they accept.
func coFacilitate(tb testing.TB, svc *facilitator.Service, owner facilitator.Account, cohortID string, other facilitator.Account) facilitator.Cohort {
	tb.Helper()
	ctx := context.Background()
	if _, err := svc.AddCoFacilitator(ctx, owner, cohortID, other.Email); err != nil {
		tb.Fatalf("AddCoFacilitator(%s): %v", other.Email, err)
	}
	c, err := svc.AnswerInvitation(ctx, other, cohortID, true)
	if err != nil {
		tb.Fatalf("AnswerInvitation(%s): %v", other.Email, err)
	}
	return c
}

func newParticipant(tb testing.TB, svc *facilitator.Service, acct facilitator.Account, cohortID, name string) facilitator.Participant {
	tb.Helper()
	p, err := svc.AddParticipant(context.Background(), acct, cohortID, name)
	if err != nil {
		tb.Fatalf("AddParticipant(%s): %v", name, err)
	}
	return p
}

// wantCode fails unless err is a *facilitator.Error with the code; code ""
// wants no error at all.
func wantCode(tb testing.TB, what string, err error, code string) {
	tb.Helper()
	if code == "" {
		if err != nil {
			tb.Errorf("%s: got error %v, want none", what, err)
		}
		return
	}
	var fe *facilitator.Error
	if !errors.As(err, &fe) || fe.Code != code {
		tb.Errorf("%s: got error %v, want code %q", what, err, code)
	}
}

func ptr[T any](v T) *T { return &v }

// newSession plans a session straight into the store, as the session
// service (facilitator/session) does.
func newSession(tb testing.TB, svc *facilitator.Service, cohortID, title string, startsAt time.Time) facilitator.Session {
	tb.Helper()
	ss, err := facilitator.NewSession(cohortID, title, startsAt, svc.Now())
	if err != nil {
		tb.Fatalf("NewSession(%s): %v", title, err)
	}
	if err := svc.Store.PutSession(context.Background(), ss); err != nil {
		tb.Fatalf("PutSession(%s): %v", title, err)
	}
	return ss
}

func TestCreateAccount(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, _ := newService(t)
	const password = "ten chars!"

	for _, tc := range []struct {
		name                   string
		email, person, passwrd string
	}{
		{"bad email", "not-an-email", "Ada", password},
		{"empty email", "", "Ada", password},
		{"email with a display name", "Ada <ada@example.org>", "Ada", password},
		{"two emails", "ada@example.org, bob@example.org", "Ada", password},
		{"empty name", "ada@example.org", "", password},
		{"blank name", "ada@example.org", "   ", password},
		{"name of 61 characters", "ada@example.org", strings.Repeat("é", 61), password},
		{"password of 9 characters", "ada@example.org", "Ada", "nine char"},
		{"password of 9 characters in 18 bytes", "ada@example.org", "Ada", strings.Repeat("é", 9)},
		{"password of 257 characters", "ada@example.org", "Ada", strings.Repeat("p", 257)},
	} {
		t.Run(tc.name+" is invalid", func(t *testing.T) {
			_, err := svc.CreateAccount(ctx, tc.email, tc.person, tc.passwrd)
			wantCode(t, "CreateAccount", err, facilitator.CodeInvalid)
		})
	}
	if need, err := svc.SetupNeeded(ctx); err != nil || !need {
		t.Errorf("SetupNeeded after only invalid accounts: got %v, %v, want true", need, err)
	}

	t.Run("a valid account is stored with its email in lower case", func(t *testing.T) {
		a, err := svc.CreateAccount(ctx, "  Ada@Example.ORG ", " Ada Lovelace ", password)
		if err != nil {
			t.Fatalf("CreateAccount: %v", err)
		}
		if a.Email != "ada@example.org" || a.Name != "Ada Lovelace" {
			t.Errorf("account: got email %q name %q, want %q %q", a.Email, a.Name, "ada@example.org", "Ada Lovelace")
		}
		if a.ID == "" || !strings.HasPrefix(a.PasswordHash, "$argon2id$") || !a.CreatedAt.Equal(t0) {
			t.Errorf("account: got ID %q, hash %q, created %v, want an ID, an argon2id hash, %v", a.ID, a.PasswordHash, a.CreatedAt, t0)
		}
		got, err := svc.Store.AccountByEmail(ctx, "ada@example.org")
		if err != nil || got.ID != a.ID {
			t.Errorf("AccountByEmail(ada@example.org): got %q, %v, want %q", got.ID, err, a.ID)
		}
		if need, err := svc.SetupNeeded(ctx); err != nil || need {
			t.Errorf("SetupNeeded with an account: got %v, %v, want false", need, err)
		}
	})

	t.Run("an email in use in another case is a conflict", func(t *testing.T) {
		_, err := svc.CreateAccount(ctx, "ADA@example.org", "Another Ada", "another password")
		wantCode(t, "CreateAccount with a taken email", err, facilitator.CodeConflict)
		if n, err := svc.Store.CountAccounts(ctx); err != nil || n != 1 {
			t.Errorf("CountAccounts: got %d, %v, want 1", n, err)
		}
	})
}

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	svc, _ := newService(t)
	const password = "a long enough password"
	ada, err := svc.CreateAccount(ctx, "ada@example.org", "Ada", password)
	if err != nil {
		t.Fatal(err)
	}

	errs := map[string]error{}
	for _, tc := range []struct {
		name, email, password string
		code                  string
	}{
		{"the right password", "ada@example.org", password, ""},
		{"the email in another case", " ADA@Example.org ", password, ""},
		{"a wrong password", "ada@example.org", password + "?", facilitator.CodeUnauthorized},
		{"an unknown email", "bob@example.org", password, facilitator.CodeUnauthorized},
		{"a password far too long", "ada@example.org", strings.Repeat("x", 4*facilitator.MaxPassword+1), facilitator.CodeUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, err := svc.Authenticate(ctx, tc.email, tc.password)
			wantCode(t, "Authenticate", err, tc.code)
			if tc.code == "" && a.ID != ada.ID {
				t.Errorf("Authenticate: got account %q, want %q", a.ID, ada.ID)
			}
			errs[tc.name] = err
		})
	}
	t.Run("a wrong password and an unknown email look the same", func(t *testing.T) {
		wrong, unknown := errs["a wrong password"], errs["an unknown email"]
		if wrong == nil || unknown == nil || wrong.Error() != unknown.Error() {
			t.Errorf("errors: got %v for a wrong password and %v for an unknown email, want the same", wrong, unknown)
		}
	})
}

func TestLogins(t *testing.T) {
	ctx := context.Background()
	svc, clk := newService(t)
	ada := newAccount(t, svc, "Ada")

	t.Run("a login token finds its account", func(t *testing.T) {
		token, l, err := svc.StartLogin(ctx, ada.ID)
		if err != nil {
			t.Fatalf("StartLogin: %v", err)
		}
		if l.TokenHash != facilitator.HashToken(token) || l.TokenHash == token {
			t.Errorf("login: got token hash %q for token %q, want HashToken(token)", l.TokenHash, token)
		}
		if want := t0.Add(time.Hour); !l.ExpiresAt.Equal(want) {
			t.Errorf("login expires: got %v, want %v", l.ExpiresAt, want)
		}
		a, err := svc.AccountForLogin(ctx, token)
		if err != nil || a.ID != ada.ID {
			t.Errorf("AccountForLogin: got %q, %v, want %q", a.ID, err, ada.ID)
		}
	})

	t.Run("a login expires after its TTL and is deleted", func(t *testing.T) {
		token, _, err := svc.StartLogin(ctx, ada.ID)
		if err != nil {
			t.Fatal(err)
		}
		clk.Advance(time.Hour - time.Second)
		if a, err := svc.AccountForLogin(ctx, token); err != nil || a.ID != ada.ID {
			t.Errorf("AccountForLogin a second before expiry: got %q, %v, want %q", a.ID, err, ada.ID)
		}
		clk.Advance(time.Second)
		_, err = svc.AccountForLogin(ctx, token)
		wantCode(t, "AccountForLogin at expiry", err, facilitator.CodeUnauthorized)
		_, err = svc.Store.Login(ctx, facilitator.HashToken(token))
		if !errors.Is(err, facilitator.ErrNotFound) {
			t.Errorf("the expired login in the store: got %v, want ErrNotFound", err)
		}
	})

	t.Run("EndLogin ends a login", func(t *testing.T) {
		token, _, err := svc.StartLogin(ctx, ada.ID)
		if err != nil {
			t.Fatal(err)
		}
		if err := svc.EndLogin(ctx, token); err != nil {
			t.Fatalf("EndLogin: %v", err)
		}
		_, err = svc.AccountForLogin(ctx, token)
		wantCode(t, "AccountForLogin after EndLogin", err, facilitator.CodeUnauthorized)
		if err := svc.EndLogin(ctx, ""); err != nil {
			t.Errorf("EndLogin of no token: got %v, want nil", err)
		}
	})

	for _, tc := range []struct{ name, token string }{
		{"empty", ""},
		{"unknown", facilitator.NewToken()},
		{"too long", strings.Repeat("a", 101)},
	} {
		t.Run("an "+tc.name+" token is unauthorized", func(t *testing.T) {
			_, err := svc.AccountForLogin(ctx, tc.token)
			wantCode(t, "AccountForLogin", err, facilitator.CodeUnauthorized)
		})
	}

	t.Run("without a TTL a login lasts the default", func(t *testing.T) {
		noTTL := &facilitator.Service{Store: svc.Store, InviteKey: svc.InviteKey, Now: svc.Now}
		_, l, err := noTTL.StartLogin(ctx, ada.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := l.ExpiresAt.Sub(l.CreatedAt), facilitator.DefaultLoginTTL; got != want {
			t.Errorf("login lasts: got %v, want %v", got, want)
		}
	})
}

func TestCreateCohort(t *testing.T) {
	ctx := context.Background()
	svc, clk := newService(t)
	robin := newAccount(t, svc, "Robin")

	var created []string // names of the valid cohorts, oldest first
	for _, tc := range []struct {
		name string
		in   facilitator.CohortInput
		code string
	}{
		{"no name", facilitator.CohortInput{Description: ptr("d")}, facilitator.CodeInvalid},
		{"a blank name", facilitator.CohortInput{Name: ptr("   ")}, facilitator.CodeInvalid},
		{"a name of 101 characters", facilitator.CohortInput{Name: ptr(strings.Repeat("é", 101))}, facilitator.CodeInvalid},
		{"a name of 100 characters", facilitator.CohortInput{Name: ptr(strings.Repeat("é", 100))}, ""},
		{"a description of 2001 characters", facilitator.CohortInput{Name: ptr("c"), Description: ptr(strings.Repeat("d", 2001))}, facilitator.CodeInvalid},
		{"agreements of 5001 characters", facilitator.CohortInput{Name: ptr("c"), Agreements: ptr(strings.Repeat("a", 5001))}, facilitator.CodeInvalid},
		{"a javascript: video link", facilitator.CohortInput{Name: ptr("c"), VideoURL: ptr("javascript:alert(1)")}, facilitator.CodeInvalid},
		{"an ftp video link", facilitator.CohortInput{Name: ptr("c"), VideoURL: ptr("ftp://x")}, facilitator.CodeInvalid},
		{"a video link without a host", facilitator.CohortInput{Name: ptr("c"), VideoURL: ptr("https://")}, facilitator.CodeInvalid},
		{"a relative video link", facilitator.CohortInput{Name: ptr("c"), VideoURL: ptr("/meet/abc")}, facilitator.CodeInvalid},
		{"a video link of 501 characters", facilitator.CohortInput{Name: ptr("c"), VideoURL: ptr("https://meet.example.org/" + strings.Repeat("a", 476))}, facilitator.CodeInvalid},
		{"an https video link", facilitator.CohortInput{Name: ptr("Spring circle"), VideoURL: ptr(" https://meet.example.org/abc ")}, ""},
		{"an http video link", facilitator.CohortInput{Name: ptr("Local circle"), VideoURL: ptr("http://10.0.0.2/room")}, ""},
		{"everything at its limit", facilitator.CohortInput{Name: ptr("Full"), Description: ptr(strings.Repeat("d", 2000)),
			Agreements: ptr(strings.Repeat("a", 5000)), VideoURL: ptr("https://meet.example.org/" + strings.Repeat("a", 475))}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk.Advance(time.Minute)
			c, err := svc.CreateCohort(ctx, robin, tc.in)
			wantCode(t, "CreateCohort", err, tc.code)
			if tc.code != "" || err != nil {
				return
			}
			created = append(created, c.Name)
			if want := strings.TrimSpace(*tc.in.Name); c.Name != want {
				t.Errorf("name: got %q, want %q", c.Name, want)
			}
			if tc.in.VideoURL != nil && c.VideoURL != strings.TrimSpace(*tc.in.VideoURL) {
				t.Errorf("video link: got %q, want %q", c.VideoURL, strings.TrimSpace(*tc.in.VideoURL))
			}
			if c.AgreementsVersion != 1 {
				t.Errorf("agreements version of a new cohort: got %d, want 1", c.AgreementsVersion)
			}
			if want := []string{robin.ID}; !reflect.DeepEqual(c.Facilitators, want) {
				t.Errorf("facilitators: got %v, want %v", c.Facilitators, want)
			}
			stored, err := svc.Cohort(ctx, robin, c.ID)
			if err != nil || !reflect.DeepEqual(stored, c) {
				t.Errorf("stored cohort:\ngot  %+v, %v\nwant %+v", stored, err, c)
			}
		})
	}

	t.Run("Cohorts lists the valid ones, newest first", func(t *testing.T) {
		cs, err := svc.Cohorts(ctx, robin)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, c := range cs {
			got = append(got, c.Name)
		}
		want := make([]string, len(created))
		for i, name := range created {
			want[len(created)-1-i] = name
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("Cohorts: got %q, want %q", got, want)
		}
	})
}

func TestUpdateCohort(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	robin := newAccount(t, svc, "Robin")
	c := newCohort(t, svc, robin, "Spring circle", "Confidentiality.")

	for _, tc := range []struct {
		name        string
		in          facilitator.CohortInput
		code        string
		wantName    string
		wantVersion int
	}{
		{"the same agreements keep the version", facilitator.CohortInput{Agreements: ptr("Confidentiality.")}, "", "Spring circle", 1},
		{"the same agreements with spaces around keep the version", facilitator.CohortInput{Agreements: ptr(" Confidentiality.\n")}, "", "Spring circle", 1},
		{"other fields keep the version", facilitator.CohortInput{Name: ptr("Renamed"), Description: ptr("Six weeks."), VideoURL: ptr("https://meet.example.org/x")}, "", "Renamed", 1},
		{"new agreements raise the version by one", facilitator.CohortInput{Agreements: ptr("Confidentiality. The right to pass.")}, "", "Renamed", 2},
		{"cleared agreements raise it again", facilitator.CohortInput{Agreements: ptr("")}, "", "Renamed", 3},
		{"an invalid name changes nothing", facilitator.CohortInput{Name: ptr(""), Agreements: ptr("New")}, facilitator.CodeInvalid, "Renamed", 3},
		{"an invalid video link changes nothing", facilitator.CohortInput{Name: ptr("Other"), Agreements: ptr("New"), VideoURL: ptr("ftp://x")}, facilitator.CodeInvalid, "Renamed", 3},
		{"too long agreements change nothing", facilitator.CohortInput{Agreements: ptr(strings.Repeat("a", 5001))}, facilitator.CodeInvalid, "Renamed", 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.UpdateCohort(ctx, robin, c.ID, tc.in)
			wantCode(t, "UpdateCohort", err, tc.code)
			stored, err := svc.Cohort(ctx, robin, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if stored.Name != tc.wantName || stored.AgreementsVersion != tc.wantVersion {
				t.Errorf("stored cohort: got %q version %d, want %q version %d", stored.Name, stored.AgreementsVersion, tc.wantName, tc.wantVersion)
			}
		})
	}

	t.Run("archive, and clear the video link", func(t *testing.T) {
		got, err := svc.UpdateCohort(ctx, robin, c.ID, facilitator.CohortInput{Archived: ptr(true), VideoURL: ptr("")})
		if err != nil {
			t.Fatal(err)
		}
		if !got.Archived || got.VideoURL != "" || got.Description != "Six weeks." {
			t.Errorf("cohort: got archived %v, video %q, description %q, want true, \"\", %q", got.Archived, got.VideoURL, got.Description, "Six weeks.")
		}
	})
}

// TestCohortCareSettings sets the closing text, the support lines and the
// door's setting: each kept as set (trimmed), each left alone when not named,
// and a text past its limit changes nothing.
func TestCohortCareSettings(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	robin := newAccount(t, svc, "Robin")
	c := newCohort(t, svc, robin, "Spring circle", "")
	if c.ClosingText != "" || c.CrisisText != "" || c.AdmitOnArrival {
		t.Fatalf("a new cohort: closing %q, crisis %q, admit on arrival %v; want empty and false", c.ClosingText, c.CrisisText, c.AdmitOnArrival)
	}

	type want struct {
		closing, crisis string
		admit           bool
	}
	for _, tc := range []struct {
		name string
		in   facilitator.CohortInput
		code string
		want want
	}{
		{"all three, trimmed", facilitator.CohortInput{ClosingText: ptr("  Rest tonight.\nCall a friend.  "), CrisisText: ptr(" Line: 0800 111 \n"), AdmitOnArrival: ptr(true)},
			"", want{"Rest tonight.\nCall a friend.", "Line: 0800 111", true}},
		{"another field leaves them as they are", facilitator.CohortInput{Name: ptr("Renamed")}, "", want{"Rest tonight.\nCall a friend.", "Line: 0800 111", true}},
		{"texts of 2000 characters", facilitator.CohortInput{ClosingText: ptr(strings.Repeat("é", 2000)), CrisisText: ptr(strings.Repeat("ü", 2000))},
			"", want{strings.Repeat("é", 2000), strings.Repeat("ü", 2000), true}},
		{"a closing text of 2001 characters changes nothing", facilitator.CohortInput{ClosingText: ptr(strings.Repeat("a", 2001)), AdmitOnArrival: ptr(false)},
			facilitator.CodeInvalid, want{strings.Repeat("é", 2000), strings.Repeat("ü", 2000), true}},
		{"support lines of 2001 characters change nothing", facilitator.CohortInput{CrisisText: ptr(strings.Repeat("a", 2001)), ClosingText: ptr("x")},
			facilitator.CodeInvalid, want{strings.Repeat("é", 2000), strings.Repeat("ü", 2000), true}},
		{"cleared", facilitator.CohortInput{ClosingText: ptr(""), CrisisText: ptr(" "), AdmitOnArrival: ptr(false)}, "", want{"", "", false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := svc.UpdateCohort(ctx, robin, c.ID, tc.in)
			wantCode(t, "UpdateCohort", err, tc.code)
			stored, err := svc.Cohort(ctx, robin, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got := (want{stored.ClosingText, stored.CrisisText, stored.AdmitOnArrival}); got != tc.want {
				t.Errorf("stored cohort: got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestParticipantNames(t *testing.T) {
	ctx := context.Background()
	svc, clk := newService(t)
	robin := newAccount(t, svc, "Robin")
	c := newCohort(t, svc, robin, "Spring circle", "")

	for _, tc := range []struct {
		name, person string
		code         string
	}{
		{"an empty name", "", facilitator.CodeInvalid},
		{"a blank name", " \t ", facilitator.CodeInvalid},
		{"a name of 61 characters", strings.Repeat("ö", 61), facilitator.CodeInvalid},
		{"a name of 60 characters", strings.Repeat("ö", 60), ""},
		{"a name with spaces around", "  Sam  ", ""},
	} {
		t.Run("AddParticipant with "+tc.name, func(t *testing.T) {
			clk.Advance(time.Minute) // Participants lists oldest first
			p, err := svc.AddParticipant(ctx, robin, c.ID, tc.person)
			wantCode(t, "AddParticipant", err, tc.code)
			if err != nil {
				return
			}
			if want := strings.TrimSpace(tc.person); p.Name != want || p.CohortID != c.ID {
				t.Errorf("participant: got %q in %s, want %q in %s", p.Name, p.CohortID, want, c.ID)
			}
			if p.InviteNonce == "" || p.TokenHash != facilitator.HashToken(svc.InviteToken(p)) {
				t.Errorf("participant: got nonce %q and token hash %q, want a nonce and the hash of InviteToken", p.InviteNonce, p.TokenHash)
			}
		})
	}

	ps, err := svc.Participants(ctx, robin, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 2 || ps[1].Name != "Sam" {
		t.Fatalf("Participants: got %+v, want the 60-character name and Sam", ps)
	}
	sam := ps[1]

	for _, tc := range []struct {
		name, person string
		code         string
	}{
		{"an empty name", "", facilitator.CodeInvalid},
		{"a name of 61 characters", strings.Repeat("ö", 61), facilitator.CodeInvalid},
		{"a new name", " Samuel ", ""},
	} {
		t.Run("RenameParticipant with "+tc.name, func(t *testing.T) {
			_, err := svc.RenameParticipant(ctx, robin, c.ID, sam.ID, tc.person)
			wantCode(t, "RenameParticipant", err, tc.code)
		})
	}
	t.Run("a rename keeps the invite link", func(t *testing.T) {
		p, _, err := svc.Invitee(ctx, svc.InviteToken(sam))
		if err != nil || p.Name != "Samuel" {
			t.Errorf("Invitee after the renames: got %q, %v, want %q", p.Name, err, "Samuel")
		}
	})
}

func TestSessions(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	robin := newAccount(t, svc, "Robin")
	c := newCohort(t, svc, robin, "Spring circle", "")
	week := 7 * 24 * time.Hour

	for _, tc := range []struct {
		name, title string
		startsAt    time.Time
	}{
		{"an empty title", "", t0.Add(week)},
		{"a blank title", "   ", t0.Add(week)},
		{"a title of 101 characters", strings.Repeat("é", 101), t0.Add(week)},
		{"no time", "Week 1", time.Time{}},
	} {
		t.Run("NewSession with "+tc.name+" is invalid", func(t *testing.T) {
			_, err := facilitator.NewSession(c.ID, tc.title, tc.startsAt, t0)
			wantCode(t, "NewSession", err, facilitator.CodeInvalid)
		})
	}

	second := newSession(t, svc, c.ID, "Week 2", t0.Add(2*week))
	first := newSession(t, svc, c.ID, " Week 1 ", t0.Add(week))

	t.Run("a new session is planned, in UTC", func(t *testing.T) {
		if first.Title != "Week 1" || first.Status != facilitator.Planned || first.CohortID != c.ID {
			t.Errorf("session: got %q %s in %s, want %q planned in %s", first.Title, first.Status, first.CohortID, "Week 1", c.ID)
		}
		if !first.StartsAt.Equal(t0.Add(week)) || first.StartsAt.Location() != time.UTC {
			t.Errorf("starts at: got %v, want %v in UTC", first.StartsAt, t0.Add(week))
		}
		if !first.CreatedAt.Equal(t0) || first.CreatedAt.Location() != time.UTC {
			t.Errorf("created at: got %v, want %v in UTC", first.CreatedAt, t0)
		}
		got, gotCohort, err := svc.Session(ctx, robin, first.ID)
		if err != nil || !reflect.DeepEqual(got, first) || gotCohort.ID != c.ID {
			t.Errorf("Session: got %+v in %s, %v, want %+v in %s", got, gotCohort.ID, err, first, c.ID)
		}
	})

	t.Run("Sessions are in start order and NextSession is the first planned", func(t *testing.T) {
		all, err := svc.Sessions(ctx, robin, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(all) != 2 || all[0].ID != first.ID || all[1].ID != second.ID {
			t.Errorf("Sessions: got %+v, want Week 1 then Week 2", all)
		}
		next, ok, err := svc.NextSession(ctx, c.ID)
		if err != nil || !ok || next.ID != first.ID {
			t.Errorf("NextSession: got %q, %v, %v, want %q", next.Title, ok, err, first.Title)
		}
	})
	// A session's life (live, closed, and NextSession after) is its room's:
	// facilitator/session's tests open and close real rooms.
}

func TestPermissions(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	robin := newAccount(t, svc, "Robin")
	alex := newAccount(t, svc, "Alex")
	newAccount(t, svc, "Kim")
	c := newCohort(t, svc, robin, "Spring circle", "Confidentiality.")
	sam := newParticipant(t, svc, robin, c.ID, "Sam")
	ss := newSession(t, svc, c.ID, "Week 1", t0.Add(24*time.Hour))

	// In this order: removing Sam comes last. Planning a session is the
	// session service's, and tested with it.
	ops := []struct {
		name string
		do   func(acct facilitator.Account) error
	}{
		{"Cohort", func(a facilitator.Account) error { _, err := svc.Cohort(ctx, a, c.ID); return err }},
		{"UpdateCohort", func(a facilitator.Account) error {
			_, err := svc.UpdateCohort(ctx, a, c.ID, facilitator.CohortInput{Description: ptr("Changed by " + a.Name)})
			return err
		}},
		{"Participants", func(a facilitator.Account) error { _, err := svc.Participants(ctx, a, c.ID); return err }},
		{"AddParticipant", func(a facilitator.Account) error {
			_, err := svc.AddParticipant(ctx, a, c.ID, "Added by "+a.Name)
			return err
		}},
		{"RenameParticipant", func(a facilitator.Account) error {
			_, err := svc.RenameParticipant(ctx, a, c.ID, sam.ID, "Renamed by "+a.Name)
			return err
		}},
		{"ReissueInvite", func(a facilitator.Account) error { _, err := svc.ReissueInvite(ctx, a, c.ID, sam.ID); return err }},
		{"Session", func(a facilitator.Account) error { _, _, err := svc.Session(ctx, a, ss.ID); return err }},
		{"Sessions", func(a facilitator.Account) error { _, err := svc.Sessions(ctx, a, c.ID); return err }},
		{"RemoveParticipant", func(a facilitator.Account) error { return svc.RemoveParticipant(ctx, a, c.ID, sam.ID) }},
	}

	for _, op := range ops {
		t.Run("another facilitator gets not_found from "+op.name, func(t *testing.T) {
			wantCode(t, op.name, op.do(alex), facilitator.CodeNotFound)
		})
	}

	t.Run("the refusals changed nothing", func(t *testing.T) {
		got, err := svc.Cohort(ctx, robin, c.ID)
		if err != nil || !reflect.DeepEqual(got, c) {
			t.Errorf("cohort:\ngot  %+v, %v\nwant %+v", got, err, c)
		}
		ps, err := svc.Participants(ctx, robin, c.ID)
		if err != nil || len(ps) != 1 || !reflect.DeepEqual(ps[0], sam) {
			t.Errorf("participants: got %+v, %v, want only %+v", ps, err, sam)
		}
		sessions, err := svc.Sessions(ctx, robin, c.ID)
		if err != nil || len(sessions) != 1 {
			t.Errorf("sessions: got %d, %v, want 1", len(sessions), err)
		}
		if cs, err := svc.Cohorts(ctx, alex); err != nil || len(cs) != 0 {
			t.Errorf("Cohorts(alex): got %d, %v, want 0", len(cs), err)
		}
	})

	t.Run("someone else's cohort looks like no cohort", func(t *testing.T) {
		_, hidden := svc.Cohort(ctx, alex, c.ID)
		_, missing := svc.Cohort(ctx, alex, "no-such-cohort")
		if hidden == nil || missing == nil || hidden.Error() != missing.Error() {
			t.Errorf("errors: got %v for someone else's cohort and %v for none, want the same", hidden, missing)
		}
	})

	t.Run("another facilitator gets not_found from AddCoFacilitator", func(t *testing.T) {
		_, err := svc.AddCoFacilitator(ctx, alex, c.ID, "kim@example.org")
		wantCode(t, "AddCoFacilitator", err, facilitator.CodeNotFound)
	})

	t.Run("AddCoFacilitator", func(t *testing.T) {
		for range 2 {
			got, err := svc.AddCoFacilitator(ctx, robin, c.ID, " Alex@Example.org ")
			if err != nil {
				t.Fatalf("AddCoFacilitator(alex): %v", err)
			}
			if want := []string{robin.ID}; !reflect.DeepEqual(got.Facilitators, want) {
				t.Errorf("facilitators before Alex accepts: got %v, want %v", got.Facilitators, want)
			}
		}
		got, err := svc.AnswerInvitation(ctx, alex, c.ID, true)
		if err != nil {
			t.Fatalf("AnswerInvitation(alex): %v", err)
		}
		if want := []string{robin.ID, alex.ID}; !reflect.DeepEqual(got.Facilitators, want) {
			t.Errorf("facilitators: got %v, want %v", got.Facilitators, want)
		}
	})

	for _, op := range ops {
		t.Run("a co-facilitator may use "+op.name, func(t *testing.T) {
			wantCode(t, op.name, op.do(alex), "")
		})
	}

	t.Run("a co-facilitator may not add co-facilitators", func(t *testing.T) {
		_, err := svc.AddCoFacilitator(ctx, alex, c.ID, "kim@example.org")
		wantCode(t, "AddCoFacilitator by a co-facilitator", err, facilitator.CodeForbidden)
	})

	t.Run("the co-facilitator's changes are there", func(t *testing.T) {
		got, err := svc.Cohort(ctx, robin, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Description != "Changed by Alex" {
			t.Errorf("description: got %q, want %q", got.Description, "Changed by Alex")
		}
		accts, err := svc.Facilitators(ctx, got)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, a := range accts {
			names = append(names, a.Name)
		}
		if want := []string{"Robin", "Alex"}; !reflect.DeepEqual(names, want) {
			t.Errorf("Facilitators: got %v, want %v", names, want)
		}
		if cs, err := svc.Cohorts(ctx, alex); err != nil || len(cs) != 1 || cs[0].ID != c.ID {
			t.Errorf("Cohorts(alex): got %+v, %v, want the one cohort", cs, err)
		}
		if _, err := svc.Store.Participant(ctx, sam.ID); !errors.Is(err, facilitator.ErrNotFound) {
			t.Errorf("Sam after the co-facilitator removed him: got %v, want ErrNotFound", err)
		}
	})
}

func TestParticipantOfAnotherCohort(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	robin := newAccount(t, svc, "Robin")
	alex := newAccount(t, svc, "Alex")
	a := newCohort(t, svc, robin, "Cohort A", "")
	b := newCohort(t, svc, robin, "Cohort B", "")
	coFacilitate(t, svc, robin, b.ID, alex)
	sam := newParticipant(t, svc, robin, a.ID, "Sam")

	for _, tc := range []struct {
		who  facilitator.Account
		name string
	}{
		{robin, "a facilitator of both cohorts"},
		{alex, "a facilitator of cohort B only"},
	} {
		t.Run(tc.name+" cannot reach A's participant through B", func(t *testing.T) {
			_, err := svc.RenameParticipant(ctx, tc.who, b.ID, sam.ID, "Stolen")
			wantCode(t, "RenameParticipant", err, facilitator.CodeNotFound)
			_, err = svc.ReissueInvite(ctx, tc.who, b.ID, sam.ID)
			wantCode(t, "ReissueInvite", err, facilitator.CodeNotFound)
			err = svc.RemoveParticipant(ctx, tc.who, b.ID, sam.ID)
			wantCode(t, "RemoveParticipant", err, facilitator.CodeNotFound)
		})
	}
	t.Run("Sam is untouched", func(t *testing.T) {
		p, _, err := svc.Invitee(ctx, svc.InviteToken(sam))
		if err != nil || !reflect.DeepEqual(p, sam) {
			t.Errorf("Invitee(Sam's link): got %+v, %v, want %+v", p, err, sam)
		}
	})
}

func TestInvites(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	robin := newAccount(t, svc, "Robin")
	c := newCohort(t, svc, robin, "Spring circle", "Confidentiality.")
	sam := newParticipant(t, svc, robin, c.ID, "Sam")
	token := svc.InviteToken(sam)

	invitee := func(tb testing.TB, s *facilitator.Service, token string) facilitator.Participant {
		tb.Helper()
		p, gotCohort, err := s.Invitee(ctx, token)
		if err != nil {
			tb.Fatalf("Invitee: %v", err)
		}
		if gotCohort.ID != c.ID {
			tb.Errorf("Invitee's cohort: got %q, want %q", gotCohort.ID, c.ID)
		}
		return p
	}
	refused := func(tb testing.TB, s *facilitator.Service, what, token string) {
		tb.Helper()
		_, _, err := s.Invitee(ctx, token)
		wantCode(tb, what, err, facilitator.CodeUnauthorized)
	}

	t.Run("the invite token resolves to its participant", func(t *testing.T) {
		if len(token) < 43 {
			t.Errorf("token %q: got %d characters, want at least 43 (256 bits)", token, len(token))
		}
		if again := svc.InviteToken(sam); again != token {
			t.Errorf("InviteToken twice: got %q then %q, want the same", token, again)
		}
		if sam.TokenHash == token || sam.TokenHash != facilitator.HashToken(token) {
			t.Errorf("stored token hash: got %q, want HashToken(token), not the token", sam.TokenHash)
		}
		if p := invitee(t, svc, token); p.ID != sam.ID {
			t.Errorf("Invitee: got %q, want %q", p.ID, sam.ID)
		}
	})

	for _, tc := range []struct{ name, token string }{
		{"empty", ""},
		{"unknown", facilitator.NewToken()},
		{"too long", token + strings.Repeat("a", 101-len(token))},
	} {
		t.Run("an "+tc.name+" token is unauthorized", func(t *testing.T) {
			refused(t, svc, "Invitee", tc.token)
		})
	}

	t.Run("another invite key makes other tokens", func(t *testing.T) {
		rotated := &facilitator.Service{Store: svc.Store, InviteKey: bytes.Repeat([]byte{0x17}, 32), Now: svc.Now}
		other := rotated.InviteToken(sam)
		if other == token {
			t.Fatalf("tokens under two keys: both %q, want them to differ", token)
		}
		refused(t, svc, "Invitee of a token derived with another key", other)
		refused(t, rotated, "Invitee of the old token after the key changed", token)
	})

	var reissued facilitator.Participant
	t.Run("a reissued invite replaces the old one", func(t *testing.T) {
		var err error
		reissued, err = svc.ReissueInvite(ctx, robin, c.ID, sam.ID)
		if err != nil {
			t.Fatalf("ReissueInvite: %v", err)
		}
		fresh := svc.InviteToken(reissued)
		if fresh == token {
			t.Fatalf("token after ReissueInvite: got the old one, want a new one")
		}
		refused(t, svc, "Invitee of the revoked token", token)
		if p := invitee(t, svc, fresh); p.ID != sam.ID || p.Name != "Sam" {
			t.Errorf("Invitee of the new token: got %q (%s), want %q (Sam)", p.ID, p.Name, sam.ID)
		}
	})

	t.Run("a removed participant's token stops working", func(t *testing.T) {
		if err := svc.RemoveParticipant(ctx, robin, c.ID, sam.ID); err != nil {
			t.Fatalf("RemoveParticipant: %v", err)
		}
		refused(t, svc, "Invitee after RemoveParticipant", svc.InviteToken(reissued))
		err := svc.RemoveParticipant(ctx, robin, c.ID, sam.ID)
		wantCode(t, "RemoveParticipant twice", err, facilitator.CodeNotFound)
	})
}

func TestAcceptAgreements(t *testing.T) {
	ctx := context.Background()
	svc, clk := newService(t)
	robin := newAccount(t, svc, "Robin")
	c := newCohort(t, svc, robin, "Spring circle", "Confidentiality.")
	sam := newParticipant(t, svc, robin, c.ID, "Sam")
	token := svc.InviteToken(sam)

	stored := func(tb testing.TB) facilitator.Participant {
		tb.Helper()
		p, _, err := svc.Invitee(ctx, token)
		if err != nil {
			tb.Fatalf("Invitee: %v", err)
		}
		return p
	}

	clk.Advance(time.Hour)
	acceptedAt := t0.Add(time.Hour)
	t.Run("accepting the current version records when", func(t *testing.T) {
		p, gotCohort, err := svc.AcceptAgreements(ctx, token, 1)
		if err != nil {
			t.Fatalf("AcceptAgreements(1): %v", err)
		}
		if gotCohort.ID != c.ID {
			t.Errorf("cohort: got %q, want %q", gotCohort.ID, c.ID)
		}
		for _, p := range []facilitator.Participant{p, stored(t)} {
			at, ok := p.Accepted(1)
			if !ok || !at.Equal(acceptedAt) || at.Location() != time.UTC {
				t.Errorf("Accepted(1): got %v, %v, want %v in UTC, true", at, ok, acceptedAt)
			}
		}
	})

	t.Run("accepting twice keeps the first record", func(t *testing.T) {
		clk.Advance(time.Hour)
		if _, _, err := svc.AcceptAgreements(ctx, token, 1); err != nil {
			t.Fatalf("AcceptAgreements(1) again: %v", err)
		}
		p := stored(t)
		if len(p.Acceptances) != 1 {
			t.Errorf("acceptances: got %+v, want one", p.Acceptances)
		}
		if at, _ := p.Accepted(1); !at.Equal(acceptedAt) {
			t.Errorf("Accepted(1): got %v, want %v", at, acceptedAt)
		}
	})

	for _, tc := range []struct {
		name    string
		version int
	}{
		{"accepting version 0 is a conflict", 0},
		{"accepting a version not yet written is a conflict", 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := svc.AcceptAgreements(ctx, token, tc.version)
			wantCode(t, "AcceptAgreements of a version that is not current", err, facilitator.CodeConflict)
		})
	}

	t.Run("changed agreements need a new acceptance", func(t *testing.T) {
		updated, err := svc.UpdateCohort(ctx, robin, c.ID, facilitator.CohortInput{Agreements: ptr("Confidentiality. The right to pass.")})
		if err != nil {
			t.Fatal(err)
		}
		if updated.AgreementsVersion != 2 {
			t.Fatalf("agreements version: got %d, want 2", updated.AgreementsVersion)
		}
		p := stored(t)
		if _, ok := p.Accepted(2); ok {
			t.Errorf("Accepted(2) before accepting it: got true, want false")
		}
		if _, ok := p.Accepted(1); !ok {
			t.Errorf("Accepted(1) after the change: got false, want the old record kept")
		}
		_, _, err = svc.AcceptAgreements(ctx, token, 1)
		wantCode(t, "AcceptAgreements of the old version", err, facilitator.CodeConflict)

		clk.Advance(time.Hour)
		if _, _, err := svc.AcceptAgreements(ctx, token, 2); err != nil {
			t.Fatalf("AcceptAgreements(2): %v", err)
		}
		p = stored(t)
		if at, ok := p.Accepted(2); !ok || !at.Equal(t0.Add(3*time.Hour)) {
			t.Errorf("Accepted(2): got %v, %v, want %v, true", at, ok, t0.Add(3*time.Hour))
		}
	})

	t.Run("a bad token accepts nothing", func(t *testing.T) {
		_, _, err := svc.AcceptAgreements(ctx, "nope", 2)
		wantCode(t, "AcceptAgreements with a bad token", err, facilitator.CodeUnauthorized)
	})
}

// pausingStore lets a test stop AcceptAgreements inside the transaction
// that records the acceptance, once the acceptance is made and before it is
// written.
type pausingStore struct {
	facilitator.Store
	reached chan struct{} // closed when the acceptance is made
	release chan struct{} // the transaction goes on when this is closed
	once    sync.Once
}

func (s *pausingStore) UpdateParticipant(ctx context.Context, id string, fn func(*facilitator.Participant) error) (facilitator.Participant, error) {
	return s.Store.UpdateParticipant(ctx, id, func(p *facilitator.Participant) error {
		if err := fn(p); err != nil {
			return err
		}
		if len(p.Acceptances) > 0 {
			s.once.Do(func() {
				close(s.reached)
				<-s.release
			})
		}
		return nil
	})
}

func TestConcurrentParticipantChanges(t *testing.T) {
	ctx := context.Background()
	for _, tc := range []struct {
		name   string
		change func(svc *facilitator.Service, acct facilitator.Account, p facilitator.Participant) error
		// check is told the participant as stored after both calls, and the
		// link that worked before.
		check func(t *testing.T, svc *facilitator.Service, p facilitator.Participant, err error, oldToken string)
	}{
		{
			name: "a reissue while agreements are accepted keeps the old link revoked",
			change: func(svc *facilitator.Service, acct facilitator.Account, p facilitator.Participant) error {
				_, err := svc.ReissueInvite(ctx, acct, p.CohortID, p.ID)
				return err
			},
			check: func(t *testing.T, svc *facilitator.Service, p facilitator.Participant, err error, oldToken string) {
				if err != nil {
					t.Fatalf("stored participant: %v", err)
				}
				if _, _, err := svc.Invitee(ctx, oldToken); err == nil {
					t.Errorf("Invitee of the revoked link: got the participant back, want unauthorized")
				}
				if _, _, err := svc.Invitee(ctx, svc.InviteToken(p)); err != nil {
					t.Errorf("Invitee of the stored participant's current link: got %v, want it to work", err)
				}
			},
		},
		{
			name: "a removal while agreements are accepted stays removed",
			change: func(svc *facilitator.Service, acct facilitator.Account, p facilitator.Participant) error {
				return svc.RemoveParticipant(ctx, acct, p.CohortID, p.ID)
			},
			check: func(t *testing.T, svc *facilitator.Service, p facilitator.Participant, err error, oldToken string) {
				if !errors.Is(err, facilitator.ErrNotFound) {
					t.Errorf("the removed participant: got %+v, %v, want ErrNotFound", p, err)
				}
				if _, _, err := svc.Invitee(ctx, oldToken); err == nil {
					t.Errorf("Invitee of a removed participant's link: got the participant back, want unauthorized")
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			svc, _ := newService(t)
			robin := newAccount(t, svc, "Robin")
			c := newCohort(t, svc, robin, "Spring circle", "Confidentiality.")
			sam := newParticipant(t, svc, robin, c.ID, "Sam")
			token := svc.InviteToken(sam)
			store := &pausingStore{Store: svc.Store, reached: make(chan struct{}), release: make(chan struct{})}
			svc.Store = store

			accepted := make(chan error, 1)
			go func() {
				_, _, err := svc.AcceptAgreements(ctx, token, c.AgreementsVersion)
				accepted <- err
			}()
			<-store.reached
			changed := make(chan error, 1)
			go func() { changed <- tc.change(svc, robin, sam) }()
			// The change must wait for the acceptance it would race with.
			// Proving that it waits needs a bound: give it a moment to
			// (wrongly) finish first.
			select {
			case err := <-changed:
				changed <- err
			case <-time.After(50 * time.Millisecond):
			}
			close(store.release)
			// The acceptance may fail (the participant is gone) or succeed;
			// either way the change must win.
			<-accepted
			if err := <-changed; err != nil {
				t.Fatalf("change: %v", err)
			}
			p, err := store.Participant(ctx, sam.ID)
			tc.check(t, svc, p, err, token)
		})
	}
}

// Changes of one cohort run at once from many requests: each reads and
// writes the cohort in one transaction, so none undoes another.
func TestConcurrentCohortChanges(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	robin := newAccount(t, svc, "Robin")
	c := newCohort(t, svc, robin, "Spring circle", "Confidentiality.")
	const n = 8
	others := make([]facilitator.Account, n)
	for i := range others {
		others[i] = newAccount(t, svc, fmt.Sprintf("Co%d", i))
	}

	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i := range n {
		wg.Add(2)
		go func() {
			defer wg.Done()
			_, err := svc.AddCoFacilitator(ctx, robin, c.ID, others[i].Email)
			errs <- err
		}()
		go func() {
			defer wg.Done()
			_, err := svc.UpdateCohort(ctx, robin, c.ID, facilitator.CohortInput{Agreements: ptr(fmt.Sprintf("Agreements, take %d.", i))})
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("change: %v", err)
		}
	}
	got, err := svc.Cohort(ctx, robin, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range others {
		if _, ok := got.Invitation(a.Email); !ok {
			t.Errorf("%s is not invited after the concurrent changes; got %v", a.Name, got.Invited)
		}
	}
	// Every change of the agreements counted: none read a version another
	// had already passed.
	if want := c.AgreementsVersion + n; got.AgreementsVersion != want {
		t.Errorf("agreements version: got %d, want %d", got.AgreementsVersion, want)
	}
}

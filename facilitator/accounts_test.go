package facilitator_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"hearth/facilitator"
)

// newLoginAccount makes an account with a real password hash, which the
// password changes check.
func newLoginAccount(tb testing.TB, svc *facilitator.Service, email string) facilitator.Account {
	tb.Helper()
	a, err := svc.CreateAccount(context.Background(), email, "Ada", "a long passphrase")
	if err != nil {
		tb.Fatalf("CreateAccount(%s): %v", email, err)
	}
	return a
}

func TestLoginIdle(t *testing.T) {
	ctx := context.Background()
	svc, clk := newService(t)
	svc.LoginTTL = 14 * 24 * time.Hour
	svc.LoginIdle = 2 * time.Hour
	ada := newAccount(t, svc, "Ada")

	t.Run("a login used within the idle time goes on", func(t *testing.T) {
		token, _, err := svc.StartLogin(ctx, ada.ID)
		if err != nil {
			t.Fatal(err)
		}
		// Used every 1 h 59 min, for far longer than the idle time.
		for i := 0; i < 5; i++ {
			clk.Advance(2*time.Hour - time.Minute)
			if _, err := svc.AccountForLogin(ctx, token); err != nil {
				t.Fatalf("use %d, 1 h 59 min after the last: %v", i, err)
			}
		}
		clk.Advance(2 * time.Hour)
		_, err = svc.AccountForLogin(ctx, token)
		wantCode(t, "AccountForLogin after 2 h unused", err, facilitator.CodeUnauthorized)
		if _, err := svc.Store.Login(ctx, facilitator.HashToken(token)); !errors.Is(err, facilitator.ErrNotFound) {
			t.Errorf("the idle login in the store: got %v, want ErrNotFound", err)
		}
	})

	t.Run("a login held by a live connection does not end for idleness", func(t *testing.T) {
		token, _, err := svc.StartLogin(ctx, ada.ID)
		if err != nil {
			t.Fatal(err)
		}
		clk.Advance(10 * time.Hour)
		if _, _, err := svc.UseLogin(ctx, token, true); err != nil {
			t.Fatalf("UseLogin held, 10 h after the last use: %v", err)
		}
		// The connection ends an hour later; idleness counts from then.
		clk.Advance(time.Hour)
		if err := svc.TouchLogin(ctx, facilitator.HashToken(token)); err != nil {
			t.Fatal(err)
		}
		clk.Advance(2*time.Hour - time.Second)
		if _, err := svc.AccountForLogin(ctx, token); err != nil {
			t.Errorf("AccountForLogin 2 h less a second after the connection ended: %v", err)
		}
	})

	t.Run("a held login still ends at its absolute expiry", func(t *testing.T) {
		token, l, err := svc.StartLogin(ctx, ada.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := svc.LoginLeft(l); got != svc.LoginTTL {
			t.Errorf("LoginLeft of a new login: %v, want %v", got, svc.LoginTTL)
		}
		clk.Advance(svc.LoginTTL)
		_, _, err = svc.UseLogin(ctx, token, true)
		wantCode(t, "UseLogin held at the absolute expiry", err, facilitator.CodeUnauthorized)
	})

	t.Run("a login stored before LastSeen counts from its start", func(t *testing.T) {
		token := facilitator.NewToken()
		now := clk.Now().UTC()
		old := facilitator.Login{TokenHash: facilitator.HashToken(token), AccountID: ada.ID, CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour)}
		if err := svc.Store.PutLogin(ctx, old); err != nil {
			t.Fatal(err)
		}
		clk.Advance(2 * time.Hour)
		_, err := svc.AccountForLogin(ctx, token)
		wantCode(t, "an old login unused for 2 h", err, facilitator.CodeUnauthorized)
	})

	t.Run("without a setting a login lasts 12 hours unused", func(t *testing.T) {
		def := &facilitator.Service{Store: svc.Store, Now: clk.Now}
		token, _, err := def.StartLogin(ctx, ada.ID)
		if err != nil {
			t.Fatal(err)
		}
		clk.Advance(12*time.Hour - time.Second)
		if _, err := def.AccountForLogin(ctx, token); err != nil {
			t.Errorf("after 12 h less a second: %v", err)
		}
		clk.Advance(12 * time.Hour)
		_, err = def.AccountForLogin(ctx, token)
		wantCode(t, "after 12 h unused", err, facilitator.CodeUnauthorized)
	})
}

func TestChangePassword(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	ada := newLoginAccount(t, svc, "ada@example.org")
	ben := newLoginAccount(t, svc, "ben@example.org")
	start := func(a facilitator.Account) string {
		t.Helper()
		token, _, err := svc.StartLogin(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		return token
	}
	here, laptop, phone, bens := start(ada), start(ada), start(ada), start(ben)

	_, err := svc.ChangePassword(ctx, ada, "not the one", "another long passphrase", facilitator.HashToken(here))
	wantCode(t, "a wrong current password", err, facilitator.CodeInvalid)
	_, err = svc.ChangePassword(ctx, ada, "a long passphrase", "short", facilitator.HashToken(here))
	wantCode(t, "a short new password", err, facilitator.CodeInvalid)
	_, err = svc.ChangePassword(ctx, ada, "a long passphrase", "password123", facilitator.HashToken(here))
	wantCode(t, "a common new password", err, facilitator.CodeInvalid)
	for _, token := range []string{here, laptop, phone} {
		if _, err := svc.AccountForLogin(ctx, token); err != nil {
			t.Fatalf("a refused change ended a login: %v", err)
		}
	}

	ended, err := svc.ChangePassword(ctx, ada, "a long passphrase", "another long passphrase", facilitator.HashToken(here))
	if err != nil {
		t.Fatalf("ChangePassword: %v", err)
	}
	want := []string{facilitator.HashToken(laptop), facilitator.HashToken(phone)}
	slices.Sort(ended)
	slices.Sort(want)
	if !slices.Equal(ended, want) {
		t.Errorf("ended logins %v, want the laptop's and the phone's %v", ended, want)
	}
	for name, token := range map[string]string{"laptop": laptop, "phone": phone} {
		_, err := svc.AccountForLogin(ctx, token)
		wantCode(t, "the "+name+"'s login after the change", err, facilitator.CodeUnauthorized)
	}
	if _, err := svc.AccountForLogin(ctx, here); err != nil {
		t.Errorf("the login that changed the password: %v, want it kept", err)
	}
	if _, err := svc.AccountForLogin(ctx, bens); err != nil {
		t.Errorf("another account's login: %v, want it kept", err)
	}
	if _, err := svc.Authenticate(ctx, "ada@example.org", "a long passphrase"); err == nil {
		t.Error("the old password still logs in")
	}
	if _, err := svc.Authenticate(ctx, "ada@example.org", "another long passphrase"); err != nil {
		t.Errorf("the new password: %v", err)
	}
}

func TestEndLogins(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	ada, ben := newAccount(t, svc, "Ada"), newAccount(t, svc, "Ben")
	var adas []string
	for i := 0; i < 3; i++ {
		token, _, err := svc.StartLogin(ctx, ada.ID)
		if err != nil {
			t.Fatal(err)
		}
		adas = append(adas, token)
	}
	bens, _, err := svc.StartLogin(ctx, ben.ID)
	if err != nil {
		t.Fatal(err)
	}
	ended, err := svc.EndLogins(ctx, ada.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(ended) != 3 {
		t.Errorf("ended %d logins, want Ada's 3", len(ended))
	}
	for _, token := range adas {
		_, err := svc.AccountForLogin(ctx, token)
		wantCode(t, "Ada's login after EndLogins", err, facilitator.CodeUnauthorized)
	}
	if _, err := svc.AccountForLogin(ctx, bens); err != nil {
		t.Errorf("Ben's login: %v, want it kept", err)
	}
}

func TestOperatorAccounts(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	ada := newLoginAccount(t, svc, "ada@example.org")
	token, _, err := svc.StartLogin(ctx, ada.ID)
	if err != nil {
		t.Fatal(err)
	}

	t.Run("reset-password sets a new password and ends every login", func(t *testing.T) {
		_, err := svc.ResetPassword(ctx, "nobody@example.org", "another long passphrase")
		wantCode(t, "ResetPassword of an unknown email", err, facilitator.CodeNotFound)
		_, err = svc.ResetPassword(ctx, "ada@example.org", "qwertyuiop")
		wantCode(t, "ResetPassword to a common password", err, facilitator.CodeInvalid)
		if _, err := svc.ResetPassword(ctx, " Ada@Example.org ", "another long passphrase"); err != nil {
			t.Fatalf("ResetPassword: %v", err)
		}
		_, err = svc.AccountForLogin(ctx, token)
		wantCode(t, "a login after the reset", err, facilitator.CodeUnauthorized)
		if _, err := svc.Authenticate(ctx, "ada@example.org", "another long passphrase"); err != nil {
			t.Errorf("the new password: %v", err)
		}
	})

	t.Run("a disabled account cannot log in and its logins end", func(t *testing.T) {
		token, _, err := svc.StartLogin(ctx, ada.ID)
		if err != nil {
			t.Fatal(err)
		}
		// A login made before the disable commits (a race) ends too.
		late := facilitator.NewToken()
		a, err := svc.SetDisabled(ctx, "ada@example.org", true)
		if err != nil || !a.Disabled {
			t.Fatalf("SetDisabled: %+v, %v", a, err)
		}
		if err := svc.Store.PutLogin(ctx, facilitator.Login{TokenHash: facilitator.HashToken(late), AccountID: ada.ID, CreatedAt: t0, ExpiresAt: t0.Add(time.Hour), LastSeen: t0}); err != nil {
			t.Fatal(err)
		}
		for _, tok := range []string{token, late} {
			_, err := svc.AccountForLogin(ctx, tok)
			wantCode(t, "a login of a disabled account", err, facilitator.CodeUnauthorized)
		}
		_, err = svc.Authenticate(ctx, "ada@example.org", "another long passphrase")
		wantCode(t, "Authenticate a disabled account", err, facilitator.CodeUnauthorized)
		if !strings.Contains(err.Error(), "disabled") {
			t.Errorf("the right password of a disabled account: %v, want it to say the account is disabled", err)
		}
		_, err = svc.Authenticate(ctx, "ada@example.org", "a wrong password")
		if err == nil || strings.Contains(err.Error(), "disabled") {
			t.Errorf("a wrong password of a disabled account: %v, want the usual refusal, which tells nothing", err)
		}
		if _, err := svc.SetDisabled(ctx, "ada@example.org", false); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.Authenticate(ctx, "ada@example.org", "another long passphrase"); err != nil {
			t.Errorf("Authenticate once enabled: %v", err)
		}
	})
}

func TestCommonPasswords(t *testing.T) {
	for _, tc := range []struct {
		password string
		common   bool
	}{
		{"password", true},
		{"PassWord", true},
		{"1234567890", true},
		{"qwertyuiop", true},
		{"password123", true},
		{"Dragon2024!", true},
		{"sunshine!!!!", true},
		{"aaaaaaaaaaaa", true},
		{"abababababab", true},
		{"a long passphrase", false},
		{"correct horse battery", false},
		{"tuesday circle lantern", false},
		{"zxq-lantern-9", false},
	} {
		if got := facilitator.IsCommonPassword(tc.password); got != tc.common {
			t.Errorf("IsCommonPassword(%q) = %v, want %v", tc.password, got, tc.common)
		}
	}
	err := facilitator.CheckNewPassword("iloveyou123")
	var fe *facilitator.Error
	if !errors.As(err, &fe) || fe.Code != facilitator.CodeInvalid || !strings.HasPrefix(fe.Message, "This password is too common") {
		t.Errorf("CheckNewPassword of a common password: %v, want invalid \"This password is too common…\"", err)
	}
}

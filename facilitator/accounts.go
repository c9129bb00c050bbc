package facilitator

import (
	"context"
	"errors"
	"strings"
	"time"
)

// errDisabled answers a disabled account's login.
var errDisabled = errorf(CodeUnauthorized, "This account is disabled. Please ask whoever runs this Hearth server.")

// errLoginEnded answers a login that has ended, however it ended.
var errLoginEnded = errorf(CodeUnauthorized, "Please log in.")

// CheckNewPassword returns an invalid error for a password an account may
// not be given: too short, too long, or one of the most common passwords.
func CheckNewPassword(password string) error {
	if err := checkLen("Password", password, MinPassword, MaxPassword); err != nil {
		return err
	}
	if IsCommonPassword(password) {
		return errorf(CodeInvalid, "This password is too common: it is among the first ones anyone guessing would try. Please choose another, such as a few unrelated words.")
	}
	return nil
}

func (s *Service) loginTTL() time.Duration {
	if s.LoginTTL > 0 {
		return s.LoginTTL
	}
	return DefaultLoginTTL
}

func (s *Service) loginIdle() time.Duration {
	if s.LoginIdle > 0 {
		return s.LoginIdle
	}
	return DefaultLoginIdle
}

// touchEvery is how stale a login's LastSeen may get before a use writes it
// again: a write per request would cost an fsync each, and the idle limit
// needs no finer grain.
func (s *Service) touchEvery() time.Duration {
	return min(time.Minute, s.loginIdle()/8)
}

// StartLogin makes a login for the account and returns its secret token.
func (s *Service) StartLogin(ctx context.Context, accountID string) (string, Login, error) {
	token := NewToken()
	now := s.now()
	l := Login{TokenHash: HashToken(token), AccountID: accountID, CreatedAt: now, ExpiresAt: now.Add(s.loginTTL()), LastSeen: now}
	if err := s.Store.PutLogin(ctx, l); err != nil {
		return "", Login{}, err
	}
	return token, l, nil
}

// AccountForLogin returns the account a login token belongs to, as
// UseLogin does for a login no live connection holds.
func (s *Service) AccountForLogin(ctx context.Context, token string) (Account, error) {
	a, _, err := s.UseLogin(ctx, token, false)
	return a, err
}

// UseLogin returns the account a login token belongs to, and the login, and
// records that it was used. A login ends (unauthorized) at its ExpiresAt,
// or once unused for LoginIdle, unless held is set: the caller has a live
// connection open with it (a console in a room), which is use enough. A
// login of a disabled or deleted account has ended too. An ended login is
// deleted.
func (s *Service) UseLogin(ctx context.Context, token string, held bool) (Account, Login, error) {
	if token == "" || len(token) > 100 {
		return Account{}, Login{}, errLoginEnded
	}
	l, err := s.Store.Login(ctx, HashToken(token))
	if errors.Is(err, ErrNotFound) {
		return Account{}, Login{}, errLoginEnded
	}
	if err != nil {
		return Account{}, Login{}, err
	}
	now := s.now()
	seen := l.LastSeen
	if seen.IsZero() {
		seen = l.CreatedAt
	}
	if !now.Before(l.ExpiresAt) || (!held && now.Sub(seen) >= s.loginIdle()) {
		_ = s.Store.DeleteLogin(ctx, l.TokenHash)
		return Account{}, Login{}, errLoginEnded
	}
	a, err := s.Store.Account(ctx, l.AccountID)
	if errors.Is(err, ErrNotFound) || (err == nil && a.Disabled) {
		_ = s.Store.DeleteLogin(ctx, l.TokenHash)
		return Account{}, Login{}, errLoginEnded
	}
	if err != nil {
		return Account{}, Login{}, err
	}
	if now.Sub(seen) >= s.touchEvery() {
		if err := s.Store.TouchLogin(ctx, l.TokenHash, now); err != nil && !errors.Is(err, ErrNotFound) {
			return Account{}, Login{}, err
		}
		l.LastSeen = now
	}
	return a, l, nil
}

// LoginLeft returns how long the login has until its absolute expiry.
func (s *Service) LoginLeft(l Login) time.Duration {
	return l.ExpiresAt.Sub(s.now())
}

// TouchLogin records that a login was in use until now: a console's live
// connection that just ended held it, and its idle time starts here. A
// login that has ended meanwhile stays ended.
func (s *Service) TouchLogin(ctx context.Context, tokenHash string) error {
	err := s.Store.TouchLogin(ctx, tokenHash, s.now())
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return err
}

// EndLogins ends every login of the account but the one whose token hash is
// keep ("" ends them all), and returns the token hashes it ended, so the
// caller can close what they hold open.
func (s *Service) EndLogins(ctx context.Context, accountID, keep string) ([]string, error) {
	return s.Store.DeleteLoginsOf(ctx, accountID, keep)
}

// ChangePassword sets the account's password, given its current one, and
// ends every other login of the account: whoever may have learnt the old
// password is logged out everywhere. keep is the token hash of the login
// asking, which stays. It returns the token hashes of the logins it ended.
// A wrong current password is invalid (not unauthorized: the login asking
// is still good), and so is a new one CheckNewPassword refuses.
func (s *Service) ChangePassword(ctx context.Context, acct Account, current, next, keep string) ([]string, error) {
	if len(current) > MaxPassword*4 || !CheckPassword(acct.PasswordHash, current) {
		return nil, errorf(CodeInvalid, "The current password is not right.")
	}
	if err := CheckNewPassword(next); err != nil {
		return nil, err
	}
	if err := s.setPassword(ctx, acct.ID, next); err != nil {
		return nil, err
	}
	return s.EndLogins(ctx, acct.ID, keep)
}

func (s *Service) setPassword(ctx context.Context, accountID, password string) error {
	hash, err := HashPassword(password)
	if err != nil {
		return err
	}
	_, err = s.Store.UpdateAccount(ctx, accountID, func(a *Account) error {
		a.PasswordHash = hash
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		return notFound("account")
	}
	return err
}

// operatorAccount returns the account with the email, for the operator's
// commands: they may name any account, and say so when there is none.
func (s *Service) operatorAccount(ctx context.Context, email string) (Account, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	a, err := s.Store.AccountByEmail(ctx, email)
	if errors.Is(err, ErrNotFound) {
		return Account{}, errorf(CodeNotFound, "No facilitator account has the email %s.", email)
	}
	return a, err
}

// ResetPassword is the operator's: it sets the password of the account with
// the email, without the old one, and ends every login of the account.
func (s *Service) ResetPassword(ctx context.Context, email, password string) (Account, error) {
	a, err := s.operatorAccount(ctx, email)
	if err != nil {
		return Account{}, err
	}
	if err := CheckNewPassword(password); err != nil {
		return Account{}, err
	}
	if err := s.setPassword(ctx, a.ID, password); err != nil {
		return Account{}, err
	}
	if _, err := s.EndLogins(ctx, a.ID, ""); err != nil {
		return Account{}, err
	}
	return a, nil
}

// SetDisabled is the operator's: it disables the account with the email
// (it cannot log in, and every login it had ends) or enables it again.
func (s *Service) SetDisabled(ctx context.Context, email string, disabled bool) (Account, error) {
	a, err := s.operatorAccount(ctx, email)
	if err != nil {
		return Account{}, err
	}
	a, err = s.Store.UpdateAccount(ctx, a.ID, func(a *Account) error {
		a.Disabled = disabled
		return nil
	})
	if err != nil {
		return Account{}, err
	}
	if disabled {
		if _, err := s.EndLogins(ctx, a.ID, ""); err != nil {
			return Account{}, err
		}
	}
	return a, nil
}

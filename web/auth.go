package web

import (
	"context"
	"crypto/subtle"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"hearth/facilitator"
)

// The login cookie's name: over HTTPS with the __Host- prefix, which makes
// the browser refuse it unless it is Secure, for this host alone (no
// Domain) and for every path, so no sibling subdomain or plain-HTTP page
// can plant or shadow it. A __Host- cookie needs Secure, which plain HTTP
// cannot set: local use keeps the plain name.
const (
	cookieName       = "hearth_session"
	secureCookieName = "__Host-" + cookieName
)

// cookieName returns the login cookie's name on this server.
func (s *Server) cookieName() string {
	if s.SecureCookies {
		return secureCookieName
	}
	return cookieName
}

type accountKey struct{}

// facilitatorOnly runs h for a logged-in facilitator, whose account is in the
// request's context; anyone else gets 401.
func (s *Server) facilitatorOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(s.cookieName())
		if err != nil {
			s.writeError(w, r, errUnauthorized)
			return
		}
		hash := facilitator.HashToken(c.Value)
		acct, l, err := s.fac.UseLogin(r.Context(), c.Value, s.logins.held(hash))
		if err != nil {
			// Ended at its absolute expiry, or with its account: nothing
			// it held stays open.
			if loginEnded(err) {
				s.closeLogins(hash)
			}
			s.writeError(w, r, err)
			return
		}
		ctx := context.WithValue(r.Context(), accountKey{}, acct)
		h(w, r.WithContext(context.WithValue(ctx, loginKey{}, l)))
	}
}

func account(r *http.Request) facilitator.Account {
	a, _ := r.Context().Value(accountKey{}).(facilitator.Account)
	return a
}

type accountJSON struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
}

func viewAccount(a facilitator.Account) accountJSON {
	return accountJSON{ID: a.ID, Email: a.Email, Name: a.Name}
}

func (s *Server) setCookie(w http.ResponseWriter, token string, expires time.Time) {
	http.SetCookie(w, &http.Cookie{
		Name:     s.cookieName(),
		Value:    token,
		Path:     "/",
		Expires:  expires,
		HttpOnly: true,
		Secure:   s.SecureCookies,
		SameSite: http.SameSiteLaxMode,
	})
}

func (s *Server) startLogin(w http.ResponseWriter, r *http.Request, a facilitator.Account) error {
	token, l, err := s.fac.StartLogin(r.Context(), a.ID)
	if err != nil {
		return err
	}
	s.setCookie(w, token, l.ExpiresAt)
	return nil
}

// Answers about a setup link, shared by GET (so the page says so at once)
// and POST.
var (
	errSetupUsed  = &httpError{http.StatusConflict, "conflict", "This setup link has been used: Hearth is set up already. Please log in."}
	errSetupToken = &httpError{http.StatusUnauthorized, "unauthorized", "This setup link is not valid. Use the link from the server's log."}
)

// getSetup says whether the first account is still to be made. With
// ?token=, it also checks the setup link's token, as POST would, so the page
// shows why a used or mistyped link cannot work instead of a form that
// fails.
func (s *Server) getSetup(w http.ResponseWriter, r *http.Request) {
	needed, err := s.fac.SetupNeeded(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if token, asked := r.URL.Query()["token"]; asked {
		if !needed {
			s.writeError(w, r, errSetupUsed)
			return
		}
		if !s.setupTokenIs(token[0]) {
			// Only a wrong token spends the budget, as on POST.
			if !s.limits.allow("setup", r) {
				s.writeError(w, r, tooMany(10*time.Second))
				return
			}
			s.writeError(w, r, errSetupToken)
			return
		}
	}
	writeJSON(w, http.StatusOK, map[string]bool{"needed": needed})
}

// setupTokenIs reports whether token is the setup link's, in constant time.
func (s *Server) setupTokenIs(token string) bool {
	s.setupMu.Lock()
	defer s.setupMu.Unlock()
	return s.setupToken != "" && subtle.ConstantTimeCompare([]byte(token), []byte(s.setupToken)) == 1
}

func (s *Server) postSetup(w http.ResponseWriter, r *http.Request) {
	if !s.limits.allow("setup", r) {
		s.writeError(w, r, tooMany(10*time.Second))
		return
	}
	var in struct {
		Token    string `json:"token"`
		Email    string `json:"email"`
		Name     string `json:"name"`
		Password string `json:"password"`
	}
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	// One setup at a time, so two people racing the link make one account.
	s.setupMu.Lock()
	defer s.setupMu.Unlock()
	needed, err := s.fac.SetupNeeded(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !needed {
		s.writeError(w, r, errSetupUsed)
		return
	}
	if s.setupToken == "" || subtle.ConstantTimeCompare([]byte(in.Token), []byte(s.setupToken)) != 1 {
		s.writeError(w, r, errSetupToken)
		return
	}
	a, err := s.fac.CreateAccount(r.Context(), in.Email, in.Name, in.Password)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.setupToken = ""
	s.log.Info().Str("account", a.ID).Msg("first facilitator account created")
	if err := s.startLogin(w, r, a); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.audited(r, facilitator.AuditBy(a, facilitator.AuditLogin))
	writeJSON(w, http.StatusCreated, viewAccount(a))
}

func (s *Server) postLogin(w http.ResponseWriter, r *http.Request) {
	if !s.limits.allow("login", r) {
		s.writeError(w, r, tooMany(10*time.Second))
		return
	}
	var in struct {
		Email    string `json:"email"`
		Password string `json:"password"`
	}
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	// The account's own budget, from every address: checked before the
	// password, and the same for an email without an account.
	if wait, ok := s.backoff.admit(in.Email); !ok {
		s.writeError(w, r, tooMany(wait))
		return
	}
	a, err := s.fac.Authenticate(r.Context(), in.Email, in.Password)
	var fe *facilitator.Error
	switch {
	case err == nil:
		s.backoff.succeeded(in.Email)
	case errors.As(err, &fe) && fe.Code == facilitator.CodeUnauthorized:
		s.backoff.failed(in.Email)
		s.audited(r, facilitator.AuditEntry{Actor: facilitator.FailedLoginActor(in.Email), Action: facilitator.AuditLoginFailed})
	default:
		// Busy or broken: the password was not checked.
		s.backoff.undo(in.Email)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.startLogin(w, r, a); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.audited(r, facilitator.AuditBy(a, facilitator.AuditLogin))
	writeJSON(w, http.StatusOK, viewAccount(a))
}

func (s *Server) postLogout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(s.cookieName()); err == nil {
		if err := s.fac.EndLogin(r.Context(), c.Value); err != nil {
			s.writeError(w, r, err)
			return
		}
		s.closeLogins(facilitator.HashToken(c.Value))
	}
	s.setCookie(w, "", time.Unix(1, 0))
	w.WriteHeader(http.StatusNoContent)
}

// meJSON is the logged-in account, with where invite links point.
type meJSON struct {
	accountJSON
	PublicURL string `json:"publicUrl"`
	// Loopback warns the facilitator before they send links no phone can
	// open.
	Loopback bool `json:"loopback"`
}

func (s *Server) getMe(w http.ResponseWriter, r *http.Request) {
	base := s.baseURL(r)
	writeJSON(w, http.StatusOK, meJSON{accountJSON: viewAccount(account(r)), PublicURL: base, Loopback: isLoopbackURL(base)})
}

// isLoopbackURL reports whether a URL's host is this machine only: an
// address in 127.0.0.0/8, ::1, or localhost (and its subdomains).
func isLoopbackURL(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	host := strings.ToLower(strings.TrimSuffix(u.Hostname(), "."))
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

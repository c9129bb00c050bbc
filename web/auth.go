package web

import (
	"context"
	"crypto/subtle"
	"net"
	"net/http"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"hearth/facilitator"
)

const cookieName = "hearth_session"

type accountKey struct{}

// facilitatorOnly runs h for a logged-in facilitator, whose account is in the
// request's context; anyone else gets 401.
func (s *Server) facilitatorOnly(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(cookieName)
		if err != nil {
			s.writeError(w, r, errUnauthorized)
			return
		}
		acct, err := s.fac.AccountForLogin(r.Context(), c.Value)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), accountKey{}, acct)))
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
		Name:     cookieName,
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

func (s *Server) getSetup(w http.ResponseWriter, r *http.Request) {
	needed, err := s.fac.SetupNeeded(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]bool{"needed": needed})
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
		s.writeError(w, r, &httpError{http.StatusConflict, "conflict", "Hearth is set up already. Please log in."})
		return
	}
	if s.setupToken == "" || subtle.ConstantTimeCompare([]byte(in.Token), []byte(s.setupToken)) != 1 {
		s.writeError(w, r, &httpError{http.StatusUnauthorized, "unauthorized", "This setup link is not valid. Use the link from the server's log."})
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
	a, err := s.fac.Authenticate(r.Context(), in.Email, in.Password)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.startLogin(w, r, a); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, viewAccount(a))
}

func (s *Server) postLogout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(cookieName); err == nil {
		if err := s.fac.EndLogin(r.Context(), c.Value); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	s.setCookie(w, "", time.Unix(1, 0))
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) getMe(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, viewAccount(account(r)))
}

// limiters slow down guessing: of passwords, of the setup token and of
// invite links, per client address.
type limiters struct {
	mu   sync.Mutex
	byIP map[string]*rate.Limiter
}

func newLimiters() *limiters { return &limiters{byIP: make(map[string]*rate.Limiter)} }

// allow spends one attempt of kind for the request's address: a burst of 10,
// then one every 6 seconds.
func (l *limiters) allow(kind string, r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	key := kind + " " + host
	l.mu.Lock()
	defer l.mu.Unlock()
	lim, ok := l.byIP[key]
	if !ok {
		// Forget old addresses now and then, so the map stays small; a
		// forgotten address starts again with a full burst, which is fine.
		if len(l.byIP) > 10000 {
			l.byIP = make(map[string]*rate.Limiter)
		}
		lim = rate.NewLimiter(rate.Every(6*time.Second), 10)
		l.byIP[key] = lim
	}
	return lim.Allow()
}

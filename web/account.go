package web

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"

	"hearth/facilitator"
	"hearth/room"
)

type loginKey struct{}

// currentLogin returns the login a facilitator route was reached with.
func currentLogin(r *http.Request) facilitator.Login {
	l, _ := r.Context().Value(loginKey{}).(facilitator.Login)
	return l
}

// loginEndedText is what a console's room socket is told when the login it
// was opened with ends.
const loginEndedText = "Your login has ended. Please log in again."

// heldLogins knows which facilitator connections each login holds open, so
// that ending a login closes them, and so that a login in use by a live
// console does not end for idleness.
type heldLogins struct {
	mu      sync.Mutex
	byLogin map[string]map[*conn]string // token hash → connection → account ID
}

// held reports whether a live connection holds the login.
func (h *heldLogins) held(tokenHash string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.byLogin[tokenHash]) > 0
}

func (h *heldLogins) add(tokenHash, accountID string, c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.byLogin == nil {
		h.byLogin = make(map[string]map[*conn]string)
	}
	if h.byLogin[tokenHash] == nil {
		h.byLogin[tokenHash] = make(map[*conn]string)
	}
	h.byLogin[tokenHash][c] = accountID
}

func (h *heldLogins) remove(tokenHash string, c *conn) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.byLogin[tokenHash], c)
	if len(h.byLogin[tokenHash]) == 0 {
		delete(h.byLogin, tokenHash)
	}
}

// conns returns the connections the logins hold.
func (h *heldLogins) conns(tokenHashes ...string) []*conn {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []*conn
	for _, hash := range tokenHashes {
		for c := range h.byLogin[hash] {
			out = append(out, c)
		}
	}
	return out
}

// holdLogin registers c as held open by the request's login until the
// returned release is called: until then the login does not end for
// idleness, and ending it closes c. At the login's absolute expiry c is
// closed as well. release records the moment as the login's last use, so
// its idle time counts from when the console went away.
func (s *Server) holdLogin(r *http.Request, c *conn) (release func()) {
	l := currentLogin(r)
	s.logins.add(l.TokenHash, l.AccountID, c)
	expiry := time.AfterFunc(max(s.fac.LoginLeft(l), 0), func() { c.endLogin(loginEndedText) })
	// A login ended between its check and the line above closed nothing
	// here: look again, now that any later end will find c.
	if cookie, err := r.Cookie(s.cookieName()); err != nil {
		c.endLogin(loginEndedText)
	} else if _, _, err := s.fac.UseLogin(context.Background(), cookie.Value, true); loginEnded(err) {
		c.endLogin(loginEndedText)
	}
	return func() {
		expiry.Stop()
		s.logins.remove(l.TokenHash, c)
		if err := s.fac.TouchLogin(context.Background(), l.TokenHash); err != nil {
			s.log.Debug().Err(err).Msg("record the end of a console's connection")
		}
	}
}

// loginEnded reports whether err says the login has ended, rather than that
// it could not be read.
func loginEnded(err error) bool {
	var fe *facilitator.Error
	return errors.As(err, &fe) && fe.Code == facilitator.CodeUnauthorized
}

// closeLogins closes the connections the ended logins held, each with a
// bye that says why.
func (s *Server) closeLogins(tokenHashes ...string) {
	for _, c := range s.logins.conns(tokenHashes...) {
		c.endLogin(loginEndedText)
	}
}

// endLogin tells the facilitator's console that its login has ended and
// closes the connection: bye "revoked", then close 1000. It returns at once;
// the goodbye is written beside the connection's writer, which the library
// allows, and a close handshake may take seconds.
func (c *conn) endLogin(message string) {
	go c.bye(room.ReasonRevoked, message)
}

// postPassword changes the logged-in facilitator's password, given the
// current one, and ends every other login of the account.
func (s *Server) postPassword(w http.ResponseWriter, r *http.Request) {
	// A stolen cookie must not become a way to guess the password.
	if !s.limits.allow("login", r) {
		s.writeError(w, r, tooMany(10*time.Second))
		return
	}
	var in struct {
		Current string `json:"current"`
		New     string `json:"new"`
	}
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	ended, err := s.fac.ChangePassword(r.Context(), account(r), in.Current, in.New, currentLogin(r).TokenHash)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.closeLogins(ended...)
	s.log.Info().Str("account", account(r).ID).Int("loginsEnded", len(ended)).Msg("password changed")
	w.WriteHeader(http.StatusNoContent)
}

// postLogoutAll ends every login of the account, this one too.
func (s *Server) postLogoutAll(w http.ResponseWriter, r *http.Request) {
	ended, err := s.fac.EndLogins(r.Context(), account(r).ID, "")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.closeLogins(ended...)
	s.setCookie(w, "", time.Unix(1, 0))
	w.WriteHeader(http.StatusNoContent)
}

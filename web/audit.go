package web

import (
	"context"
	"encoding/json"
	"net/http"
	"strconv"

	"hearth/facilitator"
	"hearth/room"
)

// The audit over HTTP: handlers record what they did (or are about to
// show) through audit and audited; a cohort's facilitators read its page.

// audit records e as done by the request's facilitator (unless e names
// its actor) from the request's client address, as the limits see it
// (TrustedProxies honoured). Call it before answering with what is
// audited as seen (a summary, an export), and answer nothing when it
// fails: nothing is read that the audit does not hold.
func (s *Server) audit(r *http.Request, e facilitator.AuditEntry) error {
	if e.Actor == "" {
		acct := account(r)
		e.ActorID, e.Actor = acct.ID, acct.Email
	}
	e.Addr = s.clientAddrText(r)
	return s.fac.Audit(r.Context(), e)
}

// audited records e for what has happened already: a failure to record
// cannot undo it, so it is logged for the operator and the answer goes on.
func (s *Server) audited(r *http.Request, e facilitator.AuditEntry) {
	if err := s.audit(r, e); err != nil {
		s.log.Error().Err(err).Str("action", e.Action).Msg("audit entry not recorded")
	}
}

// clientAddrText is the client's address as audited: clientAddr's, or the
// peer's as it came when it cannot be read.
func (s *Server) clientAddrText(r *http.Request) string {
	if a, ok := s.clientAddr(r); ok {
		return a.String()
	}
	return r.RemoteAddr
}

// liveAudit is what a facilitator's connection needs to record what they
// do in the room: who, from where, in which cohort and session.
type liveAudit struct {
	fac       *facilitator.Service
	acct      facilitator.Account
	addr      string
	cohortID  string
	sessionID string
}

// applied records the room command cmd once the room has applied it, for
// the commands the audit keeps (sending someone out of the session).
func (a *liveAudit) applied(ctx context.Context, s *Server, cmd room.Command) {
	if a == nil || cmd.Type != room.TypeDoorRemove {
		return
	}
	var in struct {
		MemberID string `json:"memberId"`
	}
	json.Unmarshal(cmd.Data, &in) // the room applied it, so it decodes
	e := facilitator.AuditBy(a.acct, facilitator.AuditRoomRemoved)
	e.CohortID, e.SessionID, e.Target, e.Addr = a.cohortID, a.sessionID, in.MemberID, a.addr
	if err := a.fac.Audit(ctx, e); err != nil {
		s.log.Error().Err(err).Str("action", e.Action).Msg("audit entry not recorded")
	}
}

// auditPageJSON is a page of a cohort's audit; Next is the before of the
// following page, "" at the end.
type auditPageJSON struct {
	Entries []facilitator.AuditEntry `json:"entries"`
	Next    string                   `json:"next"`
}

// getAudit answers a page of a cohort's audit, newest first
// (?before=ID&limit=N), to its facilitators; 404 to anyone else.
func (s *Server) getAudit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	limit := 0
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			s.writeError(w, r, &httpError{http.StatusBadRequest, facilitator.CodeInvalid, "limit must be a positive whole number."})
			return
		}
		limit = n
	}
	entries, next, err := s.fac.CohortAudit(r.Context(), account(r), r.PathValue("id"), q.Get("before"), limit)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if entries == nil {
		entries = []facilitator.AuditEntry{}
	}
	writeJSON(w, http.StatusOK, auditPageJSON{Entries: entries, Next: next})
}

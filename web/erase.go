package web

import (
	"net/http"
	"strconv"
	"time"

	"hearth/facilitator"
	"hearth/room"
)

// deleteCohort deletes a cohort the facilitator owns, with everything in
// it, for good.
func (s *Server) deleteCohort(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	c, err := s.fac.Cohort(r.Context(), account(r), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.sessions.DeleteCohort(r.Context(), account(r), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.lobby.revoke(id) // pages waiting for a room of it learn their link is gone
	// The audit keeps the cohort's name: the one thing of it left, so its
	// record still says which group it was.
	s.audited(r, facilitator.AuditEntry{Action: facilitator.AuditCohortDeleted, CohortID: id, CohortName: c.Name})
	s.log.Info().Str("account", account(r).ID).Str("cohort", id).Msg("cohort deleted")
	w.WriteHeader(http.StatusNoContent)
}

// removeParticipant takes a participant off a cohort: with {"erase": true}
// (or ?erase=true) everything of theirs is erased for good; without it, or
// with false, they leave the cohort and their words stay in its memory.
func (s *Server) removeParticipant(w http.ResponseWriter, r *http.Request) {
	cohortID, pid := r.PathValue("id"), r.PathValue("pid")
	var in struct {
		Erase bool `json:"erase"`
	}
	if q := r.URL.Query().Get("erase"); q != "" {
		v, err := strconv.ParseBool(q)
		if err != nil {
			s.writeError(w, r, &httpError{http.StatusBadRequest, "invalid", "erase is true or false."})
			return
		}
		in.Erase = v
	} else if r.ContentLength != 0 {
		if err := readJSON(w, r, &in); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	if err := s.sessions.RemoveParticipant(r.Context(), account(r), cohortID, pid, in.Erase); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.disconnect(cohortID, pid)
	action := facilitator.AuditParticipantRemoved
	if in.Erase {
		action = facilitator.AuditParticipantErased
		s.log.Info().Str("account", account(r).ID).Str("cohort", cohortID).Msg("participant erased")
	}
	s.audited(r, facilitator.AuditEntry{Action: action, CohortID: cohortID, Target: pid})
	w.WriteHeader(http.StatusNoContent)
}

// deleteSession deletes a planned or closed session, with its room and the
// notes about it, for good.
func (s *Server) deleteSession(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	_, c, err := s.fac.Session(r.Context(), account(r), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.sessions.DeleteSession(r.Context(), account(r), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.audited(r, facilitator.AuditEntry{Action: facilitator.AuditSessionDeleted, CohortID: c.ID, SessionID: id})
	w.WriteHeader(http.StatusNoContent)
}

// getAccountDeletion tells what deleting the account would do to its
// cohorts, for the console to ask first.
func (s *Server) getAccountDeletion(w http.ResponseWriter, r *http.Request) {
	plan, err := s.sessions.PlanAccountDeletion(r.Context(), account(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, plan)
}

// deleteMe deletes the logged-in facilitator's account, given its password
// and the IDs of the cohorts that go with it.
func (s *Server) deleteMe(w http.ResponseWriter, r *http.Request) {
	// A stolen cookie must not become a way to guess the password.
	if !s.limits.allow("login", r) {
		s.writeError(w, r, tooMany(10*time.Second))
		return
	}
	var in struct {
		Password      string   `json:"password"`
		DeleteCohorts []string `json:"deleteCohorts"`
	}
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	acct := account(r)
	if len(in.Password) > facilitator.MaxPassword*4 || !facilitator.CheckPassword(acct.PasswordHash, in.Password) {
		s.writeError(w, r, &facilitator.Error{Code: facilitator.CodeInvalid, Message: "The password is not right."})
		return
	}
	plan, err := s.sessions.DeleteAccount(r.Context(), acct, in.DeleteCohorts)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	for _, c := range plan.Deleted {
		s.lobby.revoke(c.ID)
		s.audited(r, facilitator.AuditEntry{Action: facilitator.AuditCohortDeleted, CohortID: c.ID, CohortName: c.Name})
	}
	s.audited(r, facilitator.AuditEntry{Action: facilitator.AuditAccountDeleted, Target: acct.ID})
	s.closeAccount(acct.ID)
	s.setCookie(w, "", time.Unix(1, 0))
	s.log.Info().Str("account", acct.ID).Int("cohortsDeleted", len(plan.Deleted)).Int("cohortsPassed", len(plan.Passed)).Msg("account deleted")
	writeJSON(w, http.StatusOK, plan)
}

// closeAccount closes every room socket a deleted account's logins held.
func (s *Server) closeAccount(accountID string) {
	s.logins.mu.Lock()
	var conns []*conn
	for _, held := range s.logins.byLogin {
		for c, id := range held {
			if id == accountID {
				conns = append(conns, c)
			}
		}
	}
	s.logins.mu.Unlock()
	for _, c := range conns {
		go c.bye(room.ReasonRevoked, "This account has been deleted.")
	}
}

// getHistoryFile is the participant's own journey as a file to keep: what
// GET /api/p/{token}/history holds, and nothing else.
func (s *Server) getHistoryFile(w http.ResponseWriter, r *http.Request) {
	p, c, ok := s.invitee(w, r)
	if !ok {
		return
	}
	v, err := s.memory.History(r.Context(), inviteToken(r), p, c)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	attachment(w, c.Name+" my journey", "json", time.Now())
	writeJSON(w, http.StatusOK, v)
}

package web

import (
	"context"
	"errors"
	"net"
	"net/http"
	"strings"
	"time"

	"hearth/facilitator"
	"hearth/facilitator/memory"
	"hearth/room"
)

type cohortSummaryJSON struct {
	ID            string `json:"id"`
	Name          string `json:"name"`
	Description   string `json:"description"`
	Archived      bool   `json:"archived"`
	LiveSessionID string `json:"liveSessionId"`
}

type participantJSON struct {
	ID                 string     `json:"id"`
	Name               string     `json:"name"`
	InviteURL          string     `json:"inviteUrl"`
	AgreementsAccepted bool       `json:"agreementsAccepted"`
	AcceptedAt         *time.Time `json:"acceptedAt"`
	// InviteExpiresAt is when the link stops working (null: never);
	// InviteExpired says it has, or that the cohort is archived.
	InviteExpiresAt *time.Time `json:"inviteExpiresAt"`
	InviteExpired   bool       `json:"inviteExpired"`
}

type cohortJSON struct {
	ID                string            `json:"id"`
	Name              string            `json:"name"`
	Description       string            `json:"description"`
	Agreements        string            `json:"agreements"`
	AgreementsVersion int               `json:"agreementsVersion"`
	VideoURL          string            `json:"videoUrl"`
	Archived          bool              `json:"archived"`
	ClosingText       string            `json:"closingText"`
	CrisisText        string            `json:"crisisText"`
	AdmitOnArrival    bool              `json:"admitOnArrival"`
	InviteDays        int               `json:"inviteDays"` // 0: links never expire
	Facilitators      []accountJSON     `json:"facilitators"`
	OwnerID           string            `json:"ownerId"`
	Invitations       []invitationJSON  `json:"invitations"`
	Participants      []participantJSON `json:"participants"`
	Sessions          []memory.Session  `json:"sessions"`
	// RetentionDays is the cohort's retention (0: kept until deleted);
	// DeleteOn when the server deletes it, or null.
	RetentionDays int        `json:"retentionDays"`
	DeleteOn      *time.Time `json:"deleteOn"`
}

// invitationJSON is a co-facilitator invitation waiting for its answer.
type invitationJSON struct {
	Email string    `json:"email"`
	At    time.Time `json:"at"`
}

// baseURL is where participants reach this server, for their invite links:
// PublicURL, or else the address this server took the request on. Never
// the request's Host header, which the client writes: a forged one would
// make links that send people, and their tokens, elsewhere. Behind a
// proxy that address is the proxy's way in (often loopback, which the
// console warns of): PublicURL is the operator's to set.
func (s *Server) baseURL(r *http.Request) string {
	if s.PublicURL != "" {
		return s.PublicURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := "localhost"
	if a, ok := r.Context().Value(http.LocalAddrContextKey).(net.Addr); ok {
		// An IPv6 zone is written %25zone in a URL (RFC 6874).
		host = strings.Replace(a.String(), "%", "%25", 1)
	}
	return scheme + "://" + host
}

func (s *Server) viewParticipant(r *http.Request, c facilitator.Cohort, p facilitator.Participant) participantJSON {
	at, ok := p.Accepted(c.AgreementsVersion)
	v := participantJSON{
		ID:                 p.ID,
		Name:               p.Name,
		InviteURL:          s.baseURL(r) + "/j#" + s.fac.InviteToken(p),
		AgreementsAccepted: ok,
	}
	if ok {
		v.AcceptedAt = &at
	}
	if until, ok := facilitator.InviteExpiry(c, p); ok {
		v.InviteExpiresAt = &until
		now := time.Now
		if s.fac.Now != nil {
			now = s.fac.Now
		}
		v.InviteExpired = !now().Before(until)
	}
	v.InviteExpired = v.InviteExpired || c.Archived
	return v
}

func (s *Server) viewCohort(r *http.Request, c facilitator.Cohort) (cohortJSON, error) {
	ctx, acct := r.Context(), account(r)
	v := cohortJSON{
		ID: c.ID, Name: c.Name, Description: c.Description, Agreements: c.Agreements,
		AgreementsVersion: c.AgreementsVersion, VideoURL: c.VideoURL, Archived: c.Archived,
		ClosingText: c.ClosingText, CrisisText: c.CrisisText, AdmitOnArrival: c.AdmitOnArrival,
		Facilitators: []accountJSON{}, Participants: []participantJSON{}, Sessions: []memory.Session{},
		OwnerID: c.OwnerID(), Invitations: []invitationJSON{}, InviteDays: c.InviteLife(),
	}
	for _, in := range c.Invited {
		v.Invitations = append(v.Invitations, invitationJSON{Email: in.Email, At: in.At})
	}
	facs, err := s.fac.Facilitators(ctx, c)
	if err != nil {
		return v, err
	}
	for _, a := range facs {
		v.Facilitators = append(v.Facilitators, viewAccount(a))
	}
	people, err := s.fac.Participants(ctx, acct, c.ID)
	if err != nil {
		return v, err
	}
	for _, p := range people {
		v.Participants = append(v.Participants, s.viewParticipant(r, c, p))
	}
	sessions, err := s.fac.Sessions(ctx, acct, c.ID)
	if err != nil {
		return v, err
	}
	for _, ss := range sessions {
		v.Sessions = append(v.Sessions, memory.SessionOf(ss))
	}
	v.RetentionDays = c.RetentionDays
	if on, ok := facilitator.DeleteOn(c, sessions); ok {
		v.DeleteOn = &on
	}
	return v, nil
}

func (s *Server) sendCohort(w http.ResponseWriter, r *http.Request, status int, c facilitator.Cohort) {
	v, err := s.viewCohort(r, c)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, status, v)
}

func (s *Server) listCohorts(w http.ResponseWriter, r *http.Request) {
	cs, err := s.fac.Cohorts(r.Context(), account(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]cohortSummaryJSON, 0, len(cs))
	for _, c := range cs {
		v := cohortSummaryJSON{ID: c.ID, Name: c.Name, Description: c.Description, Archived: c.Archived}
		if rm, ok := s.rooms.ForCohort(c.ID); ok {
			v.LiveSessionID = rm.SessionID()
		}
		out = append(out, v)
	}
	writeJSON(w, http.StatusOK, map[string]any{"cohorts": out})
}

func (s *Server) createCohort(w http.ResponseWriter, r *http.Request) {
	var in facilitator.CohortInput
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.fac.CreateCohort(r.Context(), account(r), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.sendCohort(w, r, http.StatusCreated, c)
}

func (s *Server) getCohort(w http.ResponseWriter, r *http.Request) {
	c, err := s.fac.Cohort(r.Context(), account(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.sendCohort(w, r, http.StatusOK, c)
}

func (s *Server) patchCohort(w http.ResponseWriter, r *http.Request) {
	var in facilitator.CohortInput
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.fac.UpdateCohort(r.Context(), account(r), r.PathValue("id"), in)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if in.VideoURL != nil {
		// The group meets in the call it is shown: a live room changes its
		// link at once (it sends nothing when the link is the same), and
		// pages waiting for a room look again.
		if rm, ok := s.rooms.ForCohort(c.ID); ok {
			if err := rm.SetVideoURL(r.Context(), c.VideoURL); err != nil && !errors.Is(err, room.ErrClosed) {
				s.writeError(w, r, err)
				return
			}
		}
		s.lobby.wake(c.ID)
	}
	s.sendCohort(w, r, http.StatusOK, c)
}

func (s *Server) addCoFacilitator(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Email string `json:"email"`
	}
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.fac.AddCoFacilitator(r.Context(), account(r), r.PathValue("id"), in.Email)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.audited(r, facilitator.AuditEntry{Action: facilitator.AuditCoFacilitatorInvited, CohortID: c.ID, Target: strings.ToLower(strings.TrimSpace(in.Email))})
	s.sendCohort(w, r, http.StatusOK, c)
}

// removeFacilitator removes a co-facilitator (the owner's), or the
// facilitator asking leaves: 204, since the cohort is no longer theirs to
// see. Their live connections to the cohort's room end.
func (s *Server) removeFacilitator(w http.ResponseWriter, r *http.Request) {
	acct, who := account(r), r.PathValue("aid")
	c, err := s.fac.RemoveFacilitator(r.Context(), acct, r.PathValue("id"), who)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if rm, ok := s.rooms.ForCohort(c.ID); ok {
		rm.Disconnect(who, room.ReasonRevoked, "You are no longer a facilitator of this cohort.")
	}
	s.log.Info().Str("cohort", c.ID).Str("account", who).Str("by", acct.ID).Msg("facilitator removed from cohort")
	if who == acct.ID {
		s.audited(r, facilitator.AuditEntry{Action: facilitator.AuditCoFacilitatorLeft, CohortID: c.ID})
		w.WriteHeader(http.StatusNoContent)
		return
	}
	s.audited(r, facilitator.AuditEntry{Action: facilitator.AuditCoFacilitatorRemoved, CohortID: c.ID, Target: who})
	s.sendCohort(w, r, http.StatusOK, c)
}

func (s *Server) withdrawInvitation(w http.ResponseWriter, r *http.Request) {
	c, err := s.fac.WithdrawInvitation(r.Context(), account(r), r.PathValue("id"), r.PathValue("email"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.audited(r, facilitator.AuditEntry{Action: facilitator.AuditInvitationWithdrawn, CohortID: c.ID, Target: strings.ToLower(strings.TrimSpace(r.PathValue("email")))})
	s.sendCohort(w, r, http.StatusOK, c)
}

// listInvitations answers the co-facilitator invitations waiting on the
// logged-in facilitator's email.
func (s *Server) listInvitations(w http.ResponseWriter, r *http.Request) {
	got, err := s.fac.Invitations(r.Context(), account(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"invitations": got})
}

func (s *Server) acceptInvitation(w http.ResponseWriter, r *http.Request) {
	acct := account(r)
	c, err := s.fac.AnswerInvitation(r.Context(), acct, r.PathValue("id"), true)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.audited(r, facilitator.AuditEntry{Action: facilitator.AuditCoFacilitatorJoined, CohortID: c.ID})
	// A co-facilitator who joins while the room is live can enter it at once.
	if err := s.sessions.SyncRoster(r.Context(), acct, c); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.sendCohort(w, r, http.StatusOK, c)
}

func (s *Server) declineInvitation(w http.ResponseWriter, r *http.Request) {
	c, err := s.fac.AnswerInvitation(r.Context(), account(r), r.PathValue("id"), false)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.audited(r, facilitator.AuditEntry{Action: facilitator.AuditCoFacilitatorDeclined, CohortID: c.ID})
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) addParticipant(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name string `json:"name"`
	}
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.changeParticipant(w, r, http.StatusCreated, func(ctx context.Context, acct facilitator.Account, cohortID string) (facilitator.Participant, error) {
		return s.fac.AddParticipant(ctx, acct, cohortID, in.Name)
	})
}

func (s *Server) renameParticipant(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name string `json:"name"`
	}
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.changeParticipant(w, r, http.StatusOK, func(ctx context.Context, acct facilitator.Account, cohortID string) (facilitator.Participant, error) {
		return s.fac.RenameParticipant(ctx, acct, cohortID, r.PathValue("pid"), in.Name)
	})
}

func (s *Server) reissueInvite(w http.ResponseWriter, r *http.Request) {
	s.changeParticipant(w, r, http.StatusOK, func(ctx context.Context, acct facilitator.Account, cohortID string) (facilitator.Participant, error) {
		p, err := s.fac.ReissueInvite(ctx, acct, cohortID, r.PathValue("pid"))
		if err == nil {
			s.disconnect(cohortID, p.ID)
			s.audited(r, facilitator.AuditEntry{Action: facilitator.AuditInviteReissued, CohortID: cohortID, Target: p.ID})
		}
		return p, err
	})
}

// changeParticipant runs change, brings the live room's roster up to date and
// answers with the participant.
func (s *Server) changeParticipant(w http.ResponseWriter, r *http.Request, status int,
	change func(ctx context.Context, acct facilitator.Account, cohortID string) (facilitator.Participant, error)) {
	ctx, acct, cohortID := r.Context(), account(r), r.PathValue("id")
	p, err := change(ctx, acct, cohortID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	c, err := s.fac.Cohort(ctx, acct, cohortID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.sessions.SyncRoster(ctx, acct, c); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, status, s.viewParticipant(r, c, p))
}

// disconnect ends a participant's live connections after their link changed.
func (s *Server) disconnect(cohortID, participantID string) {
	if rm, ok := s.rooms.ForCohort(cohortID); ok {
		rm.Disconnect(participantID, room.ReasonRevoked, "This invite link is no longer valid.")
	}
	s.lobby.revoke(cohortID)
}

func (s *Server) planSession(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Title    string    `json:"title"`
		StartsAt time.Time `json:"startsAt"`
	}
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	ss, err := s.sessions.Plan(r.Context(), account(r), r.PathValue("id"), in.Title, in.StartsAt)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, memory.SessionOf(ss))
}

func (s *Server) openSession(w http.ResponseWriter, r *http.Request) {
	ss, opened, err := s.sessions.Open(r.Context(), account(r), r.PathValue("id"))
	if opened {
		s.lobby.wake(ss.CohortID)
		s.log.Info().Str("session", ss.ID).Str("cohort", ss.CohortID).Msg("room opened")
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, memory.SessionOf(ss))
}

func (s *Server) closeSession(w http.ResponseWriter, r *http.Request) {
	ss, err := s.sessions.Close(r.Context(), account(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, memory.SessionOf(ss))
}

type waitingJSON struct {
	ID    string    `json:"id"`
	Name  string    `json:"name"`
	Since time.Time `json:"since"`
}

// getWaiting answers who of the session's cohort has their page open,
// waiting for the room to open, longest waiting first. Someone removed from
// the roster while they waited is left out: their link no longer works.
func (s *Server) getWaiting(w http.ResponseWriter, r *http.Request) {
	ctx, acct := r.Context(), account(r)
	ss, _, err := s.fac.Session(ctx, acct, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	people, err := s.fac.Participants(ctx, acct, ss.CohortID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	names := make(map[string]string, len(people))
	for _, p := range people {
		names[p.ID] = p.Name
	}
	out := []waitingJSON{}
	for _, g := range s.lobby.present(ss.CohortID) {
		if name, ok := names[g.participantID]; ok {
			out = append(out, waitingJSON{ID: g.participantID, Name: name, Since: g.since.UTC()})
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"waiting": out})
}

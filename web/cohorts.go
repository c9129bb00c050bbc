package web

import (
	"context"
	"errors"
	"net/http"
	"time"

	"hearth/facilitator"
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
}

type sessionJSON struct {
	ID       string                    `json:"id"`
	Title    string                    `json:"title"`
	StartsAt time.Time                 `json:"startsAt"`
	Status   facilitator.SessionStatus `json:"status"`
	OpenedAt *time.Time                `json:"openedAt"`
	ClosedAt *time.Time                `json:"closedAt"`
	Agenda   []room.Item               `json:"agenda"`
}

type cohortJSON struct {
	ID                string            `json:"id"`
	Name              string            `json:"name"`
	Description       string            `json:"description"`
	Agreements        string            `json:"agreements"`
	AgreementsVersion int               `json:"agreementsVersion"`
	VideoURL          string            `json:"videoUrl"`
	Archived          bool              `json:"archived"`
	Facilitators      []accountJSON     `json:"facilitators"`
	Participants      []participantJSON `json:"participants"`
	Sessions          []sessionJSON     `json:"sessions"`
}

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

// baseURL is where participants reach this server, for their invite links.
func (s *Server) baseURL(r *http.Request) string {
	if s.PublicURL != "" {
		return s.PublicURL
	}
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func (s *Server) viewParticipant(r *http.Request, c facilitator.Cohort, p facilitator.Participant) participantJSON {
	at, ok := p.Accepted(c.AgreementsVersion)
	v := participantJSON{
		ID:                 p.ID,
		Name:               p.Name,
		InviteURL:          s.baseURL(r) + "/j/" + s.fac.InviteToken(p),
		AgreementsAccepted: ok,
	}
	if ok {
		v.AcceptedAt = &at
	}
	return v
}

// viewSession reports a session's status as the rooms know it: a room that
// closed while its "closed" mark was still on its way shows as closed.
func (s *Server) viewSession(ss facilitator.Session) sessionJSON {
	status := ss.Status
	if _, live := s.rooms.Get(ss.ID); live && status != facilitator.Closed {
		status = facilitator.Live
	} else if status == facilitator.Live {
		status = facilitator.Closed
	}
	return sessionJSON{ID: ss.ID, Title: ss.Title, StartsAt: ss.StartsAt, Status: status,
		OpenedAt: timePtr(ss.OpenedAt), ClosedAt: timePtr(ss.ClosedAt), Agenda: decodeAgenda(ss.Agenda)}
}

func (s *Server) viewCohort(r *http.Request, c facilitator.Cohort) (cohortJSON, error) {
	ctx := r.Context()
	v := cohortJSON{
		ID: c.ID, Name: c.Name, Description: c.Description, Agreements: c.Agreements,
		AgreementsVersion: c.AgreementsVersion, VideoURL: c.VideoURL, Archived: c.Archived,
		Facilitators: []accountJSON{}, Participants: []participantJSON{}, Sessions: []sessionJSON{},
	}
	facs, err := s.fac.Facilitators(ctx, c)
	if err != nil {
		return v, err
	}
	for _, a := range facs {
		v.Facilitators = append(v.Facilitators, viewAccount(a))
	}
	people, err := s.fac.Store.Participants(ctx, c.ID)
	if err != nil {
		return v, err
	}
	for _, p := range people {
		v.Participants = append(v.Participants, s.viewParticipant(r, c, p))
	}
	sessions, err := s.fac.Store.Sessions(ctx, c.ID)
	if err != nil {
		return v, err
	}
	for _, ss := range sessions {
		v.Sessions = append(v.Sessions, s.viewSession(ss))
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
	// A co-facilitator added while the room is live can enter it at once.
	if err := s.syncRoster(r.Context(), c); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.sendCohort(w, r, http.StatusOK, c)
}

// syncRoster puts the cohort's facilitators and participants on its live
// room's roster (new ones added, renamed ones renamed).
func (s *Server) syncRoster(ctx context.Context, c facilitator.Cohort) error {
	rm, ok := s.rooms.ForCohort(c.ID)
	if !ok {
		return nil
	}
	members, err := s.roster(ctx, c)
	if err != nil {
		return err
	}
	for _, m := range members {
		if err := rm.AddMember(ctx, m); err != nil && !errors.Is(err, room.ErrClosed) {
			return err
		}
	}
	return nil
}

// roster returns the cohort's people as room members: facilitators first.
func (s *Server) roster(ctx context.Context, c facilitator.Cohort) ([]room.Member, error) {
	facs, err := s.fac.Facilitators(ctx, c)
	if err != nil {
		return nil, err
	}
	people, err := s.fac.Store.Participants(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	out := make([]room.Member, 0, len(facs)+len(people))
	for _, a := range facs {
		out = append(out, room.Member{ID: a.ID, Name: a.Name, Role: room.Facilitator, Presence: room.Absent})
	}
	for _, p := range people {
		out = append(out, room.Member{ID: p.ID, Name: p.Name, Role: room.Participant, Presence: room.Absent})
	}
	return out, nil
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
	if err := s.syncRoster(ctx, c); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, status, s.viewParticipant(r, c, p))
}

func (s *Server) removeParticipant(w http.ResponseWriter, r *http.Request) {
	cohortID, pid := r.PathValue("id"), r.PathValue("pid")
	if err := s.fac.RemoveParticipant(r.Context(), account(r), cohortID, pid); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.disconnect(cohortID, pid)
	w.WriteHeader(http.StatusNoContent)
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
	ss, err := s.fac.PlanSession(r.Context(), account(r), r.PathValue("id"), in.Title, in.StartsAt)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, s.viewSession(ss))
}

func (s *Server) openSession(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	ss, c, err := s.fac.Session(ctx, account(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if _, live := s.rooms.Get(ss.ID); live {
		writeJSON(w, http.StatusOK, s.viewSession(ss))
		return
	}
	if ss.Status != facilitator.Planned {
		s.writeError(w, r, &httpError{http.StatusConflict, "conflict", "This session is closed. Plan a new one."})
		return
	}
	members, err := s.roster(ctx, c)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	journeys, err := s.journeys(ctx, c.ID, ss.ID, members)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	_, err = s.rooms.Open(ctx, room.State{
		SessionID: ss.ID, CohortID: c.ID, Title: ss.Title, Cohort: c.Name, VideoURL: c.VideoURL, Members: members,
		Agenda: roomAgenda(ss), Journeys: journeys,
	})
	if errors.Is(err, room.ErrAlreadyOpen) {
		s.writeError(w, r, &httpError{http.StatusConflict, "conflict", "Another session of this cohort is live. Close it first."})
		return
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ss, err = s.fac.MarkLive(ctx, ss)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.lobby.wake(c.ID)
	s.log.Info().Str("session", ss.ID).Str("cohort", c.ID).Msg("room opened")
	writeJSON(w, http.StatusOK, s.viewSession(ss))
}

func (s *Server) closeSession(w http.ResponseWriter, r *http.Request) {
	ctx, acct := r.Context(), account(r)
	ss, _, err := s.fac.Session(ctx, acct, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rm, live := s.rooms.Get(ss.ID)
	if !live {
		s.writeError(w, r, &httpError{http.StatusConflict, "conflict", "This session is not live."})
		return
	}
	if err := rm.Act(ctx, acct.ID, room.Command{Type: room.TypeRoomClose}); err != nil {
		var re *room.Error
		if errors.As(err, &re) {
			s.writeError(w, r, &httpError{http.StatusConflict, "conflict", re.Message})
			return
		}
		s.writeError(w, r, err)
		return
	}
	st := rm.State()
	if err := s.fac.MarkClosed(ctx, ss.ID, st.ClosedAt); err != nil {
		s.writeError(w, r, err)
		return
	}
	ss, err = s.fac.Store.Session(ctx, ss.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.log.Info().Str("session", ss.ID).Msg("room closed")
	writeJSON(w, http.StatusOK, s.viewSession(ss))
}

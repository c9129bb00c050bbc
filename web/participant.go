package web

import (
	"net/http"
	"strings"
	"time"

	"hearth/facilitator"
)

type inviteeJSON struct {
	Participant struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"participant"`
	Cohort struct {
		Name              string `json:"name"`
		Agreements        string `json:"agreements"`
		AgreementsVersion int    `json:"agreementsVersion"`
		VideoURL          string `json:"videoUrl"`
	} `json:"cohort"`
	AgreementsAccepted bool         `json:"agreementsAccepted"`
	LiveSessionID      string       `json:"liveSessionId"`
	NextSession        *nextSession `json:"nextSession"`
	// Crisis is in reach on every page, before the agreements are accepted
	// too: someone in danger must not have to click through them first.
	Crisis struct {
		Operator string `json:"operator"`
		Cohort   string `json:"cohort"`
	} `json:"crisis"`
	Closing string `json:"closing"`
}

type nextSession struct {
	Title    string    `json:"title"`
	StartsAt time.Time `json:"startsAt"`
}

// Where a participant's request carries their invite token, so that no
// URL holds it (docs/protocol.md, "Invite links").
const (
	// inviteScheme is the Authorization scheme of API requests:
	// "Authorization: Invite TOKEN".
	inviteScheme = "Invite"
	// inviteProtocol prefixes the token among the subprotocols a
	// participant's WebSocket offers, beside socketProtocol, which the
	// server selects: a browser cannot give a WebSocket any other header.
	inviteProtocol = "hearth.invite."
	socketProtocol = "hearth"
)

// inviteToken returns the invite token the request carries: in the path
// of the routes kept for a transition, else in its Authorization header,
// else among its WebSocket subprotocols; "" when it has none.
func inviteToken(r *http.Request) string {
	if t := r.PathValue("token"); t != "" {
		return t
	}
	if scheme, t, ok := strings.Cut(r.Header.Get("Authorization"), " "); ok && strings.EqualFold(scheme, inviteScheme) {
		return strings.TrimSpace(t)
	}
	for _, h := range r.Header.Values("Sec-WebSocket-Protocol") {
		for _, p := range strings.Split(h, ",") {
			if t, ok := strings.CutPrefix(strings.TrimSpace(p), inviteProtocol); ok {
				return t
			}
		}
	}
	return ""
}

// invitee resolves the request's invite token, slowing down guessers.
func (s *Server) invitee(w http.ResponseWriter, r *http.Request) (facilitator.Participant, facilitator.Cohort, bool) {
	p, c, err := s.fac.Invitee(r.Context(), inviteToken(r))
	if err != nil {
		// Only failures spend the budget, so a real participant reloading
		// their page is never slowed down.
		if !s.limits.allow("invite", r) {
			err = tooMany(10 * time.Second)
		}
		s.writeError(w, r, err)
		return p, c, false
	}
	return p, c, true
}

func (s *Server) sendInvitee(w http.ResponseWriter, r *http.Request, p facilitator.Participant, c facilitator.Cohort) {
	var v inviteeJSON
	v.Participant.ID, v.Participant.Name = p.ID, p.Name
	v.Cohort.Name, v.Cohort.Agreements, v.Cohort.AgreementsVersion, v.Cohort.VideoURL = c.Name, c.Agreements, c.AgreementsVersion, c.VideoURL
	_, v.AgreementsAccepted = p.Accepted(c.AgreementsVersion)
	v.Crisis.Operator, v.Crisis.Cohort, v.Closing = s.CrisisText, c.CrisisText, c.ClosingText
	if rm, ok := s.rooms.ForCohort(c.ID); ok {
		v.LiveSessionID = rm.SessionID()
	}
	next, ok, err := s.fac.NextSession(r.Context(), c.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if ok {
		v.NextSession = &nextSession{Title: next.Title, StartsAt: next.StartsAt}
	}
	writeJSON(w, http.StatusOK, v)
}

func (s *Server) getInvitee(w http.ResponseWriter, r *http.Request) {
	p, c, ok := s.invitee(w, r)
	if !ok {
		return
	}
	s.sendInvitee(w, r, p, c)
}

func (s *Server) acceptAgreements(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Version int `json:"version"`
	}
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	if _, _, ok := s.invitee(w, r); !ok {
		return
	}
	p, c, err := s.fac.AcceptAgreements(r.Context(), inviteToken(r), in.Version)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.sendInvitee(w, r, p, c)
}

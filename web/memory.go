package web

import (
	"context"
	"errors"
	"fmt"
	"mime"
	"net/http"
	"strings"
	"time"

	"hearth/facilitator"
	"hearth/room"
)

// The cohort's memory: a session's summary, the facilitators' private notes,
// the cohort overview, the exports, and a participant's own history. The
// summaries are room.Summarize of each session's stored room; what a
// participant may see of it is room.JourneyOf.

type noteJSON struct {
	ID            string     `json:"id"`
	SessionID     string     `json:"sessionId,omitempty"`
	ParticipantID string     `json:"participantId,omitempty"`
	AuthorID      string     `json:"authorId"`
	AuthorName    string     `json:"authorName"`
	Text          string     `json:"text"`
	CreatedAt     time.Time  `json:"createdAt"`
	UpdatedAt     *time.Time `json:"updatedAt"`
	// Mine says whether the reader wrote it (and may edit or delete it).
	Mine bool `json:"mine"`
}

// authors names the writers of notes: the cohort's facilitators, and any
// other account looked up once.
type authors struct {
	s     *Server
	names map[string]string
}

func (s *Server) authorsOf(ctx context.Context, c facilitator.Cohort) (*authors, error) {
	facs, err := s.fac.Facilitators(ctx, c)
	if err != nil {
		return nil, err
	}
	a := &authors{s: s, names: make(map[string]string, len(facs))}
	for _, f := range facs {
		a.names[f.ID] = f.Name
	}
	return a, nil
}

func (a *authors) name(ctx context.Context, reader facilitator.Account, note facilitator.Note) string {
	if n, ok := a.names[note.AuthorID]; ok {
		return n
	}
	n := "A former facilitator"
	if acct, err := a.s.fac.NoteAuthor(ctx, reader, note); err == nil {
		n = acct.Name
	}
	a.names[note.AuthorID] = n
	return n
}

func (a *authors) view(ctx context.Context, reader facilitator.Account, n facilitator.Note) noteJSON {
	return noteJSON{ID: n.ID, SessionID: n.SessionID, ParticipantID: n.ParticipantID, AuthorID: n.AuthorID,
		AuthorName: a.name(ctx, reader, n), Text: n.Text, CreatedAt: n.CreatedAt, UpdatedAt: timePtr(n.UpdatedAt),
		Mine: n.AuthorID == reader.ID}
}

// memory is everything a cohort remembers, loaded for one facilitator.
type memory struct {
	cohort       facilitator.Cohort
	facilitators []facilitator.Account
	participants []facilitator.Participant
	sessions     []facilitator.Session
	// summaries holds the summary of each session whose room opened, by
	// session ID.
	summaries map[string]room.Summary
	// states holds every stored room of the cohort, live or closed, for
	// the intention journeys that run across them.
	states []room.State
	notes  []noteJSON
}

func (s *Server) loadMemory(ctx context.Context, acct facilitator.Account, cohortID string) (*memory, error) {
	c, err := s.fac.Cohort(ctx, acct, cohortID)
	if err != nil {
		return nil, err
	}
	m := &memory{cohort: c, summaries: map[string]room.Summary{}, notes: []noteJSON{}}
	if m.facilitators, err = s.fac.Facilitators(ctx, c); err != nil {
		return nil, err
	}
	if m.participants, err = s.fac.Participants(ctx, acct, c.ID); err != nil {
		return nil, err
	}
	if m.sessions, err = s.fac.Sessions(ctx, acct, c.ID); err != nil {
		return nil, err
	}
	for _, ss := range m.sessions {
		st, err := s.rooms.Stored(ctx, ss.ID)
		if errors.Is(err, room.ErrNotStored) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("load room %s: %w", ss.ID, err)
		}
		m.summaries[ss.ID] = room.Summarize(st)
		m.states = append(m.states, st)
	}
	notes, err := s.fac.Notes(ctx, acct, c.ID)
	if err != nil {
		return nil, err
	}
	names, err := s.authorsOf(ctx, c)
	if err != nil {
		return nil, err
	}
	for _, n := range notes {
		m.notes = append(m.notes, names.view(ctx, acct, n))
	}
	return m, nil
}

// --- a session's summary ------------------------------------------------------

type personJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

type summaryJSON struct {
	CohortID string       `json:"cohortId"`
	Cohort   string       `json:"cohort"`
	Session  sessionJSON  `json:"session"`
	Summary  room.Summary `json:"summary"`
	// Notes are the notes about this session, with or without a participant.
	Notes []noteJSON `json:"notes"`
	// Participants is the cohort's roster now, for notes about someone.
	Participants []personJSON `json:"participants"`
}

func (s *Server) getSummary(w http.ResponseWriter, r *http.Request) {
	ctx, acct := r.Context(), account(r)
	ss, c, err := s.fac.Session(ctx, acct, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	st, err := s.rooms.Stored(ctx, ss.ID)
	if errors.Is(err, room.ErrNotStored) {
		s.writeError(w, r, &httpError{http.StatusNotFound, "not_opened", "This session has not been opened yet, so there is nothing to summarise."})
		return
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v := summaryJSON{CohortID: c.ID, Cohort: c.Name, Session: viewSession(ss), Summary: room.Summarize(st),
		Notes: []noteJSON{}, Participants: []personJSON{}}
	if v.Notes, err = s.notesFor(ctx, acct, c, func(n facilitator.Note) bool { return n.SessionID == ss.ID }); err != nil {
		s.writeError(w, r, err)
		return
	}
	people, err := s.fac.Participants(ctx, acct, c.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	for _, p := range people {
		v.Participants = append(v.Participants, personJSON{ID: p.ID, Name: p.Name})
	}
	writeJSON(w, http.StatusOK, v)
}

// --- notes ---------------------------------------------------------------------

// notesFor returns the cohort's notes that keep picks, as acct reads them
// (with their authors' names), never nil.
func (s *Server) notesFor(ctx context.Context, acct facilitator.Account, c facilitator.Cohort, keep func(facilitator.Note) bool) ([]noteJSON, error) {
	notes, err := s.fac.Notes(ctx, acct, c.ID)
	if err != nil {
		return nil, err
	}
	names, err := s.authorsOf(ctx, c)
	if err != nil {
		return nil, err
	}
	out := []noteJSON{}
	for _, n := range notes {
		if keep(n) {
			out = append(out, names.view(ctx, acct, n))
		}
	}
	return out, nil
}

func (s *Server) listNotes(w http.ResponseWriter, r *http.Request) {
	ctx, acct := r.Context(), account(r)
	c, err := s.fac.Cohort(ctx, acct, r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out, err := s.notesFor(ctx, acct, c, func(facilitator.Note) bool { return true })
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"notes": out})
}

func (s *Server) addNote(w http.ResponseWriter, r *http.Request) {
	var in struct {
		SessionID     string `json:"sessionId"`
		ParticipantID string `json:"participantId"`
		Text          string `json:"text"`
	}
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx, acct := r.Context(), account(r)
	n, err := s.fac.AddNote(ctx, acct, r.PathValue("id"), facilitator.NoteAbout{SessionID: in.SessionID, ParticipantID: in.ParticipantID}, in.Text)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.sendNote(w, r, http.StatusCreated, n)
}

func (s *Server) editNote(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Text string `json:"text"`
	}
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	n, err := s.fac.EditNote(r.Context(), account(r), r.PathValue("id"), in.Text)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.sendNote(w, r, http.StatusOK, n)
}

func (s *Server) deleteNote(w http.ResponseWriter, r *http.Request) {
	if err := s.fac.DeleteNote(r.Context(), account(r), r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) sendNote(w http.ResponseWriter, r *http.Request, status int, n facilitator.Note) {
	ctx, acct := r.Context(), account(r)
	c, err := s.fac.Cohort(ctx, acct, n.CohortID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	names, err := s.authorsOf(ctx, c)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, status, names.view(ctx, acct, n))
}

// --- the cohort overview ---------------------------------------------------------

type overviewSessionJSON struct {
	ID       string                    `json:"id"`
	Title    string                    `json:"title"`
	StartsAt time.Time                 `json:"startsAt"`
	Status   facilitator.SessionStatus `json:"status"`
	// Opened is false for a session whose room never opened: it has no
	// attendance.
	Opened bool `json:"opened"`
}

// Attendance marks in the overview's grid.
const (
	markStayed   = "stayed"   // came and was there at the end (or is now)
	markReturned = "returned" // dropped and came back, and was there at the end
	markLeft     = "left"     // left before the end
	markAbsent   = "absent"   // on the roster, never came
	markNone     = ""         // not on the roster then, or the room never opened
)

type arrivalJSON struct {
	Scale int          `json:"scale"`
	State room.Arousal `json:"state"`
}

type departureJSON struct {
	Word  string       `json:"word"`
	State room.Arousal `json:"state,omitempty"`
}

// cellJSON is one participant in one session.
type cellJSON struct {
	Attendance string `json:"attendance"`
	Drops      int    `json:"drops,omitempty"`
	// Arrival is the first check-in they answered in the session;
	// Departure the last check-out word they gave.
	Arrival   *arrivalJSON   `json:"arrival"`
	Departure *departureJSON `json:"departure"`
}

type overviewPersonJSON struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Removed is true for someone no longer on the roster who was in an
	// earlier session.
	Removed bool `json:"removed"`
	// Sessions has one cell per session of the overview, in its order.
	Sessions []cellJSON `json:"sessions"`
}

type overviewJSON struct {
	CohortID     string                `json:"cohortId"`
	Cohort       string                `json:"cohort"`
	Sessions     []overviewSessionJSON `json:"sessions"`
	Participants []overviewPersonJSON  `json:"participants"`
	Notes        []noteJSON            `json:"notes"`
	// Intentions holds, per participant on the roster who set any, their
	// intentions across the sessions, oldest first.
	Intentions []intentionJourneyJSON `json:"intentions"`
}

// intentionJourneyJSON is one participant's intentions across the cohort.
type intentionJourneyJSON struct {
	ParticipantID string          `json:"participantId"`
	Name          string          `json:"name"`
	Intentions    []intentionJSON `json:"intentions"`
}

// intentionJSON is one intention: where it was set, and what its writer
// made of it in the sessions since (or in the same one, for a step).
type intentionJSON struct {
	ID           string           `json:"id"`
	Text         string           `json:"text"`
	SessionID    string           `json:"sessionId"`
	SessionTitle string           `json:"sessionTitle"`
	SetAt        time.Time        `json:"setAt"`
	Reflections  []reflectionJSON `json:"reflections"`
	Steps        []stepJSON       `json:"steps"`
}

type reflectionJSON struct {
	SessionID    string       `json:"sessionId"`
	SessionTitle string       `json:"sessionTitle"`
	Outcome      room.Outcome `json:"outcome"`
	At           time.Time    `json:"at"`
}

type stepJSON struct {
	SessionID    string    `json:"sessionId"`
	SessionTitle string    `json:"sessionTitle"`
	Step         string    `json:"step"`
	At           time.Time `json:"at"`
}

// intentionJourneys reads every stored room of the cohort, the live one
// included: BuildJourneys counts only each room's own activities, so the
// rooms together are each intention's whole journey. People removed from
// the roster are left out, as they are from a room's journeys.
func (m *memory) intentionJourneys() []intentionJourneyJSON {
	roster := make([]room.Member, 0, len(m.participants))
	for _, p := range m.participants {
		roster = append(roster, room.Member{ID: p.ID, Name: p.Name, Role: room.Participant})
	}
	all := room.BuildJourneys(m.states, roster)
	out := []intentionJourneyJSON{}
	for _, p := range m.participants {
		past := all[p.ID]
		if len(past) == 0 {
			continue
		}
		j := intentionJourneyJSON{ParticipantID: p.ID, Name: p.Name, Intentions: make([]intentionJSON, 0, len(past))}
		for _, pi := range past {
			in := intentionJSON{ID: pi.ID, Text: pi.Text, SessionID: pi.SessionID, SessionTitle: pi.SessionTitle, SetAt: pi.SetAt,
				Reflections: make([]reflectionJSON, 0, len(pi.Reflections)), Steps: make([]stepJSON, 0, len(pi.Commitments))}
			for _, r := range pi.Reflections {
				in.Reflections = append(in.Reflections, reflectionJSON{SessionID: r.SessionID, SessionTitle: r.SessionTitle, Outcome: r.Outcome, At: r.At})
			}
			for _, c := range pi.Commitments {
				in.Steps = append(in.Steps, stepJSON{SessionID: c.SessionID, SessionTitle: c.SessionTitle, Step: c.Step, At: c.At})
			}
			j.Intentions = append(j.Intentions, in)
		}
		out = append(out, j)
	}
	return out
}

// cell reads one participant's session from its summary.
func cell(sum room.Summary, memberID string) cellJSON {
	var c cellJSON
	for _, a := range sum.Attendance {
		if a.MemberID != memberID {
			continue
		}
		switch {
		case !a.Came:
			c.Attendance = markAbsent
		case a.LeftEarly:
			c.Attendance = markLeft
		case a.Returns > 0:
			c.Attendance = markReturned
		default:
			c.Attendance = markStayed
		}
		c.Drops = a.Drops
	}
	for _, sec := range sum.Sections {
		if ci, ok := sec.Detail.(*room.CheckInSection); ok && c.Arrival == nil {
			for _, ans := range ci.Answers {
				if ans.MemberID == memberID {
					c.Arrival = &arrivalJSON{Scale: ans.Scale, State: ans.State}
				}
			}
		}
		if co, ok := sec.Detail.(*room.CheckOutSection); ok {
			for _, wd := range co.Words {
				if wd.MemberID == memberID {
					c.Departure = &departureJSON{Word: wd.Word, State: wd.State}
				}
			}
		}
	}
	return c
}

func (m *memory) overview() overviewJSON {
	v := overviewJSON{CohortID: m.cohort.ID, Cohort: m.cohort.Name, Sessions: []overviewSessionJSON{},
		Participants: []overviewPersonJSON{}, Notes: m.notes, Intentions: m.intentionJourneys()}
	for _, ss := range m.sessions {
		_, opened := m.summaries[ss.ID]
		v.Sessions = append(v.Sessions, overviewSessionJSON{ID: ss.ID, Title: ss.Title, StartsAt: ss.StartsAt, Status: ss.Status, Opened: opened})
	}
	people := make([]overviewPersonJSON, 0, len(m.participants))
	known := map[string]bool{}
	for _, p := range m.participants {
		people = append(people, overviewPersonJSON{ID: p.ID, Name: p.Name})
		known[p.ID] = true
	}
	// Someone removed from the roster still belongs to the sessions they
	// were in.
	for _, ss := range m.sessions {
		for _, a := range m.summaries[ss.ID].Attendance {
			if a.Role == room.Participant && !known[a.MemberID] {
				people = append(people, overviewPersonJSON{ID: a.MemberID, Name: a.Name, Removed: true})
				known[a.MemberID] = true
			}
		}
	}
	for i := range people {
		people[i].Sessions = make([]cellJSON, len(m.sessions))
		for j, ss := range m.sessions {
			if sum, ok := m.summaries[ss.ID]; ok {
				people[i].Sessions[j] = cell(sum, people[i].ID)
			}
		}
	}
	v.Participants = people
	return v
}

func (s *Server) getOverview(w http.ResponseWriter, r *http.Request) {
	m, err := s.loadMemory(r.Context(), account(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, m.overview())
}

// --- a participant's own history ---------------------------------------------------

type historyJSON struct {
	Name     string         `json:"name"`
	Cohort   string         `json:"cohort"`
	Sessions []room.Journey `json:"sessions"`
}

func (s *Server) getHistory(w http.ResponseWriter, r *http.Request) {
	p, c, ok := s.invitee(w, r)
	if !ok {
		return
	}
	// What the group shared was shared under its agreements: whoever has
	// not accepted the current ones reads them first.
	if _, accepted := p.Accepted(c.AgreementsVersion); !accepted {
		s.writeError(w, r, &httpError{http.StatusConflict, "agreements", "Please read and accept the group agreements first."})
		return
	}
	ctx := r.Context()
	sessions, err := s.fac.InviteeSessions(ctx, r.PathValue("token"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	v := historyJSON{Name: p.Name, Cohort: c.Name, Sessions: []room.Journey{}}
	for _, ss := range sessions {
		st, err := s.rooms.Stored(ctx, ss.ID)
		if errors.Is(err, room.ErrNotStored) {
			continue
		}
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if j, ok := room.JourneyOf(st, p.ID); ok {
			v.Sessions = append(v.Sessions, j)
		}
	}
	writeJSON(w, http.StatusOK, v)
}

// --- export ------------------------------------------------------------------------

// attachment names a download after the cohort and the day.
func attachment(w http.ResponseWriter, cohortName, ext string, now time.Time) {
	slug := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '-'
	}, cohortName)
	slug = strings.Trim(strings.Join(strings.FieldsFunc(slug, func(r rune) bool { return r == '-' }), "-"), "-")
	if slug == "" {
		slug = "cohort"
	}
	name := fmt.Sprintf("hearth-%s-%s.%s", slug, now.UTC().Format("2006-01-02"), ext)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("Cache-Control", "no-store")
}

func (s *Server) exportJSON(w http.ResponseWriter, r *http.Request) {
	m, err := s.loadMemory(r.Context(), account(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	attachment(w, m.cohort.Name, "json", time.Now())
	writeJSON(w, http.StatusOK, m.export(time.Now()))
}

func (s *Server) exportMarkdown(w http.ResponseWriter, r *http.Request) {
	m, err := s.loadMemory(r.Context(), account(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	attachment(w, m.cohort.Name, "md", time.Now())
	w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	w.Write([]byte(m.markdown(time.Now())))
}

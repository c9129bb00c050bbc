// Package memory is what a cohort remembers: a session's summary, the
// facilitators' notes as they read them, the cohort overview, the journeys
// of intentions across sessions, a participant's own history, and the
// exports.
//
// Every read goes through the facilitator service's permission checks; the
// rooms are read through the small Rooms interface. The export file has its
// own versioned types (export.go), so that a change to room's structs
// cannot change the file without a compile error or a failing test.
//
// memory imports room and facilitator, never web or storage.
package memory

import (
	"context"
	"errors"
	"time"

	"hearth/facilitator"
	"hearth/room"
)

// Rooms is the read of stored rooms memory needs (*room.Manager has it).
type Rooms interface {
	// Stored returns the stored room of a session, live or closed, or an
	// error wrapping room.ErrNotStored when its room never opened.
	Stored(ctx context.Context, sessionID string) (room.State, error)
}

// Archive reads many stored rooms at once, for reading them back
// (*storage.DB has it). When the facilitator service's Store is also an
// Archive, memory reads a cohort's rooms through it (see cohortRooms).
type Archive interface {
	// RoomsToRead returns the stored rooms of the sessions, in their
	// order, leaving out those that never opened. A room's Journeys may be
	// left out (nil): they are copies of what the earlier rooms hold.
	RoomsToRead(ctx context.Context, sessionIDs []string) ([]room.State, error)
}

var (
	// ErrNotOpened is returned for the summary of a session whose room
	// never opened.
	ErrNotOpened = &facilitator.Error{Code: facilitator.CodeNotOpened,
		Message: "This session has not been opened yet, so there is nothing to summarise."}
	// ErrAgreements is returned for the history of a participant who has
	// not accepted the cohort's current agreements.
	ErrAgreements = facilitator.ErrAgreements
)

// Memory builds what a cohort remembers, for one reader at a time.
type Memory struct {
	fac     *facilitator.Service
	rooms   Rooms
	archive Archive // nil: every room is read through rooms
}

// New returns the memory of the cohorts fac keeps, whose rooms are in rooms.
func New(fac *facilitator.Service, rooms Rooms) *Memory {
	m := &Memory{fac: fac, rooms: rooms}
	m.archive, _ = fac.Store.(Archive)
	return m
}

// --- notes ---------------------------------------------------------------------

// Note is a facilitator's note as one facilitator reads it.
type Note struct {
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
	fac   *facilitator.Service
	names map[string]string
}

func (m *Memory) authorsOf(ctx context.Context, c facilitator.Cohort) (*authors, error) {
	facs, err := m.fac.Facilitators(ctx, c)
	if err != nil {
		return nil, err
	}
	a := &authors{fac: m.fac, names: make(map[string]string, len(facs))}
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
	if acct, err := a.fac.NoteAuthor(ctx, reader, note); err == nil {
		n = acct.Name
	}
	a.names[note.AuthorID] = n
	return n
}

func (a *authors) view(ctx context.Context, reader facilitator.Account, n facilitator.Note) Note {
	return Note{ID: n.ID, SessionID: n.SessionID, ParticipantID: n.ParticipantID, AuthorID: n.AuthorID,
		AuthorName: a.name(ctx, reader, n), Text: n.Text, CreatedAt: n.CreatedAt, UpdatedAt: timePtr(n.UpdatedAt),
		Mine: n.AuthorID == reader.ID}
}

// Notes returns the notes of a cohort acct facilitates that keep picks, as
// acct reads them (with their authors' names), oldest first, never nil.
func (m *Memory) Notes(ctx context.Context, acct facilitator.Account, cohortID string, keep func(facilitator.Note) bool) ([]Note, error) {
	c, err := m.fac.Cohort(ctx, acct, cohortID)
	if err != nil {
		return nil, err
	}
	return m.notesOf(ctx, acct, c, keep)
}

func (m *Memory) notesOf(ctx context.Context, acct facilitator.Account, c facilitator.Cohort, keep func(facilitator.Note) bool) ([]Note, error) {
	notes, err := m.fac.Notes(ctx, acct, c.ID)
	if err != nil {
		return nil, err
	}
	names, err := m.authorsOf(ctx, c)
	if err != nil {
		return nil, err
	}
	out := []Note{}
	for _, n := range notes {
		if keep(n) {
			out = append(out, names.view(ctx, acct, n))
		}
	}
	return out, nil
}

// Note returns one note, just written or read, as acct reads it.
func (m *Memory) Note(ctx context.Context, acct facilitator.Account, n facilitator.Note) (Note, error) {
	c, err := m.fac.Cohort(ctx, acct, n.CohortID)
	if err != nil {
		return Note{}, err
	}
	names, err := m.authorsOf(ctx, c)
	if err != nil {
		return Note{}, err
	}
	return names.view(ctx, acct, n), nil
}

func all(facilitator.Note) bool { return true }

// --- a session's summary ------------------------------------------------------

// Person is someone on a cohort's roster.
type Person struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// SessionOf returns a session as the API shows it: its status (and times)
// are its room's.
func SessionOf(ss facilitator.Session) Session {
	return Session{ID: ss.ID, Title: ss.Title, StartsAt: ss.StartsAt, Status: ss.Status,
		OpenedAt: timePtr(ss.OpenedAt), ClosedAt: timePtr(ss.ClosedAt), Agenda: room.DecodeAgenda(ss.Agenda)}
}

// Session is a session as the API shows it (its summary, its cohort).
type Session struct {
	ID       string                    `json:"id"`
	Title    string                    `json:"title"`
	StartsAt time.Time                 `json:"startsAt"`
	Status   facilitator.SessionStatus `json:"status"`
	OpenedAt *time.Time                `json:"openedAt"`
	ClosedAt *time.Time                `json:"closedAt"`
	Agenda   []room.Item               `json:"agenda"`
}

// SessionSummary is a session as its facilitators look back on it.
type SessionSummary struct {
	CohortID string       `json:"cohortId"`
	Cohort   string       `json:"cohort"`
	Session  Session      `json:"session"`
	Summary  room.Summary `json:"summary"`
	// Notes are the notes about this session, with or without a participant.
	Notes []Note `json:"notes"`
	// Participants is the cohort's roster now, for notes about someone.
	Participants []Person `json:"participants"`
}

// Summary returns the summary of a session acct facilitates: not found when
// acct may not see it, ErrNotOpened when its room never opened.
func (m *Memory) Summary(ctx context.Context, acct facilitator.Account, sessionID string) (SessionSummary, error) {
	ss, c, err := m.fac.Session(ctx, acct, sessionID)
	if err != nil {
		return SessionSummary{}, err
	}
	st, err := m.rooms.Stored(ctx, ss.ID)
	if errors.Is(err, room.ErrNotStored) {
		return SessionSummary{}, ErrNotOpened
	}
	if err != nil {
		return SessionSummary{}, err
	}
	v := SessionSummary{CohortID: c.ID, Cohort: c.Name, Summary: room.Summarize(st), Participants: []Person{},
		Session: SessionOf(ss)}
	if v.Notes, err = m.notesOf(ctx, acct, c, func(n facilitator.Note) bool { return n.SessionID == ss.ID }); err != nil {
		return SessionSummary{}, err
	}
	people, err := m.fac.Participants(ctx, acct, c.ID)
	if err != nil {
		return SessionSummary{}, err
	}
	for _, p := range people {
		v.Participants = append(v.Participants, Person{ID: p.ID, Name: p.Name})
	}
	return v, nil
}

// --- a participant's own history ---------------------------------------------------

// History is what a participant may see of the cohort's past sessions.
type History struct {
	Name     string         `json:"name"`
	Cohort   string         `json:"cohort"`
	Sessions []room.Journey `json:"sessions"`
}

// History returns the history of participant p of cohort c, whose invite
// token is token: each session they took part in, as room.JourneyOf lets
// them see it. What the group shared was shared under its agreements, so
// whoever has not accepted the current ones gets ErrAgreements.
func (m *Memory) History(ctx context.Context, token string, p facilitator.Participant, c facilitator.Cohort) (History, error) {
	if _, accepted := p.Accepted(c.AgreementsVersion); !accepted {
		return History{}, ErrAgreements
	}
	sessions, err := m.fac.InviteeSessions(ctx, token)
	if err != nil {
		return History{}, err
	}
	v := History{Name: p.Name, Cohort: c.Name, Sessions: []room.Journey{}}
	states, err := m.cohortRooms(ctx, sessions)
	if err != nil {
		return History{}, err
	}
	for _, st := range states {
		if j, ok := room.JourneyOf(st, p.ID); ok {
			v.Sessions = append(v.Sessions, j)
		}
	}
	return v, nil
}

// --- a whole cohort ---------------------------------------------------------------

// Cohort is everything a cohort remembers, loaded for one facilitator: what
// its overview and its exports are made of.
type Cohort struct {
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
	notes  []Note
}

// Load reads everything a cohort acct facilitates remembers.
func (m *Memory) Load(ctx context.Context, acct facilitator.Account, cohortID string) (*Cohort, error) {
	c, err := m.fac.Cohort(ctx, acct, cohortID)
	if err != nil {
		return nil, err
	}
	cm := &Cohort{cohort: c, summaries: map[string]room.Summary{}}
	if cm.facilitators, err = m.fac.Facilitators(ctx, c); err != nil {
		return nil, err
	}
	if cm.participants, err = m.fac.Participants(ctx, acct, c.ID); err != nil {
		return nil, err
	}
	if cm.sessions, err = m.fac.Sessions(ctx, acct, c.ID); err != nil {
		return nil, err
	}
	if cm.states, err = m.cohortRooms(ctx, cm.sessions); err != nil {
		return nil, err
	}
	for _, st := range cm.states {
		cm.summaries[st.SessionID] = room.Summarize(st)
	}
	if cm.notes, err = m.notesOf(ctx, acct, c, all); err != nil {
		return nil, err
	}
	return cm, nil
}

// Name is the cohort's name, for naming a download.
func (cm *Cohort) Name() string { return cm.cohort.Name }

func timePtr(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}

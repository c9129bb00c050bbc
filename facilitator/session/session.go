// Package session owns a session's life: it plans a session, checks its
// agenda by the room's rules and stores it (and the agendas saved as
// templates), opens the session's room, closes it, and keeps a live room's
// roster in step with its cohort.
//
// It lives beneath facilitator because it needs both the back office (who
// may act, the session records) and the live rooms (the room's rules for
// agendas, the room it opens), while room and facilitator import neither
// each other nor any other Hearth package. web and cmd/hearth import it;
// nothing it imports imports it.
//
// A session's status has one source, its room's record (see
// facilitator.Session): the store reads it from there. Opening the room is
// therefore one commit, the room's first state, and that commit is the
// session going live. A crash leaves the session either planned without a
// room or live with its room, which room.Manager.Restore brings back;
// closing is likewise the room's own closing commit.
//
// Every refusal is a *facilitator.Error: the room's refusals are
// translated here (fromRoom), so web maps one error type to HTTP.
package session

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"hearth/facilitator"
	"hearth/room"
)

// Service runs sessions' lives on top of the back office and the live
// rooms. It checks who may act through the facilitator service, and it is
// what stores sessions and templates, through that service's AddSession
// and AddTemplate (which keep the quotas) and its Store's UpdateSession.
// Create it with New; use it through a pointer.
type Service struct {
	fac   *facilitator.Service
	rooms *room.Manager

	// busy holds a lock per session whose agenda is being set or whose
	// room is being opened or closed, so a room opens with the agenda
	// stored last: an agenda set while the room opens either goes in or
	// is refused because the room is open.
	mu   sync.Mutex
	busy map[string]*turn
}

type turn struct {
	mu      sync.Mutex
	waiting int // guarded by Service.mu
}

// New returns a Service over the back office and the live rooms. Times
// (a session's creation) come from fac's clock.
func New(fac *facilitator.Service, rooms *room.Manager) *Service {
	return &Service{fac: fac, rooms: rooms, busy: make(map[string]*turn)}
}

func (s *Service) now() time.Time {
	if s.fac.Now != nil {
		return s.fac.Now().UTC()
	}
	return time.Now().UTC()
}

// lock takes the session's turn; the returned func gives it back.
func (s *Service) lock(sessionID string) (unlock func()) {
	s.mu.Lock()
	t, ok := s.busy[sessionID]
	if !ok {
		t = &turn{}
		s.busy[sessionID] = t
	}
	t.waiting++
	s.mu.Unlock()
	t.mu.Lock()
	return func() {
		t.mu.Unlock()
		s.mu.Lock()
		if t.waiting--; t.waiting == 0 {
			delete(s.busy, sessionID)
		}
		s.mu.Unlock()
	}
}

func conflict(message string) *facilitator.Error {
	return &facilitator.Error{Code: facilitator.CodeConflict, Message: message}
}

// roomCodes translates the room's refusal codes into the back office's.
var roomCodes = map[string]string{
	room.CodeInvalid:     facilitator.CodeInvalid,
	room.CodeBadMessage:  facilitator.CodeInvalid,
	room.CodeUnknownType: facilitator.CodeInvalid,
	room.CodeNotAllowed:  facilitator.CodeForbidden,
	room.CodeClosed:      facilitator.CodeConflict,
	room.CodePaused:      facilitator.CodeConflict,
	room.CodeNotFound:    facilitator.CodeNotFound,
}

// fromRoom returns the room's refusal as a *facilitator.Error with the same
// message, and any other error as it is.
func fromRoom(err error) error {
	var re *room.Error
	if errors.As(err, &re) {
		if code, ok := roomCodes[re.Code]; ok {
			return &facilitator.Error{Code: code, Message: re.Message}
		}
	}
	return err
}

// Plan adds a session to a cohort acct facilitates, with no agenda; past
// the cohort's session quota it is a CodeQuota error.
func (s *Service) Plan(ctx context.Context, acct facilitator.Account, cohortID, title string, startsAt time.Time) (facilitator.Session, error) {
	if _, err := s.fac.Cohort(ctx, acct, cohortID); err != nil {
		return facilitator.Session{}, err
	}
	ss, err := facilitator.NewSession(cohortID, title, startsAt, s.now())
	if err != nil {
		return facilitator.Session{}, err
	}
	if err := s.fac.AddSession(ctx, ss); err != nil {
		return facilitator.Session{}, err
	}
	return ss, nil
}

// plan checks items by the room's rules and encodes them for storing.
func plan(items []room.Item) (json.RawMessage, []room.Item, error) {
	planned, err := room.PlanAgenda(items)
	if err != nil {
		return nil, nil, fromRoom(err)
	}
	for i := range planned {
		planned[i].Status = "" // a plan has no statuses; the room sets them
	}
	raw, err := json.Marshal(planned)
	return raw, planned, err
}

// SetAgenda replaces the agenda of a planned session acct facilitates. A
// session acct may not see is not found, whatever its state; an agenda
// that breaks the room's rules is invalid; a session whose room has opened
// is a conflict (its agenda changes in the room).
func (s *Service) SetAgenda(ctx context.Context, acct facilitator.Account, sessionID string, items []room.Item) (facilitator.Session, error) {
	if _, _, err := s.fac.Session(ctx, acct, sessionID); err != nil {
		return facilitator.Session{}, err
	}
	raw, _, err := plan(items)
	if err != nil {
		return facilitator.Session{}, err
	}
	defer s.lock(sessionID)()
	return s.fac.Store.UpdateSession(ctx, sessionID, func(ss *facilitator.Session) error {
		if ss.Status != facilitator.Planned {
			return conflict("The room is open: change the agenda in the room.")
		}
		ss.Agenda = raw
		return nil
	})
}

// SaveTemplate checks items by the room's rules and saves them as one of
// acct's own templates; it returns the template and its items as stored.
// Past acct's template quota it is a CodeQuota error.
func (s *Service) SaveTemplate(ctx context.Context, acct facilitator.Account, name string, items []room.Item) (facilitator.Template, []room.Item, error) {
	raw, planned, err := plan(items)
	if err != nil {
		return facilitator.Template{}, nil, err
	}
	t, err := facilitator.NewTemplate(acct.ID, name, raw, s.now())
	if err != nil {
		return facilitator.Template{}, nil, err
	}
	if err := s.fac.AddTemplate(ctx, t); err != nil {
		return facilitator.Template{}, nil, err
	}
	return t, planned, nil
}

// Open opens the room of a session acct facilitates and returns the
// session, live, and whether this call opened it: opening a live session's
// room again returns it as it is. A closed session is a conflict, and so is
// a session of a cohort that has another live room. When opened is true
// the room is open even if err is not nil (reading the session back
// failed), and ss names the session and its cohort.
func (s *Service) Open(ctx context.Context, acct facilitator.Account, sessionID string) (ss facilitator.Session, opened bool, err error) {
	_, c, err := s.fac.Session(ctx, acct, sessionID)
	if err != nil {
		return facilitator.Session{}, false, err
	}
	defer s.lock(sessionID)()
	// Read again in its turn: the agenda the room opens with is the last
	// one stored.
	ss, err = s.fac.Store.Session(ctx, sessionID)
	if err != nil {
		return facilitator.Session{}, false, err
	}
	if _, live := s.rooms.Get(ss.ID); live {
		return ss, false, nil
	}
	switch ss.Status {
	case facilitator.Closed:
		return facilitator.Session{}, false, conflict("This session is closed. Plan a new one.")
	case facilitator.Live:
		// Its room is open in the store but not served: the rooms are
		// stopping, or not restored yet.
		return facilitator.Session{}, false, conflict("The server is restarting; try again in a moment.")
	}
	members, err := s.roster(ctx, acct, c)
	if err != nil {
		return facilitator.Session{}, false, err
	}
	journeys, err := s.journeys(ctx, acct, c.ID, ss.ID, members)
	if err != nil {
		return facilitator.Session{}, false, err
	}
	agenda := room.DecodeAgenda(ss.Agenda)
	for i := range agenda {
		agenda[i].Status = room.Pending
	}
	// The one commit that makes the session live.
	_, err = s.rooms.Open(ctx, room.State{
		SessionID: ss.ID, CohortID: c.ID, Title: ss.Title, Cohort: c.Name, VideoURL: c.VideoURL, Members: members,
		Agenda: agenda, Journeys: journeys,
		// The cohort's setting is the door's start; the facilitators may
		// change it in the room.
		Door: room.Door{AdmitOnArrival: c.AdmitOnArrival},
	})
	if errors.Is(err, room.ErrAlreadyOpen) {
		return facilitator.Session{}, false, conflict("Another session of this cohort is live. Close it first.")
	}
	if err != nil {
		return facilitator.Session{}, false, err
	}
	live, err := s.fac.Store.Session(ctx, ss.ID)
	if err != nil {
		return ss, true, err
	}
	return live, true, nil
}

// Close closes the live room of a session acct facilitates and returns the
// session, closed. A session that is not live is a conflict.
func (s *Service) Close(ctx context.Context, acct facilitator.Account, sessionID string) (facilitator.Session, error) {
	if _, _, err := s.fac.Session(ctx, acct, sessionID); err != nil {
		return facilitator.Session{}, err
	}
	defer s.lock(sessionID)()
	notLive := conflict("This session is not live.")
	rm, live := s.rooms.Get(sessionID)
	if !live {
		return facilitator.Session{}, notLive
	}
	// The room's closing commit is the session closing.
	err := rm.Act(ctx, acct.ID, room.Command{Type: room.TypeRoomClose})
	if err != nil {
		return facilitator.Session{}, fromRoom(err)
	}
	return s.fac.Store.Session(ctx, sessionID)
}

// Room returns the live room of a session acct facilitates; a session that
// is not live is a conflict.
func (s *Service) Room(ctx context.Context, acct facilitator.Account, sessionID string) (*room.Room, error) {
	if _, _, err := s.fac.Session(ctx, acct, sessionID); err != nil {
		return nil, err
	}
	rm, live := s.rooms.Get(sessionID)
	if !live {
		return nil, conflict("This session is not live.")
	}
	return rm, nil
}

// SyncRoster puts the facilitators and participants of c, a cohort acct
// facilitates, on its live room's roster, if it has one: new ones added,
// renamed ones renamed.
func (s *Service) SyncRoster(ctx context.Context, acct facilitator.Account, c facilitator.Cohort) error {
	rm, ok := s.rooms.ForCohort(c.ID)
	if !ok {
		return nil
	}
	members, err := s.roster(ctx, acct, c)
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
func (s *Service) roster(ctx context.Context, acct facilitator.Account, c facilitator.Cohort) ([]room.Member, error) {
	facs, err := s.fac.Facilitators(ctx, c)
	if err != nil {
		return nil, err
	}
	people, err := s.fac.Participants(ctx, acct, c.ID)
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

// journeys reads the rooms of the cohort's earlier sessions and returns the
// intentions each participant on the roster set in them, with what became
// of them, for the room about to open: the room itself reads no storage.
func (s *Service) journeys(ctx context.Context, acct facilitator.Account, cohortID, sessionID string, roster []room.Member) (room.Journeys, error) {
	sessions, err := s.fac.Sessions(ctx, acct, cohortID)
	if err != nil {
		return nil, fmt.Errorf("sessions of cohort %s: %w", cohortID, err)
	}
	var earlier []room.State
	for _, ss := range sessions {
		if ss.ID == sessionID || ss.Status == facilitator.Planned {
			continue // a planned session has no room
		}
		st, err := s.rooms.Stored(ctx, ss.ID)
		if errors.Is(err, room.ErrNotStored) {
			continue // said to have met, in an old file, but without a room: nothing was said in it
		}
		if err != nil {
			return nil, fmt.Errorf("room of session %s: %w", ss.ID, err)
		}
		earlier = append(earlier, st)
	}
	return room.BuildJourneys(earlier, roster), nil
}

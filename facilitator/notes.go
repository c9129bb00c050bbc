package facilitator

import (
	"context"
	"errors"
	"time"
)

// MaxNote is the longest private note, in characters.
const MaxNote = 5000

// CodeForbidden refuses a change to what belongs to someone else (another
// facilitator's note).
const CodeForbidden = "forbidden"

// Note is a facilitator's private note about a session, a participant, or a
// participant in one session. Participants never see notes; the cohort's
// facilitators all read them, and only the author changes one.
type Note struct {
	ID       string `json:"id"`
	CohortID string `json:"cohortId"`
	// SessionID and ParticipantID say what the note is about; at least one
	// is set.
	SessionID     string    `json:"sessionId,omitempty"`
	ParticipantID string    `json:"participantId,omitempty"`
	AuthorID      string    `json:"authorId"`
	Text          string    `json:"text"`
	CreatedAt     time.Time `json:"createdAt"`
	UpdatedAt     time.Time `json:"updatedAt,omitzero"`
}

// NoteStore persists notes. It is part of Store.
type NoteStore interface {
	PutNote(ctx context.Context, n Note) error
	// UpdateNote is as Store's other Update methods.
	UpdateNote(ctx context.Context, id string, fn func(*Note) error) (Note, error)
	Note(ctx context.Context, id string) (Note, error)
	// CohortNotes returns a cohort's notes, oldest first.
	CohortNotes(ctx context.Context, cohortID string) ([]Note, error)
	DeleteNote(ctx context.Context, id string) error
}

// NoteAbout is what a new note is about: a session, a participant, or both
// (a participant in one session).
type NoteAbout struct {
	SessionID     string
	ParticipantID string
}

func noteText(text string) (string, error) {
	text = cleanText(text)
	if err := checkLen("The note", text, 1, MaxNote); err != nil {
		return "", err
	}
	return text, nil
}

// AddNote adds acct's note to a cohort they facilitate. The session and the
// participant it is about must be the cohort's; a cohort with
// NotesPerCohort notes already refuses it with a CodeQuota error.
func (s *Service) AddNote(ctx context.Context, acct Account, cohortID string, about NoteAbout, text string) (Note, error) {
	if _, err := s.Cohort(ctx, acct, cohortID); err != nil {
		return Note{}, err
	}
	if about.SessionID == "" && about.ParticipantID == "" {
		return Note{}, errorf(CodeInvalid, "A note is about a session or a participant.")
	}
	if about.SessionID != "" {
		ss, err := s.Store.Session(ctx, about.SessionID)
		if errors.Is(err, ErrNotFound) || (err == nil && ss.CohortID != cohortID) {
			return Note{}, notFound("session")
		}
		if err != nil {
			return Note{}, err
		}
	}
	if about.ParticipantID != "" {
		if _, err := s.participantOf(ctx, acct, cohortID, about.ParticipantID); err != nil {
			return Note{}, err
		}
	}
	text, err := noteText(text)
	if err != nil {
		return Note{}, err
	}
	n := Note{ID: newID(), CohortID: cohortID, SessionID: about.SessionID, ParticipantID: about.ParticipantID,
		AuthorID: acct.ID, Text: text, CreatedAt: s.now()}
	if err := s.putNote(ctx, n); err != nil {
		return Note{}, err
	}
	return n, nil
}

// ownNote returns a note acct wrote in a cohort they still facilitate. A
// note of a cohort they do not facilitate is not found; another
// facilitator's note is forbidden.
func (s *Service) ownNote(ctx context.Context, acct Account, id string) (Note, error) {
	n, err := s.Store.Note(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Note{}, notFound("note")
	}
	if err != nil {
		return Note{}, err
	}
	if _, err := s.Cohort(ctx, acct, n.CohortID); err != nil {
		return Note{}, notFound("note")
	}
	if n.AuthorID != acct.ID {
		return Note{}, errorf(CodeForbidden, "Only the facilitator who wrote a note can change it.")
	}
	return n, nil
}

// EditNote changes the text of acct's own note.
func (s *Service) EditNote(ctx context.Context, acct Account, id, text string) (Note, error) {
	if _, err := s.ownNote(ctx, acct, id); err != nil {
		return Note{}, err
	}
	text, err := noteText(text)
	if err != nil {
		return Note{}, err
	}
	// A note's cohort and author never change, so the check above holds
	// for the update; a note deleted meanwhile stays deleted.
	n, err := s.Store.UpdateNote(ctx, id, func(n *Note) error {
		n.Text, n.UpdatedAt = text, s.now()
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		return Note{}, notFound("note")
	}
	return n, err
}

// DeleteNote deletes acct's own note.
func (s *Service) DeleteNote(ctx context.Context, acct Account, id string) error {
	if _, err := s.ownNote(ctx, acct, id); err != nil {
		return err
	}
	err := s.Store.DeleteNote(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return notFound("note")
	}
	return err
}

// NoteAuthor returns the account that wrote a note of a cohort acct
// facilitates, who may no longer facilitate it; not found when acct may not
// read the note or the author's account is gone.
func (s *Service) NoteAuthor(ctx context.Context, acct Account, n Note) (Account, error) {
	if _, err := s.Cohort(ctx, acct, n.CohortID); err != nil {
		return Account{}, notFound("note")
	}
	a, err := s.Store.Account(ctx, n.AuthorID)
	if errors.Is(err, ErrNotFound) {
		return Account{}, notFound("account")
	}
	return a, err
}

// Notes returns the notes of a cohort acct facilitates, oldest first.
func (s *Service) Notes(ctx context.Context, acct Account, cohortID string) ([]Note, error) {
	if _, err := s.Cohort(ctx, acct, cohortID); err != nil {
		return nil, err
	}
	return s.Store.CohortNotes(ctx, cohortID)
}

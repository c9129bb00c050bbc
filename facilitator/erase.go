package facilitator

import "context"

// EraseStore deletes for good. Each method removes what it names in one
// transaction and then leaves no byte of it in the store's file (the store
// writes over the space it freed), or returns an error. It is part of
// Store.
type EraseStore interface {
	// DeleteCohort removes the cohort with its participants, invite
	// tokens, sessions, rooms and notes. ErrNotFound when there is none.
	DeleteCohort(ctx context.Context, id string) error
	// DeleteSession removes a session that is not live, its room and the
	// notes about it. ErrNotFound when there is none.
	DeleteSession(ctx context.Context, id string) error
	// EraseParticipant removes a participant of the cohort (on its roster,
	// or once removed from it), the notes about them and everything of
	// theirs in the cohort's rooms, none of which may be live. ErrNotFound
	// when the cohort has no such participant.
	EraseParticipant(ctx context.Context, cohortID, id string) error
	// DeleteAccount removes an account, its logins and its templates;
	// its cohorts are the caller's to settle first. ErrNotFound when there
	// is none.
	DeleteAccount(ctx context.Context, id string) error
}

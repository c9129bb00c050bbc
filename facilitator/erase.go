package facilitator

import (
	"context"
	"time"
)

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
	// AllCohorts returns every cohort of the server, for retention.
	AllCohorts(ctx context.Context) ([]Cohort, error)
}

// Retention bounds, in days after a cohort's last session.
const (
	MinRetentionDays = 7
	MaxRetentionDays = 3650
)

func checkRetention(days int) error {
	if days != 0 && (days < MinRetentionDays || days > MaxRetentionDays) {
		return errorf(CodeInvalid, "Keep a cohort at least %d and at most %d days after its last session (or until it is deleted).", MinRetentionDays, MaxRetentionDays)
	}
	return nil
}

// DeleteOn returns when the server deletes the cohort under its retention
// setting, and false when it keeps it (no retention, or a session is live).
// The count starts from the cohort's last session: the latest close of a
// session that met, or the planned start of one still to come, so a cohort
// with sessions ahead is never deleted before they have passed; a cohort
// that never had a session counts from its creation.
func DeleteOn(c Cohort, sessions []Session) (time.Time, bool) {
	if c.RetentionDays == 0 {
		return time.Time{}, false
	}
	last := c.CreatedAt
	for _, s := range sessions {
		var at time.Time
		switch s.Status {
		case Live:
			return time.Time{}, false
		case Closed:
			at = s.ClosedAt
			if at.IsZero() {
				at = s.StartsAt
			}
		default:
			at = s.StartsAt
		}
		if at.After(last) {
			last = at
		}
	}
	return last.Add(time.Duration(c.RetentionDays) * 24 * time.Hour), true
}

package facilitator

import (
	"context"
	"time"
)

// DefaultInviteDays is how long a participant's link works after it was
// issued or last reissued, in a cohort that has not said otherwise: long
// enough for a course of weekly sessions, short enough that a link
// forgotten in an old message stops opening the group's words.
const DefaultInviteDays = 90

// MaxInviteDays is the longest a cohort may let its links work (about ten
// years); 0 is how a cohort says they never expire.
const MaxInviteDays = 3650

// Refusals of a link that was real, so its holder knows what happened and
// what to do.
var (
	ErrInviteExpired = &Error{Code: CodeUnauthorized, Message: "This link has expired. Please ask your facilitator for a new link."}
	ErrGroupEnded    = &Error{Code: CodeUnauthorized, Message: "This group has ended. Please ask your facilitator for a new link."}
)

// InviteLife returns how many days the cohort's links work after they are
// issued; 0 means they never expire.
func (c *Cohort) InviteLife() int {
	if c.InviteDays == nil {
		return DefaultInviteDays
	}
	return *c.InviteDays
}

// InviteExpiry returns when p's current link stops working in cohort c, and
// false when it never does (the cohort's InviteLife is 0). An archived
// cohort's links do not work at all, whatever this says.
func InviteExpiry(c Cohort, p Participant) (time.Time, bool) {
	days := c.InviteLife()
	if days == 0 {
		return time.Time{}, false
	}
	issued := p.InviteIssuedAt
	if issued.IsZero() {
		// Stored before links had an issue time: the link is at least as
		// old as its participant, and the policy applies to it as written.
		issued = p.CreatedAt
	}
	return issued.AddDate(0, 0, days).UTC(), true
}

// inviteWorks refuses p's link when c is archived or the link has expired.
func (s *Service) inviteWorks(c Cohort, p Participant) error {
	if c.Archived {
		return ErrGroupEnded
	}
	if until, ok := InviteExpiry(c, p); ok && !s.now().Before(until) {
		return ErrInviteExpired
	}
	return nil
}

// StampOldInvites gives every link issued before links had an issue time
// one of now, so its cohort's InviteDays count from the first start of a
// server that knows them: counted from when the participant was added, a
// long-running group's links would all stop at once on the day of the
// upgrade, perhaps an hour before a session. It returns how many it
// stamped; run it at start, before serving.
func (s *Service) StampOldInvites(ctx context.Context) (int, error) {
	cohorts, err := s.Store.AllCohorts(ctx)
	if err != nil {
		return 0, err
	}
	now := s.now().UTC()
	n := 0
	for _, c := range cohorts {
		ps, err := s.Store.Participants(ctx, c.ID)
		if err != nil {
			return n, err
		}
		for _, p := range ps {
			if !p.InviteIssuedAt.IsZero() {
				continue
			}
			if _, err := s.Store.UpdateParticipant(ctx, p.ID, func(p *Participant) error {
				if p.InviteIssuedAt.IsZero() {
					p.InviteIssuedAt = now
				}
				return nil
			}); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

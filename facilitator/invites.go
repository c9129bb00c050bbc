package facilitator

import "time"

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

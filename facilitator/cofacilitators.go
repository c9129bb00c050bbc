package facilitator

import (
	"context"
	"errors"
	"sort"
	"strings"
	"time"
)

// MaxInvitations is how many co-facilitator invitations a cohort keeps
// waiting at once.
const MaxInvitations = 20

var errOwnerOnly = errorf(CodeForbidden, "Only the cohort's owner can add or remove co-facilitators.")

// AddCoFacilitator invites the email to facilitate the cohort, with the
// same controls as its facilitators; only the cohort's owner may. The
// invitation waits on the email whether or not an account has it, and the
// answer is the cohort either way, so the add tells nobody which emails
// have accounts. Inviting an email again renews its invitation; an email
// that already facilitates the cohort is left as it is.
func (s *Service) AddCoFacilitator(ctx context.Context, acct Account, cohortID, email string) (Cohort, error) {
	if _, err := s.Cohort(ctx, acct, cohortID); err != nil {
		return Cohort{}, err
	}
	email, err := normalEmail(email)
	if err != nil {
		return Cohort{}, err
	}
	// Read before the change (the store is not to be called inside it),
	// and only to leave a cohort's own facilitators alone: they are listed
	// on its page already.
	existing, err := s.Store.AccountByEmail(ctx, email)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return Cohort{}, err
	}
	now := s.now()
	return s.updateCohort(ctx, acct, cohortID, func(c *Cohort) error {
		if c.OwnerID() != acct.ID {
			return errOwnerOnly
		}
		if existing.ID != "" && c.Facilitates(existing.ID) {
			return nil
		}
		c.Invited = removeInvitation(c.Invited, email)
		if len(c.Invited) >= MaxInvitations {
			return errorf(CodeInvalid, "%d invitations are waiting for an answer; withdraw some first.", MaxInvitations)
		}
		c.Invited = append(c.Invited, Invitation{Email: email, By: acct.ID, At: now})
		return nil
	})
}

func removeInvitation(in []Invitation, email string) []Invitation {
	out := in[:0:0]
	for _, i := range in {
		if i.Email != email {
			out = append(out, i)
		}
	}
	return out
}

// WithdrawInvitation takes back the owner's invitation of the email. One
// that is not there (answered meanwhile) is not found.
func (s *Service) WithdrawInvitation(ctx context.Context, acct Account, cohortID, email string) (Cohort, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	return s.updateCohort(ctx, acct, cohortID, func(c *Cohort) error {
		if c.OwnerID() != acct.ID {
			return errOwnerOnly
		}
		if _, ok := c.Invitation(email); !ok {
			return notFound("invitation")
		}
		c.Invited = removeInvitation(c.Invited, email)
		return nil
	})
}

// RemoveFacilitator takes a facilitator off the cohort: the owner removes
// a co-facilitator, or a co-facilitator leaves (accountID is their own).
// The owner cannot leave their own cohort, which would be left without
// anyone who may manage its facilitators. Anyone else's change is
// forbidden; an account that does not facilitate it is not found.
func (s *Service) RemoveFacilitator(ctx context.Context, acct Account, cohortID, accountID string) (Cohort, error) {
	return s.updateCohort(ctx, acct, cohortID, func(c *Cohort) error {
		owner := c.OwnerID()
		switch {
		case accountID == owner:
			if accountID == acct.ID {
				return errorf(CodeConflict, "You own this cohort, so you cannot leave it: it would have no one to manage its facilitators.")
			}
			return errOwnerOnly
		case accountID != acct.ID && acct.ID != owner:
			return errOwnerOnly
		case !c.Facilitates(accountID):
			return notFound("facilitator")
		}
		// Pinned before the first facilitator can change: a cohort stored
		// before owners is owned by its first facilitator.
		c.Owner = owner
		kept := c.Facilitators[:0:0]
		for _, id := range c.Facilitators {
			if id != accountID {
				kept = append(kept, id)
			}
		}
		c.Facilitators = kept
		return nil
	})
}

// PendingInvitation is an invitation to co-facilitate, as its invitee sees
// it.
type PendingInvitation struct {
	CohortID   string    `json:"cohortId"`
	CohortName string    `json:"cohortName"`
	InvitedBy  string    `json:"invitedBy"` // the inviting facilitator's name
	At         time.Time `json:"at"`
}

// Invitations returns the invitations waiting on the account's email,
// oldest first.
func (s *Service) Invitations(ctx context.Context, acct Account) ([]PendingInvitation, error) {
	cs, err := s.Store.CohortsInviting(ctx, acct.Email)
	if err != nil {
		return nil, err
	}
	out := []PendingInvitation{}
	for _, c := range cs {
		in, ok := c.Invitation(acct.Email)
		if !ok || c.Facilitates(acct.ID) {
			continue
		}
		by := ""
		if a, err := s.Store.Account(ctx, in.By); err == nil {
			by = a.Name
		} else if !errors.Is(err, ErrNotFound) {
			return nil, err
		}
		out = append(out, PendingInvitation{CohortID: c.ID, CohortName: c.Name, InvitedBy: by, At: in.At})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out, nil
}

// AnswerInvitation accepts (the account facilitates the cohort from now
// on) or declines (the invitation is removed) an invitation waiting on the
// account's email. Without one, the cohort is not found.
func (s *Service) AnswerInvitation(ctx context.Context, acct Account, cohortID string, accept bool) (Cohort, error) {
	c, err := s.Store.UpdateCohort(ctx, cohortID, func(c *Cohort) error {
		if _, ok := c.Invitation(acct.Email); !ok {
			return notFound("invitation")
		}
		c.Invited = removeInvitation(c.Invited, acct.Email)
		if accept && !c.Facilitates(acct.ID) {
			c.Owner = c.OwnerID()
			c.Facilitators = append(c.Facilitators, acct.ID)
		}
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		return Cohort{}, notFound("invitation")
	}
	return c, err
}

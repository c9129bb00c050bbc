package session

import (
	"context"
	"errors"
	"slices"
	"time"

	"hearth/facilitator"
)

// Deletion is for good and owner-only: the owner of a cohort (see
// facilitator.Cohort.OwnerID) deletes it, its sessions, or a participant's
// words; any facilitator of it may still take a participant off its roster
// (RemoveParticipant with erase false). Nothing is deleted while the
// cohort's room is live: its members hold what they were sent, and the
// room would write it back.

var errOwnerDeletes = &facilitator.Error{Code: facilitator.CodeForbidden, Message: "Only the cohort's owner can delete it or anything in it."}

// ownedCohort returns the cohort if acct owns it: not found if they do not
// facilitate it, forbidden if they are a co-facilitator.
func (s *Service) ownedCohort(ctx context.Context, acct facilitator.Account, cohortID string) (facilitator.Cohort, error) {
	c, err := s.fac.Cohort(ctx, acct, cohortID)
	if err != nil {
		return c, err
	}
	if c.OwnerID() != acct.ID {
		return c, errOwnerDeletes
	}
	return c, nil
}

// lockCohort takes the turn of every session of the cohort, in one order,
// so no room of it opens while it changes; the returned func gives them
// back. A live room is a conflict.
func (s *Service) lockCohort(ctx context.Context, cohortID string) (unlock func(), err error) {
	sessions, err := s.fac.Store.Sessions(ctx, cohortID)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(sessions))
	for _, ss := range sessions {
		ids = append(ids, ss.ID)
	}
	slices.Sort(ids)
	var unlocks []func()
	unlock = func() {
		for _, u := range slices.Backward(unlocks) {
			u()
		}
	}
	for _, id := range ids {
		unlocks = append(unlocks, s.lock(id))
	}
	if _, live := s.rooms.ForCohort(cohortID); live {
		unlock()
		return nil, conflict("A session of this cohort is live. Close it first.")
	}
	for _, id := range ids {
		if ss, err := s.fac.Store.Session(ctx, id); err == nil && ss.Status == facilitator.Live {
			unlock()
			return nil, conflict("A session of this cohort is live. Close it first.")
		}
	}
	return unlock, nil
}

func notFoundAs(err error, what string) error {
	if errors.Is(err, facilitator.ErrNotFound) {
		return &facilitator.Error{Code: facilitator.CodeNotFound, Message: "No such " + what + "."}
	}
	return err
}

// DeleteCohort deletes a cohort acct owns with everything in it, for good.
func (s *Service) DeleteCohort(ctx context.Context, acct facilitator.Account, cohortID string) error {
	if _, err := s.ownedCohort(ctx, acct, cohortID); err != nil {
		return err
	}
	return s.deleteCohort(ctx, cohortID)
}

func (s *Service) deleteCohort(ctx context.Context, cohortID string) error {
	unlock, err := s.lockCohort(ctx, cohortID)
	if err != nil {
		return err
	}
	defer unlock()
	return notFoundAs(s.fac.Store.DeleteCohort(ctx, cohortID), "cohort")
}

// RemoveParticipant takes a participant off a cohort acct facilitates. With
// erase false they leave it: their link stops working, and what they said
// stays in the cohort's memory. With erase true (the owner only, with no
// room of the cohort live) everything of theirs goes, for good: their
// words in every session, the notes about them, their journey, their place
// on every roster. Erasing works for someone who left already, too.
func (s *Service) RemoveParticipant(ctx context.Context, acct facilitator.Account, cohortID, participantID string, erase bool) error {
	if !erase {
		return s.fac.RemoveParticipant(ctx, acct, cohortID, participantID)
	}
	if _, err := s.ownedCohort(ctx, acct, cohortID); err != nil {
		return err
	}
	unlock, err := s.lockCohort(ctx, cohortID)
	if err != nil {
		return err
	}
	defer unlock()
	return notFoundAs(s.fac.Store.EraseParticipant(ctx, cohortID, participantID), "participant")
}

// DeleteSession deletes a planned or closed session of a cohort acct owns,
// with its room and the notes about it, for good. A live one is a
// conflict until it is closed.
func (s *Service) DeleteSession(ctx context.Context, acct facilitator.Account, sessionID string) error {
	ss, _, err := s.fac.Session(ctx, acct, sessionID)
	if err != nil {
		return err
	}
	if _, err := s.ownedCohort(ctx, acct, ss.CohortID); err != nil {
		return err
	}
	defer s.lock(sessionID)()
	if _, live := s.rooms.Get(sessionID); live {
		return conflict("This session is live. Close it first.")
	}
	if ss, err = s.fac.Store.Session(ctx, sessionID); err != nil {
		return notFoundAs(err, "session")
	}
	if ss.Status == facilitator.Live {
		return conflict("This session is live. Close it first.")
	}
	return notFoundAs(s.fac.Store.DeleteSession(ctx, sessionID), "session")
}

// AccountDeletion says what deleting an account does to its cohorts.
type AccountDeletion struct {
	// Deleted are the cohorts nobody else facilitates: they go with the
	// account, for good.
	Deleted []CohortRef `json:"deleted"`
	// Passed are the cohorts the account owns with co-facilitators: each
	// passes to its longest-standing co-facilitator, To.
	Passed []CohortRef `json:"passed"`
	// Left are the cohorts it co-facilitates: it leaves them.
	Left []CohortRef `json:"left"`
}

// CohortRef names a cohort, and for one passed on, its new owner.
type CohortRef struct {
	ID   string               `json:"id"`
	Name string               `json:"name"`
	To   *facilitator.Account `json:"-"`
	// ToName is the new owner's name, for a cohort passed on.
	ToName string `json:"to,omitempty"`
}

// PlanAccountDeletion returns what deleting acct would do to its cohorts.
func (s *Service) PlanAccountDeletion(ctx context.Context, acct facilitator.Account) (AccountDeletion, error) {
	plan := AccountDeletion{Deleted: []CohortRef{}, Passed: []CohortRef{}, Left: []CohortRef{}}
	cohorts, err := s.fac.Cohorts(ctx, acct)
	if err != nil {
		return plan, err
	}
	slices.SortFunc(cohorts, func(a, b facilitator.Cohort) int { return a.CreatedAt.Compare(b.CreatedAt) })
	for _, c := range cohorts {
		ref := CohortRef{ID: c.ID, Name: c.Name}
		var others []string
		for _, id := range c.Facilitators {
			if id != acct.ID {
				others = append(others, id)
			}
		}
		switch {
		case len(others) == 0:
			plan.Deleted = append(plan.Deleted, ref)
		case c.OwnerID() == acct.ID:
			// Facilitators are kept in the order they joined.
			to, err := s.fac.Store.Account(ctx, others[0])
			if err != nil {
				return plan, err
			}
			ref.To, ref.ToName = &to, to.Name
			plan.Passed = append(plan.Passed, ref)
		default:
			plan.Left = append(plan.Left, ref)
		}
	}
	return plan, nil
}

// DeleteAccount deletes acct for good, after the plan PlanAccountDeletion
// gives: confirm must name exactly the cohorts it deletes (a conflict
// otherwise, so a cohort nobody was told of is never deleted), and none of
// them may be live. Cohorts passed on or left keep their records: the
// notes the account wrote stay part of them, and its name stays on the
// rosters of the sessions it led. It returns the plan it carried out.
func (s *Service) DeleteAccount(ctx context.Context, acct facilitator.Account, confirm []string) (AccountDeletion, error) {
	plan, err := s.PlanAccountDeletion(ctx, acct)
	if err != nil {
		return plan, err
	}
	want := make([]string, 0, len(plan.Deleted))
	for _, c := range plan.Deleted {
		want = append(want, c.ID)
	}
	got := slices.Clone(confirm)
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(want, got) {
		return plan, conflict("Deleting this account deletes other cohorts than the ones confirmed. Look at the list again.")
	}
	for _, c := range plan.Deleted {
		if _, live := s.rooms.ForCohort(c.ID); live {
			return plan, conflict("A session of " + c.Name + " is live. Close it first.")
		}
	}
	for _, c := range slices.Concat(plan.Passed, plan.Left) {
		_, err := s.fac.Store.UpdateCohort(ctx, c.ID, func(co *facilitator.Cohort) error {
			if co.OwnerID() == acct.ID && c.To != nil {
				co.Owner = c.To.ID
			} else {
				co.Owner = co.OwnerID() // pinned before the first facilitator changes
			}
			co.Facilitators = slices.DeleteFunc(slices.Clone(co.Facilitators), func(id string) bool { return id == acct.ID })
			if len(co.Facilitators) == 0 {
				return conflict("The cohort " + co.Name + " changed meanwhile. Try again.")
			}
			return nil
		})
		if err != nil {
			return plan, err
		}
	}
	for _, c := range plan.Deleted {
		if err := s.deleteCohort(ctx, c.ID); err != nil {
			return plan, err
		}
	}
	inviting, err := s.fac.Store.CohortsInviting(ctx, acct.Email)
	if err != nil {
		return plan, err
	}
	for _, c := range inviting {
		_, err := s.fac.Store.UpdateCohort(ctx, c.ID, func(co *facilitator.Cohort) error {
			co.Invited = slices.DeleteFunc(slices.Clone(co.Invited), func(in facilitator.Invitation) bool { return in.Email == acct.Email })
			return nil
		})
		if err != nil {
			return plan, err
		}
	}
	return plan, notFoundAs(s.fac.Store.DeleteAccount(ctx, acct.ID), "account")
}

// ApplyRetention deletes, for good, every cohort whose retention setting
// says its time has come (facilitator.DeleteOn) at now, and returns their
// IDs. A cohort with a live room waits for the next sweep.
func (s *Service) ApplyRetention(ctx context.Context, now time.Time) ([]string, error) {
	cohorts, err := s.fac.Store.AllCohorts(ctx)
	if err != nil {
		return nil, err
	}
	var deleted []string
	for _, c := range cohorts {
		if c.RetentionDays == 0 {
			continue
		}
		sessions, err := s.fac.Store.Sessions(ctx, c.ID)
		if err != nil {
			return deleted, err
		}
		on, ok := facilitator.DeleteOn(c, sessions)
		if !ok || now.Before(on) {
			continue
		}
		err = s.deleteCohort(ctx, c.ID)
		var fe *facilitator.Error
		if errors.As(err, &fe) {
			continue // live, or gone meanwhile
		}
		if err != nil {
			return deleted, err
		}
		deleted = append(deleted, c.ID)
	}
	return deleted, nil
}

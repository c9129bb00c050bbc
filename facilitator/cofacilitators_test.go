package facilitator_test

import (
	"context"
	"fmt"
	"reflect"
	"testing"

	"hearth/facilitator"
)

func TestCoFacilitatorInvitations(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	ana, ben, cleo := newAccount(t, svc, "Ana"), newAccount(t, svc, "Ben"), newAccount(t, svc, "Cleo")
	c := newCohort(t, svc, ana, "Tuesday circle", "")
	if c.Owner != ana.ID || c.OwnerID() != ana.ID {
		t.Fatalf("a new cohort's owner: %q, want its maker %q", c.Owner, ana.ID)
	}

	t.Run("an add answers alike whether or not the email has an account", func(t *testing.T) {
		known, err := svc.AddCoFacilitator(ctx, ana, c.ID, "Ben@Example.org")
		if err != nil {
			t.Fatal(err)
		}
		unknown, err := svc.AddCoFacilitator(ctx, ana, c.ID, "nobody@example.org")
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(known.Facilitators, unknown.Facilitators) || len(known.Facilitators) != 1 {
			t.Errorf("facilitators after the adds: %v and %v, want Ana's alone both times", known.Facilitators, unknown.Facilitators)
		}
		for _, email := range []string{"ben@example.org", "nobody@example.org"} {
			if _, ok := unknown.Invitation(email); !ok {
				t.Errorf("no invitation waits on %s: %+v", email, unknown.Invited)
			}
		}
		_, err = svc.AddCoFacilitator(ctx, ana, c.ID, "not an email")
		wantCode(t, "AddCoFacilitator of a malformed email", err, facilitator.CodeInvalid)
	})

	t.Run("the invitee sees it and declines; it is gone", func(t *testing.T) {
		got, err := svc.Invitations(ctx, ben)
		if err != nil || len(got) != 1 || got[0].CohortID != c.ID || got[0].CohortName != "Tuesday circle" || got[0].InvitedBy != "Ana" {
			t.Fatalf("Ben's invitations: %+v, %v, want Ana's to Tuesday circle", got, err)
		}
		if got, err := svc.Invitations(ctx, cleo); err != nil || len(got) != 0 {
			t.Errorf("Cleo's invitations: %+v, %v, want none", got, err)
		}
		if _, err := svc.AnswerInvitation(ctx, ben, c.ID, false); err != nil {
			t.Fatal(err)
		}
		if got, err := svc.Invitations(ctx, ben); err != nil || len(got) != 0 {
			t.Errorf("Ben's invitations after declining: %+v, %v, want none", got, err)
		}
		_, err = svc.Cohort(ctx, ben, c.ID)
		wantCode(t, "the cohort Ben declined", err, facilitator.CodeNotFound)
		_, err = svc.AnswerInvitation(ctx, ben, c.ID, true)
		wantCode(t, "accepting a declined invitation", err, facilitator.CodeNotFound)
		_, err = svc.AnswerInvitation(ctx, cleo, c.ID, true)
		wantCode(t, "accepting without an invitation", err, facilitator.CodeNotFound)
	})

	t.Run("the owner withdraws an invitation", func(t *testing.T) {
		got, err := svc.WithdrawInvitation(ctx, ana, c.ID, "nobody@example.org")
		if err != nil || len(got.Invited) != 0 {
			t.Fatalf("WithdrawInvitation: %+v, %v, want no invitation left", got.Invited, err)
		}
		_, err = svc.WithdrawInvitation(ctx, ana, c.ID, "nobody@example.org")
		wantCode(t, "withdrawing it again", err, facilitator.CodeNotFound)
	})

	t.Run("only the owner adds and removes; a co-facilitator leaves", func(t *testing.T) {
		coFacilitate(t, svc, ana, c.ID, ben)
		coFacilitate(t, svc, ana, c.ID, cleo)
		_, err := svc.AddCoFacilitator(ctx, ben, c.ID, "dan@example.org")
		wantCode(t, "a co-facilitator adds", err, facilitator.CodeForbidden)
		if _, err := svc.AddCoFacilitator(ctx, ana, c.ID, "dan@example.org"); err != nil {
			t.Fatal(err)
		}
		_, err = svc.WithdrawInvitation(ctx, ben, c.ID, "dan@example.org")
		wantCode(t, "a co-facilitator withdraws an invitation", err, facilitator.CodeForbidden)
		_, err = svc.RemoveFacilitator(ctx, ben, c.ID, cleo.ID)
		wantCode(t, "a co-facilitator removes another", err, facilitator.CodeForbidden)
		_, err = svc.RemoveFacilitator(ctx, ben, c.ID, ana.ID)
		wantCode(t, "a co-facilitator removes the owner", err, facilitator.CodeForbidden)
		_, err = svc.RemoveFacilitator(ctx, ana, c.ID, ana.ID)
		wantCode(t, "the owner leaves", err, facilitator.CodeConflict)
		_, err = svc.RemoveFacilitator(ctx, ana, c.ID, "acct-nobody")
		wantCode(t, "removing someone who is not a facilitator", err, facilitator.CodeNotFound)

		got, err := svc.RemoveFacilitator(ctx, ben, c.ID, ben.ID)
		if err != nil || !reflect.DeepEqual(got.Facilitators, []string{ana.ID, cleo.ID}) {
			t.Fatalf("Ben leaves: %v, %v, want Ana and Cleo left", got.Facilitators, err)
		}
		got, err = svc.RemoveFacilitator(ctx, ana, c.ID, cleo.ID)
		if err != nil || !reflect.DeepEqual(got.Facilitators, []string{ana.ID}) {
			t.Fatalf("Ana removes Cleo: %v, %v, want Ana alone", got.Facilitators, err)
		}
		for _, a := range []facilitator.Account{ben, cleo} {
			_, err := svc.Cohort(ctx, a, c.ID)
			wantCode(t, a.Name+" reads the cohort they left", err, facilitator.CodeNotFound)
			_, err = svc.RemoveFacilitator(ctx, a, c.ID, ana.ID)
			wantCode(t, a.Name+" changes the cohort they left", err, facilitator.CodeNotFound)
		}
	})

	t.Run("a cohort keeps a bounded number of invitations", func(t *testing.T) {
		d := newCohort(t, svc, ana, "Many", "")
		for i := range facilitator.MaxInvitations {
			if _, err := svc.AddCoFacilitator(ctx, ana, d.ID, fmt.Sprintf("p%d@example.org", i)); err != nil {
				t.Fatal(err)
			}
		}
		_, err := svc.AddCoFacilitator(ctx, ana, d.ID, "one-more@example.org")
		wantCode(t, "one invitation too many", err, facilitator.CodeInvalid)
		// Renewing one that waits is no new one.
		if _, err := svc.AddCoFacilitator(ctx, ana, d.ID, "p0@example.org"); err != nil {
			t.Errorf("renewing a waiting invitation: %v", err)
		}
	})
}

// A cohort stored before owners is owned by its first facilitator, who may
// then remove the others; the owner is kept from then on.
func TestCohortBeforeOwners(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	ana, ben := newAccount(t, svc, "Ana"), newAccount(t, svc, "Ben")
	old := facilitator.Cohort{ID: "old-cohort", Name: "From before", Facilitators: []string{ana.ID, ben.ID}, AgreementsVersion: 1, CreatedAt: t0}
	if err := svc.Store.PutCohort(ctx, old); err != nil {
		t.Fatal(err)
	}
	_, err := svc.AddCoFacilitator(ctx, ben, old.ID, "cleo@example.org")
	wantCode(t, "the second facilitator adds", err, facilitator.CodeForbidden)
	got, err := svc.RemoveFacilitator(ctx, ana, old.ID, ben.ID)
	if err != nil || !reflect.DeepEqual(got.Facilitators, []string{ana.ID}) || got.Owner != ana.ID {
		t.Errorf("the first facilitator removes the second: %+v, %v, want Ana alone, and the owner kept", got, err)
	}
}

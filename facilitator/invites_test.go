package facilitator_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"hearth/facilitator"
)

func TestInviteExpiry(t *testing.T) {
	ctx := context.Background()
	svc, clk := newService(t)
	robin := newAccount(t, svc, "Robin")
	c := newCohort(t, svc, robin, "Spring circle", "Confidentiality.")
	sam := newParticipant(t, svc, robin, c.ID, "Sam")
	day := 24 * time.Hour

	works := func(tb testing.TB, what string, p facilitator.Participant) {
		tb.Helper()
		if _, _, err := svc.Invitee(ctx, svc.InviteToken(p)); err != nil {
			tb.Errorf("%s: Invitee: %v, want the link to work", what, err)
		}
	}
	refused := func(tb testing.TB, what string, p facilitator.Participant, want *facilitator.Error) {
		tb.Helper()
		_, _, err := svc.Invitee(ctx, svc.InviteToken(p))
		var fe *facilitator.Error
		if !errors.As(err, &fe) || fe.Code != facilitator.CodeUnauthorized || fe.Message != want.Message {
			tb.Errorf("%s: Invitee: got %v, want %v", what, err, want)
		}
	}

	t.Run("a new link works for the default 90 days", func(t *testing.T) {
		if got := c.InviteLife(); got != facilitator.DefaultInviteDays || facilitator.DefaultInviteDays != 90 {
			t.Errorf("InviteLife of a new cohort: got %d, want 90", got)
		}
		until, ok := facilitator.InviteExpiry(c, sam)
		if want := t0.UTC().AddDate(0, 0, 90); !ok || !until.Equal(want) {
			t.Errorf("InviteExpiry: got %v %v, want %v true", until, ok, want)
		}
		clk.Advance(90*day - time.Second)
		works(t, "a second before it expires", sam)
		clk.Advance(time.Second)
		refused(t, "when it expires", sam, facilitator.ErrInviteExpired)
	})

	t.Run("reissuing renews the link", func(t *testing.T) {
		p, err := svc.ReissueInvite(ctx, robin, c.ID, sam.ID)
		if err != nil {
			t.Fatalf("ReissueInvite: %v", err)
		}
		if !p.InviteIssuedAt.Equal(clk.Now().UTC()) {
			t.Errorf("InviteIssuedAt after reissue: got %v, want %v", p.InviteIssuedAt, clk.Now().UTC())
		}
		works(t, "the reissued link", p)
		sam = p
	})

	t.Run("the cohort's setting applies to links already issued", func(t *testing.T) {
		var err error
		c, err = svc.UpdateCohort(ctx, robin, c.ID, facilitator.CohortInput{InviteDays: ptr(7)})
		if err != nil {
			t.Fatalf("UpdateCohort(inviteDays 7): %v", err)
		}
		clk.Advance(7 * day)
		refused(t, "a week after it was reissued, with links of 7 days", sam, facilitator.ErrInviteExpired)
		c, err = svc.UpdateCohort(ctx, robin, c.ID, facilitator.CohortInput{InviteDays: ptr(0)})
		if err != nil {
			t.Fatalf("UpdateCohort(inviteDays 0): %v", err)
		}
		if _, ok := facilitator.InviteExpiry(c, sam); ok || c.InviteLife() != 0 {
			t.Errorf("InviteExpiry with links that never expire: got ok %v, life %d, want false, 0", ok, c.InviteLife())
		}
		clk.Advance(20 * 365 * day)
		works(t, "twenty years on, with links that never expire", sam)
	})

	for _, days := range []int{-1, facilitator.MaxInviteDays + 1} {
		_, err := svc.UpdateCohort(ctx, robin, c.ID, facilitator.CohortInput{InviteDays: ptr(days)})
		wantCode(t, "UpdateCohort(inviteDays out of range)", err, facilitator.CodeInvalid)
	}

	t.Run("an archived cohort's links stop working, and work again when it is not", func(t *testing.T) {
		if _, err := svc.UpdateCohort(ctx, robin, c.ID, facilitator.CohortInput{Archived: ptr(true)}); err != nil {
			t.Fatalf("archive: %v", err)
		}
		refused(t, "a link of an archived cohort", sam, facilitator.ErrGroupEnded)
		_, _, err := svc.AcceptAgreements(ctx, svc.InviteToken(sam), c.AgreementsVersion)
		wantCode(t, "AcceptAgreements in an archived cohort", err, facilitator.CodeUnauthorized)
		if _, err := svc.UpdateCohort(ctx, robin, c.ID, facilitator.CohortInput{Archived: ptr(false)}); err != nil {
			t.Fatalf("unarchive: %v", err)
		}
		works(t, "a link of a cohort taken out of the archive", sam)
	})

	t.Run("a participant stored before issue times counts from when they were added", func(t *testing.T) {
		old := facilitator.Participant{ID: "p-old", CohortID: c.ID, Name: "Old", InviteNonce: "n", CreatedAt: t0.UTC()}
		c.InviteDays = ptr(30)
		until, ok := facilitator.InviteExpiry(c, old)
		if want := t0.UTC().AddDate(0, 0, 30); !ok || !until.Equal(want) {
			t.Errorf("InviteExpiry without an issue time: got %v %v, want %v true", until, ok, want)
		}
	})

	t.Run("start-up dates the links stored before issue times from that day", func(t *testing.T) {
		// As stored before links had an issue time.
		old, err := svc.Store.UpdateParticipant(ctx, newParticipant(t, svc, robin, c.ID, "Old").ID, func(p *facilitator.Participant) error {
			p.InviteIssuedAt = time.Time{}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		before, err := svc.Store.Participant(ctx, sam.ID)
		if err != nil {
			t.Fatal(err)
		}
		clk.Advance(400 * day) // a long-running group, upgraded
		n, err := svc.StampOldInvites(ctx)
		if err != nil || n != 1 {
			t.Fatalf("StampOldInvites: %d, %v; want the one old link", n, err)
		}
		got, err := svc.Store.Participant(ctx, old.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !got.InviteIssuedAt.Equal(clk.Now().UTC()) {
			t.Errorf("the old link's issue time: %v, want the start-up's %v", got.InviteIssuedAt, clk.Now().UTC())
		}
		works(t, "an old link the day of the upgrade", got)
		if after, _ := svc.Store.Participant(ctx, sam.ID); !after.InviteIssuedAt.Equal(before.InviteIssuedAt) {
			t.Errorf("a link with an issue time was dated again: %v, was %v", after.InviteIssuedAt, before.InviteIssuedAt)
		}
		if n, err := svc.StampOldInvites(ctx); err != nil || n != 0 {
			t.Errorf("StampOldInvites again: %d, %v; want none", n, err)
		}
	})
}

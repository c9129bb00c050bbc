package facilitator_test

import (
	"context"
	"testing"
	"time"

	"hearth/facilitator"
)

// TestBackOfficeTextsAreCleaned writes control and bidirectional override
// characters into every name and text of the back office: they are gone
// from what is stored, and multi-line texts keep their lines and tabs.
func TestBackOfficeTextsAreCleaned(t *testing.T) {
	ctx := context.Background()
	svc, _ := newService(t)
	acct := newAccount(t, svc, "Ana")
	const (
		dirtyName = "\u202eTuesday\u2066 circle\x00\n"
		cleanName = "Tuesday circle"
		dirtyText = "Confidential\u202a.\r\n\tSpeak\x1b from\u200f yourself.\u0085"
		cleanText = "Confidential.\n\tSpeak from yourself."
	)
	text := dirtyText
	c, err := svc.CreateCohort(ctx, acct, facilitator.CohortInput{
		Name: ptr(dirtyName), Description: &text, Agreements: &text, ClosingText: &text, CrisisText: &text,
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.Name != cleanName {
		t.Errorf("cohort name %+q, want %+q", c.Name, cleanName)
	}
	for field, got := range map[string]string{"description": c.Description, "agreements": c.Agreements, "closing text": c.ClosingText, "crisis text": c.CrisisText} {
		if got != cleanText {
			t.Errorf("%s %+q, want %+q", field, got, cleanText)
		}
	}
	c, err = svc.UpdateCohort(ctx, acct, c.ID, facilitator.CohortInput{Name: ptr("Wednesday\u202d circle")})
	if err != nil || c.Name != "Wednesday circle" {
		t.Errorf("renamed cohort %+q (%v), want Wednesday circle", c.Name, err)
	}

	p := newParticipant(t, svc, acct, c.ID, "S\u202eam\x07")
	if p.Name != "Sam" {
		t.Errorf("participant %+q, want Sam", p.Name)
	}
	p, err = svc.RenameParticipant(ctx, acct, c.ID, p.ID, "\u2067Kim\u2069\t")
	if err != nil || p.Name != "Kim" {
		t.Errorf("renamed participant %+q (%v), want Kim", p.Name, err)
	}
	// A name of nothing but such characters is no name.
	if _, err := svc.AddParticipant(ctx, acct, c.ID, "\u202e\u200f\x00"); err == nil {
		t.Error("a participant named only with invisible characters was added")
	}

	n, err := svc.AddNote(ctx, acct, c.ID, facilitator.NoteAbout{ParticipantID: p.ID}, dirtyText)
	if err != nil || n.Text != cleanText {
		t.Errorf("note %+q (%v), want %+q", n.Text, err, cleanText)
	}

	ss, err := facilitator.NewSession(c.ID, "Week\u202e 1", time.Now(), time.Now())
	if err != nil || ss.Title != "Week 1" {
		t.Errorf("session title %+q (%v), want Week 1", ss.Title, err)
	}
	tpl, err := facilitator.NewTemplate(acct.ID, "Arrival\x1b[2J", []byte("[]"), time.Now())
	if err != nil || tpl.Name != "Arrival[2J" {
		t.Errorf("template name %+q (%v), want Arrival[2J", tpl.Name, err)
	}
}

// TestAccountNameIsCleaned makes an account with a name that reads
// backwards.
func TestAccountNameIsCleaned(t *testing.T) {
	svc, _ := newService(t)
	a, err := svc.CreateAccount(context.Background(), "ana@example.org", "\u202eanA\u202c", "a long passphrase")
	if err != nil || a.Name != "anA" {
		t.Errorf("account name %+q (%v), want anA", a.Name, err)
	}
}

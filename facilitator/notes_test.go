package facilitator_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"hearth/facilitator"
)

func TestNotes(t *testing.T) {
	ctx := context.Background()
	svc, clk := newService(t)
	ana, ben, cleo := newAccount(t, svc, "Ana"), newAccount(t, svc, "Ben"), newAccount(t, svc, "Cleo")
	c := newCohort(t, svc, ana, "Tuesday circle", "Be kind.")
	coFacilitate(t, svc, ana, c.ID, ben)
	other := newCohort(t, svc, cleo, "Thursday circle", "Be kind.")
	sam := newParticipant(t, svc, ana, c.ID, "Sam")
	stranger := newParticipant(t, svc, cleo, other.ID, "Lee")
	week1 := newSession(t, svc, c.ID, "Week 1", t0)
	elsewhere := newSession(t, svc, other.ID, "Week 1", t0)

	add := []struct {
		name  string
		acct  facilitator.Account
		about facilitator.NoteAbout
		text  string
		code  string
	}{
		{"a session note", ana, facilitator.NoteAbout{SessionID: week1.ID}, "  A calm first session.  ", ""},
		{"a participant note", ben, facilitator.NoteAbout{ParticipantID: sam.ID}, "Sam was quiet.", ""},
		{"a participant in a session", ana, facilitator.NoteAbout{SessionID: week1.ID, ParticipantID: sam.ID}, "Sam left early.", ""},
		{"about nothing", ana, facilitator.NoteAbout{}, "Floating.", facilitator.CodeInvalid},
		{"empty", ana, facilitator.NoteAbout{SessionID: week1.ID}, "   ", facilitator.CodeInvalid},
		{"too long", ana, facilitator.NoteAbout{SessionID: week1.ID}, strings.Repeat("é", facilitator.MaxNote+1), facilitator.CodeInvalid},
		{"another cohort's session", ana, facilitator.NoteAbout{SessionID: elsewhere.ID}, "x", facilitator.CodeNotFound},
		{"another cohort's participant", ana, facilitator.NoteAbout{ParticipantID: stranger.ID}, "x", facilitator.CodeNotFound},
		{"an unknown session", ana, facilitator.NoteAbout{SessionID: "nope"}, "x", facilitator.CodeNotFound},
		{"not their cohort", cleo, facilitator.NoteAbout{SessionID: week1.ID}, "x", facilitator.CodeNotFound},
	}
	var written []facilitator.Note
	for _, tt := range add {
		t.Run("add "+tt.name, func(t *testing.T) {
			n, err := svc.AddNote(ctx, tt.acct, c.ID, tt.about, tt.text)
			wantCode(t, tt.name, err, tt.code)
			if err == nil {
				if n.AuthorID != tt.acct.ID || n.Text != strings.TrimSpace(tt.text) || !n.CreatedAt.Equal(t0) || n.CreatedAt.Location() != time.UTC {
					t.Errorf("note %+v, want by %s, trimmed, at t0 in UTC", n, tt.acct.ID)
				}
				written = append(written, n)
			}
		})
	}
	list, err := svc.Notes(ctx, ben, c.ID)
	if err != nil || len(list) != 3 {
		t.Fatalf("Notes as co-facilitator: %d notes, %v; want the 3 written", len(list), err)
	}
	_, err = svc.Notes(ctx, cleo, c.ID)
	wantCode(t, "Notes of a cohort not one's own", err, facilitator.CodeNotFound)

	clk.Advance(time.Hour)
	change := []struct {
		name string
		acct facilitator.Account
		id   string
		text string
		code string
	}{
		{"the author edits", ana, written[0].ID, "A calm, warm first session.", ""},
		{"a co-facilitator may not edit", ben, written[0].ID, "Mine now.", facilitator.CodeForbidden},
		{"a stranger does not find it", cleo, written[0].ID, "x", facilitator.CodeNotFound},
		{"an unknown note", ana, "nope", "x", facilitator.CodeNotFound},
		{"too long", ana, written[0].ID, strings.Repeat("a", facilitator.MaxNote+1), facilitator.CodeInvalid},
	}
	for _, tt := range change {
		t.Run("edit: "+tt.name, func(t *testing.T) {
			_, err := svc.EditNote(ctx, tt.acct, tt.id, tt.text)
			wantCode(t, tt.name, err, tt.code)
		})
	}
	got, err := svc.Store.Note(ctx, written[0].ID)
	if err != nil || got.Text != "A calm, warm first session." || !got.UpdatedAt.Equal(t0.Add(time.Hour)) {
		t.Errorf("after the edits: %+v, %v; want only the author's edit, stamped", got, err)
	}

	wantCode(t, "a co-facilitator deletes another's note", svc.DeleteNote(ctx, ana, written[1].ID), facilitator.CodeForbidden)
	wantCode(t, "a stranger deletes", svc.DeleteNote(ctx, cleo, written[1].ID), facilitator.CodeNotFound)
	wantCode(t, "the author deletes", svc.DeleteNote(ctx, ben, written[1].ID), "")
	wantCode(t, "deleted twice", svc.DeleteNote(ctx, ben, written[1].ID), facilitator.CodeNotFound)
	if list, _ := svc.Notes(ctx, ana, c.ID); len(list) != 2 {
		t.Errorf("after a delete %d notes, want 2", len(list))
	}
}

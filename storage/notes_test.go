package storage

import (
	"context"
	"reflect"
	"testing"
	"time"

	"hearth/facilitator"
)

func TestNotes(t *testing.T) {
	ctx := context.Background()
	db := newDB(t)
	// IDs sort in the order the notes were written, as UUIDv7s do.
	notes := []facilitator.Note{
		{ID: "n1", CohortID: "c1", SessionID: "s1", AuthorID: "a1", Text: "A calm first session.", CreatedAt: t0},
		{ID: "n2", CohortID: "c1", ParticipantID: "p1", AuthorID: "a2", Text: "Sam was quiet.", CreatedAt: t0.Add(time.Minute)},
		{ID: "n3", CohortID: "c2", SessionID: "s9", ParticipantID: "p9", AuthorID: "a1", Text: "Another cohort.", CreatedAt: t0.Add(2 * time.Minute)},
		{ID: "n4", CohortID: "c1", SessionID: "s1", ParticipantID: "p1", AuthorID: "a1", Text: "Sam left early.", CreatedAt: t0.Add(3 * time.Minute)},
	}
	for _, n := range notes {
		if err := db.PutNote(ctx, n); err != nil {
			t.Fatalf("PutNote(%s): %v", n.ID, err)
		}
	}
	cohort := func(tb testing.TB, id string, want ...string) {
		tb.Helper()
		got, err := db.CohortNotes(ctx, id)
		if err != nil {
			tb.Fatalf("CohortNotes(%s): %v", id, err)
		}
		if ids := ids(got, func(n facilitator.Note) string { return n.ID }); !reflect.DeepEqual(ids, want) {
			tb.Errorf("CohortNotes(%s): got %v, want %v", id, ids, want)
		}
	}
	cohort(t, "c1", "n1", "n2", "n4")
	cohort(t, "c2", "n3")
	cohort(t, "c", []string{}...) // a prefix of another cohort's ID holds nothing

	edited := notes[1]
	edited.Text, edited.UpdatedAt = "Sam was quiet, then spoke at the end.", t0.Add(time.Hour)
	if err := db.PutNote(ctx, edited); err != nil {
		t.Fatalf("PutNote(edited): %v", err)
	}
	if err := db.DeleteNote(ctx, "n1"); err != nil {
		t.Fatalf("DeleteNote(n1): %v", err)
	}
	wantNotFound(t, "DeleteNote(n1) again", db.DeleteNote(ctx, "n1"))

	db.reopen(t)
	t.Run("notes survive a reopen, edited and deleted as left", func(t *testing.T) {
		cohort(t, "c1", "n2", "n4")
		got, err := db.Note(ctx, "n2")
		if err != nil || !reflect.DeepEqual(got, edited) {
			t.Errorf("Note(n2): got %+v, %v; want %+v", got, err, edited)
		}
		_, err = db.Note(ctx, "n1")
		wantNotFound(t, "Note(n1) after delete", err)
	})
}

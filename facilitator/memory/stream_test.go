package memory

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// TestWriteJSONIsEncode holds WriteJSON to what encoding an export whole
// writes, byte for byte: for an export with notes and sessions (HTML in
// them, which both escape), for one with none, and for one whose lists are
// nil. A field added to ExportV1 or Overview fails it until WriteJSON
// writes it.
func TestWriteJSONIsEncode(t *testing.T) {
	for name, n := range map[string]int{"ExportV1": 9, "Overview": 6} {
		typ := reflect.TypeFor[ExportV1]()
		if name == "Overview" {
			typ = reflect.TypeFor[Overview]()
		}
		if typ.NumField() != n {
			t.Errorf("%s has %d fields, WriteJSON writes %d: write the new ones in their order", name, typ.NumField(), n)
		}
	}
	at := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	notes := []Note{
		{ID: "n1", SessionID: "s1", AuthorID: "a1", AuthorName: "Ana <a&b>", Text: "She said \"<stop>\" & left.\u2028", CreatedAt: at},
		{ID: "n2", ParticipantID: "p1", AuthorID: "a1", AuthorName: "Ana", Text: "Later.", CreatedAt: at, UpdatedAt: &at, Mine: true},
	}
	full := ExportV1{Format: FormatV1, ExportedAt: at, Privacy: privacyNote,
		Cohort:       CohortV1{ID: "c1", Name: "Tuesdays <group>", CreatedAt: at},
		Facilitators: []AccountV1{{ID: "a1", Email: "ana@example.org", Name: "Ana"}},
		Participants: []ParticipantV1{},
		Sessions:     []SessionV1{{ID: "s1", Title: "Week 1 & 2", StartsAt: at}, {ID: "s2", Title: "Week 3", StartsAt: at}},
		Notes:        notes,
		Overview: Overview{CohortID: "c1", Cohort: "Tuesdays <group>", Sessions: []OverviewSession{{ID: "s1", Title: "Week 1 & 2"}},
			Notes: notes, Intentions: []IntentionJourney{}},
	}
	empty := full
	empty.Sessions, empty.Notes, empty.Overview.Notes = []SessionV1{}, []Note{}, []Note{}
	for name, v := range map[string]ExportV1{"full": full, "empty": empty, "nil lists": {Format: FormatV1}} {
		var want, got bytes.Buffer
		if err := json.NewEncoder(&want).Encode(v); err != nil {
			t.Fatal(err)
		}
		if err := v.WriteJSON(&got); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got.String() != want.String() {
			t.Errorf("%s: WriteJSON wrote\n%s\nencoding it whole writes\n%s", name, got.String(), want.String())
		}
	}
}

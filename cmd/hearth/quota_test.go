package main

import (
	"testing"

	"hearth/facilitator"
)

// TestParseQuotas: --quotas sets the quotas it names and leaves the others
// at 0 (their defaults); anything it cannot read is refused.
func TestParseQuotas(t *testing.T) {
	got, err := parseQuotas(" cohorts=5000, participants = 40,templates=3,sessions=9,notes=10")
	want := facilitator.Quotas{CohortsPerAccount: 5000, ParticipantsPerCohort: 40, TemplatesPerAccount: 3, SessionsPerCohort: 9, NotesPerCohort: 10}
	if err != nil || got != want {
		t.Errorf("parseQuotas: got %+v, %v, want %+v", got, err, want)
	}
	if got, err := parseQuotas(""); err != nil || got != (facilitator.Quotas{}) {
		t.Errorf("parseQuotas(\"\"): got %+v, %v, want the defaults", got, err)
	}
	for _, bad := range []string{"rooms=3", "cohorts", "cohorts=0", "cohorts=-1", "notes=many"} {
		if _, err := parseQuotas(bad); err == nil {
			t.Errorf("parseQuotas(%q): no error", bad)
		}
	}
}

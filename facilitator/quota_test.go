package facilitator_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"hearth/facilitator"
)

// quotaCase is one quota: how to make one more of what it bounds, and how
// many there are.
type quotaCase struct {
	name  string
	limit func(q *facilitator.Quotas) *int
	// add makes the i-th thing of the scope.
	add   func(i int) error
	count func() int
	// words is what the refusal must say besides the limit.
	words string
}

func quotaCases(t *testing.T, svc *facilitator.Service) []quotaCase {
	t.Helper()
	ctx := context.Background()
	ana, robin := newAccount(t, svc, "Ana"), newAccount(t, svc, "Robin")
	c := newCohort(t, svc, ana, "Tuesday", "Be kind.")
	maya := newParticipant(t, svc, ana, c.ID, "Maya")
	counts := func() facilitator.CohortCounts {
		n, err := svc.Store.CohortCounts(ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	// robin co-facilitates a cohort of Ana's: it is not robin's to count.
	coFacilitate(t, svc, ana, c.ID, robin)
	return []quotaCase{
		{
			name:  "cohorts per account",
			limit: func(q *facilitator.Quotas) *int { return &q.CohortsPerAccount },
			add: func(i int) error {
				_, err := svc.CreateCohort(ctx, robin, facilitator.CohortInput{Name: ptr(fmt.Sprint("Group ", i))})
				return err
			},
			count: func() int {
				cs, err := svc.Cohorts(ctx, robin)
				if err != nil {
					t.Fatal(err)
				}
				return len(cs) - 1 // the one robin co-facilitates
			},
			words: "cohorts",
		},
		{
			name:  "participants per cohort",
			limit: func(q *facilitator.Quotas) *int { return &q.ParticipantsPerCohort },
			add: func(i int) error {
				_, err := svc.AddParticipant(ctx, ana, c.ID, fmt.Sprint("Person ", i))
				return err
			},
			count: func() int { return counts().Participants },
			words: "participants",
		},
		{
			name:  "sessions per cohort",
			limit: func(q *facilitator.Quotas) *int { return &q.SessionsPerCohort },
			add: func(i int) error {
				ss, err := facilitator.NewSession(c.ID, fmt.Sprint("Week ", i), t0.Add(time.Duration(i)*24*time.Hour), t0)
				if err != nil {
					return err
				}
				return svc.AddSession(ctx, ss)
			},
			count: func() int { return counts().Sessions },
			words: "sessions",
		},
		{
			name:  "notes per cohort",
			limit: func(q *facilitator.Quotas) *int { return &q.NotesPerCohort },
			add: func(i int) error {
				_, err := svc.AddNote(ctx, ana, c.ID, facilitator.NoteAbout{ParticipantID: maya.ID}, fmt.Sprint("Note ", i))
				return err
			},
			count: func() int { return counts().Notes },
			words: "notes",
		},
		{
			name:  "templates per account",
			limit: func(q *facilitator.Quotas) *int { return &q.TemplatesPerAccount },
			add: func(i int) error {
				tm, err := facilitator.NewTemplate(ana.ID, fmt.Sprint("Agenda ", i), json.RawMessage(`[]`), t0)
				if err != nil {
					return err
				}
				return svc.AddTemplate(ctx, tm)
			},
			count: func() int {
				ts, err := svc.Templates(ctx, ana)
				if err != nil {
					t.Fatal(err)
				}
				return len(ts)
			},
			words: "saved agendas",
		},
	}
}

// wantQuota fails unless err is a quota refusal that names the limit and
// what it counts.
func wantQuota(t *testing.T, err error, limit int, words string) {
	t.Helper()
	var fe *facilitator.Error
	if !errors.As(err, &fe) || fe.Code != facilitator.CodeQuota {
		t.Fatalf("one over the quota: got %v, want code %q", err, facilitator.CodeQuota)
	}
	if want := fmt.Sprintf("%d %s", limit, words); !strings.Contains(fe.Message, want) {
		t.Errorf("message %q does not name the limit (%q)", fe.Message, want)
	}
}

// TestQuotas fills each quota to its limit: the last one in is stored, the
// next is refused with a quota error naming the limit, and nothing changes.
func TestQuotas(t *testing.T) {
	const limit = 3
	svc, _ := newService(t)
	cases := quotaCases(t, svc)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			svc.Quotas = facilitator.Quotas{}
			*tc.limit(&svc.Quotas) = limit
			for i := tc.count(); i < limit; i++ {
				if err := tc.add(i); err != nil {
					t.Fatalf("number %d of %d: %v", i+1, limit, err)
				}
			}
			wantQuota(t, tc.add(limit), limit, tc.words)
			if n := tc.count(); n != limit {
				t.Errorf("after the refusal there are %d, want %d", n, limit)
			}
			// A higher quota lets the next one in.
			*tc.limit(&svc.Quotas) = limit + 1
			if err := tc.add(limit); err != nil {
				t.Errorf("with the quota raised: %v", err)
			}
		})
	}
}

// TestQuotaDefaults checks that a Service with no quotas set keeps
// DefaultQuotas, and that the defaults are the documented ones.
func TestQuotaDefaults(t *testing.T) {
	want := facilitator.Quotas{CohortsPerAccount: 200, ParticipantsPerCohort: 100, SessionsPerCohort: 500,
		NotesPerCohort: 5000, TemplatesPerAccount: 100}
	if facilitator.DefaultQuotas != want {
		t.Errorf("DefaultQuotas = %+v, want %+v (docs/protocol.md)", facilitator.DefaultQuotas, want)
	}
	svc, _ := newService(t)
	for _, tc := range quotaCases(t, svc) {
		if tc.name != "participants per cohort" && tc.name != "templates per account" {
			continue // the others take too many commits to fill here
		}
		t.Run(tc.name, func(t *testing.T) {
			limit := *tc.limit(&want)
			for i := tc.count(); i < limit; i++ {
				if err := tc.add(i); err != nil {
					t.Fatalf("number %d of %d: %v", i+1, limit, err)
				}
			}
			wantQuota(t, tc.add(limit), limit, tc.words)
			if n := tc.count(); n != limit {
				t.Errorf("after the refusal there are %d, want %d", n, limit)
			}
		})
	}
}

// TestQuotaRace adds many at once to a scope with room for a few: exactly
// as many as the quota allows get in.
func TestQuotaRace(t *testing.T) {
	const limit, tries = 3, 12
	svc, _ := newService(t)
	for _, tc := range quotaCases(t, svc) {
		t.Run(tc.name, func(t *testing.T) {
			svc.Quotas = facilitator.Quotas{}
			*tc.limit(&svc.Quotas) = tc.count() + limit
			var (
				wg      sync.WaitGroup
				mu      sync.Mutex
				in, out int
			)
			before := tc.count()
			for i := range tries {
				wg.Add(1)
				go func() {
					defer wg.Done()
					err := tc.add(100 + i)
					mu.Lock()
					defer mu.Unlock()
					var fe *facilitator.Error
					switch {
					case err == nil:
						in++
					case errors.As(err, &fe) && fe.Code == facilitator.CodeQuota:
						out++
					default:
						t.Errorf("add: %v", err)
					}
				}()
			}
			wg.Wait()
			if in != limit || out != tries-limit {
				t.Errorf("%d stored and %d refused, want %d and %d", in, out, limit, tries-limit)
			}
			if n := tc.count(); n != before+limit {
				t.Errorf("%d now, want %d", n, before+limit)
			}
		})
	}
}

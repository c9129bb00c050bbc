package facilitator

import (
	"testing"
	"time"
)

func TestDeleteOn(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	day := 24 * time.Hour
	for _, tc := range []struct {
		name     string
		days     int
		sessions []Session
		want     time.Time // zero: kept
	}{
		{"kept until deleted", 0, []Session{{Status: Closed, ClosedAt: t0}}, time.Time{}},
		{"no session: from its creation", 7, nil, t0.Add(7 * day)},
		{"from the last close", 10, []Session{{Status: Closed, StartsAt: t0, ClosedAt: t0.Add(day)}, {Status: Closed, StartsAt: t0.Add(2 * day), ClosedAt: t0.Add(3 * day)}}, t0.Add(13 * day)},
		{"a planned session pushes it on", 7, []Session{{Status: Closed, ClosedAt: t0.Add(day)}, {Status: Planned, StartsAt: t0.Add(20 * day)}}, t0.Add(27 * day)},
		{"never while live", 7, []Session{{Status: Live, StartsAt: t0}}, time.Time{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := DeleteOn(Cohort{CreatedAt: t0, RetentionDays: tc.days}, tc.sessions)
			if ok != !tc.want.IsZero() || !got.Equal(tc.want) {
				t.Errorf("DeleteOn: %v %v, want %v", got, ok, tc.want)
			}
		})
	}
	for _, days := range []int{1, 6, MaxRetentionDays + 1, -7} {
		if err := checkRetention(days); err == nil {
			t.Errorf("retention of %d days is taken", days)
		}
	}
	for _, days := range []int{0, 7, 365} {
		if err := checkRetention(days); err != nil {
			t.Errorf("retention of %d days: %v", days, err)
		}
	}
}

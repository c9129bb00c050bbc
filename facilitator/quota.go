package facilitator

import (
	"context"
	"hash/fnv"
	"sync"
)

// CodeQuota refuses a creation that would take an account or a cohort past
// one of its quotas. Nothing changed; trying again changes nothing either
// until something is deleted (or the operator raises the quota).
const CodeQuota = "quota"

// Quotas bound how much one account keeps, so that one account (or whoever
// has its password) cannot fill the server's disk, and so that a cohort's
// overview and exports stay bounded in time and size. A field at 0 takes
// its default from DefaultQuotas.
type Quotas struct {
	// CohortsPerAccount counts the cohorts an account owns (made), not
	// those it co-facilitates.
	CohortsPerAccount     int
	ParticipantsPerCohort int
	SessionsPerCohort     int
	NotesPerCohort        int
	TemplatesPerAccount   int
}

// DefaultQuotas are far above what a group needs (a group of a dozen
// meeting weekly for years) and low enough that the largest cohort they
// allow is still read whole in about a second (docs/benchmarks.md).
var DefaultQuotas = Quotas{
	CohortsPerAccount:     200,
	ParticipantsPerCohort: 100,
	SessionsPerCohort:     500,
	NotesPerCohort:        5000,
	TemplatesPerAccount:   100,
}

// CohortCounts is how many of each thing a quota bounds a cohort holds.
type CohortCounts struct {
	Participants int
	Sessions     int
	Notes        int
}

// QuotaStore counts what the quotas bound. It is part of Store.
type QuotaStore interface {
	// CohortCounts returns how many participants, sessions and notes the
	// cohort has (all zero for a cohort that does not exist).
	CohortCounts(ctx context.Context, cohortID string) (CohortCounts, error)
}

// quotas returns s.Quotas with each unset field at its default.
func (s *Service) quotas() Quotas {
	q, d := s.Quotas, DefaultQuotas
	for _, f := range []struct {
		v *int
		d int
	}{
		{&q.CohortsPerAccount, d.CohortsPerAccount},
		{&q.ParticipantsPerCohort, d.ParticipantsPerCohort},
		{&q.SessionsPerCohort, d.SessionsPerCohort},
		{&q.NotesPerCohort, d.NotesPerCohort},
		{&q.TemplatesPerAccount, d.TemplatesPerAccount},
	} {
		if *f.v <= 0 {
			*f.v = f.d
		}
	}
	return q
}

// quotaLocks serialise the creations counted against one quota, so two
// creations at once cannot both see room for one more. They are striped by
// the quota's scope: a creation waits at most for a few others, each one
// commit long.
type quotaLocks [32]sync.Mutex

func (l *quotaLocks) lock(scope string) (unlock func()) {
	h := fnv.New32a()
	h.Write([]byte(scope))
	mu := &l[h.Sum32()%uint32(len(l))]
	mu.Lock()
	return mu.Unlock
}

// withinQuota stores something new with put unless count says its scope
// holds limit of them already; then it returns a CodeQuota error with
// message, which names the limit. Creations of one scope go through it one
// at a time.
func (s *Service) withinQuota(scope string, limit int, message string, count func() (int, error), put func() error) error {
	defer s.quotaLocks.lock(scope)()
	n, err := count()
	if err != nil {
		return err
	}
	if n >= limit {
		return errorf(CodeQuota, message, limit)
	}
	return put()
}

func (s *Service) cohortCount(ctx context.Context, cohortID string, which func(CohortCounts) int) func() (int, error) {
	return func() (int, error) {
		c, err := s.Store.CohortCounts(ctx, cohortID)
		return which(c), err
	}
}

// putCohort stores a new cohort of acct within their cohort quota.
func (s *Service) putCohort(ctx context.Context, acct Account, c Cohort) error {
	return s.withinQuota("cohorts\x00"+acct.ID, s.quotas().CohortsPerAccount,
		"You have %d cohorts, the most one account can have.",
		func() (int, error) {
			cs, err := s.Store.CohortsOf(ctx, acct.ID)
			n := 0
			for _, c := range cs {
				if c.OwnerID() == acct.ID {
					n++
				}
			}
			return n, err
		},
		func() error { return s.Store.PutCohort(ctx, c) })
}

// putParticipant stores a new participant within their cohort's quota.
func (s *Service) putParticipant(ctx context.Context, p Participant) error {
	return s.withinQuota("participants\x00"+p.CohortID, s.quotas().ParticipantsPerCohort,
		"This cohort has %d participants, the most a cohort can have. Remove someone before adding another.",
		s.cohortCount(ctx, p.CohortID, func(c CohortCounts) int { return c.Participants }),
		func() error { return s.Store.PutParticipant(ctx, p) })
}

// putNote stores a new note within its cohort's quota.
func (s *Service) putNote(ctx context.Context, n Note) error {
	return s.withinQuota("notes\x00"+n.CohortID, s.quotas().NotesPerCohort,
		"This cohort has %d notes, the most a cohort can keep. Delete some before writing another.",
		s.cohortCount(ctx, n.CohortID, func(c CohortCounts) int { return c.Notes }),
		func() error { return s.Store.PutNote(ctx, n) })
}

// AddSession stores a new session made by NewSession, unless its cohort
// has SessionsPerCohort sessions already: then it returns a CodeQuota
// error and stores nothing. The session service (facilitator/session)
// plans sessions through it.
func (s *Service) AddSession(ctx context.Context, ss Session) error {
	return s.withinQuota("sessions\x00"+ss.CohortID, s.quotas().SessionsPerCohort,
		"This cohort has %d sessions, the most a cohort can have.",
		s.cohortCount(ctx, ss.CohortID, func(c CohortCounts) int { return c.Sessions }),
		func() error { return s.Store.PutSession(ctx, ss) })
}

// AddTemplate stores a new template made by NewTemplate, unless its account
// has TemplatesPerAccount templates already: then it returns a CodeQuota
// error and stores nothing. The session service saves templates through
// it.
func (s *Service) AddTemplate(ctx context.Context, t Template) error {
	return s.withinQuota("templates\x00"+t.AccountID, s.quotas().TemplatesPerAccount,
		"You have %d saved agendas, the most one account can keep. Delete one before saving another.",
		func() (int, error) {
			ts, err := s.Store.Templates(ctx, t.AccountID)
			return len(ts), err
		},
		func() error { return s.Store.PutTemplate(ctx, t) })
}

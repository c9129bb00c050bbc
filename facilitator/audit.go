package facilitator

import (
	"context"
	"errors"
	"strings"
	"time"
)

// The audit: who read or exported a cohort's memory, who changed who may
// reach it, and who logged in or failed to. It is kept apart from what it
// audits (its own buckets), so deleting a cohort leaves its entries and the
// record that it was deleted. An entry holds IDs, never what a participant
// wrote nor their name: it must be safe to keep after the words are gone.

// Actions an AuditEntry records. What Target holds is said with each.
const (
	AuditLogin       = "login"        // no target
	AuditLoginFailed = "login.failed" // Actor is the email tried, when it reads as one

	AuditSummaryViewed  = "summary.viewed"  // SessionID
	AuditOverviewViewed = "overview.viewed" // no target
	AuditExported       = "exported"        // Target: the format, "json" or "markdown"

	AuditParticipantRemoved = "participant.removed" // Target: participant ID; their link stops working
	AuditParticipantErased  = "participant.erased"  // Target: participant ID; their words deleted
	AuditInviteReissued     = "invite.reissued"     // Target: participant ID; the old link stops working
	AuditInviteRevoked      = "invite.revoked"      // Target: participant ID
	AuditRoomRemoved        = "room.removed"        // SessionID, Target: participant ID sent out of the live session

	AuditCoFacilitatorInvited  = "cofacilitator.invited"  // Target: the email invited
	AuditInvitationWithdrawn   = "invitation.withdrawn"   // Target: the email whose invitation was withdrawn
	AuditCoFacilitatorJoined   = "cofacilitator.joined"   // the actor accepted an invitation
	AuditCoFacilitatorDeclined = "cofacilitator.declined" // the actor declined an invitation
	AuditCoFacilitatorRemoved  = "cofacilitator.removed"  // Target: the account ID removed
	AuditCoFacilitatorLeft     = "cofacilitator.left"     // the actor left the cohort

	AuditCohortDeleted  = "cohort.deleted"  // CohortName: its name, the only words kept
	AuditSessionDeleted = "session.deleted" // SessionID
	AuditAccountDeleted = "account.deleted" // Target: the account ID

	// The operator's own acts on an account, from the command line.
	AuditPasswordReset   = "account.password-reset" // Target: the account ID
	AuditAccountDisabled = "account.disabled"       // Target: the account ID
	AuditAccountEnabled  = "account.enabled"        // Target: the account ID
)

// Actors that are not an account.
const (
	// AuditOperator is whoever runs the server's command line.
	AuditOperator = "operator"
	// AuditServer is the server acting on its own (retention, say).
	AuditServer = "hearth"
)

// AuditEntry is one line of the audit.
type AuditEntry struct {
	// ID is set by the store: entries sort by it in the order they were
	// appended. It is the cursor of CohortAudit's paging.
	ID string    `json:"id"`
	At time.Time `json:"at"`
	// ActorID is the account that acted; "" for AuditOperator, AuditServer
	// or a failed login.
	ActorID string `json:"actorId,omitempty"`
	// Actor is the account's email at the time (so it reads the same after
	// the account changes or goes), AuditOperator, AuditServer, or for a
	// failed login the email tried.
	Actor    string `json:"actor"`
	Action   string `json:"action"`
	CohortID string `json:"cohortId,omitempty"`
	// CohortName is set on AuditCohortDeleted only, so the entry still
	// says which group it was.
	CohortName string `json:"cohortName,omitempty"`
	SessionID  string `json:"sessionId,omitempty"`
	// Target is an ID (or, for an invitation, an email): never a name or a
	// text a participant wrote.
	Target string `json:"target,omitempty"`
	// Addr is the client's address as the web layer resolves it (honouring
	// trusted proxies); "" from the command line.
	Addr string `json:"addr,omitempty"`
}

// AuditBy returns an entry of action with acct as its actor.
func AuditBy(acct Account, action string) AuditEntry {
	return AuditEntry{ActorID: acct.ID, Actor: acct.Email, Action: action}
}

// AuditStore keeps the audit. It is part of Store.
type AuditStore interface {
	// AppendAudit adds e after every entry before it, sets its ID and
	// returns it. It drops the oldest entries beyond the store's bounds.
	AppendAudit(ctx context.Context, e AuditEntry) (AuditEntry, error)
	// CohortAudit returns at most limit entries of the cohort, newest
	// first, from the one just older than the entry with ID before ("":
	// from the newest). An unknown before is ErrNotFound.
	CohortAudit(ctx context.Context, cohortID, before string, limit int) ([]AuditEntry, error)
	// EachAudit calls fn with every entry at or after since, oldest first,
	// until fn returns an error, which it returns.
	EachAudit(ctx context.Context, since time.Time, fn func(AuditEntry) error) error
}

// Paging of a cohort's audit.
const (
	DefaultAuditPage = 50
	MaxAuditPage     = 200
)

// Audit records e, at the service's clock's time when e.At is zero. An
// entry needs an action and an actor. Whatever the caller does that is
// audited has either happened (record after it) or is about to be shown
// (record before, and show nothing when the record fails): an action that
// cannot be recorded is not done quietly.
func (s *Service) Audit(ctx context.Context, e AuditEntry) error {
	if e.Action == "" || e.Actor == "" {
		return errors.New("audit: an entry needs an action and an actor")
	}
	if e.At.IsZero() {
		e.At = s.now()
	}
	e.At = e.At.UTC()
	e.ID = ""
	_, err := s.Store.AppendAudit(ctx, e)
	return err
}

// CohortAudit returns a page of the audit of a cohort acct facilitates,
// newest first, older than the entry before ("" from the newest); limit
// is clamped to 1..MaxAuditPage, DefaultAuditPage when 0. next is the
// cursor of the following page, "" at the end. Not found for anyone who
// does not facilitate the cohort, as the cohort itself.
func (s *Service) CohortAudit(ctx context.Context, acct Account, cohortID, before string, limit int) (entries []AuditEntry, next string, err error) {
	if _, err := s.Cohort(ctx, acct, cohortID); err != nil {
		return nil, "", err
	}
	switch {
	case limit <= 0:
		limit = DefaultAuditPage
	case limit > MaxAuditPage:
		limit = MaxAuditPage
	}
	// One more than asked tells whether there is a next page.
	got, err := s.Store.CohortAudit(ctx, cohortID, before, limit+1)
	if errors.Is(err, ErrNotFound) {
		return nil, "", errorf(CodeInvalid, "No such place in the audit to read on from.")
	}
	if err != nil {
		return nil, "", err
	}
	if len(got) > limit {
		got = got[:limit]
		next = got[limit-1].ID
	}
	return got, next, nil
}

// FailedLoginActor is what a failed login's entry names as its actor: the
// email tried when it reads as an email address, else nothing of it, since
// a person who typed their password in the email field must not find it in
// the audit.
func FailedLoginActor(email string) string {
	e, err := normalEmail(email)
	if err != nil || strings.ContainsAny(e, " \t") {
		return "(not an email address)"
	}
	return e
}

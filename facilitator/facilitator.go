// Package facilitator is Hearth's back office: facilitator accounts and their
// logins, cohorts with their rosters and invite links, and planned sessions.
// It decides who may see and change what; storage keeps it.
package facilitator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Account is a facilitator's account.
type Account struct {
	ID           string    `json:"id"`
	Email        string    `json:"email"` // lower case, unique
	Name         string    `json:"name"`
	PasswordHash string    `json:"passwordHash"`
	CreatedAt    time.Time `json:"createdAt"`
	// Disabled is set by the operator: the account cannot log in, and
	// every login it had has ended.
	Disabled bool `json:"disabled,omitempty"`
}

// Login is a logged-in browser. Only the hash of its token is kept.
type Login struct {
	TokenHash string    `json:"tokenHash"`
	AccountID string    `json:"accountId"`
	CreatedAt time.Time `json:"createdAt"`
	ExpiresAt time.Time `json:"expiresAt"`
	// LastSeen is when the login was last used, to the minute; a login
	// stored before it was kept reads it as zero, and counts from
	// CreatedAt.
	LastSeen time.Time `json:"lastSeen,omitzero"`
}

// Cohort is a group that meets over several sessions.
type Cohort struct {
	ID                string    `json:"id"`
	Name              string    `json:"name"`
	Description       string    `json:"description"`
	Agreements        string    `json:"agreements"`
	AgreementsVersion int       `json:"agreementsVersion"`
	VideoURL          string    `json:"videoUrl"`
	Archived          bool      `json:"archived"`
	Facilitators      []string  `json:"facilitators"` // account IDs
	CreatedAt         time.Time `json:"createdAt"`
	// ClosingText is what the participants' end page says after a session
	// (a support line, what to do after); CrisisText the cohort's own
	// support lines, shown beside the operator's. Cohorts stored before
	// they existed read them as "".
	ClosingText string `json:"closingText,omitempty"`
	CrisisText  string `json:"crisisText,omitempty"`
	// AdmitOnArrival is the door's setting when a room of the cohort opens:
	// participants wait to be admitted.
	AdmitOnArrival bool `json:"admitOnArrival,omitempty"`
	// Owner is the account that made the cohort, which alone adds and
	// removes co-facilitators. Cohorts stored before owners read it as ""
	// and are owned by their first facilitator (OwnerID).
	Owner string `json:"owner,omitempty"`
	// Invited are the co-facilitators the owner added by email who have
	// not answered yet, oldest first, one per email.
	Invited []Invitation `json:"invited,omitempty"`
	// InviteDays is how many days a participant's link works after it was
	// issued or last reissued; 0 is for ever. Nil (cohorts stored before
	// it) is DefaultInviteDays: read it with InviteLife.
	InviteDays *int `json:"inviteDays,omitempty"`
	// RetentionDays, when not 0, has the server delete the cohort that many
	// days after its last session (DeleteOn); 0 keeps it until deleted.
	RetentionDays int `json:"retentionDays,omitempty"`
}

// Invitation is an email the owner of a cohort added as co-facilitator. It
// waits on the email, whether or not an account has it: whoever logs in
// with that email sees it and accepts or declines it.
type Invitation struct {
	Email string    `json:"email"`
	By    string    `json:"by"` // the inviting account's ID
	At    time.Time `json:"at"`
}

// OwnerID returns the ID of the account that owns the cohort.
func (c *Cohort) OwnerID() string {
	if c.Owner != "" {
		return c.Owner
	}
	if len(c.Facilitators) > 0 {
		return c.Facilitators[0]
	}
	return ""
}

// Invitation returns the cohort's invitation of the email, and whether there
// is one.
func (c *Cohort) Invitation(email string) (Invitation, bool) {
	for _, in := range c.Invited {
		if in.Email == email {
			return in, true
		}
	}
	return Invitation{}, false
}

// Facilitates reports whether the account is one of the cohort's facilitators.
func (c *Cohort) Facilitates(accountID string) bool {
	for _, id := range c.Facilitators {
		if id == accountID {
			return true
		}
	}
	return false
}

// Acceptance records that a participant accepted a version of the agreements.
type Acceptance struct {
	Version int       `json:"version"`
	At      time.Time `json:"at"`
}

// Participant is a member of a cohort's group. They have no account: their
// invite link is their key. The link's token is derived from InviteNonce with
// the server's invite key; only its hash is stored, for lookup.
type Participant struct {
	ID          string       `json:"id"`
	CohortID    string       `json:"cohortId"`
	Name        string       `json:"name"`
	InviteNonce string       `json:"inviteNonce"`
	TokenHash   string       `json:"tokenHash"`
	Acceptances []Acceptance `json:"acceptances"`
	CreatedAt   time.Time    `json:"createdAt"`
	// InviteIssuedAt is when the current link was issued; its cohort's
	// InviteDays count from it. A participant stored before it reads it as
	// zero, and their link counts from CreatedAt.
	InviteIssuedAt time.Time `json:"inviteIssuedAt,omitzero"`
}

// Accepted returns when the participant accepted the given agreements
// version, and whether they did.
func (p *Participant) Accepted(version int) (time.Time, bool) {
	for _, a := range p.Acceptances {
		if a.Version == version {
			return a.At, true
		}
	}
	return time.Time{}, false
}

// SessionStatus is where a session is in its life.
type SessionStatus string

const (
	Planned SessionStatus = "planned"
	Live    SessionStatus = "live"
	Closed  SessionStatus = "closed"
)

// Session is one planned meeting of a cohort.
type Session struct {
	ID        string    `json:"id"`
	CohortID  string    `json:"cohortId"`
	Title     string    `json:"title"`
	StartsAt  time.Time `json:"startsAt"`
	CreatedAt time.Time `json:"createdAt"`
	// Status, OpenedAt and ClosedAt are the session's life, and its room is
	// their one source: a session is Planned until its room was opened,
	// Live while the room is open, Closed after, and the times are the
	// room's. The Store fills them from the room's record whenever it reads
	// a session, and never stores them with the session.
	Status   SessionStatus `json:"status"`
	OpenedAt time.Time     `json:"openedAt,omitzero"`
	ClosedAt time.Time     `json:"closedAt,omitzero"`
	// Agenda is the planned agenda, as the room package encodes it. The back
	// office keeps it without reading it: the rules of activities are the
	// room's, and the session service (facilitator/session) checks an agenda
	// with them before it stores it.
	Agenda json.RawMessage `json:"agenda,omitempty"`
}

// Template is a facilitator's own saved agenda. Items is opaque here, as
// Session.Agenda is.
type Template struct {
	ID        string          `json:"id"`
	AccountID string          `json:"accountId"`
	Name      string          `json:"name"`
	Items     json.RawMessage `json:"items"`
	CreatedAt time.Time       `json:"createdAt"`
}

// Store persists the back office. Getters return ErrNotFound when there is
// nothing with that key.
//
// The Update methods read a record, let fn change it and write it back in
// one transaction, so two changes of one record never undo each other: a
// change that comes second sees the first. They return the record as
// written, ErrNotFound when there is none, or fn's error as it is, in which
// case nothing was written. fn must not change the record's ID (nor a
// participant's or a session's cohort), and must not call the Store: it runs
// inside the write transaction.
type Store interface {
	CountAccounts(ctx context.Context) (int, error)
	// CreateAccount fails with ErrEmailTaken when the email is in use.
	CreateAccount(ctx context.Context, a Account) error
	Account(ctx context.Context, id string) (Account, error)
	AccountByEmail(ctx context.Context, email string) (Account, error)

	// UpdateAccount must not change the account's ID or email.
	UpdateAccount(ctx context.Context, id string, fn func(*Account) error) (Account, error)

	PutLogin(ctx context.Context, l Login) error
	Login(ctx context.Context, tokenHash string) (Login, error)
	DeleteLogin(ctx context.Context, tokenHash string) error
	// TouchLogin sets the login's LastSeen; ErrNotFound when it has ended.
	TouchLogin(ctx context.Context, tokenHash string, at time.Time) error
	// DeleteLoginsOf ends every login of the account except the one whose
	// token hash is keep ("" keeps none), and returns the token hashes of
	// those it ended.
	DeleteLoginsOf(ctx context.Context, accountID, keep string) ([]string, error)

	PutCohort(ctx context.Context, c Cohort) error
	UpdateCohort(ctx context.Context, id string, fn func(*Cohort) error) (Cohort, error)
	Cohort(ctx context.Context, id string) (Cohort, error)
	// CohortsOf returns the cohorts the account facilitates.
	CohortsOf(ctx context.Context, accountID string) ([]Cohort, error)
	// CohortsInviting returns the cohorts with an invitation of the
	// (lower-case) email.
	CohortsInviting(ctx context.Context, email string) ([]Cohort, error)

	// PutParticipant saves p and points p.TokenHash at it; a previous token
	// hash of p stops resolving in the same commit.
	PutParticipant(ctx context.Context, p Participant) error
	// UpdateParticipant repoints the token index as PutParticipant does.
	UpdateParticipant(ctx context.Context, id string, fn func(*Participant) error) (Participant, error)
	Participant(ctx context.Context, id string) (Participant, error)
	ParticipantByToken(ctx context.Context, tokenHash string) (Participant, error)
	// Participants returns a cohort's participants, oldest first.
	Participants(ctx context.Context, cohortID string) ([]Participant, error)
	DeleteParticipant(ctx context.Context, id string) error

	// PutSession stores a new session. Its Status, OpenedAt and ClosedAt
	// are not stored: they are its room's.
	PutSession(ctx context.Context, s Session) error
	// UpdateSession hands fn the session with its life as its room's record
	// says in the same transaction, so fn may refuse a change to a session
	// whose room has opened. What fn sets of the session's life is not
	// stored.
	UpdateSession(ctx context.Context, id string, fn func(*Session) error) (Session, error)
	// Session and Sessions fill each session's Status, OpenedAt and
	// ClosedAt from its room's record, read in the same transaction.
	Session(ctx context.Context, id string) (Session, error)
	// Sessions returns a cohort's sessions, by start time.
	Sessions(ctx context.Context, cohortID string) ([]Session, error)

	PutTemplate(ctx context.Context, t Template) error
	// Templates returns the account's templates, oldest first.
	Templates(ctx context.Context, accountID string) ([]Template, error)
	DeleteTemplate(ctx context.Context, id string) error
	Template(ctx context.Context, id string) (Template, error)

	NoteStore
	AuditStore
	EraseStore
	QuotaStore
}

// Sentinel errors a Store returns.
var (
	ErrNotFound   = errors.New("not found")
	ErrEmailTaken = errors.New("email taken")
)

// Error codes, for the web layer to map to statuses.
const (
	CodeInvalid      = "invalid"
	CodeUnauthorized = "unauthorized"
	CodeNotFound     = "not_found"
	CodeConflict     = "conflict"
	// CodeNotOpened: a session whose room never opened has nothing to
	// summarise yet.
	CodeNotOpened = "not_opened"
	// CodeAgreements: the participant has not accepted the cohort's
	// current agreements.
	CodeAgreements = "agreements"
	// CodeTooMany: slow down and try again in a moment.
	CodeTooMany = "too_many"
)

// ErrAgreements refuses a participant who has not accepted the cohort's
// current agreements what needs them (the room, their history).
var ErrAgreements = &Error{Code: CodeAgreements, Message: "Please read and accept the group agreements first."}

// Error is a refusal a person can read. Nothing changed.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// notFound hides whether a thing exists from someone who may not see it.
func notFound(what string) *Error {
	return errorf(CodeNotFound, "No such %s.", what)
}

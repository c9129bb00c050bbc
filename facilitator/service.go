package facilitator

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/mail"
	"net/url"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Limits on back-office fields, in characters.
const (
	MaxName        = 100
	MaxPersonName  = 60
	MaxDescription = 2000
	MaxAgreements  = 5000
	MaxURL         = 500
	MaxClosingText = 2000
	MaxCrisisText  = 2000
	MinPassword    = 10
	MaxPassword    = 256
)

// DefaultLoginTTL is how long a login lasts at most, however much it is used.
const DefaultLoginTTL = 14 * 24 * time.Hour

// DefaultLoginIdle is how long a login lasts unused.
const DefaultLoginIdle = 12 * time.Hour

// Service applies the back office's rules on top of a Store. A change that
// reads a record and writes it back does both in one of the Store's Update
// transactions, so two changes never interleave and undo each other (an
// acceptance written back over a reissue would revive the revoked link).
//
// A session's life (planning it, its agenda, opening and closing its room)
// is the session service's, in facilitator/session: it needs the room's
// rules. Service only reads sessions, for whoever may see them.
type Service struct {
	Store Store
	// InviteKey derives invite tokens; at least 32 random bytes, kept apart
	// from the database so a copy of the database alone opens no room.
	InviteKey []byte
	Now       func() time.Time
	// LoginTTL is how long a login lasts at most (DefaultLoginTTL when 0);
	// LoginIdle how long it lasts unused (DefaultLoginIdle when 0).
	LoginTTL  time.Duration
	LoginIdle time.Duration
	// Quotas bound what one account and one cohort keep (DefaultQuotas
	// where a field is 0).
	Quotas Quotas

	quotaLocks quotaLocks
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now().UTC()
	}
	return time.Now().UTC()
}

// HashToken returns the stored form of a secret token.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// NewToken returns a new random secret of 32 bytes, URL-safe.
func NewToken() string {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		panic("facilitator: no randomness: " + err.Error()) // the OS has failed us
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

// InviteToken returns the token of the participant's current invite link.
func (s *Service) InviteToken(p Participant) string {
	mac := hmac.New(sha256.New, s.InviteKey)
	mac.Write([]byte(p.ID + "\x00" + p.InviteNonce))
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func checkLen(field, v string, min, max int) error {
	n := utf8.RuneCountInString(v)
	if n < min {
		if min == 1 {
			return errorf(CodeInvalid, "%s is required.", field)
		}
		return errorf(CodeInvalid, "%s needs at least %d characters.", field, min)
	}
	if n > max {
		return errorf(CodeInvalid, "%s is longer than %d characters.", field, max)
	}
	return nil
}

func normalEmail(email string) (string, error) {
	email = strings.ToLower(strings.TrimSpace(email))
	a, err := mail.ParseAddress(email)
	if err != nil || a.Address != email || len(email) > 254 {
		return "", errorf(CodeInvalid, "Enter a valid email address.")
	}
	return email, nil
}

// SetupNeeded reports whether no facilitator account exists yet.
func (s *Service) SetupNeeded(ctx context.Context) (bool, error) {
	n, err := s.Store.CountAccounts(ctx)
	return n == 0, err
}

// CreateAccount makes a facilitator account.
func (s *Service) CreateAccount(ctx context.Context, email, name, password string) (Account, error) {
	email, err := normalEmail(email)
	if err != nil {
		return Account{}, err
	}
	name = cleanLine(name)
	if err := checkLen("Name", name, 1, MaxPersonName); err != nil {
		return Account{}, err
	}
	if err := CheckNewPassword(password); err != nil {
		return Account{}, err
	}
	hash, err := HashPassword(password)
	if err != nil {
		return Account{}, err
	}
	a := Account{ID: newID(), Email: email, Name: name, PasswordHash: hash, CreatedAt: s.now()}
	if err := s.Store.CreateAccount(ctx, a); err != nil {
		if errors.Is(err, ErrEmailTaken) {
			return Account{}, errorf(CodeConflict, "An account with this email exists.")
		}
		return Account{}, err
	}
	return a, nil
}

// dummyHash is checked against when no account has the email, so a wrong
// email takes as long as a wrong password.
var dummyHash, _ = HashPassword("hearth-no-such-account")

// Authenticate returns the account for email and password. While every hash
// slot is taken (HashSlots), it refuses at once with ErrBusy.
func (s *Service) Authenticate(ctx context.Context, email, password string) (Account, error) {
	bad := errorf(CodeUnauthorized, "The email or password is not right.")
	email = strings.ToLower(strings.TrimSpace(email))
	if len(password) > MaxPassword*4 {
		return Account{}, bad
	}
	// A slot before anything else: a login that cannot hash now is
	// refused at once, whether or not the email has an account.
	release, ok := tryHashing()
	if !ok {
		return Account{}, ErrBusy
	}
	defer release()
	a, err := s.Store.AccountByEmail(ctx, email)
	if errors.Is(err, ErrNotFound) {
		checkPassword(dummyHash, password)
		return Account{}, bad
	}
	if err != nil {
		return Account{}, err
	}
	if !checkPassword(a.PasswordHash, password) {
		return Account{}, bad
	}
	// Said only to whoever knows the password, so it tells no one else
	// that the account exists.
	if a.Disabled {
		return Account{}, errDisabled
	}
	return a, nil
}

// EndLogin ends a login.
func (s *Service) EndLogin(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	return s.Store.DeleteLogin(ctx, HashToken(token))
}

// CohortInput is what a facilitator may set on a cohort. Nil fields are left
// as they are.
type CohortInput struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
	Agreements  *string `json:"agreements"`
	VideoURL    *string `json:"videoUrl"`
	Archived    *bool   `json:"archived"`
	ClosingText *string `json:"closingText"`
	CrisisText  *string `json:"crisisText"`
	// AdmitOnArrival applies to the rooms opened after the change; a live
	// room's door is changed in the room.
	AdmitOnArrival *bool `json:"admitOnArrival"`
	// InviteDays, 0 to MaxInviteDays (0: links never expire), applies to
	// every link of the cohort at once, counted from when it was issued.
	InviteDays *int `json:"inviteDays"`
	// RetentionDays is 0 (keep until deleted) or MinRetentionDays to
	// MaxRetentionDays.
	RetentionDays *int `json:"retentionDays"`
}

func (in CohortInput) applyTo(c *Cohort) error {
	if in.Name != nil {
		name := cleanLine(*in.Name)
		if err := checkLen("Name", name, 1, MaxName); err != nil {
			return err
		}
		c.Name = name
	}
	if in.Description != nil {
		d := cleanText(*in.Description)
		if err := checkLen("Description", d, 0, MaxDescription); err != nil {
			return err
		}
		c.Description = d
	}
	if in.Agreements != nil {
		a := cleanText(*in.Agreements)
		if err := checkLen("Agreements", a, 0, MaxAgreements); err != nil {
			return err
		}
		if a != c.Agreements {
			c.Agreements = a
			c.AgreementsVersion++
		}
	}
	if in.VideoURL != nil {
		v := strings.TrimSpace(*in.VideoURL)
		if v != "" {
			u, err := url.Parse(v)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || len(v) > MaxURL {
				return errorf(CodeInvalid, "The video-call link must be an http or https address.")
			}
		}
		c.VideoURL = v
	}
	if in.Archived != nil {
		c.Archived = *in.Archived
	}
	if in.ClosingText != nil {
		t := cleanText(*in.ClosingText)
		if err := checkLen("The closing text", t, 0, MaxClosingText); err != nil {
			return err
		}
		c.ClosingText = t
	}
	if in.CrisisText != nil {
		t := cleanText(*in.CrisisText)
		if err := checkLen("The support lines", t, 0, MaxCrisisText); err != nil {
			return err
		}
		c.CrisisText = t
	}
	if in.AdmitOnArrival != nil {
		c.AdmitOnArrival = *in.AdmitOnArrival
	}
	if in.InviteDays != nil {
		d := *in.InviteDays
		if d < 0 || d > MaxInviteDays {
			return errorf(CodeInvalid, "Links last 1 to %d days, or 0 for never expiring.", MaxInviteDays)
		}
		c.InviteDays = &d
	}
	if in.RetentionDays != nil {
		if err := checkRetention(*in.RetentionDays); err != nil {
			return err
		}
		c.RetentionDays = *in.RetentionDays
	}
	return nil
}

// CreateCohort makes a cohort facilitated and owned by acct, within their
// cohort quota (a CodeQuota error past it).
func (s *Service) CreateCohort(ctx context.Context, acct Account, in CohortInput) (Cohort, error) {
	if in.Name == nil {
		return Cohort{}, errorf(CodeInvalid, "Name is required.")
	}
	c := Cohort{ID: newID(), Facilitators: []string{acct.ID}, Owner: acct.ID, CreatedAt: s.now()}
	if err := in.applyTo(&c); err != nil {
		return Cohort{}, err
	}
	if c.AgreementsVersion == 0 {
		c.AgreementsVersion = 1
	}
	if err := s.putCohort(ctx, acct, c); err != nil {
		return Cohort{}, err
	}
	return c, nil
}

// Cohorts returns the cohorts acct facilitates, newest first.
func (s *Service) Cohorts(ctx context.Context, acct Account) ([]Cohort, error) {
	cs, err := s.Store.CohortsOf(ctx, acct.ID)
	if err != nil {
		return nil, err
	}
	sort.Slice(cs, func(i, j int) bool { return cs[i].CreatedAt.After(cs[j].CreatedAt) })
	return cs, nil
}

// Cohort returns a cohort acct facilitates; any other is not found.
func (s *Service) Cohort(ctx context.Context, acct Account, id string) (Cohort, error) {
	c, err := s.Store.Cohort(ctx, id)
	if errors.Is(err, ErrNotFound) || (err == nil && !c.Facilitates(acct.ID)) {
		return Cohort{}, notFound("cohort")
	}
	return c, err
}

// updateCohort changes a cohort acct facilitates in one transaction.
func (s *Service) updateCohort(ctx context.Context, acct Account, id string, change func(*Cohort) error) (Cohort, error) {
	c, err := s.Store.UpdateCohort(ctx, id, func(c *Cohort) error {
		if !c.Facilitates(acct.ID) {
			return notFound("cohort")
		}
		return change(c)
	})
	if errors.Is(err, ErrNotFound) {
		return Cohort{}, notFound("cohort")
	}
	return c, err
}

// UpdateCohort changes a cohort's details.
func (s *Service) UpdateCohort(ctx context.Context, acct Account, id string, in CohortInput) (Cohort, error) {
	return s.updateCohort(ctx, acct, id, in.applyTo)
}

// Facilitators returns the accounts that facilitate c, in the order added.
func (s *Service) Facilitators(ctx context.Context, c Cohort) ([]Account, error) {
	out := make([]Account, 0, len(c.Facilitators))
	for _, id := range c.Facilitators {
		a, err := s.Store.Account(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

// Participants returns a cohort's participants.
func (s *Service) Participants(ctx context.Context, acct Account, cohortID string) ([]Participant, error) {
	if _, err := s.Cohort(ctx, acct, cohortID); err != nil {
		return nil, err
	}
	return s.Store.Participants(ctx, cohortID)
}

func (s *Service) newInvite(p *Participant) {
	p.InviteNonce = NewToken()
	p.TokenHash = HashToken(s.InviteToken(*p))
	p.InviteIssuedAt = s.now()
}

// AddParticipant adds a person to a cohort with a new invite link, within
// the cohort's participant quota (a CodeQuota error past it).
func (s *Service) AddParticipant(ctx context.Context, acct Account, cohortID, name string) (Participant, error) {
	if _, err := s.Cohort(ctx, acct, cohortID); err != nil {
		return Participant{}, err
	}
	name = cleanLine(name)
	if err := checkLen("Name", name, 1, MaxPersonName); err != nil {
		return Participant{}, err
	}
	p := Participant{ID: newID(), CohortID: cohortID, Name: name, CreatedAt: s.now()}
	s.newInvite(&p)
	if err := s.putParticipant(ctx, p); err != nil {
		return Participant{}, err
	}
	return p, nil
}

// participantOf returns a participant of a cohort acct facilitates.
func (s *Service) participantOf(ctx context.Context, acct Account, cohortID, id string) (Participant, error) {
	if _, err := s.Cohort(ctx, acct, cohortID); err != nil {
		return Participant{}, err
	}
	p, err := s.Store.Participant(ctx, id)
	if errors.Is(err, ErrNotFound) || (err == nil && p.CohortID != cohortID) {
		return Participant{}, notFound("participant")
	}
	return p, err
}

// updateParticipant changes a participant of a cohort acct facilitates in
// one transaction; one removed meanwhile is not found.
func (s *Service) updateParticipant(ctx context.Context, acct Account, cohortID, id string, change func(*Participant) error) (Participant, error) {
	if _, err := s.Cohort(ctx, acct, cohortID); err != nil {
		return Participant{}, err
	}
	p, err := s.Store.UpdateParticipant(ctx, id, func(p *Participant) error {
		if p.CohortID != cohortID {
			return notFound("participant")
		}
		return change(p)
	})
	if errors.Is(err, ErrNotFound) {
		return Participant{}, notFound("participant")
	}
	return p, err
}

// RenameParticipant changes a participant's display name.
func (s *Service) RenameParticipant(ctx context.Context, acct Account, cohortID, id, name string) (Participant, error) {
	name = cleanLine(name)
	return s.updateParticipant(ctx, acct, cohortID, id, func(p *Participant) error {
		// Checked here, so someone else's participant is not found before
		// a name is invalid.
		if err := checkLen("Name", name, 1, MaxPersonName); err != nil {
			return err
		}
		p.Name = name
		return nil
	})
}

// ReissueInvite revokes the participant's link and issues a new one, which
// works for the cohort's InviteDays from now.
func (s *Service) ReissueInvite(ctx context.Context, acct Account, cohortID, id string) (Participant, error) {
	return s.updateParticipant(ctx, acct, cohortID, id, func(p *Participant) error {
		s.newInvite(p)
		return nil
	})
}

// RemoveParticipant removes a participant; their link stops working.
func (s *Service) RemoveParticipant(ctx context.Context, acct Account, cohortID, id string) error {
	if _, err := s.participantOf(ctx, acct, cohortID, id); err != nil {
		return err
	}
	// The participant's cohort never changes: the check above holds for
	// the delete, and a removal that raced this one leaves nothing.
	err := s.Store.DeleteParticipant(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return notFound("participant")
	}
	return err
}

// Invitee returns the participant whose invite token this is, and their
// cohort. It refuses (CodeUnauthorized, with words the participant can act
// on) a token that is unknown or revoked, whose link has expired
// (InviteExpiry), or whose cohort is archived.
func (s *Service) Invitee(ctx context.Context, token string) (Participant, Cohort, error) {
	unknown := errorf(CodeUnauthorized, "This link is no longer valid. Please ask your facilitator for a new one.")
	if token == "" || len(token) > 100 {
		return Participant{}, Cohort{}, unknown
	}
	p, err := s.Store.ParticipantByToken(ctx, HashToken(token))
	if errors.Is(err, ErrNotFound) {
		return Participant{}, Cohort{}, unknown
	}
	if err != nil {
		return Participant{}, Cohort{}, err
	}
	// The stored hash is only an index; the token must also be the one the
	// key derives now, which a rotated key or nonce would change.
	if !hmac.Equal([]byte(s.InviteToken(p)), []byte(token)) {
		return Participant{}, Cohort{}, unknown
	}
	c, err := s.Store.Cohort(ctx, p.CohortID)
	if errors.Is(err, ErrNotFound) {
		return Participant{}, Cohort{}, unknown
	}
	if err != nil {
		return Participant{}, Cohort{}, err
	}
	if err := s.inviteWorks(c, p); err != nil {
		return Participant{}, Cohort{}, err
	}
	return p, c, nil
}

// AcceptAgreements records that the participant accepted the given version
// of their cohort's agreements, and when.
func (s *Service) AcceptAgreements(ctx context.Context, token string, version int) (Participant, Cohort, error) {
	unknown := errorf(CodeUnauthorized, "This link is no longer valid. Please ask your facilitator for a new one.")
	p, c, err := s.Invitee(ctx, token)
	if err != nil {
		return Participant{}, Cohort{}, err
	}
	if version != c.AgreementsVersion {
		return Participant{}, Cohort{}, errorf(CodeConflict, "The agreements have changed; please read them again.")
	}
	if _, ok := p.Accepted(version); ok {
		return p, c, nil
	}
	at := s.now()
	p, err = s.Store.UpdateParticipant(ctx, p.ID, func(p *Participant) error {
		// The link may have been reissued since it was checked: the
		// acceptance is the link holder's, and the link is no longer theirs.
		if !hmac.Equal([]byte(s.InviteToken(*p)), []byte(token)) {
			return unknown
		}
		if _, ok := p.Accepted(version); !ok {
			p.Acceptances = append(p.Acceptances, Acceptance{Version: version, At: at})
		}
		return nil
	})
	if errors.Is(err, ErrNotFound) {
		return Participant{}, Cohort{}, unknown
	}
	if err != nil {
		return Participant{}, Cohort{}, err
	}
	return p, c, nil
}

// NewSession returns a new planned session of a cohort, made now, or an
// invalid error. It applies the back office's rules only: storing a session
// is the session service's (facilitator/session).
func NewSession(cohortID, title string, startsAt, now time.Time) (Session, error) {
	title = cleanLine(title)
	if err := checkLen("Title", title, 1, MaxName); err != nil {
		return Session{}, err
	}
	if startsAt.IsZero() {
		return Session{}, errorf(CodeInvalid, "Choose a date and time.")
	}
	return Session{ID: newID(), CohortID: cohortID, Title: title, StartsAt: startsAt.UTC(), Status: Planned, CreatedAt: now.UTC()}, nil
}

// NewTemplate returns a new agenda template of the account, made now, or an
// invalid error. items must be checked by the room's rules already: the
// session service (facilitator/session) checks them and stores templates.
func NewTemplate(accountID, name string, items json.RawMessage, now time.Time) (Template, error) {
	name = cleanLine(name)
	if err := checkLen("Name", name, 1, MaxName); err != nil {
		return Template{}, err
	}
	return Template{ID: newID(), AccountID: accountID, Name: name, Items: items, CreatedAt: now.UTC()}, nil
}

// Session returns a session of a cohort acct facilitates, with the cohort.
func (s *Service) Session(ctx context.Context, acct Account, id string) (Session, Cohort, error) {
	ss, err := s.Store.Session(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return Session{}, Cohort{}, notFound("session")
	}
	if err != nil {
		return Session{}, Cohort{}, err
	}
	c, err := s.Cohort(ctx, acct, ss.CohortID)
	if err != nil {
		return Session{}, Cohort{}, notFound("session")
	}
	return ss, c, nil
}

// Sessions returns a cohort's sessions.
func (s *Service) Sessions(ctx context.Context, acct Account, cohortID string) ([]Session, error) {
	if _, err := s.Cohort(ctx, acct, cohortID); err != nil {
		return nil, err
	}
	return s.Store.Sessions(ctx, cohortID)
}

// InviteeSessions returns the sessions of the cohort the invite token lets
// its holder into, by start time.
func (s *Service) InviteeSessions(ctx context.Context, token string) ([]Session, error) {
	_, c, err := s.Invitee(ctx, token)
	if err != nil {
		return nil, err
	}
	return s.Store.Sessions(ctx, c.ID)
}

// NextSession returns the cohort's next planned session, if any.
func (s *Service) NextSession(ctx context.Context, cohortID string) (Session, bool, error) {
	all, err := s.Store.Sessions(ctx, cohortID)
	if err != nil {
		return Session{}, false, err
	}
	for _, ss := range all {
		if ss.Status == Planned {
			return ss, true, nil
		}
	}
	return Session{}, false, nil
}

// newID returns a time-ordered ID (UUIDv7), so records made one after the
// other sort in that order even when their timestamps tie.
func newID() string {
	return uuid.Must(uuid.NewV7()).String()
}

// Templates returns the account's own templates.
func (s *Service) Templates(ctx context.Context, acct Account) ([]Template, error) {
	return s.Store.Templates(ctx, acct.ID)
}

// DeleteTemplate deletes one of the account's templates.
func (s *Service) DeleteTemplate(ctx context.Context, acct Account, id string) error {
	t, err := s.Store.Template(ctx, id)
	if errors.Is(err, ErrNotFound) || (err == nil && t.AccountID != acct.ID) {
		return notFound("template")
	}
	if err != nil {
		return err
	}
	return s.Store.DeleteTemplate(ctx, id)
}

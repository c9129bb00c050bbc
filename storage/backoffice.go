package storage

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"time"

	bolt "go.etcd.io/bbolt"

	"hearth/facilitator"
	"hearth/room"
)

// CountAccounts returns the number of facilitator accounts.
func (db *DB) CountAccounts(ctx context.Context) (int, error) {
	var n int
	err := db.bolt.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketAccounts).Stats().KeyN
		return nil
	})
	return n, err
}

// CreateAccount stores a new account; ErrEmailTaken when the email is in use.
func (db *DB) CreateAccount(ctx context.Context, a facilitator.Account) error {
	return db.update(func(tx *bolt.Tx) error {
		emails := tx.Bucket(bucketEmails)
		if emails.Get([]byte(a.Email)) != nil {
			return facilitator.ErrEmailTaken
		}
		if err := emails.Put([]byte(a.Email), []byte(a.ID)); err != nil {
			return err
		}
		return putJSON(tx.Bucket(bucketAccounts), a.ID, a)
	})
}

// Account returns the account with the ID.
func (db *DB) Account(ctx context.Context, id string) (facilitator.Account, error) {
	var a facilitator.Account
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return getJSON(tx.Bucket(bucketAccounts), id, &a)
	})
	return a, err
}

// AccountByEmail returns the account with the (lower-case) email.
func (db *DB) AccountByEmail(ctx context.Context, email string) (facilitator.Account, error) {
	var a facilitator.Account
	err := db.bolt.View(func(tx *bolt.Tx) error {
		id := tx.Bucket(bucketEmails).Get([]byte(email))
		if id == nil {
			return facilitator.ErrNotFound
		}
		return getJSON(tx.Bucket(bucketAccounts), string(id), &a)
	})
	return a, err
}

// UpdateAccount changes an account in one transaction (facilitator.Store).
func (db *DB) UpdateAccount(ctx context.Context, id string, fn func(*facilitator.Account) error) (facilitator.Account, error) {
	var a facilitator.Account
	err := db.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAccounts)
		if err := getJSON(b, id, &a); err != nil {
			return err
		}
		email := a.Email
		if err := fn(&a); err != nil {
			return err
		}
		if a.ID != id || a.Email != email {
			return fmt.Errorf("update account %s: the change moved it to %q <%s>", id, a.ID, a.Email)
		}
		return putJSON(b, id, a)
	})
	if err != nil {
		return facilitator.Account{}, err
	}
	return a, nil
}

// PutLogin stores a login.
func (db *DB) PutLogin(ctx context.Context, l facilitator.Login) error {
	return db.update(func(tx *bolt.Tx) error {
		return putJSON(tx.Bucket(bucketLogins), l.TokenHash, l)
	})
}

// Login returns the login with the token hash.
func (db *DB) Login(ctx context.Context, tokenHash string) (facilitator.Login, error) {
	var l facilitator.Login
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return getJSON(tx.Bucket(bucketLogins), tokenHash, &l)
	})
	return l, err
}

// DeleteLogin removes a login; removing a missing one is not an error.
func (db *DB) DeleteLogin(ctx context.Context, tokenHash string) error {
	return db.update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketLogins).Delete([]byte(tokenHash))
	})
}

// TouchLogin sets a login's LastSeen (facilitator.Store).
func (db *DB) TouchLogin(ctx context.Context, tokenHash string, at time.Time) error {
	return db.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketLogins)
		var l facilitator.Login
		if err := getJSON(b, tokenHash, &l); err != nil {
			return err
		}
		l.LastSeen = at
		return putJSON(b, tokenHash, l)
	})
}

// DeleteLoginsOf ends an account's logins but keep (facilitator.Store). It
// reads every login: a server holds a few per facilitator, and logins that
// ended are deleted, not kept.
func (db *DB) DeleteLoginsOf(ctx context.Context, accountID, keep string) ([]string, error) {
	var ended []string
	err := db.update(func(tx *bolt.Tx) error {
		ended = ended[:0]
		b := tx.Bucket(bucketLogins)
		err := b.ForEach(func(k, v []byte) error {
			var l facilitator.Login
			if err := json.Unmarshal(v, &l); err != nil {
				return fmt.Errorf("decode login: %w", err)
			}
			if l.AccountID == accountID && string(k) != keep {
				ended = append(ended, string(k))
			}
			return nil
		})
		if err != nil {
			return err
		}
		for _, k := range ended {
			if err := b.Delete([]byte(k)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ended, nil
}

// PutCohort stores a cohort.
func (db *DB) PutCohort(ctx context.Context, c facilitator.Cohort) error {
	return db.update(func(tx *bolt.Tx) error {
		return putJSON(tx.Bucket(bucketCohorts), c.ID, c)
	})
}

// UpdateCohort changes a cohort in one transaction (facilitator.Store).
func (db *DB) UpdateCohort(ctx context.Context, id string, fn func(*facilitator.Cohort) error) (facilitator.Cohort, error) {
	var c facilitator.Cohort
	err := db.update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketCohorts)
		if err := getJSON(b, id, &c); err != nil {
			return err
		}
		if err := fn(&c); err != nil {
			return err
		}
		if c.ID != id {
			return fmt.Errorf("update cohort %s: the change moved it to %q", id, c.ID)
		}
		return putJSON(b, id, c)
	})
	if err != nil {
		return facilitator.Cohort{}, err
	}
	return c, nil
}

// Cohort returns the cohort with the ID.
func (db *DB) Cohort(ctx context.Context, id string) (facilitator.Cohort, error) {
	var c facilitator.Cohort
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return getJSON(tx.Bucket(bucketCohorts), id, &c)
	})
	return c, err
}

// CohortsOf returns the cohorts the account facilitates. It reads every
// cohort: a server holds a clinic's cohorts, hundreds, not millions.
func (db *DB) CohortsOf(ctx context.Context, accountID string) ([]facilitator.Cohort, error) {
	var out []facilitator.Cohort
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCohorts).ForEach(func(k, v []byte) error {
			var c facilitator.Cohort
			if err := json.Unmarshal(v, &c); err != nil {
				return fmt.Errorf("decode cohort %s: %w", k, err)
			}
			if c.Facilitates(accountID) {
				out = append(out, c)
			}
			return nil
		})
	})
	return out, err
}

// CohortsInviting returns the cohorts with an invitation of the email. It
// reads every cohort, as CohortsOf does.
func (db *DB) CohortsInviting(ctx context.Context, email string) ([]facilitator.Cohort, error) {
	var out []facilitator.Cohort
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketCohorts).ForEach(func(k, v []byte) error {
			var c facilitator.Cohort
			if err := json.Unmarshal(v, &c); err != nil {
				return fmt.Errorf("decode cohort %s: %w", k, err)
			}
			if _, ok := c.Invitation(email); ok {
				out = append(out, c)
			}
			return nil
		})
	})
	return out, err
}

// PutParticipant stores p and repoints its invite token index.
func (db *DB) PutParticipant(ctx context.Context, p facilitator.Participant) error {
	return db.update(func(tx *bolt.Tx) error {
		var old facilitator.Participant
		switch err := getJSON(tx.Bucket(bucketParticipants), p.ID, &old); err {
		case nil:
			return putParticipant(tx, old.TokenHash, p)
		case facilitator.ErrNotFound:
			return putParticipant(tx, "", p)
		default:
			return err
		}
	})
}

// UpdateParticipant changes a participant in one transaction and repoints
// its invite token index (facilitator.Store).
func (db *DB) UpdateParticipant(ctx context.Context, id string, fn func(*facilitator.Participant) error) (facilitator.Participant, error) {
	var p facilitator.Participant
	err := db.update(func(tx *bolt.Tx) error {
		if err := getJSON(tx.Bucket(bucketParticipants), id, &p); err != nil {
			return err
		}
		oldToken, cohortID := p.TokenHash, p.CohortID
		if err := fn(&p); err != nil {
			return err
		}
		if p.ID != id || p.CohortID != cohortID {
			return fmt.Errorf("update participant %s: the change moved them to %q in cohort %q", id, p.ID, p.CohortID)
		}
		return putParticipant(tx, oldToken, p)
	})
	if err != nil {
		return facilitator.Participant{}, err
	}
	return p, nil
}

// putParticipant writes p, whose stored token hash was oldToken ("" for a
// new participant), with its token and cohort index entries.
func putParticipant(tx *bolt.Tx, oldToken string, p facilitator.Participant) error {
	tokens := tx.Bucket(bucketTokens)
	if oldToken != "" && oldToken != p.TokenHash {
		if err := tokens.Delete([]byte(oldToken)); err != nil {
			return err
		}
	}
	if err := tokens.Put([]byte(p.TokenHash), []byte(p.ID)); err != nil {
		return err
	}
	if err := tx.Bucket(bucketCohortPeople).Put(indexKey(p.CohortID, p.ID), nil); err != nil {
		return err
	}
	return putJSON(tx.Bucket(bucketParticipants), p.ID, p)
}

// Participant returns the participant with the ID.
func (db *DB) Participant(ctx context.Context, id string) (facilitator.Participant, error) {
	var p facilitator.Participant
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return getJSON(tx.Bucket(bucketParticipants), id, &p)
	})
	return p, err
}

// ParticipantByToken returns the participant whose invite token has the hash.
func (db *DB) ParticipantByToken(ctx context.Context, tokenHash string) (facilitator.Participant, error) {
	var p facilitator.Participant
	err := db.bolt.View(func(tx *bolt.Tx) error {
		id := tx.Bucket(bucketTokens).Get([]byte(tokenHash))
		if id == nil {
			return facilitator.ErrNotFound
		}
		return getJSON(tx.Bucket(bucketParticipants), string(id), &p)
	})
	return p, err
}

// Participants returns a cohort's participants, oldest first.
func (db *DB) Participants(ctx context.Context, cohortID string) ([]facilitator.Participant, error) {
	var out []facilitator.Participant
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return eachChild(tx.Bucket(bucketCohortPeople), cohortID, func(id string) error {
			var p facilitator.Participant
			if err := getJSON(tx.Bucket(bucketParticipants), id, &p); err != nil {
				return err
			}
			out = append(out, p)
			return nil
		})
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].CreatedAt.Before(out[j].CreatedAt) })
	return out, err
}

// DeleteParticipant removes a participant and their invite token.
func (db *DB) DeleteParticipant(ctx context.Context, id string) error {
	return db.update(func(tx *bolt.Tx) error {
		people := tx.Bucket(bucketParticipants)
		var p facilitator.Participant
		if err := getJSON(people, id, &p); err != nil {
			return err
		}
		if err := tx.Bucket(bucketTokens).Delete([]byte(p.TokenHash)); err != nil {
			return err
		}
		if err := tx.Bucket(bucketCohortPeople).Delete(indexKey(p.CohortID, p.ID)); err != nil {
			return err
		}
		return people.Delete([]byte(id))
	})
}

// sessionRecord is a session as stored. A session's life (its status and
// when it opened and closed) is its room's: reads fill it from the rooms
// bucket, and writes leave it out. The outer fields shadow the session's
// own (the shallower field wins in encoding/json): left zero, they are not
// written, and on reading they catch the life that files written before
// kept with the session, which only counts where the session has no room
// record (sessionLife).
type sessionRecord struct {
	*facilitator.Session
	Status   facilitator.SessionStatus `json:"status,omitempty"`
	OpenedAt time.Time                 `json:"openedAt,omitzero"`
	ClosedAt time.Time                 `json:"closedAt,omitzero"`
}

// PutSession stores a session, without its life (facilitator.Store).
func (db *DB) PutSession(ctx context.Context, s facilitator.Session) error {
	return db.update(func(tx *bolt.Tx) error {
		return putSession(tx, s)
	})
}

// UpdateSession changes a session in one transaction, handing fn the
// session with its life as its room's record says (facilitator.Store).
func (db *DB) UpdateSession(ctx context.Context, id string, fn func(*facilitator.Session) error) (facilitator.Session, error) {
	var s facilitator.Session
	err := db.update(func(tx *bolt.Tx) error {
		var err error
		if s, err = readSession(tx, id); err != nil {
			return err
		}
		cohortID, status, opened, closed := s.CohortID, s.Status, s.OpenedAt, s.ClosedAt
		if err := fn(&s); err != nil {
			return err
		}
		if s.ID != id || s.CohortID != cohortID {
			return fmt.Errorf("update session %s: the change moved it to %q in cohort %q", id, s.ID, s.CohortID)
		}
		// Nothing in this transaction changes the room: its life stands.
		s.Status, s.OpenedAt, s.ClosedAt = status, opened, closed
		return putSession(tx, s)
	})
	if err != nil {
		return facilitator.Session{}, err
	}
	return s, nil
}

func putSession(tx *bolt.Tx, s facilitator.Session) error {
	if err := tx.Bucket(bucketCohortSession).Put(indexKey(s.CohortID, s.ID), nil); err != nil {
		return err
	}
	return putJSON(tx.Bucket(bucketSessions), s.ID, sessionRecord{Session: &s})
}

// readSession decodes a session and fills its life from its room's record,
// inside the transaction.
func readSession(tx *bolt.Tx, id string) (facilitator.Session, error) {
	var s facilitator.Session
	rec := sessionRecord{Session: &s}
	if err := getJSON(tx.Bucket(bucketSessions), id, &rec); err != nil {
		return facilitator.Session{}, err
	}
	if err := sessionLife(tx, &s, rec); err != nil {
		return facilitator.Session{}, err
	}
	return s, nil
}

// sessionLife sets s's status and times from its room's record: Live while
// the room is open, Closed once it closed, with the room's times. Without a
// room record the session is Planned. Opening a room has always committed
// the room before the session's own status was marked, so a file from
// before this rule holds a live or closed status without a room record only
// if it was altered by hand or by something other than Hearth; such a
// session reads as Closed, with the times it kept, so a room never opens
// for a session already said to have met.
func sessionLife(tx *bolt.Tx, s *facilitator.Session, stored sessionRecord) error {
	data := tx.Bucket(bucketRooms).Get([]byte(s.ID))
	if data == nil {
		s.Status, s.OpenedAt, s.ClosedAt = facilitator.Planned, time.Time{}, time.Time{}
		if stored.Status == facilitator.Live || stored.Status == facilitator.Closed {
			s.Status, s.OpenedAt, s.ClosedAt = facilitator.Closed, stored.OpenedAt, stored.ClosedAt
		}
		return nil
	}
	// The room's record (roomRecord) keeps room.State's fields at its top.
	var life struct {
		Status   room.Status `json:"status"`
		OpenedAt time.Time   `json:"openedAt"`
		ClosedAt time.Time   `json:"closedAt"`
	}
	if err := json.Unmarshal(data, &life); err != nil {
		return fmt.Errorf("decode room %s: %w", s.ID, err)
	}
	s.Status = facilitator.Closed
	if life.Status == room.Open {
		s.Status = facilitator.Live
	}
	s.OpenedAt, s.ClosedAt = utc(life.OpenedAt), utc(life.ClosedAt)
	return nil
}

// utc returns t in UTC, and the zero time as it is.
func utc(t time.Time) time.Time {
	if t.IsZero() {
		return t
	}
	return t.UTC()
}

// Session returns the session with the ID, its life read from its room.
func (db *DB) Session(ctx context.Context, id string) (facilitator.Session, error) {
	var s facilitator.Session
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		s, err = readSession(tx, id)
		return err
	})
	return s, err
}

// Sessions returns a cohort's sessions by start time, each one's life read
// from its room.
func (db *DB) Sessions(ctx context.Context, cohortID string) ([]facilitator.Session, error) {
	var out []facilitator.Session
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return eachChild(tx.Bucket(bucketCohortSession), cohortID, func(id string) error {
			s, err := readSession(tx, id)
			if err != nil {
				return err
			}
			out = append(out, s)
			return nil
		})
	})
	sort.SliceStable(out, func(i, j int) bool { return out[i].StartsAt.Before(out[j].StartsAt) })
	return out, err
}

// eachChild calls fn with each child ID indexed under parent.
func eachChild(b *bolt.Bucket, parent string, fn func(id string) error) error {
	prefix := []byte(parent + "\x00")
	c := b.Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if err := fn(string(k[len(prefix):])); err != nil {
			return err
		}
	}
	return nil
}

// PutTemplate stores a template.
func (db *DB) PutTemplate(ctx context.Context, t facilitator.Template) error {
	return db.update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketAccountTmpl).Put(indexKey(t.AccountID, t.ID), nil); err != nil {
			return err
		}
		return putJSON(tx.Bucket(bucketTemplates), t.ID, t)
	})
}

// Template returns the template with the ID.
func (db *DB) Template(ctx context.Context, id string) (facilitator.Template, error) {
	var t facilitator.Template
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return getJSON(tx.Bucket(bucketTemplates), id, &t)
	})
	return t, err
}

// Templates returns the account's templates, oldest first (IDs are
// time-ordered).
func (db *DB) Templates(ctx context.Context, accountID string) ([]facilitator.Template, error) {
	var out []facilitator.Template
	err := db.bolt.View(func(tx *bolt.Tx) error {
		return eachChild(tx.Bucket(bucketAccountTmpl), accountID, func(id string) error {
			var t facilitator.Template
			if err := getJSON(tx.Bucket(bucketTemplates), id, &t); err != nil {
				return err
			}
			out = append(out, t)
			return nil
		})
	})
	return out, err
}

// DeleteTemplate removes a template.
func (db *DB) DeleteTemplate(ctx context.Context, id string) error {
	return db.update(func(tx *bolt.Tx) error {
		var t facilitator.Template
		if err := getJSON(tx.Bucket(bucketTemplates), id, &t); err != nil {
			return err
		}
		if err := tx.Bucket(bucketAccountTmpl).Delete(indexKey(t.AccountID, t.ID)); err != nil {
			return err
		}
		return tx.Bucket(bucketTemplates).Delete([]byte(id))
	})
}

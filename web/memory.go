package web

import (
	"fmt"
	"mime"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"hearth/facilitator"
)

// The cohort's memory over HTTP: a session's summary, the facilitators'
// private notes, the cohort overview, the exports, and a participant's own
// history. What they hold is built by package memory; these handlers read
// the request and write memory's answer.

func (s *Server) getSummary(w http.ResponseWriter, r *http.Request) {
	v, err := s.memory.Summary(r.Context(), account(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.audit(r, facilitator.AuditEntry{Action: facilitator.AuditSummaryViewed, CohortID: v.CohortID, SessionID: v.Session.ID}); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// --- notes ---------------------------------------------------------------------

func (s *Server) listNotes(w http.ResponseWriter, r *http.Request) {
	out, err := s.memory.Notes(r.Context(), account(r), r.PathValue("id"), func(facilitator.Note) bool { return true })
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"notes": out})
}

func (s *Server) addNote(w http.ResponseWriter, r *http.Request) {
	var in struct {
		SessionID     string `json:"sessionId"`
		ParticipantID string `json:"participantId"`
		Text          string `json:"text"`
	}
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx, acct := r.Context(), account(r)
	n, err := s.fac.AddNote(ctx, acct, r.PathValue("id"), facilitator.NoteAbout{SessionID: in.SessionID, ParticipantID: in.ParticipantID}, in.Text)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.sendNote(w, r, http.StatusCreated, n)
}

func (s *Server) editNote(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Text string `json:"text"`
	}
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	n, err := s.fac.EditNote(r.Context(), account(r), r.PathValue("id"), in.Text)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.sendNote(w, r, http.StatusOK, n)
}

func (s *Server) deleteNote(w http.ResponseWriter, r *http.Request) {
	if err := s.fac.DeleteNote(r.Context(), account(r), r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) sendNote(w http.ResponseWriter, r *http.Request, status int, n facilitator.Note) {
	v, err := s.memory.Note(r.Context(), account(r), n)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, status, v)
}

// --- the cohort overview and a participant's own history ------------------------

// BulkSendBuffer is a connection's kernel send buffer while it carries an
// overview or an export. SendBuffer, made for live rooms, lets a response
// of megabytes out only 32 KiB per round trip: 6 MB took 3 s on loopback,
// and would take far longer across the internet.
const BulkSendBuffer = 1 << 20

// bulk gives the request's connection BulkSendBuffer until the returned
// func gives it SendBuffer again (the connection may carry a WebSocket
// next).
func bulk(r *http.Request) (done func()) {
	tc, ok := r.Context().Value(tcpConnKey{}).(*net.TCPConn)
	if !ok {
		return func() {}
	}
	tc.SetWriteBuffer(BulkSendBuffer)
	return func() { tc.SetWriteBuffer(SendBuffer) }
}

func (s *Server) getOverview(w http.ResponseWriter, r *http.Request) {
	cm, err := s.memory.Load(r.Context(), account(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.audit(r, facilitator.AuditEntry{Action: facilitator.AuditOverviewViewed, CohortID: r.PathValue("id")}); err != nil {
		s.writeError(w, r, err)
		return
	}
	defer bulk(r)()
	writeJSON(w, http.StatusOK, cm.Overview())
}

func (s *Server) getHistory(w http.ResponseWriter, r *http.Request) {
	p, c, ok := s.invitee(w, r)
	if !ok {
		return
	}
	v, err := s.memory.History(r.Context(), inviteToken(r), p, c)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

// --- export ------------------------------------------------------------------------

// attachment names a download after the cohort and the day.
func attachment(w http.ResponseWriter, cohortName, ext string, now time.Time) {
	slug := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '-'
	}, cohortName)
	slug = strings.Trim(strings.Join(strings.FieldsFunc(slug, func(r rune) bool { return r == '-' }), "-"), "-")
	if slug == "" {
		slug = "cohort"
	}
	name := fmt.Sprintf("hearth-%s-%s.%s", slug, now.UTC().Format("2006-01-02"), ext)
	w.Header().Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": name}))
	w.Header().Set("Cache-Control", "no-store")
}

// exportSlots lets each account make one export at a time: an export reads
// and writes a whole cohort, and one account asking for many at once would
// hold the server's memory and CPU for everyone. The zero value has no
// export running.
type exportSlots struct {
	mu   sync.Mutex
	busy map[string]bool // by account ID
	// started, when set, is called by each export that took its slot,
	// before it reads anything; tests hold an export there.
	started func() // guarded by mu
}

// exportRetry is how long a second export waits: about as long as a large
// cohort's export takes.
const exportRetry = 5 * time.Second

var errExporting = &tooManyError{httpError{http.StatusTooManyRequests, "too_many",
	"An export of yours is still being made. Please wait for it to finish."}, exportRetry}

// take takes the account's slot, or reports false at once when an export
// of theirs holds it. started is the hook to call, if any.
func (e *exportSlots) take(accountID string) (release, started func(), ok bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.busy[accountID] {
		return nil, nil, false
	}
	if e.busy == nil {
		e.busy = map[string]bool{}
	}
	e.busy[accountID] = true
	return func() {
		e.mu.Lock()
		defer e.mu.Unlock()
		delete(e.busy, accountID)
	}, e.started, true
}

// oneExport runs export in the account's export slot, or answers 429 at
// once when another export of theirs holds it.
func (s *Server) oneExport(export http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		release, started, ok := s.exports.take(account(r).ID)
		if !ok {
			s.writeError(w, r, errExporting)
			return
		}
		defer release()
		if started != nil {
			started()
		}
		export(w, r)
	}
}

func (s *Server) exportJSON(w http.ResponseWriter, r *http.Request) {
	cm, err := s.memory.Load(r.Context(), account(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	now := time.Now()
	v, err := cm.Export(now)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.audit(r, facilitator.AuditEntry{Action: facilitator.AuditExported, CohortID: r.PathValue("id"), Target: "json"}); err != nil {
		s.writeError(w, r, err)
		return
	}
	attachment(w, cm.Name(), "json", now)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	defer bulk(r)()
	w.WriteHeader(http.StatusOK)
	// Written as it is encoded: the same bytes as writeJSON, without
	// holding the whole file (tens of megabytes for a large cohort) first.
	v.WriteJSON(w)
}

func (s *Server) exportMarkdown(w http.ResponseWriter, r *http.Request) {
	cm, err := s.memory.Load(r.Context(), account(r), r.PathValue("id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	now := time.Now()
	text, err := cm.Markdown(now)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.audit(r, facilitator.AuditEntry{Action: facilitator.AuditExported, CohortID: r.PathValue("id"), Target: "markdown"}); err != nil {
		s.writeError(w, r, err)
		return
	}
	attachment(w, cm.Name(), "md", now)
	w.Header().Set("Content-Type", "text/markdown; charset=utf-8")
	defer bulk(r)()
	w.WriteHeader(http.StatusOK)
	w.Write([]byte(text))
}

package web

import (
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"hearth/facilitator"
)

// SessionLength is how long a session lasts in a participant's calendar:
// sessions are planned by their start only.
const SessionLength = 90 * time.Minute

// getNextICS answers a participant's link with an iCalendar file (RFC 5545)
// of their cohort's next planned session, to put it in their own calendar.
// The file holds no link: a calendar is synced and shared in ways the
// participant does not see, and the link is their key to the room.
func (s *Server) getNextICS(w http.ResponseWriter, r *http.Request) {
	_, c, ok := s.invitee(w, r)
	if !ok {
		return
	}
	next, ok, err := s.fac.NextSession(r.Context(), c.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if !ok {
		s.writeError(w, r, &httpError{http.StatusNotFound, "not_found", "No session is planned yet."})
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/calendar; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="hearth-next-session.ics"`)
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	w.Write([]byte(sessionICS(c, next, time.Now())))
}

// sessionICS returns one session as an iCalendar object, stamped now.
func sessionICS(c facilitator.Cohort, ss facilitator.Session, now time.Time) string {
	const stamp = "20060102T150405Z"
	var b strings.Builder
	line := func(name, value string) { b.WriteString(foldICS(name + ":" + value)) }
	line("BEGIN", "VCALENDAR")
	line("VERSION", "2.0")
	line("PRODID", "-//Hearth//Hearth//EN")
	line("CALSCALE", "GREGORIAN")
	line("METHOD", "PUBLISH")
	line("BEGIN", "VEVENT")
	// The session's ID is stable, so importing the file again updates the
	// event rather than adding a second one.
	line("UID", ss.ID+"@hearth")
	line("DTSTAMP", now.UTC().Format(stamp))
	line("DTSTART", ss.StartsAt.UTC().Format(stamp))
	line("DTEND", ss.StartsAt.Add(SessionLength).UTC().Format(stamp))
	line("SUMMARY", escapeICS(c.Name+": "+ss.Title))
	line("END", "VEVENT")
	line("END", "VCALENDAR")
	return b.String()
}

// escapeICS escapes a TEXT value (RFC 5545, 3.3.11).
var escapeICS = strings.NewReplacer(`\`, `\\`, `;`, `\;`, `,`, `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace

// foldICS ends a content line with CRLF, folding it into lines of at most 75
// octets (RFC 5545, 3.1) without splitting a character.
func foldICS(l string) string {
	var b strings.Builder
	limit := 75
	for len(l) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(l[cut]) {
			cut--
		}
		b.WriteString(l[:cut])
		b.WriteString("\r\n ")
		l = l[cut:]
		limit = 74 // the space that begins a continuation line counts
	}
	b.WriteString(l)
	b.WriteString("\r\n")
	return b.String()
}

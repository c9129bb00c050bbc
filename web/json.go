package web

import (
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"hearth/facilitator"
)

// httpError is an error with the status and code the client gets.
type httpError struct {
	status  int
	code    string
	message string
}

func (e *httpError) Error() string { return e.message }

var (
	errNotFound     = &httpError{http.StatusNotFound, "not_found", "Not found."}
	errUnauthorized = &httpError{http.StatusUnauthorized, "unauthorized", "Please log in."}
)

// tooManyError is a 429 with how long the client is asked to wait.
type tooManyError struct {
	httpError
	retry time.Duration
}

func tooMany(retry time.Duration) *tooManyError {
	secs := retrySeconds(retry)
	unit := " seconds."
	if secs == 1 {
		unit = " second."
	}
	return &tooManyError{httpError{http.StatusTooManyRequests, "too_many", "Too many attempts. Please wait " + strconv.Itoa(secs) + unit}, retry}
}

// retrySeconds is a wait in whole seconds, rounded up: a client that waits
// as long as it is told is not refused again.
func retrySeconds(d time.Duration) int {
	return max(1, int((d+time.Second-1)/time.Second))
}

// busyRetry is how long a login refused for want of a hash slot waits: a
// slot frees within a hash's time.
const busyRetry = time.Second

// writeError sends err in the one error shape of the API. Domain errors
// (*facilitator.Error, the room's refusals included, which the session
// service translates) keep their code and message and get their status from
// statusOf; anything else is logged and reported as internal.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	var (
		he    *httpError
		tm    *tooManyError
		fe    *facilitator.Error
		retry = 10 * time.Second
	)
	switch {
	case errors.As(err, &tm):
		he, retry = &tm.httpError, tm.retry
	case errors.As(err, &he):
	case errors.As(err, &fe):
		he = &httpError{statusOf(fe.Code), fe.Code, fe.Message}
		retry = busyRetry
	default:
		s.log.Error().Err(err).Str("route", r.Pattern).Msg("request failed")
		he = &httpError{http.StatusInternalServerError, "internal", "Something went wrong on the server. Nothing was changed."}
	}
	if he.status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", strconv.Itoa(retrySeconds(retry)))
	}
	writeJSON(w, he.status, map[string]any{"error": map[string]string{"code": he.code, "message": he.message}})
}

// statuses maps each domain error code to its HTTP status: the one place
// where a refusal of the back office, of a session's life or of a room
// becomes a status.
var statuses = map[string]int{
	facilitator.CodeInvalid:      http.StatusBadRequest,
	facilitator.CodeUnauthorized: http.StatusUnauthorized,
	facilitator.CodeNotFound:     http.StatusNotFound,
	facilitator.CodeConflict:     http.StatusConflict,
	facilitator.CodeForbidden:    http.StatusForbidden,
	facilitator.CodeNotOpened:    http.StatusNotFound,
	facilitator.CodeAgreements:   http.StatusConflict,
	facilitator.CodeTooMany:      http.StatusTooManyRequests,
	// Waiting does not help, deleting does: a conflict with what is kept.
	facilitator.CodeQuota: http.StatusConflict,
}

func statusOf(code string) int {
	if status, ok := statuses[code]; ok {
		return status
	}
	return http.StatusInternalServerError
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if v != nil {
		json.NewEncoder(w).Encode(v)
	}
}

// errMediaType refuses a body not sent as JSON. Besides saying what went
// wrong, it keeps to JSON the requests a form on another site could send
// without the browser asking first (a form cannot set this type).
var errMediaType = &httpError{http.StatusUnsupportedMediaType, "unsupported_type", "Send the request body as JSON, with the header Content-Type: application/json."}

// isJSONType reports whether a Content-Type header names JSON in UTF-8.
func isJSONType(header string) bool {
	typ, params, err := mime.ParseMediaType(header)
	if err != nil || typ != "application/json" {
		return false
	}
	cs, ok := params["charset"]
	return !ok || strings.EqualFold(cs, "utf-8")
}

// readJSON decodes a size-limited JSON body into v, refusing unknown fields
// so a typo is an error rather than a silent no-op, and a body not sent as
// application/json with 415.
func readJSON(w http.ResponseWriter, r *http.Request, v any) error {
	if !isJSONType(r.Header.Get("Content-Type")) {
		return errMediaType
	}
	r.Body = http.MaxBytesReader(w, r.Body, MaxBodyBytes)
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return &httpError{http.StatusRequestEntityTooLarge, "too_large", "The request is larger than 64 KiB."}
		}
		return &httpError{http.StatusBadRequest, "invalid", "The request body is not valid JSON for this request: " + err.Error()}
	}
	if _, err := dec.Token(); err != io.EOF {
		return &httpError{http.StatusBadRequest, "invalid", "The request body has extra data after the JSON object."}
	}
	return nil
}

package room

import (
	"errors"
	"fmt"
)

// Error codes sent to clients in an "error" message.
const (
	CodeBadMessage  = "bad_message"  // the frame could not be read
	CodeUnknownType = "unknown_type" // no such message type
	CodeInvalid     = "invalid"      // a field breaks a rule
	CodeNotAllowed  = "not_allowed"  // the member's role may not do this
	CodeClosed      = "closed"       // the room or activity does not take this now
	CodeInternal    = "internal"     // the server failed; nothing was acknowledged
	CodeNotFound    = "not_found"    // no such member
	CodePaused      = "paused"       // the room is frozen (hold.go)
)

// Error is a refusal a member can read. Nothing changed.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

func errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns err's code, or CodeInternal when err is not an *Error.
func ErrorCode(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrNotFound is returned for a room that is not live.
var ErrNotFound = errors.New("room not found")

// ErrClosed is returned by a Room that has been closed or stopped.
var ErrClosed = errors.New("room closed")

// ErrStopped is returned by Join while the server shuts down; the client
// should come back to the next server.
var ErrStopped = errors.New("server stopping")

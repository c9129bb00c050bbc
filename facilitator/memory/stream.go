package memory

import (
	"bufio"
	"encoding/json"
	"io"
)

// WriteJSON writes v to w as json.NewEncoder(w).Encode(v) would, byte for
// byte, newline included, but the sessions and the notes (held twice: the
// export's own and its overview's) one at a time: a large cohort's export
// is tens of megabytes, and built whole it was held in memory in full,
// grown by copying, before its first byte left. The fields are written in
// ExportV1's and Overview's order; TestWriteJSONIsEncode holds them to it.
func (v ExportV1) WriteJSON(w io.Writer) error {
	s := stream{w: bufio.NewWriterSize(w, 64<<10)}
	s.raw("{")
	s.field("format", v.Format, true)
	s.field("exportedAt", v.ExportedAt, false)
	s.field("privacy", v.Privacy, false)
	s.field("cohort", v.Cohort, false)
	s.field("facilitators", v.Facilitators, false)
	s.field("participants", v.Participants, false)
	s.raw(`,"sessions":`)
	eachJSON(&s, v.Sessions)
	s.raw(`,"notes":`)
	eachJSON(&s, v.Notes)
	o := v.Overview
	s.raw(`,"overview":{`)
	s.field("cohortId", o.CohortID, true)
	s.field("cohort", o.Cohort, false)
	s.field("sessions", o.Sessions, false)
	s.field("participants", o.Participants, false)
	s.raw(`,"notes":`)
	eachJSON(&s, o.Notes)
	s.field("intentions", o.Intentions, false)
	s.raw("}}\n")
	if s.err != nil {
		return s.err
	}
	return s.w.Flush()
}

// stream writes JSON to w until the first error, which it keeps.
type stream struct {
	w   *bufio.Writer
	err error
}

func (s *stream) raw(text string) {
	if s.err == nil {
		_, s.err = s.w.WriteString(text)
	}
}

// value writes x as json.Marshal encodes it (HTML escaped, as an Encoder
// does by default).
func (s *stream) value(x any) {
	if s.err != nil {
		return
	}
	b, err := json.Marshal(x)
	if err != nil {
		s.err = err
		return
	}
	_, s.err = s.w.Write(b)
}

// field writes a field of an object: its name, quoted, and its value,
// after a comma unless it is the first.
func (s *stream) field(name string, x any, first bool) {
	if !first {
		s.raw(",")
	}
	s.value(name)
	s.raw(":")
	s.value(x)
}

// eachJSON writes a slice as json.Marshal does (null when nil), one
// element at a time.
func eachJSON[T any](s *stream, xs []T) {
	if xs == nil {
		s.raw("null")
		return
	}
	s.raw("[")
	for i := range xs {
		if i > 0 {
			s.raw(",")
		}
		s.value(&xs[i]) // addressable, as a slice's elements are to json
	}
	s.raw("]")
}

package main

import (
	"bytes"
	"errors"
	"strconv"
)

// header is what the load tool needs from every server message. Reading it
// with a small scanner instead of encoding/json keeps the tool's own CPU low:
// it shares the machine with the server it measures.
type header struct {
	Type       string
	Version    uint64
	HasVersion bool
	ID         string
	Duplicate  bool
	Code       string
	Reason     string
}

var errScan = errors.New("not a JSON object")

// scanHeader reads the top-level fields type, version, id, duplicate, code
// and reason of one JSON object, skipping everything else (nested objects,
// arrays, strings with escapes). It does not validate what it skips beyond
// what it needs to find the end of each value.
func scanHeader(b []byte) (header, error) {
	var h header
	i := skipSpace(b, 0)
	if i >= len(b) || b[i] != '{' {
		return h, errScan
	}
	i++
	for {
		i = skipSpace(b, i)
		if i >= len(b) {
			return h, errScan
		}
		if b[i] == '}' {
			return h, nil
		}
		if b[i] == ',' {
			i++
			continue
		}
		if b[i] != '"' {
			return h, errScan
		}
		keyStart := i + 1
		end, err := skipString(b, i)
		if err != nil {
			return h, err
		}
		key := b[keyStart : end-1]
		i = skipSpace(b, end)
		if i >= len(b) || b[i] != ':' {
			return h, errScan
		}
		i = skipSpace(b, i+1)
		valStart := i
		i, err = skipValue(b, i)
		if err != nil {
			return h, err
		}
		val := b[valStart:i]
		switch string(key) {
		case "type":
			h.Type = unquote(val)
		case "id":
			h.ID = unquote(val)
		case "code":
			h.Code = unquote(val)
		case "reason":
			h.Reason = unquote(val)
		case "version":
			v, err := strconv.ParseUint(string(val), 10, 64)
			if err != nil {
				return h, errScan
			}
			h.Version, h.HasVersion = v, true
		case "duplicate":
			h.Duplicate = string(val) == "true"
		}
	}
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\n' || b[i] == '\t' || b[i] == '\r') {
		i++
	}
	return i
}

// skipString returns the index just past the string starting at b[i] == '"'.
func skipString(b []byte, i int) (int, error) {
	for j := i + 1; j < len(b); j++ {
		switch b[j] {
		case '\\':
			j++
		case '"':
			return j + 1, nil
		}
	}
	return 0, errScan
}

// skipValue returns the index just past the JSON value starting at b[i].
func skipValue(b []byte, i int) (int, error) {
	if i >= len(b) {
		return 0, errScan
	}
	switch b[i] {
	case '"':
		return skipString(b, i)
	case '{', '[':
		depth := 0
		for j := i; j < len(b); j++ {
			switch b[j] {
			case '"':
				end, err := skipString(b, j)
				if err != nil {
					return 0, err
				}
				j = end - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1, nil
				}
			}
		}
		return 0, errScan
	default: // number, true, false, null
		j := i
		for j < len(b) && b[j] != ',' && b[j] != '}' && b[j] != ']' && b[j] != ' ' && b[j] != '\n' {
			j++
		}
		if j == i {
			return 0, errScan
		}
		return j, nil
	}
}

// unquote returns a JSON string's text. The fields it is used for (types,
// codes, action IDs the tool made) hold no escapes; an escaped value is
// returned with its escapes, which is enough to tell it apart.
func unquote(v []byte) string {
	if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
		return string(v[1 : len(v)-1])
	}
	return string(v)
}

// Notes the tool writes carry a marker naming their room and author, so a
// note that reaches the wrong member is caught by a byte search, whatever
// shape the message has: "NOTE~r<room>~m<member>~s<seq>~".
const notePrefix = "NOTE~r"

func noteMarker(room, member, seq int) string {
	return notePrefix + strconv.Itoa(room) + "~m" + strconv.Itoa(member) + "~s" + strconv.Itoa(seq) + "~"
}

// noteRef is whose note a marker names.
type noteRef struct{ room, member int }

// findNotes returns the authors of every note marker in msg. A marker that
// cannot be read is returned with room -1, which never matches a real room.
func findNotes(msg []byte, out []noteRef) []noteRef {
	out = out[:0]
	for {
		i := bytes.Index(msg, []byte(notePrefix))
		if i < 0 {
			return out
		}
		msg = msg[i+len(notePrefix):]
		room, n := readInt(msg)
		ref := noteRef{room: -1, member: -1}
		if n > 0 && len(msg) > n+2 && msg[n] == '~' && msg[n+1] == 'm' {
			if member, k := readInt(msg[n+2:]); k > 0 {
				ref = noteRef{room: room, member: member}
			}
		}
		out = append(out, ref)
	}
}

func readInt(b []byte) (int, int) {
	v, n := 0, 0
	for n < len(b) && b[n] >= '0' && b[n] <= '9' && n < 9 {
		v = v*10 + int(b[n]-'0')
		n++
	}
	return v, n
}

// visibilityIn returns the check-in visibility named in msg, or "".
func visibilityIn(msg []byte) string {
	const key = `"visibility":"`
	i := bytes.Index(msg, []byte(key))
	if i < 0 {
		return ""
	}
	rest := msg[i+len(key):]
	j := bytes.IndexByte(rest, '"')
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}

// leakedNotes counts the notes in msg that its receiver may not see: any note
// of another room, and, for a participant, another participant's note unless
// the check-in is shared with the group. visibility is the check-in's
// visibility as the receiver last knew it ("" when it knows none).
func leakedNotes(refs []noteRef, room, member int, participant bool, visibility string) int {
	n := 0
	for _, r := range refs {
		switch {
		case r.room != room:
			n++
		case participant && r.member != member && visibility != "group":
			n++
		}
	}
	return n
}

package facilitator

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// cleanLine returns one line of text as a facilitator wrote it, made safe to
// show others: trimmed, with control characters and the characters that
// reorder text (bidirectional marks, embeddings, overrides and isolates)
// removed, and any line break or tab made a space. Such characters would
// let one person's words disguise themselves or another's on every
// screen (a name that reads backwards, a sentence that seems to end
// elsewhere). Check lengths after cleaning. It is the room's CleanLine
// (room/text.go) for the back office, which does not import the room.
func cleanLine(s string) string { return clean(s, false) }

// cleanText is cleanLine for a text of several lines: it keeps line breaks
// (CR LF, CR and the Unicode line and paragraph separators become LF) and
// tabs.
func cleanText(s string) string { return clean(s, true) }

// clean is cleanLine, or cleanText when lines.
func clean(s string, lines bool) string {
	if !needsCleaning(s, lines) {
		return strings.TrimSpace(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		switch {
		case r == '\r' && strings.HasPrefix(s[i:], "\n"):
			// The LF that follows stands for both.
		case r == '\n' || r == '\r' || r == '\u2028' || r == '\u2029':
			if lines {
				b.WriteByte('\n')
			} else {
				b.WriteByte(' ')
			}
		case r == '\t':
			if lines {
				b.WriteByte('\t')
			} else {
				b.WriteByte(' ')
			}
		case unicode.IsControl(r) || isBidiControl(r):
		default:
			b.WriteRune(r)
		}
	}
	return strings.TrimSpace(b.String())
}

// needsCleaning reports whether s holds anything clean changes besides
// the white space around it: most texts hold nothing, and are only trimmed.
func needsCleaning(s string, lines bool) bool {
	for _, r := range s {
		switch {
		case r == '\n' || r == '\t':
			if !lines {
				return true
			}
		case r == '\u2028' || r == '\u2029' || unicode.IsControl(r) || isBidiControl(r):
			return true
		}
	}
	return false
}

// isBidiControl reports whether r is one of the invisible characters that
// change the direction text is shown in: the Arabic letter mark, the
// left-to-right and right-to-left marks, the embeddings and overrides
// (U+202A–U+202E) and the isolates (U+2066–U+2069).
func isBidiControl(r rune) bool {
	switch {
	case r == '\u061c', r == '\u200e', r == '\u200f':
		return true
	case r >= '\u202a' && r <= '\u202e':
		return true
	case r >= '\u2066' && r <= '\u2069':
		return true
	}
	return false
}

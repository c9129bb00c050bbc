package memory

import (
	"strings"
	"testing"
)

// TestMdPlainLine holds md's shortcut for plain text to what its escaping
// and joining of words return, for text on either side of the line.
func TestMdPlainLine(t *testing.T) {
	full := func(s string) string {
		s = strings.Join(strings.Fields(s), " ")
		var b strings.Builder
		for _, r := range s {
			if strings.ContainsRune(mdSpecial, r) {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
		return b.String()
	}
	for _, s := range []string{"", "Ana", "A long week, number 3, and I am here.", " lead", "trail ", "two  spaces",
		"tab\there", "new\nline", "cr\r", "vt\v", "ff\f", "nbsp\u00a0here", "next\u0085line", "em\u2003space",
		"Zoë", "a*b", "a_b", "[x]", "<b>", "#1", "a|b", "wow!", "~", "`code`", "back\\slash", " ", "  "} {
		if got, want := md(s), full(s); got != want {
			t.Errorf("md(%q) = %q, want %q", s, got, want)
		}
		if plainLine(s) && md(s) != s {
			t.Errorf("plainLine(%q), but md changes it", s)
		}
	}
	if !plainLine("A long week, number 3, and I am here.") {
		t.Error("a plain sentence takes the long way")
	}
}

package facilitator_test

import (
	"strings"
	"testing"

	"hearth/facilitator"
)

func TestPassword(t *testing.T) {
	t.Parallel() // argon2 is slow under -race; let it overlap the store tests
	const password = "correct horse battery"
	h1, err := facilitator.HashPassword(password)
	if err != nil {
		t.Fatalf("HashPassword: %v", err)
	}
	h2, err := facilitator.HashPassword(password)
	if err != nil {
		t.Fatalf("HashPassword: %v", err)
	}

	t.Run("the right password matches", func(t *testing.T) {
		if !facilitator.CheckPassword(h1, password) {
			t.Errorf("CheckPassword(HashPassword(p), p): got false, want true")
		}
	})
	t.Run("a wrong password does not match", func(t *testing.T) {
		if facilitator.CheckPassword(h1, password+"!") {
			t.Errorf("CheckPassword with a wrong password: got true, want false")
		}
	})
	t.Run("two hashes of one password differ by their salt", func(t *testing.T) {
		if h1 == h2 {
			t.Errorf("two hashes of the same password: both %q, want them to differ", h1)
		}
		salt := func(h string) string { return strings.Split(h, "$")[4] }
		if salt(h1) == salt(h2) {
			t.Errorf("two salts: both %q, want them to differ", salt(h1))
		}
		if !facilitator.CheckPassword(h2, password) {
			t.Errorf("CheckPassword of the second hash: got false, want true")
		}
	})
	t.Run("the hash names argon2id and its parameters", func(t *testing.T) {
		if !strings.HasPrefix(h1, "$argon2id$v=19$m=19456,t=2,p=1$") {
			t.Errorf("hash: got %q, want it to start with $argon2id$v=19$m=19456,t=2,p=1$", h1)
		}
	})

	// A stored hash is data read from disk: a damaged one must fail the
	// check, never panic or verify.
	parts := strings.Split(h1, "$") // "", argon2id, v=19, m=…,t=…,p=…, salt, key
	with := func(i int, v string) string {
		p := append([]string(nil), parts...)
		p[i] = v
		return strings.Join(p, "$")
	}
	for _, tc := range []struct {
		name, hash string
	}{
		{"empty", ""},
		{"plain text", password},
		{"too few parts", strings.Join(parts[:5], "$")},
		{"too many parts", h1 + "$extra"},
		{"another algorithm", with(1, "argon2i")},
		{"another version", with(2, "v=16")},
		{"no version", with(2, "19")},
		{"parameters missing", with(3, "m=19456")},
		{"parameters not numbers", with(3, "m=a,t=b,p=c")},
		{"zero passes", with(3, "m=19456,t=0,p=1")},
		{"zero lanes", with(3, "m=19456,t=2,p=0")},
		{"lanes beyond a byte", with(3, "m=19456,t=2,p=300")},
		{"salt not base64", with(4, "!!!")},
		{"key not base64", with(5, "!!!")},
		{"empty key", with(5, "")},
		{"another key", with(5, strings.Repeat("A", len(parts[5])))},
	} {
		t.Run("malformed hash: "+tc.name, func(t *testing.T) {
			if facilitator.CheckPassword(tc.hash, password) {
				t.Errorf("CheckPassword(%q): got true, want false", tc.hash)
			}
		})
	}
}

package facilitator

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"runtime"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Argon2id parameters: the OWASP recommendation of 19 MiB, 2 passes, one
// lane, which takes tens of milliseconds here. They are written into each
// hash, so raising them later still verifies old hashes.
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
	argonSaltLen = 16

	// maxArgonMemory caps what a stored hash may ask for (KiB), so a damaged
	// or tampered hash cannot make a login allocate gigabytes.
	maxArgonMemory = 256 * 1024
)

// HashSlots is how many argon2id hashes may run at once in the process:
// one per core, as more would only queue for the CPU while each holds its
// argonMemory, and at most 8, so a big machine still bounds what a flood of
// logins costs (8 × 19 MiB).
var HashSlots = max(1, min(runtime.GOMAXPROCS(0), 8))

// hashSlots holds a token for each hash running.
var hashSlots = make(chan struct{}, HashSlots)

// ErrBusy refuses a login while every hash slot is taken: a quick refusal
// costs nothing, where a queue of waiting logins would hold their requests
// (and let a flood grow without bound) for what is most likely an attack.
var ErrBusy = &Error{Code: CodeTooMany, Message: "The server is busy checking other logins. Please try again in a moment."}

// tryHashing takes a hash slot if one is free.
func tryHashing() (release func(), ok bool) {
	select {
	case hashSlots <- struct{}{}:
		return func() { <-hashSlots }, true
	default:
		return nil, false
	}
}

// hashing waits for a hash slot: for callers that a person is waiting on
// after proving who they are (or the operator's CLI), who queue rather than
// fail.
func hashing() (release func()) {
	hashSlots <- struct{}{}
	return func() { <-hashSlots }
}

// HashPassword returns an encoded argon2id hash of password with a new salt.
// It waits for a hash slot (HashSlots).
func HashPassword(password string) (string, error) {
	defer hashing()()
	salt := make([]byte, argonSaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("read salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, argonTime, argonMemory, argonThreads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, argonMemory, argonTime, argonThreads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// CheckPassword reports whether password matches the encoded hash. It waits
// for a hash slot (HashSlots).
func CheckPassword(encoded, password string) bool {
	defer hashing()()
	return checkPassword(encoded, password)
}

// checkPassword is CheckPassword for a caller that holds a hash slot.
func checkPassword(encoded, password string) bool {
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false
	}
	var mem, t uint32
	var p uint8
	// argon2 panics on zero passes or lanes; a damaged hash must just fail.
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &mem, &t, &p); err != nil || t < 1 || p < 1 || mem > maxArgonMemory || t > 16 {
		return false
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil {
		return false
	}
	want, err := b64.DecodeString(parts[5])
	if err != nil || len(want) == 0 {
		return false
	}
	got := argon2.IDKey([]byte(password), salt, t, mem, p, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1
}

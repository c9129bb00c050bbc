package facilitator

import (
	_ "embed"
	"sort"
	"strings"
	"sync"
	"unicode"
)

// commonPasswordList is the 30,000 most common passwords of breached
// accounts, lower-cased and sorted (common-passwords.LICENSE says where it
// comes from). It is embedded, so the check needs no network and no file.
//
//go:embed common-passwords.txt
var commonPasswordList string

// commonPasswords splits the list once, on first use; the strings share the
// embedded bytes.
var commonPasswords = sync.OnceValue(func() []string {
	return strings.Split(strings.TrimSuffix(commonPasswordList, "\n"), "\n")
})

func listedPassword(lower string) bool {
	list := commonPasswords()
	i := sort.SearchStrings(list, lower)
	return i < len(list) && list[i] == lower
}

// IsCommonPassword reports whether password is among the first ones anyone
// guessing would try: a listed common password in any case, a listed one
// with digits or symbols added at its end ("dragon2024!", the first rule a
// guesser applies), or one of fewer than three different characters.
func IsCommonPassword(password string) bool {
	lower := strings.ToLower(password)
	if listedPassword(lower) {
		return true
	}
	base := strings.TrimRightFunc(lower, func(r rune) bool {
		return unicode.IsDigit(r) || unicode.IsPunct(r) || unicode.IsSymbol(r) || unicode.IsSpace(r)
	})
	if len(base) >= 4 && base != lower && listedPassword(base) {
		return true
	}
	seen := make(map[rune]bool, 3)
	for _, r := range lower {
		seen[r] = true
		if len(seen) >= 3 {
			return false
		}
	}
	return true
}

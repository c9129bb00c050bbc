//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package storage

import (
	"os"
	"time"
)

// lockFile takes no lock where flock is missing: bbolt takes its own when
// it opens the file, just after Hearth's checks, which then may read a file
// another process is writing and report a false damage; they never change it.
func lockFile(f *os.File, exclusive bool, timeout time.Duration) error { return nil }

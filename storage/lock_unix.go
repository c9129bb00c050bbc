//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package storage

import (
	"errors"
	"os"
	"syscall"
	"time"
)

// lockFile takes the advisory lock bbolt takes (exclusive for writing,
// shared for reading) on f, waiting up to timeout; ErrInUse when another
// process holds it. Hearth takes it before reading the file so that what
// it checks is not being written; bbolt's own lock on the same open file
// then succeeds at once.
func lockFile(f *os.File, exclusive bool, timeout time.Duration) error {
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	deadline := time.Now().Add(timeout)
	for {
		err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB)
		if err == nil {
			return nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			return err
		}
		if time.Now().After(deadline) {
			return ErrInUse
		}
		// A lock has no way to be waited on with a deadline: poll, as bbolt does.
		time.Sleep(50 * time.Millisecond)
	}
}

package facilitator

import (
	"context"
	"errors"
	"testing"
	"time"
)

// TestLoginRefusedWhileHashSlotsAreTaken holds every hash slot and checks
// that a login is refused at once, before it looks the email up (the nil
// Store would panic), and that a slot given back lets the next one through
// to the store.
func TestLoginRefusedWhileHashSlotsAreTaken(t *testing.T) {
	var releases []func()
	for range HashSlots {
		release, ok := tryHashing()
		if !ok {
			t.Fatalf("only %d of %d hash slots were free", len(releases), HashSlots)
		}
		releases = append(releases, release)
	}
	s := &Service{}
	start := time.Now()
	_, err := s.Authenticate(context.Background(), "ana@example.org", "a long passphrase")
	if !errors.Is(err, ErrBusy) {
		t.Fatalf("login with every slot taken: %v, want ErrBusy", err)
	}
	if took := time.Since(start); took > 100*time.Millisecond {
		t.Errorf("the refusal took %v; it must not wait for a slot", took)
	}
	if _, ok := tryHashing(); ok {
		t.Fatalf("a slot was free beyond HashSlots = %d", HashSlots)
	}

	// A waiting hash gets the slot given back.
	done := make(chan bool)
	go func() { done <- CheckPassword(dummyHash, "hearth-no-such-account") }()
	select {
	case <-done:
		t.Fatal("CheckPassword ran with every slot taken")
	case <-time.After(50 * time.Millisecond):
	}
	releases[0]()
	if !<-done {
		t.Error("CheckPassword of the right password: false")
	}
	for _, release := range releases[1:] {
		release()
	}
}

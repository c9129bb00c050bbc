package web_test

import (
	"bytes"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"
)

// TestFloodingMemberIsDroppedWhileTheRoomIsStuck floods a room whose disk
// does not answer at all: the first of the flooder's actions waits for its
// commit, holding the room. The flood is still seen, because frames are
// counted as they are read, not as the room gets to them, and the flooder
// is disconnected with 1008 "too many messages" before the disk is back.
// Then the room carries on.
func TestFloodingMemberIsDroppedWhileTheRoomIsStuck(t *testing.T) {
	e, _ := newProductionEnv(t)
	var stuck atomic.Bool
	release := make(chan struct{})
	e.db.CommitHook = func() error {
		if stuck.Load() {
			<-release
		}
		return nil
	}
	released := false
	defer func() {
		if !released {
			close(release)
		}
	}()
	ctx, _, fac, other, flood := floodScene(t, e, 60*time.Second)
	readEnd := make(chan error, 1)
	go func() {
		for {
			if _, _, err := flood.Read(ctx); err != nil {
				readEnd <- err
				return
			}
		}
	}()

	stuck.Store(true)
	var sent atomic.Int64
	go func() {
		for i := range 3000 {
			frame := fmt.Appendf(nil, `{"type":"checkin.answer","id":"flood-%d","data":{"scale":5,"state":"within","note":"flood %d"}}`, i, i)
			if flood.Write(ctx, websocket.MessageText, frame) != nil {
				return
			}
			sent.Add(1)
		}
	}()
	var end error
	select {
	case end = <-readEnd:
	case <-time.After(30 * time.Second):
		t.Fatalf("the flooder is still connected 30 s into the flood (%d frames written) while the room waits for its disk", sent.Load())
	}
	var ce websocket.CloseError
	if !errors.As(end, &ce) || ce.Code != websocket.StatusPolicyViolation || ce.Reason != "too many messages" {
		t.Errorf("the flooder's connection ended with %v, want close %d %q", end, websocket.StatusPolicyViolation, "too many messages")
	}
	t.Logf("disconnected (%v) after %d frames written", end, sent.Load())

	stuck.Store(false)
	close(release)
	released = true
	other.act("checkin.answer", map[string]any{"scale": 7, "state": "within", "note": "after the flood"})
	fac.next("the other member's answer after the flood", func(m msg) bool { return bytes.Contains(m.raw, []byte("after the flood")) })
	if n := e.metric(t, "hearth_flooding_members_dropped_total"); n != 1 {
		t.Errorf("hearth_flooding_members_dropped_total %v, want 1", n)
	}
}

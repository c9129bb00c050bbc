package web_test

import (
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/coder/websocket"
)

// doorMsg is what the door's messages carry beyond msg.
type doorMsg struct {
	Admission bool   `json:"admission"`
	Removed   bool   `json:"removed"`
	Cohort    string `json:"cohort"`
	Door      *struct {
		AdmitOnArrival bool     `json:"admitOnArrival"`
		Locked         bool     `json:"locked"`
		TurnedAway     []string `json:"turnedAway"`
	} `json:"door"`
}

func decodeDoor(tb testing.TB, m msg) doorMsg {
	tb.Helper()
	var d doorMsg
	if err := json.Unmarshal(m.raw, &d); err != nil {
		tb.Fatal(err)
	}
	return d
}

func (e *env) dialParticipant(tb testing.TB, g group, i int) *client {
	tb.Helper()
	c, err := dial(tb, e.wsURL("/ws/p/"+g.tokens[i]), nil, g.names[i])
	if err != nil {
		tb.Fatalf("dial %s: %v", g.names[i], err)
	}
	return c
}

// closedWith waits for the connection's end and checks its close frame.
func closedWith(tb testing.TB, c *client, code websocket.StatusCode, reason string) {
	tb.Helper()
	<-c.closed
	err := c.end
	var ce websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != code || ce.Reason != reason {
		tb.Errorf("%s: closed with %v, want %d %q", c.name, err, code, reason)
	}
}

// TestDoorOverWebSocket runs admission, removal and the lock over real
// WebSockets: who hears what at the door, the snapshot on admission on the
// same connection, and the byes.
func TestDoorOverWebSocket(t *testing.T) {
	e := newEnv(t)
	ana := e.newFacilitator("ana@example.org", "Ana")
	g := ana.newGroup(3, true)
	ana.open(g)
	fac := e.joinFacilitator(t, ana, g)
	sam := e.joinParticipant(t, g, 1) // in before the door was watched
	fac.next("Sam present", func(m msg) bool { return m.Member != nil && m.Member.ID == g.ids[1] })

	fac.act("door.admission", map[string]bool{"admitOnArrival": true})
	sam.next("the door's version", isType("event"))

	// P0 arrives: they wait, the facilitator sees them waiting, Sam sees
	// nothing of it but the version.
	p0 := e.dialParticipant(t, g, 0)
	w := p0.next("waiting", isType("waiting"))
	if d := decodeDoor(t, w); !d.Admission || d.Removed || d.Cohort != "Tuesday circle" {
		t.Errorf("got waiting %s, want admission for the cohort", w.raw)
	}
	fac.next("P0 waiting", func(m msg) bool {
		return m.Member != nil && m.Member.ID == g.ids[0] && m.Member.Presence == "waiting"
	})
	if ev := sam.next("the knock's version", isType("event")); ev.Member != nil {
		t.Errorf("Sam was told of someone at the door: %s", ev.raw)
	}
	// Waiting is no place to act from.
	id := p0.send("checkin.answer", map[string]any{"scale": 5, "state": "within"})
	if m := p0.reply(id, "error"); m.Code != "closed" {
		t.Errorf("got %s for an action at the door, want closed", m.Code)
	}

	fac.act("door.admit", map[string]string{"memberId": g.ids[0]})
	snap := p0.next("snapshot on admission", isType("snapshot"))
	if snap.Room == nil || snap.Room.Status != "open" {
		t.Fatalf("got %s, want the room's snapshot", snap.raw)
	}
	sam.next("P0 present", func(m msg) bool {
		return m.Member != nil && m.Member.ID == g.ids[0] && m.Member.Presence == "present"
	})

	// Removed: P0's connection gets the bye; Sam sees P0 gone.
	fac.act("door.remove", map[string]string{"memberId": g.ids[0]})
	if b := p0.next("bye", isType("bye")); b.Reason != "removed" {
		t.Errorf("got bye %s, want removed", b.raw)
	}
	closedWith(t, p0, websocket.StatusNormalClosure, "removed")
	sam.next("P0 left", func(m msg) bool {
		return m.Member != nil && m.Member.ID == g.ids[0] && m.Member.Presence == "left"
	})

	// Coming back, P0 waits as someone sent out, locked door or not.
	fac.act("door.lock", map[string]bool{"locked": true})
	again := e.dialParticipant(t, g, 0)
	if d := decodeDoor(t, again.next("waiting", isType("waiting"))); !d.Removed {
		t.Error("a removed participant who comes back waits without removed: true")
	}

	// P2 was never in: the locked door turns them away, and the
	// facilitators see who tried.
	p2 := e.dialParticipant(t, g, 2)
	if b := p2.next("bye", isType("bye")); b.Reason != "locked" {
		t.Errorf("got bye %s, want locked", b.raw)
	}
	closedWith(t, p2, websocket.StatusNormalClosure, "locked")
	fac.next("P2 turned away", func(m msg) bool {
		d := decodeDoor(t, m)
		return d.Door != nil && slices.Contains(d.Door.TurnedAway, g.ids[2])
	})

	fac.act("door.admit", map[string]string{"memberId": g.ids[0]})
	again.next("snapshot on readmission", isType("snapshot"))
	if sam.received(`"presence":"removed"`) || sam.received(`"presence":"waiting"`) || sam.received(`"door"`) {
		t.Error("a participant was sent the door")
	}
}

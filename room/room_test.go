package room

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"sync/atomic"
	"testing"
	"time"
)

const (
	startGroup        = `{"prompt":"How are you arriving?","visibility":"group"}`
	startFacilitators = `{"prompt":"How are you arriving?","visibility":"facilitators"}`
)

// wantEvent receives sub's next message and checks it is the event of
// version v.
func wantEvent(tb testing.TB, sub *Subscription, v uint64) wireMsg {
	tb.Helper()
	msg := recvType(tb, sub, "event")
	if msg.Version != v {
		tb.Fatalf("%s: got event version %d, want %d: %s", sub.Member().ID, msg.Version, v, msg.raw)
	}
	return msg
}

// wantAck receives sub's next message and checks it acknowledges id at v.
func wantAck(tb testing.TB, sub *Subscription, id string, v uint64, duplicate bool) {
	tb.Helper()
	msg := recvType(tb, sub, "ack")
	if msg.ID != id || msg.Version != v || msg.Duplicate != duplicate {
		tb.Fatalf("%s: got ack %s, want id %q version %d duplicate %v", sub.Member().ID, msg.raw, id, v, duplicate)
	}
}

// wantError receives sub's next message and checks it refuses id with code.
func wantError(tb testing.TB, sub *Subscription, id, code string) {
	tb.Helper()
	msg := recvType(tb, sub, "error")
	if msg.ID != id || msg.Code != code || msg.Message == "" {
		tb.Fatalf("%s: got error %s, want id %q code %q and a message", sub.Member().ID, msg.raw, id, code)
	}
}

// wantPresence receives sub's next message and checks it is the event of
// version v that moves member to p.
func wantPresence(tb testing.TB, sub *Subscription, v uint64, member string, p Presence) {
	tb.Helper()
	msg := wantEvent(tb, sub, v)
	if msg.Member == nil || msg.Member.ID != member || msg.Member.Presence != string(p) {
		tb.Fatalf("%s: got event %s, want %s %s", sub.Member().ID, msg.raw, member, p)
	}
}

// wantBye receives sub's next message and checks it is a bye for reason.
func wantBye(tb testing.TB, sub *Subscription, reason string) {
	tb.Helper()
	msg := recvType(tb, sub, "bye")
	if msg.Reason != reason || msg.Message == "" {
		tb.Fatalf("%s: got bye %s, want reason %q and a message", sub.Member().ID, msg.raw, reason)
	}
}

// drain empties sub's queue.
func drain(sub *Subscription) {
	for {
		select {
		case <-sub.Messages():
		default:
			return
		}
	}
}

// version returns the room's committed version.
func version(r *Room) uint64 { return r.State().Version }

// hasTimer reports whether a grace timer runs for the member.
func hasTimer(r *Room, memberID string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.timers[memberID]
	return ok
}

// counter is an Observer that counts.
type counter struct {
	applied, rejected, slow, fannedOut atomic.Int64
}

func (c *counter) Applied(string)  { c.applied.Add(1) }
func (c *counter) Rejected(string) { c.rejected.Add(1) }
func (c *counter) SlowDropped()    { c.slow.Add(1) }
func (c *counter) FannedOut(took time.Duration) {
	c.fannedOut.Add(1)
}

func TestJoin(t *testing.T) {
	t.Run("join gives a snapshot first", func(t *testing.T) {
		m, store := newTestManager(t, Config{})
		r := openTestRoom(t, m)
		if v := version(r); v != 1 {
			t.Fatalf("got version %d after open, want 1", v)
		}
		f := join(t, r, "f1")
		snap := recvType(t, f, "snapshot")
		if snap.Version != 2 {
			t.Errorf("got snapshot version %d, want 2 (open, then the facilitator's arrival)", snap.Version)
		}
		if snap.You == nil || *snap.You != (wireMember{ID: "f1", Name: "Ana", Role: "facilitator", Presence: "present"}) {
			t.Errorf("got you %+v, want Ana, present", snap.You)
		}
		wantMembers := []wireMember{
			{ID: "f1", Name: "Ana", Role: "facilitator", Presence: "present"},
			{ID: "p1", Name: "Sam", Role: "participant", Presence: "absent"},
			{ID: "p2", Name: "Kim", Role: "participant", Presence: "absent"},
			{ID: "p3", Name: "Lee", Role: "participant", Presence: "absent"},
		}
		if snap.Room == nil || snap.Room.SessionID != "s1" || snap.Room.Status != "open" || !reflect.DeepEqual(snap.Room.Members, wantMembers) {
			t.Errorf("got room %s, want session s1, open, with members %+v", snap.raw, wantMembers)
		}
		recvNone(t, f)

		p := join(t, r, "p1")
		wantPresence(t, f, 3, "p1", Present)
		if snap := recvType(t, p, "snapshot"); snap.Version != 3 {
			t.Errorf("got snapshot version %d, want 3", snap.Version)
		}
		if got := store.Saved(t, "s1"); got.Version != 3 {
			t.Errorf("got stored version %d, want 3", got.Version)
		}
		saved := store.Saved(t, "s1")
		first, _ := saved.Member("p1")
		if first.FirstJoined.IsZero() {
			t.Error("the participant's first arrival is not recorded")
		}
	})

	t.Run("a second connection of a present member changes nothing", func(t *testing.T) {
		m, _ := newTestManager(t, Config{})
		r := openTestRoom(t, m)
		f := join(t, r, "f1")
		join(t, r, "p1")
		drain(f)
		p := join(t, r, "p1")
		if snap := recvType(t, p, "snapshot"); snap.Version != 3 {
			t.Errorf("got snapshot version %d, want 3", snap.Version)
		}
		recvNone(t, f)
	})

	t.Run("a non-member is refused", func(t *testing.T) {
		m, _ := newTestManager(t, Config{})
		r := openTestRoom(t, m)
		if _, err := r.Join(context.Background(), "stranger"); !errors.Is(err, ErrNotMember) {
			t.Errorf("got %v, want ErrNotMember", err)
		}
		if v := version(r); v != 1 {
			t.Errorf("got version %d, want 1", v)
		}
	})

	t.Run("no room opens after stop", func(t *testing.T) {
		m, _ := newTestManager(t, Config{})
		m.Stop()
		if _, err := m.Open(context.Background(), State{SessionID: "s9", CohortID: "c9"}); !errors.Is(err, ErrStopped) {
			t.Errorf("got %v, want ErrStopped", err)
		}
	})

	t.Run("join after stop is refused", func(t *testing.T) {
		m, store := newTestManager(t, Config{Grace: time.Hour})
		r := openTestRoom(t, m)
		f := join(t, r, "f1")
		join(t, r, "p1").Leave()
		if !hasTimer(r, "p1") {
			t.Fatal("no grace timer runs for the dropped member")
		}
		m.Stop()
		if hasTimer(r, "p1") {
			t.Error("a grace timer still runs after stop")
		}
		if _, err := r.Join(context.Background(), "p1"); !errors.Is(err, ErrStopped) {
			t.Errorf("got %v, want ErrStopped", err)
		}
		if got := waitDone(t, f); got != ReasonStopped {
			t.Errorf("got reason %q, want %q", got, ReasonStopped)
		}
		if got := store.Saved(t, "s1").Status; got != Open {
			t.Errorf("got stored status %q, want the room kept open for the next server", got)
		}
		// Nothing is taken after stop: the next server does it.
		if err := r.Act(context.Background(), "f1", Command{Type: TypeCheckInStart, ID: "a-1", Data: []byte(startGroup)}); ErrorCode(err) != CodeClosed {
			t.Errorf("got %v, want code %q", err, CodeClosed)
		}
	})

	t.Run("join with a failing store is refused", func(t *testing.T) {
		m, store := newTestManager(t, Config{})
		r := openTestRoom(t, m)
		f := join(t, r, "f1")
		drain(f)
		store.SetFail(true)
		if _, err := r.Join(context.Background(), "p1"); !errors.Is(err, errSaveFailed) {
			t.Errorf("got %v, want the store's error", err)
		}
		recvNone(t, f)
		if got := presence(t, r, "p1"); got != Absent {
			t.Errorf("got presence %q, want %q", got, Absent)
		}
	})
}

func TestActions(t *testing.T) {
	m, store := newTestManager(t, Config{})
	r := openTestRoom(t, m)
	f := join(t, r, "f1")
	p1 := join(t, r, "p1")
	p2 := join(t, r, "p2")
	for _, s := range []*Subscription{f, p1, p2} {
		drain(s)
	}
	v := version(r) // 4

	t.Run("an action is acked after its event and the others get the event", func(t *testing.T) {
		if err := do(t, f, TypeCheckInStart, "a-1", startFacilitators); err != nil {
			t.Fatal(err)
		}
		v++
		ev := wantEvent(t, f, v)
		if ev.Activity == nil || ev.Activity.Prompt != "How are you arriving?" || !ev.Activity.Open || ev.Activity.Expected != 2 {
			t.Errorf("got activity %+v, want the open check-in expecting 2", ev.Activity)
		}
		wantAck(t, f, "a-1", v, false)
		for _, p := range []*Subscription{p1, p2} {
			if ev := wantEvent(t, p, v); ev.Activity == nil {
				t.Errorf("%s: got no activity in %s", p.Member().ID, ev.raw)
			}
			recvNone(t, p)
		}
		recvNone(t, f)
		if got := store.Saved(t, "s1").Version; got != v {
			t.Errorf("got stored version %d, want %d", got, v)
		}
	})

	t.Run("the same action sent twice is applied once", func(t *testing.T) {
		if err := do(t, f, TypeCheckInStart, "a-1", startFacilitators); err != nil {
			t.Fatal(err)
		}
		wantAck(t, f, "a-1", v, true)
		recvNone(t, f)
		recvNone(t, p1)
		recvNone(t, p2)
		if got := version(r); got != v {
			t.Errorf("got version %d, want %d", got, v)
		}
	})

	t.Run("an answer reaches its author as mine and stays private", func(t *testing.T) {
		const note = "private-note-of-sam"
		if err := do(t, p1, TypeCheckInAnswer, "x-1", `{"scale":6,"state":"within","feeling":"tender","note":"`+note+`"}`); err != nil {
			t.Fatal(err)
		}
		v++
		ev := wantEvent(t, p1, v)
		if ev.Mine == nil || ev.Mine.Answer == nil || ev.Mine.Answer.Note != note {
			t.Errorf("got mine %s, want the answer", ev.raw)
		}
		wantAck(t, p1, "x-1", v, false)
		ev = wantEvent(t, f, v)
		if ev.Activity == nil || len(ev.Activity.Answers) != 1 || ev.Activity.Answers[0].Note != note {
			t.Errorf("facilitator got %s, want Sam's answer", ev.raw)
		}
		ev = wantEvent(t, p2, v)
		if bytes.Contains(ev.raw, []byte(note)) || ev.Mine != nil {
			t.Errorf("another participant got %s, want no trace of Sam's answer", ev.raw)
		}
		if ev.Activity == nil || ev.Activity.AnsweredCount != 1 {
			t.Errorf("another participant got activity %+v, want answeredCount 1", ev.Activity)
		}
	})

	t.Run("action IDs are per member", func(t *testing.T) {
		if err := do(t, p2, TypeCheckInAnswer, "x-1", `{"scale":2,"state":"hypo"}`); err != nil {
			t.Fatal(err)
		}
		v++
		wantEvent(t, p2, v)
		wantAck(t, p2, "x-1", v, false)
		wantEvent(t, f, v)
		wantEvent(t, p1, v)
	})

	t.Run("a refused action gets an error and changes nothing", func(t *testing.T) {
		if err := do(t, p1, TypeCheckInClose, "x-2", ""); err != nil {
			t.Fatal(err)
		}
		wantError(t, p1, "x-2", CodeNotAllowed)
		if err := do(t, f, "checkin.dance", "a-2", ""); err != nil {
			t.Fatal(err)
		}
		wantError(t, f, "a-2", CodeUnknownType)
		for _, s := range []*Subscription{f, p1, p2} {
			recvNone(t, s)
		}
		if got := version(r); got != v {
			t.Errorf("got version %d, want %d", got, v)
		}
	})

	t.Run("a refused action can be sent again with its ID once it is valid", func(t *testing.T) {
		if err := do(t, p1, TypeCheckInAnswer, "x-3", `{"scale":11,"state":"within"}`); err != nil {
			t.Fatal(err)
		}
		wantError(t, p1, "x-3", CodeInvalid)
		if err := do(t, p1, TypeCheckInAnswer, "x-3", `{"scale":7,"state":"within"}`); err != nil {
			t.Fatal(err)
		}
		v++
		wantEvent(t, p1, v)
		wantAck(t, p1, "x-3", v, false)
		drain(f)
		drain(p2)
	})

	t.Run("a duplicate is acknowledged at the version it was first applied at", func(t *testing.T) {
		// The room has moved on since each was applied: a client that
		// missed the first ack learns where its action landed, not where
		// the room is now.
		tests := []struct {
			sub           *Subscription
			typ, id, data string
			v             uint64
		}{
			{f, TypeCheckInStart, "a-1", startFacilitators, 5},
			{p1, TypeCheckInAnswer, "x-1", `{"scale":6,"state":"within"}`, 6},
			{p2, TypeCheckInAnswer, "x-1", `{"scale":2,"state":"hypo"}`, 7},
			{p1, TypeCheckInAnswer, "x-3", `{"scale":7,"state":"within"}`, 8},
		}
		if v != 8 {
			t.Fatalf("got version %d, want 8: the cases below name the versions of the actions above", v)
		}
		for _, tc := range tests {
			if err := do(t, tc.sub, tc.typ, tc.id, tc.data); err != nil {
				t.Fatal(err)
			}
			wantAck(t, tc.sub, tc.id, tc.v, true)
		}
		for _, s := range []*Subscription{f, p1, p2} {
			recvNone(t, s)
		}
		if got := version(r); got != v {
			t.Errorf("got version %d, want %d", got, v)
		}
	})

	t.Run("sync sends a fresh snapshot", func(t *testing.T) {
		if err := do(t, p1, TypeSync, "", ""); err != nil {
			t.Fatal(err)
		}
		snap := recvType(t, p1, "snapshot")
		if snap.Version != v || snap.Room.Mine == nil || snap.Room.Mine.Answer == nil || snap.Room.Mine.Answer.Scale != 7 {
			t.Errorf("got %s, want version %d with Sam's answer in mine", snap.raw, v)
		}
		recvNone(t, f)
	})

	t.Run("a rejected frame gets an error", func(t *testing.T) {
		p1.Reject("", CodeBadMessage, "The message is not a JSON object.")
		wantError(t, p1, "", CodeBadMessage)
	})

	t.Run("an action without a connection is published too", func(t *testing.T) {
		if err := r.Act(context.Background(), "f1", Command{Type: TypeCheckInClose, ID: "http-1"}); err != nil {
			t.Fatal(err)
		}
		v++
		for _, s := range []*Subscription{f, p1, p2} {
			if ev := wantEvent(t, s, v); ev.Activity == nil || ev.Activity.Open {
				t.Errorf("%s: got %s, want the closed check-in", s.Member().ID, ev.raw)
			}
		}
		err := r.Act(context.Background(), "p1", Command{Type: TypeCheckInAnswer, ID: "http-2", Data: []byte(`{"scale":1,"state":"hypo"}`)})
		if got := ErrorCode(err); got != CodeClosed {
			t.Errorf("got %v, want code %q", err, CodeClosed)
		}
	})
}

func TestPresence(t *testing.T) {
	t.Run("a dropped member is reconnecting, then left after the grace", func(t *testing.T) {
		m, store := newTestManager(t, Config{Grace: 50 * time.Millisecond})
		r := openTestRoom(t, m)
		f := join(t, r, "f1")
		p := join(t, r, "p1")
		drain(f)
		p.Leave()
		wantPresence(t, f, 4, "p1", Reconnecting)
		wantPresence(t, f, 5, "p1", Left)
		if got := presence(t, r, "p1"); got != Left {
			t.Errorf("got presence %q, want %q", got, Left)
		}
		if got := store.Saved(t, "s1").Version; got != 5 {
			t.Errorf("got stored version %d, want 5", got)
		}
		if hasTimer(r, "p1") {
			t.Error("a grace timer still runs for the member who left")
		}
		if got := waitDone(t, p); got != ReasonStopped {
			t.Errorf("got reason %q for a connection that left, want %q", got, ReasonStopped)
		}
	})

	t.Run("rejoin within the grace cancels the timer", func(t *testing.T) {
		// A grace that cannot run out during the test: the timer must be
		// cancelled, not outrun.
		m, _ := newTestManager(t, Config{Grace: time.Hour})
		r := openTestRoom(t, m)
		f := join(t, r, "f1")
		p := join(t, r, "p1")
		drain(f)
		p.Leave()
		wantPresence(t, f, 4, "p1", Reconnecting)
		if !hasTimer(r, "p1") {
			t.Fatal("no grace timer runs for the dropped member")
		}
		p = join(t, r, "p1")
		wantPresence(t, f, 5, "p1", Present)
		if snap := recvType(t, p, "snapshot"); snap.Version != 5 {
			t.Errorf("got snapshot version %d, want 5", snap.Version)
		}
		if hasTimer(r, "p1") {
			t.Error("the grace timer still runs after the member came back")
		}
	})

	t.Run("a member who comes back after the grace is present again", func(t *testing.T) {
		m, _ := newTestManager(t, Config{Grace: 50 * time.Millisecond})
		r := openTestRoom(t, m)
		f := join(t, r, "f1")
		join(t, r, "p1").Leave()
		drain(f)
		for presence(t, r, "p1") != Left {
			recv(t, f) // the left event, or fail after waitFor
		}
		join(t, r, "p1")
		wantPresence(t, f, 6, "p1", Present)
	})

	t.Run("a member with two connections stays present when one leaves", func(t *testing.T) {
		m, _ := newTestManager(t, Config{Grace: 50 * time.Millisecond})
		r := openTestRoom(t, m)
		f := join(t, r, "f1")
		phone := join(t, r, "p1")
		laptop := join(t, r, "p1")
		drain(f)
		drain(laptop)
		phone.Leave()
		recvNone(t, f)
		recvNone(t, laptop)
		notDone(t, laptop)
		if got := presence(t, r, "p1"); got != Present {
			t.Errorf("got presence %q, want %q", got, Present)
		}
		if hasTimer(r, "p1") {
			t.Error("a grace timer runs for a member who is still connected")
		}
		laptop.Leave()
		wantPresence(t, f, 4, "p1", Reconnecting)
	})

	t.Run("leaving twice settles presence once", func(t *testing.T) {
		m, _ := newTestManager(t, Config{Grace: time.Hour})
		r := openTestRoom(t, m)
		f := join(t, r, "f1")
		p := join(t, r, "p1")
		drain(f)
		p.Leave()
		p.Leave()
		wantPresence(t, f, 4, "p1", Reconnecting)
		recvNone(t, f)
	})

	t.Run("the check-in's expected count follows presence", func(t *testing.T) {
		m, _ := newTestManager(t, Config{Grace: time.Hour})
		r := openTestRoom(t, m)
		f := join(t, r, "f1")
		join(t, r, "p1")
		if err := do(t, f, TypeCheckInStart, "a-1", startGroup); err != nil {
			t.Fatal(err)
		}
		drain(f)
		join(t, r, "p2")
		ev := wantEvent(t, f, 5)
		if ev.Member == nil || ev.Member.ID != "p2" || ev.Activity == nil || ev.Activity.Expected != 2 {
			t.Errorf("got %s, want p2 present and the check-in expecting 2", ev.raw)
		}
	})
}

func TestSlowMemberIsDropped(t *testing.T) {
	// A slow member is dropped and the others are not delayed.
	obs := &counter{}
	m, _ := newTestManager(t, Config{QueueSize: 4, Observer: obs})
	r := openTestRoom(t, m)
	f := join(t, r, "f1")
	reader := join(t, r, "p1")
	slow := join(t, r, "p2") // never reads
	drain(f)
	drain(reader)
	v := version(r) // 4; slow holds its snapshot

	const actions = 30
	var got []uint64
	for i := range actions {
		typ, data := TypeCheckInStart, startGroup
		if i%2 == 1 {
			typ, data = TypeActivityEnd, ""
		}
		id := fmt.Sprintf("a-%d", i)
		// do fails the test if the fan-out blocks on the slow member.
		if err := do(t, f, typ, id, data); err != nil {
			t.Fatalf("action %d: %v", i, err)
		}
		v++
		wantEvent(t, f, v)
		wantAck(t, f, id, v, false)
		got = append(got, recvType(t, reader, "event").Version)
	}
	var want []uint64
	for i := range actions {
		want = append(want, 5+uint64(i))
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the reading member got versions %v, want %v", got, want)
	}
	notDone(t, reader)
	notDone(t, f)

	if reason := waitDone(t, slow); reason != ReasonSlow {
		t.Errorf("got reason %q, want %q", reason, ReasonSlow)
	}
	// What was queued before the drop is still in order; nothing came after.
	var queued []string
	for len(slow.Messages()) > 0 {
		msg := decodeMsg(t, (<-slow.Messages()).Data)
		queued = append(queued, fmt.Sprintf("%s %d", msg.Type, msg.Version))
	}
	if want := []string{"snapshot 4", "event 5", "event 6", "event 7"}; !reflect.DeepEqual(queued, want) {
		t.Errorf("the slow member's queue held %v, want %v", queued, want)
	}
	if n := obs.slow.Load(); n != 1 {
		t.Errorf("observer saw %d slow drops, want 1", n)
	}
	if n := obs.applied.Load(); n != actions {
		t.Errorf("observer saw %d applied actions, want %d", n, actions)
	}

	// Its connection goes; the member is reconnecting and resyncs on return.
	slow.Leave()
	v++
	wantPresence(t, f, v, "p2", Reconnecting)
	back := join(t, r, "p2")
	v++
	if snap := recvType(t, back, "snapshot"); snap.Version != v {
		t.Errorf("got snapshot version %d, want %d", snap.Version, v)
	}
}

func TestFailingStore(t *testing.T) {
	obs := &counter{}
	m, store := newTestManager(t, Config{Observer: obs})
	r := openTestRoom(t, m)
	f := join(t, r, "f1")
	p := join(t, r, "p1")
	drain(f)
	drain(p)
	before := r.State()
	saved := store.Saved(t, "s1")

	store.SetFail(true)
	err := do(t, f, TypeCheckInStart, "a-1", startGroup)
	if !errors.Is(err, errSaveFailed) {
		t.Errorf("got %v from Do, want the store's error", err)
	}
	wantError(t, f, "a-1", CodeInternal)
	recvNone(t, f)
	recvNone(t, p)
	if got := r.State(); !reflect.DeepEqual(got, before) {
		t.Errorf("the room changed although nothing was saved:\ngot  %+v\nwant %+v", got, before)
	}
	if got := store.Saved(t, "s1"); !reflect.DeepEqual(got, saved) {
		t.Errorf("the store changed:\ngot  %+v\nwant %+v", got, saved)
	}
	if err := r.Act(context.Background(), "f1", Command{Type: TypeCheckInStart, ID: "a-2", Data: []byte(startGroup)}); !errors.Is(err, errSaveFailed) {
		t.Errorf("got %v from Act, want the store's error", err)
	}
	recvNone(t, f)
	recvNone(t, p)
	if n := obs.applied.Load(); n != 0 {
		t.Errorf("observer saw %d applied actions, want 0", n)
	}

	// The action was not remembered, so the client's retry goes through.
	store.SetFail(false)
	if err := do(t, f, TypeCheckInStart, "a-1", startGroup); err != nil {
		t.Fatal(err)
	}
	wantEvent(t, f, before.Version+1)
	wantAck(t, f, "a-1", before.Version+1, false)
	wantEvent(t, p, before.Version+1)
}

func TestRoomClose(t *testing.T) {
	closed := make(chan State, 1)
	m, store := newTestManager(t, Config{OnClosed: func(s State) { closed <- s }})
	r := openTestRoom(t, m)
	f := join(t, r, "f1")
	p1 := join(t, r, "p1")
	p2 := join(t, r, "p2")
	if err := do(t, f, TypeCheckInStart, "a-1", startGroup); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*Subscription{f, p1, p2} {
		drain(s)
	}
	v := version(r) + 1

	if err := do(t, f, TypeRoomClose, "a-2", ""); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*Subscription{f, p1, p2} {
		ev := wantEvent(t, s, v)
		if ev.Status != "closed" || string(ev.keys["activity"]) != "null" {
			t.Errorf("%s: got %s, want status closed and no activity", s.Member().ID, ev.raw)
		}
		if s == f {
			wantAck(t, f, "a-2", v, false)
		}
		wantBye(t, s, ReasonClosed)
		recvNone(t, s)
		if got := waitDone(t, s); got != ReasonClosed {
			t.Errorf("%s: got reason %q, want %q", s.Member().ID, got, ReasonClosed)
		}
	}

	if _, ok := m.Get("s1"); ok {
		t.Error("Get still returns the closed room")
	}
	if _, ok := m.ForCohort("c1"); ok {
		t.Error("ForCohort still returns the closed room")
	}
	select {
	case s := <-closed:
		if s.Status != Closed || s.SessionID != "s1" || len(s.History) != 1 {
			t.Errorf("OnClosed got status %q session %q with %d activities, want the closed s1 with its check-in", s.Status, s.SessionID, len(s.History))
		}
	case <-time.After(waitFor):
		t.Fatal("OnClosed was not called")
	}
	if n := m.Len(); n != 0 {
		t.Errorf("got %d live rooms, want 0", n)
	}
	if got := store.Saved(t, "s1"); got.Status != Closed || got.Version != v {
		t.Errorf("got stored status %q version %d, want closed at %d", got.Status, got.Version, v)
	}
	if _, err := r.Join(context.Background(), "p3"); !errors.Is(err, ErrClosed) {
		t.Errorf("got %v from Join, want ErrClosed", err)
	}
	if err := r.Act(context.Background(), "f1", Command{Type: TypeCheckInStart, ID: "a-3", Data: []byte(startGroup)}); ErrorCode(err) != CodeClosed {
		t.Errorf("got %v from Act, want code %q", err, CodeClosed)
	}
	// The cohort may open its next session.
	if _, err := m.Open(context.Background(), State{SessionID: "s2", CohortID: "c1", Members: roster()}); err != nil {
		t.Errorf("open the next session: %v", err)
	}
}

func TestManagerOpen(t *testing.T) {
	t.Run("a cohort has one live room", func(t *testing.T) {
		m, _ := newTestManager(t, Config{})
		r := openTestRoom(t, m)
		_, err := m.Open(context.Background(), State{SessionID: "s2", CohortID: "c1", Members: roster()})
		if !errors.Is(err, ErrAlreadyOpen) {
			t.Errorf("got %v, want ErrAlreadyOpen", err)
		}
		if got, ok := m.ForCohort("c1"); !ok || got != r {
			t.Errorf("ForCohort got %v %v, want the first room", got, ok)
		}
		if got, ok := m.Get("s1"); !ok || got != r {
			t.Errorf("Get got %v %v, want the first room", got, ok)
		}
		if _, ok := m.Get("s2"); ok {
			t.Error("Get returns a room that was refused")
		}
	})

	t.Run("a closing room is not found while its removal is pending", func(t *testing.T) {
		// The room is marked closed at once; the Manager forgets it a moment
		// later, from OnClosed. Nobody may join it in between.
		m, _ := newTestManager(t, Config{})
		r := openTestRoom(t, m)
		r.closed.Store(true)
		if _, ok := m.Get("s1"); ok {
			t.Error("Get returns a closed room")
		}
		if _, ok := m.ForCohort("c1"); ok {
			t.Error("ForCohort returns a closed room")
		}
		if _, err := m.Open(context.Background(), State{SessionID: "s2", CohortID: "c1", Members: roster()}); err != nil {
			t.Errorf("open the next session while the last one closes: %v", err)
		}
	})

	t.Run("a room that could not be saved is not open", func(t *testing.T) {
		m, store := newTestManager(t, Config{})
		store.SetFail(true)
		if _, err := m.Open(context.Background(), State{SessionID: "s1", CohortID: "c1", Members: roster()}); !errors.Is(err, errSaveFailed) {
			t.Errorf("got %v, want the store's error", err)
		}
		if _, ok := m.Get("s1"); ok {
			t.Error("Get returns a room that was never saved")
		}
	})
}

func TestRestore(t *testing.T) {
	// The room as the last server committed it: Ana and Sam were connected.
	left := State{
		SessionID: "s1", CohortID: "c1", Title: "Week 1", Status: Open, Version: 10, OpenedAt: t0,
		Members: []Member{
			{ID: "f1", Name: "Ana", Role: Facilitator, Presence: Present, Since: t0, FirstJoined: t0},
			{ID: "p1", Name: "Sam", Role: Participant, Presence: Present, Since: t0, FirstJoined: t0},
			{ID: "p2", Name: "Kim", Role: Participant, Presence: Absent, Since: t0},
			{ID: "p3", Name: "Lee", Role: Participant, Presence: Left, Since: t0, FirstJoined: t0},
		},
		Current: &Activity{Run: &CheckIn{
			ID: "ci-1", Prompt: "How are you arriving?", Visibility: Anonymous, Open: true, StartedAt: t0,
			Answers: map[string]Answer{"p1": {MemberID: "p1", Scale: 6, State: Within, At: t0}},
		}},
		// x-1 as rooms stored it before they kept the version it was
		// applied at; x-2 with it.
		Applied: map[string][]AppliedAction{"p1": {{ID: "x-1"}, {ID: "x-2", Version: 9}}},
	}
	seed := func(tb testing.TB) *memStore {
		tb.Helper()
		store := newMemStore()
		ended := left
		ended.SessionID, ended.CohortID, ended.Status = "s0", "c0", Closed
		for _, s := range []State{left, ended} {
			if err := store.SaveRoom(context.Background(), firstRecord(&s), nil); err != nil {
				tb.Fatal(err)
			}
		}
		return store
	}

	t.Run("present members are reconnecting and the version moves on", func(t *testing.T) {
		store := seed(t)
		m, _ := newTestManager(t, Config{Store: store, Grace: 50 * time.Millisecond})
		n, err := m.Restore(context.Background())
		if err != nil || n != 1 {
			t.Fatalf("got %d rooms, %v; want 1 room", n, err)
		}
		if _, ok := m.Get("s0"); ok {
			t.Error("a closed room came back")
		}
		r, ok := m.Get("s1")
		if !ok {
			t.Fatal("the open room did not come back")
		}
		if got, ok := m.ForCohort("c1"); !ok || got != r {
			t.Errorf("ForCohort got %v %v, want the restored room", got, ok)
		}
		st := r.State()
		if st.Version != 11 {
			t.Errorf("got version %d, want 11", st.Version)
		}
		want := map[string]Presence{"f1": Reconnecting, "p1": Reconnecting, "p2": Absent, "p3": Left}
		for id, p := range want {
			mem, _ := st.Member(id)
			if mem.Presence != p {
				t.Errorf("%s: got presence %q, want %q", id, mem.Presence, p)
			}
		}
		if !reflect.DeepEqual(st.Current, left.Current) || !reflect.DeepEqual(st.Applied, left.Applied) {
			t.Errorf("the activity or the applied IDs changed: got %+v %v", st.Current, st.Applied)
		}
		if got := store.Saved(t, "s1").Version; got != 11 {
			t.Errorf("got stored version %d, want 11", got)
		}

		// Ana comes back; Sam does not and is left after the grace.
		f := join(t, r, "f1")
		snap := recvType(t, f, "snapshot")
		if snap.Version != 12 || snap.Room.Activity == nil || snap.Room.Activity.Expected != 1 {
			t.Errorf("got %s, want version 12 with the check-in expecting Sam", snap.raw)
		}
		ev := wantEvent(t, f, 13)
		if ev.Member == nil || ev.Member.ID != "p1" || ev.Member.Presence != "left" {
			t.Fatalf("got %s, want Sam left", ev.raw)
		}
		if ev.Activity == nil || ev.Activity.Expected != 0 {
			t.Errorf("got activity %+v, want the check-in expecting nobody", ev.Activity)
		}
		if hasTimer(r, "f1") || hasTimer(r, "p1") {
			t.Error("a grace timer still runs")
		}
		if got := presence(t, r, "f1"); got != Present {
			t.Errorf("got Ana %q, want %q", got, Present)
		}
		// Sam's retried actions are still applied once: acknowledged at the
		// version each was applied at, or, for one remembered without it,
		// at the room's.
		p := join(t, r, "p1")
		drain(p)
		drain(f)
		for id, v := range map[string]uint64{"x-1": 14, "x-2": 9} {
			if err := do(t, p, TypeCheckInAnswer, id, `{"scale":6,"state":"within"}`); err != nil {
				t.Fatal(err)
			}
			wantAck(t, p, id, v, true)
		}
		recvNone(t, f)
		if got := version(r); got != 14 {
			t.Errorf("got version %d after the retries, want 14", got)
		}
	})

	t.Run("a store that cannot save stops the restore", func(t *testing.T) {
		store := seed(t)
		store.SetFail(true)
		m, _ := newTestManager(t, Config{Store: store})
		if _, err := m.Restore(context.Background()); !errors.Is(err, errSaveFailed) {
			t.Errorf("got %v, want the store's error", err)
		}
		if _, ok := m.Get("s1"); ok {
			t.Error("a room that could not be saved came back")
		}
	})
}

func TestDisconnect(t *testing.T) {
	m, _ := newTestManager(t, Config{Grace: time.Hour})
	r := openTestRoom(t, m)
	f := join(t, r, "f1")
	phone := join(t, r, "p1")
	laptop := join(t, r, "p1")
	other := join(t, r, "p2")
	for _, s := range []*Subscription{f, phone, laptop, other} {
		drain(s)
	}
	v := version(r)

	r.Disconnect("p1", ReasonRevoked, "This invite link is no longer valid.")
	for _, s := range []*Subscription{phone, laptop} {
		wantBye(t, s, ReasonRevoked)
		if got := waitDone(t, s); got != ReasonRevoked {
			t.Errorf("got reason %q, want %q", got, ReasonRevoked)
		}
	}
	for _, s := range []*Subscription{f, other} {
		notDone(t, s)
		recvNone(t, s)
	}
	// A disconnected subscription takes nothing more.
	if err := do(t, phone, TypeCheckInStart, "x-1", startGroup); err != nil {
		t.Fatal(err)
	}
	recvNone(t, phone)
	if got := version(r); got != v {
		t.Errorf("got version %d, want %d", got, v)
	}

	phone.Leave()
	recvNone(t, f)
	laptop.Leave()
	wantPresence(t, f, v+1, "p1", Reconnecting)
	wantPresence(t, other, v+1, "p1", Reconnecting)
}

func TestByeReachesAFullQueue(t *testing.T) {
	m, _ := newTestManager(t, Config{QueueSize: 4})
	r := openTestRoom(t, m)
	p := join(t, r, "p1") // snapshot
	join(t, r, "f1")      // event
	join(t, r, "p2")      // event
	join(t, r, "p3")      // event: p1's queue is at its bound
	notDone(t, p)

	r.Disconnect("p1", ReasonRevoked, "This invite link is no longer valid.")
	var types []string
	for len(p.Messages()) > 0 {
		types = append(types, decodeMsg(t, (<-p.Messages()).Data).Type)
	}
	if want := []string{"snapshot", "event", "event", "event", "bye"}; !reflect.DeepEqual(types, want) {
		t.Errorf("got %v, want %v", types, want)
	}
	if got := waitDone(t, p); got != ReasonRevoked {
		t.Errorf("got reason %q, want %q", got, ReasonRevoked)
	}
}

// TestFanOutReported checks the fan-out time the Observer is told: once per
// published change, after the last member it was queued for has it written,
// and not held back by a member who was dropped instead.
func TestFanOutReported(t *testing.T) {
	obs := &counter{}
	m, _ := newTestManager(t, Config{Observer: obs, QueueSize: 3})
	r := openTestRoom(t, m)
	f := join(t, r, "f1")
	p1 := join(t, r, "p1")
	p2 := join(t, r, "p2")
	// written takes sub's next message as its writer would: written out.
	written := func(sub *Subscription) *Message {
		t.Helper()
		select {
		case msg := <-sub.Messages():
			msg.Written()
			return msg
		case <-time.After(waitFor):
			t.Fatalf("%s: no message", sub.Member().ID)
			return nil
		}
	}
	for _, sub := range []*Subscription{f, p1, p2} {
		written(sub) // snapshots are for one member: no fan-out
	}
	// The joins were published to those already there: write them out too.
	for _, sub := range []*Subscription{f, f, p1} {
		written(sub)
	}
	before := obs.fannedOut.Load()
	if err := do(t, f, TypeCheckInStart, "a-1", startGroup); err != nil {
		t.Fatal(err)
	}
	if n := obs.fannedOut.Load() - before; n != 0 {
		t.Fatalf("%d fan-outs reported before anyone wrote the change", n)
	}
	written(f)  // the event
	written(f)  // the ack: one member's, no fan-out
	written(p1) // the event
	if n := obs.fannedOut.Load() - before; n != 0 {
		t.Fatalf("%d fan-outs reported with one member still to write", n)
	}
	written(p2)
	if n := obs.fannedOut.Load() - before; n != 1 {
		t.Fatalf("%d fan-outs reported once all three wrote the change, want 1", n)
	}

	// p2 stops reading: its queue fills and, at the fourth change, the
	// room drops it. The three changes in its queue are never written and
	// never reported; the fourth is, once the others have it.
	before = obs.fannedOut.Load()
	for i := range 4 {
		if err := do(t, p1, TypeCheckInAnswer, fmt.Sprintf("b-%d", i), `{"scale":5,"state":"within"}`); err != nil {
			t.Fatal(err)
		}
		written(f)
		written(p1) // the event
		written(p1) // the ack
	}
	if reason := waitDone(t, p2); reason != ReasonSlow {
		t.Fatalf("p2 ended with %q, want %q", reason, ReasonSlow)
	}
	if n := obs.fannedOut.Load() - before; n != 1 {
		t.Errorf("%d fan-outs reported, want 1: the change p2 was dropped at", n)
	}
}

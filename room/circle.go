package room

import (
	"encoding/json"
	"maps"
	"math/rand/v2"
	"slices"
	"time"
)

// The sharing circle: one person holds the talking piece at a time, in a
// round (a speaking order) or on an open floor (raised hands).

// KindCircle is the sharing circle's kind.
const KindCircle Kind = "circle"

// Command types of the sharing circle.
const (
	TypeCircleDone   = "circle.done"
	TypeCirclePass   = "circle.pass"
	TypeCircleNext   = "circle.next"
	TypeCircleGive   = "circle.give"
	TypeCircleSkip   = "circle.skip"
	TypeCircleOrder  = "circle.order"
	TypeCircleExtend = "circle.extend"
	TypeCircleEnd    = "circle.end"
	TypeCircleReact  = "circle.react"
	TypeCircleRaise  = "circle.raise"
	TypeCircleLower  = "circle.lower"
)

// Limits of a share's time, in seconds.
const (
	MinShareSeconds = 30
	MaxShareSeconds = 1800
)

var circleKind = kindSpec{
	settings: decodeJSON[CircleSettings, Settings],
	run:      decodeJSON[*Circle, Run],
	commands: map[string]transition{
		TypeCircleDone:   circleDone,
		TypeCirclePass:   circlePass,
		TypeCircleNext:   circleNext,
		TypeCircleGive:   circleGive,
		TypeCircleSkip:   circleSkip,
		TypeCircleOrder:  circleOrder,
		TypeCircleExtend: circleExtend,
		TypeCircleEnd:    circleEnd,
		TypeCircleReact:  circleReact,
		TypeCircleRaise:  circleRaise,
		TypeCircleLower:  circleLower,
	},
}

// CircleSettings are a planned sharing circle's settings.
type CircleSettings struct {
	Prompt       string        `json:"prompt,omitempty"`
	Mode         CircleMode    `json:"mode,omitempty"`
	Order        SpeakingOrder `json:"order,omitempty"`
	ShareSeconds int           `json:"shareSeconds,omitempty"` // 0: no time per share
}

func (CircleSettings) kind() Kind { return KindCircle }

func (c CircleSettings) check() (Settings, error) {
	p, err := checkPrompt(c.Prompt)
	if err != nil {
		return nil, err
	}
	out := CircleSettings{Prompt: p, Mode: c.Mode}
	switch c.Mode {
	case RoundMode:
		switch c.Order {
		case RosterOrder, RandomOrder, ArrangedOrder:
			out.Order = c.Order
		default:
			return nil, errorf(CodeInvalid, "The speaking order must be roster, random or arranged.")
		}
	case OpenFloor:
	default:
		return nil, errorf(CodeInvalid, "A circle goes round in order or is an open floor.")
	}
	if c.ShareSeconds != 0 && (c.ShareSeconds < MinShareSeconds || c.ShareSeconds > MaxShareSeconds) {
		return nil, errorf(CodeInvalid, "A time per share is from %d seconds to %d minutes, or none.", MinShareSeconds, MaxShareSeconds/60)
	}
	out.ShareSeconds = c.ShareSeconds
	return out, nil
}

// CircleMode is how the talking piece moves in a sharing circle.
type CircleMode string

const (
	// RoundMode: everyone in turn, in a speaking order.
	RoundMode CircleMode = "round"
	// OpenFloor: no fixed order; participants raise a hand and the
	// facilitator gives the floor.
	OpenFloor CircleMode = "open"
)

// SpeakingOrder is how a round's order is set when the circle starts.
type SpeakingOrder string

const (
	RosterOrder SpeakingOrder = "roster"
	RandomOrder SpeakingOrder = "random"
	// ArrangedOrder starts in roster order for the facilitator to arrange
	// before (and during) the round.
	ArrangedOrder SpeakingOrder = "arranged"
)

// TurnOutcome is how a turn with the talking piece ended.
type TurnOutcome string

const (
	Spoke TurnOutcome = "spoke"
	// PassedOnce: "pass for now"; they go to the end of the round and are
	// asked once more.
	PassedOnce TurnOutcome = "passed"
	// PassedFinal: a second pass (or a pass on the open floor); not asked
	// again this round.
	PassedFinal TurnOutcome = "passed-final"
	SkippedTurn TurnOutcome = "skipped" // the facilitator skipped them
	LeftRoom    TurnOutcome = "left"    // they left the room while holding the piece
)

// Reactions a listener can send the speaker, silently.
var reactionKinds = []string{"heard", "resonates", "thanks"}

// Turn is one hold of the talking piece.
type Turn struct {
	// N counts the circle's turns from 1 (0: skipped while waiting, never
	// held); a listener's reactions name it, so a reaction sent as one turn
	// ends cannot land on the next.
	N         int       `json:"n"`
	MemberID  string    `json:"memberId"`
	StartedAt time.Time `json:"startedAt"`
	// EndsAt is when the share's time is up; zero without a time per share.
	// It is a signal, never a cut-off.
	EndsAt  time.Time `json:"endsAt,omitzero"`
	EndedAt time.Time `json:"endedAt,omitzero"`
	// Away: the holder's connection is gone. Their time stands still, with
	// Remaining left of it (EndsAt is zero), and the piece waits for them.
	Away      bool          `json:"away,omitempty"`
	Remaining time.Duration `json:"remaining,omitempty"`
	Outcome   TurnOutcome   `json:"outcome,omitempty"`
	// Reactions counts the listeners' reactions by kind. Who sent them is
	// not kept past the turn.
	Reactions map[string]int `json:"reactions,omitempty"`
}

// Circle is a sharing circle: one person holds the talking piece at a time.
type Circle struct {
	ID           string        `json:"id"`
	Prompt       string        `json:"prompt"`
	Mode         CircleMode    `json:"mode"`
	Order        SpeakingOrder `json:"order,omitempty"`
	ShareSeconds int           `json:"shareSeconds,omitempty"`
	StartedAt    time.Time     `json:"startedAt"`
	EndedAt      time.Time     `json:"endedAt,omitzero"`
	// Queue is, in a round, who is still to speak, in order; on the open
	// floor, the raised hands, in the order they went up. People who are
	// away keep their place and are passed over until they are back.
	Queue []string `json:"queue"`
	// Passes counts each member's passes this round.
	Passes map[string]int `json:"passes,omitempty"`
	// Turn is the current hold of the piece; nil when nobody holds it.
	Turn *Turn `json:"turn,omitempty"`
	// Reacted holds, for the current turn only, the kinds each listener has
	// sent, so each is sent once. It is dropped when the turn ends and never
	// leaves the server.
	Reacted map[string][]string `json:"reacted,omitempty"`
	// Turns are the finished turns, in order: the circle's story.
	Turns []Turn `json:"turns"`
	// RoundOver is set when the facilitator ends the round.
	RoundOver bool `json:"roundOver,omitempty"`
	// Held counts the turns started, to number them.
	Held int `json:"held,omitempty"`
}

// Circle returns a's run when it is a sharing circle, or nil.
func (a *Activity) Circle() *Circle { return runOf[*Circle](a) }

func (*Circle) kind() Kind { return KindCircle }

func (c *Circle) span() (time.Time, time.Time) { return c.StartedAt, c.EndedAt }

func (c *Circle) clone() Run {
	out := *c
	out.Queue = slices.Clone(c.Queue)
	out.Passes = cloneMap(c.Passes)
	out.Reacted = cloneMap(c.Reacted) // slices are replaced, never appended to in place
	out.Turns = slices.Clone(c.Turns) // finished turns are never changed
	if c.Turn != nil {
		t := *c.Turn
		out.Turn = &t
	}
	return &out
}

// erase drops the member's turns and their place in the queue. Reactions
// are kept as counts without who sent them, so the counts of every turn
// the member was there for are dropped: one of them may have been theirs.
func (c *Circle) erase(m Member) {
	c.Queue = slices.DeleteFunc(c.Queue, func(id string) bool { return id == m.ID })
	delete(c.Passes, m.ID)
	delete(c.Reacted, m.ID)
	if c.Turn != nil && c.Turn.MemberID == m.ID {
		c.Turn = nil
	}
	turns := make([]Turn, 0, len(c.Turns))
	for _, t := range c.Turns {
		if t.MemberID == m.ID {
			continue
		}
		if len(t.Reactions) > 0 && m.saw(t.StartedAt, t.EndedAt) {
			t.Reactions = nil
		}
		turns = append(turns, t)
	}
	c.Turns = turns
	if c.Turn != nil && len(c.Turn.Reactions) > 0 && m.saw(c.Turn.StartedAt, time.Time{}) {
		t := *c.Turn
		t.Reactions = nil
		c.Turn = &t
	}
}

// start begins a circle. A round's order is the participants who are with
// the room now; those who come later join the end.
func (it CircleSettings) start(s *State, id string, now time.Time) Run {
	c := &Circle{ID: id, Prompt: it.Prompt, Mode: it.Mode, Order: it.Order, ShareSeconds: it.ShareSeconds,
		StartedAt: now, Queue: []string{}, Passes: map[string]int{}, Turns: []Turn{}}
	if it.Mode != RoundMode {
		return c
	}
	for _, m := range s.Members {
		if m.Role == Participant && (m.Presence == Present || m.Presence == Reconnecting) {
			c.Queue = append(c.Queue, m.ID)
		}
	}
	if it.Order == RandomOrder {
		rand.Shuffle(len(c.Queue), func(i, j int) { c.Queue[i], c.Queue[j] = c.Queue[j], c.Queue[i] })
	}
	return c
}

// canHold reports whether the member can be handed the piece now: a
// participant who is here. Someone reconnecting may be back in a moment, but
// the piece does not wait for them.
func canHold(s *State, id string) bool {
	m, ok := s.Member(id)
	return ok && m.Role == Participant && m.Presence == Present
}

// waiting returns the first member of the queue who can take the piece, or "".
func (c *Circle) waiting(s *State) string {
	for _, id := range c.Queue {
		if canHold(s, id) {
			return id
		}
	}
	return ""
}

// finishedRound reports whether the member is done with this round: they
// spoke, passed twice or were skipped. Someone who passed once, or left
// while holding the piece, is still to be asked.
func (c *Circle) finishedRound(id string) bool {
	for _, t := range c.Turns {
		if t.MemberID == id && (t.Outcome == Spoke || t.Outcome == PassedFinal || t.Outcome == SkippedTurn) {
			return true
		}
	}
	return false
}

func (c *Circle) startTurn(id string, now time.Time) {
	c.Queue = slices.DeleteFunc(slices.Clone(c.Queue), func(q string) bool { return q == id })
	c.Held++
	t := &Turn{N: c.Held, MemberID: id, StartedAt: now}
	if c.ShareSeconds > 0 {
		t.EndsAt = now.Add(time.Duration(c.ShareSeconds) * time.Second)
	}
	c.Turn = t
	c.Reacted = map[string][]string{}
}

// endTurn closes the current turn with outcome and returns who held the
// piece. Only the counts of the reactions are kept.
func (c *Circle) endTurn(now time.Time, outcome TurnOutcome) string {
	t := *c.Turn
	t.EndedAt, t.Outcome = now, outcome
	counts := map[string]int{}
	for _, kinds := range c.Reacted {
		for _, k := range kinds {
			counts[k]++
		}
	}
	if len(counts) > 0 {
		t.Reactions = counts
	}
	c.Turns = append(c.Turns, t)
	c.Turn, c.Reacted = nil, nil
	return t.MemberID
}

// handOn gives the piece to the next person waiting in a round. On the open
// floor the facilitator gives it.
func (c *Circle) handOn(s *State, now time.Time) {
	if c.Mode != RoundMode || c.RoundOver {
		return
	}
	if id := c.waiting(s); id != "" {
		c.startTurn(id, now)
	}
}

// circleFor returns a copy of s to change and its running circle, or an
// error when no circle runs.
func circleFor(s State) (State, *Circle, error) {
	if s.Current.Circle() == nil {
		return s, nil, errorf(CodeClosed, "There is no sharing circle now.")
	}
	next := s.clone()
	return next, next.Current.Circle(), nil
}

// turnMoved is the change of a command that moved the talking piece: the
// circle for everyone, and every participant's own part of it, since the
// share in progress (and what they sent to it) is part of each one's.
func turnMoved(next *State) Change {
	var ch Change
	ch.activity(next)
	ch.mineOfParticipants(next)
	return ch
}

// circleChanged is the change of a command that moved nobody's own part.
func circleChanged(next *State) Change {
	var ch Change
	ch.activity(next)
	return ch
}

// facilitatorCircle is the start of every facilitator's circle command: the
// role, the command's data decoded into in (when not nil), and a copy of the
// room to change with its running circle.
func facilitatorCircle(s State, actor Member, data json.RawMessage, in any) (State, *Circle, error) {
	if err := requireFacilitator(actor); err != nil {
		return s, nil, err
	}
	if in != nil {
		if err := decode(data, in); err != nil {
			return s, nil, err
		}
	}
	return circleFor(s)
}

type memberRef struct {
	MemberID string `json:"memberId"`
}

// shareRef names the share a command is for. An action is kept on its
// sender's device while the connection is down and sent again when it is
// back; by then that share may have ended and another begun, and a command
// meant for the first must not end or change the second.
type shareRef struct {
	Turn int `json:"turn"`
}

// share checks that the share ref names is the one in progress.
func (c *Circle) share(ref shareRef) error {
	if c.Turn == nil {
		return errorf(CodeClosed, "Nobody holds the talking piece.")
	}
	if ref.Turn < 1 {
		return errorf(CodeInvalid, "Say which share this is for (its turn number).")
	}
	if ref.Turn != c.Turn.N {
		return errorf(CodeClosed, "That share has ended.")
	}
	return nil
}

// circleDone ends the holder's share ("I'm done"); a facilitator can end it
// for them. In a round the piece moves on to the next person.
func circleDone(s State, now time.Time, actor Member, data json.RawMessage) (State, Change, error) {
	var in shareRef
	if err := decode(data, &in); err != nil {
		return s, Change{}, err
	}
	next, c, err := circleFor(s)
	if err != nil {
		return s, Change{}, err
	}
	if c.Turn != nil && actor.Role != Facilitator && c.Turn.MemberID != actor.ID {
		return s, Change{}, errorf(CodeNotAllowed, "Only the person holding the talking piece can end their turn.")
	}
	if err := c.share(in); err != nil {
		return s, Change{}, err
	}
	c.endTurn(now, Spoke)
	c.handOn(&next, now)
	return next, turnMoved(&next), nil
}

// circlePass is the holder's pass. The first pass in a round moves them to
// its end, to be asked once more; the second is final, as is a pass on the
// open floor or from someone the piece came back to after they had shared.
func circlePass(s State, now time.Time, actor Member, data json.RawMessage) (State, Change, error) {
	var in shareRef
	if err := decode(data, &in); err != nil {
		return s, Change{}, err
	}
	next, c, err := circleFor(s)
	if err != nil {
		return s, Change{}, err
	}
	if c.Turn == nil || c.Turn.MemberID != actor.ID {
		return s, Change{}, errorf(CodeNotAllowed, "Only the person holding the talking piece can pass.")
	}
	if err := c.share(in); err != nil {
		return s, Change{}, err
	}
	if c.Mode == RoundMode {
		c.Passes[actor.ID]++
	}
	if c.Mode == RoundMode && c.Passes[actor.ID] == 1 && !c.finishedRound(actor.ID) {
		c.endTurn(now, PassedOnce)
		c.Queue = append(c.Queue, actor.ID)
	} else {
		c.endTurn(now, PassedFinal)
	}
	c.handOn(&next, now)
	return next, turnMoved(&next), nil
}

// circleNext hands the piece to the first person waiting: the next in the
// round, or the first raised hand on the open floor. A holder who is away
// does not lose their turn for good: it ends (left) and they go to the end
// of the line, so the piece comes back to them.
func circleNext(s State, now time.Time, actor Member, _ json.RawMessage) (State, Change, error) {
	next, c, err := facilitatorCircle(s, actor, nil, nil)
	if err != nil {
		return s, Change{}, err
	}
	if c.RoundOver {
		return s, Change{}, errorf(CodeClosed, "The round has ended.")
	}
	if c.Turn != nil && c.Turn.Away {
		id := c.endTurn(now, LeftRoom)
		c.Queue = append(slices.Clone(c.Queue), id)
		if w := c.waiting(&next); w != "" {
			c.startTurn(w, now)
		}
		return next, turnMoved(&next), nil
	}
	if c.Turn != nil {
		return s, Change{}, errorf(CodeClosed, "Someone holds the talking piece; end or skip their turn first.")
	}
	id := c.waiting(&next)
	if id == "" {
		return s, Change{}, errorf(CodeClosed, "Nobody here is waiting for the talking piece.")
	}
	c.startTurn(id, now)
	return next, turnMoved(&next), nil
}

// circleGive hands the piece to a participant of the facilitator's choosing.
// A share in progress ends.
func circleGive(s State, now time.Time, actor Member, data json.RawMessage) (State, Change, error) {
	var in memberRef
	next, c, err := facilitatorCircle(s, actor, data, &in)
	if err != nil {
		return s, Change{}, err
	}
	if c.RoundOver {
		return s, Change{}, errorf(CodeClosed, "The round has ended.")
	}
	if !canHold(&next, in.MemberID) {
		return s, Change{}, errorf(CodeInvalid, "The talking piece goes to a participant who is here.")
	}
	if c.Turn != nil && c.Turn.MemberID == in.MemberID {
		return s, Change{}, errorf(CodeClosed, "They hold the talking piece already.")
	}
	if c.Turn != nil {
		c.endTurn(now, Spoke)
	}
	c.startTurn(in.MemberID, now)
	return next, turnMoved(&next), nil
}

// circleSkip skips the holder (who has not shared; the command names their
// share) or someone still waiting. On the open floor skipping someone waiting
// only lowers their hand: there was no turn to skip.
func circleSkip(s State, now time.Time, actor Member, data json.RawMessage) (State, Change, error) {
	var in struct {
		MemberID string `json:"memberId"`
		Turn     int    `json:"turn"`
	}
	next, c, err := facilitatorCircle(s, actor, data, &in)
	if err != nil {
		return s, Change{}, err
	}
	if in.MemberID == "" || (c.Turn != nil && c.Turn.MemberID == in.MemberID) {
		if err := c.share(shareRef{Turn: in.Turn}); err != nil {
			return s, Change{}, err
		}
		c.endTurn(now, SkippedTurn)
		c.handOn(&next, now)
		return next, turnMoved(&next), nil
	}
	if !slices.Contains(c.Queue, in.MemberID) {
		return s, Change{}, errorf(CodeInvalid, "They are not waiting for the talking piece.")
	}
	c.Queue = slices.DeleteFunc(c.Queue, func(q string) bool { return q == in.MemberID })
	if c.Mode == OpenFloor {
		ch := circleChanged(&next)
		ch.mine(&next, in.MemberID) // their hand is down
		return next, ch, nil
	}
	// A record without a number: they never held the piece.
	c.Turns = append(c.Turns, Turn{MemberID: in.MemberID, StartedAt: now, EndedAt: now, Outcome: SkippedTurn})
	return next, circleChanged(&next), nil
}

// circleOrder rearranges the people still waiting. The holder is not in the
// queue, so a reorder never touches the share in progress.
func circleOrder(s State, _ time.Time, actor Member, data json.RawMessage) (State, Change, error) {
	var in struct {
		Order []string `json:"order"`
	}
	next, c, err := facilitatorCircle(s, actor, data, &in)
	if err != nil {
		return s, Change{}, err
	}
	if c.Mode != RoundMode {
		return s, Change{}, errorf(CodeInvalid, "The open floor follows the raised hands; it has no order to arrange.")
	}
	want, got := slices.Clone(c.Queue), slices.Clone(in.Order)
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(want, got) {
		return s, Change{}, errorf(CodeInvalid, "The new order must list exactly the people still waiting, once each.")
	}
	c.Queue = slices.Clone(in.Order)
	return next, circleChanged(&next), nil
}

// circleExtend gives the current share more time.
func circleExtend(s State, now time.Time, actor Member, data json.RawMessage) (State, Change, error) {
	if err := requireFacilitator(actor); err != nil {
		return s, Change{}, err
	}
	add, err := extension(data)
	if err != nil {
		return s, Change{}, err
	}
	var in shareRef
	if err := decode(data, &in); err != nil {
		return s, Change{}, err
	}
	next, c, err := circleFor(s)
	if err != nil {
		return s, Change{}, err
	}
	if err := c.share(in); err != nil {
		return s, Change{}, err
	}
	if c.ShareSeconds == 0 {
		return s, Change{}, errorf(CodeInvalid, "This circle has no time per share to extend.")
	}
	if c.Turn.Away {
		c.Turn.Remaining += add
		return next, circleChanged(&next), nil
	}
	// A share whose time is up counts again from now.
	c.Turn.EndsAt = later(c.Turn.EndsAt, now).Add(add)
	return next, circleChanged(&next), nil
}

// circleEnd ends the round. Whoever holds the piece finishes; the people not
// reached stay listed, so the summary shows them.
func circleEnd(s State, now time.Time, actor Member, _ json.RawMessage) (State, Change, error) {
	next, c, err := facilitatorCircle(s, actor, nil, nil)
	if err != nil {
		return s, Change{}, err
	}
	if c.RoundOver {
		return s, Change{}, errorf(CodeClosed, "The round has ended already.")
	}
	if c.Turn != nil {
		c.endTurn(now, Spoke)
	}
	c.RoundOver = true
	return next, turnMoved(&next), nil
}

// circleReact is a listener's silent reaction to the share in progress. The
// change is quiet: no one is sent anything, not even a bare version, so
// nothing reaches or interrupts the speaker until the share ends. The
// sender's page shows it as sent from its ack, a reload from the snapshot.
func circleReact(s State, _ time.Time, actor Member, data json.RawMessage) (State, Change, error) {
	if actor.Role != Participant {
		return s, Change{}, errorf(CodeNotAllowed, "Only participants send reactions.")
	}
	var in struct {
		Kind string `json:"kind"`
		Turn int    `json:"turn"`
	}
	if err := decode(data, &in); err != nil {
		return s, Change{}, err
	}
	if !slices.Contains(reactionKinds, in.Kind) {
		return s, Change{}, errorf(CodeInvalid, "A reaction is one of: heard, resonates, thanks.")
	}
	if in.Turn < 1 {
		return s, Change{}, errorf(CodeInvalid, "Say which share the reaction is for (its turn number).")
	}
	next, c, err := circleFor(s)
	if err != nil {
		return s, Change{}, err
	}
	if c.Turn == nil || c.Turn.N != in.Turn {
		return s, Change{}, errorf(CodeClosed, "That share has ended.")
	}
	if c.Turn.MemberID == actor.ID {
		return s, Change{}, errorf(CodeNotAllowed, "Reactions are for the person sharing.")
	}
	sent := c.Reacted[actor.ID]
	if slices.Contains(sent, in.Kind) {
		return s, Change{}, errorf(CodeInvalid, "You sent this one already.")
	}
	c.Reacted[actor.ID] = append(slices.Clone(sent), in.Kind)
	return next, Change{quiet: true}, nil
}

func circleRaise(s State, _ time.Time, actor Member, _ json.RawMessage) (State, Change, error) {
	return circleHand(s, actor, true)
}

func circleLower(s State, _ time.Time, actor Member, _ json.RawMessage) (State, Change, error) {
	return circleHand(s, actor, false)
}

// circleHand raises or lowers a participant's hand on the open floor.
func circleHand(s State, actor Member, raise bool) (State, Change, error) {
	if actor.Role != Participant {
		return s, Change{}, errorf(CodeNotAllowed, "Only participants raise a hand.")
	}
	next, c, err := circleFor(s)
	if err != nil {
		return s, Change{}, err
	}
	if c.Mode != OpenFloor {
		return s, Change{}, errorf(CodeInvalid, "This circle goes round in order; there are no hands to raise.")
	}
	up := slices.Contains(c.Queue, actor.ID)
	switch {
	case raise && c.RoundOver:
		return s, Change{}, errorf(CodeClosed, "The round has ended.")
	case raise && c.Turn != nil && c.Turn.MemberID == actor.ID:
		return s, Change{}, errorf(CodeInvalid, "You have the floor.")
	case raise && up:
		return s, Change{}, errorf(CodeInvalid, "Your hand is up already.")
	case !raise && !up:
		return s, Change{}, errorf(CodeInvalid, "Your hand is not up.")
	}
	if raise {
		c.Queue = append(c.Queue, actor.ID)
	} else {
		c.Queue = slices.DeleteFunc(c.Queue, func(q string) bool { return q == actor.ID })
	}
	ch := circleChanged(&next)
	ch.mine(&next, actor.ID)
	return next, ch, nil
}

// presence keeps a running circle in step with a member's presence; s is a
// clone. A late arrival joins the end of the round. A holder whose
// connection goes keeps the piece, however long they are away, and their
// time stands still until they are back: the piece never passes by itself.
// Someone sent out of the session is gone from the circle.
func (c *Circle) presence(s *State, m Member, p Presence, now time.Time, ch *Change) {
	if m.Role != Participant {
		return
	}
	holds := c.Turn != nil && c.Turn.MemberID == m.ID
	switch p {
	case Present:
		if holds && c.Turn.Away {
			c.Turn.Away = false
			if c.ShareSeconds > 0 {
				c.Turn.EndsAt = s.clock(now).Add(c.Turn.Remaining)
			}
			c.Turn.Remaining = 0
			return
		}
		if c.Mode == RoundMode && !c.RoundOver && !slices.Contains(c.Queue, m.ID) &&
			(c.Turn == nil || c.Turn.MemberID != m.ID) && !c.finishedRound(m.ID) {
			c.Queue = append(slices.Clone(c.Queue), m.ID)
		}
	case Reconnecting, Left:
		if holds && !c.Turn.Away {
			c.Turn.Away = true
			if !c.Turn.EndsAt.IsZero() {
				c.Turn.Remaining = max(c.Turn.EndsAt.Sub(s.clock(now)), 0)
				c.Turn.EndsAt = time.Time{}
			}
		}
	case Removed:
		c.Queue = slices.DeleteFunc(slices.Clone(c.Queue), func(q string) bool { return q == m.ID })
		if holds {
			c.endTurn(now, LeftRoom)
			c.handOn(s, now)
			ch.mineOfParticipants(s)
		}
	}
}

// resume moves the share's time on by the time the room stood still. An
// away holder's time is already standing still.
func (c *Circle) resume(frozen time.Duration) {
	if c.Turn != nil && !c.Turn.Away && !c.Turn.EndsAt.IsZero() {
		c.Turn.EndsAt = c.Turn.EndsAt.Add(frozen)
	}
}

// pieceHolder tells care in the room (pieceRun) who holds the piece.
func (c *Circle) pieceHolder() string {
	if c.Turn == nil {
		return ""
	}
	return c.Turn.MemberID
}

// finish closes a circle as it goes into the history.
func (c *Circle) finish(now time.Time) {
	if !c.EndedAt.IsZero() {
		return
	}
	if c.Turn != nil {
		c.endTurn(now, Spoke)
	}
	c.EndedAt = now
}

// What members see of a circle. Everyone sees the same: who holds the piece,
// who is next, the order and who has spoken or passed, as they would sitting
// in a circle together. Reactions are the exception: only their counts, only
// to the speaker, only after the share (mine).

type holderView struct {
	N         int    `json:"n"`
	MemberID  string `json:"memberId"`
	Name      string `json:"name"`
	StartedAt int64  `json:"startedAt"`
	EndsAt    int64  `json:"endsAt"` // 0: no time per share, or it stands still
	Passes    int    `json:"passes"` // 1: this is the once-more ask
	// Away: the holder's connection is gone. While they are away, or the
	// room is frozen, their time stands still with Remaining ms left.
	Away      bool  `json:"away"`
	Remaining int64 `json:"remaining"`
}

type waitingView struct {
	MemberID string `json:"memberId"`
	Name     string `json:"name"`
	Passed   bool   `json:"passed"` // passed once; asked once more
	Away     bool   `json:"away"`   // not here now; passed over until back
}

type turnView struct {
	N        int         `json:"n"`
	MemberID string      `json:"memberId"`
	Name     string      `json:"name"`
	Outcome  TurnOutcome `json:"outcome"`
}

type circleView struct {
	ID           string        `json:"id"`
	Kind         string        `json:"kind"`
	ItemID       string        `json:"itemId"`
	Prompt       string        `json:"prompt"`
	Mode         CircleMode    `json:"mode"`
	Order        SpeakingOrder `json:"order,omitempty"`
	ShareSeconds int           `json:"shareSeconds"`
	StartedAt    int64         `json:"startedAt"`
	Holder       *holderView   `json:"holder"`
	// Next is who the piece goes to when the holder is done ("" for none).
	Next      string        `json:"next"`
	Queue     []waitingView `json:"queue"`
	Turns     []turnView    `json:"turns"`
	RoundOver bool          `json:"roundOver"`
	// Complete: nobody holds the piece and nobody here is waiting for it.
	Complete bool `json:"complete"`
	// Away counts the people in the queue who are not here now: when the
	// round is complete but for them, it rests until they are back.
	Away int `json:"away"`
}

func (c *Circle) view(s *State, itemID string, _ Role) any {
	name := func(id string) string { return memberName(s, id) }
	v := &circleView{
		ID: c.ID, Kind: string(KindCircle), ItemID: itemID, Prompt: c.Prompt, Mode: c.Mode,
		Order: c.Order, ShareSeconds: c.ShareSeconds, StartedAt: millis(c.StartedAt),
		Next: c.waiting(s), Queue: make([]waitingView, len(c.Queue)), Turns: make([]turnView, len(c.Turns)),
		RoundOver: c.RoundOver,
	}
	if t := c.Turn; t != nil {
		v.Holder = &holderView{N: t.N, MemberID: t.MemberID, Name: name(t.MemberID), StartedAt: millis(t.StartedAt),
			EndsAt: millis(t.EndsAt), Passes: c.Passes[t.MemberID], Away: t.Away}
		switch {
		case t.Away:
			v.Holder.Remaining = t.Remaining.Milliseconds()
		case s.Hold.Frozen() && !t.EndsAt.IsZero():
			v.Holder.EndsAt = 0
			v.Holder.Remaining = max(t.EndsAt.Sub(s.Hold.Since), 0).Milliseconds()
		}
	}
	if c.RoundOver {
		v.Next = ""
	}
	v.Complete = v.Holder == nil && v.Next == ""
	for i, id := range c.Queue {
		v.Queue[i] = waitingView{MemberID: id, Name: name(id), Passed: c.Passes[id] > 0, Away: !canHold(s, id)}
		if v.Queue[i].Away {
			v.Away++
		}
	}
	for i, t := range c.Turns {
		v.Turns[i] = turnView{N: t.N, MemberID: t.MemberID, Name: name(t.MemberID), Outcome: t.Outcome}
	}
	return v
}

type circleMineView struct {
	// Turn and Reacted: the share in progress and the reactions this member
	// sent to it, so a reload shows them as sent.
	Turn    int      `json:"turn,omitempty"`
	Reacted []string `json:"reacted,omitempty"`
	// HandUp: on the open floor, this member's hand is raised.
	HandUp bool `json:"handUp,omitempty"`
	// Received: after this member's latest share, the reactions it got, as
	// counts by kind. Never who sent them; never during the share.
	Received *receivedView `json:"received,omitempty"`
}

type receivedView struct {
	N         int            `json:"n"`
	Outcome   TurnOutcome    `json:"outcome"`
	Reactions map[string]int `json:"reactions"`
}

// mine is a participant's own part of the circle; facilitators hold no
// part of it (they never hold the piece, raise a hand or react).
func (c *Circle) mine(s *State, memberID string) (string, any) {
	if m, ok := s.Member(memberID); !ok || m.Role != Participant {
		return "", nil
	}
	v := &circleMineView{HandUp: c.Mode == OpenFloor && slices.Contains(c.Queue, memberID)}
	if c.Turn != nil {
		v.Turn = c.Turn.N
		v.Reacted = c.Reacted[memberID]
	}
	for i := len(c.Turns) - 1; i >= 0; i-- {
		if t := c.Turns[i]; t.MemberID == memberID && t.N > 0 {
			r := t.Reactions
			if r == nil {
				r = map[string]int{}
			}
			v.Received = &receivedView{N: t.N, Outcome: t.Outcome, Reactions: r}
			break
		}
	}
	return "circle", v
}

// --- afterwards --------------------------------------------------------------

// SummaryTurn is one turn of a sharing circle. It has no reactions: those
// were for the speaker alone.
type SummaryTurn struct {
	// N numbers the holds of the talking piece from 1; 0 is someone
	// skipped while waiting, who never held it.
	N         int         `json:"n"`
	MemberID  string      `json:"memberId"`
	Name      string      `json:"name"`
	Outcome   TurnOutcome `json:"outcome,omitempty"` // "" for the share in progress
	StartedAt time.Time   `json:"startedAt"`
	EndedAt   time.Time   `json:"endedAt,omitzero"`
	// Duration is how long they held the piece (0 while they still do).
	Duration time.Duration `json:"duration"`
}

// CircleSection is a sharing circle as it happened.
type CircleSection struct {
	Prompt       string        `json:"prompt"`
	Mode         CircleMode    `json:"mode"`
	Order        SpeakingOrder `json:"order,omitempty"`
	ShareSeconds int           `json:"shareSeconds"`
	// Turns are the holds of the talking piece in the order they happened;
	// while the circle runs, the share in progress is the last one, without
	// an outcome.
	Turns []SummaryTurn `json:"turns"`
	// Waiting names who was still waiting for the piece when the circle
	// ended (or is now): the rest of the round, or the hands still raised
	// on the open floor.
	Waiting []string `json:"waiting"`
	// RoundOver is true when the facilitator ended the round.
	RoundOver bool `json:"roundOver"`
}

func (c *Circle) section(s *State, _ []Activity) any {
	out := &CircleSection{Prompt: c.Prompt, Mode: c.Mode, Order: c.Order, ShareSeconds: c.ShareSeconds,
		Turns: make([]SummaryTurn, 0, len(c.Turns)+1), Waiting: make([]string, 0, len(c.Queue)), RoundOver: c.RoundOver}
	for _, t := range c.Turns {
		out.Turns = append(out.Turns, SummaryTurn{N: t.N, MemberID: t.MemberID, Name: memberName(s, t.MemberID),
			Outcome: t.Outcome, StartedAt: t.StartedAt, EndedAt: t.EndedAt, Duration: t.EndedAt.Sub(t.StartedAt)})
	}
	if t := c.Turn; t != nil {
		out.Turns = append(out.Turns, SummaryTurn{N: t.N, MemberID: t.MemberID, Name: memberName(s, t.MemberID), StartedAt: t.StartedAt})
	}
	for _, id := range c.Queue {
		out.Waiting = append(out.Waiting, memberName(s, id))
	}
	return out
}

// JourneyTurn is one turn of a circle as everyone saw it. Name is empty for
// the participant's own turns, which Mine marks; only those carry the
// reactions the speaker was shown after their share.
type JourneyTurn struct {
	Name      string         `json:"name,omitempty"`
	Mine      bool           `json:"mine,omitempty"`
	Outcome   TurnOutcome    `json:"outcome"`
	Reactions map[string]int `json:"reactions,omitempty"`
}

// JourneyCircle is a sharing circle: the order of who shared and who
// passed.
type JourneyCircle struct {
	Prompt string        `json:"prompt"`
	Mode   CircleMode    `json:"mode"`
	Turns  []JourneyTurn `json:"turns"`
}

func (c *Circle) moment(s *State, memberID string) any {
	out := &JourneyCircle{Prompt: c.Prompt, Mode: c.Mode, Turns: make([]JourneyTurn, 0, len(c.Turns))}
	for _, t := range c.Turns {
		if t.MemberID == memberID {
			out.Turns = append(out.Turns, JourneyTurn{Mine: true, Outcome: t.Outcome, Reactions: maps.Clone(t.Reactions)})
			continue
		}
		out.Turns = append(out.Turns, JourneyTurn{Name: memberName(s, t.MemberID), Outcome: t.Outcome})
	}
	return out
}

// A circle tells care in the room who holds the talking piece.
var _ pieceRun = (*Circle)(nil)

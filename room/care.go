package room

import (
	"encoding/json"
	"maps"
	"slices"
	"time"
	"unicode/utf8"
)

// Care in the room: what holds the people beside the agenda. A participant's
// support signal reaches the facilitators and nobody else; a private thread
// is seen by the facilitators and the participant it is with; flags (a
// connection lost just after signalling, or while holding the talking piece)
// and each participant's latest window-of-tolerance state (people) are the
// facilitators' alone. Every change here moves the room's version like any
// other: the rest of the group gets an empty event, which tells only that
// something happened, as every facilitator action does.
//
// This file names no activity kind: the state people said they were in
// comes from any run that implements windowRun (the check-in), and who holds
// the talking piece from any that implements pieceRun (the circle).

// Command types of care in the room.
const (
	TypeSupportRaise    = "support.raise"
	TypeSupportWithdraw = "support.withdraw"
	TypeSupportAck      = "support.ack"
	TypeSupportClear    = "support.clear"
	TypeMessageSend     = "message.send"
	TypeMessageRead     = "message.read"
)

// Limits of care in the room.
const (
	// MaxMessage is the length of a private message, in characters.
	MaxMessage = 500
	// MaxThread is how many messages one thread holds.
	MaxThread = 200
	// MaxSignals is how many times one participant may raise a signal in
	// one session: far above what a person does, it bounds what a script
	// could make the room store.
	MaxSignals = 100
	// FlagWindow is how soon after raising a signal a lost connection is
	// flagged to the facilitators.
	FlagWindow = 60 * time.Second
)

// SupportLevel is how urgently a participant asks for support.
type SupportLevel string

const (
	SupportMoment SupportLevel = "moment" // "I need a moment"
	SupportNow    SupportLevel = "now"    // "I need someone now"
)

// SignalEnd is how a support signal ended.
type SignalEnd string

const (
	SignalWithdrawn   SignalEnd = "withdrawn"    // the participant took it back
	SignalCleared     SignalEnd = "cleared"      // a facilitator closed it: the care is in hand
	SignalRaisedAgain SignalEnd = "raised-again" // the participant raised a new one (another level)
)

// FlagReason is why a participant was flagged to the facilitators.
type FlagReason string

const (
	DroppedAfterSignal  FlagReason = "dropped-after-signal"
	DroppedWhileSharing FlagReason = "dropped-while-sharing"
)

// Signal is one support signal, from its raising to its end. A room keeps
// every signal of the session (State.Signals), the ended ones for the
// summary; a participant has at most one open signal (Ended empty).
type Signal struct {
	MemberID string       `json:"memberId"`
	Level    SupportLevel `json:"level"`
	At       time.Time    `json:"at"`
	// AckedAt and AckedBy: the first facilitator who answered "I see you".
	AckedAt time.Time `json:"ackedAt,omitzero"`
	AckedBy string    `json:"ackedBy,omitempty"`
	// EndedAt, Ended and EndedBy (the facilitator who cleared it) are zero
	// while the signal is open.
	EndedAt time.Time `json:"endedAt,omitzero"`
	Ended   SignalEnd `json:"ended,omitempty"`
	EndedBy string    `json:"endedBy,omitempty"`
}

// Flag is a participant flagged to the facilitators; it is open until a
// facilitator clears it with support.clear.
type Flag struct {
	MemberID  string     `json:"memberId"`
	Reason    FlagReason `json:"reason"`
	At        time.Time  `json:"at"`
	ClearedAt time.Time  `json:"clearedAt,omitzero"`
	ClearedBy string     `json:"clearedBy,omitempty"`
}

// Thread is the private conversation between the facilitators and one
// participant. The read marks are the number of the last message read by
// any facilitator, and by the participant.
type Thread struct {
	Messages           []ThreadMessage `json:"messages"`
	ReadByFacilitators int             `json:"readByFacilitators,omitempty"`
	ReadByParticipant  int             `json:"readByParticipant,omitempty"`
}

// ThreadMessage is one message of a thread. N numbers a thread's messages
// from 1.
type ThreadMessage struct {
	N    int       `json:"n"`
	From string    `json:"from"`
	Text string    `json:"text"`
	At   time.Time `json:"at"`
}

// windowRun is a run in which participants say their window-of-tolerance
// state (the check-in, the check-out's closing check). windowState returns
// the member's state in the run and when they gave it, or ok false when
// they gave none; arrival says the run is a check-in, which a late arrival
// is marked as having missed.
type windowRun interface {
	Run
	windowState(memberID string) (state Arousal, at time.Time, ok bool)
	arrival() bool
}

// pieceRun is a run with a talking piece (the circle). pieceHolder returns
// who holds it, or "".
type pieceRun interface {
	Run
	pieceHolder() string
}

// openSignal returns the index of the member's open signal in s.Signals,
// or -1.
func (s *State) openSignal(memberID string) int {
	for i := len(s.Signals) - 1; i >= 0; i-- {
		if sig := s.Signals[i]; sig.MemberID == memberID && sig.Ended == "" {
			return i
		}
	}
	return -1
}

func requireParticipant(m Member) error {
	if m.Role != Participant {
		return errorf(CodeNotAllowed, "Only participants can do this.")
	}
	return nil
}

// careTarget finds the participant a facilitator's action names.
func careTarget(s *State, id string) (Member, error) {
	if id == "" {
		return Member{}, errorf(CodeInvalid, "Name the participant.")
	}
	m, ok := s.Member(id)
	if !ok {
		return Member{}, errorf(CodeNotFound, "There is nobody with that ID in this room.")
	}
	if m.Role != Participant {
		return Member{}, errorf(CodeNotAllowed, "That is a facilitator, not a participant.")
	}
	return m, nil
}

// facilitatorCares checks that actor is a facilitator and returns the
// participant the command's data names.
func facilitatorCares(s *State, actor Member, data json.RawMessage) (Member, error) {
	if err := requireFacilitator(actor); err != nil {
		return Member{}, err
	}
	var in memberRef
	if err := decode(data, &in); err != nil {
		return Member{}, err
	}
	return careTarget(s, in.MemberID)
}

func supportRaise(s State, now time.Time, actor Member, data json.RawMessage) (State, Change, error) {
	if err := requireParticipant(actor); err != nil {
		return s, Change{}, err
	}
	var in struct {
		Level SupportLevel `json:"level"`
	}
	if err := decode(data, &in); err != nil {
		return s, Change{}, err
	}
	if in.Level != SupportMoment && in.Level != SupportNow {
		return s, Change{}, errorf(CodeInvalid, "Choose \"I need a moment\" or \"I need someone now\".")
	}
	open := s.openSignal(actor.ID)
	if open >= 0 && s.Signals[open].Level == in.Level && s.Signals[open].AckedAt.IsZero() {
		// Pressed again while the facilitators have not answered yet: it is
		// with them already, and nothing changes. (A clone: Apply remembers
		// the action in it.)
		return s.clone(), Change{quiet: true}, nil
	}
	raised := 0
	for _, sig := range s.Signals {
		if sig.MemberID == actor.ID {
			raised++
		}
	}
	if raised >= MaxSignals {
		return s, Change{}, errorf(CodeInvalid, "You have raised %d signals in this session; please write to your facilitators.", MaxSignals)
	}
	next := s.clone()
	next.Signals = slices.Clone(s.Signals)
	if open >= 0 {
		next.Signals[open].EndedAt, next.Signals[open].Ended = now, SignalRaisedAgain
	}
	next.Signals = append(next.Signals, Signal{MemberID: actor.ID, Level: in.Level, At: now})
	var ch Change
	ch.supportChanged(&next, actor.ID)
	return next, ch, nil
}

func supportWithdraw(s State, now time.Time, actor Member, _ json.RawMessage) (State, Change, error) {
	if err := requireParticipant(actor); err != nil {
		return s, Change{}, err
	}
	open := s.openSignal(actor.ID)
	if open < 0 {
		return s, Change{}, errorf(CodeClosed, "You have no signal to take back.")
	}
	next, ch := editSignal(s, open, func(sig *Signal) { sig.EndedAt, sig.Ended = now, SignalWithdrawn })
	return next, ch, nil
}

// editSignal returns s with its open signal i changed by edit, and the
// change that tells the facilitators and the signal's participant.
func editSignal(s State, i int, edit func(*Signal)) (State, Change) {
	next := s.clone()
	next.Signals = slices.Clone(s.Signals)
	edit(&next.Signals[i])
	var ch Change
	ch.supportChanged(&next, next.Signals[i].MemberID)
	return next, ch
}

func supportAck(s State, now time.Time, actor Member, data json.RawMessage) (State, Change, error) {
	target, err := facilitatorCares(&s, actor, data)
	if err != nil {
		return s, Change{}, err
	}
	open := s.openSignal(target.ID)
	if open < 0 {
		return s, Change{}, errorf(CodeClosed, "%s has no open signal.", target.Name)
	}
	if !s.Signals[open].AckedAt.IsZero() {
		// A co-facilitator answered first: the participant already sees
		// who, and a second answer would only replace it.
		return s.clone(), Change{quiet: true}, nil
	}
	next, ch := editSignal(s, open, func(sig *Signal) { sig.AckedAt, sig.AckedBy = now, actor.ID })
	return next, ch, nil
}

func supportClear(s State, now time.Time, actor Member, data json.RawMessage) (State, Change, error) {
	target, err := facilitatorCares(&s, actor, data)
	if err != nil {
		return s, Change{}, err
	}
	open := s.openSignal(target.ID)
	flagged := slices.ContainsFunc(s.Flags, func(f Flag) bool { return f.MemberID == target.ID && f.ClearedAt.IsZero() })
	if open < 0 && !flagged {
		return s, Change{}, errorf(CodeClosed, "%s has no open signal or flag.", target.Name)
	}
	next := s.clone()
	var ch Change
	if open >= 0 {
		next.Signals = slices.Clone(s.Signals)
		sig := &next.Signals[open]
		sig.EndedAt, sig.Ended, sig.EndedBy = now, SignalCleared, actor.ID
		ch.supportChanged(&next, target.ID)
	}
	if flagged {
		next.Flags = slices.Clone(s.Flags)
		for i, f := range next.Flags {
			if f.MemberID == target.ID && f.ClearedAt.IsZero() {
				next.Flags[i].ClearedAt, next.Flags[i].ClearedBy = now, actor.ID
			}
		}
		ch.flagsChanged(&next)
	}
	return next, ch, nil
}

// threadWith returns the participant whose thread a message action names:
// the one a facilitator names, or the participant themself.
func threadWith(s *State, actor Member, named string) (Member, error) {
	if actor.Role == Facilitator {
		return careTarget(s, named)
	}
	if named != "" && named != actor.ID {
		return Member{}, errorf(CodeNotAllowed, "You write to your facilitators only.")
	}
	return actor, nil
}

func messageSend(s State, now time.Time, actor Member, data json.RawMessage) (State, Change, error) {
	var in struct {
		To   string `json:"to"`
		Text string `json:"text"`
	}
	if err := decode(data, &in); err != nil {
		return s, Change{}, err
	}
	with, err := threadWith(&s, actor, in.To)
	if err != nil {
		return s, Change{}, err
	}
	text := CleanText(in.Text)
	if text == "" {
		return s, Change{}, errorf(CodeInvalid, "The message is empty.")
	}
	if utf8.RuneCountInString(text) > MaxMessage {
		return s, Change{}, errorf(CodeInvalid, "A message is at most %d characters.", MaxMessage)
	}
	t := s.Threads[with.ID]
	if len(t.Messages) >= MaxThread {
		return s, Change{}, errorf(CodeInvalid, "This conversation holds %d messages, its most.", MaxThread)
	}
	n := len(t.Messages) + 1
	// Clipped, so the append never writes into the array the state before
	// shares.
	t.Messages = append(slices.Clip(t.Messages), ThreadMessage{N: n, From: actor.ID, Text: text, At: now})
	// Whoever writes has read the thread up to what they wrote.
	if actor.Role == Facilitator {
		t.ReadByFacilitators = n
	} else {
		t.ReadByParticipant = n
	}
	next := s.clone()
	next.Threads = cloneMap(s.Threads)
	next.Threads[with.ID] = t
	var ch Change
	ch.threadChanged(&next, with.ID)
	return next, ch, nil
}

func messageRead(s State, _ time.Time, actor Member, data json.RawMessage) (State, Change, error) {
	var in struct {
		With string `json:"with"`
		N    int    `json:"n"`
	}
	if err := decode(data, &in); err != nil {
		return s, Change{}, err
	}
	with, err := threadWith(&s, actor, in.With)
	if err != nil {
		return s, Change{}, err
	}
	t := s.Threads[with.ID]
	if in.N < 1 || in.N > len(t.Messages) {
		return s, Change{}, errorf(CodeInvalid, "There is no message %d in this conversation.", in.N)
	}
	mark := &t.ReadByParticipant
	if actor.Role == Facilitator {
		mark = &t.ReadByFacilitators
	}
	if in.N <= *mark {
		// Read already: a mark never goes back, and a second tab saying so
		// changes nothing.
		return s.clone(), Change{quiet: true}, nil
	}
	*mark = in.N
	next := s.clone()
	next.Threads = cloneMap(s.Threads)
	next.Threads[with.ID] = t
	var ch Change
	ch.threadChanged(&next, with.ID)
	return next, ch, nil
}

// flagDrop flags the participant m, whose connection was lost at now, when
// they raised a signal that is still open within FlagWindow, or hold the
// talking piece. s is a clone, m as they were before the drop.
func flagDrop(s *State, m Member, now time.Time, ch *Change) {
	var reasons []FlagReason
	if i := s.openSignal(m.ID); i >= 0 && !now.After(s.Signals[i].At.Add(FlagWindow)) {
		reasons = append(reasons, DroppedAfterSignal)
	}
	if s.Current != nil {
		if pr, ok := s.Current.Run.(pieceRun); ok && pr.pieceHolder() == m.ID {
			reasons = append(reasons, DroppedWhileSharing)
		}
	}
	if len(reasons) == 0 {
		return
	}
	s.Flags = slices.Clone(s.Flags)
	for _, r := range reasons {
		s.Flags = append(s.Flags, Flag{MemberID: m.ID, Reason: r, At: now})
	}
	ch.flagsChanged(s)
}

// --- what members see --------------------------------------------------------

// careView is the care part of a snapshot's room, as one member may see
// it. A nil field is left out; a participant's own signal is null when they
// have none.
type careView struct {
	Support any `json:"support,omitempty"`
	Flags   any `json:"flags,omitempty"`
	Thread  any `json:"thread,omitempty"`
	Threads any `json:"threads,omitempty"`
	People  any `json:"people,omitempty"`
}

type signalView struct {
	MemberID    string       `json:"memberId,omitempty"`
	Name        string       `json:"name,omitempty"`
	Level       SupportLevel `json:"level"`
	At          int64        `json:"at"`
	AckedAt     int64        `json:"ackedAt"`
	AckedBy     string       `json:"ackedBy"`
	AckedByName string       `json:"ackedByName"`
}

type flagView struct {
	MemberID string     `json:"memberId"`
	Name     string     `json:"name"`
	Reason   FlagReason `json:"reason"`
	At       int64      `json:"at"`
}

type messageView struct {
	N        int    `json:"n"`
	From     string `json:"from"`
	FromName string `json:"fromName"`
	FromRole Role   `json:"fromRole"`
	Text     string `json:"text"`
	At       int64  `json:"at"`
}

type threadView struct {
	With               string        `json:"with"`
	Name               string        `json:"name"`
	Messages           []messageView `json:"messages"`
	ReadByFacilitators int           `json:"readByFacilitators"`
	ReadByParticipant  int           `json:"readByParticipant"`
}

type personView struct {
	MemberID      string  `json:"memberId"`
	State         Arousal `json:"state"`
	StateAt       int64   `json:"stateAt"`
	MissedArrival bool    `json:"missedCheckIn"`
}

// viewCare returns the care part of m's snapshot.
func viewCare(s *State, m Member) careView {
	if m.Role == Facilitator {
		threads := []threadView{}
		for _, p := range s.Members {
			if _, ok := s.Threads[p.ID]; ok && p.Role == Participant {
				threads = append(threads, viewThread(s, p.ID))
			}
		}
		return careView{Support: viewSignals(s), Flags: viewFlags(s), Threads: threads, People: viewPeople(s)}
	}
	return careView{Support: viewOwnSignal(s, m.ID), Thread: viewThread(s, m.ID)}
}

func viewSignal(s *State, sig Signal) signalView {
	v := signalView{Level: sig.Level, At: millis(sig.At), AckedAt: millis(sig.AckedAt), AckedBy: sig.AckedBy}
	if sig.AckedBy != "" {
		v.AckedByName = memberName(s, sig.AckedBy)
	}
	return v
}

// viewSignals returns the open signals, oldest first, as facilitators see
// them.
func viewSignals(s *State) []signalView {
	out := []signalView{}
	for _, sig := range s.Signals {
		if sig.Ended == "" {
			v := viewSignal(s, sig)
			v.MemberID, v.Name = sig.MemberID, memberName(s, sig.MemberID)
			out = append(out, v)
		}
	}
	return out
}

// viewOwnSignal returns the participant's open signal, or nil.
func viewOwnSignal(s *State, memberID string) *signalView {
	i := s.openSignal(memberID)
	if i < 0 {
		return nil
	}
	v := viewSignal(s, s.Signals[i])
	return &v
}

// viewFlags returns the open flags, in the order they were raised.
func viewFlags(s *State) []flagView {
	out := []flagView{}
	for _, f := range s.Flags {
		if f.ClearedAt.IsZero() {
			out = append(out, flagView{MemberID: f.MemberID, Name: memberName(s, f.MemberID), Reason: f.Reason, At: millis(f.At)})
		}
	}
	return out
}

func viewThread(s *State, with string) threadView {
	t := s.Threads[with]
	v := threadView{With: with, Name: memberName(s, with), Messages: make([]messageView, len(t.Messages)),
		ReadByFacilitators: t.ReadByFacilitators, ReadByParticipant: t.ReadByParticipant}
	for i, msg := range t.Messages {
		from, _ := s.Member(msg.From)
		v.Messages[i] = messageView{N: msg.N, From: msg.From, FromName: from.Name, FromRole: from.Role, Text: msg.Text, At: millis(msg.At)}
	}
	return v
}

// viewPeople returns one entry per participant on the roster, in roster
// order: their latest window-of-tolerance state this session, from any run
// that asks for one, and whether such a run stopped taking answers before
// they first came. Runs follow one another, so the latest run a participant
// answered holds their latest state: each participant is looked up from the
// newest run back, and most are found in the first.
func viewPeople(s *State) []personView {
	var firstEnd time.Time // when the first check-in stopped taking answers
	runs := make([]windowRun, 0, 4)
	if s.Current != nil {
		if w, ok := s.Current.Run.(windowRun); ok {
			runs = append(runs, w)
		}
	}
	for i := len(s.History) - 1; i >= 0; i-- {
		if w, ok := s.History[i].Run.(windowRun); ok {
			runs = append(runs, w)
		}
	}
	for _, w := range runs {
		if !w.arrival() {
			continue
		}
		if _, end := w.span(); !end.IsZero() && (firstEnd.IsZero() || end.Before(firstEnd)) {
			firstEnd = end
		}
	}
	out := make([]personView, 0, len(s.Members))
	for _, m := range s.Members {
		if m.Role != Participant {
			continue
		}
		p := personView{MemberID: m.ID}
		for _, w := range runs {
			if st, at, ok := w.windowState(m.ID); ok {
				p.State, p.StateAt = st, millis(at)
				break
			}
		}
		p.MissedArrival = !firstEnd.IsZero() && (m.FirstJoined.IsZero() || m.FirstJoined.After(firstEnd))
		out = append(out, p)
	}
	return out
}

// --- the parts of an event ---------------------------------------------------

// supportChanged marks the care part changed and sends the open signals to the
// facilitators and the participant memberID their own.
func (c *Change) supportChanged(s *State, memberID string) {
	c.care = true
	c.send(facilitatorsOnly(), fieldSupport, viewSignals(s))
	c.send(onlyMember(memberID), fieldSupport, viewOwnSignal(s, memberID))
}

// flagsChanged marks the care part changed and sends the facilitators the open
// flags.
func (c *Change) flagsChanged(s *State) {
	c.care = true
	c.send(facilitatorsOnly(), fieldFlags, viewFlags(s))
}

// threadChanged marks the participant's thread changed and sends it to the
// facilitators and to them.
func (c *Change) threadChanged(s *State, with string) {
	c.thread = with
	v := viewThread(s, with)
	c.send(facilitatorsOnly(), fieldThread, &v)
	c.send(onlyMember(with), fieldThread, &v)
}

// peopleIfChanged sends the facilitators `people` when next's differs from
// prev's. Only a roster that grew or shrank, or a run in which people say
// their state (running before or after), can change it: any other change
// costs two type checks.
func (c *Change) peopleIfChanged(prev, next *State) {
	says := func(a *Activity) bool {
		if a == nil {
			return false
		}
		_, ok := a.Run.(windowRun)
		return ok
	}
	if len(prev.Members) == len(next.Members) && !says(prev.Current) && !says(next.Current) {
		return
	}
	before, after := viewPeople(prev), viewPeople(next)
	if slices.Equal(before, after) {
		return
	}
	c.send(facilitatorsOnly(), fieldPeople, after)
}

// --- afterwards --------------------------------------------------------------

// CareSummary is the session's care as its facilitators look back on it:
// every signal, flag and private thread, whatever became of them.
type CareSummary struct {
	Signals []SummarySignal `json:"signals"`
	Flags   []SummaryFlag   `json:"flags"`
	Threads []SummaryThread `json:"threads"`
}

// SummarySignal is one support signal: its level and time, who answered
// "I see you" and when, and how it ended (Ended empty: still open when the
// room closed, or now).
type SummarySignal struct {
	MemberID    string       `json:"memberId"`
	Name        string       `json:"name"`
	Level       SupportLevel `json:"level"`
	At          time.Time    `json:"at"`
	AckedAt     time.Time    `json:"ackedAt,omitzero"`
	AckedBy     string       `json:"ackedBy,omitempty"`
	AckedByName string       `json:"ackedByName,omitempty"`
	EndedAt     time.Time    `json:"endedAt,omitzero"`
	Ended       SignalEnd    `json:"ended,omitempty"`
	EndedBy     string       `json:"endedBy,omitempty"`
	EndedByName string       `json:"endedByName,omitempty"`
}

// SummaryFlag is one flag, and when (and by whom) it was cleared.
type SummaryFlag struct {
	MemberID      string     `json:"memberId"`
	Name          string     `json:"name"`
	Reason        FlagReason `json:"reason"`
	At            time.Time  `json:"at"`
	ClearedAt     time.Time  `json:"clearedAt,omitzero"`
	ClearedBy     string     `json:"clearedBy,omitempty"`
	ClearedByName string     `json:"clearedByName,omitempty"`
}

// SummaryThread is one private thread, whole.
type SummaryThread struct {
	With               string           `json:"with"`
	Name               string           `json:"name"`
	Messages           []SummaryMessage `json:"messages"`
	ReadByFacilitators int              `json:"readByFacilitators"`
	ReadByParticipant  int              `json:"readByParticipant"`
}

// SummaryMessage is one message of a thread, with its writer's name and
// role.
type SummaryMessage struct {
	N        int       `json:"n"`
	From     string    `json:"from"`
	FromName string    `json:"fromName"`
	FromRole Role      `json:"fromRole"`
	Text     string    `json:"text"`
	At       time.Time `json:"at"`
}

// summarizeCare returns the care part of the summary: signals and flags in
// the order they were raised, threads in roster order (then any of someone
// no longer on it, by ID).
func summarizeCare(s *State) CareSummary {
	name := func(id string) string {
		if id == "" {
			return ""
		}
		return memberName(s, id)
	}
	out := CareSummary{Signals: []SummarySignal{}, Flags: []SummaryFlag{}, Threads: []SummaryThread{}}
	for _, sig := range s.Signals {
		out.Signals = append(out.Signals, SummarySignal{
			MemberID: sig.MemberID, Name: name(sig.MemberID), Level: sig.Level, At: sig.At,
			AckedAt: sig.AckedAt, AckedBy: sig.AckedBy, AckedByName: name(sig.AckedBy),
			EndedAt: sig.EndedAt, Ended: sig.Ended, EndedBy: sig.EndedBy, EndedByName: name(sig.EndedBy),
		})
	}
	for _, f := range s.Flags {
		out.Flags = append(out.Flags, SummaryFlag{MemberID: f.MemberID, Name: name(f.MemberID), Reason: f.Reason, At: f.At,
			ClearedAt: f.ClearedAt, ClearedBy: f.ClearedBy, ClearedByName: name(f.ClearedBy)})
	}
	ids := make([]string, 0, len(s.Threads))
	for _, m := range s.Members {
		if _, ok := s.Threads[m.ID]; ok {
			ids = append(ids, m.ID)
		}
	}
	for _, id := range slices.Sorted(maps.Keys(s.Threads)) {
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	for _, id := range ids {
		t := s.Threads[id]
		st := SummaryThread{With: id, Name: name(id), Messages: make([]SummaryMessage, len(t.Messages)),
			ReadByFacilitators: t.ReadByFacilitators, ReadByParticipant: t.ReadByParticipant}
		for i, msg := range t.Messages {
			from, _ := s.Member(msg.From)
			st.Messages[i] = SummaryMessage{N: msg.N, From: msg.From, FromName: from.Name, FromRole: from.Role, Text: msg.Text, At: msg.At}
		}
		out.Threads = append(out.Threads, st)
	}
	return out
}

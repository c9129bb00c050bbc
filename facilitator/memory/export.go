package memory

import (
	"encoding/json"
	"fmt"
	"time"

	"hearth/facilitator"
	"hearth/room"
)

// A cohort's export is the facilitators' own record: everything the cohort
// remembers, private notes included. JSON is complete, for keeping or
// moving; Markdown is for reading.
//
// The JSON file is a format of its own, versioned by its "format" field.
// Its types below are memory's, copied field by field from room's (never
// room's types embedded or marshalled as they are), so that a change to
// room's structs either fails to compile here or fails
// TestExportV1FollowsRoom, instead of silently changing the file. A change
// to the file is a deliberate one: a new format version with its own types.

// FormatV1 names the first export format.
const FormatV1 = "hearth-cohort/1"

const privacyNote = "This export holds the facilitators' private notes and everything participants shared, with their names. Keep it as safe as any clinical record."

// ExportV1 is a whole cohort in the hearth-cohort/1 format.
type ExportV1 struct {
	Format       string          `json:"format"`
	ExportedAt   time.Time       `json:"exportedAt"`
	Privacy      string          `json:"privacy"`
	Cohort       CohortV1        `json:"cohort"`
	Facilitators []AccountV1     `json:"facilitators"`
	Participants []ParticipantV1 `json:"participants"`
	// Sessions are in the order they were planned to start.
	Sessions []SessionV1 `json:"sessions"`
	Notes    []Note      `json:"notes"`
	Overview Overview    `json:"overview"`
}

// CohortV1 is the cohort's own settings.
type CohortV1 struct {
	ID                string    `json:"id"`
	Name              string    `json:"name"`
	Description       string    `json:"description"`
	Agreements        string    `json:"agreements"`
	AgreementsVersion int       `json:"agreementsVersion"`
	VideoURL          string    `json:"videoUrl"`
	Archived          bool      `json:"archived"`
	CreatedAt         time.Time `json:"createdAt"`
}

// AccountV1 is a facilitator of the cohort.
type AccountV1 struct {
	ID    string `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
}

// ParticipantV1 is someone on the roster, with their acceptances of the
// agreements.
type ParticipantV1 struct {
	ID          string                   `json:"id"`
	Name        string                   `json:"name"`
	CreatedAt   time.Time                `json:"createdAt"`
	Acceptances []facilitator.Acceptance `json:"acceptances"`
}

// SessionV1 is one session with its agenda and, once its room opened, its
// summary.
type SessionV1 struct {
	ID       string                    `json:"id"`
	Title    string                    `json:"title"`
	StartsAt time.Time                 `json:"startsAt"`
	Status   facilitator.SessionStatus `json:"status"`
	OpenedAt *time.Time                `json:"openedAt"`
	ClosedAt *time.Time                `json:"closedAt"`
	Agenda   []ItemV1                  `json:"agenda"`
	// Summary is null for a session whose room never opened.
	Summary *SummaryV1 `json:"summary"`
}

// ItemV1 is an agenda item: one flat object of its own fields and its
// kind's settings. An item of a kind this format does not know (a kind
// added after it) is carried as the room's own JSON of it, in Raw.
type ItemV1 struct {
	ID     string          `json:"id"`
	Kind   room.Kind       `json:"kind"`
	Title  string          `json:"title,omitempty"`
	Status room.ItemStatus `json:"status,omitempty"`
	// The settings of every known kind; a kind sets only its own.
	Prompt       string             `json:"prompt,omitempty"`
	Visibility   room.Visibility    `json:"visibility,omitempty"`
	Seconds      int                `json:"seconds,omitempty"`
	Breath       *BreathV1          `json:"breath,omitempty"`
	Reveal       room.RevealMode    `json:"reveal,omitempty"`
	Commitment   bool               `json:"commitment,omitempty"`
	Mode         room.CircleMode    `json:"mode,omitempty"`
	Order        room.SpeakingOrder `json:"order,omitempty"`
	ShareSeconds int                `json:"shareSeconds,omitempty"`
	ClosingCheck bool               `json:"closingCheck,omitempty"`
	Raw          json.RawMessage    `json:"-"`
}

// MarshalJSON writes an item of an unknown kind as the room wrote it.
func (it ItemV1) MarshalJSON() ([]byte, error) {
	if it.Raw != nil {
		return it.Raw, nil
	}
	type plain ItemV1
	return json.Marshal(plain(it))
}

// BreathV1 is a breathing pacer's rhythm, in seconds.
type BreathV1 struct {
	In   int `json:"in"`
	Hold int `json:"hold"`
	Out  int `json:"out"`
	Rest int `json:"rest"`
}

func breathV1(b *room.Breath) *BreathV1 {
	if b == nil {
		return nil
	}
	return &BreathV1{In: b.In, Hold: b.Hold, Out: b.Out, Rest: b.Rest}
}

func itemV1(it room.Item) (ItemV1, error) {
	v := ItemV1{ID: it.ID, Kind: it.Kind, Title: it.Title, Status: it.Status}
	switch s := it.Settings.(type) {
	case room.CheckInSettings:
		v.Prompt, v.Visibility = s.Prompt, s.Visibility
	case room.GroundingSettings:
		v.Seconds, v.Breath = s.Seconds, breathV1(s.Breath)
	case room.IntentionsSettings:
		v.Prompt, v.Reveal, v.Commitment = s.Prompt, s.Reveal, s.Commitment
	case room.CircleSettings:
		v.Prompt, v.Mode, v.Order, v.ShareSeconds = s.Prompt, s.Mode, s.Order, s.ShareSeconds
	case room.CheckOutSettings:
		v.Prompt, v.ClosingCheck = s.Prompt, s.ClosingCheck
	case nil:
	default:
		raw, err := json.Marshal(it)
		if err != nil {
			return ItemV1{}, fmt.Errorf("agenda item %s: %w", it.ID, err)
		}
		v.Raw = raw
	}
	return v, nil
}

func itemsV1(items []room.Item) ([]ItemV1, error) {
	if items == nil {
		return nil, nil
	}
	out := make([]ItemV1, 0, len(items))
	for _, it := range items {
		v, err := itemV1(it)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// SummaryV1 is a session as its facilitators look back on it.
type SummaryV1 struct {
	SessionID  string         `json:"sessionId"`
	CohortID   string         `json:"cohortId"`
	Title      string         `json:"title"`
	Cohort     string         `json:"cohort"`
	Status     room.Status    `json:"status"`
	OpenedAt   time.Time      `json:"openedAt"`
	ClosedAt   time.Time      `json:"closedAt,omitzero"`
	Attendance []AttendanceV1 `json:"attendance"`
	Sections   []SectionV1    `json:"sections"`
	Skipped    []ItemV1       `json:"skipped"`
	Pending    []ItemV1       `json:"pending"`
	Care       CareV1         `json:"care"`
}

// CareV1 is the session's care: every support signal, flag and private
// thread.
type CareV1 struct {
	Signals []SignalV1 `json:"signals"`
	Flags   []FlagV1   `json:"flags"`
	Threads []ThreadV1 `json:"threads"`
}

// SignalV1 is one support signal: its level and time, who answered it and
// when, and how it ended (Ended empty: it was still open).
type SignalV1 struct {
	MemberID    string            `json:"memberId"`
	Name        string            `json:"name"`
	Level       room.SupportLevel `json:"level"`
	At          time.Time         `json:"at"`
	AckedAt     time.Time         `json:"ackedAt,omitzero"`
	AckedBy     string            `json:"ackedBy,omitempty"`
	AckedByName string            `json:"ackedByName,omitempty"`
	EndedAt     time.Time         `json:"endedAt,omitzero"`
	Ended       room.SignalEnd    `json:"ended,omitempty"`
	EndedBy     string            `json:"endedBy,omitempty"`
	EndedByName string            `json:"endedByName,omitempty"`
}

// FlagV1 is one flag, and when and by whom it was cleared.
type FlagV1 struct {
	MemberID      string          `json:"memberId"`
	Name          string          `json:"name"`
	Reason        room.FlagReason `json:"reason"`
	At            time.Time       `json:"at"`
	ClearedAt     time.Time       `json:"clearedAt,omitzero"`
	ClearedBy     string          `json:"clearedBy,omitempty"`
	ClearedByName string          `json:"clearedByName,omitempty"`
}

// ThreadV1 is a private thread between the facilitators and one
// participant, whole.
type ThreadV1 struct {
	With               string      `json:"with"`
	Name               string      `json:"name"`
	Messages           []MessageV1 `json:"messages"`
	ReadByFacilitators int         `json:"readByFacilitators"`
	ReadByParticipant  int         `json:"readByParticipant"`
}

// MessageV1 is one message of a thread.
type MessageV1 struct {
	N        int       `json:"n"`
	From     string    `json:"from"`
	FromName string    `json:"fromName"`
	FromRole room.Role `json:"fromRole"`
	Text     string    `json:"text"`
	At       time.Time `json:"at"`
}

func careV1(c room.CareSummary) CareV1 {
	return CareV1{
		Signals: each(c.Signals, func(s room.SummarySignal) SignalV1 {
			return SignalV1{MemberID: s.MemberID, Name: s.Name, Level: s.Level, At: s.At,
				AckedAt: s.AckedAt, AckedBy: s.AckedBy, AckedByName: s.AckedByName,
				EndedAt: s.EndedAt, Ended: s.Ended, EndedBy: s.EndedBy, EndedByName: s.EndedByName}
		}),
		Flags: each(c.Flags, func(f room.SummaryFlag) FlagV1 {
			return FlagV1{MemberID: f.MemberID, Name: f.Name, Reason: f.Reason, At: f.At,
				ClearedAt: f.ClearedAt, ClearedBy: f.ClearedBy, ClearedByName: f.ClearedByName}
		}),
		Threads: each(c.Threads, func(t room.SummaryThread) ThreadV1 {
			return ThreadV1{With: t.With, Name: t.Name, ReadByFacilitators: t.ReadByFacilitators, ReadByParticipant: t.ReadByParticipant,
				Messages: each(t.Messages, func(m room.SummaryMessage) MessageV1 {
					return MessageV1{N: m.N, From: m.From, FromName: m.FromName, FromRole: m.FromRole, Text: m.Text, At: m.At}
				})}
		}),
	}
}

// AttendanceV1 is one member's presence over a session.
type AttendanceV1 struct {
	MemberID    string        `json:"memberId"`
	Name        string        `json:"name"`
	Role        room.Role     `json:"role"`
	Came        bool          `json:"came"`
	FirstJoined time.Time     `json:"firstJoined,omitzero"`
	Drops       int           `json:"drops"`
	Returns     int           `json:"returns"`
	LeftEarly   bool          `json:"leftEarly"`
	LeftAt      time.Time     `json:"leftAt,omitzero"`
	Presence    room.Presence `json:"presence"`
}

// SectionV1 is one activity that ran, with its kind's part (Detail) under
// the kind's name: a *CheckInV1, *GroundingV1, *IntentionsV1, *CircleV1 or
// *CheckOutV1. A kind this format does not know (one added after it) is
// carried as the kind's own JSON (a json.RawMessage), and the Markdown
// writes only its title and time: adding a kind to the room does not have
// to touch this package, and still loses nothing from the file.
type SectionV1 struct {
	Kind      room.Kind `json:"kind"`
	ItemID    string    `json:"itemId,omitempty"`
	Title     string    `json:"title,omitempty"`
	StartedAt time.Time `json:"startedAt"`
	EndedAt   time.Time `json:"endedAt,omitzero"`
	Running   bool      `json:"running,omitempty"`
	Detail    any       `json:"-"`
}

// MarshalJSON writes the section with its detail under its kind's name.
func (sec SectionV1) MarshalJSON() ([]byte, error) {
	type plain SectionV1
	head, err := json.Marshal(plain(sec))
	if err != nil || sec.Detail == nil {
		return head, err
	}
	body, err := json.Marshal(sec.Detail)
	if err != nil {
		return nil, err
	}
	name, err := json.Marshal(string(sec.Kind))
	if err != nil {
		return nil, err
	}
	out := append(head[:len(head)-1:len(head)-1], ',')
	out = append(out, name...)
	out = append(out, ':')
	out = append(out, body...)
	return append(out, '}'), nil
}

// CheckInV1 is a check-in's answers, with their writers' names.
type CheckInV1 struct {
	Prompt       string               `json:"prompt"`
	Visibility   room.Visibility      `json:"visibility"`
	Answers      []AnswerV1           `json:"answers"`
	Unanswered   []string             `json:"unanswered"`
	ScaleAverage float64              `json:"scaleAverage"`
	States       map[room.Arousal]int `json:"states"`
}

// AnswerV1 is one check-in answer.
type AnswerV1 struct {
	MemberID string       `json:"memberId"`
	Name     string       `json:"name"`
	Scale    int          `json:"scale"`
	State    room.Arousal `json:"state"`
	Feeling  string       `json:"feeling,omitempty"`
	Note     string       `json:"note,omitempty"`
	At       time.Time    `json:"at"`
}

// GroundingV1 is a grounding pause.
type GroundingV1 struct {
	Seconds    int           `json:"seconds"`
	Breath     *BreathV1     `json:"breath,omitempty"`
	Ran        time.Duration `json:"ran"`
	EndedEarly bool          `json:"endedEarly"`
}

// IntentionsV1 is an intentions activity: the intentions written, the
// reflections on earlier ones, and the steps.
type IntentionsV1 struct {
	Prompt      string          `json:"prompt"`
	Reveal      room.RevealMode `json:"reveal"`
	Commitment  bool            `json:"commitment"`
	Revealed    bool            `json:"revealed"`
	RevealedAt  time.Time       `json:"revealedAt,omitzero"`
	Intentions  []WrittenV1     `json:"intentions"`
	Reflections []ReflectionV1  `json:"reflections"`
	Steps       []StepV1        `json:"steps"`
	Unwritten   []string        `json:"unwritten"`
}

// WrittenV1 is an intention written in the activity.
type WrittenV1 struct {
	MemberID string    `json:"memberId"`
	Name     string    `json:"name"`
	Text     string    `json:"text"`
	At       time.Time `json:"at"`
}

// ReflectionV1 is a reflection on an earlier intention.
type ReflectionV1 struct {
	MemberID     string       `json:"memberId"`
	Name         string       `json:"name"`
	IntentionID  string       `json:"intentionId"`
	Intention    string       `json:"intention"`
	SessionTitle string       `json:"sessionTitle,omitempty"`
	Outcome      room.Outcome `json:"outcome"`
	At           time.Time    `json:"at"`
}

// StepV1 is a step committed to for an intention.
type StepV1 struct {
	MemberID     string    `json:"memberId"`
	Name         string    `json:"name"`
	Step         string    `json:"step"`
	IntentionID  string    `json:"intentionId"`
	Intention    string    `json:"intention"`
	SessionTitle string    `json:"sessionTitle,omitempty"`
	At           time.Time `json:"at"`
}

// CircleV1 is a sharing circle or an open floor.
type CircleV1 struct {
	Prompt       string             `json:"prompt"`
	Mode         room.CircleMode    `json:"mode"`
	Order        room.SpeakingOrder `json:"order,omitempty"`
	ShareSeconds int                `json:"shareSeconds"`
	Turns        []TurnV1           `json:"turns"`
	Waiting      []string           `json:"waiting"`
	RoundOver    bool               `json:"roundOver"`
}

// ReadingV1 is a reading as it was shared, and who said they had read it.
type ReadingV1 struct {
	Text   string     `json:"text"`
	Source string     `json:"source,omitempty"`
	Read   []ReaderV1 `json:"read"`
}

// ReaderV1 is someone who marked a reading read.
type ReaderV1 struct {
	MemberID string    `json:"memberId"`
	Name     string    `json:"name"`
	At       time.Time `json:"at"`
}

// TurnV1 is one hold of the talking piece (N 0: skipped while waiting).
type TurnV1 struct {
	N         int              `json:"n"`
	MemberID  string           `json:"memberId"`
	Name      string           `json:"name"`
	Outcome   room.TurnOutcome `json:"outcome,omitempty"`
	StartedAt time.Time        `json:"startedAt"`
	EndedAt   time.Time        `json:"endedAt,omitzero"`
	Duration  time.Duration    `json:"duration"`
}

// CheckOutV1 is a check-out's words.
type CheckOutV1 struct {
	Prompt       string        `json:"prompt"`
	ClosingCheck bool          `json:"closingCheck"`
	Revealed     bool          `json:"revealed"`
	Words        []WordV1      `json:"words"`
	Unanswered   []string      `json:"unanswered"`
	Cloud        []CloudWordV1 `json:"cloud"`
}

// WordV1 is one check-out word.
type WordV1 struct {
	MemberID string       `json:"memberId"`
	Name     string       `json:"name"`
	Word     string       `json:"word"`
	State    room.Arousal `json:"state,omitempty"`
	Arrival  room.Arousal `json:"arrival,omitempty"`
	At       time.Time    `json:"at"`
}

// CloudWordV1 is a word of the cloud, with how many gave it.
type CloudWordV1 struct {
	Word  string `json:"word"`
	Count int    `json:"count"`
}

// Export returns the cohort in the hearth-cohort/1 format, exported at now.
func (cm *Cohort) Export(now time.Time) (ExportV1, error) {
	c := cm.cohort
	v := ExportV1{Format: FormatV1, ExportedAt: now.UTC(), Privacy: privacyNote,
		Cohort: CohortV1{ID: c.ID, Name: c.Name, Description: c.Description, Agreements: c.Agreements,
			AgreementsVersion: c.AgreementsVersion, VideoURL: c.VideoURL, Archived: c.Archived, CreatedAt: c.CreatedAt},
		Facilitators: make([]AccountV1, 0, len(cm.facilitators)),
		Participants: make([]ParticipantV1, 0, len(cm.participants)),
		Sessions:     make([]SessionV1, 0, len(cm.sessions)),
		Notes:        cm.notes, Overview: cm.Overview(),
	}
	for _, a := range cm.facilitators {
		v.Facilitators = append(v.Facilitators, AccountV1{ID: a.ID, Email: a.Email, Name: a.Name})
	}
	for _, p := range cm.participants {
		acc := p.Acceptances
		if acc == nil {
			acc = []facilitator.Acceptance{}
		}
		v.Participants = append(v.Participants, ParticipantV1{ID: p.ID, Name: p.Name, CreatedAt: p.CreatedAt, Acceptances: acc})
	}
	for _, ss := range cm.sessions {
		agenda, err := itemsV1(room.DecodeAgenda(ss.Agenda))
		if err != nil {
			return ExportV1{}, fmt.Errorf("session %s: %w", ss.ID, err)
		}
		es := SessionV1{ID: ss.ID, Title: ss.Title, StartsAt: ss.StartsAt, Status: ss.Status,
			OpenedAt: timePtr(ss.OpenedAt), ClosedAt: timePtr(ss.ClosedAt), Agenda: agenda}
		if sum, ok := cm.summaries[ss.ID]; ok {
			s, err := summaryV1(sum)
			if err != nil {
				return ExportV1{}, fmt.Errorf("session %s: %w", ss.ID, err)
			}
			es.Summary = &s
		}
		v.Sessions = append(v.Sessions, es)
	}
	return v, nil
}

func summaryV1(sum room.Summary) (SummaryV1, error) {
	v := SummaryV1{SessionID: sum.SessionID, CohortID: sum.CohortID, Title: sum.Title, Cohort: sum.Cohort,
		Status: sum.Status, OpenedAt: sum.OpenedAt, ClosedAt: sum.ClosedAt,
	}
	v.Attendance = each(sum.Attendance, func(a room.Attendance) AttendanceV1 {
		return AttendanceV1{MemberID: a.MemberID, Name: a.Name, Role: a.Role, Came: a.Came,
			FirstJoined: a.FirstJoined, Drops: a.Drops, Returns: a.Returns, LeftEarly: a.LeftEarly, LeftAt: a.LeftAt,
			Presence: a.Presence}
	})
	if sum.Sections != nil {
		v.Sections = make([]SectionV1, 0, len(sum.Sections))
	}
	for _, sec := range sum.Sections {
		s, err := sectionV1(sec)
		if err != nil {
			return SummaryV1{}, err
		}
		v.Sections = append(v.Sections, s)
	}
	var err error
	if v.Skipped, err = itemsV1(sum.Skipped); err != nil {
		return SummaryV1{}, err
	}
	if v.Pending, err = itemsV1(sum.Pending); err != nil {
		return SummaryV1{}, err
	}
	v.Care = careV1(sum.Care)
	return v, nil
}

func sectionV1(sec room.Section) (SectionV1, error) {
	v := SectionV1{Kind: sec.Kind, ItemID: sec.ItemID, Title: sec.Title, StartedAt: sec.StartedAt,
		EndedAt: sec.EndedAt, Running: sec.Running}
	switch d := sec.Detail.(type) {
	case nil:
	case *room.CheckInSection:
		v.Detail = &CheckInV1{Prompt: d.Prompt, Visibility: d.Visibility, Unanswered: d.Unanswered,
			ScaleAverage: d.ScaleAverage, States: d.States,
			Answers: each(d.Answers, func(a room.SummaryAnswer) AnswerV1 {
				return AnswerV1{MemberID: a.MemberID, Name: a.Name, Scale: a.Scale, State: a.State,
					Feeling: a.Feeling, Note: a.Note, At: a.At}
			})}
	case *room.GroundingSection:
		v.Detail = &GroundingV1{Seconds: d.Seconds, Breath: breathV1(d.Breath), Ran: d.Ran, EndedEarly: d.EndedEarly}
	case *room.IntentionsSection:
		v.Detail = &IntentionsV1{Prompt: d.Prompt, Reveal: d.Reveal, Commitment: d.Commitment, Revealed: d.Revealed,
			RevealedAt: d.RevealedAt, Unwritten: d.Unwritten,
			Intentions: each(d.Intentions, func(w room.SummaryIntention) WrittenV1 {
				return WrittenV1{MemberID: w.MemberID, Name: w.Name, Text: w.Text, At: w.At}
			}),
			Reflections: each(d.Reflections, func(r room.SummaryReflection) ReflectionV1 {
				return ReflectionV1{MemberID: r.MemberID, Name: r.Name, IntentionID: r.IntentionID,
					Intention: r.Intention, SessionTitle: r.SessionTitle, Outcome: r.Outcome, At: r.At}
			}),
			Steps: each(d.Steps, func(st room.SummaryStep) StepV1 {
				return StepV1{MemberID: st.MemberID, Name: st.Name, Step: st.Step, IntentionID: st.IntentionID,
					Intention: st.Intention, SessionTitle: st.SessionTitle, At: st.At}
			})}
	case *room.CircleSection:
		v.Detail = &CircleV1{Prompt: d.Prompt, Mode: d.Mode, Order: d.Order, ShareSeconds: d.ShareSeconds,
			Waiting: d.Waiting, RoundOver: d.RoundOver,
			Turns: each(d.Turns, func(t room.SummaryTurn) TurnV1 {
				return TurnV1{N: t.N, MemberID: t.MemberID, Name: t.Name, Outcome: t.Outcome,
					StartedAt: t.StartedAt, EndedAt: t.EndedAt, Duration: t.Duration}
			})}
	case *room.CheckOutSection:
		v.Detail = &CheckOutV1{Prompt: d.Prompt, ClosingCheck: d.ClosingCheck, Revealed: d.Revealed, Unanswered: d.Unanswered,
			Words: each(d.Words, func(w room.SummaryWord) WordV1 {
				return WordV1{MemberID: w.MemberID, Name: w.Name, Word: w.Word, State: w.State, Arrival: w.Arrival, At: w.At}
			}),
			Cloud: each(d.Cloud, func(w room.CloudWord) CloudWordV1 { return CloudWordV1{Word: w.Word, Count: w.Count} })}
	case *room.ReadingSection:
		v.Detail = &ReadingV1{Text: d.Text, Source: d.Source,
			Read: each(d.Read, func(r room.Reader) ReaderV1 { return ReaderV1{MemberID: r.MemberID, Name: r.Name, At: r.At} })}
	default:
		raw, err := json.Marshal(d)
		if err != nil {
			return SectionV1{}, fmt.Errorf("section %s: %w", sec.Kind, err)
		}
		v.Detail = json.RawMessage(raw)
	}
	return v, nil
}

// each maps a list, keeping a nil one nil (null in the file, as the room
// wrote it).
func each[S, T any](in []S, f func(S) T) []T {
	if in == nil {
		return nil
	}
	out := make([]T, 0, len(in))
	for _, x := range in {
		out = append(out, f(x))
	}
	return out
}

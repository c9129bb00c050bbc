package memory

import (
	"time"

	"hearth/facilitator"
	"hearth/room"
)

// OverviewSession is one session, a column of the overview's grid.
type OverviewSession struct {
	ID       string                    `json:"id"`
	Title    string                    `json:"title"`
	StartsAt time.Time                 `json:"startsAt"`
	Status   facilitator.SessionStatus `json:"status"`
	// Opened is false for a session whose room never opened: it has no
	// attendance.
	Opened bool `json:"opened"`
}

// Attendance marks in the overview's grid.
const (
	markStayed   = "stayed"   // came and was there at the end (or is now)
	markReturned = "returned" // away past the grace and came back, and was there at the end
	markLeft     = "left"     // left before the end
	markAbsent   = "absent"   // on the roster, never came
	markNone     = ""         // not on the roster then, or the room never opened
)

// Arrival is how someone arrived: their first check-in answer.
type Arrival struct {
	Scale int          `json:"scale"`
	State room.Arousal `json:"state"`
}

// Departure is how someone left: their last check-out word.
type Departure struct {
	Word  string       `json:"word"`
	State room.Arousal `json:"state,omitempty"`
}

// Cell is one participant in one session.
type Cell struct {
	Attendance string `json:"attendance"`
	Drops      int    `json:"drops,omitempty"`
	// Arrival is the first check-in they answered in the session;
	// Departure the last check-out word they gave.
	Arrival   *Arrival   `json:"arrival"`
	Departure *Departure `json:"departure"`
}

// OverviewPerson is one participant, a row of the overview's grid.
type OverviewPerson struct {
	ID   string `json:"id"`
	Name string `json:"name"`
	// Removed is true for someone no longer on the roster who was in an
	// earlier session.
	Removed bool `json:"removed"`
	// Sessions has one cell per session of the overview, in its order.
	Sessions []Cell `json:"sessions"`
}

// Overview is a cohort at a glance: who came to which session, how they
// arrived and left, the notes, and the journeys of intentions.
type Overview struct {
	CohortID     string            `json:"cohortId"`
	Cohort       string            `json:"cohort"`
	Sessions     []OverviewSession `json:"sessions"`
	Participants []OverviewPerson  `json:"participants"`
	Notes        []Note            `json:"notes"`
	// Intentions holds, per participant on the roster who set any, their
	// intentions across the sessions, oldest first.
	Intentions []IntentionJourney `json:"intentions"`
}

// IntentionJourney is one participant's intentions across the cohort.
type IntentionJourney struct {
	ParticipantID string      `json:"participantId"`
	Name          string      `json:"name"`
	Intentions    []Intention `json:"intentions"`
}

// Intention is one intention: where it was set, and what its writer
// made of it in the sessions since (or in the same one, for a step).
type Intention struct {
	ID           string       `json:"id"`
	Text         string       `json:"text"`
	SessionID    string       `json:"sessionId"`
	SessionTitle string       `json:"sessionTitle"`
	SetAt        time.Time    `json:"setAt"`
	Reflections  []Reflection `json:"reflections"`
	Steps        []Step       `json:"steps"`
}

// Reflection is what an intention's writer made of it in a later session.
type Reflection struct {
	SessionID    string       `json:"sessionId"`
	SessionTitle string       `json:"sessionTitle"`
	Outcome      room.Outcome `json:"outcome"`
	At           time.Time    `json:"at"`
}

// Step is an action an intention's writer committed to.
type Step struct {
	SessionID    string    `json:"sessionId"`
	SessionTitle string    `json:"sessionTitle"`
	Step         string    `json:"step"`
	At           time.Time `json:"at"`
}

// intentionJourneys reads every stored room of the cohort, the live one
// included: BuildJourneys counts only each room's own activities, so the
// rooms together are each intention's whole journey. People removed from
// the roster are left out, as they are from a room's journeys.
func (cm *Cohort) intentionJourneys() []IntentionJourney {
	roster := make([]room.Member, 0, len(cm.participants))
	for _, p := range cm.participants {
		roster = append(roster, room.Member{ID: p.ID, Name: p.Name, Role: room.Participant})
	}
	all := room.BuildJourneys(cm.states, roster)
	out := []IntentionJourney{}
	for _, p := range cm.participants {
		past := all[p.ID]
		if len(past) == 0 {
			continue
		}
		j := IntentionJourney{ParticipantID: p.ID, Name: p.Name, Intentions: make([]Intention, 0, len(past))}
		for _, pi := range past {
			in := Intention{ID: pi.ID, Text: pi.Text, SessionID: pi.SessionID, SessionTitle: pi.SessionTitle, SetAt: pi.SetAt,
				Reflections: make([]Reflection, 0, len(pi.Reflections)), Steps: make([]Step, 0, len(pi.Commitments))}
			for _, r := range pi.Reflections {
				in.Reflections = append(in.Reflections, Reflection{SessionID: r.SessionID, SessionTitle: r.SessionTitle, Outcome: r.Outcome, At: r.At})
			}
			for _, c := range pi.Commitments {
				in.Steps = append(in.Steps, Step{SessionID: c.SessionID, SessionTitle: c.SessionTitle, Step: c.Step, At: c.At})
			}
			j.Intentions = append(j.Intentions, in)
		}
		out = append(out, j)
	}
	return out
}

// cells reads every member's cell of one session from its summary, by
// member ID: once per session, not once per person (a cohort of 500 read
// each summary 500 times).
func cells(sum room.Summary) map[string]Cell {
	out := make(map[string]Cell, len(sum.Attendance))
	for _, a := range sum.Attendance {
		c := out[a.MemberID]
		switch {
		case !a.Came:
			c.Attendance = markAbsent
		case a.LeftEarly:
			c.Attendance = markLeft
		case a.Returns > 0:
			c.Attendance = markReturned
		default:
			c.Attendance = markStayed
		}
		c.Drops = a.Drops
		out[a.MemberID] = c
	}
	// Arrival is the first check-in's answer (the last answer of the
	// member in it); departure the last check-out word.
	arrived := map[string]bool{}
	for _, sec := range sum.Sections {
		if ci, ok := sec.Detail.(*room.CheckInSection); ok {
			seen := map[string]bool{}
			for _, ans := range ci.Answers {
				if arrived[ans.MemberID] {
					continue
				}
				c := out[ans.MemberID]
				c.Arrival = &Arrival{Scale: ans.Scale, State: ans.State}
				out[ans.MemberID] = c
				seen[ans.MemberID] = true
			}
			for id := range seen {
				arrived[id] = true
			}
		}
		if co, ok := sec.Detail.(*room.CheckOutSection); ok {
			for _, wd := range co.Words {
				c := out[wd.MemberID]
				c.Departure = &Departure{Word: wd.Word, State: wd.State}
				out[wd.MemberID] = c
			}
		}
	}
	return out
}

// Overview returns the cohort's overview.
func (cm *Cohort) Overview() Overview {
	v := Overview{CohortID: cm.cohort.ID, Cohort: cm.cohort.Name, Sessions: []OverviewSession{},
		Participants: []OverviewPerson{}, Notes: cm.notes, Intentions: cm.intentionJourneys()}
	for _, ss := range cm.sessions {
		_, opened := cm.summaries[ss.ID]
		v.Sessions = append(v.Sessions, OverviewSession{ID: ss.ID, Title: ss.Title, StartsAt: ss.StartsAt, Status: ss.Status, Opened: opened})
	}
	people := make([]OverviewPerson, 0, len(cm.participants))
	known := map[string]bool{}
	for _, p := range cm.participants {
		people = append(people, OverviewPerson{ID: p.ID, Name: p.Name})
		known[p.ID] = true
	}
	// Someone removed from the roster still belongs to the sessions they
	// were in.
	for _, ss := range cm.sessions {
		for _, a := range cm.summaries[ss.ID].Attendance {
			if a.Role == room.Participant && !known[a.MemberID] {
				people = append(people, OverviewPerson{ID: a.MemberID, Name: a.Name, Removed: true})
				known[a.MemberID] = true
			}
		}
	}
	for i := range people {
		people[i].Sessions = make([]Cell, len(cm.sessions))
	}
	for j, ss := range cm.sessions {
		sum, ok := cm.summaries[ss.ID]
		if !ok {
			continue
		}
		byID := cells(sum)
		for i := range people {
			people[i].Sessions[j] = byID[people[i].ID]
		}
	}
	v.Participants = people
	return v
}

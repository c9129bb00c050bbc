package main

import (
	"bytes"
	"encoding/json"
	"strconv"
)

// The "integration" mix: besides check-ins, each room's driver runs the
// intentions activity (every participant writes, the facilitator reveals
// them without names) and a sharing circle (the talking piece goes round;
// for each share one listener sends a silent reaction and the facilitator
// ends the share). Both are agenda items planned when the room is seeded and
// started again and again with agenda.start.

const (
	mixCheckIn     = "checkin"
	mixIntegration = "integration"
)

// agendaItems is the agenda the integration mix plans for every session.
var agendaItems = []map[string]any{
	{"kind": "intentions", "prompt": "What would you like to carry into the coming week?", "reveal": "anonymous"},
	{"kind": "circle", "prompt": "What has been alive for you since we last met?", "mode": "round", "order": "roster"},
}

// intentPrefix marks the intentions the tool writes, like notePrefix marks
// check-in notes: whose intention it is, so one that reaches another
// participant before the reveal is caught.
const intentPrefix = "INTENT~r"

func intentMarker(room, member, seq int) string {
	return intentPrefix + strconv.Itoa(room) + "~m" + strconv.Itoa(member) + "~s" + strconv.Itoa(seq) + "~"
}

// leakedIntentions counts the intentions in msg that the member may not
// see: any of another room; another participant's before the reveal (the
// message that carries them must say "revealed":true).
func leakedIntentions(msg []byte, room, member int, participant bool) int {
	if !bytes.Contains(msg, []byte(intentPrefix)) {
		return 0
	}
	revealed := bytes.Contains(msg, []byte(`"revealed":true`))
	n := 0
	for rest := msg; ; {
		i := bytes.Index(rest, []byte(intentPrefix))
		if i < 0 {
			return n
		}
		rest = rest[i+len(intentPrefix):]
		r, k := readInt(rest)
		who := -1
		if k > 0 && len(rest) > k+2 && rest[k] == '~' && rest[k+1] == 'm' {
			who, _ = readInt(rest[k+2:])
		}
		switch {
		case k == 0 || r != room:
			n++
		case participant && who != member && !revealed:
			n++
		}
	}
}

// circleSeen is the sharing circle as the room's facilitator last saw it.
type circleSeen struct {
	holder   string // member ID of who holds the piece, "" for nobody
	turn     int    // the share's number
	complete bool   // nobody holds the piece and nobody here waits
}

// activityView is what the driver reads of the facilitator's activity view.
type activityView struct {
	ID      string `json:"id"`
	Kind    string `json:"kind"`
	Open    bool   `json:"open"`
	Answers []struct {
		Note string `json:"note"`
		At   int64  `json:"at"`
	} `json:"answers"`
	Revealed   bool `json:"revealed"`
	Intentions []struct {
		Text string `json:"text"`
		At   int64  `json:"at"`
	} `json:"intentions"`
	Holder *struct {
		N        int    `json:"n"`
		MemberID string `json:"memberId"`
	} `json:"holder"`
	Complete  bool `json:"complete"`
	RoundOver bool `json:"roundOver"`
}

// seenPhase is where the facilitator's view says the room is, and the
// contributions it holds, by their text, with their "at".
func (a *activityView) seenPhase() (phase, map[string]int64) {
	at := map[string]int64{}
	switch a.Kind {
	case "intentions":
		for _, in := range a.Intentions {
			at[in.Text] = in.At
		}
		if a.Revealed {
			return intentionsRevealed, at
		}
		return intentionsWriting, at
	case "circle":
		return circleRunning, at
	case "checkin":
		for _, ans := range a.Answers {
			at[ans.Note] = ans.At
		}
		if a.Open {
			return checkinOpen, at
		}
		return checkinClosed, at
	}
	return otherActivity, at
}

// selfID reads the member's own ID from a snapshot.
func selfID(msg []byte) string {
	var s struct {
		You struct {
			ID string `json:"id"`
		} `json:"you"`
	}
	if json.Unmarshal(msg, &s) != nil {
		return ""
	}
	return s.You.ID
}

// memberIndex returns the index in the room of the member with the ID, or
// -1 when none of the tool's members has had a snapshot saying so.
func (r *liveRoom) memberIndex(id string) int {
	for _, m := range r.members {
		m.mu.Lock()
		self := m.self
		m.mu.Unlock()
		if self == id && id != "" {
			return m.idx
		}
	}
	return -1
}

// nextMixAction is the driver's next action in the activities of the
// integration mix; nil when there is nothing to send this tick.
func (r *liveRoom) nextMixAction(id string, joined uint64) *action {
	fac := r.members[0]
	switch r.phase {
	case intentionsWriting:
		if r.answers >= len(r.members)-1 {
			return newAction(fac, id, "intention.reveal", struct{}{})
		}
		j := r.nextParticipant(joined, -1)
		if j < 0 {
			return nil
		}
		p := r.members[j]
		return newAction(p, newID("a", r.idx, j, r.seq), "intention.write", map[string]string{
			"text": intentMarker(r.idx, j, r.seq) + " To rest before I am tired, and to ask for help sooner.",
		})
	case circleRunning:
		fac.mu.Lock()
		c := fac.circle
		fac.mu.Unlock()
		switch {
		case c.complete:
			return newAction(fac, id, "activity.end", struct{}{})
		case c.holder == "":
			return newAction(fac, id, "circle.next", struct{}{})
		case r.reactedTurn != c.turn:
			j := r.nextParticipant(joined, r.memberIndex(c.holder))
			if j < 0 {
				r.reactedTurn = c.turn // nobody here to listen
				return newAction(fac, id, "circle.done", map[string]int{"turn": c.turn})
			}
			a := newAction(r.members[j], newID("a", r.idx, j, r.seq), "circle.react", map[string]any{
				"kind": [...]string{"heard", "resonates", "thanks"}[r.seq%3], "turn": c.turn,
			})
			a.turn = c.turn
			return a
		default:
			return newAction(fac, id, "circle.done", map[string]int{"turn": c.turn})
		}
	}
	return newAction(fac, id, "activity.end", struct{}{})
}

// nextParticipant returns the index of the next connected participant in
// round-robin order, other than skip; -1 when there is none.
func (r *liveRoom) nextParticipant(joined uint64, skip int) int {
	n := len(r.members) - 1
	for k := 0; k < n; k++ {
		j := 1 + (r.next+k)%n
		if joined&(1<<uint(j)) == 0 || j == skip {
			continue
		}
		r.next = j % n
		return j
	}
	return -1
}

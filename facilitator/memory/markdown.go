package memory

import (
	"fmt"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"hearth/room"
)

// --- Markdown ------------------------------------------------------------------

// md escapes text for one line of Markdown: what participants and
// facilitators wrote is shown as written, never read as formatting.
func md(s string) string {
	if plainLine(s) {
		return s // most names and answers: nothing to escape or join
	}
	s = strings.Join(strings.Fields(s), " ")
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '\\', '`', '*', '_', '[', ']', '<', '>', '#', '|', '!', '~':
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// mdSpecial is what md escapes.
const mdSpecial = "\\`*_[]<>#|!~"

// plainLine reports whether md would return s as it is: ASCII, nothing
// md escapes, and single spaces only between words (strings.Fields'
// spaces beyond ASCII's are not ASCII).
func plainLine(s string) bool {
	space := true // a leading space is not plain
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= utf8.RuneSelf, c == '\t', c == '\n', c == '\v', c == '\f', c == '\r',
			strings.IndexByte(mdSpecial, c) >= 0:
			return false
		case c == ' ':
			if space {
				return false
			}
			space = true
		default:
			space = false
		}
	}
	return !space || s == ""
}

// quote writes multi-line text as a Markdown block quote.
func quote(b *strings.Builder, text string) {
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		if line = strings.TrimSpace(line); line == "" {
			b.WriteString(">\n")
			continue
		}
		b.WriteString("> " + md(line) + "\n")
	}
}

func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("Mon 2 Jan 2006, 15:04 UTC")
}

func clock(t time.Time) string { return t.UTC().Format("15:04") }

var stateWords = map[room.Arousal]string{
	room.Hypo: "hypo-aroused", room.Within: "within the window", room.Hyper: "hyper-aroused",
}

var visibilityWords = map[room.Visibility]string{
	room.VisibleToGroup: "shared with the group", room.VisibleToFacilitators: "facilitators only",
	room.Anonymous: "anonymous to the group",
}

var markWords = map[string]string{
	markStayed: "came", markReturned: "came (dropped, came back)", markLeft: "left early",
	markAbsent: "did not come", markNone: "–",
}

func times(n int) string {
	if n == 1 {
		return "once"
	}
	return fmt.Sprintf("%d times", n)
}

// Markdown returns the cohort's export for reading, exported at now.
func (cm *Cohort) Markdown(now time.Time) (string, error) {
	var b strings.Builder
	c := cm.cohort
	fmt.Fprintf(&b, "# %s\n\n", md(c.Name))
	fmt.Fprintf(&b, "Exported from Hearth on %s.\n\n", when(now))
	fmt.Fprintf(&b, "**%s**\n\n", privacyNote)
	if c.Description != "" {
		quote(&b, c.Description)
		b.WriteString("\n")
	}
	names := make([]string, 0, len(cm.facilitators))
	for _, a := range cm.facilitators {
		names = append(names, md(a.Name))
	}
	fmt.Fprintf(&b, "Facilitators: %s.\n\n", strings.Join(names, ", "))
	fmt.Fprintf(&b, "## Group agreements (version %d)\n\n", c.AgreementsVersion)
	quote(&b, c.Agreements)
	b.WriteString("\n")

	ov := cm.Overview()
	b.WriteString("## Attendance\n\n")
	if len(ov.Sessions) == 0 || len(ov.Participants) == 0 {
		b.WriteString("No sessions or no participants yet.\n\n")
	} else {
		b.WriteString("| Participant |")
		for _, ss := range ov.Sessions {
			b.WriteString(" " + md(ss.Title) + " |")
		}
		b.WriteString("\n|---|")
		b.WriteString(strings.Repeat("---|", len(ov.Sessions)))
		b.WriteString("\n")
		for _, p := range ov.Participants {
			name := md(p.Name)
			if p.Removed {
				name += " (removed)"
			}
			b.WriteString("| " + name + " |")
			for j, cl := range p.Sessions {
				mark := markWords[cl.Attendance]
				if !ov.Sessions[j].Opened {
					mark = "not held"
				}
				b.WriteString(" " + mark + " |")
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}

	b.WriteString("## Sessions\n\n")
	if len(cm.sessions) == 0 {
		b.WriteString("No sessions yet.\n\n")
	}
	for _, ss := range cm.sessions {
		fmt.Fprintf(&b, "### %s\n\n", md(ss.Title))
		fmt.Fprintf(&b, "Planned for %s.", when(ss.StartsAt))
		sum, ok := cm.summaries[ss.ID]
		if !ok {
			b.WriteString(" The room was not opened.\n\n")
		} else {
			fmt.Fprintf(&b, " Opened %s", when(sum.OpenedAt))
			if !sum.ClosedAt.IsZero() {
				fmt.Fprintf(&b, ", closed %s", when(sum.ClosedAt))
			} else {
				b.WriteString(", still live at the export")
			}
			b.WriteString(".\n\n")
			v, err := summaryV1(sum)
			if err != nil {
				return "", err
			}
			writeSummary(&b, v)
		}
		cm.writeNotes(&b, func(n Note) bool { return n.SessionID == ss.ID }, "#### Notes on this session", true)
	}

	writeJourneys(&b, ov.Intentions)

	b.WriteString("## Notes about participants\n\n")
	some := false
	known := map[string]bool{}
	for _, p := range ov.Participants {
		known[p.ID] = true
		has := func(n Note) bool { return n.ParticipantID == p.ID && n.SessionID == "" }
		if cm.hasNotes(has) {
			some = true
			cm.writeNotes(&b, has, "### "+md(p.Name), false)
		}
	}
	// Someone removed before they came to any session is in no list above,
	// but what was written about them is still the facilitators' record.
	former := func(n Note) bool { return n.ParticipantID != "" && n.SessionID == "" && !known[n.ParticipantID] }
	if cm.hasNotes(former) {
		some = true
		cm.writeNotes(&b, former, "### Former participants", false)
	}
	if !some {
		b.WriteString("None (notes about a participant in one session are with that session).\n\n")
	}
	return b.String(), nil
}

func writeSummary(b *strings.Builder, sum SummaryV1) {
	b.WriteString("#### Attendance\n\n")
	for _, a := range sum.Attendance {
		if a.Role != room.Participant {
			continue
		}
		fmt.Fprintf(b, "- %s: ", md(a.Name))
		if !a.Came {
			b.WriteString("did not come.\n")
			continue
		}
		fmt.Fprintf(b, "came at %s", clock(a.FirstJoined))
		if a.Drops > 0 {
			// A drop is an absence past the grace, not a reload.
			fmt.Fprintf(b, "; dropped out %s", times(a.Drops))
			if a.Returns > 0 {
				fmt.Fprintf(b, ", came back %s", times(a.Returns))
			}
		}
		if a.LeftEarly {
			fmt.Fprintf(b, "; left early, at %s", clock(a.LeftAt))
		}
		b.WriteString(".\n")
	}
	b.WriteString("\n")
	for i, sec := range sum.Sections {
		writeSection(b, i+1, sec)
	}
	if len(sum.Skipped) > 0 {
		b.WriteString("Skipped:")
		for _, it := range sum.Skipped {
			b.WriteString(" " + md(itemName(it)) + ";")
		}
		b.WriteString("\n\n")
	}
	writeCare(b, sum.Care)
}

var levelWords = map[room.SupportLevel]string{room.SupportMoment: "needed a moment", room.SupportNow: "needed someone now"}

var signalEndWords = map[room.SignalEnd]string{
	room.SignalWithdrawn: "withdrew it", room.SignalCleared: "cleared", room.SignalRaisedAgain: "raised again",
}

var flagWords = map[room.FlagReason]string{
	room.DroppedAfterSignal: "connection dropped soon after signalling", room.DroppedWhileSharing: "connection dropped while sharing",
}

// writeCare writes the session's support signals, flags and private
// threads; nothing when there were none.
func writeCare(b *strings.Builder, c CareV1) {
	if len(c.Signals)+len(c.Flags)+len(c.Threads) == 0 {
		return
	}
	b.WriteString("#### Care\n\n")
	for _, s := range c.Signals {
		fmt.Fprintf(b, "- %s, %s: %s", clock(s.At), md(s.Name), levelWords[s.Level])
		if !s.AckedAt.IsZero() {
			fmt.Fprintf(b, "; %s answered at %s", md(s.AckedByName), clock(s.AckedAt))
		}
		switch {
		case s.Ended == room.SignalCleared:
			fmt.Fprintf(b, "; cleared by %s at %s", md(s.EndedByName), clock(s.EndedAt))
		case s.Ended != "":
			fmt.Fprintf(b, "; %s at %s", signalEndWords[s.Ended], clock(s.EndedAt))
		default:
			b.WriteString("; still open")
		}
		b.WriteString(".\n")
	}
	for _, f := range c.Flags {
		fmt.Fprintf(b, "- %s, %s: %s", clock(f.At), md(f.Name), flagWords[f.Reason])
		if !f.ClearedAt.IsZero() {
			fmt.Fprintf(b, "; cleared by %s at %s", md(f.ClearedByName), clock(f.ClearedAt))
		}
		b.WriteString(".\n")
	}
	if len(c.Signals)+len(c.Flags) > 0 {
		b.WriteString("\n")
	}
	for _, t := range c.Threads {
		fmt.Fprintf(b, "Private messages with %s:\n\n", md(t.Name))
		for _, m := range t.Messages {
			fmt.Fprintf(b, "- %s, %s: %s\n", clock(m.At), md(m.FromName), md(m.Text))
		}
		b.WriteString("\n")
	}
}

func itemName(it ItemV1) string {
	if it.Title != "" {
		return it.Title
	}
	if p := it.Prompt; p != "" {
		return string(it.Kind) + ": " + p
	}
	return string(it.Kind)
}

// writeSection writes one activity, by the kinds hearth-cohort/1 knows. A
// kind it does not know (its section carried as the kind's own JSON) gets
// its title and time only, so a new kind need not touch this package; giving
// it more here belongs with a new version of the format.
func writeSection(b *strings.Builder, n int, sec SectionV1) {
	title := sec.Title
	running := ""
	if sec.Running {
		running = " (running at the export)"
	}
	switch d := sec.Detail.(type) {
	case *CheckInV1:
		ci := d
		if title == "" {
			title = "Check-in"
		}
		fmt.Fprintf(b, "#### %d. %s, %s%s\n\n", n, md(title), clock(sec.StartedAt), running)
		fmt.Fprintf(b, "“%s” (%s)\n\n", md(ci.Prompt), visibilityWords[ci.Visibility])
		for _, a := range ci.Answers {
			fmt.Fprintf(b, "- %s: %d/10, %s", md(a.Name), a.Scale, stateWords[a.State])
			if a.Feeling != "" {
				fmt.Fprintf(b, ", “%s”", md(a.Feeling))
			}
			if a.Note != "" {
				fmt.Fprintf(b, ": %s", md(a.Note))
			}
			b.WriteString("\n")
		}
		if len(ci.Answers) == 0 {
			b.WriteString("No answers.\n")
		}
		if len(ci.Unanswered) > 0 {
			fmt.Fprintf(b, "\nNo answer from: %s.\n", md(strings.Join(ci.Unanswered, ", ")))
		}
		b.WriteString("\n")
	case *GroundingV1:
		g := d
		if title == "" {
			title = "Grounding"
		}
		fmt.Fprintf(b, "#### %d. %s, %s%s\n\n", n, md(title), clock(sec.StartedAt), running)
		fmt.Fprintf(b, "A pause of %s", duration(time.Duration(g.Seconds)*time.Second))
		if g.Breath != nil {
			fmt.Fprintf(b, " with a breathing pacer (%d-%d-%d-%d)", g.Breath.In, g.Breath.Hold, g.Breath.Out, g.Breath.Rest)
		}
		if g.EndedEarly {
			fmt.Fprintf(b, "; ended early, after %s", duration(g.Ran))
		}
		b.WriteString(".\n\n")
	case *CheckOutV1:
		co := d
		if title == "" {
			title = "Check-out"
		}
		fmt.Fprintf(b, "#### %d. %s, %s%s\n\n", n, md(title), clock(sec.StartedAt), running)
		fmt.Fprintf(b, "“%s”\n\n", md(co.Prompt))
		for _, wd := range co.Words {
			fmt.Fprintf(b, "- %s: “%s”", md(wd.Name), md(wd.Word))
			if wd.State != "" {
				fmt.Fprintf(b, ", leaving %s", stateWords[wd.State])
				if wd.Arrival != "" {
					fmt.Fprintf(b, " (arrived %s)", stateWords[wd.Arrival])
				}
			}
			b.WriteString("\n")
		}
		if len(co.Words) == 0 {
			b.WriteString("No words.\n")
		}
		if len(co.Unanswered) > 0 {
			fmt.Fprintf(b, "\nNo word from: %s.\n", md(strings.Join(co.Unanswered, ", ")))
		}
		if co.Revealed {
			b.WriteString("\nRevealed to the group as a cloud without names.\n")
		} else {
			b.WriteString("\nNot revealed to the group.\n")
		}
		b.WriteString("\n")
	case *IntentionsV1:
		if title == "" {
			title = "Intentions"
		}
		fmt.Fprintf(b, "#### %d. %s, %s%s\n\n", n, md(title), clock(sec.StartedAt), running)
		writeIntentions(b, d)
	case *CircleV1:
		if title == "" {
			title = "Sharing circle"
		}
		fmt.Fprintf(b, "#### %d. %s, %s%s\n\n", n, md(title), clock(sec.StartedAt), running)
		writeCircle(b, d, sec.Running)
	case *ReadingV1:
		if title == "" {
			title = "A reading"
		}
		fmt.Fprintf(b, "#### %d. %s, %s%s\n\n", n, md(title), clock(sec.StartedAt), running)
		for _, line := range strings.Split(d.Text, "\n") {
			fmt.Fprintf(b, "> %s\n", md(line))
		}
		if d.Source != "" {
			fmt.Fprintf(b, ">\n> — %s\n", md(d.Source))
		}
		names := make([]string, len(d.Read))
		for i, r := range d.Read {
			names[i] = r.Name
		}
		if len(names) > 0 {
			fmt.Fprintf(b, "\nMarked read by: %s.\n\n", md(strings.Join(names, ", ")))
		} else {
			b.WriteString("\nNobody marked it read.\n\n")
		}
	default:
		// A kind the format does not know: at least where it ran.
		if title == "" {
			title = string(sec.Kind)
		}
		fmt.Fprintf(b, "#### %d. %s, %s%s\n\n", n, md(title), clock(sec.StartedAt), running)
	}
}

var outcomeWords = map[room.Outcome]string{
	room.Lived: "lived it", room.StillWith: "still with it", room.LetGo: "let it go",
}

var revealWords = map[room.RevealMode]string{
	room.RevealNamed: "with names", room.RevealAnonymous: "without names",
}

// writeIntentions writes an intentions activity: every intention with its
// writer's name (the export is the facilitators' record, whatever the
// group saw), the reflections on earlier intentions, and the steps.
func writeIntentions(b *strings.Builder, in *IntentionsV1) {
	if in.Prompt != "" {
		fmt.Fprintf(b, "“%s”\n\n", md(in.Prompt))
	}
	if in.Revealed {
		fmt.Fprintf(b, "Revealed to the group %s at %s.\n\n", revealWords[in.Reveal], clock(in.RevealedAt))
	} else {
		fmt.Fprintf(b, "Not revealed to the group (it would have been %s).\n\n", revealWords[in.Reveal])
	}
	b.WriteString("Intentions:\n\n")
	for _, w := range in.Intentions {
		fmt.Fprintf(b, "- %s, %s: “%s”\n", md(w.Name), clock(w.At), md(w.Text))
	}
	if len(in.Intentions) == 0 {
		b.WriteString("None written.\n")
	}
	if len(in.Unwritten) > 0 {
		fmt.Fprintf(b, "\nNo intention from: %s.\n", md(strings.Join(in.Unwritten, ", ")))
	}
	b.WriteString("\n")
	if len(in.Reflections) > 0 {
		b.WriteString("Reflections on earlier intentions:\n\n")
		for _, r := range in.Reflections {
			fmt.Fprintf(b, "- %s on “%s”", md(r.Name), md(r.Intention))
			if r.SessionTitle != "" {
				fmt.Fprintf(b, " (%s)", md(r.SessionTitle))
			}
			fmt.Fprintf(b, ": %s\n", outcomeWords[r.Outcome])
		}
		b.WriteString("\n")
	}
	if len(in.Steps) > 0 {
		b.WriteString("Steps:\n\n")
		for _, st := range in.Steps {
			fmt.Fprintf(b, "- %s: “%s”, for “%s”", md(st.Name), md(st.Step), md(st.Intention))
			if st.SessionTitle != "" {
				fmt.Fprintf(b, " (%s)", md(st.SessionTitle))
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
}

var turnWords = map[room.TurnOutcome]string{
	room.Spoke: "shared", room.PassedOnce: "passed for now", room.PassedFinal: "passed",
	room.SkippedTurn: "skipped", room.LeftRoom: "left during their share",
}

var modeWords = map[room.CircleMode]string{room.RoundMode: "A round", room.OpenFloor: "An open floor"}

var orderWords = map[room.SpeakingOrder]string{
	room.RosterOrder: " in roster order", room.RandomOrder: " in a random order", room.ArrangedOrder: " in an arranged order",
}

// writeCircle writes a sharing circle in the order it happened. Reactions
// are not in the summary, so not here either.
func writeCircle(b *strings.Builder, c *CircleV1, running bool) {
	if c.Prompt != "" {
		fmt.Fprintf(b, "“%s”\n\n", md(c.Prompt))
	}
	b.WriteString(modeWords[c.Mode])
	if c.Mode == room.RoundMode {
		b.WriteString(orderWords[c.Order])
	}
	if c.ShareSeconds > 0 {
		fmt.Fprintf(b, ", %s a share", duration(time.Duration(c.ShareSeconds)*time.Second))
	} else {
		b.WriteString(", no time limit")
	}
	b.WriteString(".\n\n")
	for i, t := range c.Turns {
		fmt.Fprintf(b, "%d. %s: ", i+1, md(t.Name))
		switch {
		case t.Outcome == "":
			fmt.Fprintf(b, "holding the talking piece since %s\n", clock(t.StartedAt))
		case t.N == 0:
			fmt.Fprintf(b, "%s while waiting, at %s\n", turnWords[t.Outcome], clock(t.StartedAt))
		default:
			held := "a moment"
			if t.Duration >= time.Second {
				held = duration(t.Duration)
			}
			fmt.Fprintf(b, "%s, %s–%s (%s)\n", turnWords[t.Outcome], clock(t.StartedAt), clock(t.EndedAt), held)
		}
	}
	if len(c.Turns) == 0 {
		b.WriteString("Nobody held the talking piece.\n")
	}
	if len(c.Waiting) > 0 {
		what := "Not reached"
		if running {
			what = "Waiting"
		} else if c.Mode == room.OpenFloor {
			what = "Hands still raised"
		}
		fmt.Fprintf(b, "\n%s: %s.\n", what, md(strings.Join(c.Waiting, ", ")))
	}
	if c.RoundOver {
		b.WriteString("\nThe facilitator ended the round.\n")
	}
	b.WriteString("\n")
}

// writeJourneys writes each participant's intentions across the sessions.
func writeJourneys(b *strings.Builder, journeys []IntentionJourney) {
	b.WriteString("## Intention journeys\n\n")
	if len(journeys) == 0 {
		b.WriteString("No intentions set yet.\n\n")
		return
	}
	for _, j := range journeys {
		fmt.Fprintf(b, "### %s\n\n", md(j.Name))
		for _, in := range j.Intentions {
			fmt.Fprintf(b, "- “%s” (set in %s)\n", md(in.Text), md(in.SessionTitle))
			// Reflections and steps in the order they were made, so the
			// list reads as what happened next.
			type event struct {
				at   time.Time
				line string
			}
			events := make([]event, 0, len(in.Reflections)+len(in.Steps))
			for _, r := range in.Reflections {
				events = append(events, event{r.At, fmt.Sprintf("  - %s: %s\n", md(r.SessionTitle), outcomeWords[r.Outcome])})
			}
			for _, st := range in.Steps {
				events = append(events, event{st.At, fmt.Sprintf("  - step, in %s: “%s”\n", md(st.SessionTitle), md(st.Step))})
			}
			sort.SliceStable(events, func(i, j int) bool { return events[i].at.Before(events[j].at) })
			for _, e := range events {
				b.WriteString(e.line)
			}
		}
		b.WriteString("\n")
	}
}

func duration(d time.Duration) string {
	d = d.Round(time.Second)
	m, s := int(d/time.Minute), int(d%time.Minute/time.Second)
	switch {
	case m == 0:
		return fmt.Sprintf("%d s", s)
	case s == 0:
		return fmt.Sprintf("%d min", m)
	}
	return fmt.Sprintf("%d min %d s", m, s)
}

func (cm *Cohort) hasNotes(keep func(Note) bool) bool {
	for _, n := range cm.notes {
		if keep(n) {
			return true
		}
	}
	return false
}

// writeNotes writes the notes keep selects under heading, if there are any.
// withPerson names the participant a note is about.
func (cm *Cohort) writeNotes(b *strings.Builder, keep func(Note) bool, heading string, withPerson bool) {
	if !cm.hasNotes(keep) {
		return
	}
	b.WriteString(heading + "\n\n")
	people := map[string]string{}
	for _, p := range cm.participants {
		people[p.ID] = p.Name
	}
	for _, n := range cm.notes {
		if !keep(n) {
			continue
		}
		about := ""
		if withPerson && n.ParticipantID != "" {
			name := people[n.ParticipantID]
			if name == "" {
				name = "a former participant"
			}
			about = ", about " + md(name)
		}
		fmt.Fprintf(b, "%s%s, %s:\n\n", md(n.AuthorName), about, when(n.CreatedAt))
		quote(b, n.Text)
		b.WriteString("\n")
	}
}

package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"strings"
	"text/tabwriter"
	"time"
)

// report is everything a run measured; --json writes it as it is.
type report struct {
	Config   config        `json:"-"`
	Run      runReport     `json:"run"`
	Machine  machineReport `json:"machine"`
	Seed     seedReport    `json:"seed"`
	Hearth   *phaseReport  `json:"hearth"`
	Floor    *phaseReport  `json:"floor,omitempty"`
	RatioP99 float64       `json:"ratioP99"` // Hearth p99 / floor p99
	Failed   bool          `json:"failed"`
}

type runReport struct {
	URL            string  `json:"url"`
	Rooms          int     `json:"rooms"`
	Members        int     `json:"participantsPerRoom"`
	DurationS      float64 `json:"durationSeconds"`
	WindowS        float64 `json:"latencyWindowSeconds"`
	Rate           float64 `json:"actionsPerRoomPerSecond"`
	ReconnectEvery string  `json:"reconnectEvery"`
	ConnectRate    float64 `json:"connectsPerSecond"`
	KeepOpen       bool    `json:"keepOpen"`
}

// MarshalJSON fills the run's settings from the config.
func (r *report) MarshalJSON() ([]byte, error) {
	r.Run = runReport{
		URL: r.Config.URL, Rooms: r.Config.Rooms, Members: r.Config.Members,
		DurationS: r.Config.Duration.Seconds(), WindowS: r.Config.Window.Seconds(), Rate: r.Config.Rate,
		ReconnectEvery: r.Config.ReconnectEvery.String(), ConnectRate: r.Config.connectRate,
		KeepOpen: r.Config.KeepOpen,
	}
	type plain report
	return json.Marshal((*plain)(r))
}

type machineReport struct {
	CPUs      int    `json:"cpus"`
	GoVersion string `json:"go"`
	OS        string `json:"os"`
	Kernel    string `json:"kernel"`
}

type seedReport struct {
	Rooms        int     `json:"rooms"`
	Participants int     `json:"participants"`
	Seconds      float64 `json:"seconds"`
}

// phaseReport is one phase: Hearth's or the floor's.
type phaseReport struct {
	Members          int             `json:"members"` // sockets meant to be connected
	Connected        int             `json:"connected"`
	ConnectSeconds   float64         `json:"connectSeconds"`
	Join             summary         `json:"joinMs"`
	Latency          summary         `json:"actionToEveryoneMs"`
	LatencyWindows   []windowSummary `json:"actionToEveryoneByWindow,omitempty"` // run.latencyWindowSeconds wide
	Excluded         int             `json:"latencyExcluded"`                    // actions whose delivery a drop interrupted
	Sent             int64           `json:"actionsSent"`
	ActionsPerSecond float64         `json:"actionsPerSecond"`
	Acked            int64           `json:"acked"`
	AckedDuplicate   int64           `json:"ackedAsDuplicate"`
	Resent           int64           `json:"resent"`
	ResentAckedNew   int64           `json:"resentAckedNew"`
	ResentAckedDup   int64           `json:"resentAckedDuplicate"`
	Skipped          int64           `json:"ticksSkipped"` // previous action unanswered, or its sender away
	Lost             int             `json:"lost"`
	WaitingAtEnd     int             `json:"unansweredConnectionDown"`
	Undelivered      int             `json:"undelivered"` // acked, a connected member never got the version
	Violations       int64           `json:"visibilityViolations"`
	AppliedTwice     int64           `json:"appliedTwice"`
	VersionGaps      int64           `json:"versionGaps"`
	Errors           map[string]int  `json:"errors"`
	AckedByType      map[string]int  `json:"ackedByType"`
	Drops            map[string]int  `json:"unexpectedDrops,omitempty"`
	DeliberateDrops  int64           `json:"deliberateDrops"`
	ReconnectTries   int64           `json:"reconnectAttempts"`
	// HeldByPause counts refusals of a room frozen while its facilitator
	// reconnected; each action was sent again.
	HeldByPause    int64          `json:"heldByPause"`
	Rejoin         *summary       `json:"rejoinMs,omitempty"` // deliberate drop → snapshot
	Resync         *summary       `json:"resyncMs,omitempty"` // server-caused drop → snapshot
	Restart        *restartReport `json:"restart,omitempty"`
	Outages        []outage       `json:"readyzOutages,omitempty"`
	EventBytesMean float64        `json:"eventBytesMean"`
	Server         serverSummary  `json:"server"`
	ToolCPUCores   float64        `json:"toolCpuCores"`
	MachineCores   float64        `json:"machineBusyCores"` // every process on the machine
	OtherCores     float64        `json:"otherProcessesCores"`
}

// machineCPU records the machine's busy cores during the actions, and what
// neither the server nor this tool used: other work on a shared machine,
// which makes absolute times move from run to run.
func (p *phaseReport) machineCPU(busy float64) {
	p.MachineCores = round2(busy)
	if !p.Server.Restarted {
		p.OtherCores = round2(max(busy-p.Server.CPUCores-p.ToolCPUCores, 0))
	}
}

// restartReport is what the members saw of a server restart.
type restartReport struct {
	Drops              int     `json:"connectionsEnded"`
	Resyncs            int     `json:"rejoinedWithSnapshot"`
	FirstDropToAllBack float64 `json:"firstDropToAllResyncedSeconds"`
	BusiestRetry100ms  int     `json:"busiestRetries100ms"`
	BusiestFraction    float64 `json:"busiestFractionOfMembers"`
}

// serverSummary is the server's memory and CPU over the phase.
type serverSummary struct {
	Before            serverStats `json:"beforeConnecting"`
	Connected         serverStats `json:"connected"`
	End               serverStats `json:"end"`
	RSSPerMemberKiB   float64     `json:"rssPerMemberKiB"`
	HeapPerMemberKiB  float64     `json:"heapPerMemberKiB"`
	StackPerMemberKiB float64     `json:"stackPerMemberKiB"`
	RSSPerMemberEnd   float64     `json:"rssPerMemberEndKiB"`
	CPUCores          float64     `json:"cpuCores"` // during the actions
	CommitMeanMs      float64     `json:"commitMeanMs"`
	// The server's own figures during the actions, from its histograms:
	// bucket bounds (at most), not exact times.
	CommitP99Ms       float64 `json:"commitP99AtMostMs"`
	ActionP50Ms       float64 `json:"actionP50AtMostMs"`
	ActionP99Ms       float64 `json:"actionP99AtMostMs"`
	FanOutP50Ms       float64 `json:"fanOutP50AtMostMs"`
	FanOutP99Ms       float64 `json:"fanOutP99AtMostMs"`
	SavesPerCommit    float64 `json:"savesPerCommit"`
	GoroutinesPerConn float64 `json:"goroutinesPerMember"`
	// Restarted is set when the server's counters went back: it restarted
	// during the phase, so CPU and commit figures cover no one process.
	Restarted bool `json:"restarted,omitempty"`
}

func serverReport(before, connected, end serverStats) serverSummary {
	s := serverSummary{Before: before, Connected: connected, End: end}
	n := connected.Connected - before.Connected
	if n > 0 {
		s.RSSPerMemberKiB = round2((connected.RSSBytes - before.RSSBytes) / n / 1024)
		s.HeapPerMemberKiB = round2((connected.HeapInuse - before.HeapInuse) / n / 1024)
		s.StackPerMemberKiB = round2((connected.StackInuse - before.StackInuse) / n / 1024)
		s.RSSPerMemberEnd = round2((end.RSSBytes - before.RSSBytes) / n / 1024)
		s.GoroutinesPerConn = round2((connected.Goroutines - before.Goroutines) / n)
	}
	if end.StartTime != connected.StartTime || end.CPUSeconds < connected.CPUSeconds {
		s.Restarted = true
		return s
	}
	if secs := end.At.Sub(connected.At).Seconds(); secs > 0 && !end.At.IsZero() {
		s.CPUCores = round2((end.CPUSeconds - connected.CPUSeconds) / secs)
	}
	if c := end.CommitCount - connected.CommitCount; c > 0 {
		s.CommitMeanMs = round2((end.CommitSeconds - connected.CommitSeconds) / c * 1000)
		s.SavesPerCommit = round2((end.CommitSaves - connected.CommitSaves) / c)
	}
	s.CommitP99Ms = round2(quantileMs(connected.CommitHist, end.CommitHist, 0.99))
	s.ActionP50Ms = round2(quantileMs(connected.ActionHist, end.ActionHist, 0.5))
	s.ActionP99Ms = round2(quantileMs(connected.ActionHist, end.ActionHist, 0.99))
	s.FanOutP50Ms = round2(quantileMs(connected.FanOutHist, end.FanOutHist, 0.5))
	s.FanOutP99Ms = round2(quantileMs(connected.FanOutHist, end.FanOutHist, 0.99))
	return s
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

// report sums up the Hearth phase.
func (h *hearthPhase) report(members, connected int, connSecs, loadSecs float64, lost, waiting int) *phaseReport {
	p := &phaseReport{
		Members:         members,
		Connected:       connected,
		ConnectSeconds:  round2(connSecs),
		Join:            h.join.summary(),
		Latency:         h.lat.summary(),
		LatencyWindows:  h.lat.timeline(),
		Sent:            h.sent.Load(),
		Acked:           h.acked.Load(),
		AckedDuplicate:  h.dupAcked.Load(),
		Resent:          h.resent.Load(),
		ResentAckedNew:  h.resendAcked.Load(),
		ResentAckedDup:  h.resendDup.Load(),
		Skipped:         h.skipped.Load(),
		Lost:            lost,
		WaitingAtEnd:    waiting,
		Violations:      h.violations.Load(),
		AppliedTwice:    h.duplicates.Load(),
		VersionGaps:     h.gaps.Load(),
		Errors:          h.errs.snapshot(),
		AckedByType:     h.ackedTypes.snapshot(),
		Drops:           h.drops.snapshot(),
		DeliberateDrops: h.deliberateDrops.Load(),
		ReconnectTries:  h.reconnectTrys.Load(),
		HeldByPause:     h.held.Load(),
	}
	p.ActionsPerSecond = round2(float64(p.Sent) / loadSecs)
	for _, r := range h.rooms {
		w, x := r.tr.open()
		p.Undelivered += w
		p.Excluded += x
	}
	// Flights still open are either waiting for an ack (counted as lost or
	// waiting above) or acked and not delivered everywhere.
	p.Undelivered = max(p.Undelivered-lost-waiting, 0)
	if p.Undelivered > 0 {
		p.Errors["acked but not delivered to every member"] = p.Undelivered
	}
	if s := h.rejoin.summary(); s.Count > 0 {
		p.Rejoin = &s
	}
	if s := h.resync.summary(); s.Count > 0 {
		p.Resync = &s
	}
	_, mean := h.sizes.sample()
	p.EventBytesMean = round2(mean)
	h.outMu.Lock()
	if h.dropped > 0 {
		busiest, _ := h.herd.busiest(100 * time.Millisecond)
		rr := &restartReport{
			Drops:             h.dropped,
			Resyncs:           h.resynced,
			BusiestRetry100ms: busiest,
			BusiestFraction:   round2(float64(busiest) / float64(members)),
		}
		if !h.lastResync.IsZero() {
			rr.FirstDropToAllBack = round2(h.lastResync.Sub(h.firstDrop).Seconds())
		}
		p.Restart = rr
	}
	h.outMu.Unlock()
	return p
}

func printReport(w io.Writer, r *report) {
	c := r.Config
	fmt.Fprintf(w, "\nhearth-load: %d rooms × (%d participants + 1 facilitator), %g actions/room/s for %s",
		c.Rooms, c.Members, c.Rate, c.Duration)
	if c.ReconnectEvery > 0 {
		fmt.Fprintf(w, ", a drop every %s per member", c.ReconnectEvery)
	}
	fmt.Fprintf(w, "\nmachine: %d CPUs, %s, %s, kernel %s; seeded %d rooms in %.1fs\n\n",
		r.Machine.CPUs, r.Machine.OS, r.Machine.GoVersion, r.Machine.Kernel, r.Seed.Rooms, r.Seed.Seconds)

	h, f := r.Hearth, r.Floor
	if f == nil {
		f = &phaseReport{}
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "\tHearth\tfloor\ttarget")
	row := func(name, hv, fv, target string) { fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", name, hv, fv, target) }
	row("members connected", fmt.Sprintf("%d/%d", h.Connected, h.Members), fmt.Sprintf("%d/%d", f.Connected, f.Members), "all")
	row("connect time (s)", num(h.ConnectSeconds), num(f.ConnectSeconds), "")
	row("join p50 / p99 (ms)", num(h.Join.P50)+" / "+num(h.Join.P99), num(f.Join.P50)+" / "+num(f.Join.P99), "")
	row("actions sent (per s)", fmt.Sprintf("%d (%s)", h.Sent, num(h.ActionsPerSecond)), fmt.Sprintf("%d (%s)", f.Sent, num(f.ActionsPerSecond)), "")
	row("action→everyone p50 (ms)", num(h.Latency.P50), num(f.Latency.P50), "")
	row("                p90 (ms)", num(h.Latency.P90), num(f.Latency.P90), "")
	row("                p99 (ms)", num(h.Latency.P99), num(f.Latency.P99), "≤ 3× floor, < 250")
	row("                max (ms)", num(h.Latency.Max), num(f.Latency.Max), "")
	row("latency samples", fmt.Sprintf("%d (%d excluded)", h.Latency.Count, h.Excluded), fmt.Sprint(f.Latency.Count), "")
	ratio := "-"
	if r.RatioP99 > 0 {
		ratio = num(r.RatioP99)
	}
	row("p99 Hearth / floor", ratio, "", "≤ 3")
	row("acked (as duplicate)", fmt.Sprintf("%d (%d)", h.Acked, h.AckedDuplicate), "", "")
	row("lost", fmt.Sprint(h.Lost), "", "0")
	row("visibility violations", fmt.Sprint(h.Violations), "", "0")
	row("applied twice", fmt.Sprint(h.AppliedTwice), "", "0")
	row("errors", fmt.Sprint(total(h.Errors)), fmt.Sprint(total(f.Errors)), "0")
	row("ticks skipped", fmt.Sprint(h.Skipped), "", "")
	row("event size mean (bytes)", num(h.EventBytesMean), num(f.EventBytesMean), "")
	row("server RSS / member (KiB)", num(h.Server.RSSPerMemberKiB), num(f.Server.RSSPerMemberKiB), "≤ 40")
	row("server heap / stack per member (KiB)", num(h.Server.HeapPerMemberKiB)+" / "+num(h.Server.StackPerMemberKiB), "", "")
	row("server goroutines / member", num(h.Server.GoroutinesPerConn), "", "")
	serverCPU := num(h.Server.CPUCores)
	if h.Server.Restarted {
		serverCPU = "- (restarted)"
	}
	row("server CPU (cores)", serverCPU, num(f.Server.CPUCores), "")
	row("tool CPU (cores)", num(h.ToolCPUCores), num(f.ToolCPUCores), "")
	row("machine busy / other processes (cores)", num(h.MachineCores)+" / "+num(h.OtherCores), num(f.MachineCores)+" / "+num(f.OtherCores), "")
	row("commit mean (ms) / saves per commit", num(h.Server.CommitMeanMs)+" / "+num(h.Server.SavesPerCommit), "", "")
	row("server's own p50 / p99 (at most, ms): action", num(h.Server.ActionP50Ms)+" / "+num(h.Server.ActionP99Ms), "", "")
	row("                                       fan-out", num(h.Server.FanOutP50Ms)+" / "+num(h.Server.FanOutP99Ms), "", "")
	row("                                       commit p99", num(h.Server.CommitP99Ms), "", "")
	tw.Flush()

	if len(h.LatencyWindows) > 1 {
		fmt.Fprintf(w, "\nHearth action→everyone by %v (p50 / p99 ms):", c.Window)
		for _, x := range h.LatencyWindows {
			fmt.Fprintf(w, " [%gs] %s / %s", x.From, num(x.P50), num(x.P99))
		}
		fmt.Fprintln(w)
	}
	if len(h.Errors) > 0 || len(f.Errors) > 0 {
		fmt.Fprintln(w, "\nerrors by kind:")
		for _, k := range sortedKeys(h.Errors) {
			fmt.Fprintf(w, "  hearth  %-60s %d\n", k, h.Errors[k])
		}
		for _, k := range sortedKeys(f.Errors) {
			fmt.Fprintf(w, "  floor   %-60s %d\n", k, f.Errors[k])
		}
	}
	if h.DeliberateDrops > 0 || h.Resent > 0 {
		fmt.Fprintf(w, "\nreconnects: %d deliberate drops, %d attempts; %d actions resent: %d acked new, %d acked as duplicate",
			h.DeliberateDrops, h.ReconnectTries, h.Resent, h.ResentAckedNew, h.ResentAckedDup)
		if h.HeldByPause > 0 {
			fmt.Fprintf(w, "; %d refused while the facilitator reconnected, sent again", h.HeldByPause)
		}
		if h.Rejoin != nil {
			fmt.Fprintf(w, "; drop → snapshot p50 %s ms, p99 %s ms", num(h.Rejoin.P50), num(h.Rejoin.P99))
		}
		fmt.Fprintln(w)
	}
	if len(h.Drops) > 0 {
		fmt.Fprintln(w, "\nconnections the server ended:")
		for _, k := range sortedKeys(h.Drops) {
			fmt.Fprintf(w, "  %-60s %d\n", k, h.Drops[k])
		}
	}
	for _, o := range h.Outages {
		if o.UpAt.IsZero() {
			fmt.Fprintf(w, "/readyz failing from %s to the end\n", o.DownAt.Format("15:04:05.000"))
			continue
		}
		fmt.Fprintf(w, "/readyz failing from %s for %s\n", o.DownAt.Format("15:04:05.000"), o.UpAt.Sub(o.DownAt).Round(time.Millisecond))
	}
	if rr := h.Restart; rr != nil {
		fmt.Fprintf(w, "connections the server ended: %d, rejoined with a snapshot: %d, first drop → last rejoin: %ss\n",
			rr.Drops, rr.Resyncs, num(rr.FirstDropToAllBack))
		if h.Resync != nil {
			fmt.Fprintf(w, "drop → snapshot p50 %s ms, p99 %s ms, max %s ms\n", num(h.Resync.P50), num(h.Resync.P99), num(h.Resync.Max))
		}
		fmt.Fprintf(w, "busiest 100 ms of reconnect attempts: %d (%s%% of members; target ≤ 25%%)\n",
			rr.BusiestRetry100ms, num(rr.BusiestFraction*100))
	}
	if h.WaitingAtEnd > 0 {
		fmt.Fprintf(w, "unanswered actions of members still disconnected at the end: %d\n", h.WaitingAtEnd)
	}
	verdict := "PASS: nothing lost, nothing applied twice, nothing seen that should not be"
	if r.Failed {
		verdict = "FAIL: " + strings.Join(failures(h), ", ")
	}
	fmt.Fprintf(w, "\n%s\n", verdict)
}

func failures(h *phaseReport) []string {
	var out []string
	if h.Lost > 0 {
		out = append(out, fmt.Sprintf("%d actions lost", h.Lost))
	}
	if h.AppliedTwice > 0 {
		out = append(out, fmt.Sprintf("%d actions applied twice", h.AppliedTwice))
	}
	if h.Violations > 0 {
		out = append(out, fmt.Sprintf("%d visibility violations", h.Violations))
	}
	return out
}

func num(x float64) string {
	switch {
	case x == 0:
		return "0"
	case math.Abs(x) >= 100:
		return fmt.Sprintf("%.0f", x)
	case math.Abs(x) >= 10:
		return fmt.Sprintf("%.1f", x)
	}
	return fmt.Sprintf("%.2f", x)
}

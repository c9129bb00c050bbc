package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// serverStats is what the tool reads from the server at one moment.
type serverStats struct {
	At            time.Time `json:"at"`
	RSSBytes      float64   `json:"rssBytes"`
	HeapInuse     float64   `json:"heapInuseBytes"`
	StackInuse    float64   `json:"stackInuseBytes"`
	CPUSeconds    float64   `json:"cpuSeconds"`
	Connected     float64   `json:"connectedMembers"`
	Goroutines    float64   `json:"goroutines"`
	CommitCount   float64   `json:"commits"`
	CommitSeconds float64   `json:"commitSeconds"`
	CommitSaves   float64   `json:"commitSaves"`
	SlowDropped   float64   `json:"slowDropped"`
	StartTime     float64   `json:"processStartTime"`
	// The server's own view of an action's way: each commit, each action
	// from its frame read to its change offered to the members (commit
	// included), and each fan-out from then to the last member's socket.
	CommitHist histogram `json:"commitHistogram"`
	ActionHist histogram `json:"actionHistogram"`
	FanOutHist histogram `json:"fanOutHistogram"`
}

// histogram is a Prometheus histogram's cumulative buckets: Counts[i]
// samples took at most Le[i] seconds, Total samples in all (the +Inf
// bucket, kept apart: JSON has no infinity).
type histogram struct {
	Le     []float64 `json:"le,omitempty"`
	Counts []float64 `json:"counts,omitempty"`
	Total  float64   `json:"total"`
}

// add records one bucket line (they come in order of le).
func (h *histogram) add(le, count float64) {
	if math.IsInf(le, 1) {
		h.Total = count
		return
	}
	h.Le = append(h.Le, le)
	h.Counts = append(h.Counts, count)
}

// quantileMs returns the upper bound, in milliseconds, of the bucket that
// holds quantile q of the samples taken between a and b; 0 when there were
// none, -1 when it is past the last finite bound.
func quantileMs(a, b histogram, q float64) float64 {
	if len(a.Counts) != 0 && len(a.Counts) != len(b.Counts) {
		return 0
	}
	total := b.Total - a.Total
	if total <= 0 {
		return 0
	}
	for i, c := range b.Counts {
		if len(a.Counts) > 0 {
			c -= a.Counts[i]
		}
		if c >= q*total {
			return b.Le[i] * 1000
		}
	}
	return -1
}

// histogramNames maps the histograms the tool reads to where they go.
var histogramNames = map[string]func(*serverStats) *histogram{
	"hearth_commit_seconds_bucket": func(s *serverStats) *histogram { return &s.CommitHist },
	"hearth_fanout_seconds_bucket": func(s *serverStats) *histogram { return &s.FanOutHist },
	"hearth_action_seconds_bucket": func(s *serverStats) *histogram { return &s.ActionHist },
}

// metricNames maps the Prometheus series the tool reads to where they go.
var metricNames = map[string]func(*serverStats, float64){
	"process_resident_memory_bytes":     func(s *serverStats, v float64) { s.RSSBytes += v },
	"go_memstats_heap_inuse_bytes":      func(s *serverStats, v float64) { s.HeapInuse += v },
	"go_memstats_stack_inuse_bytes":     func(s *serverStats, v float64) { s.StackInuse += v },
	"process_cpu_seconds_total":         func(s *serverStats, v float64) { s.CPUSeconds += v },
	"hearth_connected_members":          func(s *serverStats, v float64) { s.Connected += v },
	"go_goroutines":                     func(s *serverStats, v float64) { s.Goroutines += v },
	"hearth_commit_seconds_count":       func(s *serverStats, v float64) { s.CommitCount += v },
	"hearth_commit_seconds_sum":         func(s *serverStats, v float64) { s.CommitSeconds += v },
	"hearth_commit_batch_size_sum":      func(s *serverStats, v float64) { s.CommitSaves += v },
	"hearth_slow_members_dropped_total": func(s *serverStats, v float64) { s.SlowDropped += v },
	"process_start_time_seconds":        func(s *serverStats, v float64) { s.StartTime = v },
}

// parseMetrics reads the series the tool knows from Prometheus text format;
// the samples of one name (several label sets) are added up.
func parseMetrics(r io.Reader) (serverStats, error) {
	var s serverStats
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	found := 0
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		end := bytes.IndexAny(line, "{ ")
		if end < 0 {
			continue
		}
		name := string(line[:end])
		set, ok := metricNames[name]
		hist, isHist := histogramNames[name]
		if !ok && !isHist {
			continue
		}
		// The value follows the labels (which may hold spaces in quotes).
		rest, labels := line[end:], []byte(nil)
		if rest[0] == '{' {
			close := bytes.LastIndexByte(rest, '}')
			if close < 0 {
				continue
			}
			rest, labels = rest[close+1:], rest[1:close]
		}
		fields := strings.Fields(string(rest))
		if len(fields) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(fields[0], 64)
		if err != nil {
			return s, fmt.Errorf("metric %s: %w", line[:end], err)
		}
		if isHist {
			le, ok := labelValue(labels, "le")
			if !ok {
				continue
			}
			bound, err := strconv.ParseFloat(le, 64) // "+Inf" included
			if err != nil {
				return s, fmt.Errorf("metric %s: le %q: %w", name, le, err)
			}
			hist(&s).add(bound, v)
			continue
		}
		set(&s, v)
		found++
	}
	if err := sc.Err(); err != nil {
		return s, err
	}
	if found == 0 {
		return s, fmt.Errorf("no known metrics in the answer")
	}
	return s, nil
}

// labelValue returns the value of the label called name in a series'
// labels (`a="x",le="0.5"`).
func labelValue(labels []byte, name string) (string, bool) {
	for _, pair := range strings.Split(string(labels), ",") {
		k, v, ok := strings.Cut(pair, "=")
		if ok && strings.TrimSpace(k) == name {
			return strings.Trim(strings.TrimSpace(v), `"`), true
		}
	}
	return "", false
}

// scrape reads the server's /metrics, with the token when there is one.
func scrape(ctx context.Context, hc *http.Client, base, token string) (serverStats, error) {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, "GET", base+"/metrics", nil)
	if err != nil {
		return serverStats{}, err
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := hc.Do(req)
	if err != nil {
		return serverStats{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return serverStats{}, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	s, err := parseMetrics(resp.Body)
	s.At = time.Now()
	return s, err
}

// procStats reads a process's CPU time and resident memory from /proc, for
// the floor server, which has no /metrics.
func procStats(pid int) (serverStats, error) {
	s := serverStats{At: time.Now()}
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return s, err
	}
	cpu, err := parseProcStat(stat)
	if err != nil {
		return s, err
	}
	s.CPUSeconds = cpu
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return s, err
	}
	s.RSSBytes = parseVmRSS(status)
	return s, nil
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat times; 100 on Linux.
const clockTicks = 100

// parseProcStat returns utime+stime in seconds from /proc/PID/stat. The
// command name (field 2) is in parentheses and may hold spaces, so fields
// are counted from the last ')'.
func parseProcStat(b []byte) (float64, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("unreadable /proc stat")
	}
	f := strings.Fields(string(b[i+1:]))
	// After ")": state(3) ppid(4) … utime(14) stime(15); f[0] is field 3.
	if len(f) < 13 {
		return 0, fmt.Errorf("short /proc stat")
	}
	ut, err1 := strconv.ParseFloat(f[11], 64)
	st, err2 := strconv.ParseFloat(f[12], 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("unreadable /proc stat times")
	}
	return (ut + st) / clockTicks, nil
}

func parseVmRSS(b []byte) float64 {
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			f := strings.Fields(rest)
			if len(f) >= 1 {
				kb, _ := strconv.ParseFloat(f[0], 64)
				return kb * 1024
			}
		}
	}
	return 0
}

// machineCPU is the machine's CPU counters from /proc/stat, in ticks.
type machineCPU struct {
	busy, total float64
}

// readMachineCPU reads the first line of /proc/stat: user nice system idle
// iowait irq softirq steal…; idle and iowait are not busy.
func readMachineCPU() (machineCPU, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return machineCPU{}, err
	}
	return parseMachineCPU(b)
}

func parseMachineCPU(b []byte) (machineCPU, error) {
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := strings.Fields(string(line))
	if len(f) < 9 || f[0] != "cpu" {
		return machineCPU{}, fmt.Errorf("unreadable /proc/stat")
	}
	var m machineCPU
	for i, s := range f[1:9] {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return machineCPU{}, fmt.Errorf("unreadable /proc/stat")
		}
		m.total += v
		if i != 3 && i != 4 { // idle, iowait
			m.busy += v
		}
	}
	return m, nil
}

// busyCores returns how many CPUs were busy on average between a and b.
func busyCores(a, b machineCPU, cpus int) float64 {
	if b.total <= a.total {
		return 0
	}
	return (b.busy - a.busy) / (b.total - a.total) * float64(cpus)
}

package main

import (
	"math"
	"math/rand/v2"
	"slices"
	"sort"
	"sync"
	"time"
)

// samples collects durations from many goroutines. It keeps at most limit of
// them (uniformly chosen, by reservoir sampling) so a long run stays bounded
// in memory; count and max always cover every sample.
type samples struct {
	mu    sync.Mutex
	limit int
	seen  int
	max   time.Duration
	d     []time.Duration
	// windows, when set, also sorts each sample into the window of time it
	// was taken in, to show how latency moves during a run.
	windows *timeline
}

func newSamples(limit int) *samples { return &samples{limit: limit} }

func (s *samples) add(d time.Duration) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.windows != nil {
		s.windows.add(time.Now(), d)
	}
	s.seen++
	if d > s.max {
		s.max = d
	}
	if len(s.d) < s.limit {
		s.d = append(s.d, d)
		return
	}
	if j := rand.IntN(s.seen); j < s.limit {
		s.d[j] = d
	}
}

// summary is a distribution of durations, in milliseconds for the report.
type summary struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50Ms"`
	P90   float64 `json:"p90Ms"`
	P99   float64 `json:"p99Ms"`
	Max   float64 `json:"maxMs"`
}

func (s *samples) summary() summary {
	s.mu.Lock()
	d := slices.Clone(s.d)
	seen, max := s.seen, s.max
	s.mu.Unlock()
	slices.Sort(d)
	return summary{
		Count: seen,
		P50:   ms(percentile(d, 50)),
		P90:   ms(percentile(d, 90)),
		P99:   ms(percentile(d, 99)),
		Max:   ms(max),
	}
}

// track starts sorting samples into windows of width from start.
func (s *samples) track(start time.Time, width time.Duration, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.windows = &timeline{start: start, width: width, w: make([]*samples, n)}
}

// timeline is samples by window of time.
type timeline struct {
	start time.Time
	width time.Duration
	w     []*samples
}

func (t *timeline) add(at time.Time, d time.Duration) {
	i := int(at.Sub(t.start) / t.width)
	if i < 0 || i >= len(t.w) {
		return
	}
	if t.w[i] == nil {
		t.w[i] = newSamples(20000)
	}
	t.w[i].add(d)
}

// windowSummary is one window's distribution; From is seconds since start.
type windowSummary struct {
	From float64 `json:"fromSeconds"`
	summary
}

// timeline returns the summary of each window that has samples.
func (s *samples) timeline() []windowSummary {
	s.mu.Lock()
	t := s.windows
	s.mu.Unlock()
	if t == nil {
		return nil
	}
	var out []windowSummary
	for i, w := range t.w {
		if w != nil {
			out = append(out, windowSummary{From: (time.Duration(i) * t.width).Seconds(), summary: w.summary()})
		}
	}
	return out
}

// percentile returns the nearest-rank p-th percentile of sorted: the
// smallest value that at least p percent of the values are at or below.
// It returns 0 for no values.
func percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	rank = min(max(rank, 1), len(sorted))
	return sorted[rank-1]
}

func ms(d time.Duration) float64 { return math.Round(float64(d)/1e3) / 1e3 }

// counts is a set of named counters (errors by kind, say).
type counts struct {
	mu sync.Mutex
	m  map[string]int
}

func (c *counts) add(kind string, n int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]int)
	}
	c.m[kind] += n
}

func (c *counts) snapshot() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]int, len(c.m))
	for k, v := range c.m {
		out[k] = v
	}
	return out
}

func total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// retryWindows counts reconnect attempts in 10 ms slots from a start time,
// to find the busiest 100 ms: the thundering-herd check. Attempts past its
// horizon are counted in late and not placed.
type retryWindows struct {
	mu    sync.Mutex
	start time.Time
	slot  time.Duration
	slots []int
	late  int
}

func newRetryWindows(start time.Time, horizon time.Duration) *retryWindows {
	const slot = 10 * time.Millisecond
	return &retryWindows{start: start, slot: slot, slots: make([]int, int(horizon/slot)+1)}
}

func (w *retryWindows) add(at time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	i := int(at.Sub(w.start) / w.slot)
	if i < 0 || i >= len(w.slots) {
		w.late++
		return
	}
	w.slots[i]++
}

// busiest returns the most attempts in any window of the given width, and
// when that window began.
func (w *retryWindows) busiest(width time.Duration) (int, time.Time) {
	w.mu.Lock()
	defer w.mu.Unlock()
	k := max(int(width/w.slot), 1)
	best, bestAt, sum := 0, 0, 0
	for i, n := range w.slots {
		sum += n
		if i >= k {
			sum -= w.slots[i-k]
		}
		if sum > best {
			best, bestAt = sum, max(i-k+1, 0)
		}
	}
	return best, w.start.Add(time.Duration(bestAt) * w.slot)
}

// The browser's reconnect schedule (web/static/live.js, docs/protocol.md):
// attempt n waits reconnectMin plus a random time below
// min(reconnectCap, reconnectBase·2ⁿ). The tool's members follow it, so the
// herd it measures after a restart is the browsers' herd.
const (
	reconnectMin  = 100 * time.Millisecond
	reconnectBase = time.Second
	reconnectCap  = 15 * time.Second
)

// reconnectDelay is the browser's wait before reconnect attempt n (0 for the
// first after a drop).
func reconnectDelay(n int, r *rand.Rand) time.Duration {
	return backoff(n, reconnectMin, reconnectBase, reconnectCap, r)
}

// backoff is the delay before reconnect attempt n (0 for the first): at
// least floor, then a random time up to base·2ⁿ, capped. The randomness
// spreads a crowd that lost the server at the same moment, so they do not
// all come back in the same instant; the floor makes one client retry at
// most once per floor.
func backoff(n int, floor, base, cap time.Duration, r *rand.Rand) time.Duration {
	span := base << min(n, 16)
	if span > cap || span <= 0 {
		span = cap
	}
	return floor + time.Duration(r.Int64N(int64(span)+1))
}

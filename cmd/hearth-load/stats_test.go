package main

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	ms := func(xs ...int) []time.Duration {
		out := make([]time.Duration, len(xs))
		for i, x := range xs {
			out[i] = time.Duration(x) * time.Millisecond
		}
		return out
	}
	hundred := make([]time.Duration, 100)
	for i := range hundred {
		hundred[i] = time.Duration(i+1) * time.Millisecond
	}
	tests := []struct {
		name   string
		sorted []time.Duration
		p      float64
		want   time.Duration
	}{
		{"no values", nil, 99, 0},
		{"one value", ms(7), 50, 7 * time.Millisecond},
		{"p50 of 1..100", hundred, 50, 50 * time.Millisecond},
		{"p90 of 1..100", hundred, 90, 90 * time.Millisecond},
		{"p99 of 1..100", hundred, 99, 99 * time.Millisecond},
		{"p100 is the max", hundred, 100, 100 * time.Millisecond},
		{"p99 of ten values is the largest", ms(1, 2, 3, 4, 5, 6, 7, 8, 9, 50), 99, 50 * time.Millisecond},
		{"p50 of four rounds up the rank", ms(1, 2, 3, 4), 50, 2 * time.Millisecond},
		{"p0 is the min", ms(3, 4), 0, 3 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := percentile(tt.sorted, tt.p); got != tt.want {
				t.Errorf("percentile(p%g) = %v, want %v", tt.p, got, tt.want)
			}
		})
	}
}

func TestSamplesSummary(t *testing.T) {
	s := newSamples(1000)
	for _, i := range rand.Perm(1000) {
		s.add(time.Duration(i+1) * time.Millisecond)
	}
	got := s.summary()
	want := summary{Count: 1000, P50: 500, P90: 900, P99: 990, Max: 1000}
	if got != want {
		t.Errorf("summary = %+v, want %+v", got, want)
	}
}

// Past its limit a sample stays bounded but keeps count and max exact, and
// stays representative.
func TestSamplesBounded(t *testing.T) {
	s := newSamples(500)
	for i := 0; i < 20000; i++ {
		s.add(time.Duration(i%100+1) * time.Millisecond)
	}
	s.add(5 * time.Second)
	if len(s.d) != 500 {
		t.Fatalf("kept %d samples, want 500", len(s.d))
	}
	got := s.summary()
	if got.Count != 20001 || got.Max != 5000 {
		t.Errorf("count %d max %v, want 20001 and 5000", got.Count, got.Max)
	}
	if got.P50 < 35 || got.P50 > 65 {
		t.Errorf("p50 %v of a uniform 1..100 ms sample is not near 50", got.P50)
	}
}

func TestRetryWindowsBusiest(t *testing.T) {
	start := time.Unix(1000, 0)
	w := newRetryWindows(start, 10*time.Second)
	at := func(ms int) time.Time { return start.Add(time.Duration(ms) * time.Millisecond) }
	for i := 0; i < 10; i++ {
		w.add(at(1000 + i*50)) // two per 100 ms from 1 s
	}
	for i := 0; i < 7; i++ {
		w.add(at(3000 + i*10)) // seven within 70 ms at 3 s
	}
	w.add(at(3150))
	w.add(at(60000)) // past the horizon
	got, when := w.busiest(100 * time.Millisecond)
	if got != 7 {
		t.Errorf("busiest = %d, want 7", got)
	}
	if d := when.Sub(start); d < 2900*time.Millisecond || d > 3000*time.Millisecond {
		t.Errorf("busiest window starts %v after start, want within 100 ms before 3s", d)
	}
	if w.late != 1 {
		t.Errorf("late = %d, want 1", w.late)
	}
}

func TestBackoffSpreadsAndIsBounded(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	floor, base, cap := 100*time.Millisecond, 500*time.Millisecond, 8*time.Second
	for n := 0; n < 40; n++ {
		for k := 0; k < 200; k++ {
			d := backoff(n, floor, base, cap, r)
			if d < floor || d > floor+cap {
				t.Fatalf("backoff(%d) = %v, outside [%v, %v]", n, d, floor, floor+cap)
			}
			if limit := floor + base<<n; n < 5 && d > limit {
				t.Fatalf("backoff(%d) = %v, above %v", n, d, limit)
			}
		}
	}
	// 10,000 clients that lost the server at once, first attempt: no 100 ms
	// holds more than a quarter of them.
	w := newRetryWindows(time.Unix(0, 0), 20*time.Second)
	for i := 0; i < 10000; i++ {
		w.add(time.Unix(0, 0).Add(backoff(0, floor, time.Second, cap, r)))
	}
	if got, _ := w.busiest(100 * time.Millisecond); got > 2500 {
		t.Errorf("busiest 100 ms holds %d of 10000 first attempts", got)
	}
}

// TestBrowserScheduleSpreadsAHerd follows 10,000 browsers that lose the
// server at once through outages of several lengths: an attempt made while
// the server is down fails at once and the next waits longer. No 100 ms may
// hold more than a quarter of all the attempts' members.
func TestBrowserScheduleSpreadsAHerd(t *testing.T) {
	const clients = 10000
	r := rand.New(rand.NewPCG(3, 4))
	for _, outage := range []time.Duration{0, 1300 * time.Millisecond, 2500 * time.Millisecond, 5 * time.Second} {
		start := time.Unix(0, 0)
		w := newRetryWindows(start, 2*time.Minute)
		for range clients {
			at := start
			for n := 0; ; n++ {
				at = at.Add(reconnectDelay(n, r))
				w.add(at)
				if at.Sub(start) >= outage {
					break
				}
			}
		}
		got, when := w.busiest(100 * time.Millisecond)
		t.Logf("outage %v: busiest 100 ms holds %d attempts (%.1f%%), %v in", outage, got, 100*float64(got)/clients, when.Sub(start))
		if got > clients/4 {
			t.Errorf("outage %v: busiest 100 ms holds %d of %d clients' attempts, want at most a quarter", outage, got, clients)
		}
	}
}

// TestScheduleIsTheBrowsers keeps the tool's schedule the one live.js uses.
func TestScheduleIsTheBrowsers(t *testing.T) {
	src, err := os.ReadFile("../../web/static/live.js")
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range map[string]time.Duration{
		"MIN_DELAY_MS": reconnectMin, "BASE_DELAY_MS": reconnectBase, "MAX_DELAY_MS": reconnectCap,
	} {
		m := regexp.MustCompile(`const ` + name + ` = (\d+);`).FindSubmatch(src)
		if m == nil {
			t.Errorf("live.js has no %s", name)
			continue
		}
		if got, _ := strconv.Atoi(string(m[1])); time.Duration(got)*time.Millisecond != want {
			t.Errorf("live.js %s = %s ms, the tool uses %v", name, m[1], want)
		}
	}
	if !bytes.Contains(src, []byte("const delay = MIN_DELAY_MS + Math.random() * cap;")) {
		t.Error("live.js no longer computes the delay as MIN_DELAY_MS + random·cap")
	}
}

func TestParseMetrics(t *testing.T) {
	text := `# HELP hearth_connected_members Member WebSocket connections open now.
# TYPE hearth_connected_members gauge
hearth_connected_members 11000
go_memstats_heap_inuse_bytes 1.2345e+08
go_memstats_stack_inuse_bytes 6.5536e+07
process_resident_memory_bytes 4.5e+08
process_cpu_seconds_total 12.5
go_goroutines 44012
hearth_commit_seconds_bucket{le="0.0001"} 3
hearth_commit_seconds_bucket{le="0.001"} 900
hearth_commit_seconds_bucket{le="+Inf"} 1000
hearth_fanout_seconds_bucket{le="0.001"} 10
hearth_fanout_seconds_bucket{le="0.01"} 20
hearth_fanout_seconds_bucket{le="+Inf"} 20
hearth_commit_seconds_sum 1.5
hearth_commit_seconds_count 1000
hearth_commit_batch_size_sum 4000
hearth_actions_total{type="checkin.answer"} 50
hearth_slow_members_dropped_total 2
process_start_time_seconds 1.76412e+09
`
	s, err := parseMetrics(strings.NewReader(text))
	if err != nil {
		t.Fatal(err)
	}
	want := serverStats{RSSBytes: 4.5e8, HeapInuse: 1.2345e8, StackInuse: 65536e3, CPUSeconds: 12.5, Connected: 11000, Goroutines: 44012,
		CommitCount: 1000, CommitSeconds: 1.5, CommitSaves: 4000, SlowDropped: 2, StartTime: 1.76412e9,
		CommitHist: histogram{Le: []float64{0.0001, 0.001}, Counts: []float64{3, 900}, Total: 1000},
		FanOutHist: histogram{Le: []float64{0.001, 0.01}, Counts: []float64{10, 20}, Total: 20}}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("parseMetrics = %+v, want %+v", s, want)
	}
	if _, err := json.Marshal(s); err != nil {
		t.Errorf("the stats do not encode as JSON: %v", err)
	}
	if _, err := parseMetrics(strings.NewReader("unrelated 1\n")); err == nil {
		t.Error("parseMetrics without any known metric: no error")
	}
}

func TestServerReportPerMember(t *testing.T) {
	t0 := time.Unix(100, 0)
	before := serverStats{At: t0, RSSBytes: 20 << 20, HeapInuse: 5 << 20, Connected: 0, Goroutines: 10}
	conn := serverStats{At: t0.Add(10 * time.Second), RSSBytes: 20<<20 + 1000*30*1024, HeapInuse: 5<<20 + 1000*10*1024,
		Connected: 1000, Goroutines: 4010, CPUSeconds: 3}
	end := serverStats{At: t0.Add(70 * time.Second), RSSBytes: 20<<20 + 1000*35*1024, CPUSeconds: 33,
		CommitCount: 100, CommitSeconds: 0.2, CommitSaves: 400}
	s := serverReport(before, conn, end)
	if s.RSSPerMemberKiB != 30 || s.HeapPerMemberKiB != 10 || s.RSSPerMemberEnd != 35 || s.GoroutinesPerConn != 4 {
		t.Errorf("per member: %+v", s)
	}
	if s.CPUCores != 0.5 {
		t.Errorf("CPU cores = %v, want 0.5 (30 s of CPU in 60 s)", s.CPUCores)
	}
	if s.CommitMeanMs != 2 || s.SavesPerCommit != 4 {
		t.Errorf("commits: mean %v ms, %v saves each; want 2 and 4", s.CommitMeanMs, s.SavesPerCommit)
	}
	// A server that restarted during the phase is another process, with
	// counters of its own.
	restarted := end
	restarted.StartTime = 1.7e9
	if s := serverReport(before, conn, restarted); !s.Restarted || s.CPUCores != 0 {
		t.Errorf("after a restart: restarted %v, CPU %v; want true and 0", s.Restarted, s.CPUCores)
	}
}

func TestParseProcStat(t *testing.T) {
	// The command name may hold spaces and parentheses.
	stat := "4242 (hearth (load) x) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 50 0 0 20 0 12 0 100 1000000 300 18446744073709551615\n"
	got, err := parseProcStat([]byte(stat))
	if err != nil {
		t.Fatal(err)
	}
	if got != 3 {
		t.Errorf("parseProcStat = %v s, want 3 (250+50 ticks)", got)
	}
	if got := parseVmRSS([]byte("Name:\tx\nVmRSS:\t  2048 kB\nThreads: 4\n")); got != 2048*1024 {
		t.Errorf("parseVmRSS = %v, want %v", got, 2048*1024)
	}
}

func TestLoopbackBase(t *testing.T) {
	ok := map[string]string{
		"http://127.0.0.1:18090":  "http://127.0.0.1:18090",
		"http://127.0.0.1:18090/": "http://127.0.0.1:18090",
		"http://127.8.9.1:80":     "http://127.8.9.1:80",
		"http://[::1]:8080":       "http://[::1]:8080",
		"http://localhost:8080":   "http://127.0.0.1:8080",
	}
	for in, want := range ok {
		if got, err := loopbackBase(in); err != nil || got != want {
			t.Errorf("loopbackBase(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{
		"http://10.0.0.1:8080", "http://192.168.1.2:80", "http://hearth.example.org:8080",
		"http://127.0.0.1", "https://127.0.0.1:8443", "http://127.0.0.1:80/api", "ws://127.0.0.1:80",
		"http://0.0.0.0:8080", "http://user@127.0.0.1:80",
	} {
		if got, err := loopbackBase(in); err == nil {
			t.Errorf("loopbackBase(%q) = %q, want a refusal", in, got)
		}
	}
}

func TestFloorFrames(t *testing.T) {
	seq, size, ok := parseFloorFrame(floorFrame(123456789, 700))
	if !ok || seq != 123456789 || size != 700 {
		t.Errorf("frame round trip: %d %d %v", seq, size, ok)
	}
	for _, bad := range []string{"", "12", "x 7", "1 -3", "1 99999999"} {
		if _, _, ok := parseFloorFrame([]byte(bad)); ok {
			t.Errorf("parseFloorFrame(%q) accepted", bad)
		}
	}
	p := floorPayload(42, 600)
	if len(p) != 600 {
		t.Errorf("payload is %d bytes, want 600", len(p))
	}
	if seq, ok := parsePayload(p); !ok || seq != 42 {
		t.Errorf("parsePayload = %d %v, want 42", seq, ok)
	}
	if p := floorPayload(42, 1); len(p) < 5 {
		t.Errorf("a tiny payload still carries its seq: %q", p)
	}
}

func TestBusyCores(t *testing.T) {
	a, err := parseMachineCPU([]byte("cpu  100 0 100 700 100 0 0 0 0 0\ncpu0 1 2 3\n"))
	if err != nil {
		t.Fatal(err)
	}
	// Next: 300 more ticks busy (user, system, softirq), 100 idle, 100 iowait.
	b, err := parseMachineCPU([]byte("cpu  250 0 200 800 200 0 50 0 0 0\n"))
	if err != nil {
		t.Fatal(err)
	}
	if got := busyCores(a, b, 2); got != 1.2 {
		t.Errorf("busyCores = %v, want 1.2 (300 of 500 ticks on 2 CPUs)", got)
	}
	if _, err := parseMachineCPU([]byte("intr 1 2 3\n")); err == nil {
		t.Error("parseMachineCPU accepted a line that is not cpu")
	}
}

func TestSamplesTimeline(t *testing.T) {
	s := newSamples(100)
	start := time.Now().Add(-25 * time.Second)
	s.track(start, 10*time.Second, 5)
	s.add(3 * time.Millisecond) // taken now: 25 s after start, third window
	s.add(5 * time.Millisecond)
	got := s.timeline()
	if len(got) != 1 || got[0].From != 20 || got[0].Count != 2 || got[0].Max != 5 {
		t.Errorf("timeline = %+v, want one window from 20 s with 2 samples, max 5 ms", got)
	}
	if s.summary().Count != 2 {
		t.Error("samples in windows are not counted overall")
	}
}

func TestQuantileMs(t *testing.T) {
	le := []float64{0.001, 0.002, 0.004}
	before := histogram{Le: le, Counts: []float64{50, 50, 50}, Total: 50}
	after := histogram{Le: le, Counts: []float64{60, 140, 149}, Total: 150} // 100 samples between
	for _, tc := range []struct {
		name      string
		a, b      histogram
		q, wantMs float64
	}{
		{"median of the samples between", before, after, 0.5, 2},
		{"p99 of the samples between", before, after, 0.99, 4},
		{"p100 is past the last bound", before, after, 1, -1},
		{"from the start", histogram{}, after, 0.5, 2},
		{"no samples between", after, after, 0.99, 0},
		{"no histogram", histogram{}, histogram{}, 0.99, 0},
	} {
		if got := quantileMs(tc.a, tc.b, tc.q); got != tc.wantMs {
			t.Errorf("%s: got %v ms, want %v", tc.name, got, tc.wantMs)
		}
	}
}

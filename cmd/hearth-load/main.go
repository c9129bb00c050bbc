// Command hearth-load drives a running Hearth like real groups would and
// measures it against the floor: a bare WebSocket broadcast of the same
// messages to the same number of connections, on the same machine, in the
// same run.
//
//	echo 'a long passphrase' | hearth facilitator add --email load@example.org --name Load --data DIR
//	hearth serve --addr 127.0.0.1:18090 --metrics-addr 127.0.0.1:18091 --data DIR &
//	HEARTH_LOAD_PASSWORD='a long passphrase' hearth-load --url http://127.0.0.1:18090 \
//	    --metrics-url http://127.0.0.1:18091 --email load@example.org --rooms 1000 --members 10 --rate 1 --duration 60s --json out.json
//
// It logs in with the given facilitator account, creates the rooms through
// the documented HTTP API (cohorts, participants who accept the agreements,
// one open session each), connects every participant and one facilitator
// per room over a WebSocket, and runs check-ins: the facilitator starts one
// (visibility varies by room), every participant answers, the facilitator
// closes and ends it, again, at --rate actions per room per second. With
// --mix integration the rooms also take turns at intentions (every
// participant writes one, the facilitator reveals them without names) and
// sharing circles (the talking piece goes round; a listener reacts to each
// share and the facilitator ends it), planned as agenda items. It
// reports join times, action-to-everyone latency, errors, lost actions,
// visibility violations and the server's memory and CPU (from /metrics),
// then runs the floor and prints Hearth's p99 as a multiple of the floor's.
//
// It drives loopback addresses only, and every phase is bounded in time.
// The exit code is 1 when an action was lost, applied twice, or a member
// received something it may not see (another's check-in note outside a
// group check-in, another's intention before the reveal); 2 when the run could not be made.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"strconv"
	"sync"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// config is the run's settings, from the flags.
type config struct {
	URL            string
	Email          string
	password       string // never reported
	Rooms          int
	Members        int
	Duration       time.Duration
	Window         time.Duration
	Rate           float64
	Mix            string
	ReconnectEvery time.Duration
	connectRate    float64
	Grace          time.Duration
	Floor          bool
	jsonPath       string
	seedWorkers    int
	KeepOpen       bool
	maxTime        time.Duration
	cpuProfile     string
	// settle is the pause after connecting, before memory is read, so the
	// reading is not taken in the middle of the connection storm.
	settle time.Duration

	// MetricsURL is where the server's /metrics is ("" for URL): a server
	// given --metrics-addr serves it there alone.
	MetricsURL   string
	metricsToken string // never reported
}

const (
	exitOK      = 0
	exitFailed  = 1 // lost, duplicated or leaked: Hearth broke a promise
	exitCantRun = 2
)

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("hearth-load", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.URL, "url", "http://127.0.0.1:8080", "the Hearth server (loopback only)")
	fs.StringVar(&c.Email, "email", "", "an existing facilitator account's email (made with \"hearth facilitator add\")")
	fs.StringVar(&c.password, "password", "", "its password (or set $HEARTH_LOAD_PASSWORD, which other users cannot read in the process list)")
	fs.StringVar(&c.MetricsURL, "metrics-url", "", "the server's --metrics-addr as a URL, e.g. http://127.0.0.1:9090 (default: --url)")
	fs.StringVar(&c.metricsToken, "metrics-token", "", "the server's --metrics-token (or set $HEARTH_METRICS_TOKEN)")
	fs.IntVar(&c.Rooms, "rooms", 10, "live rooms (cohorts) to create and drive")
	fs.IntVar(&c.Members, "members", 10, "participants per room (each room also has one facilitator socket)")
	fs.DurationVar(&c.Duration, "duration", 30*time.Second, "how long to run actions, per phase")
	fs.DurationVar(&c.Window, "window", 10*time.Second, "width of the windows of time the latency is also reported by")
	fs.Float64Var(&c.Rate, "rate", 1, "actions per room per second")
	fs.StringVar(&c.Mix, "mix", mixCheckIn, `what the rooms run: "checkin" (check-ins only) or "integration" (check-ins, intentions written and revealed, sharing circles with reactions, in turn)`)
	fs.DurationVar(&c.ReconnectEvery, "reconnect-every", 0, "mean time between deliberate drops per member (0: none)")
	fs.Float64Var(&c.connectRate, "connect-rate", 1000, "new connections per second while connecting (jittered)")
	fs.DurationVar(&c.Grace, "grace", 5*time.Second, "how long to wait for outstanding acks after the last action")
	fs.BoolVar(&c.Floor, "floor", true, "measure the floor after Hearth")
	fs.StringVar(&c.jsonPath, "json", "", "also write the numbers to this file, as JSON")
	fs.IntVar(&c.seedWorkers, "seed-workers", 8, "parallel HTTP requests while creating the rooms")
	fs.BoolVar(&c.KeepOpen, "keep-open", false, "leave the rooms open at the end (to measure a restart with them stored)")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "write this tool's own CPU profile to this file")
	fs.DurationVar(&c.maxTime, "max-time", 0, "stop everything after this long (default: 15m plus three times --duration)")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if c.password == "" {
		c.password = os.Getenv("HEARTH_LOAD_PASSWORD")
	}
	if c.metricsToken == "" {
		c.metricsToken = os.Getenv("HEARTH_METRICS_TOKEN")
	}
	switch {
	case c.Email == "" || c.password == "":
		return c, errors.New("--email and a password (--password or $HEARTH_LOAD_PASSWORD) of an existing facilitator account are required")
	case c.Rooms < 1 || c.Rooms > 100000:
		return c, errors.New("--rooms must be 1 to 100000")
	case c.Members < 1 || c.Members > 63:
		return c, errors.New("--members must be 1 to 63 (with the facilitator, 64 sockets per room)")
	case c.Duration < time.Second || c.Duration > 2*time.Hour:
		return c, errors.New("--duration must be 1s to 2h")
	case c.Window < 100*time.Millisecond || c.Duration/c.Window > 10000:
		return c, errors.New("--window must be at least 100ms and at most 10,000 windows long in --duration")
	case c.Mix != mixCheckIn && c.Mix != mixIntegration:
		return c, errors.New(`--mix must be "checkin" or "integration"`)
	case c.Rate <= 0 || c.Rate > 100:
		return c, errors.New("--rate must be above 0 and at most 100 actions per room per second")
	case c.connectRate < 1 || c.connectRate > 100000:
		return c, errors.New("--connect-rate must be 1 to 100000")
	case c.ReconnectEvery < 0 || (c.ReconnectEvery > 0 && c.ReconnectEvery < time.Second):
		return c, errors.New("--reconnect-every must be 0 or at least 1s")
	case c.Grace < 0 || c.Grace > 5*time.Minute:
		return c, errors.New("--grace must be 0 to 5m")
	case c.seedWorkers < 1 || c.seedWorkers > 64:
		return c, errors.New("--seed-workers must be 1 to 64")
	}
	if c.maxTime == 0 {
		c.maxTime = 15*time.Minute + 3*c.Duration
	}
	c.settle = 2 * time.Second
	return c, nil
}

// metricsBase is the address /metrics is read under.
func (c config) metricsBase() string {
	if c.MetricsURL != "" {
		return c.MetricsURL
	}
	return c.URL
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "floor-serve" {
		if err := floorServe(os.Stdin, stdout, 3*time.Hour); err != nil {
			fmt.Fprintln(stderr, "hearth-load floor-serve:", err)
			return exitCantRun
		}
		return exitOK
	}
	cfg, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		fmt.Fprintln(stderr, "hearth-load:", err)
		return exitCantRun
	}
	base, err := loopbackBase(cfg.URL)
	if err != nil {
		fmt.Fprintln(stderr, "hearth-load:", err)
		return exitCantRun
	}
	cfg.URL = base
	if cfg.MetricsURL != "" {
		if cfg.MetricsURL, err = loopbackBase(cfg.MetricsURL); err != nil {
			fmt.Fprintln(stderr, "hearth-load: --metrics-url:", err)
			return exitCantRun
		}
	}
	need := filesNeeded(cfg.Rooms, cfg.Members)
	if _, err := raiseNoFile(need); err != nil {
		fmt.Fprintln(stderr, "hearth-load:", err)
		return exitCantRun
	}
	logf := func(format string, a ...any) {
		fmt.Fprintf(stderr, "%s "+format+"\n", append([]any{time.Now().Format("15:04:05.000")}, a...)...)
	}
	logf("note: the server holds as many sockets as the tool, about %d; check its limit (ulimit -n) too", need)

	if cfg.cpuProfile != "" {
		f, err := os.Create(cfg.cpuProfile)
		if err != nil {
			fmt.Fprintln(stderr, "hearth-load:", err)
			return exitCantRun
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(stderr, "hearth-load:", err)
			return exitCantRun
		}
		defer pprof.StopCPUProfile()
	}
	ctx, cancel := context.WithTimeout(ctx, cfg.maxTime)
	defer cancel()
	rep, err := loadRun(ctx, cfg, logf)
	if err != nil {
		fmt.Fprintln(stderr, "hearth-load:", err)
		return exitCantRun
	}
	printReport(stdout, rep)
	if cfg.jsonPath != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			fmt.Fprintln(stderr, "hearth-load: encode --json:", err)
			return exitCantRun
		}
		if err := os.WriteFile(cfg.jsonPath, append(b, '\n'), 0o644); err != nil {
			fmt.Fprintln(stderr, "hearth-load: write --json:", err)
			return exitCantRun
		}
	}
	if rep.Failed {
		return exitFailed
	}
	return exitOK
}

// loadRun makes the whole run: seed, Hearth phase, floor phase.
func loadRun(ctx context.Context, cfg config, logf func(string, ...any)) (*report, error) {
	rep := &report{Config: cfg, Machine: machine()}
	a := newAPI(cfg.URL)
	if err := a.login(ctx, cfg.Email, cfg.password); err != nil {
		return nil, fmt.Errorf("log in as %s: %w", cfg.Email, err)
	}
	runID := strconv.FormatInt(time.Now().Unix()%100000, 10) + "-" + strconv.Itoa(rand.IntN(1000))
	logf("seeding %d rooms of %d participants", cfg.Rooms, cfg.Members)
	seedStart := time.Now()
	seeded, err := a.seed(ctx, runID, cfg.Rooms, cfg.Members, cfg.seedWorkers, cfg.Mix)
	if err != nil {
		return nil, err
	}
	rep.Seed = seedReport{Rooms: len(seeded), Participants: len(seeded) * cfg.Members, Seconds: time.Since(seedStart).Seconds()}
	logf("seeded in %.1fs", rep.Seed.Seconds)

	wsHTTP := &http.Client{Transport: &http.Transport{
		DialContext:       (&net.Dialer{Timeout: 10 * time.Second}).DialContext,
		DisableKeepAlives: true,
	}}
	h := &hearthPhase{cfg: cfg, wsBase: "ws" + cfg.URL[len("http"):], wsHTTP: wsHTTP}
	h.setup(seeded, a.cookie)
	connectBudget := time.Duration(float64(len(seeded)*(cfg.Members+1))/cfg.connectRate*float64(time.Second)) + 60*time.Second
	h.herd = newRetryWindows(time.Now(), connectBudget+cfg.Duration+cfg.Grace+time.Minute)

	metricsHC := &http.Client{Timeout: 10 * time.Second}
	before, err := scrape(ctx, metricsHC, cfg.metricsBase(), cfg.metricsToken)
	if err != nil {
		return nil, fmt.Errorf("read /metrics: %w", err)
	}
	logf("connecting %d members", len(seeded)*(cfg.Members+1))
	connStart := time.Now()
	connected := h.connectAll(ctx, time.Now().Add(connectBudget))
	connSecs := time.Since(connStart).Seconds()
	logf("%d connected in %.1fs", connected, connSecs)
	sleepUntil(ctx, time.Now().Add(cfg.settle))
	atStart, err := scrape(ctx, metricsHC, cfg.metricsBase(), cfg.metricsToken)
	if err != nil {
		return nil, fmt.Errorf("read /metrics: %w", err)
	}

	ready := &readiness{}
	pollCtx, stopPoll := context.WithCancel(ctx)
	var pollWG sync.WaitGroup
	pollWG.Go(func() { ready.poll(pollCtx, a) })

	cpu0 := selfCPU()
	mc0, _ := readMachineCPU()
	start := time.Now()
	end := start.Add(cfg.Duration)
	logf("running actions for %s", cfg.Duration)
	h.startDrops()
	h.lat.track(start, cfg.Window, int(cfg.Duration/cfg.Window)+3)
	var wg sync.WaitGroup
	for _, r := range h.rooms {
		wg.Go(func() { r.drive(ctx, start, end, cfg.Rate) })
	}
	wg.Wait()
	loadSecs := time.Since(start).Seconds()
	atEnd, err := scrape(ctx, metricsHC, cfg.metricsBase(), cfg.metricsToken)
	if err != nil {
		logf("read /metrics at the end: %v", err)
	}
	cpu1 := selfCPU()
	mc1, _ := readMachineCPU()
	// Let the last actions be answered and delivered.
	graceEnd := time.Now().Add(cfg.Grace)
	for time.Now().Before(graceEnd) && ctx.Err() == nil {
		lost, waiting := h.unanswered()
		open := 0
		for _, r := range h.rooms {
			w, _ := r.tr.open()
			open += w
		}
		if lost+waiting+open == 0 {
			break
		}
		sleepUntil(ctx, time.Now().Add(50*time.Millisecond))
	}
	stopPoll()
	pollWG.Wait()
	lost, waiting := h.unanswered()
	rep.Hearth = h.report(len(seeded)*(cfg.Members+1), connected, connSecs, loadSecs, lost, waiting)
	rep.Hearth.Server = serverReport(before, atStart, atEnd)
	rep.Hearth.ToolCPUCores = round2((cpu1 - cpu0) / loadSecs)
	rep.Hearth.machineCPU(busyCores(mc0, mc1, runtime.NumCPU()))
	rep.Hearth.Outages = ready.report()
	h.closeAll()
	if !cfg.KeepOpen {
		n, err := a.closeRooms(ctx, seeded, cfg.seedWorkers)
		if err != nil {
			logf("closing rooms: %d closed, first error: %v", n, err)
		}
	}

	if cfg.Floor && ctx.Err() == nil {
		logf("floor: starting the bare broadcast server")
		fr, err := floorRun(ctx, cfg, h.sizes, logf)
		if err != nil {
			return nil, fmt.Errorf("floor: %w", err)
		}
		rep.Floor = fr
		if fr.Latency.P99 > 0 {
			rep.RatioP99 = round2(rep.Hearth.Latency.P99 / fr.Latency.P99)
		}
	}
	rep.Failed = rep.Hearth.Lost > 0 || rep.Hearth.Violations > 0 || rep.Hearth.AppliedTwice > 0
	return rep, nil
}

func floorRun(ctx context.Context, cfg config, sizes *sizeSampler, logf func(string, ...any)) (*phaseReport, error) {
	child, err := startFloor()
	if err != nil {
		return nil, err
	}
	defer child.stop()
	pid := child.cmd.Process.Pid
	sample, mean := sizes.sample()
	f := &floorPhase{cfg: cfg, base: "ws://" + child.addr, sizes: sample, wsHTTP: &http.Client{Transport: &http.Transport{
		DialContext: (&net.Dialer{Timeout: 10 * time.Second}).DialContext, DisableKeepAlives: true,
	}}}
	f.setup(cfg.Rooms, cfg.Members+1)
	sleepUntil(ctx, time.Now().Add(cfg.settle))
	before, err := procStats(pid)
	if err != nil {
		return nil, err
	}
	total := cfg.Rooms * (cfg.Members + 1)
	connStart := time.Now()
	budget := time.Duration(float64(total)/cfg.connectRate*float64(time.Second)) + 60*time.Second
	connected := f.connectAll(ctx, time.Now().Add(budget))
	connSecs := time.Since(connStart).Seconds()
	logf("floor: %d connected in %.1fs", connected, connSecs)
	sleepUntil(ctx, time.Now().Add(cfg.settle))
	atStart, _ := procStats(pid)
	cpu0 := selfCPU()
	mc0, _ := readMachineCPU()
	start := time.Now()
	end := start.Add(cfg.Duration)
	var wg sync.WaitGroup
	for _, r := range f.rooms {
		wg.Go(func() { r.drive(ctx, start, end, cfg.Rate) })
	}
	wg.Wait()
	loadSecs := time.Since(start).Seconds()
	atEnd, _ := procStats(pid)
	cpu1 := selfCPU()
	mc1, _ := readMachineCPU()
	sleepUntil(ctx, time.Now().Add(time.Second))
	f.closeAll()
	undelivered := 0
	for _, r := range f.rooms {
		w, _ := r.tr.open()
		undelivered += w
	}
	p := &phaseReport{
		Members:        total,
		Connected:      connected,
		ConnectSeconds: round2(connSecs),
		Join:           f.join.summary(),
		Latency:        f.lat.summary(),
		Sent:           f.sent.Load(),
		Undelivered:    undelivered,
		Errors:         f.errs.snapshot(),
		EventBytesMean: round2(mean),
		ToolCPUCores:   round2((cpu1 - cpu0) / loadSecs),
	}
	p.ActionsPerSecond = round2(float64(p.Sent) / loadSecs)
	atStart.Connected, atEnd.Connected = float64(connected), float64(connected)
	p.Server = serverReport(before, atStart, atEnd)
	p.machineCPU(busyCores(mc0, mc1, runtime.NumCPU()))
	return p, nil
}

// selfCPU returns this process's CPU time so far, in seconds.
func selfCPU() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
}

func machine() machineReport {
	m := machineReport{CPUs: runtime.NumCPU(), GoVersion: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.Kernel = string(trimSpace(b))
	}
	return m
}

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == ' ') {
		b = b[:len(b)-1]
	}
	return b
}

// readiness polls /readyz during the load, to time a server restart made
// from outside (SIGTERM, start again) while the members keep trying.
type readiness struct {
	mu      sync.Mutex
	outages []outage
}

type outage struct {
	DownAt time.Time `json:"downAt"`
	UpAt   time.Time `json:"upAt"`
}

func (rd *readiness) poll(ctx context.Context, a *api) {
	hc := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}, Timeout: time.Second}
	up := true
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		ok := a.readyz(ctx, hc)
		if ctx.Err() != nil {
			return
		}
		rd.mu.Lock()
		switch {
		case up && !ok:
			if len(rd.outages) < 100 {
				rd.outages = append(rd.outages, outage{DownAt: time.Now()})
			}
		case !up && ok && len(rd.outages) > 0:
			rd.outages[len(rd.outages)-1].UpAt = time.Now()
		}
		up = ok
		rd.mu.Unlock()
	}
}

func (rd *readiness) report() []outage {
	rd.mu.Lock()
	defer rd.mu.Unlock()
	return append([]outage(nil), rd.outages...)
}

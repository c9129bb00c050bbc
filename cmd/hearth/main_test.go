package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"hearth/web"
)

// startMain runs the real server on a free port with its data in dir.
func startMain(tb testing.TB, dir string) *Main {
	tb.Helper()
	m := &Main{Addr: "127.0.0.1:0", DataDir: dir, Log: zerolog.New(zerolog.NewTestWriter(tb)).Level(zerolog.WarnLevel)}
	if err := m.Open(context.Background()); err != nil {
		tb.Fatalf("open: %v", err)
	}
	tb.Cleanup(func() {
		if m.DB != nil {
			m.Close()
		}
	})
	return m
}

func TestMainServesFromItsDataFolder(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	m := startMain(t, dir)
	resp, err := http.Get(m.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("healthz: %d, want 200", resp.StatusCode)
	}
	if m.SetupToken == "" {
		t.Error("no setup token on a fresh data folder")
	}
	for path, want := range map[string]string{"/readyz": "ready"} {
		resp, err := http.Get(m.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !bytes.Contains(body, []byte(want)) {
			t.Errorf("%s: %d, want 200 with %q", path, resp.StatusCode, want)
		}
	}
	// Without --metrics-addr or --metrics-token there is no /metrics
	// (TestMetricsWhereTheOperatorSays).
	if code, _ := getWith(t, m.URL+"/metrics", ""); code != http.StatusNotFound {
		t.Errorf("/metrics without a token or an address of its own: %d, want 404", code)
	}
	for path, want := range map[string]os.FileMode{dir: 0o700, filepath.Join(dir, "hearth.db"): 0o600, filepath.Join(dir, "invite.key"): 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != want {
			t.Errorf("%s: mode %o, want %o", path, got, want)
		}
	}
	// The page is served from the embedded files.
	resp, err = http.Get(m.URL + "/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(body, []byte("<html")) {
		t.Errorf("/ does not serve the console page")
	}
}

func TestFacilitatorAdd(t *testing.T) {
	dir := t.TempDir()
	add := func(email string, stdin string) (string, error) {
		var out, errOut bytes.Buffer
		err := run(context.Background(), []string{"facilitator", "add", "--email", email, "--name", "Ana", "--data", dir}, strings.NewReader(stdin), &out, &errOut)
		return out.String() + errOut.String(), err
	}
	if out, err := add("ana@example.org", "a long passphrase\n"); err != nil {
		t.Fatalf("add: %v: %s", err, out)
	}
	if _, err := add("ana@example.org", "a long passphrase\n"); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("adding the same email again: %v, want it refused", err)
	}
	if _, err := add("ben@example.org", "short\n"); err == nil {
		t.Error("a 5-character password was accepted")
	}
	if _, err := add("ben@example.org", ""); err == nil || !strings.Contains(err.Error(), "password") {
		t.Errorf("no password: %v, want an error about the password", err)
	}

	// With an account there is no setup link, and the account can log in.
	m := startMain(t, dir)
	if m.SetupToken != "" {
		t.Error("setup token offered although an account exists")
	}
	resp, err := http.Post(m.URL+"/api/login", "application/json", strings.NewReader(`{"email":"ana@example.org","password":"a long passphrase"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("login: %d, want 200", resp.StatusCode)
	}

	// While the server holds the database, the command says so at once.
	start := time.Now()
	_, err = add("ben@example.org", "a long passphrase\n")
	if err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("add while serving: %v, want an 'in use' error", err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("add while serving took %v; it should give up within seconds", took)
	}
}

// TestSIGTERMStopsCleanly runs the real binary, as an operator would, and
// stops it with SIGTERM: it must exit 0 within 10 seconds.
func TestSIGTERMStopsCleanly(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "hearth")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--data", filepath.Join(t.TempDir(), "data"))
	stderr, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cmd.Process.Kill() })

	// The log says where it listens and gives the setup link.
	addrRe := regexp.MustCompile(`"addr":"([^"]+)"`)
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	var addr string
	var sawSetup bool
	deadline := time.After(20 * time.Second)
	for addr == "" || !sawSetup {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatal("the server's log ended before it was serving")
			}
			if m := addrRe.FindStringSubmatch(line); m != nil && strings.Contains(line, "serving") {
				addr = m[1]
			}
			if strings.Contains(line, "/setup/") {
				sawSetup = true
			}
		case <-deadline:
			t.Fatalf("log did not give the address (%q) and setup link (%v) within 20s", addr, sawSetup)
		}
	}
	go func() {
		for range lines {
		}
	}()
	resp, err := http.Get("http://" + addr + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("exit after SIGTERM: %v, want 0", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("still running 10 s after SIGTERM")
	}
}

// TestCrisisFile starts the server with and without --crisis-file: the file's
// text (trimmed) is what participants are shown, the default without one,
// and a file that is missing stops the server from starting.
func TestCrisisFile(t *testing.T) {
	dir := t.TempDir()
	if m := startMain(t, filepath.Join(dir, "default")); m.Web.CrisisText != web.DefaultCrisisText {
		t.Errorf("without a file: %q, want the default", m.Web.CrisisText)
	}

	file := filepath.Join(dir, "crisis.txt")
	if err := os.WriteFile(file, []byte("\r\nIn Ireland: call 112.\r\nSamaritans: 116 123.\r\n\r\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	m := &Main{Addr: "127.0.0.1:0", DataDir: filepath.Join(dir, "own"), CrisisFile: file, Log: zerolog.Nop()}
	if err := m.Open(context.Background()); err != nil {
		t.Fatalf("open with a crisis file: %v", err)
	}
	defer m.Close()
	if want := "In Ireland: call 112.\nSamaritans: 116 123."; m.Web.CrisisText != want {
		t.Errorf("with a file: %q, want %q", m.Web.CrisisText, want)
	}

	var out bytes.Buffer
	err := run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--data", filepath.Join(dir, "missing"),
		"--crisis-file", filepath.Join(dir, "no-such-file.txt")}, strings.NewReader(""), &out, &out)
	if err == nil || !strings.Contains(err.Error(), "--crisis-file") {
		t.Errorf("a missing crisis file: %v, want an error naming --crisis-file", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "missing")); !os.IsNotExist(err) {
		t.Errorf("a server refused for its crisis file made its data folder (%v)", err)
	}
}

// getWith GETs url with the Authorization header auth (none when "").
func getWith(tb testing.TB, url, auth string) (int, string) {
	tb.Helper()
	req, err := http.NewRequest("GET", url, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(body)
}

// TestMetricsWhereTheOperatorSays starts the server with an address of its
// own for /metrics, with a token, and with both: /metrics answers where and
// to whom it should, and never on the public listener but behind a token.
func TestMetricsWhereTheOperatorSays(t *testing.T) {
	const token = "a metrics token of some length"
	start := func(addr, tok string) *Main {
		t.Helper()
		m := &Main{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Log: zerolog.Nop(), MetricsAddr: addr, MetricsToken: tok}
		if err := m.Open(context.Background()); err != nil {
			t.Fatalf("open: %v", err)
		}
		t.Cleanup(func() { m.Close() })
		return m
	}
	metrics := func(code int, body string) bool {
		return code == http.StatusOK && strings.Contains(body, "hearth_live_rooms 0")
	}

	own := start("127.0.0.1:0", "")
	if own.MetricsURL == "" {
		t.Fatal("no MetricsURL with --metrics-addr")
	}
	if code, body := getWith(t, own.MetricsURL, ""); !metrics(code, body) {
		t.Errorf("own address: %d, want the metrics", code)
	}
	if code, _ := getWith(t, own.URL+"/metrics", ""); code != http.StatusNotFound {
		t.Errorf("public listener beside an address of its own: %d, want 404", code)
	}
	if code, _ := getWith(t, strings.TrimSuffix(own.MetricsURL, "/metrics")+"/healthz", ""); code != http.StatusNotFound {
		t.Errorf("the metrics address serves more than /metrics: %d", code)
	}

	both := start("127.0.0.1:0", token)
	if code, _ := getWith(t, both.MetricsURL, ""); code != http.StatusUnauthorized {
		t.Errorf("own address with a token, asked without: %d, want 401", code)
	}
	if code, body := getWith(t, both.MetricsURL, "Bearer "+token); !metrics(code, body) {
		t.Errorf("own address with the token: %d, want the metrics", code)
	}
	if code, _ := getWith(t, both.URL+"/metrics", "Bearer "+token); code != http.StatusNotFound {
		t.Errorf("public listener beside an address of its own, with the token: %d, want 404", code)
	}

	public := start("", token)
	if code, _ := getWith(t, public.URL+"/metrics", ""); code != http.StatusUnauthorized {
		t.Errorf("public listener, no token sent: %d, want 401", code)
	}
	if code, _ := getWith(t, public.URL+"/metrics", "Bearer wrong"); code != http.StatusUnauthorized {
		t.Errorf("public listener, a wrong token: %d, want 401", code)
	}
	if code, body := getWith(t, public.URL+"/metrics", "Bearer "+token); !metrics(code, body) {
		t.Errorf("public listener with the token: %d, want the metrics", code)
	}

	short := &Main{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Log: zerolog.Nop(), MetricsToken: "guessable"}
	if err := short.Open(context.Background()); err == nil || !strings.Contains(err.Error(), "--metrics-token") {
		if err == nil {
			short.Close()
		}
		t.Errorf("a 9-character token: %v, want it refused", err)
	}
	// A busy metrics port stops the start, with the port named.
	busy := &Main{Addr: "127.0.0.1:0", DataDir: t.TempDir(), Log: zerolog.Nop(), MetricsAddr: strings.TrimPrefix(strings.TrimSuffix(own.MetricsURL, "/metrics"), "http://")}
	if err := busy.Open(context.Background()); err == nil || !strings.Contains(err.Error(), "--metrics-addr") {
		if err == nil {
			busy.Close()
		}
		t.Errorf("a busy metrics address: %v, want an error naming --metrics-addr", err)
	}
}

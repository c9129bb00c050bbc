package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hearthCmd runs the hearth command with args and stdin, as an operator
// would at a shell.
func hearthCmd(args []string, stdin string) (string, error) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), args, strings.NewReader(stdin), &out, &errOut)
	return out.String() + errOut.String(), err
}

// stopMain stops a server started by startMain, as an operator stops it
// before an account command.
func stopMain(tb testing.TB, m *Main) {
	tb.Helper()
	if err := m.Close(); err != nil {
		tb.Fatalf("close: %v", err)
	}
	m.DB = nil
}

// loginTo logs in over HTTP and returns the status and the login cookie.
func loginTo(tb testing.TB, m *Main, email, password string) (int, string, string) {
	tb.Helper()
	body := `{"email":"` + email + `","password":"` + password + `"}`
	resp, err := http.Post(m.URL+"/api/login", "application/json", strings.NewReader(body))
	if err != nil {
		tb.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	cookie := ""
	for _, c := range resp.Cookies() {
		if c.Name == "hearth_session" {
			cookie = c.Name + "=" + c.Value
		}
	}
	return resp.StatusCode, cookie, string(data)
}

// meStatus asks GET /api/me with a login cookie.
func meStatus(tb testing.TB, m *Main, cookie string) int {
	tb.Helper()
	req, _ := http.NewRequest("GET", m.URL+"/api/me", nil)
	req.Header.Set("Cookie", cookie)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		tb.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func writePasswordFile(tb testing.TB, password string) string {
	tb.Helper()
	path := filepath.Join(tb.TempDir(), "password")
	if err := os.WriteFile(path, []byte(password+"\n"), 0o600); err != nil {
		tb.Fatal(err)
	}
	return path
}

func TestFacilitatorResetPasswordDisableEnable(t *testing.T) {
	dir := t.TempDir()
	if out, err := hearthCmd([]string{"facilitator", "add", "--email", "ana@example.org", "--name", "Ana", "--data", dir,
		"--password-file", writePasswordFile(t, "a long passphrase")}, ""); err != nil {
		t.Fatalf("add: %v: %s", err, out)
	}
	m := startMain(t, dir)
	status, cookie, body := loginTo(t, m, "ana@example.org", "a long passphrase")
	if status != 200 || cookie == "" {
		t.Fatalf("login: %d %s", status, body)
	}
	// While the server holds the database, the command says so.
	if _, err := hearthCmd([]string{"facilitator", "disable", "ana@example.org", "--data", dir}, ""); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("disable while serving: %v, want an 'in use' error", err)
	}
	stopMain(t, m)

	for _, tc := range []struct {
		name  string
		args  []string
		stdin string
		want  string
	}{
		{"an unknown email", []string{"reset-password", "nobody@example.org"}, "another long passphrase\n", "No facilitator account"},
		{"a common password", []string{"reset-password", "ana@example.org"}, "iloveyou1234\n", "too common"},
		{"a password given as an argument", []string{"reset-password", "ana@example.org", "another long passphrase"}, "", "no password"},
		{"no email", []string{"disable"}, "", "email"},
		{"no database there", []string{"disable", "ana@example.org", "--data", filepath.Join(dir, "nowhere")}, "", "no Hearth database"},
		{"an unknown subcommand", []string{"remove", "ana@example.org"}, "", "unknown command"},
	} {
		args := append([]string{"facilitator"}, tc.args...)
		if !strings.Contains(strings.Join(tc.args, " "), "--data") {
			args = append(args, "--data", dir)
		}
		if out, err := hearthCmd(args, tc.stdin); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v (%s), want an error with %q", tc.name, err, out, tc.want)
		}
	}

	// The flags may come before the email too.
	out, err := hearthCmd([]string{"facilitator", "reset-password", "--data", dir, "--password-file", writePasswordFile(t, "another long passphrase"), "ana@example.org"}, "")
	if err != nil || !strings.Contains(out, "every login of the account has ended") {
		t.Fatalf("reset-password: %v: %s", err, out)
	}
	m = startMain(t, dir)
	if got := meStatus(t, m, cookie); got != 401 {
		t.Errorf("the login from before the reset: %d, want 401", got)
	}
	if status, _, _ := loginTo(t, m, "ana@example.org", "a long passphrase"); status != 401 {
		t.Errorf("the old password: %d, want 401", status)
	}
	status, cookie, _ = loginTo(t, m, "ana@example.org", "another long passphrase")
	if status != 200 {
		t.Fatalf("the new password: %d, want 200", status)
	}
	stopMain(t, m)

	if out, err := hearthCmd([]string{"facilitator", "disable", "ana@example.org", "--data", dir}, ""); err != nil || !strings.Contains(out, "cannot log in") {
		t.Fatalf("disable: %v: %s", err, out)
	}
	m = startMain(t, dir)
	if got := meStatus(t, m, cookie); got != 401 {
		t.Errorf("a login of the disabled account: %d, want 401", got)
	}
	if status, _, body := loginTo(t, m, "ana@example.org", "another long passphrase"); status != 401 || !strings.Contains(body, "disabled") {
		t.Errorf("logging in to the disabled account: %d %s, want 401 saying it is disabled", status, body)
	}
	stopMain(t, m)

	if out, err := hearthCmd([]string{"facilitator", "enable", "ana@example.org", "--data", dir}, ""); err != nil {
		t.Fatalf("enable: %v: %s", err, out)
	}
	m = startMain(t, dir)
	if status, _, body := loginTo(t, m, "ana@example.org", "another long passphrase"); status != 200 {
		t.Errorf("logging in once enabled: %d %s, want 200", status, body)
	}
}

func TestServeLoginIdleFlag(t *testing.T) {
	var errOut bytes.Buffer
	err := serveCommand(context.Background(), []string{"--login-idle", "soon", "--data", t.TempDir()}, &errOut)
	if err == nil || !strings.Contains(err.Error(), "--login-idle") {
		t.Errorf("--login-idle soon: %v, want it refused", err)
	}
}

package main

import (
	"encoding/json"
	"strings"
	"testing"

	"hearth/facilitator"
)

// TestAuditCommand: the operator's command prints the whole log, as lines
// or JSON Lines, from a time on, and says the database is in use while the
// server runs.
func TestAuditCommand(t *testing.T) {
	dir := t.TempDir()
	const password = "a long passphrase"
	if out, err := hearthCmd([]string{"facilitator", "add", "--email", "ana@example.org", "--name", "Ana", "--data", dir,
		"--password-file", writePasswordFile(t, password)}, ""); err != nil {
		t.Fatalf("add: %v: %s", err, out)
	}
	if out, err := hearthCmd([]string{"audit", "--data", dir}, ""); err != nil || !strings.Contains(out, "no entries yet") {
		t.Errorf("an empty audit: %v: %q, want it said", err, out)
	}
	m := startMain(t, dir)
	if status, _, body := loginTo(t, m, "ana@example.org", "not the passphrase"); status != 401 {
		t.Fatalf("wrong password: %d %s", status, body)
	}
	if status, _, body := loginTo(t, m, "ana@example.org", password); status != 200 {
		t.Fatalf("login: %d %s", status, body)
	}
	if _, err := hearthCmd([]string{"audit", "--data", dir}, ""); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("audit while serving: %v, want an 'in use' error", err)
	}
	stopMain(t, m)

	out, err := hearthCmd([]string{"audit", "--data", dir}, "")
	if err != nil {
		t.Fatalf("audit: %v: %s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 ||
		!strings.Contains(lines[0], "  ana@example.org  login.failed  ") || !strings.Contains(lines[0], "from=127.0.0.1") ||
		!strings.Contains(lines[1], "  ana@example.org (") || !strings.Contains(lines[1], ")  login  ") {
		t.Errorf("audit printed:\n%s\nwant a failed login, then a login, from 127.0.0.1", out)
	}
	if strings.Contains(out, "not the passphrase") {
		t.Errorf("the audit printed the password tried:\n%s", out)
	}

	out, err = hearthCmd([]string{"audit", "--data", dir, "--json"}, "")
	if err != nil {
		t.Fatalf("audit --json: %v: %s", err, out)
	}
	var got []facilitator.AuditEntry
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var e facilitator.AuditEntry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("audit --json line %q: %v", line, err)
		}
		got = append(got, e)
	}
	if len(got) != 2 || got[0].Action != facilitator.AuditLoginFailed || got[1].Action != facilitator.AuditLogin || got[1].ActorID == "" {
		t.Errorf("audit --json: %+v", got)
	}

	since := got[1].At.Format("2006-01-02T15:04:05.999999999Z07:00")
	out, err = hearthCmd([]string{"audit", "--data", dir, "--json", "--since", since}, "")
	if err != nil || strings.Count(out, "\n") != 1 || !strings.Contains(out, `"action":"login"`) {
		t.Errorf("audit --since %s: %v: %q, want only the login", since, err, out)
	}
	if out, err := hearthCmd([]string{"audit", "--data", dir, "--since", "2999-01-01T00:00:00Z"}, ""); err != nil || !strings.Contains(out, "no entries since") {
		t.Errorf("audit --since the future: %v: %q", err, out)
	}
	if _, err := hearthCmd([]string{"audit", "--data", dir, "--since", "yesterday"}, ""); err == nil || !strings.Contains(err.Error(), "RFC 3339") {
		t.Errorf("audit --since yesterday: %v, want an RFC 3339 error", err)
	}
	// The operator's own acts on an account are in the log too.
	for _, args := range [][]string{
		{"facilitator", "reset-password", "--data", dir, "--password-file", writePasswordFile(t, "another long passphrase"), "ana@example.org"},
		{"facilitator", "disable", "--data", dir, "ana@example.org"},
		{"facilitator", "enable", "--data", dir, "ana@example.org"},
	} {
		if out, err := hearthCmd(args, ""); err != nil {
			t.Fatalf("%v: %v: %s", args, err, out)
		}
	}
	out, err = hearthCmd([]string{"audit", "--data", dir, "--json", "--since", since}, "")
	if err != nil {
		t.Fatalf("audit: %v", err)
	}
	var acts []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var e facilitator.AuditEntry
		if err := json.Unmarshal([]byte(line), &e); err != nil {
			t.Fatalf("audit --json line %q: %v", line, err)
		}
		if e.Actor == facilitator.AuditOperator && e.Target == got[1].ActorID {
			acts = append(acts, e.Action)
		}
	}
	if want := []string{facilitator.AuditPasswordReset, facilitator.AuditAccountDisabled, facilitator.AuditAccountEnabled}; strings.Join(acts, ",") != strings.Join(want, ",") {
		t.Errorf("the operator's acts in the audit: %v, want %v", acts, want)
	}
}

package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"hearth/facilitator"
	"hearth/facilitator/session"
	"hearth/room"
	"hearth/storage"
	"hearth/web"
)

// testMetricsToken opens the test server's /metrics.
const testMetricsToken = "load-test-metrics-token"

// startHearth runs a real Hearth (bbolt in a temp folder, real rooms, real
// WebSockets) with one facilitator account, and returns its URL.
func startHearth(tb testing.TB) string {
	tb.Helper()
	db, err := storage.Open(filepath.Join(tb.TempDir(), "hearth.db"), time.Second)
	if err != nil {
		tb.Fatal(err)
	}
	fac := &facilitator.Service{Store: db, InviteKey: bytes.Repeat([]byte{7}, 32)}
	if _, err := fac.CreateAccount(context.Background(), "load@example.org", "Load", "a long passphrase"); err != nil {
		tb.Fatal(err)
	}
	rooms := room.NewManager(room.Config{Store: db})
	w := web.New(web.Config{Facilitators: fac, Sessions: session.New(fac, rooms), Rooms: rooms, Log: zerolog.Nop(), MetricsToken: testMetricsToken})
	w.SetReady(true)
	srv := httptest.NewServer(w)
	tb.Cleanup(func() {
		rooms.Stop()
		srv.CloseClientConnections()
		srv.Close()
		db.Close()
	})
	return srv.URL
}

// A short run against the real server, with members dropping and
// reconnecting every few hundred milliseconds: every action is acked once,
// nothing is lost, nothing leaks, and latency is measured.
func TestLoadRunAgainstHearth(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Hearth server")
	}
	cfg := config{
		URL: startHearth(t), Email: "load@example.org", password: "a long passphrase", metricsToken: testMetricsToken,
		Rooms: 3, Members: 4, Duration: 2 * time.Second, Window: time.Second, Rate: 8, ReconnectEvery: 700 * time.Millisecond,
		connectRate: 500, Grace: 2 * time.Second, seedWorkers: 2,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep, err := loadRun(ctx, cfg, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	h := rep.Hearth
	if h.Connected != 15 || h.Members != 15 {
		t.Errorf("connected %d of %d, want 15 of 15", h.Connected, h.Members)
	}
	if h.Lost != 0 || h.AppliedTwice != 0 || h.Violations != 0 || rep.Failed {
		t.Errorf("lost %d, applied twice %d, violations %d, failed %v; want none", h.Lost, h.AppliedTwice, h.Violations, rep.Failed)
	}
	t.Logf("sent %d, skipped %d, drops %d, resent %d (new %d, duplicate %d), latency %+v",
		h.Sent, h.Skipped, h.DeliberateDrops, h.Resent, h.ResentAckedNew, h.ResentAckedDup, h.Latency)
	// A tick waits while its room's facilitator or sender is reconnecting
	// (and a busy machine answers slower), so how many of the
	// Rooms×Rate×Duration = 48 ticks send is not fixed; that they all get
	// their answer is.
	if h.Sent == 0 || h.Acked < h.Sent-int64(h.WaitingAtEnd) {
		t.Errorf("sent %d, acked %d (%d waiting at the end)", h.Sent, h.Acked, h.WaitingAtEnd)
	}
	if h.Latency.Count == 0 || h.Latency.P50 <= 0 || h.Latency.Max < h.Latency.P99 {
		t.Errorf("latency %+v", h.Latency)
	}
	if h.Join.Count < 15 {
		t.Errorf("%d joins measured, want at least 15", h.Join.Count)
	}
	if h.DeliberateDrops == 0 {
		t.Error("no member dropped: the reconnect path was not exercised")
	}
	for kind, n := range h.Errors {
		t.Errorf("error %q: %d", kind, n)
	}
	if h.EventBytesMean < 100 {
		t.Errorf("mean event size %v bytes: events not measured", h.EventBytesMean)
	}
	if h.Server.Connected.Connected < 15 {
		t.Errorf("server reported %v connected members, want 15", h.Server.Connected.Connected)
	}
}

// The integration mix runs intentions and sharing circles besides
// check-ins: intentions stay with their writer until the reveal, the circle
// goes round with reactions, and nothing is lost or applied twice.
func TestLoadRunIntegrationMix(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a Hearth server")
	}
	url := startHearth(t)
	cfg := config{
		URL: url, Email: "load@example.org", password: "a long passphrase", metricsToken: testMetricsToken,
		Rooms: 2, Members: 4, Duration: 4 * time.Second, Window: time.Second, Rate: 20, Mix: mixIntegration,
		connectRate: 500, Grace: 2 * time.Second, seedWorkers: 2,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rep, err := loadRun(ctx, cfg, t.Logf)
	if err != nil {
		t.Fatal(err)
	}
	h := rep.Hearth
	if h.Lost != 0 || h.AppliedTwice != 0 || h.Violations != 0 || rep.Failed {
		t.Errorf("lost %d, applied twice %d, violations %d, failed %v; want none", h.Lost, h.AppliedTwice, h.Violations, rep.Failed)
	}
	for kind, n := range h.Errors {
		t.Errorf("error %q: %d", kind, n)
	}
	t.Logf("acked by type: %v", h.AckedByType)
	for _, typ := range []string{"checkin.answer", "agenda.start", "intention.write", "intention.reveal", "circle.next", "circle.react", "circle.done"} {
		if h.AckedByType[typ] == 0 {
			t.Errorf("no %s was acknowledged", typ)
		}
	}
}

func TestLeakedIntentions(t *testing.T) {
	mine, other := intentMarker(3, 2, 7), intentMarker(3, 4, 9)
	cases := []struct {
		name        string
		msg         string
		participant bool
		want        int
	}{
		{"own intention", `{"mine":{"text":"` + mine + `"}}`, true, 0},
		{"another's before the reveal", `{"activity":{"revealed":false},"x":"` + other + `"}`, true, 1},
		{"another's after the reveal", `{"activity":{"revealed":true,"shown":[{"text":"` + other + `"}]}}`, true, 0},
		{"the facilitator sees all", `{"intentions":[{"text":"` + other + `"}]}`, false, 0},
		{"another room's", `{"activity":{"revealed":true,"shown":[{"text":"` + intentMarker(4, 2, 1) + `"}]}}`, true, 1},
		{"unreadable marker", `{"x":"` + intentPrefix + `zz"}`, false, 1},
	}
	for _, tc := range cases {
		if got := leakedIntentions([]byte(tc.msg), 3, 2, tc.participant); got != tc.want {
			t.Errorf("%s: got %d, want %d", tc.name, got, tc.want)
		}
	}
}

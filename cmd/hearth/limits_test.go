package main

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"hearth/web"
)

// TestServeLimitFlags checks that the flags of the limits are read, and
// that a wrong one stops the server before it starts.
func TestServeLimitFlags(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--trusted-proxy", "10.0.0.0/8,not-an-address"}, "--trusted-proxy"},
		{[]string{"--trusted-proxy", "::ffff:10.0.0.0/104"}, "--trusted-proxy"},
		{[]string{"--max-connections", "0"}, "--max-connections"},
	} {
		var out bytes.Buffer
		args := append([]string{"serve", "--addr", "127.0.0.1:0", "--data", filepath.Join(dir, "data")}, tc.args...)
		err := run(context.Background(), args, strings.NewReader(""), &out, &out)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("serve %v: %v, want an error naming %s", tc.args, err, tc.want)
		}
	}
	got, err := web.ParseTrustedProxies(" 10.0.0.0/8, 192.0.2.7 ,2001:db8::/32,::1")
	if err != nil {
		t.Fatal(err)
	}
	want := []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.0.2.7/32"),
		netip.MustParsePrefix("2001:db8::/32"), netip.MustParsePrefix("::1/128"),
	}
	if len(got) != len(want) {
		t.Fatalf("parsed %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("prefix %d: %v, want %v", i, got[i], want[i])
		}
	}
}

// TestMainLimitsConnections runs the real server with its defaults but a
// cap of two connections, behind a trusted proxy.
func TestMainLimitsConnections(t *testing.T) {
	m := &Main{Addr: "127.0.0.1:0", DataDir: filepath.Join(t.TempDir(), "data"), MaxConnections: 2,
		TrustedProxies: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")},
		Log:            zerolog.New(zerolog.NewTestWriter(t)).Level(zerolog.WarnLevel)}
	if err := m.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	d := web.DefaultHTTPTimeouts
	if h := m.http; h.ReadHeaderTimeout != d.ReadHeader || h.ReadTimeout != d.Read || h.WriteTimeout != d.Write || h.IdleTimeout != d.Idle {
		t.Errorf("server timeouts %v %v %v %v, want %+v", h.ReadHeaderTimeout, h.ReadTimeout, h.WriteTimeout, h.IdleTimeout, d)
	}
	if len(m.Web.TrustedProxies) != 1 {
		t.Errorf("trusted proxies %v, want the one given", m.Web.TrustedProxies)
	}
	get := func() (int, error) {
		c, err := net.Dial("tcp", strings.TrimPrefix(m.URL, "http://"))
		if err != nil {
			return 0, err
		}
		t.Cleanup(func() { c.Close() })
		c.SetDeadline(time.Now().Add(5 * time.Second))
		io.WriteString(c, "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			return 0, err
		}
		return resp.StatusCode, nil
	}
	for i, want := range []int{200, 200, 503} {
		if got, err := get(); err != nil || got != want {
			t.Errorf("connection %d: %d %v, want %d", i+1, got, err, want)
		}
	}
}

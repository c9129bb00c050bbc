package web_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/rs/zerolog"

	"hearth/facilitator"
	"hearth/room"
	"hearth/web"
)

// TestMetricsNeedTheirToken: /metrics tells when groups meet, so a server
// given a token answers it only with that token, compared whole, and a
// server given none has no /metrics at all.
func TestMetricsNeedTheirToken(t *testing.T) {
	e := newEnv(t)
	for _, c := range []struct {
		name, auth string
		want       int
	}{
		{"no token", "", http.StatusUnauthorized},
		{"a wrong token", "Bearer not-the-metrics-token", http.StatusUnauthorized},
		{"the token cut short", "Bearer " + testMetricsToken[:len(testMetricsToken)-1], http.StatusUnauthorized},
		{"the token with more after it", "Bearer " + testMetricsToken + "x", http.StatusUnauthorized},
		{"the token as a password", "Basic " + testMetricsToken, http.StatusUnauthorized},
		{"the token", "Bearer " + testMetricsToken, http.StatusOK},
	} {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest("GET", e.url()+"/metrics", nil)
			if c.auth != "" {
				req.Header.Set("Authorization", c.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != c.want {
				t.Errorf("status %d, want %d", resp.StatusCode, c.want)
			}
			if has := strings.Contains(string(body), "hearth_live_rooms"); has != (c.want == http.StatusOK) {
				t.Errorf("metrics in the answer: %v, want %v", has, c.want == http.StatusOK)
			}
		})
	}

	bare := web.New(web.Config{Facilitators: &facilitator.Service{}, Rooms: room.NewManager(room.Config{}), Log: zerolog.Nop()})
	rec := httptest.NewRecorder()
	bare.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	if rec.Code != http.StatusNotFound || strings.Contains(rec.Body.String(), "hearth_") {
		t.Errorf("without a token: %d %q, want 404 and no metrics", rec.Code, rec.Body.String())
	}
}

package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"hearth/web"
)

// TestOneExportAtATime: while an export of an account is being made, a
// second one from the same account is refused at once with 429 too_many
// and Retry-After; another account exports meanwhile, and once the first
// is done the next goes through.
func TestOneExportAtATime(t *testing.T) {
	e := newEnv(t)
	ana := e.newFacilitator("ana@example.org", "Ana")
	g := ana.newGroup(2, true)
	robin := e.newFacilitator("robin@example.org", "Robin")
	rg := robin.newGroup(1, true)

	held, release := make(chan struct{}), make(chan struct{})
	e.mu.Lock()
	srv := e.web
	e.mu.Unlock()
	var later atomic.Bool
	web.SetExportStarted(srv, func() {
		if later.CompareAndSwap(false, true) { // only the first export waits
			held <- struct{}{}
			<-release
		}
	})
	get := func(b *browser, path string) (*http.Response, []byte) {
		req, _ := http.NewRequest("GET", e.url()+path, nil)
		resp, err := (&http.Client{Jar: b.hc.Jar}).Do(req)
		if err != nil {
			t.Error(err)
			return nil, nil
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp, body
	}
	done := make(chan int)
	go func() {
		resp, _ := get(ana, "/api/cohorts/"+g.cohort+"/export.json")
		if resp == nil {
			done <- 0
			return
		}
		done <- resp.StatusCode
	}()
	<-held // ana's first export holds its slot

	for _, path := range []string{"export.json", "export.md"} {
		start := time.Now()
		resp, body := get(ana, "/api/cohorts/"+g.cohort+"/"+path)
		var refused struct{ Error struct{ Code string } }
		json.Unmarshal(body, &refused)
		if resp.StatusCode != http.StatusTooManyRequests || refused.Error.Code != "too_many" || resp.Header.Get("Retry-After") != "5" {
			t.Errorf("a second %s while one is made: %d %s, Retry-After %q; want 429 too_many, Retry-After 5",
				path, resp.StatusCode, body, resp.Header.Get("Retry-After"))
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("the refusal took %s", d)
		}
	}
	// The overview is not an export, and another account is not held up.
	if resp, body := get(ana, "/api/cohorts/"+g.cohort+"/overview"); resp.StatusCode != http.StatusOK {
		t.Errorf("the overview while an export is made: %d %s", resp.StatusCode, body)
	}
	if resp, body := get(robin, "/api/cohorts/"+rg.cohort+"/export.md"); resp.StatusCode != http.StatusOK {
		t.Errorf("another account's export: %d %s", resp.StatusCode, body)
	}

	close(release)
	if status := <-done; status != http.StatusOK {
		t.Errorf("the held export: %d, want 200", status)
	}
	if resp, body := get(ana, "/api/cohorts/"+g.cohort+"/export.md"); resp.StatusCode != http.StatusOK {
		t.Errorf("an export after the first is done: %d %s", resp.StatusCode, body)
	}
}

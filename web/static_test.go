package web_test

import (
	"io"
	"net/http"
	"path"
	"regexp"
	"strings"
	"testing"
)

var (
	pageModule   = regexp.MustCompile(`<script type="module" src="(/static/[^"]+)"></script>`)
	staticImport = regexp.MustCompile(`(?m)^import\s[^;]*?from\s+'(\./[^']+|\.\./[^']+)';`)
)

// TestStaticModules walks the browser's module graph from each page, as a
// browser would: every module it imports (the activity modules under
// static/activities/ among them) must be embedded and served as JavaScript,
// since a module script with any other type is refused under nosniff.
func TestStaticModules(t *testing.T) {
	e := newEnv(t)
	get := func(p string) (string, http.Header) {
		t.Helper()
		res, err := http.Get(e.url() + p)
		if err != nil {
			t.Fatalf("GET %s: %v", p, err)
		}
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatalf("GET %s: %v", p, err)
		}
		if res.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: status %d, want 200", p, res.StatusCode)
		}
		return string(body), res.Header
	}

	var queue []string
	for _, page := range []string{"/", "/j/some-token"} {
		html, _ := get(page)
		m := pageModule.FindStringSubmatch(html)
		if m == nil {
			t.Fatalf("page %s loads no module script", page)
		}
		queue = append(queue, m[1])
	}
	seen := map[string]bool{}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		if seen[p] {
			continue
		}
		seen[p] = true
		src, h := get(p)
		if ct := h.Get("Content-Type"); !strings.HasPrefix(ct, "text/javascript") {
			t.Errorf("%s: Content-Type %q, want text/javascript", p, ct)
		}
		if h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q, want nosniff", p, h.Get("X-Content-Type-Options"))
		}
		for _, m := range staticImport.FindAllStringSubmatch(src, -1) {
			queue = append(queue, path.Join(path.Dir(p), m[1]))
		}
	}
	for _, want := range []string{
		"/static/activities/index.js", "/static/activities/checkin.js", "/static/activities/grounding.js",
		"/static/activities/intentions.js", "/static/activities/circle.js", "/static/activities/checkout.js",
		"/static/outbox-form.js",
	} {
		if !seen[want] {
			t.Errorf("%s is not reached from the pages' modules (reached: %d modules)", want, len(seen))
		}
	}
}

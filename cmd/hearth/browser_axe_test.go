package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// axeSource finds axe-core's browser build: $HEARTH_AXE, or the copy .ci/run
// installs. Without one the accessibility checks skip, unless
// HEARTH_REQUIRE_BROWSER is set (as in CI), where they fail.
func axeSource(t *testing.T) string {
	t.Helper()
	paths := []string{os.Getenv("HEARTH_AXE"), "/opt/hearth-axe/node_modules/axe-core/axe.min.js"}
	for _, p := range paths {
		if p == "" {
			continue
		}
		if b, err := os.ReadFile(filepath.Clean(p)); err == nil {
			return string(b)
		}
	}
	if os.Getenv("HEARTH_REQUIRE_BROWSER") != "" {
		t.Fatal("HEARTH_REQUIRE_BROWSER is set but axe-core is not installed (see .ci/run)")
	}
	t.Skip("axe-core is not installed; set HEARTH_AXE to its axe.min.js")
	return ""
}

type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any `json:"target"`
	} `json:"nodes"`
}

// checkAxe runs axe-core in p's page as it is now and fails the test for
// every serious or critical violation. The source is evaluated in the page:
// Hearth's CSP rightly refuses it as a script tag.
func (p *person) checkAxe(screen string) {
	p.t.Helper()
	src := axeSource(p.t)
	ctx, cancel := context.WithTimeout(p.ctx, 60*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Evaluate[bool](src+";true")); err != nil {
		p.t.Fatalf("%s: load axe-core on %s: %v", p.name, screen, err)
	}
	js := `axe.run(document, {resultTypes: ['violations']}).then(r => JSON.stringify(r.violations))`
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
	if err != nil {
		p.t.Fatalf("%s: run axe-core on %s: %v", p.name, screen, err)
	}
	var vs []axeViolation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		p.t.Fatalf("%s: read axe-core's answer on %s: %v", p.name, screen, err)
	}
	for _, v := range vs {
		if v.Impact != "serious" && v.Impact != "critical" {
			continue
		}
		var where []string
		for _, n := range v.Nodes {
			b, _ := json.Marshal(n.Target)
			where = append(where, string(b))
		}
		p.t.Errorf("%s: %s: axe %s (%s): %s at %s", p.name, screen, v.ID, v.Impact, v.Help, strings.Join(where, ", "))
	}
}

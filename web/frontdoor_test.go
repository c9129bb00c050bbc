package web_test

import (
	"testing"

	"hearth/web"
)

// TestMeSaysWhereLinksPoint reads /api/me: publicUrl is where invite links
// point (the configured address, or the one the request came to), and
// loopback says when that is an address no phone can open.
func TestMeSaysWhereLinksPoint(t *testing.T) {
	type me struct {
		Email     string `json:"email"`
		PublicURL string `json:"publicUrl"`
		Loopback  bool   `json:"loopback"`
	}

	t.Run("as the request came, on 127.0.0.1", func(t *testing.T) {
		e := newEnv(t)
		var got me
		e.newFacilitator("ana@example.org", "Ana").must(200, "GET", "/api/me", nil, &got)
		if got.Email != "ana@example.org" || got.PublicURL != e.url() || !got.Loopback {
			t.Errorf("me: %+v, want Ana with publicUrl %s and loopback", got, e.url())
		}
	})

	for _, tc := range []struct {
		url      string
		loopback bool
	}{
		{"http://127.0.0.1:8080", true},
		{"http://127.8.9.10:8080", true},
		{"http://[::1]:8080", true},
		{"http://localhost:8080", true},
		{"http://LocalHost.:8080", true},
		{"http://hearth.localhost", true},
		{"http://192.168.1.20:8080", false},
		{"http://[fe80::1]:8080", false},
		{"https://hearth.example.org", false},
		{"http://localhost.example.org", false},
		{"http://0.0.0.0:8080", false},
	} {
		t.Run(tc.url, func(t *testing.T) {
			e, _ := newTunedEnv(t, 0, func(w *web.Server) { w.PublicURL = tc.url })
			var got me
			e.newFacilitator("ana@example.org", "Ana").must(200, "GET", "/api/me", nil, &got)
			if got.PublicURL != tc.url || got.Loopback != tc.loopback {
				t.Errorf("me: publicUrl %q loopback %v, want %q %v", got.PublicURL, got.Loopback, tc.url, tc.loopback)
			}
		})
	}
}

// TestSetupLinkIsCheckedOnArrival asks GET /api/setup with the setup link's
// token: a good one is welcome, a wrong one is unauthorized (and guessing it
// is slowed), a used one is a conflict that says to log in; without a token
// it answers as before.
func TestSetupLinkIsCheckedOnArrival(t *testing.T) {
	e := newEnv(t)
	b := e.browser()
	var ok struct {
		Needed bool `json:"needed"`
	}
	b.must(200, "GET", "/api/setup?token="+testSetupToken, nil, &ok)
	if !ok.Needed {
		t.Errorf("the setup link before setup: needed %v, want true", ok.Needed)
	}
	var ae apiError
	if code := b.do("GET", "/api/setup?token=wrong", nil, &ae); code != 401 || ae.Error.Code != "unauthorized" || ae.Error.Message == "" {
		t.Errorf("a wrong setup link: %d %+v, want 401 unauthorized with a message", code, ae.Error)
	}

	b.must(201, "POST", "/api/setup", map[string]string{"token": testSetupToken, "email": "ana@example.org", "name": "Ana", "password": "a long passphrase"}, nil)
	for _, token := range []string{testSetupToken, "wrong", ""} {
		if code := e.browser().do("GET", "/api/setup?token="+token, nil, &ae); code != 409 || ae.Error.Code != "conflict" || ae.Error.Message == "" {
			t.Errorf("setup link %q once set up: %d %+v, want 409 conflict with a message", token, code, ae.Error)
		}
	}
	e.browser().must(200, "GET", "/api/setup", nil, &ok)
	if ok.Needed {
		t.Error("without a token once set up: needed, want not")
	}

	// Guessing the token is slowed down like any other secret.
	fresh := newEnv(t)
	guesser := fresh.browser()
	var last int
	for range 12 {
		last = guesser.do("GET", "/api/setup?token=guess", nil, nil)
	}
	if last != 429 {
		t.Errorf("12th wrong setup link: %d, want 429", last)
	}
	guesser.must(200, "GET", "/api/setup?token="+testSetupToken, nil, &ok)
}

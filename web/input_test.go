package web_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestJSONBodiesNeedTheirType sends JSON bodies as other types: each is
// refused with 415 and changes nothing; JSON in UTF-8 is taken.
func TestJSONBodiesNeedTheirType(t *testing.T) {
	e := newEnv(t)
	b := e.newFacilitator("ana@example.org", "Ana")
	g := b.newGroup(1, false)
	send := func(path, contentType, body string) (int, string) {
		req, _ := http.NewRequest("POST", e.url()+path, strings.NewReader(body))
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		for k, v := range b.cookieHeader() {
			req.Header[k] = v
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		var ae apiError
		json.Unmarshal(data, &ae)
		if resp.StatusCode == 415 && !strings.Contains(ae.Error.Message, "application/json") {
			t.Errorf("415 for %q: %q, want it to say what to send", contentType, ae.Error.Message)
		}
		return resp.StatusCode, ae.Error.Code
	}
	routes := []struct{ path, body string }{
		{"/api/cohorts", `{"name":"x"}`},
		{"/api/login", `{"email":"ana@example.org","password":"a long passphrase"}`},
		{"/api/p/" + g.tokens[0] + "/accept", `{"version":1}`},
	}
	for _, rt := range routes {
		for _, ct := range []string{"", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/json; charset=latin1", "application/jsonx"} {
			if status, code := send(rt.path, ct, rt.body); status != 415 || code != "unsupported_type" {
				t.Errorf("POST %s as %q: %d %q, want 415 unsupported_type", rt.path, ct, status, code)
			}
		}
	}
	var list struct{ Cohorts []any }
	b.must(200, "GET", "/api/cohorts", nil, &list)
	if len(list.Cohorts) != 1 {
		t.Errorf("%d cohorts after the refused bodies, want only the group's", len(list.Cohorts))
	}
	if status, _ := send("/api/cohorts", "Application/JSON; charset=UTF-8", `{"name":"x"}`); status != 201 {
		t.Errorf("POST as Application/JSON; charset=UTF-8: %d, want 201", status)
	}
}

// TestNamesLoseInvisibleCharacters checks, over HTTP, that a name written
// with a right-to-left override is stored and shown without it.
func TestNamesLoseInvisibleCharacters(t *testing.T) {
	e := newEnv(t)
	b := e.newFacilitator("ana@example.org", "Ana")
	b.must(201, "POST", "/api/cohorts", map[string]string{"name": "Tuesday\u202e circle"}, nil)
	var list struct {
		Cohorts []struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		}
	}
	b.must(200, "GET", "/api/cohorts", nil, &list)
	if len(list.Cohorts) != 1 || list.Cohorts[0].Name != "Tuesday circle" {
		t.Fatalf("cohorts %+v, want Tuesday circle", list.Cohorts)
	}
	var p struct{ Name string }
	b.must(201, "POST", "/api/cohorts/"+list.Cohorts[0].ID+"/participants", map[string]string{"name": "\u2066Sam\u2069\x00"}, &p)
	if p.Name != "Sam" {
		t.Errorf("participant %+q, want Sam", p.Name)
	}
}

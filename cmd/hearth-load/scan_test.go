package main

import (
	"encoding/json"
	"testing"
)

func TestScanHeader(t *testing.T) {
	tests := []struct {
		name string
		msg  string
		want header
	}{
		{"event", `{"type":"event","version":13,"serverTime":1764151201000,"member":{"id":"p-1","presence":"present"}}`,
			header{Type: "event", Version: 13, HasVersion: true}},
		{"ack", `{"type":"ack","id":"a-1-0-7","version":15}`,
			header{Type: "ack", ID: "a-1-0-7", Version: 15, HasVersion: true}},
		{"duplicate ack", `{"type":"ack","id":"a-1-0-7","version":15,"duplicate":true}`,
			header{Type: "ack", ID: "a-1-0-7", Version: 15, HasVersion: true, Duplicate: true}},
		{"error", `{"type":"error","id":"x","code":"closed","message":"The check-in is closed."}`,
			header{Type: "error", ID: "x", Code: "closed"}},
		{"bye", `{"type":"bye","reason":"revoked","message":"…"}`,
			header{Type: "bye", Reason: "revoked"}},
		{"nested fields of the same name are not top-level", `{"type":"snapshot","you":{"id":"p-9","type":"x","version":99},"room":{"activity":{"answers":[{"note":"{\"version\":5}"}]}},"version":12}`,
			header{Type: "snapshot", Version: 12, HasVersion: true}},
		{"escaped quotes and brackets inside strings", `{"note":"a \"}\" b ] [","type":"event","version":2}`,
			header{Type: "event", Version: 2, HasVersion: true}},
		{"white space", "{ \"type\" : \"event\" ,\n \"version\" : 3 }",
			header{Type: "event", Version: 3, HasVersion: true}},
		{"null activity", `{"type":"event","version":4,"serverTime":1,"activity":null}`,
			header{Type: "event", Version: 4, HasVersion: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := scanHeader([]byte(tt.msg))
			if err != nil {
				t.Fatalf("scanHeader: %v", err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestScanHeaderRefusesBrokenMessages(t *testing.T) {
	for _, msg := range []string{``, `[]`, `{"type":"event"`, `{"type":"ev`, `{"version":x1}`, `{"a" 1}`, `{"a":}`, `{"a":{"b":1}`} {
		if h, err := scanHeader([]byte(msg)); err == nil {
			t.Errorf("scanHeader(%q) = %+v, want an error", msg, h)
		}
	}
}

// The scanner must agree with encoding/json on what the server really sends.
func TestScanHeaderAgreesWithEncodingJSON(t *testing.T) {
	type msg struct {
		Type      string          `json:"type"`
		ID        string          `json:"id,omitempty"`
		Version   uint64          `json:"version"`
		Duplicate bool            `json:"duplicate,omitempty"`
		Code      string          `json:"code,omitempty"`
		Activity  json.RawMessage `json:"activity,omitempty"`
	}
	for _, m := range []msg{
		{Type: "event", Version: 1 << 40, Activity: json.RawMessage(`{"prompt":"a \"quoted\" {prompt}","answers":[{"note":"NOTE~r1~m2~s3~ x"}]}`)},
		{Type: "ack", ID: "a-0-0-1", Version: 7, Duplicate: true},
		{Type: "error", ID: "é-ü", Code: "invalid"},
	} {
		b, _ := json.Marshal(m)
		got, err := scanHeader(b)
		if err != nil {
			t.Fatalf("scanHeader(%s): %v", b, err)
		}
		if got.Type != m.Type || got.ID != m.ID || got.Version != m.Version || got.Duplicate != m.Duplicate || got.Code != m.Code {
			t.Errorf("scanHeader(%s) = %+v", b, got)
		}
	}
}

func TestFindNotes(t *testing.T) {
	msg := []byte(`{"answers":[{"note":"` + noteMarker(12, 3, 40) + ` tired"},{"note":"` + noteMarker(12, 7, 41) + `"}],"mine":{"answer":{"note":"NOTE~rX"}}}`)
	got := findNotes(msg, nil)
	want := []noteRef{{12, 3}, {12, 7}, {-1, -1}}
	if len(got) != len(want) {
		t.Fatalf("findNotes = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("findNotes[%d] = %v, want %v", i, got[i], want[i])
		}
	}
	if got := findNotes([]byte(`{"type":"event","version":3}`), nil); len(got) != 0 {
		t.Errorf("findNotes without notes = %v", got)
	}
}

func TestLeakedNotes(t *testing.T) {
	own, other, otherRoom := noteRef{5, 2}, noteRef{5, 3}, noteRef{6, 2}
	tests := []struct {
		name        string
		refs        []noteRef
		participant bool
		visibility  string
		want        int
	}{
		{"own note, facilitators only", []noteRef{own}, true, "facilitators", 0},
		{"another's note, shared with the group", []noteRef{own, other}, true, "group", 0},
		{"another's note, facilitators only", []noteRef{own, other}, true, "facilitators", 1},
		{"another's note, anonymous", []noteRef{other}, true, "anonymous", 1},
		{"another's note, visibility unknown", []noteRef{other}, true, "", 1},
		{"facilitator sees every note", []noteRef{own, other}, false, "facilitators", 0},
		{"another room's note, even to a facilitator", []noteRef{otherRoom}, false, "group", 1},
		{"unreadable marker", []noteRef{{-1, -1}}, false, "group", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := leakedNotes(tt.refs, 5, 2, tt.participant, tt.visibility); got != tt.want {
				t.Errorf("leakedNotes = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestVisibilityIn(t *testing.T) {
	if got := visibilityIn([]byte(`{"activity":{"kind":"checkin","visibility":"anonymous","open":true}}`)); got != "anonymous" {
		t.Errorf("visibilityIn = %q, want anonymous", got)
	}
	if got := visibilityIn([]byte(`{"activity":null}`)); got != "" {
		t.Errorf("visibilityIn without a check-in = %q, want empty", got)
	}
}

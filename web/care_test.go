package web_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

// careFields returns the fields of a message beyond type, version and
// serverTime (an event), or of its room (a snapshot), sorted.
func careFields(tb testing.TB, m msg) map[string]json.RawMessage {
	tb.Helper()
	var top map[string]json.RawMessage
	if err := json.Unmarshal(m.raw, &top); err != nil {
		tb.Fatal(err)
	}
	if m.Type == "snapshot" {
		var room map[string]json.RawMessage
		if err := json.Unmarshal(top["room"], &room); err != nil {
			tb.Fatal(err)
		}
		return room
	}
	delete(top, "type")
	delete(top, "version")
	delete(top, "serverTime")
	return top
}

func keysOf(m map[string]json.RawMessage) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// TestCareOverWebSockets runs care through the real server: a support
// signal, its answer, private messages both ways, a drop that flags, and a
// restart, on real WebSockets. Each reaches the facilitator and the
// participant it is about; the other participant gets an empty event for
// each, and never any of the words.
func TestCareOverWebSockets(t *testing.T) {
	e := newEnv(t)
	fb := e.newFacilitator("ana@example.org", "Ana")
	g := fb.newGroup(2, true)
	fb.open(g)
	fac := e.joinFacilitator(t, fb, g)
	sam := e.joinParticipant(t, g, 0)
	kim := e.joinParticipant(t, g, 1)
	// The arrivals, as the facilitator hears of them.
	for range 2 {
		fac.next("an arrival", isType("event"))
	}
	sam.next("Kim's arrival", isType("event"))
	firstSam, firstKim := sam, kim

	// heard waits for the next event of each client and checks the fields
	// it carries.
	heard := func(step string, want map[*client][]string) map[*client]map[string]json.RawMessage {
		t.Helper()
		out := map[*client]map[string]json.RawMessage{}
		for _, c := range []*client{fac, sam, kim} {
			m := c.next(step+": event", isType("event"))
			f := careFields(t, m)
			if got := keysOf(f); !slices.Equal(got, want[c]) {
				t.Errorf("%s: %s got %v (%s), want %v", step, c.name, got, m.raw, want[c])
			}
			out[c] = f
		}
		return out
	}

	sam.send("support.raise", map[string]string{"level": "now"})
	got := heard("Sam signals", map[*client][]string{fac: {"support"}, sam: {"support"}})
	var open []struct {
		MemberID string `json:"memberId"`
		Level    string `json:"level"`
		AckedAt  int64  `json:"ackedAt"`
	}
	if err := json.Unmarshal(got[fac]["support"], &open); err != nil || len(open) != 1 || open[0].MemberID != g.ids[0] || open[0].Level != "now" {
		t.Errorf("the facilitator's support is %s", got[fac]["support"])
	}

	fac.send("support.ack", map[string]string{"memberId": g.ids[0]})
	got = heard("Ana sees Sam", map[*client][]string{fac: {"support"}, sam: {"support"}})
	var own struct {
		AckedByName string `json:"ackedByName"`
	}
	if err := json.Unmarshal(got[sam]["support"], &own); err != nil || own.AckedByName != "Ana" {
		t.Errorf("Sam's support is %s, want Ana's answer", got[sam]["support"])
	}

	fac.send("message.send", map[string]string{"to": g.ids[0], "text": "care-words-to-sam"})
	heard("Ana writes", map[*client][]string{fac: {"thread"}, sam: {"thread"}})
	sam.send("message.send", map[string]string{"text": "care-words-from-sam"})
	heard("Sam writes", map[*client][]string{fac: {"thread"}, sam: {"thread"}})
	kim.send("message.send", map[string]string{"text": "care-words-from-kim"})
	heard("Kim writes", map[*client][]string{fac: {"thread"}, kim: {"thread"}})
	if id := kim.send("message.send", map[string]string{"to": g.ids[0], "text": "care-words-kim-to-sam"}); kim.reply(id, "error").Code != "not_allowed" {
		t.Error("Kim wrote into Sam's thread")
	}
	if id := fac.send("message.send", map[string]string{"to": g.ids[0], "text": strings.Repeat("a", 501)}); fac.reply(id, "error").Code != "invalid" {
		t.Error("a message of 501 characters was taken")
	}

	// Sam's connection drops within the minute of his signal: a flag.
	sam.close()
	got = heard2(t, fac, kim, "Sam drops")
	if _, ok := got[fac]["flags"]; !ok {
		t.Errorf("the facilitator was not told of the flag: %v", keysOf(got[fac]))
	}
	if _, ok := got[kim]["flags"]; ok {
		t.Errorf("Kim was told of a flag")
	}

	e.restart()
	fac = e.joinFacilitator(t, fb, g)
	sam = e.joinParticipant(t, g, 0)
	kim = e.joinParticipant(t, g, 1)
	snap := func(c *client) map[string]json.RawMessage {
		t.Helper()
		c.send("sync", nil)
		return careFields(t, c.next("snapshot", isType("snapshot")))
	}
	fs, ss, ks := snap(fac), snap(sam), snap(kim)
	var threads []struct {
		With     string `json:"with"`
		Messages []struct {
			Text     string `json:"text"`
			FromName string `json:"fromName"`
		} `json:"messages"`
		ReadByFacilitators int `json:"readByFacilitators"`
		ReadByParticipant  int `json:"readByParticipant"`
	}
	if err := json.Unmarshal(fs["threads"], &threads); err != nil || len(threads) != 2 || threads[0].With != g.ids[0] ||
		len(threads[0].Messages) != 2 || threads[0].Messages[1].FromName != g.names[0] ||
		threads[0].ReadByFacilitators != 1 || threads[0].ReadByParticipant != 2 {
		t.Errorf("after the restart the facilitator has threads %s", fs["threads"])
	}
	if !strings.Contains(string(fs["flags"]), `"reason":"dropped-after-signal"`) || !strings.Contains(string(fs["support"]), g.ids[0]) {
		t.Errorf("after the restart the facilitator has flags %s and support %s", fs["flags"], fs["support"])
	}
	if !strings.Contains(string(ss["thread"]), "care-words-from-sam") || !strings.Contains(string(ss["support"]), `"ackedByName":"Ana"`) {
		t.Errorf("after the restart Sam has thread %s and support %s", ss["thread"], ss["support"])
	}
	for _, k := range []string{"flags", "people", "threads"} {
		if _, ok := ks[k]; ok {
			t.Errorf("Kim's snapshot has %s", k)
		}
	}
	if string(ks["support"]) != "null" {
		t.Errorf("Kim's support is %s", ks["support"])
	}
	for _, c := range []*client{firstKim, kim} {
		for _, words := range []string{"care-words-to-sam", "care-words-from-sam", "dropped-after-signal", "care-words-kim-to-sam"} {
			if c.received(words) {
				t.Errorf("Kim received %q", words)
			}
		}
	}
	for _, c := range []*client{firstSam, sam} {
		if c.received("care-words-from-kim") {
			t.Error("Sam received Kim's message")
		}
	}
}

// heard2 is heard for the two members still connected.
func heard2(t *testing.T, fac, kim *client, step string) map[*client]map[string]json.RawMessage {
	t.Helper()
	out := map[*client]map[string]json.RawMessage{}
	for _, c := range []*client{fac, kim} {
		out[c] = careFields(t, c.next(step+": event", isType("event")))
	}
	return out
}

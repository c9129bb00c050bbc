package web_test

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

type waitingList struct {
	Waiting []struct {
		ID    string    `json:"id"`
		Name  string    `json:"name"`
		Since time.Time `json:"since"`
	} `json:"waiting"`
}

// waitingNames asks who waits for the session's room, by name in order.
func waitingNames(tb testing.TB, b *browser, sessionID string) ([]string, waitingList) {
	tb.Helper()
	var l waitingList
	b.must(200, "GET", "/api/sessions/"+sessionID+"/waiting", nil, &l)
	names := []string{}
	for _, w := range l.Waiting {
		names = append(names, w.Name)
	}
	return names, l
}

// untilWaiting asks until the list is want: a connection's end reaches the
// lobby when the server reads it, a moment after the client closes.
func untilWaiting(tb testing.TB, b *browser, sessionID string, want []string) {
	tb.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		got, _ := waitingNames(tb, b, sessionID)
		if reflect.DeepEqual(got, want) {
			return
		}
		if time.Now().After(deadline) {
			tb.Fatalf("waiting: got %q, want %q within 10 s", got, want)
		}
		<-tick.C
	}
}

// TestWhoWaitsForTheRoom connects participants' pages before the room
// opens: the facilitator sees who waits, since when, each once however many
// pages they have open, and nobody once they have gone or the room has
// opened. Only the cohort's facilitators may ask.
func TestWhoWaitsForTheRoom(t *testing.T) {
	e := newEnv(t)
	fb := e.newFacilitator("ana@example.org", "Ana")
	g := fb.newGroup(3, true)

	if got, _ := waitingNames(t, fb, g.session); len(got) != 0 {
		t.Fatalf("before anyone came: %q, want nobody", got)
	}
	wait := func(i int) *client {
		t.Helper()
		c, err := dial(t, e.wsURL("/ws/p/"+g.tokens[i]), nil, g.names[i])
		if err != nil {
			t.Fatal(err)
		}
		c.next("waiting", isType("waiting"))
		return c
	}
	before := time.Now()
	p1 := wait(1)
	p0 := wait(0)
	p0again := wait(0) // a second tab
	after := time.Now()
	got, l := waitingNames(t, fb, g.session)
	if want := []string{g.names[1], g.names[0]}; !reflect.DeepEqual(got, want) {
		t.Fatalf("waiting: got %q, want %q (longest waiting first, each once)", got, want)
	}
	for i, w := range l.Waiting {
		if w.Since.Before(before.Add(-time.Second)) || w.Since.After(after.Add(time.Second)) {
			t.Errorf("%s waits since %v, want between %v and %v", w.Name, w.Since, before, after)
		}
		if want := []string{g.ids[1], g.ids[0]}[i]; w.ID != want {
			t.Errorf("waiting[%d] is %s, want %s", i, w.ID, want)
		}
	}

	t.Run("another facilitator", func(t *testing.T) {
		var ae apiError
		if code := e.newFacilitator("ben@example.org", "Ben").do("GET", "/api/sessions/"+g.session+"/waiting", nil, &ae); code != 404 || ae.Error.Code != "not_found" {
			t.Errorf("Ben: %d %q, want 404 not_found", code, ae.Error.Code)
		}
		if code := e.browser().do("GET", "/api/sessions/"+g.session+"/waiting", nil, &ae); code != 401 {
			t.Errorf("not logged in: %d, want 401", code)
		}
	})

	// One of P0's two pages closes: P0 still waits. Then P1 leaves.
	p0again.close()
	p1.close()
	untilWaiting(t, fb, g.session, []string{g.names[0]})

	// A participant removed while waiting is not listed.
	p2 := wait(2)
	untilWaiting(t, fb, g.session, []string{g.names[0], g.names[2]})
	fb.must(204, "DELETE", "/api/cohorts/"+g.cohort+"/participants/"+g.ids[2], nil, nil)
	p2.next("bye", isType("bye"))
	untilWaiting(t, fb, g.session, []string{g.names[0]})

	// The room opens: P0 is in it, and nobody waits in the lobby.
	fb.open(g)
	p0.next("snapshot", isType("snapshot"))
	if got, _ := waitingNames(t, fb, g.session); len(got) != 0 {
		t.Errorf("once the room is open: %q, want nobody in the lobby", got)
	}
}

// TestWaitingCarriesTheVideoLink has a participant wait for the room: the
// waiting message carries the cohort's video link, and comes again with the
// new one when a facilitator changes it; the room's snapshot follows as
// before when it opens.
func TestWaitingCarriesTheVideoLink(t *testing.T) {
	e := newEnv(t)
	fb := e.newFacilitator("ana@example.org", "Ana")
	g := fb.newGroup(1, true)
	fb.must(200, "PATCH", "/api/cohorts/"+g.cohort, map[string]string{"videoUrl": "https://meet.example.org/first"}, nil)

	p, err := dial(t, e.wsURL("/ws/p/"+g.tokens[0]), nil, g.names[0])
	if err != nil {
		t.Fatal(err)
	}
	videoOf := func(m msg) string {
		t.Helper()
		var w struct {
			VideoURL *string `json:"videoUrl"`
		}
		if err := json.Unmarshal(m.raw, &w); err != nil || w.VideoURL == nil {
			t.Fatalf("waiting message %s: no videoUrl", m.raw)
		}
		return *w.VideoURL
	}
	if got := videoOf(p.next("waiting", isType("waiting"))); got != "https://meet.example.org/first" {
		t.Errorf("waiting: videoUrl %q, want the cohort's", got)
	}
	fb.must(200, "PATCH", "/api/cohorts/"+g.cohort, map[string]string{"videoUrl": "https://meet.example.org/second"}, nil)
	if got := videoOf(p.next("waiting again", isType("waiting"))); got != "https://meet.example.org/second" {
		t.Errorf("waiting after the link changed: videoUrl %q, want the new one", got)
	}
	fb.open(g)
	p.next("snapshot", isType("snapshot"))
}

// TestVideoLinkChangesInTheLiveRoom changes the cohort's video link while its
// room is live: everyone in the room gets the new videoUrl in an event, and
// a snapshot after carries it; the same link again sends nothing.
func TestVideoLinkChangesInTheLiveRoom(t *testing.T) {
	e := newEnv(t)
	fb := e.newFacilitator("ana@example.org", "Ana")
	g := fb.newGroup(1, true)
	fb.must(200, "PATCH", "/api/cohorts/"+g.cohort, map[string]string{"videoUrl": "https://meet.example.org/first"}, nil)
	fb.open(g)
	fac := e.joinFacilitator(t, fb, g)
	p := e.joinParticipant(t, g, 0)

	type withVideo struct {
		VideoURL *string `json:"videoUrl"`
		Room     *struct {
			VideoURL string `json:"videoUrl"`
		} `json:"room"`
	}
	videoEvent := func(m msg) bool {
		var v withVideo
		return m.Type == "event" && json.Unmarshal(m.raw, &v) == nil && v.VideoURL != nil
	}
	fb.must(200, "PATCH", "/api/cohorts/"+g.cohort, map[string]string{"videoUrl": "https://meet.example.org/second"}, nil)
	for _, c := range []*client{fac, p} {
		var v withVideo
		json.Unmarshal(c.next("the videoUrl event", videoEvent).raw, &v)
		if *v.VideoURL != "https://meet.example.org/second" {
			t.Errorf("%s: videoUrl %q, want the new link", c.name, *v.VideoURL)
		}
	}

	// The same link again changes nothing in the room: the next event the
	// participant sees is the sync's snapshot, with the link.
	fb.must(200, "PATCH", "/api/cohorts/"+g.cohort, map[string]string{"videoUrl": "https://meet.example.org/second"}, nil)
	p.sendRaw([]byte(`{"type":"sync"}`))
	m := p.next("snapshot or event", func(m msg) bool { return m.Type == "snapshot" || videoEvent(m) })
	var v withVideo
	json.Unmarshal(m.raw, &v)
	if m.Type != "snapshot" || v.Room == nil || v.Room.VideoURL != "https://meet.example.org/second" {
		t.Errorf("after the same link again: %s, want a snapshot with the link and no event before it", m.raw)
	}
}

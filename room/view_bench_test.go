package room

import "testing"

// BenchmarkEncodeAnswer builds and encodes the event of a check-in answer in
// a group check-in for every member: one view for the facilitators, one for
// the participants, and the answerer's own part.
func BenchmarkEncodeAnswer(b *testing.B) {
	s := visibilityState(VisibleToGroup)
	b.ReportAllocs()
	for b.Loop() {
		var ch Change
		ch.activity(&s)
		ch.mine(&s, "p1")
		f := newFanout(s.Version, t0, ch.parts, nil)
		for _, m := range s.Members {
			f.messageTo(m)
		}
	}
}

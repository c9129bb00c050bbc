package room

import "testing"

// BenchmarkEncodeAnswer encodes the events of a check-in answer in a group
// check-in: one for the facilitators, one for the participants, and the
// answerer's own.
func BenchmarkEncodeAnswer(b *testing.B) {
	s := visibilityState(VisibleToGroup)
	b.ReportAllocs()
	for b.Loop() {
		encodeChange(&s, Change{Activity: true, Mine: "p1"}, t0)
	}
}

package web

// SetExportStarted makes every export that took its account's slot call
// started before it reads anything, for tests that hold one.
func SetExportStarted(s *Server, started func()) {
	s.exports.mu.Lock()
	defer s.exports.mu.Unlock()
	s.exports.started = started
}

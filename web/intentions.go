package web

import (
	"context"
	"errors"
	"fmt"

	"hearth/facilitator"
	"hearth/room"
)

// journeys reads the rooms of the cohort's earlier sessions and returns the
// intentions each participant on the roster set in them, with what became
// of them, for the room about to open: the room itself reads no storage.
func (s *Server) journeys(ctx context.Context, cohortID, sessionID string, roster []room.Member) (map[string][]room.PastIntention, error) {
	sessions, err := s.fac.Store.Sessions(ctx, cohortID)
	if err != nil {
		return nil, fmt.Errorf("sessions of cohort %s: %w", cohortID, err)
	}
	var earlier []room.State
	for _, ss := range sessions {
		if ss.ID == sessionID || ss.Status == facilitator.Planned {
			continue
		}
		st, err := s.rooms.Stored(ctx, ss.ID)
		if errors.Is(err, room.ErrNotStored) {
			continue // marked live, but its room never committed: nothing was said in it
		}
		if err != nil {
			return nil, fmt.Errorf("room of session %s: %w", ss.ID, err)
		}
		earlier = append(earlier, st)
	}
	return room.BuildJourneys(earlier, roster), nil
}

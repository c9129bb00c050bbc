package memory

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"hearth/facilitator"
	"hearth/room"
)

// cohortRooms returns the stored rooms of the sessions, in their order,
// leaving out those whose room never opened. A live room is its room's
// state now.
//
// Through an Archive the closed rooms are read together (storage decodes
// them on every CPU) and without the journeys each carries in from the
// rooms before it; what a
// summary or a journey reads of those (the text and session of an earlier
// intention someone reflected on or took a step for) is taken from the
// room where the intention was written, which is one of these rooms. A
// room that names an intention none of them holds is read whole again, so
// what is read back is always what a room's own journeys say.
func (m *Memory) cohortRooms(ctx context.Context, sessions []facilitator.Session) ([]room.State, error) {
	if m.archive == nil {
		return m.eachStored(ctx, sessions)
	}
	ids := make([]string, 0, len(sessions))
	for _, ss := range sessions {
		if ss.Status != facilitator.Planned {
			ids = append(ids, ss.ID)
		}
	}
	states, err := m.archive.RoomsToRead(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("read rooms: %w", err)
	}
	for i, st := range states {
		if st.Status != room.Open {
			continue
		}
		// Its members may be acting now: their room has the latest.
		live, err := m.rooms.Stored(ctx, st.SessionID)
		if err != nil {
			return nil, fmt.Errorf("load room %s: %w", st.SessionID, err)
		}
		states[i] = live
	}
	written := map[string]room.PastIntention{}
	for _, st := range states {
		eachIntentions(st, func(in *room.Intentions) {
			for _, w := range in.Written {
				written[w.ID] = room.PastIntention{ID: w.ID, MemberID: w.MemberID, SessionID: st.SessionID,
					SessionTitle: st.Title, SetAt: w.At, Text: w.Text}
			}
		})
	}
	for i := range states {
		if !carriedIn(&states[i], written) {
			var err error
			if states[i], err = m.rooms.Stored(ctx, states[i].SessionID); err != nil {
				return nil, fmt.Errorf("load room %s: %w", states[i].SessionID, err)
			}
		}
	}
	return states, nil
}

// eachStored reads the sessions' rooms one by one.
func (m *Memory) eachStored(ctx context.Context, sessions []facilitator.Session) ([]room.State, error) {
	var out []room.State
	for _, ss := range sessions {
		st, err := m.rooms.Stored(ctx, ss.ID)
		if errors.Is(err, room.ErrNotStored) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("load room %s: %w", ss.ID, err)
		}
		out = append(out, st)
	}
	return out, nil
}

// eachIntentions calls fn with each intentions activity of the room, done
// or running.
func eachIntentions(st room.State, fn func(*room.Intentions)) {
	for i := range st.History {
		if in := st.History[i].Intentions(); in != nil {
			fn(in)
		}
	}
	if st.Current != nil {
		if in := st.Current.Intentions(); in != nil {
			fn(in)
		}
	}
}

// carriedIn gives st the earlier intentions its intentions activities name
// that its Journeys lack, from written (by intention ID). It reports false,
// changing nothing, when one of them is not in written under its member.
// It never changes the maps or slices st had: a live room's are shared.
func carriedIn(st *room.State, written map[string]room.PastIntention) bool {
	type ref struct{ member, id string }
	var need []ref
	eachIntentions(*st, func(in *room.Intentions) {
		for _, r := range in.Reflections {
			need = append(need, ref{r.MemberID, r.IntentionID})
		}
		for _, c := range in.Commitments {
			if w, ok := in.Written[c.MemberID]; ok && w.ID == c.IntentionID {
				continue // a step for the intention just written
			}
			need = append(need, ref{c.MemberID, c.IntentionID})
		}
	})
	var add room.Journeys
	for _, r := range need {
		if slices.ContainsFunc(st.Journeys[r.member], func(p room.PastIntention) bool { return p.ID == r.id }) ||
			slices.ContainsFunc(add[r.member], func(p room.PastIntention) bool { return p.ID == r.id }) {
			continue
		}
		p, ok := written[r.id]
		if !ok || p.MemberID != r.member {
			return false
		}
		if add == nil {
			add = room.Journeys{}
		}
		add[r.member] = append(add[r.member], p)
	}
	if add == nil {
		return true
	}
	j := maps.Clone(st.Journeys)
	if j == nil {
		j = room.Journeys{}
	}
	for member, ps := range add {
		j[member] = append(slices.Clip(j[member]), ps...)
	}
	st.Journeys = j
	return true
}

package web

import (
	"encoding/json"
	"errors"
	"net/http"

	"hearth/facilitator"
	"hearth/room"
)

// planAgenda checks items by the room's rules and encodes them for storing.
func planAgenda(items []room.Item) (json.RawMessage, []room.Item, error) {
	plan, err := room.PlanAgenda(items)
	var re *room.Error
	if errors.As(err, &re) {
		return nil, nil, &httpError{http.StatusBadRequest, "invalid", re.Message}
	}
	if err != nil {
		return nil, nil, err
	}
	for i := range plan {
		plan[i].Status = "" // a plan has no statuses; the room sets them
	}
	raw, err := json.Marshal(plan)
	return raw, plan, err
}

// decodeAgenda reads a stored agenda; an empty one is an empty list.
func decodeAgenda(raw json.RawMessage) []room.Item {
	items := []room.Item{}
	if len(raw) > 0 {
		json.Unmarshal(raw, &items) // written by planAgenda: it decodes
	}
	return items
}

type templateJSON struct {
	ID      string      `json:"id"`
	Name    string      `json:"name"`
	Builtin bool        `json:"builtin"`
	Items   []room.Item `json:"items"`
}

func (s *Server) listTemplates(w http.ResponseWriter, r *http.Request) {
	out := []templateJSON{}
	for _, t := range room.BuiltinTemplates() {
		out = append(out, templateJSON{ID: t.ID, Name: t.Name, Builtin: true, Items: t.Items})
	}
	own, err := s.fac.Templates(r.Context(), account(r))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	for _, t := range own {
		out = append(out, templateJSON{ID: t.ID, Name: t.Name, Items: decodeAgenda(t.Items)})
	}
	writeJSON(w, http.StatusOK, map[string]any{"templates": out})
}

func (s *Server) saveTemplate(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name  string      `json:"name"`
		Items []room.Item `json:"items"`
	}
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	raw, items, err := planAgenda(in.Items)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	t, err := s.fac.SaveTemplate(r.Context(), account(r), in.Name, raw)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, templateJSON{ID: t.ID, Name: t.Name, Items: items})
}

func (s *Server) deleteTemplate(w http.ResponseWriter, r *http.Request) {
	if err := s.fac.DeleteTemplate(r.Context(), account(r), r.PathValue("id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *Server) putAgenda(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Items []room.Item `json:"items"`
	}
	if err := readJSON(w, r, &in); err != nil {
		s.writeError(w, r, err)
		return
	}
	raw, _, err := planAgenda(in.Items)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if _, live := s.rooms.Get(r.PathValue("id")); live {
		s.writeError(w, r, &httpError{http.StatusConflict, "conflict", "The room is open: change the agenda in the room."})
		return
	}
	ss, err := s.fac.SetAgenda(r.Context(), account(r), r.PathValue("id"), raw)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.viewSession(ss))
}

// roomAgenda turns a session's planned agenda into the room's: every item
// pending.
func roomAgenda(ss facilitator.Session) []room.Item {
	items := decodeAgenda(ss.Agenda)
	for i := range items {
		items[i].Status = room.Pending
	}
	return items
}

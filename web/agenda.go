package web

import (
	"net/http"

	"hearth/facilitator/memory"
	"hearth/room"
)

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
		out = append(out, templateJSON{ID: t.ID, Name: t.Name, Items: room.DecodeAgenda(t.Items)})
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
	t, items, err := s.sessions.SaveTemplate(r.Context(), account(r), in.Name, in.Items)
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
	ss, err := s.sessions.SetAgenda(r.Context(), account(r), r.PathValue("id"), in.Items)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, memory.SessionOf(ss))
}

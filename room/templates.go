package room

// Template is a named agenda plan a facilitator starts a session from.
type Template struct {
	ID      string `json:"id"`
	Name    string `json:"name"`
	Builtin bool   `json:"builtin"`
	Items   []Item `json:"items"`
}

// BuiltinTemplates returns the agendas Hearth offers every facilitator: the
// shapes integration groups commonly follow. Their items have no IDs; a
// session's agenda gets its own.
func BuiltinTemplates() []Template {
	box := &Breath{In: 4, Hold: 4, Out: 4, Rest: 4}
	return []Template{
		{
			ID: "builtin-integration", Name: "Integration circle", Builtin: true,
			Items: []Item{
				NewItem("Arrival check-in", CheckInSettings{Prompt: "How are you arriving today?", Visibility: VisibleToGroup}),
				NewItem("Grounding", GroundingSettings{Seconds: 180, Breath: box}),
				NewItem("Intentions", IntentionsSettings{Prompt: "What would you like to carry into the coming week?", Reveal: RevealAnonymous, Commitment: true}),
				NewItem("Sharing circle", CircleSettings{Prompt: "What has been alive for you since we last met?",
					Mode: RoundMode, Order: RosterOrder, ShareSeconds: 300}),
				NewItem("Check-out", CheckOutSettings{Prompt: "One word for how you leave.", ClosingCheck: true}),
			},
		},
		{
			ID: "builtin-preparation", Name: "Preparation and intention setting", Builtin: true,
			Items: []Item{
				NewItem("Arrival check-in", CheckInSettings{Prompt: "What are you bringing with you today?", Visibility: VisibleToFacilitators}),
				NewItem("Settling in", GroundingSettings{Seconds: 300, Breath: &Breath{In: 4, Hold: 7, Out: 8}}),
				NewItem("Setting intentions", IntentionsSettings{Prompt: "What intention would you like to set for the journey ahead?", Reveal: RevealNamed}),
				NewItem("Open floor", CircleSettings{Prompt: "What would you like the group to know as you prepare?", Mode: OpenFloor}),
				NewItem("Check-out", CheckOutSettings{Prompt: "One word to take with you.", ClosingCheck: true}),
			},
		},
	}
}

// index.js — the registry of activity kinds: the one place in the browser
// that knows them all. The participant's page (join.js), the console's room
// (console-room.js), the agenda editor (agenda.js, console-agenda.js), the
// session summary (memory.js) and the participant's journey (journey.js)
// ask it for a kind and never switch on kinds themselves.
//
// Adding a kind: one module beside this file, exporting one object of the
// shape below, and one line in ACTIVITIES. (The server's side is room/, one
// file per kind and its line in room/activity.go. The export file writes a
// kind it has no type for as its own JSON, and its Markdown by its title and
// time: facilitator/memory.)
//
// The shape of a kind's module (its default export):
//
//   kind        the protocol's name, e.g. 'checkin' (also its key below and
//               the name of its part in a summary section or a journey moment)
//   label       its plain name ('Check-in'), for kind pickers and badges
//   title       an agenda item's title when it has none ('Arrival check-in')
//   startedText(activity)
//               what the participant's screen reader hears when it begins
//   participant(activity, ctx) → view
//   console(activity, ctx) → view
//               its face on the participant's page and in the console, for
//               one run of the activity (activity is the room's activity
//               when it began). A view is {root, update(state, note),
//               destroy?()}: root is mounted once; update(state) repaints
//               it from the live state (live.js) on every change, keeping
//               focus and whatever is being typed; destroy stops its timers.
//               Participant ctx: {live, draftKey(name)} (draftKey names a
//               draft in localStorage, see outbox-form.js). Console ctx:
//               {live, arrivals} (arrivals: each participant's latest
//               check-in in this room, take(answers) / get(memberId)).
//   marks?(activity) → Map(memberId → nodes)
//               what the console's list of people shows beside each person
//               while it runs
//   settings    the agenda editor's fields for this kind, all values as
//               the fields hold them (strings, booleans) under keys no
//               other kind uses, since one draft keeps every kind's:
//     blank()            the values of a new item
//     fromItem(item)     the values of an item (only the keys it sets)
//     fields(id, values) → {nodes, inputs, refresh?()}: the fields (ids
//                        made by id(name)), inputs by value key, and
//                        refresh() to show or hide fields that depend on others
//     toItem(values)     → {fields} (the item's own, without kind and title)
//                        or {error, field} (the words, the value key to focus)
//     line(item)         one line with the item's key settings
//     wire(item)         what of an item goes back to the server
//   summary(part, {n, running}) → nodes
//               its section of the session summary page (part is the
//               section's `[kind]`; n numbers the section, for ids)
//   journey?(part, {id}) → nodes
//               its moment in the participant's journey (id is unique on the page)
//   overview?(overview) → node
//               its panel on the cohort overview (the GET …/overview answer)

import checkin from './checkin.js';
import grounding from './grounding.js';
import checkout from './checkout.js';
import intentions from './intentions.js';
import circle from './circle.js';
import reading from './reading.js';

/** ACTIVITIES are the kinds, by name, in the order a kind picker offers them. */
export const ACTIVITIES = {
  checkin,
  grounding,
  checkout,
  intentions,
  circle,
  reading,
};

/** activity returns the module of a kind, or null for one this page does not know. */
export function activity(kind) {
  return Object.hasOwn(ACTIVITIES, kind) ? ACTIVITIES[kind] : null;
}

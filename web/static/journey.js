// journey.js — "Your journey" on the participant's page: their own check-ins,
// check-outs, intentions, reflections and steps across the cohort's
// sessions, and what the group shared in the open while they were there
// (revealed intentions as they were shown, the circle's order). The server
// decides what is in it (room/journey.go); each kind's module lays out its
// moments, phone first, as text.

import { h, append, formatDateTime } from './dom.js';
import { itemTitle } from './agenda.js';
import { activity } from './activities/index.js';

// momentView is one activity of a session, laid out by its kind's module.
function momentView(m, n, sessionIndex) {
  const li = h('li', { class: 'moment', dataset: { kind: m.kind } },
    h('h3', null, itemTitle({ kind: m.kind, title: m.title })));
  const kind = activity(m.kind);
  const part = m[m.kind];
  if (kind && kind.journey && part) append(li, [kind.journey(part, { id: `${sessionIndex}-${n}` })]);
  return li;
}

/**
 * journeyList lays out GET /api/p/history.
 * Hooks: #journey-list > li[data-session-id] > ol > li.moment[data-kind].
 */
export function journeyList(history) {
  const sessions = (history && history.sessions) || [];
  if (sessions.length === 0) {
    return h('p', { class: 'muted', id: 'journey-empty' }, 'Nothing here yet. After your first session, what you shared will be here for you to look back on.');
  }
  return h('ol', { id: 'journey-list', class: 'plain journey-list' }, sessions.map((s, i) => h('li', { dataset: { sessionId: s.sessionId } },
    h('h2', null, s.title),
    h('p', { class: 'muted small' }, formatDateTime(s.openedAt), s.status === 'open' ? ' · happening now' : ''),
    !s.came
      ? h('p', { class: 'muted' }, 'You were not there this time.')
      : (s.moments.length
        ? h('ol', { class: 'plain moments' }, s.moments.map((m, n) => momentView(m, n, i)))
        : h('p', { class: 'muted' }, 'Nothing was shared in this session.')))));
}

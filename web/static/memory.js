// memory.js — the cohort's memory in the console: a session's summary
// (#/summary/{sessionId}), the facilitators' private notes, the cohort
// overview with its attendance grid and trend charts (#/overview/{cohortId}),
// and the exports.
//
// Everything participants and facilitators wrote is inserted as text. The
// charts are inline SVG drawn here, each with a table beside it that says
// the same in words.

import { enc } from './api.js';
import {
  h, append, setText, announce, fill, formError, busy, formatDateTime, formatTime, STATES, plural,
} from './dom.js';
import { itemTitle } from './agenda.js';
import { ACTIVITIES, activity } from './activities/index.js';

const MAX_NOTE = 5000;

const PRIVATE_HINT = 'Private: only this cohort’s facilitators read notes. Participants never see them. They are part of the cohort’s export.';

function formatDay(value) {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return '';
  return date.toLocaleDateString(undefined, { day: 'numeric', month: 'short', year: 'numeric' });
}

// --- notes ------------------------------------------------------------------------

/**
 * notesBlock is a list of private notes with a form to add one: each note
 * shows its author and time; the reader's own notes can be edited and
 * deleted. about is {sessionId?, participantId?}; keep(note) picks the
 * notes that belong here; describe(note) may add where a note is from.
 *
 * Hooks: ul.notes[data-notes] > li[data-note-id] with
 * button[data-action="edit"|"delete"]; form.note-form textarea.
 */
export function notesBlock({ cohortId, call, notes, about, keep, describe, idPrefix, label }) {
  let list = notes.filter(keep);
  const ul = h('ul', { class: 'plain notes', dataset: { notes: idPrefix } });
  const empty = h('p', { class: 'muted small' }, 'No notes yet.');
  const text = h('textarea', { id: `${idPrefix}-text`, maxlength: MAX_NOTE, rows: 3 });
  const error = formError(`${idPrefix}-error`);
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Add note');
  const form = h('form', { class: 'note-form', id: `${idPrefix}-form` },
    h('label', { for: text.id }, label),
    text, error, h('div', { class: 'actions tight' }, submit));

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    setText(error, '');
    const value = text.value.trim();
    if (!value) {
      setText(error, 'Write the note first.');
      text.focus();
      return;
    }
    busy(submit, async () => {
      try {
        const note = await call('POST', `/api/cohorts/${enc(cohortId)}/notes`, { ...about, text: value });
        notes.push(note);
        list.push(note);
        text.value = '';
        render();
        announce('Note added.');
        text.focus();
      } catch (err) {
        setText(error, err.message);
      }
    });
  });

  function row(note) {
    const body = h('p', { class: 'preserve note-text' }, note.text);
    const meta = h('p', { class: 'muted small note-meta' },
      note.mine ? 'You' : note.authorName, ' · ', formatDateTime(note.createdAt),
      note.updatedAt ? ' · edited' : '', describe ? describe(note) : '');
    const li = h('li', { dataset: { noteId: note.id } }, body, meta);
    if (!note.mine) return li;
    const rowError = h('p', { class: 'form-error', role: 'alert' });
    const edit = h('button', { type: 'button', class: 'link', dataset: { action: 'edit' } }, 'Edit',
      h('span', { class: 'visually-hidden' }, ' this note'));
    const remove = h('button', { type: 'button', class: 'link danger', dataset: { action: 'delete' } }, 'Delete',
      h('span', { class: 'visually-hidden' }, ' this note'));
    const tools = h('div', { class: 'actions tight' }, edit, remove);
    li.append(tools, rowError);

    remove.addEventListener('click', () => {
      if (!window.confirm('Delete this note? This cannot be undone.')) return;
      busy(remove, async () => {
        setText(rowError, '');
        try {
          await call('DELETE', `/api/notes/${enc(note.id)}`);
          list = list.filter((n) => n.id !== note.id);
          const i = notes.indexOf(note);
          if (i >= 0) notes.splice(i, 1);
          render();
          announce('Note deleted.');
          text.focus();
        } catch (err) {
          setText(rowError, err.message);
        }
      });
    });

    edit.addEventListener('click', () => {
      const area = h('textarea', { id: `edit-${note.id}`, maxlength: MAX_NOTE, rows: 3, value: note.text });
      const save = h('button', { type: 'submit', class: 'primary' }, 'Save');
      const cancel = h('button', { type: 'button' }, 'Cancel');
      const editForm = h('form', { class: 'note-form' },
        h('label', { for: area.id, class: 'visually-hidden' }, 'Edit the note'),
        area, h('div', { class: 'actions tight' }, save, cancel));
      const stop = () => {
        editForm.replaceWith(body);
        tools.hidden = false;
        edit.focus();
      };
      cancel.addEventListener('click', stop);
      area.addEventListener('keydown', (ev) => {
        if (ev.key === 'Escape') stop();
      });
      editForm.addEventListener('submit', (ev) => {
        ev.preventDefault();
        setText(rowError, '');
        const value = area.value.trim();
        if (!value) {
          setText(rowError, 'A note cannot be empty; delete it instead.');
          return;
        }
        busy(save, async () => {
          try {
            const fresh = await call('PATCH', `/api/notes/${enc(note.id)}`, { text: value });
            Object.assign(note, fresh);
            render();
            announce('Note saved.');
            const again = ul.querySelector(`li[data-note-id="${CSS.escape(note.id)}"] button[data-action="edit"]`);
            if (again) again.focus();
          } catch (err) {
            setText(rowError, err.message);
          }
        });
      });
      body.replaceWith(editForm);
      tools.hidden = true;
      area.focus();
    });
    return li;
  }

  function render() {
    empty.hidden = list.length > 0;
    fill(ul, ...list.map(row));
  }
  render();
  return h('div', { class: 'notes-block' }, empty, ul, form);
}

// --- tables on a phone ---------------------------------------------------------------

/**
 * stackable lets a table of the memory become stacked rows on a narrow
 * screen (memory.css): each cell carries its column's heading in
 * data-label, shown before it once the heading row is hidden. The table
 * stays a table for a screen reader. Cells spanning columns, or tables
 * without a heading row, are left as they are.
 */
function stackable(table) {
  const heads = [...table.querySelectorAll('thead tr:first-child > th')].map((th) => th.textContent.trim());
  if (!heads.length) return table;
  table.classList.add('stack');
  for (const tr of table.querySelectorAll('tbody tr')) {
    [...tr.children].forEach((cell, i) => {
      if (heads[i] && cell.tagName === 'TD') cell.dataset.label = heads[i];
    });
  }
  return table;
}

// --- a session's summary ------------------------------------------------------------

function attendanceLine(a) {
  if (!a.came) return [h('span', { class: 'badge wait mark-absent' }, h('span', { class: 'icon', 'aria-hidden': 'true' }, '–'), ' Did not come')];
  const parts = [`Arrived ${formatTime(a.firstJoined)}`];
  if (a.drops > 0) {
    parts.push(`dropped out ${plural(a.drops, 'once', 'times')}`);
    if (a.returns > 0) parts.push(`came back ${plural(a.returns, 'once', 'times')}`);
  }
  if (a.leftEarly) parts.push(`left early at ${formatTime(a.leftAt)}`);
  const badge = a.leftEarly
    ? h('span', { class: 'badge state-hyper mark-left' }, h('span', { class: 'icon', 'aria-hidden': 'true' }, '○'), ' Left early')
    : h('span', { class: 'badge ok mark-came' }, h('span', { class: 'icon', 'aria-hidden': 'true' }, '●'), ' Came');
  return [badge, ' ', h('span', { class: 'muted small' }, `${parts.join('; ')}.`)];
}

function stateWords(state) {
  return STATES[state] ? STATES[state].label : '';
}

/** sectionView shows one activity of the summary, laid out by its kind's module. */
function sectionView(sec, n) {
  const title = itemTitle({ kind: sec.kind, title: sec.title });
  const head = h('h3', null, `${n}. ${title}`,
    h('span', { class: 'muted small' }, ` · ${formatTime(sec.startedAt)}`),
    sec.running ? h('span', { class: 'badge live' }, ' Running now') : null);
  const li = h('li', { class: 'summary-section', dataset: { kind: sec.kind } }, head);
  const kind = activity(sec.kind);
  const part = sec[sec.kind];
  if (kind && part) append(li, [kind.summary(part, { n, running: sec.running })]);
  li.querySelectorAll('table.memory-table').forEach(stackable);
  return li;
}

// --- care in the room, as the facilitators look back on it -------------------

const LEVELS = { moment: 'a moment', now: 'someone now' };
const SIGNAL_ENDS = {
  withdrawn: () => 'withdrew it',
  cleared: (s) => `${s.endedByName || 'a facilitator'} closed it`,
  'raised-again': () => 'asked again',
};
const FLAG_REASONS = {
  'dropped-after-signal': 'connection dropped soon after asking for support',
  'dropped-while-sharing': 'connection dropped while sharing',
};

/**
 * careView is the summary's care in the room: every support signal (who
 * asked for what, when, who answered and how it ended), every flag, and the
 * private threads, each folded. null when there was none.
 *
 * Hooks: #care-signals > li[data-member-id]; #care-flags > li;
 * #care-threads > li[data-member-id].
 */
function careView(care) {
  if (!care || (!care.signals.length && !care.flags.length && !care.threads.length)) return null;
  const signals = care.signals.map((s) => {
    const parts = [`${formatTime(s.at)}: ${s.name} asked for ${LEVELS[s.level] || s.level}`];
    if (s.ackedAt) parts.push(`${s.ackedByName || 'a facilitator'} answered “I see you” at ${formatTime(s.ackedAt)}`);
    if (s.ended) parts.push(`${s.ended === 'withdrawn' ? s.name + ' ' : ''}${(SIGNAL_ENDS[s.ended] || (() => s.ended))(s)} at ${formatTime(s.endedAt)}`);
    else parts.push('still open when the room closed');
    return h('li', { dataset: { memberId: s.memberId, level: s.level } }, parts.join(' · '), '.');
  });
  const flags = care.flags.map((f) => h('li', { dataset: { memberId: f.memberId } },
    `${formatTime(f.at)}: ${f.name}’s ${FLAG_REASONS[f.reason] || f.reason}`,
    f.clearedAt ? ` · ${f.clearedByName || 'a facilitator'} marked it done at ${formatTime(f.clearedAt)}` : '', '.'));
  const threads = care.threads.map((t) => h('li', { dataset: { memberId: t.with } },
    h('details', null,
      h('summary', null, `${t.name}: ${plural(t.messages.length, 'one message', 'messages')}`),
      h('ol', { class: 'plain thread-log' }, t.messages.map((m) => h('li', null,
        h('span', { class: 'muted small' }, `${m.fromName} · ${formatTime(m.at)}`), h('br'), m.text))))));
  return h('section', { class: 'panel', 'aria-labelledby': 'care-heading', id: 'care' },
    h('h2', { id: 'care-heading' }, 'Care in the room'),
    h('p', { class: 'hint' }, 'Support signals, flags and private messages of this session: facilitators only, never shown to participants.'),
    signals.length ? [h('h3', null, 'Support signals'), h('ul', { id: 'care-signals', class: 'plain rows' }, signals)] : null,
    flags.length ? [h('h3', null, 'Flags'), h('ul', { id: 'care-flags', class: 'plain rows' }, flags)] : null,
    threads.length ? [h('h3', null, 'Private messages'), h('ul', { id: 'care-threads', class: 'plain rows' }, threads)] : null);
}

/**
 * summaryPage loads and builds a session's summary. It resolves to
 * {nodes, cohortId, title}; a failed load rejects with the ApiError.
 *
 * Hooks: #summary-sections > li[data-kind]; #attendance > li[data-member-id];
 * #session-notes; person notes under each attendance row.
 */
export async function summaryPage({ sessionId, call }) {
  const data = await call('GET', `/api/sessions/${enc(sessionId)}/summary`);
  const sum = data.summary;
  const notes = data.notes || [];
  const onRoster = new Set((data.participants || []).map((p) => p.id));

  const status = sum.status === 'open'
    ? h('span', { class: 'badge live' }, h('span', { class: 'icon', 'aria-hidden': 'true' }, '●'), ' Live now')
    : h('span', { class: 'badge' }, 'Closed');
  const when = [formatDateTime(sum.openedAt), sum.closedAt ? `closed ${formatTime(sum.closedAt)}` : ''].filter(Boolean).join(' – ');

  const people = sum.attendance.filter((a) => a.role === 'participant');
  const facs = sum.attendance.filter((a) => a.role === 'facilitator' && a.came).map((a) => a.name);
  const came = people.filter((a) => a.came).length;

  const attendance = h('ul', { id: 'attendance', class: 'plain rows' }, people.map((a) => {
    const li = h('li', { dataset: { memberId: a.memberId, came: a.came ? 'yes' : 'no', leftEarly: a.leftEarly ? 'yes' : 'no' } },
      h('div', { class: 'row-head' }, h('span', { class: 'name' }, a.name), ...attendanceLine(a)));
    if (onRoster.has(a.memberId)) {
      const details = h('details', { class: 'person-notes' },
        h('summary', null, 'Notes about ', a.name, ' in this session'));
      const block = notesBlock({
        cohortId: data.cohortId, call, notes, idPrefix: `pnote-${a.memberId}`,
        about: { sessionId, participantId: a.memberId },
        keep: (n) => n.sessionId === sessionId && n.participantId === a.memberId,
        label: `New note about ${a.name}`,
      });
      const count = notes.filter((n) => n.sessionId === sessionId && n.participantId === a.memberId).length;
      if (count) details.open = true;
      details.append(block);
      li.append(details);
    }
    return li;
  }));

  const sections = h('ol', { id: 'summary-sections', class: 'plain summary-sections' },
    sum.sections.map((sec, i) => sectionView(sec, i + 1)));
  const notRun = [...(sum.skipped || []).map((it) => `${itemTitle(it)} (skipped)`), ...(sum.pending || []).map((it) => `${itemTitle(it)} (not reached)`)];

  const sessionNotes = notesBlock({
    cohortId: data.cohortId, call, notes, idPrefix: 'session-note',
    about: { sessionId },
    keep: (n) => n.sessionId === sessionId && !n.participantId,
    label: 'New note on this session',
  });

  const nodes = [
    h('p', null, h('a', { href: `#/cohort/${enc(data.cohortId)}` }, `← ${data.cohort}`)),
    h('div', { class: 'row-head' }, h('h1', null, `${sum.title}: summary`), status),
    h('p', { class: 'muted' }, when),
    h('p', { class: 'actions tight' },
      h('a', { class: 'button', href: `#/overview/${enc(data.cohortId)}`, id: 'summary-overview-link' }, 'Cohort overview and export'),
      sum.status === 'open' ? h('a', { class: 'button primary', href: `#/room/${enc(sessionId)}` }, 'Back to the room') : null),
    h('div', { class: 'columns summary-columns' },
      h('div', null,
        h('section', { class: 'panel', 'aria-labelledby': 'happened-heading' },
          h('h2', { id: 'happened-heading' }, 'What happened'),
          sum.sections.length ? sections : h('p', { class: 'muted' }, 'No activity ran in this session.'),
          notRun.length ? h('p', { class: 'muted small' }, `Not run: ${notRun.join('; ')}.`) : null)),
      h('div', null,
        h('section', { class: 'panel', 'aria-labelledby': 'attendance-heading' },
          h('h2', { id: 'attendance-heading' }, 'Attendance'),
          h('p', { class: 'small' }, `${came} of ${people.length} came.`, facs.length ? ` Facilitating: ${facs.join(', ')}.` : ''),
          people.some((a) => a.drops > 0)
            ? h('p', { class: 'hint', id: 'attendance-hint' }, 'Dropped out: away longer than a reconnect takes. A reload or a moment offline is not counted.')
            : null,
          attendance),
        careView(sum.care),
        h('section', { class: 'panel', 'aria-labelledby': 'session-notes-heading', id: 'session-notes' },
          h('h2', { id: 'session-notes-heading' }, 'Notes on this session'),
          h('p', { class: 'hint' }, PRIVATE_HINT),
          sessionNotes))),
  ];
  return { nodes, cohortId: data.cohortId, title: sum.title };
}

// --- the cohort overview ----------------------------------------------------------------

const MARKS = {
  stayed: { icon: '●', label: 'Came' },
  returned: { icon: '◐', label: 'Came, dropped out and came back' },
  left: { icon: '○', label: 'Left early' },
  absent: { icon: '–', label: 'Did not come' },
};

const SVG_NS = 'http://www.w3.org/2000/svg';

/** svg builds an SVG element; text children are inserted as text. */
function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v != null && v !== false) el.setAttribute(k, String(v));
  }
  for (const c of children) {
    if (c == null || c === false) continue;
    el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

const STATE_ROW = { hyper: 0, within: 1, hypo: 2 };

/**
 * trendChart draws a participant's arrivals and departures over the
 * sessions that were held: three bands for the window of tolerance
 * (hyper-aroused at the top, hypo-aroused at the bottom), a filled dot for
 * the arrival state with its 0–10 scale beside it, a ring for the state
 * they left in, and a line from one to the other. It is an image with a
 * one-sentence label; the table after it says everything in words.
 */
function trendChart(person, sessions, titleId) {
  const col = 96;
  const left = 118;
  const band = 30;
  const top = 8;
  const width = left + col * Math.max(sessions.length, 1) + 8;
  const height = top + band * 3 + 40;
  const root = svg('svg', {
    class: 'trend', viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-labelledby': titleId,
    focusable: 'false',
  });
  ['hyper', 'within', 'hypo'].forEach((state, i) => {
    const y = top + band * i;
    root.append(svg('rect', { class: `band band-${state}`, x: left, y, width: width - left - 8, height: band }));
    root.append(svg('text', { class: 'axis', x: left - 8, y: y + band / 2 + 4, 'text-anchor': 'end' }, `${STATES[state].icon} ${STATES[state].label}`));
  });
  let lastArrival = null;
  sessions.forEach(({ s, index }, i) => {
    const cellData = person.sessions[index] || {};
    const x = left + col * i + col / 2;
    root.append(svg('text', { class: 'axis', x, y: top + band * 3 + 16, 'text-anchor': 'middle' }, s.title.length > 12 ? `${s.title.slice(0, 11)}…` : s.title));
    const a = cellData.arrival;
    const d = cellData.departure;
    const ay = a ? top + band * STATE_ROW[a.state] + band / 2 : null;
    const dy = d && d.state ? top + band * STATE_ROW[d.state] + band / 2 : null;
    if (a && lastArrival) {
      root.append(svg('line', { class: 'arrival-trend', x1: lastArrival.x, y1: lastArrival.y, x2: x - 14, y2: ay }));
    }
    if (a && dy != null) root.append(svg('line', { class: 'shift', x1: x - 14, y1: ay, x2: x + 14, y2: dy }));
    if (a) {
      root.append(svg('circle', { class: `arrival state-dot-${a.state}`, cx: x - 14, cy: ay, r: 6 }));
      root.append(svg('text', { class: 'scale-label', x: x - 14, y: ay - 9, 'text-anchor': 'middle' }, String(a.scale)));
      lastArrival = { x: x - 14, y: ay };
    }
    if (dy != null) root.append(svg('circle', { class: `departure state-ring-${d.state}`, cx: x + 14, cy: dy, r: 6 }));
    if (!cellData.attendance) root.append(svg('text', { class: 'axis faint', x, y: top + band * 1.5 + 4, 'text-anchor': 'middle' }, '·'));
  });
  return root;
}

function trendTable(person, sessions) {
  return stackable(h('table', { class: 'memory-table trend-table' },
    h('caption', { class: 'visually-hidden' }, `${person.name}: arrivals and departures, by session`),
    h('thead', null, h('tr', null,
      h('th', { scope: 'col' }, 'Session'), h('th', { scope: 'col' }, 'Arrived'), h('th', { scope: 'col' }, 'Left'))),
    h('tbody', null, sessions.map(({ s, index }) => {
      const c = person.sessions[index] || {};
      let arrived = 'No check-in';
      if (c.arrival) arrived = `${c.arrival.scale}/10, ${stateWords(c.arrival.state)}`;
      else if (c.attendance === 'absent') arrived = 'Did not come';
      else if (!c.attendance) arrived = 'Not on the roster';
      const leftWith = c.departure ? [`“${c.departure.word}”`, c.departure.state ? `, ${stateWords(c.departure.state)}` : ''] : ['–'];
      return h('tr', null, h('th', { scope: 'row' }, s.title), h('td', null, arrived), h('td', null, ...leftWith));
    }))));
}

function trendSentence(person, sessions) {
  const points = sessions.map(({ index }) => person.sessions[index] || {}).filter((c) => c.arrival);
  if (points.length === 0) return `${person.name}: no check-ins yet.`;
  const arrivals = points.map((c) => `${stateWords(c.arrival.state).toLowerCase()} (${c.arrival.scale}/10)`);
  const departures = points.filter((c) => c.departure && c.departure.state).map((c) => stateWords(c.departure.state).toLowerCase());
  return `${person.name} arrived ${arrivals.join(', then ')}`
    + (departures.length ? `, and left ${departures.join(', then ')}.` : '.');
}

/**
 * overviewPage loads and builds the cohort overview: exports, the
 * attendance grid, each participant's trend with their notes, and the
 * intention journeys. Resolves to {nodes, title}.
 *
 * Hooks: #attendance-grid td[data-person][data-session][data-mark];
 * #trends > section[data-person-id] svg.trend; #export-md, #export-json;
 * #intentions.
 */
export async function overviewPage({ cohortId, call }) {
  const data = await call('GET', `/api/cohorts/${enc(cohortId)}/overview`);
  const notes = data.notes || [];
  const held = data.sessions.map((s, index) => ({ s, index })).filter(({ s }) => s.opened);
  const sessionTitle = new Map(data.sessions.map((s) => [s.id, s.title]));

  const exportPanel = h('section', { class: 'panel', 'aria-labelledby': 'export-heading' },
    h('h2', { id: 'export-heading' }, 'Export'),
    h('p', null, 'Download this cohort’s whole record: every session, every answer with names, and the facilitators’ private notes. Keep the file as safe as any clinical record.'),
    h('p', { class: 'actions tight' },
      h('a', { class: 'button', id: 'export-md', href: `/api/cohorts/${enc(cohortId)}/export.md`, download: '' }, 'Download as Markdown', h('span', { class: 'muted small' }, ' (to read)')),
      h('a', { class: 'button', id: 'export-json', href: `/api/cohorts/${enc(cohortId)}/export.json`, download: '' }, 'Download as JSON', h('span', { class: 'muted small' }, ' (complete)'))));

  const grid = data.participants.length && data.sessions.length
    ? h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-labelledby': 'grid-heading' },
      h('table', { id: 'attendance-grid', class: 'memory-table grid' },
        h('caption', { class: 'visually-hidden' }, 'Attendance: one row per participant, one column per session'),
        h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Participant'),
          data.sessions.map((s) => h('th', { scope: 'col' },
            s.opened ? h('a', { href: `#/summary/${enc(s.id)}` }, s.title) : s.title,
            h('span', { class: 'muted small block' }, formatDay(s.startsAt)))))),
        h('tbody', null, data.participants.map((p) => h('tr', null,
          h('th', { scope: 'row' }, p.name, p.removed ? h('span', { class: 'muted small' }, ' (removed)') : null),
          data.sessions.map((s, j) => {
            const c = p.sessions[j] || {};
            const mark = MARKS[c.attendance];
            if (!s.opened) return h('td', { class: 'muted small', dataset: { person: p.name, session: s.title, mark: 'not-held' } }, 'not held');
            if (!mark) return h('td', { class: 'muted', dataset: { person: p.name, session: s.title, mark: 'none' } }, h('span', { 'aria-hidden': 'true' }, '·'), h('span', { class: 'visually-hidden' }, 'Not on the roster then'));
            return h('td', { class: `mark mark-${c.attendance}`, dataset: { person: p.name, session: s.title, mark: c.attendance } },
              h('span', { class: 'icon', 'aria-hidden': 'true' }, mark.icon), ' ', mark.label);
          }))))))
    : h('p', { class: 'muted' }, 'Once sessions have been held, attendance shows here.');

  const trends = h('div', { id: 'trends' }, data.participants.map((p) => {
    const titleId = `trend-title-${p.id}`;
    const hasNotes = notes.some((n) => n.participantId === p.id);
    const section = h('section', { class: 'trend-person', dataset: { personId: p.id }, 'aria-labelledby': `person-${p.id}` },
      h('h3', { id: `person-${p.id}` }, p.name, p.removed ? h('span', { class: 'muted small' }, ' (removed)') : null),
      held.length
        ? [h('p', { id: titleId, class: 'small' }, trendSentence(p, held)),
          // A chart of many sessions scrolls sideways in its own box, which
          // a keyboard can reach and a screen reader names.
          h('div', { class: 'table-scroll', tabindex: '0', role: 'region', 'aria-label': `${p.name}: chart of arrivals and departures` },
            trendChart(p, held, titleId)),
          h('details', { class: 'trend-details' }, h('summary', null, 'As a table'), trendTable(p, held))]
        : h('p', { class: 'muted small' }, 'No sessions held yet.'));
    if (!p.removed) {
      const details = h('details', { class: 'person-notes', open: hasNotes },
        h('summary', null, `Notes about ${p.name}`));
      details.append(notesBlock({
        cohortId, call, notes, idPrefix: `overview-note-${p.id}`,
        about: { participantId: p.id },
        keep: (n) => n.participantId === p.id,
        describe: (n) => (n.sessionId ? ` · in ${sessionTitle.get(n.sessionId) || 'a session'}` : ''),
        label: `New note about ${p.name}`,
      }));
      section.append(details);
    }
    return section;
  }));

  // Each kind with a part in the overview (the intentions' journeys) adds its panel.
  const kindPanels = Object.values(ACTIVITIES).filter((a) => a.overview).map((a) => a.overview(data));

  const nodes = [
    h('p', null, h('a', { href: `#/cohort/${enc(cohortId)}` }, `← ${data.cohort}`)),
    h('h1', null, `${data.cohort}: overview`),
    h('p', { class: 'muted' }, `${plural(held.length, '1 session held', 'sessions held')}, ${plural(data.participants.filter((p) => !p.removed).length, '1 participant', 'participants')}.`),
    h('section', { class: 'panel', 'aria-labelledby': 'grid-heading' },
      h('h2', { id: 'grid-heading' }, 'Attendance'),
      data.sessions.length > 1 ? h('p', { class: 'hint scroll-hint' }, 'The table scrolls sideways: one column per session.') : null,
      grid,
      h('p', { class: 'hint legend' }, Object.values(MARKS).map((m) => h('span', null, h('span', { 'aria-hidden': 'true' }, m.icon), ` ${m.label}  `)))),
    h('section', { class: 'panel', 'aria-labelledby': 'trends-heading' },
      h('h2', { id: 'trends-heading' }, 'Arrivals and departures'),
      h('p', { class: 'hint' }, 'Each session: a dot for the state someone arrived in (their first check-in, with its 0–10 scale), a ring for the state they left in (the check-out’s closing check). ', PRIVATE_HINT),
      trends),
    kindPanels,
    exportPanel,
  ];
  return { nodes, title: data.cohort };
}

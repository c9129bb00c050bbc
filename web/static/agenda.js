// agenda.js — what the console and the participant view share about agendas
// (docs/protocol.md, "Agendas"): an item's title and status, the kind
// picker, and the settings form, whose fields for each kind come from that
// kind's module (activities/).

import { h } from './dom.js';
import { ACTIVITIES, activity } from './activities/index.js';

export const MAX_ITEMS = 30;

const STATUS = {
  pending: 'Pending',
  running: 'Running now',
  done: 'Done',
  skipped: 'Skipped',
};

/** kindLabel is the plain name of an activity kind ("Grounding"). */
export function kindLabel(kind) {
  const a = activity(kind);
  return (a && a.label) || kind || 'Activity';
}

/** itemTitle is the item's own title, or its kind's default. */
export function itemTitle(item) {
  if (!item) return '';
  const title = typeof item.title === 'string' ? item.title.trim() : '';
  const a = activity(item.kind);
  return title || (a && a.title) || kindLabel(item.kind);
}

/** itemSummary is one line with an item's key settings. */
export function itemSummary(item) {
  const a = item && activity(item.kind);
  return a ? a.settings.line(item) : '';
}

// --- the settings form ----------------------------------------------------------

/** blankValues are the settings form's fields for a new item of any kind. */
export function blankValues() {
  const v = { title: '' };
  for (const a of Object.values(ACTIVITIES)) Object.assign(v, a.settings.blank());
  return v;
}

/** valuesOf turns an item into the settings form's fields. */
export function valuesOf(item) {
  const v = blankValues();
  if (!item) return v;
  v.title = item.title || '';
  const a = activity(item.kind);
  if (a) Object.assign(v, a.settings.fromItem(item));
  return v;
}

/**
 * itemFrom checks the settings form's fields for one kind and returns
 * {item} (without id) or {error, field} (the field's key, to focus it).
 */
export function itemFrom(kind, v) {
  const title = (v.title || '').trim();
  if (title.length > 100) return { error: 'The title can be at most 100 characters.', field: 'title' };
  const a = activity(kind);
  if (!a) return { error: 'Please choose a kind of activity.', field: 'kind' };
  const result = a.settings.toItem(v);
  if (result.error) return result;
  return { item: { kind, ...(title ? { title } : {}), ...result.fields } };
}

/**
 * settingsFields builds the settings of every kind, showing the chosen
 * kind's. All ids start with `prefix` (e.g. "agenda-add-minutes"), so one
 * page may hold one form per prefix. onInput is called after any change.
 *
 * Returns {root, kind, setKind(kind), values(), setValues(v), read(), focus(key)}.
 */
export function settingsFields(prefix, { kind = 'checkin', values, onInput } = {}) {
  const v = { ...blankValues(), ...(values || {}) };
  const id = (name) => `${prefix}-${name}`;

  const title = h('input', { type: 'text', id: id('title'), maxlength: 100, autocomplete: 'off', value: v.title });
  const sets = Object.values(ACTIVITIES).map((a) => {
    const f = a.settings.fields(id, v);
    return { kind: a.kind, ...f, root: h('div', { class: 'kind-fields', dataset: { kind: a.kind } }, f.nodes) };
  });
  const inputs = { title };
  for (const set of sets) Object.assign(inputs, set.inputs);

  const titleField = h('div', { class: 'title-field' },
    h('label', { for: title.id }, 'Title (optional)'), title);
  const root = h('div', { class: 'settings-fields' }, sets.map((set) => set.root), titleField);
  let current = activity(kind) ? kind : 'checkin';

  function show() {
    for (const set of sets) {
      set.root.hidden = set.kind !== current;
      if (set.refresh) set.refresh();
    }
    title.placeholder = activity(current).title;
  }

  root.addEventListener('input', () => { show(); if (onInput) onInput(); });
  root.addEventListener('change', () => { show(); if (onInput) onInput(); });
  show();

  function currentValues() {
    const out = {};
    for (const [key, input] of Object.entries(inputs)) out[key] = input.type === 'checkbox' ? input.checked : input.value;
    return out;
  }

  return {
    root,
    get kind() { return current; },
    setKind(next) {
      current = activity(next) ? next : 'checkin';
      show();
    },
    values: currentValues,
    setValues(next) {
      const all = { ...blankValues(), ...(next || {}) };
      for (const [key, input] of Object.entries(inputs)) {
        if (input.type === 'checkbox') input.checked = Boolean(all[key]);
        else input.value = all[key] ?? '';
      }
      show();
    },
    read() {
      return itemFrom(current, currentValues());
    },
    focus(key) {
      const input = inputs[key];
      if (input) input.focus();
    },
  };
}

/** kindSelect is the select of the kinds of activity. */
export function kindSelect(id, value) {
  const select = h('select', { id },
    Object.values(ACTIVITIES).map((a) => h('option', { value: a.kind }, a.label)));
  select.value = activity(value) ? value : 'checkin';
  return select;
}

/** statusBadge is an item's status as words and a shape. */
export function statusBadge(status) {
  const s = STATUS[status] ? status : 'pending';
  const icon = { pending: '○', running: '●', done: '✓', skipped: '–' }[s];
  return h('span', { class: `badge status status-${s}` },
    h('span', { class: 'icon', 'aria-hidden': 'true' }, icon), ' ', STATUS[s]);
}

/** stripItem keeps only what an agenda item sends back to the server. */
export function stripItem(item, { keepId = true } = {}) {
  const out = { kind: item.kind };
  if (keepId && item.id && !String(item.id).startsWith('new-')) out.id = item.id;
  if (item.title) out.title = item.title;
  const a = activity(item.kind);
  if (a) return Object.assign(out, a.settings.wire(item));
  // A kind this page does not know: send back what it had, untouched.
  for (const [key, value] of Object.entries(item)) {
    if (key !== 'status' && key !== 'id' && !(key in out)) out[key] = value;
  }
  return out;
}

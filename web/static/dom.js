// dom.js — tiny DOM helpers shared by the console and the participant view.
//
// Everything that may carry user text goes through text nodes or element
// properties (textContent, value); nothing here ever parses HTML.

// Properties that must be set as DOM properties, after the children exist
// (a <select>'s value needs its options first).
const PROPS = new Set(['value', 'checked', 'selected', 'textContent']);

/**
 * h builds an element: h('button', {class: 'primary', onclick: fn}, 'Save').
 * Children may be strings or numbers (inserted as text), nodes, arrays, or
 * null/false (skipped). Attributes with null, undefined or false are left out.
 */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  const later = [];
  if (attrs) {
    for (const [key, value] of Object.entries(attrs)) {
      if (value == null || value === false) continue;
      if (key === 'class') el.className = value;
      else if (key === 'dataset') Object.assign(el.dataset, value);
      else if (key.startsWith('on') && typeof value === 'function') {
        el.addEventListener(key.slice(2).toLowerCase(), value);
      } else if (PROPS.has(key)) later.push([key, value]);
      else el.setAttribute(key, value === true ? '' : String(value));
    }
  }
  append(el, children);
  for (const [key, value] of later) el[key] = value;
  return el;
}

/** append adds children (text, nodes, arrays; null/false skipped) to el. */
export function append(el, children) {
  for (const child of children) {
    if (child == null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
  return el;
}

/** $ is document.querySelector. */
export const $ = (selector, root = document) => root.querySelector(selector);

/** setText replaces el's content with plain text (or removes it for ''). */
export function setText(el, text) {
  if (el && el.textContent !== text) el.textContent = text;
}

let announcing = []; // what is to be said at the next write of the region

/**
 * announce says text through the page's polite live region (#announce).
 * Several announcements in one moment (a share ends, the piece moves on,
 * the action is acknowledged) are said together, none lost to the next.
 */
export function announce(text) {
  const region = document.getElementById('announce');
  if (!region || !text) return;
  announcing.push(text);
  if (announcing.length > 1) return; // a write is already on its way
  // Clearing first makes a repeated message be read again.
  region.textContent = '';
  window.setTimeout(() => {
    region.textContent = announcing.join(' ');
    announcing = [];
  }, 50);
}

/** safeUrl returns url if it is an http(s) URL, else '' (never javascript:). */
export function safeUrl(url) {
  if (typeof url !== 'string' || url === '') return '';
  try {
    const parsed = new URL(url, location.href);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : '';
  } catch {
    return '';
  }
}

/** formatDateTime shows an RFC 3339 time or Unix ms in the reader's locale. */
export function formatDateTime(value) {
  if (value == null || value === '') return '';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return '';
  return date.toLocaleString(undefined, {
    weekday: 'long', day: 'numeric', month: 'long', year: 'numeric',
    hour: '2-digit', minute: '2-digit',
  });
}

/** formatTime shows the clock time of Unix ms or an RFC 3339 string. */
export function formatTime(value) {
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return '';
  return date.toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit' });
}

/** The window-of-tolerance states, in plain words, with a shape for each. */
export const STATES = {
  hypo: { label: 'Hypo-aroused', icon: '▼', plain: 'numb, flat, far away' },
  within: { label: 'Within window', icon: '●', plain: 'present, able to feel and think' },
  hyper: { label: 'Hyper-aroused', icon: '▲', plain: 'anxious, racing, overwhelmed' },
};

/** stateBadge is a small label for a check-in state: shape + words (+ colour in CSS). */
export function stateBadge(state, extraClass = '') {
  const info = STATES[state];
  if (!info) return null;
  return h('span', { class: `badge state state-${state} ${extraClass}`.trim() },
    h('span', { class: 'icon', 'aria-hidden': 'true' }, info.icon), ' ', info.label);
}

/** The presence words, with a shape so colour is never the only signal. */
export const PRESENCE = {
  present: { label: 'Present', icon: '●' },
  reconnecting: { label: 'Reconnecting', icon: '◐' },
  left: { label: 'Left', icon: '○' },
  absent: { label: 'Not here yet', icon: '–' },
};

/** presenceLabel renders a member's presence as shape + words. */
export function presenceLabel(presence) {
  const info = PRESENCE[presence] || { label: presence || 'Unknown', icon: '?' };
  return h('span', { class: `presence presence-${presence}` },
    h('span', { class: 'icon', 'aria-hidden': 'true' }, info.icon), ' ', info.label);
}

/** storage wraps localStorage so private modes or full disks never break the page. */
export const storage = {
  get(key) {
    try {
      const raw = window.localStorage.getItem(key);
      return raw == null ? null : JSON.parse(raw);
    } catch {
      return null;
    }
  },
  set(key, value) {
    try {
      window.localStorage.setItem(key, JSON.stringify(value));
    } catch {
      // Storage may be unavailable (private mode, quota): the page still works.
    }
  },
  remove(key) {
    try {
      window.localStorage.removeItem(key);
    } catch {
      // ignore
    }
  },
};

/** plural says a count: plural(1, 'once', 'times') is "once", plural(3, …) "3 times". */
export function plural(n, one, many) {
  return n === 1 ? one : `${n} ${many}`;
}

/** fill replaces el's children (null/false skipped, strings as text). */
export function fill(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** formError is a form's error line (an alert, empty when there is none). */
export function formError(id) {
  return h('p', { id, class: 'form-error', role: 'alert' });
}

/** field is a label, an optional hint (tied with aria-describedby) and the input. */
export function field(labelText, input, hint) {
  const hintId = hint ? `${input.id}-hint` : null;
  if (hintId) input.setAttribute('aria-describedby', hintId);
  return [
    h('label', { for: input.id }, labelText),
    hint ? h('p', { class: 'hint', id: hintId }, hint) : null,
    input,
  ];
}

/** busy disables a button while fn runs. */
export async function busy(button, fn) {
  button.disabled = true;
  try {
    return await fn();
  } finally {
    button.disabled = false;
  }
}

// form.submit() (some scripts and test drivers call it) skips the submit
// handlers and would send the fields as a page load, a password in a URL
// included. Route it through requestSubmit, so every submission takes the
// page's own path.
if (typeof HTMLFormElement !== 'undefined' && HTMLFormElement.prototype.requestSubmit) {
  HTMLFormElement.prototype.submit = function submit() {
    this.requestSubmit();
  };
}

/**
 * keepFocus runs fn (which may rebuild part of the page) and gives the focus
 * back to the element that had it, with its caret, if that element is still
 * in the page: moving a node in the DOM would otherwise drop the focus.
 */
export function keepFocus(fn) {
  const active = document.activeElement;
  let start = null;
  let end = null;
  try {
    start = active && 'selectionStart' in active ? active.selectionStart : null;
    end = active && 'selectionEnd' in active ? active.selectionEnd : null;
  } catch {
    // inputs like number or checkbox have no selection
  }
  const result = fn();
  if (active && active !== document.body && active.isConnected && document.activeElement !== active) {
    active.focus({ preventScroll: true });
    try {
      if (start != null && end != null) active.setSelectionRange(start, end);
    } catch {
      // not a text field
    }
  }
  return result;
}

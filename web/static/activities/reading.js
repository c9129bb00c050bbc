// reading.js — a reading (docs/protocol.md, "The reading activity"): the
// facilitator shares a short passage (a poem, a quote, the group's
// agreements, words to close with) and everyone reads the same words. A
// participant may say "I've read it": the facilitators see who has, the
// group only how many.
//
// The passage is user text: it goes in as text, its line breaks kept by CSS
// (.preserve), never as HTML.

import { h, setText, formError } from '../dom.js';
import { stepTitle, actions, count, answered, textInput, quoted } from './view.js';

const MAX_TEXT = 1000;
const MAX_SOURCE = 100;

/** chars counts as the server does: in code points, not UTF-16 units. */
function chars(s) {
  return [...s].length;
}

/**
 * passage is the reading's words and, when given, their source, in large
 * type with their line breaks. Hooks: #{prefix}-text, #{prefix}-source.
 */
function passage(prefix) {
  const text = h('p', { id: `${prefix}-text`, class: 'prompt preserve reading-text' });
  const source = h('p', { id: `${prefix}-source`, class: 'muted reading-source' });
  return {
    nodes: [text, source],
    paint(a) {
      setText(text, a.text || '');
      setText(source, a.source ? `— ${a.source}` : '');
      source.hidden = !a.source;
    },
  };
}

function readLine(a) {
  return `${count(a.readCount)} of ${count(a.expected)} have read it`;
}

// --- the participant ------------------------------------------------------------

function participant(activity, { live }) {
  const heading = h('h2', { id: 'reading-heading' }, 'A reading');
  const words = passage('reading');
  const progress = h('p', { id: 'reading-progress', class: 'progress-line muted' });
  const done = h('button', { type: 'button', id: 'reading-done', class: 'primary big', 'aria-describedby': 'reading-hint' }, 'I’ve read it');
  const hint = h('p', { id: 'reading-hint', class: 'hint' }, 'If you like. Your facilitators see who has; the group sees only how many.');
  const marked = h('p', { id: 'reading-marked', class: 'form-ok', tabindex: '-1', hidden: true }, 'You’ve marked it read.');
  const error = formError('reading-error');
  const act = actions(live, error);
  // Once it is marked the button goes; the focus goes to what it says, not
  // to the page's top. (The event that marks it comes before the ack.)
  done.addEventListener('click', () => act(done, 'reading.done', {}).then(() => {
    if (!marked.hidden) marked.focus();
  }));

  const root = h('section', { id: 'reading', class: 'panel reading', 'aria-labelledby': 'reading-heading' },
    heading, words.nodes, h('div', { class: 'actions' }, done), hint, marked, error, progress);

  return {
    root,
    update(state) {
      const a = state.room.activity;
      setText(heading, stepTitle(state.room, a, 'A reading'));
      words.paint(a);
      const isDone = Boolean(state.room.mine && state.room.mine.reading && state.room.mine.reading.done);
      done.hidden = isDone;
      hint.hidden = isDone;
      marked.hidden = !isDone;
      if (isDone) setText(error, '');
      setText(progress, readLine(a));
    },
  };
}

// --- the console -------------------------------------------------------------------

function consoleView(activity, { live }) {
  const heading = h('h2', { id: 'activity-heading' }, 'A reading');
  const words = passage('reading');
  const progress = h('p', { id: 'reading-progress', class: 'progress-line' });
  const readers = answered({
    heading: 'Marked read', id: 'reading-read', none: 'Nobody has marked it read yet.',
    waitingHeading: 'Not marked yet', waitingHeadingId: 'reading-not-yet-heading', waitingId: 'reading-not-yet',
  });
  const end = h('button', { type: 'button', id: 'end-activity' }, 'End reading');
  const error = formError('reading-error');
  const act = actions(live, error);
  end.addEventListener('click', () => act(end, 'activity.end', {}));

  const root = h('div', { id: 'reading', class: 'reading-console' },
    heading, words.nodes, progress, readers.nodes, error, h('div', { class: 'actions' }, end));

  function readerRow(r) {
    return h('li', { dataset: { readMember: r.memberId } }, h('span', { class: 'name' }, r.name || ''));
  }

  return {
    root,
    update(state) {
      const room = state.room;
      const a = room.activity;
      const list = Array.isArray(a.read) ? a.read : [];
      setText(heading, stepTitle(room, a, 'A reading'));
      words.paint(a);
      setText(progress, readLine(a));
      readers.paint(room, list, readerRow, new Set(list.map((r) => r.memberId)), 'Everyone here has marked it read.');
    },
  };
}

/** marks are what the console's list of people shows beside each who has read it. */
function marks(activity) {
  const out = new Map();
  for (const r of Array.isArray(activity.read) ? activity.read : []) {
    out.set(r.memberId, h('span', { class: 'badge ok small' }, h('span', { class: 'icon', 'aria-hidden': 'true' }, '✓'), ' read'));
  }
  return out;
}

// --- the agenda's settings --------------------------------------------------------------

/** firstLine is the start of a reading, for one line of the agenda. */
function firstLine(text) {
  const line = String(text || '').split('\n')[0].trim();
  const cut = [...line];
  return cut.length > 60 ? `${cut.slice(0, 59).join('')}…` : line;
}

const settings = {
  blank: () => ({ readingText: '', readingSource: '' }),
  fromItem: (item) => ({ readingText: item.text || '', readingSource: item.source || '' }),
  fields(id, v) {
    const readingText = h('textarea', {
      id: id('reading-text'), rows: 6, maxlength: MAX_TEXT, 'aria-describedby': id('reading-text-hint'), value: v.readingText,
    });
    const readingSource = textInput(id('reading-source'), v.readingSource, MAX_SOURCE);
    readingSource.setAttribute('aria-describedby', id('reading-source-hint'));
    return {
      nodes: [
        h('label', { for: readingText.id }, 'The reading'),
        h('p', { class: 'hint', id: id('reading-text-hint') }, 'A poem, a quote, the group agreements, words to close with: up to 1000 characters. Line breaks are kept.'),
        readingText,
        h('label', { for: readingSource.id }, 'Source (optional)'),
        h('p', { class: 'hint', id: id('reading-source-hint') }, 'The poet or the book, say.'),
        readingSource],
      inputs: { readingText, readingSource },
    };
  },
  toItem(v) {
    const text = String(v.readingText || '').replace(/\r\n?/g, '\n').trim();
    const source = String(v.readingSource || '').split(/\s+/).filter(Boolean).join(' ');
    if (!text) return { error: 'Please write the reading’s text.', field: 'readingText' };
    if (chars(text) > MAX_TEXT) return { error: `The reading can be at most ${MAX_TEXT} characters.`, field: 'readingText' };
    if (chars(source) > MAX_SOURCE) return { error: `The source can be at most ${MAX_SOURCE} characters.`, field: 'readingSource' };
    return { fields: source ? { text, source } : { text } };
  },
  line: (item) => [quoted(firstLine(item.text)), item.source || ''].filter(Boolean).join(' · '),
  wire: (item) => (item.source ? { text: item.text, source: item.source } : { text: item.text }),
};

// --- memory -----------------------------------------------------------------------------

function words(part) {
  return [
    h('p', { class: 'prompt-line preserve' }, part.text || ''),
    part.source ? h('p', { class: 'muted small' }, `— ${part.source}`) : null,
  ];
}

function summary(part) {
  const names = (Array.isArray(part.read) ? part.read : []).map((r) => r.name);
  return [
    words(part),
    names.length
      ? h('p', { class: 'small' }, `Marked read by: ${names.join(', ')}.`)
      : h('p', { class: 'muted small' }, 'Nobody marked it read.'),
  ];
}

function journey(part) {
  return [
    words(part),
    part.done
      ? h('p', { class: 'small' }, 'You marked it read.')
      : h('p', { class: 'muted small' }, 'You did not mark it read this time.'),
  ];
}

export default {
  kind: 'reading',
  label: 'Reading',
  title: 'A reading',
  startedText: () => 'Your facilitator is sharing a reading.',
  participant,
  console: consoleView,
  marks,
  settings,
  summary,
  journey,
};

// console-agenda.js — planning a session's agenda on the cohort page
// (docs/protocol.md, "Agendas"): the list of activities, add / edit /
// remove / move, start from a template, save as a template, save with
// PUT /api/sessions/{id}/agenda.
//
// Until it is saved, the agenda being planned is a draft in localStorage,
// so a reload, a lost login or a closed tab loses nothing. The editor's
// nodes are built once per session and kept, so a re-render of the cohort
// page never wipes what is being typed.

import { enc } from './api.js';
import {
  MAX_ITEMS, itemTitle, itemSummary, kindLabel, settingsFields, kindSelect,
  stripItem, valuesOf, blankValues,
} from './agenda.js';
import { activity } from './activities/index.js';
import { h, setText, announce, storage, fill, formError, busy, keepFocus } from './dom.js';

const DRAFT_PREFIX = 'hearth.agendaDraft.';
const DRAFT_MAX_AGE_MS = 30 * 24 * 60 * 60 * 1000;

let newCounter = 0;
function newId() {
  newCounter += 1;
  return `new-${Date.now().toString(36)}-${newCounter}`;
}

/** comparable is an agenda as the server would keep it, for telling whether it changed. */
function comparable(items) {
  return JSON.stringify((items || []).map((item) => stripItem(item)));
}

/**
 * templateStore loads the facilitator's templates once per page and tells
 * every editor when they change.
 */
export function templateStore(call) {
  const listeners = new Set();
  const store = {
    templates: [],
    state: 'idle', // idle | loading | ready | error
    error: '',
    async load(force = false) {
      if (store.state === 'loading' || (store.state === 'ready' && !force)) return;
      store.state = 'loading';
      store.emit();
      try {
        const data = await call('GET', '/api/templates');
        store.templates = (data && Array.isArray(data.templates)) ? data.templates : [];
        store.state = 'ready';
        store.error = '';
      } catch (err) {
        store.state = 'error';
        store.error = err.message;
      }
      store.emit();
    },
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    emit() {
      for (const fn of [...listeners]) fn(store);
    },
  };
  return store;
}

/**
 * agendaEditor is the agenda of one planned session.
 *
 * Hooks: #agenda-editor; li[data-item-id][data-kind][data-status] with
 * button[data-action="up"|"down"|"edit"|"remove"]; #agenda-add-form,
 * #agenda-add-kind; #agenda-save; #template-select, #template-apply,
 * #template-save-name, #template-save.
 *
 * call: the console's api call; templates: a templateStore; onSaved(session)
 * after a save.
 */
export function agendaEditor({ session: initialSession, call, templates, onSaved }) {
  let session = initialSession;
  const draftKey = `${DRAFT_PREFIX}${session.id}`;
  let base = comparable(session.agenda);
  let items = withIds(session.agenda);
  let editing = null; // {id, fields, root}
  let undo = null; // {items, label} after a template filled the agenda
  // A template picked in the list but not used yet: opening the room then
  // would open it without the agenda the facilitator had in mind.
  let templateChosen = false;

  const heading = h('h3', { id: 'agenda-editor-heading' });
  const restored = h('div', { class: 'notice', hidden: true });
  const empty = h('p', { class: 'muted' }, 'No activities yet. Start from a template, or add them one by one below.');
  const list = h('ol', { id: 'agenda-items', class: 'plain agenda-list' });
  const listError = formError('agenda-error');
  const count = h('p', { class: 'hint', id: 'agenda-count' });

  // --- templates
  const templateSelect = h('select', { id: 'template-select', 'aria-describedby': 'template-preview' });
  const templatePreview = h('p', { class: 'hint', id: 'template-preview' });
  const applyButton = h('button', { type: 'button', id: 'template-apply' }, 'Use this template');
  const deleteButton = h('button', { type: 'button', id: 'template-delete', class: 'link', hidden: true }, 'Delete this template');
  const templateMsg = h('div', { class: 'form-ok', role: 'status' });
  const templateError = formError('template-error');

  // --- add
  const addKind = kindSelect('agenda-add-kind', 'checkin');
  const addFields = settingsFields('agenda-add', { kind: 'checkin', onInput: saveDraft });
  const addError = formError('agenda-add-error');
  const addSubmit = h('button', { type: 'submit' }, 'Add to agenda');
  const addForm = h('form', { id: 'agenda-add-form', class: 'agenda-add', novalidate: true },
    h('h4', null, 'Add an activity'),
    h('label', { for: 'agenda-add-kind' }, 'Kind of activity'),
    addKind,
    addFields.root,
    addError,
    h('div', { class: 'actions' }, addSubmit));

  // --- save
  const saveButton = h('button', { type: 'button', id: 'agenda-save', class: 'primary' }, 'Save agenda');
  const saveStatus = h('p', { id: 'agenda-save-status', class: 'save-status', role: 'status' });
  const saveError = formError('agenda-save-error');

  // --- save as template
  const templateName = h('input', { type: 'text', id: 'template-save-name', maxlength: 100, autocomplete: 'off' });
  const templateSave = h('button', { type: 'button', id: 'template-save' }, 'Save as template');
  const templateSaveMsg = h('p', { class: 'form-ok', role: 'status' });
  const templateSaveError = formError('template-save-error');

  const root = h('section', { id: 'agenda-editor', class: 'agenda-editor', 'aria-labelledby': 'agenda-editor-heading', dataset: { sessionId: session.id } },
    heading,
    restored,
    h('div', { class: 'template-pick' },
      h('label', { for: 'template-select' }, 'Start from a template'),
      h('div', { class: 'inline-form' }, templateSelect, applyButton),
      templatePreview, deleteButton, templateError, templateMsg),
    h('h4', null, 'Activities'),
    empty, list, count, listError,
    addForm,
    h('div', { class: 'save-row' }, saveButton, saveStatus),
    saveError,
    h('div', { class: 'template-save' },
      h('label', { for: 'template-save-name' }, 'Save this agenda as a template'),
      h('p', { class: 'hint', id: 'template-save-hint' }, 'Give it a name to reuse it for other sessions.'),
      h('div', { class: 'inline-form' }, templateName, templateSave),
      templateSaveError, templateSaveMsg));
  templateName.setAttribute('aria-describedby', 'template-save-hint');

  // --- drafts

  function restoreDraft() {
    const draft = storage.get(draftKey);
    if (!draft || !Array.isArray(draft.items)) return;
    if (Date.now() - (draft.savedAt || 0) > DRAFT_MAX_AGE_MS) {
      storage.remove(draftKey);
      return;
    }
    if (activity(draft.addKind)) {
      addKind.value = draft.addKind;
      addFields.setKind(draft.addKind);
    }
    if (draft.addValues) addFields.setValues(draft.addValues);
    if (comparable(draft.items) !== base) {
      items = withIds(draft.items);
      const changedMeanwhile = draft.base !== base;
      fill(restored,
        h('p', null, changedMeanwhile
          ? 'Your unsaved changes to this agenda are back. The saved agenda was changed meanwhile (by you elsewhere, or a co-facilitator): saving replaces it.'
          : 'Your unsaved changes to this agenda are back.'),
        h('button', { type: 'button', id: 'agenda-discard', onclick: discardDraft }, 'Discard my changes'));
      restored.hidden = false;
    }
  }

  function saveDraft() {
    const addValues = addFields.values();
    const addBlank = addKind.value === 'checkin' && JSON.stringify(addValues) === JSON.stringify(blankValues());
    if (comparable(items) === base && addBlank) {
      storage.remove(draftKey);
    } else {
      storage.set(draftKey, {
        items: items.map((item) => ({ ...stripItem(item), id: item.id })),
        base, addKind: addKind.value, addValues, savedAt: Date.now(),
      });
    }
    paintStatus();
  }

  function discardDraft() {
    items = withIds(session.agenda);
    editing = null;
    undo = null;
    storage.remove(draftKey);
    addKind.value = 'checkin';
    addFields.setKind('checkin');
    addFields.setValues(blankValues());
    restored.hidden = true;
    fill(templateMsg);
    render();
    announce('Your changes are discarded. The saved agenda is shown.');
    saveButton.focus();
  }

  // --- the list

  function withIds(list) {
    return (Array.isArray(list) ? list : []).map((item) => ({ ...item, id: item.id || newId() }));
  }

  function changeItems(next, message, { keepUndo = false } = {}) {
    // "Undo" puts back the agenda from before a template: once the new
    // agenda is changed by hand, it would undo those changes too, so it goes.
    if (!keepUndo && undo) {
      undo = null;
      fill(templateMsg);
    }
    items = next;
    render();
    saveDraft();
    if (message) announce(message);
  }

  function itemRow(item, index) {
    const title = itemTitle(item);
    const li = h('li', { dataset: { itemId: item.id, kind: item.kind || '', status: item.status || 'pending' } });
    if (editing && editing.id === item.id) {
      li.append(editing.root);
      return li;
    }
    const btn = (action, text, label, extra = {}) => h('button', {
      type: 'button', class: `icon-button ${extra.class || ''}`.trim(), dataset: { action }, title: label, disabled: extra.disabled,
    }, h('span', { 'aria-hidden': 'true' }, text), h('span', { class: 'visually-hidden' }, `${label}: ${title}`));
    const up = btn('up', '↑', 'Move up', { disabled: index === 0 });
    const down = btn('down', '↓', 'Move down', { disabled: index === items.length - 1 });
    const edit = h('button', { type: 'button', dataset: { action: 'edit' } }, 'Edit', h('span', { class: 'visually-hidden' }, ` ${title}`));
    const remove = h('button', { type: 'button', class: 'danger', dataset: { action: 'remove' } }, 'Remove', h('span', { class: 'visually-hidden' }, ` ${title}`));
    up.addEventListener('click', () => move(item.id, -1, 'up'));
    down.addEventListener('click', () => move(item.id, 1, 'down'));
    edit.addEventListener('click', () => startEdit(item.id));
    remove.addEventListener('click', () => {
      const at = items.findIndex((x) => x.id === item.id);
      changeItems(items.filter((x) => x.id !== item.id), `${title} removed from the agenda. Save to keep the change.`);
      focusAfterRemove(at);
    });
    li.append(
      h('span', { class: 'item-num', 'aria-hidden': 'true' }, String(index + 1)),
      h('div', { class: 'item-main' },
        h('div', { class: 'row-head' },
          h('span', { class: 'name' }, title),
          title === kindLabel(item.kind) ? null : h('span', { class: `badge kind kind-${item.kind}` }, kindLabel(item.kind))),
        h('p', { class: 'muted small item-summary' }, itemSummary(item))),
      h('div', { class: 'item-actions' }, up, down, edit, remove));
    return li;
  }

  function move(id, delta, action) {
    const from = items.findIndex((x) => x.id === id);
    const to = from + delta;
    if (from < 0 || to < 0 || to >= items.length) return;
    const next = items.slice();
    const [item] = next.splice(from, 1);
    next.splice(to, 0, item);
    changeItems(next, `${itemTitle(item)} moved to place ${to + 1} of ${next.length}.`);
    focusItem(id, action);
  }

  function focusItem(id, action) {
    const li = list.querySelector(`li[data-item-id="${CSS.escape(id)}"]`);
    if (!li) return;
    let target = li.querySelector(`button[data-action="${action}"]`);
    if (!target || target.disabled) target = li.querySelector('button[data-action="up"]:not(:disabled), button[data-action="down"]:not(:disabled), button[data-action="edit"]');
    if (target) target.focus();
  }

  function focusAfterRemove(index) {
    const rows = list.querySelectorAll('li[data-item-id]');
    const li = rows[Math.min(index, rows.length - 1)];
    const target = li ? li.querySelector('button[data-action="remove"]') : addKind;
    target.focus();
  }

  function startEdit(id) {
    const item = items.find((x) => x.id === id);
    if (!item) return;
    if (editing) cancelEdit(false);
    const fields = settingsFields('agenda-edit', { kind: item.kind, values: valuesOf(item) });
    const error = formError('agenda-edit-error');
    const save = h('button', { type: 'submit', class: 'primary' }, 'Save changes');
    const cancel = h('button', { type: 'button' }, 'Cancel');
    const form = h('form', { class: 'agenda-edit', id: 'agenda-edit-form', novalidate: true },
      h('h5', { class: 'edit-heading' }, `Edit: ${itemTitle(item)}`, h('span', { class: 'muted' }, ` (${kindLabel(item.kind)})`)),
      fields.root, error,
      h('div', { class: 'actions' }, save, cancel));
    cancel.addEventListener('click', () => cancelEdit(true));
    form.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape') cancelEdit(true);
    });
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const result = fields.read();
      if (result.error) {
        setText(error, result.error);
        fields.focus(result.field);
        return;
      }
      const next = items.map((x) => (x.id === id ? { ...result.item, id } : x));
      editing = null;
      changeItems(next, `${itemTitle(result.item)} changed. Save the agenda to keep it.`);
      focusItem(id, 'edit');
    });
    editing = { id, fields, root: form };
    render();
    const first = form.querySelector('input, select');
    if (first) first.focus();
  }

  function cancelEdit(refocus) {
    const id = editing && editing.id;
    editing = null;
    render();
    if (refocus && id) focusItem(id, 'edit');
  }

  function render() {
    setText(heading, `Agenda for ${session.title || 'this session'}`);
    if (editing && !items.some((x) => x.id === editing.id)) editing = null;
    keepFocus(() => fill(list, ...items.map(itemRow)));
    empty.hidden = items.length > 0;
    setText(count, items.length ? `${items.length === 1 ? '1 activity' : `${items.length} activities`} (at most ${MAX_ITEMS}).` : '');
    addSubmit.disabled = items.length >= MAX_ITEMS;
    paintStatus();
  }

  function paintStatus() {
    const dirty = comparable(items) !== base;
    root.dataset.dirty = dirty ? 'true' : 'false';
    if (dirty) {
      setText(saveStatus, 'Unsaved changes');
      saveStatus.dataset.kind = 'dirty';
    } else if (saveStatus.dataset.kind === 'dirty') {
      setText(saveStatus, '');
      saveStatus.dataset.kind = '';
    }
    if (!dirty) restored.hidden = true;
  }

  // --- add

  addKind.addEventListener('change', () => {
    addFields.setKind(addKind.value);
    setText(addError, '');
    saveDraft();
  });
  addForm.addEventListener('input', () => setText(addError, ''));
  addForm.addEventListener('submit', (ev) => {
    ev.preventDefault();
    setText(addError, '');
    // Read the select itself, so a value set from a script is honoured too.
    if (addFields.kind !== addKind.value) addFields.setKind(addKind.value);
    if (items.length >= MAX_ITEMS) {
      setText(addError, `An agenda holds at most ${MAX_ITEMS} activities.`);
      return;
    }
    const result = addFields.read();
    if (result.error) {
      setText(addError, result.error);
      if (result.field === 'kind') addKind.focus();
      else addFields.focus(result.field);
      return;
    }
    const item = { ...result.item, id: newId() };
    addFields.setValues(blankValues());
    changeItems([...items, item], `${itemTitle(item)} added as activity ${items.length + 1}. Save the agenda to keep it.`);
  });

  // --- save

  saveButton.addEventListener('click', () => {
    if (editing) {
      setText(saveError, 'Please save or cancel the activity you are editing first.');
      const first = editing.root.querySelector('input, select');
      if (first) first.focus();
      return;
    }
    busy(saveButton, saveNow);
  });

  /** saveNow saves the agenda as it is in the editor; it tells whether it did. */
  async function saveNow() {
    setText(saveError, '');
    setText(saveStatus, 'Saving…');
    saveStatus.dataset.kind = 'pending';
    try {
      const fresh = await call('PUT', `/api/sessions/${enc(session.id)}/agenda`, {
        items: items.map((item) => stripItem(item)),
      });
      const agenda = fresh && Array.isArray(fresh.agenda) ? fresh.agenda : items.map((item) => stripItem(item, { keepId: false }));
      session = { ...session, ...(fresh || {}), agenda };
      base = comparable(agenda);
      items = withIds(agenda);
      undo = null;
      fill(templateMsg);
      storage.remove(draftKey);
      restored.hidden = true;
      render();
      saveDraft();
      setText(saveStatus, 'Agenda saved');
      saveStatus.dataset.kind = 'saved';
      announce('The agenda is saved.');
      if (onSaved) onSaved(session);
      return true;
    } catch (err) {
      saveStatus.dataset.kind = 'dirty';
      setText(saveStatus, 'Unsaved changes');
      setText(saveError, err.status === 409
        ? 'This session’s room is already open: change its agenda from the room. Your changes are kept on this device.'
        : `${err.message} Your changes are kept on this device.`);
      return false;
    }
  }

  /**
   * applyEdit takes the activity being edited into the agenda, as its
   * "Save changes" would; false (with the form's error shown) when it
   * cannot be read.
   */
  function applyEdit() {
    if (!editing) return true;
    editing.root.requestSubmit();
    return !editing;
  }

  // --- templates

  function templateItems(t) {
    return (Array.isArray(t.items) ? t.items : []).slice(0, MAX_ITEMS).map((item) => {
      const copy = { ...item, id: newId() };
      delete copy.status;
      return copy;
    });
  }

  function selectedTemplate() {
    return templates.templates.find((t) => t.id === templateSelect.value) || null;
  }

  function renderTemplates() {
    const list = templates.templates;
    const previous = templateSelect.value;
    if (templates.state === 'loading' && list.length === 0) {
      fill(templateSelect, h('option', { value: '' }, 'Loading templates…'));
    } else if (list.length === 0) {
      fill(templateSelect, h('option', { value: '' }, templates.state === 'error' ? 'Templates could not be loaded' : 'No templates yet'));
    } else {
      const builtin = list.filter((t) => t.builtin);
      const own = list.filter((t) => !t.builtin);
      const option = (t) => h('option', { value: t.id }, t.name || 'Untitled');
      fill(templateSelect,
        builtin.length ? h('optgroup', { label: 'Built in' }, builtin.map(option)) : null,
        own.length ? h('optgroup', { label: 'Your templates' }, own.map(option)) : null);
      if (previous && list.some((t) => t.id === previous)) templateSelect.value = previous;
    }
    setText(templateError, templates.state === 'error' ? templates.error : '');
    paintTemplate();
  }

  function paintTemplate() {
    const t = selectedTemplate();
    applyButton.disabled = !t;
    deleteButton.hidden = !t || t.builtin;
    setText(templatePreview, t && Array.isArray(t.items) && t.items.length
      ? `${t.items.length === 1 ? '1 activity' : `${t.items.length} activities`}: ${t.items.map(itemTitle).join(' · ')}`
      : '');
  }

  templateSelect.addEventListener('change', () => {
    templateChosen = true;
    paintTemplate();
  });

  applyButton.addEventListener('click', () => {
    const t = selectedTemplate();
    if (!t) return;
    if (editing) editing = null;
    undo = { items };
    templateChosen = false;
    changeItems(templateItems(t), '', { keepUndo: true });
    const undoButton = h('button', { type: 'button', class: 'link', id: 'template-undo' }, 'Undo');
    undoButton.addEventListener('click', () => {
      if (!undo) return;
      const before = undo.items;
      changeItems(before, 'The agenda is back as it was.');
      applyButton.focus();
    });
    fill(templateMsg, `The agenda now follows “${t.name}”. Save to keep it. `, undoButton);
    announce(`The agenda now follows the template ${t.name}: ${items.length} activities. Save to keep it.`);
  });

  deleteButton.addEventListener('click', () => {
    const t = selectedTemplate();
    if (!t || t.builtin) return;
    if (!window.confirm(`Delete the template “${t.name}”?\n\nAgendas planned from it stay as they are.`)) return;
    setText(templateError, '');
    busy(deleteButton, async () => {
      try {
        await call('DELETE', `/api/templates/${enc(t.id)}`);
        await templates.load(true);
        announce(`The template ${t.name} is deleted.`);
        templateSelect.focus();
      } catch (err) {
        setText(templateError, err.message);
      }
    });
  });

  templateName.addEventListener('input', () => {
    setText(templateSaveError, '');
    setText(templateSaveMsg, '');
  });
  templateName.addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') {
      ev.preventDefault();
      templateSave.click();
    }
  });
  templateSave.addEventListener('click', () => {
    setText(templateSaveError, '');
    setText(templateSaveMsg, '');
    const name = templateName.value.trim();
    if (!name) {
      setText(templateSaveError, 'Please give the template a name.');
      templateName.focus();
      return;
    }
    if (items.length === 0) {
      setText(templateSaveError, 'The agenda is empty: add an activity first.');
      return;
    }
    busy(templateSave, async () => {
      try {
        const created = await call('POST', '/api/templates', {
          name, items: items.map((item) => stripItem(item, { keepId: false })),
        });
        templateName.value = '';
        await templates.load(true);
        if (created && created.id) {
          templateSelect.value = created.id;
          paintTemplate();
        }
        setText(templateSaveMsg, `Saved as the template “${name}”.`);
      } catch (err) {
        setText(templateSaveError, err.message);
      }
    });
  });

  const unsubscribe = templates.subscribe(renderTemplates);
  restoreDraft();
  render();
  renderTemplates();
  templates.load();

  return {
    root,
    /** refresh takes a newer copy of the session (from the cohort page). */
    refresh(next) {
      if (!next) return;
      const nextBase = comparable(next.agenda);
      const dirty = comparable(items) !== base;
      session = next;
      if (nextBase !== base) {
        base = nextBase;
        if (!dirty && !editing) items = withIds(next.agenda);
      }
      render();
    },
    focus() {
      heading.tabIndex = -1;
      heading.focus();
    },
    /**
     * unsaved tells what opening the room now would leave out: null when the
     * saved agenda is what the editor shows; else {reason, items, template}
     * where reason is 'edits' (changes not saved, an activity being edited
     * included) or 'template' (a template chosen for an empty agenda but not
     * used), items what saving would keep and template its name.
     */
    unsaved() {
      if (comparable(items) !== base || editing) {
        return { reason: 'edits', items: items.slice(), template: '' };
      }
      const t = selectedTemplate();
      if (templateChosen && t && items.length === 0 && Array.isArray(t.items) && t.items.length) {
        return { reason: 'template', items: t.items.slice(0, MAX_ITEMS), template: t.name || '' };
      }
      return null;
    },
    /**
     * saveForOpening saves what unsaved() reported (using the chosen
     * template first, for 'template'); it resolves to whether the agenda is
     * saved, and otherwise shows why in the editor.
     */
    async saveForOpening() {
      const pending = this.unsaved();
      if (!pending) return true;
      if (!applyEdit()) return false;
      if (pending.reason === 'template') {
        undo = { items };
        templateChosen = false;
        changeItems(templateItems(selectedTemplate()), '', { keepUndo: true });
      }
      saveButton.disabled = true;
      try {
        return await saveNow();
      } finally {
        saveButton.disabled = false;
      }
    },
    /** discard forgets the changes not saved (the room opens without them). */
    discard() {
      items = withIds(session.agenda);
      editing = null;
      undo = null;
      templateChosen = false;
      storage.remove(draftKey);
      restored.hidden = true;
      fill(templateMsg);
      render();
    },
    /** showError puts the focus on the editor's save error, if there is one. */
    showError() {
      const target = saveError.textContent ? saveError : heading;
      target.tabIndex = -1;
      target.focus();
    },
    close() {
      unsubscribe();
    },
  };
}

/**
 * pruneAgendaDrafts forgets agenda drafts (planned and live "add activity"
 * forms) that were left alone for a month.
 */
export function pruneAgendaDrafts() {
  try {
    const now = Date.now();
    for (let i = window.localStorage.length - 1; i >= 0; i -= 1) {
      const key = window.localStorage.key(i);
      if (!key || !(key.startsWith(DRAFT_PREFIX) || key.startsWith('hearth.liveAdd.'))) continue;
      const draft = storage.get(key);
      if (!draft || !draft.savedAt || now - draft.savedAt > DRAFT_MAX_AGE_MS) storage.remove(key);
    }
  } catch {
    // storage unavailable: nothing to prune
  }
}

/** hasAgendaDraft tells whether a session's agenda has changes not saved yet. */
export function hasAgendaDraft(sessionId) {
  const draft = storage.get(`${DRAFT_PREFIX}${sessionId}`);
  return Boolean(draft && Array.isArray(draft.items) && draft.base !== comparable(draft.items));
}

/** agendaLine is a session's agenda in one line, for the session list. */
export function agendaLine(agenda) {
  const list = Array.isArray(agenda) ? agenda : [];
  if (list.length === 0) return 'No agenda yet';
  return `Agenda: ${list.map(itemTitle).join(' · ')}`;
}

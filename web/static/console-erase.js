// console-erase.js — deletion for good, on the facilitator console: the
// cohort page's "Keeping and deleting" panel (retention, deleting a session
// or the whole cohort), the choice between leaving and erasing when a
// participant is removed, and deleting one's own account. Every deletion
// asks first, in a dialog that names what will be lost; nothing deleted
// can be brought back.

import { api, enc } from './api.js';
import {
  h, setText, announce, formatDateTime, formError, field, busy,
} from './dom.js';

const DAY = 24 * 60 * 60 * 1000;

/**
 * askDelete shows a modal dialog naming what will be lost and resolves to
 * the chosen value, or null when cancelled. choices are
 * [{value, label, detail, danger}]; with more than one, they are radio
 * buttons and the first is chosen. The confirming button is enabled only
 * once "I understand" is ticked for a choice marked danger.
 */
export function askDelete({ id, title, lines, choices, confirmLabel }) {
  const heading = `${id}-heading`;
  const understood = h('input', { type: 'checkbox', id: `${id}-understood` });
  const confirm = h('button', { type: 'button', class: 'danger', id: `${id}-confirm` }, confirmLabel);
  const cancel = h('button', { type: 'button', id: `${id}-cancel` }, 'Cancel');
  const list = choices || [{ value: true, danger: true }];
  let chosen = list[0];
  const radios = list.length > 1 ? h('fieldset', { class: 'choices' },
    h('legend', null, 'What should happen?'),
    list.map((c, i) => {
      const input = h('input', { type: 'radio', name: `${id}-choice`, id: `${id}-choice-${i}`, value: String(i) });
      input.checked = i === 0;
      input.addEventListener('change', () => { chosen = c; sync(); });
      return h('div', { class: 'choice' },
        h('label', { for: `${id}-choice-${i}` }, input, ' ', c.label),
        c.detail ? h('p', { class: 'hint' }, c.detail) : null);
    })) : null;
  const understand = h('label', { class: 'checkbox', for: `${id}-understood` }, understood,
    'I understand that this is for good: it cannot be undone.');
  function sync() {
    understand.hidden = !chosen.danger;
    confirm.disabled = chosen.danger && !understood.checked;
    setText(confirm, chosen.confirmLabel || confirmLabel);
  }
  understood.addEventListener('change', sync);
  const dialog = h('dialog', { id, class: 'ask', 'aria-labelledby': heading, 'aria-describedby': `${id}-text` },
    h('h2', { id: heading }, title),
    h('div', { id: `${id}-text` }, lines.map((l) => (Array.isArray(l)
      ? h('ul', null, l.map((x) => h('li', null, x)))
      : h('p', null, l)))),
    radios, understand,
    h('div', { class: 'actions' }, confirm, cancel));
  sync();
  return new Promise((resolve) => {
    let answer = null;
    confirm.addEventListener('click', () => { answer = chosen.value; dialog.close(); });
    cancel.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(answer);
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}

/**
 * askRemoveParticipant asks whether p leaves the cohort or is erased; it
 * resolves to false (leave), true (erase) or null (cancel). Only the owner
 * is offered erasure.
 */
export function askRemoveParticipant(p, owner) {
  const leave = {
    value: false, label: `${p.name} leaves the cohort`, confirmLabel: `Remove ${p.name}`,
    detail: 'Their link stops working at once. What they said in past sessions stays in the cohort’s memory and exports.',
  };
  const erase = {
    value: true, danger: true, label: `Erase everything of ${p.name}`, confirmLabel: `Erase ${p.name} for good`,
    detail: 'Their link stops working, and their words go from every session: check-ins, intentions, reflections and steps, check-out words, private messages, support signals, the notes about them, their journey, and their name on every attendance list.',
  };
  return askDelete({
    id: 'remove-participant',
    title: `Remove ${p.name}?`,
    lines: [owner ? 'Choose whether their words stay with the group’s record.' : 'Only the cohort’s owner can erase someone’s words; you can take them off the cohort.'],
    choices: owner ? [leave, erase] : [leave],
    confirmLabel: `Remove ${p.name}`,
  });
}

// retentionText says when the cohort is deleted under its retention.
function retentionText(cohort) {
  if (!cohort.deleteOn || !cohort.retentionDays) return '';
  return `This cohort will be deleted on ${formatDateTime(cohort.deleteOn)} (${cohort.retentionDays} days after its last session).`;
}

/**
 * erasePanel is the cohort page's "Keeping and deleting" panel: the
 * cohort's retention, with the date it will be deleted (and a warning
 * within 7 days of it); for the owner, deleting a session that is not live
 * and deleting the whole cohort. update(fresh) takes a changed cohort;
 * gone() leaves the page once the cohort is deleted.
 * Hooks: #retention-form, #retention-mode, #retention-days, #retention-date,
 * #retention-warning, #delete-cohort, button[data-action=delete-session].
 */
export function erasePanel({ get, me, update, gone }) {
  const mode = h('select', { id: 'retention-mode' },
    h('option', { value: 'keep' }, 'Keep until it is deleted'),
    h('option', { value: 'days' }, 'Delete it some days after its last session'));
  const days = h('input', { type: 'number', id: 'retention-days', min: 7, max: 3650, step: 1, value: 90 });
  const daysField = h('div', null, field('Days after the last session (at least 7)', days));
  const date = h('p', { id: 'retention-date', class: 'hint' });
  const warning = h('p', { id: 'retention-warning', class: 'notice warn', role: 'status' });
  const error = formError('retention-error');
  const ok = h('p', { class: 'form-ok', role: 'status' });
  const save = h('button', { type: 'submit' }, 'Save');
  const form = h('form', { id: 'retention-form' },
    field('How long Hearth keeps this cohort', mode), daysField, date, warning, error, ok,
    h('div', { class: 'actions' }, save));
  const sessionsList = h('ul', { class: 'plain rows', id: 'deletable-sessions' });
  const deleteCohort = h('button', { type: 'button', class: 'danger', id: 'delete-cohort' }, 'Delete this cohort…');
  const ownerPart = h('div', null,
    h('h3', null, 'Delete for good'),
    h('p', { class: 'hint' }, 'A session, with everything said in it, or the whole cohort. Nothing deleted can be brought back, from the server or its later backups.'),
    sessionsList,
    h('p', { class: 'actions' }, deleteCohort));
  const deleteError = formError('delete-error');

  function render() {
    const cohort = get();
    const keep = !cohort.retentionDays;
    mode.value = keep ? 'keep' : 'days';
    if (!keep) days.value = String(cohort.retentionDays);
    daysField.hidden = keep;
    setText(date, keep ? 'Kept until you delete it.' : retentionText(cohort));
    const left = cohort.deleteOn ? new Date(cohort.deleteOn).getTime() - Date.now() : Infinity;
    warning.hidden = !(left <= 7 * DAY);
    setText(warning, warning.hidden ? '' : `Deleted in ${Math.max(0, Math.ceil(left / DAY))} days, with every session, word and note in it. Export it first if you need a record, or change how long it is kept.`);
    const owner = cohort.ownerId === me().id;
    ownerPart.hidden = !owner;
    sessionsList.replaceChildren(...(cohort.sessions || []).filter((s) => s.status !== 'live').map(sessionRow));
  }

  function sessionRow(s) {
    const del = h('button', { type: 'button', class: 'danger small', dataset: { action: 'delete-session', sessionId: s.id } }, `Delete ${s.title}…`);
    del.addEventListener('click', async () => {
      const cohort = get();
      const yes = await askDelete({
        id: 'delete-session',
        title: `Delete “${s.title}” for good?`,
        lines: [s.status === 'closed'
          ? 'Everything of this session is deleted: who came, every check-in, intention, reflection, step and check-out word, the circle, private messages and support signals, and the notes about it.'
          : 'This planned session and its agenda are deleted.', `It leaves ${cohort.name}’s overview, exports and every participant’s journey.`],
        confirmLabel: `Delete ${s.title}`,
      });
      if (!yes) return;
      busy(del, async () => {
        setText(deleteError, '');
        try {
          await api('DELETE', `/api/sessions/${enc(s.id)}`);
          update(await api('GET', `/api/cohorts/${enc(cohort.id)}`));
          announce(`${s.title} was deleted.`);
        } catch (err) {
          setText(deleteError, err.message);
        }
      });
    });
    return h('li', null, h('span', null, s.title, ' · ', formatDateTime(s.startsAt), ` · ${s.status}`), ' ', del);
  }

  mode.addEventListener('change', () => { daysField.hidden = mode.value === 'keep'; });
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    setText(error, '');
    setText(ok, '');
    const n = mode.value === 'keep' ? 0 : Number(days.value);
    if (n !== 0 && !(n >= 7)) {
      setText(error, 'Keep it at least 7 days after its last session.');
      days.focus();
      return;
    }
    busy(save, async () => {
      try {
        update(await api('PATCH', `/api/cohorts/${enc(get().id)}`, { retentionDays: n }));
        setText(ok, 'Saved.');
      } catch (err) {
        setText(error, err.message);
      }
    });
  });
  deleteCohort.addEventListener('click', async () => {
    const cohort = get();
    const sessions = cohort.sessions || [];
    const yes = await askDelete({
      id: 'delete-cohort-dialog',
      title: `Delete “${cohort.name}” for good?`,
      lines: ['Everything of this cohort is deleted, at once and for good:', [
        `its ${sessions.length} ${sessions.length === 1 ? 'session' : 'sessions'}, with every word said in them`,
        `its ${(cohort.participants || []).length} participants and their links`,
        'every note, journey and summary',
      ], 'Export it first if you need a record.'],
      confirmLabel: `Delete ${cohort.name}`,
    });
    if (!yes) return;
    busy(deleteCohort, async () => {
      setText(deleteError, '');
      try {
        await api('DELETE', `/api/cohorts/${enc(cohort.id)}`);
        announce(`${cohort.name} was deleted.`);
        gone();
      } catch (err) {
        setText(deleteError, err.message);
      }
    });
  });

  return {
    root: h('section', { class: 'panel', id: 'erase-panel', 'aria-labelledby': 'erase-heading' },
      h('h2', { id: 'erase-heading' }, 'Keeping and deleting'), form, ownerPart, deleteError),
    render,
  };
}

/**
 * accountPanel is the account page's "Delete your account" panel: deleting one's
 * own account, after a dialog that names the cohorts deleted with it and
 * those passed on, and asks for the password. done() is called once the
 * account is gone. Hooks: #delete-account, #delete-account-dialog.
 */
export function accountPanel({ done }) {
  const del = h('button', { type: 'button', class: 'danger', id: 'delete-account' }, 'Delete my account…');
  const error = formError('delete-account-error');
  del.addEventListener('click', () => busy(del, async () => {
    setText(error, '');
    let plan;
    try {
      plan = await api('GET', '/api/me/deletion');
    } catch (err) {
      setText(error, err.message);
      return;
    }
    const password = h('input', { type: 'password', id: 'delete-account-password', autocomplete: 'current-password', required: true });
    const lines = ['Your account, its logins and agenda templates are deleted for good.'];
    if (plan.deleted.length) lines.push('These cohorts have no other facilitator and are deleted with it, with every session, word and note:', plan.deleted.map((c) => c.name));
    if (plan.passed.length) lines.push('These pass to their longest-standing co-facilitator, who owns them from now on:', plan.passed.map((c) => `${c.name} → ${c.to}`));
    if (plan.left.length) lines.push('You leave these; they go on without you:', plan.left.map((c) => c.name));
    const dialogDone = askDelete({
      id: 'delete-account-dialog', title: 'Delete your account for good?', lines, confirmLabel: 'Delete my account',
    });
    const dialog = document.getElementById('delete-account-dialog');
    dialog.querySelector('.actions').before(h('div', null, field('Your password', password)));
    if (!await dialogDone) return;
    try {
      await api('DELETE', '/api/me', { password: password.value, deleteCohorts: plan.deleted.map((c) => c.id) });
      done();
    } catch (err) {
      setText(error, err.message);
    }
  }));
  return h('section', { class: 'panel', id: 'account-panel', 'aria-labelledby': 'account-delete-heading' },
    h('h2', { id: 'account-delete-heading' }, 'Delete your account'),
    h('p', { class: 'hint' }, 'Deleting your account tells you first which cohorts go with it and which pass to a co-facilitator.'),
    h('p', { class: 'actions' }, del), error);
}

// console-room.js — the facilitator's live room: everyone's presence, the
// current activity and its controls, every check-in answer as it arrives.
// Answers outside the window of tolerance are named at the top, and marked
// with a shape, words and colour, so they cannot be missed.

import { api, enc } from './api.js';
import { connect } from './live.js';
import {
  $, h, setText, announce, safeUrl, formatTime, STATES, stateBadge, presenceLabel,
  aggregateView, fill, formError, field, busy,
} from './dom.js';

const DEFAULT_PROMPT = 'How are you arriving today?';

const VISIBILITY = {
  group: 'Shared with the group (names and answers)',
  facilitators: 'Facilitators only',
  anonymous: 'The group sees an anonymous summary',
};

/**
 * roomView builds the live room of one session. It returns the nodes to
 * mount, start() to connect once they are in the page, and close() to leave.
 * onLoginLost is called when the facilitator's login has ended.
 */
export function roomView({ sessionId, backHref, backLabel, onLoginLost }) {
  const title = h('h1', null, 'Room');
  const subtitle = h('p', { class: 'muted' });
  const video = h('p', { hidden: true });
  const closeSession = h('button', { type: 'button', id: 'close-session', class: 'danger' }, 'Close session');
  const roomError = formError('room-error');
  const summary = h('p', { class: 'muted small' });
  const members = h('ul', { id: 'members', class: 'plain members' });
  const activityBox = h('div', { id: 'activity' });
  let activityView = null;
  let ended = false;

  const nodes = [
    h('p', null, h('a', { href: backHref }, `← ${backLabel}`)),
    h('div', { class: 'row-head' }, h('div', null, title, subtitle, video)),
    roomError,
    h('div', { class: 'grid-2' },
      h('section', { class: 'panel', 'aria-labelledby': 'members-heading' },
        h('h2', { id: 'members-heading' }, 'Who is here'), summary, members),
      h('div', null,
        h('section', { class: 'panel', 'aria-labelledby': 'activity-heading' }, activityBox),
        h('div', { class: 'actions' }, closeSession))),
  ];
  fill(activityBox, h('h2', { id: 'activity-heading' }, 'Connecting to the room…'));

  let live = null;

  closeSession.addEventListener('click', () => {
    if (!window.confirm('Close this session for everyone?\n\nParticipants will see that the session has ended. This cannot be undone.')) return;
    setText(roomError, '');
    busy(closeSession, () => live.send('room.close', {}).catch((err) => {
      setText(roomError, err.message);
    }));
  });

  async function probeRoom() {
    try {
      await api('GET', '/api/me');
    } catch (err) {
      if (err.status === 401) return { reason: 'unauthorized', message: 'Your login has ended.' };
      return null;
    }
    try {
      const data = await api('GET', '/api/cohorts');
      const liveHere = ((data && data.cohorts) || []).some((c) => c.liveSessionId === sessionId);
      if (!liveHere) return { reason: 'not_live', message: 'This room is not open.' };
    } catch {
      return null;
    }
    return null;
  }

  function render(state, note) {
    if (note && note.kind === 'stopped') {
      if (note.reason.reason === 'unauthorized') onLoginLost();
      else showEnded('This room is not open', 'The session is not live: open it from the cohort page, or it has already been closed.');
      return;
    }
    if (state.bye) {
      showEnded('The session is closed', state.bye.reason === 'closed'
        ? 'Thank you for holding this space. The room is closed for everyone.'
        : (state.bye.message || 'The room is closed.'));
      return;
    }
    const room = state.room;
    if (!room) return;
    setText(title, room.title || 'Room');
    document.title = `${room.title || 'Room'} · Hearth`;
    setText(subtitle, room.cohort || '');
    renderVideo(safeUrl(room.videoUrl));
    if (room.status === 'closed') {
      renderMembers(room, state.you);
      showEnded('The session is closed', 'Thank you for holding this space. The room is closed for everyone.');
      return;
    }
    renderMembers(room, state.you);
    renderActivity(state);
  }

  function renderVideo(url) {
    if (video.dataset.url === url) return;
    video.dataset.url = url;
    video.hidden = !url;
    fill(video);
    if (url) {
      video.append(h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' },
        'Video call', h('span', { class: 'visually-hidden' }, ' (opens in a new tab)')),
      ' ', h('span', { class: 'muted small' }, url));
    }
  }

  function showEnded(heading, text) {
    if (ended) return;
    ended = true;
    closeSession.hidden = true;
    activityView = null;
    fill(activityBox,
      h('h2', { id: 'activity-heading' }, heading),
      h('p', null, text),
      h('p', null, h('a', { href: backHref }, backLabel)));
    announce(heading);
  }

  function renderMembers(room, you) {
    const activity = room.activity;
    const answers = new Map();
    if (activity && activity.kind === 'checkin' && Array.isArray(activity.answers)) {
      for (const a of activity.answers) answers.set(a.memberId, a);
    }
    const sorted = [...(room.members || [])].sort((a, b) => (a.role === 'facilitator' ? 0 : 1) - (b.role === 'facilitator' ? 0 : 1));
    fill(members, ...sorted.map((m) => {
      const answer = answers.get(m.id);
      return h('li', { dataset: { memberId: m.id, presence: m.presence || '', role: m.role || '' } },
        h('span', { class: 'name' }, m.name || ''),
        m.role === 'facilitator' ? h('span', { class: 'role' }, you && m.id === you.id ? 'facilitator (you)' : 'facilitator') : null,
        h('span', { class: 'end' },
          answer ? h('span', { class: 'muted small' }, `${answer.scale}/10`) : null,
          answer ? stateBadge(answer.state) : null,
          presenceLabel(m.presence)));
    }));
    const counts = { present: 0, reconnecting: 0, left: 0, absent: 0 };
    for (const m of room.members || []) {
      if (m.role !== 'facilitator' && m.presence in counts) counts[m.presence] += 1;
    }
    const parts = [`${counts.present} present`];
    if (counts.reconnecting) parts.push(`${counts.reconnecting} reconnecting`);
    if (counts.left) parts.push(`${counts.left} left`);
    if (counts.absent) parts.push(`${counts.absent} not here yet`);
    setText(summary, `Participants: ${parts.join(' · ')}`);
  }

  function renderActivity(state) {
    const activity = state.room.activity;
    const key = activity ? `${activity.kind}:${activity.id}` : 'gathering';
    if (!activityView || activityView.key !== key) {
      activityView = !activity ? gatheringView(live)
        : activity.kind === 'checkin' ? checkinView(live) : otherView(live, activity);
      activityView.key = key;
      fill(activityBox, activityView.root);
    }
    activityView.update(state);
  }

  return {
    nodes,
    // start connects once the nodes are in the document.
    start() {
      live = connect(`/ws/sessions/${enc(sessionId)}`, {
        outboxKey: `f.${sessionId}`,
        statusEl: $('#connection-status'),
        probe: probeRoom,
      });
      live.subscribe(render);
    },
    close() {
      if (live) live.close();
    },
  };
}

function gatheringView(live) {
  const prompt = h('input', { type: 'text', id: 'checkin-prompt', name: 'prompt', required: true, maxlength: 300, value: DEFAULT_PROMPT, autocomplete: 'off' });
  const visibility = h('select', { id: 'checkin-visibility', name: 'visibility' },
    Object.entries(VISIBILITY).map(([value, label]) => h('option', { value }, label)));
  const error = formError('checkin-error');
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Start arrival check-in');
  const form = h('form', { id: 'checkin-form' },
    field('Prompt', prompt),
    field('Who sees the answers', visibility, 'Facilitators always see every answer.'),
    error,
    h('div', { class: 'actions' }, submit));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    setText(error, '');
    const text = prompt.value.trim();
    if (!text) {
      setText(error, 'Please write a prompt.');
      prompt.focus();
      return;
    }
    if (live.state.connection !== 'open') setText(error, 'The check-in will start as soon as the connection is back.');
    busy(submit, () => live.send('checkin.start', { prompt: text, visibility: visibility.value }).catch((err) => {
      setText(error, err.message);
    }));
  });
  return {
    root: h('div', null,
      h('h2', { id: 'activity-heading' }, 'Gathering'),
      h('p', { class: 'muted' }, 'Everyone is arriving. When you are ready, start the arrival check-in.'),
      form),
    update() {},
  };
}

function otherView(live, activity) {
  const end = h('button', { type: 'button', id: 'end-activity' }, 'Back to gathering');
  const error = formError('activity-error');
  end.addEventListener('click', () => busy(end, () => live.send('activity.end', {}).catch((err) => setText(error, err.message))));
  return {
    root: h('div', null, h('h2', { id: 'activity-heading' }, activity.kind || 'Activity'), error, h('div', { class: 'actions' }, end)),
    update() {},
  };
}

function checkinView(live) {
  const openBadge = h('span', { class: 'badge' });
  const prompt = h('p', { class: 'prompt' });
  const visibility = h('p', { class: 'muted small' });
  const progress = h('p', { class: 'progress-line' });
  const attention = h('div', { class: 'attention', role: 'region', 'aria-labelledby': 'attention-heading', hidden: true });
  const answers = h('ul', { id: 'answers', class: 'plain answers' });
  const noAnswers = h('p', { class: 'muted' }, 'No answers yet.');
  const notAnswered = h('ul', { id: 'not-answered', class: 'plain members' });
  const allAnswered = h('p', { class: 'muted' });
  const notAnsweredHeading = h('h3', { id: 'not-answered-heading' }, 'Not answered yet');
  const aggregate = h('div');
  const error = formError('checkin-action-error');
  const closeBtn = h('button', { type: 'button', id: 'close-checkin', class: 'primary' }, 'Close check-in');
  const endBtn = h('button', { type: 'button', id: 'end-activity', class: 'primary' }, 'Back to gathering');
  const seen = new Map(); // memberId → at, to announce only new answers
  let first = true;

  closeBtn.addEventListener('click', () => {
    setText(error, '');
    busy(closeBtn, () => live.send('checkin.close', {}).catch((err) => setText(error, err.message)));
  });
  endBtn.addEventListener('click', () => {
    setText(error, '');
    busy(endBtn, () => live.send('activity.end', {}).catch((err) => setText(error, err.message)));
  });

  const root = h('div', null,
    h('div', { class: 'row-head' }, h('h2', { id: 'activity-heading' }, 'Arrival check-in'), openBadge),
    prompt, visibility, progress, attention,
    h('h3', null, 'Answers'), noAnswers, answers,
    notAnsweredHeading, notAnswered, allAnswered,
    h('h3', null, 'Summary'), aggregate,
    error,
    h('div', { class: 'actions' }, closeBtn, endBtn));

  function answerRow(a) {
    const flagged = a.state === 'hyper' || a.state === 'hypo';
    return h('li', { dataset: { answerMember: a.memberId, state: a.state || '' } },
      h('div', { class: 'row-head' },
        h('span', { class: 'name' }, a.name || ''),
        h('span', { class: 'scale' }, `${a.scale} / 10`),
        stateBadge(a.state, flagged ? 'strong' : ''),
        a.feeling ? h('span', { class: 'feeling' }, a.feeling) : null,
        a.at ? h('span', { class: 'at' }, formatTime(a.at)) : null),
      a.note ? h('p', { class: 'note preserve' }, a.note) : null);
  }

  function update(state) {
    const room = state.room;
    const a = room.activity;
    const list = Array.isArray(a.answers) ? a.answers : [];
    const answeredIds = new Set(Array.isArray(a.answered) ? a.answered : list.map((x) => x.memberId));

    setText(openBadge, a.open ? 'Open' : 'Closed');
    openBadge.className = a.open ? 'badge live' : 'badge';
    setText(prompt, a.prompt || '');
    setText(visibility, `Answers: ${VISIBILITY[a.visibility] || a.visibility || ''}`);
    const count = typeof a.answeredCount === 'number' ? a.answeredCount : answeredIds.size;
    const expected = typeof a.expected === 'number' ? a.expected : 0;
    setText(progress, `${count} of ${expected} have answered`);

    // Outside the window of tolerance: named at the top, in words and colour.
    const flagged = list.filter((x) => x.state === 'hyper' || x.state === 'hypo');
    attention.hidden = flagged.length === 0;
    fill(attention,
      h('h3', { id: 'attention-heading' }, h('span', { 'aria-hidden': 'true' }, '◆ '),
        flagged.length === 1 ? '1 person is outside their window' : `${flagged.length} people are outside their window`),
      h('ul', null, flagged.map((x) => h('li', null,
        h('strong', null, x.name || ''), ` — ${STATES[x.state].label} (${STATES[x.state].plain}), ${x.scale}/10`))));

    fill(answers, ...list.map(answerRow));
    noAnswers.hidden = list.length > 0;

    const waitingFor = (room.members || []).filter((m) => m.role !== 'facilitator'
      && (m.presence === 'present' || m.presence === 'reconnecting') && !answeredIds.has(m.id));
    fill(notAnswered, ...waitingFor.map((m) => h('li', { dataset: { memberId: m.id, presence: m.presence } },
      h('span', { class: 'name' }, m.name || ''), h('span', { class: 'end' }, presenceLabel(m.presence)))));
    setText(notAnsweredHeading, a.open ? 'Not answered yet' : 'Did not answer');
    setText(allAnswered, waitingFor.length === 0 ? (a.open ? 'Everyone present has answered.' : 'Everyone present answered.') : '');

    fill(aggregate, aggregateView(a.aggregate, 'checkin-aggregate'));

    closeBtn.hidden = !a.open;
    endBtn.hidden = a.open;

    for (const x of list) {
      const before = seen.get(x.memberId);
      if (!first && before !== x.at && (x.state === 'hyper' || x.state === 'hypo')) {
        announce(`${x.name}: ${STATES[x.state].label}, ${x.scale} of 10.`);
      }
      seen.set(x.memberId, x.at);
    }
    first = false;
  }

  return { root, update };
}

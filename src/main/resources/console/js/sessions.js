// Auditors (and admins): live sessions — watch one in a terminal, cut it — and replays of recordings.
import * as api from './api.js';
import { el, replace, errorBox, when } from './dom.js';
import { terminal, apply, replay } from './terminal.js';
import * as live from './live.js';

const REFRESH_MS = 5000;

export async function render(container, me) {
  // Live streams are for auditors; admins list, cut and replay sessions but do not watch them.
  const canWatch = me.roles.includes('auditor');
  const liveList = el('div', { id: 'live-sessions' });
  const endedList = el('div', { id: 'ended-sessions' });
  const player = el('section', { id: 'player', class: 'player', hidden: true });
  // Outlives the table's refreshes, which drop a terminated session's row.
  const notice = el('div', { id: 'session-notice', 'aria-live': 'polite' });
  let stopPlayer = null;
  let shown = '';

  function close() {
    if (stopPlayer) {
      stopPlayer();
      stopPlayer = null;
    }
  }

  /** The player pane: a title, a status line, controls, and a fresh terminal. */
  function open(title, controls) {
    close();
    const status = el('p', { id: 'player-status', class: 'status', 'aria-live': 'polite' });
    const screen = el('div', { id: 'terminal', class: 'terminal' });
    replace(player, el('div', { class: 'toolbar' }, el('h3', {}, title), controls || [],
      el('button', { type: 'button', class: 'close-player', onclick: () => { close(); player.hidden = true; } }, 'Close')),
    status, screen);
    player.hidden = false;
    const term = terminal(screen);
    const say = (text, state) => {
      status.textContent = text;
      status.dataset.state = state || '';
    };
    return { term, say };
  }

  function watch(s) {
    const { term, say } = open(`Live: ${s.label}`);
    say('Connecting…', 'connecting');
    let first = true;
    const stop = live.watch(s.id,
      item => {
        if (first) {
          say('Live', 'live');
          first = false;
        }
        apply(term, item);
      },
      how => say(`The live stream ended: ${how}.`, 'ended'));
    stopPlayer = () => {
      stop();
      term.dispose();
    };
  }

  async function play(s) {
    const speed = el('select', { class: 'speed', 'aria-label': 'speed' }, [1, 2, 4, 8].map(n => el('option', { value: n }, n + '×')));
    const skip = el('button', { type: 'button', class: 'skip' }, 'Skip to end');
    const { term, say } = open(`Replay: ${s.label}`, [speed, skip]);
    try {
      const controller = await replay(s.id, term, say);
      speed.addEventListener('change', () => controller.setSpeed(Number(speed.value)));
      skip.addEventListener('click', () => controller.finish());
      stopPlayer = () => {
        controller.stop();
        term.dispose();
      };
    } catch (failure) {
      say('The recording cannot be played: ' + (failure.describe ? failure.describe() : failure.message), 'error');
      stopPlayer = () => term.dispose();
    }
  }

  function terminateButton(s, row) {
    const outcome = el('span', { class: 'outcome' });
    const confirm = el('button', { type: 'button', class: 'confirm-terminate', hidden: true }, 'Confirm: cut this session');
    const ask = el('button', { type: 'button', class: 'terminate' }, 'Terminate');
    ask.addEventListener('click', () => {
      ask.hidden = true;
      confirm.hidden = false;
    });
    confirm.addEventListener('click', async () => {
      confirm.disabled = true;
      try {
        const ended = await api.post(`/sessions/${s.id}/terminate`, {});
        row.dataset.state = ended.state;
        const message = `Session ${s.label} terminated: it ended (${ended.endReason}).`;
        replace(outcome, el('span', { class: 'success' }, 'Terminated.'));
        replace(notice, el('p', { class: 'success', role: 'status', 'data-session': s.id }, message));
        confirm.hidden = true;
      } catch (failure) {
        replace(outcome, errorBox(failure));
        replace(notice, errorBox(failure));
        confirm.disabled = false;
      }
    });
    return [ask, confirm, outcome];
  }

  async function load() {
    try {
      const [liveSessions, ended, requests] = await Promise.all([api.get('/sessions?state=LIVE&limit=200'),
        api.get('/sessions?state=ENDED&limit=50'), api.get('/requests?limit=500')]);
      // Sessions name only their grant; the requests say whose, where and for which ticket.
      const byGrant = new Map(requests.filter(r => r.grant).map(r => [r.grant.id, r]));
      const describe = s => {
        const r = byGrant.get(s.grantId);
        return Object.assign({}, s, {
          ticket: r ? r.ticket : '?', executor: r ? r.executor : '?', target: r ? r.target : '?',
          label: r ? `${r.executor} on ${r.target} (${r.ticket})` : s.id
        });
      };
      const key = JSON.stringify(liveSessions.map(s => s.id)) + JSON.stringify(ended.map(s => s.id));
      if (key === shown) {
        return;
      }
      shown = key;
      replace(liveList, liveSessions.length === 0 ? el('p', { class: 'empty' }, 'No live sessions.')
        : table(['Session', 'Ticket', 'Executor', 'Target', 'Started', 'Node', ''], liveSessions.map(describe).map(s => {
          const row = el('tr', { 'data-session': s.id, 'data-state': s.state });
          row.append(...[s.id.substring(0, 8), s.ticket, s.executor, s.target, when(s.startedAt), s.node].map(v => el('td', {}, v)),
            el('td', { class: 'actions' },
              canWatch ? el('button', { type: 'button', class: 'watch', onclick: () => watch(s) }, 'Watch') : '',
              el('button', { type: 'button', class: 'replay', onclick: () => play(s) }, 'Replay so far'),
              terminateButton(s, row)));
          return row;
        })));
      replace(endedList, ended.length === 0 ? el('p', { class: 'empty' }, 'No ended sessions.')
        : table(['Session', 'Ticket', 'Executor', 'Target', 'Started', 'Ended', 'End reason', ''], ended.map(describe).map(s =>
          el('tr', { 'data-session': s.id, 'data-state': s.state },
            [s.id.substring(0, 8), s.ticket, s.executor, s.target, when(s.startedAt), when(s.endedAt), s.endReason]
              .map(v => el('td', {}, v)),
            el('td', {}, el('button', { type: 'button', class: 'replay', onclick: () => play(s) }, 'Replay'))))));
    } catch (failure) {
      replace(liveList, errorBox(failure));
    }
  }

  replace(container,
    el('div', { class: 'toolbar' }, el('h2', {}, 'Live sessions'),
      el('button', { type: 'button', class: 'refresh', onclick: () => { shown = ''; load(); } }, 'Refresh')),
    notice, liveList, player, el('h2', {}, 'Recent ended sessions'), endedList);
  await load();
  const poll = setInterval(load, REFRESH_MS);
  return () => {
    clearInterval(poll);
    close();
  };
}

function table(headings, rows) {
  return el('table', { class: 'table sessions' }, el('thead', {}, el('tr', {}, headings.map(h => el('th', {}, h)))),
    el('tbody', {}, rows));
}

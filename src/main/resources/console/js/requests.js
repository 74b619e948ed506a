// Requests (vendors see the ones they filed or execute; the others see all) and one request's full history:
// its decisions, grant, sessions and revocations as the ledger recorded them.
import * as api from './api.js';
import { el, replace, errorBox, when } from './dom.js';
import { card } from './request-card.js';
import { entryTable } from './ledger.js';

const STATES = ['', 'PENDING', 'APPROVED', 'DENIED', 'WITHDRAWN', 'LAPSED'];

export async function render(container, me) {
  const onlyVendor = me.roles.length === 1 && me.roles[0] === 'vendor';
  const state = el('select', { id: 'request-state', 'aria-label': 'state' },
    STATES.map(s => el('option', { value: s }, s || 'any state')));
  const list = el('div', { class: 'request-list' });
  const detail = el('div', { class: 'request-detail' });
  state.addEventListener('change', () => load(list, detail, state.value));
  replace(container,
    el('div', { class: 'toolbar' }, el('h2', {}, onlyVendor ? 'My requests' : 'Requests'), state,
      el('button', { type: 'button', class: 'refresh', onclick: () => load(list, detail, state.value) }, 'Refresh')),
    list, detail);
  await load(list, detail, '');
}

async function load(list, detail, state) {
  replace(list, el('p', { class: 'loading' }, 'Loading…'));
  try {
    const requests = await api.get('/requests?limit=200' + (state ? '&state=' + state : ''));
    if (requests.length === 0) {
      replace(list, el('p', { class: 'empty' }, 'No requests.'));
      return;
    }
    replace(list, el('table', { class: 'table' },
      el('thead', {}, el('tr', {}, ['Ticket', 'State', 'Requester', 'Executor', 'Target', 'Window', 'Filed', ''].map(h => el('th', {}, h)))),
      el('tbody', {}, requests.map(r => el('tr', { 'data-request': r.id },
        el('td', {}, r.ticket), el('td', { class: 'state state-' + r.state }, r.state), el('td', {}, r.requester),
        el('td', {}, r.executor), el('td', {}, r.target),
        el('td', {}, `${when(r.window.notBefore)} → ${when(r.window.notAfter)}`), el('td', {}, when(r.createdAt)),
        el('td', {}, el('button', { type: 'button', class: 'history', onclick: () => history(detail, r) }, 'History')))))));
  } catch (failure) {
    replace(list, errorBox(failure));
  }
}

async function history(detail, r) {
  replace(detail, el('p', { class: 'loading' }, 'Loading history…'));
  try {
    const [fresh, entries] = await Promise.all([api.get('/requests/' + r.id), api.get(`/requests/${r.id}/history`)]);
    replace(detail, el('section', { class: 'history-view', 'data-request': r.id },
      el('h2', {}, `History of ${fresh.ticket}`),
      card(fresh),
      el('h4', {}, 'Ledger entries (request, grant, sessions)'),
      entryTable(entries)));
    detail.scrollIntoView({ block: 'start' });
  } catch (failure) {
    replace(detail, errorBox(failure));
  }
}

// The hash-chained ledger, a page at a time, and a check of the whole chain.
import * as api from './api.js';
import { el, replace, errorBox, when } from './dom.js';

const PAGE = 50;

export function entryTable(entries) {
  if (entries.length === 0) {
    return el('p', { class: 'empty' }, 'No entries.');
  }
  return el('table', { class: 'table ledger' },
    el('thead', {}, el('tr', {}, ['#', 'At', 'Type', 'Actor', 'Subject', 'Details', 'Hash'].map(h => el('th', {}, h)))),
    el('tbody', {}, entries.map(e => el('tr', { 'data-seq': e.seq, 'data-type': e.type },
      el('td', {}, e.seq), el('td', {}, when(e.at)), el('td', { class: 'type' }, e.type), el('td', {}, e.actor),
      el('td', {}, e.subject), el('td', {}, el('code', { class: 'payload' }, JSON.stringify(e.payload))),
      el('td', {}, el('code', { class: 'digest', title: e.hash }, (e.hash || '').substring(0, 12) + '…'))))));
}

export async function render(container) {
  const page = el('div', { class: 'ledger-page' });
  const position = el('span', { class: 'position' });
  const verdict = el('p', { class: 'verdict', 'aria-live': 'polite' });
  const stack = [0];   // the `after` of each page shown so far, for going back
  const previous = el('button', { type: 'button', class: 'previous' }, '← Previous');
  const next = el('button', { type: 'button', class: 'next' }, 'Next →');

  async function show() {
    const after = stack[stack.length - 1];
    try {
      const entries = await api.get(`/ledger?after=${after}&limit=${PAGE}`);
      replace(page, entryTable(entries));
      position.textContent = entries.length ? `entries ${entries[0].seq}–${entries[entries.length - 1].seq}` : 'no more entries';
      previous.disabled = stack.length === 1;
      next.disabled = entries.length < PAGE;
      next.dataset.after = entries.length ? entries[entries.length - 1].seq : after;
    } catch (failure) {
      replace(page, errorBox(failure));
    }
  }
  previous.addEventListener('click', () => { if (stack.length > 1) { stack.pop(); show(); } });
  next.addEventListener('click', () => { stack.push(Number(next.dataset.after)); show(); });
  const verify = el('button', { type: 'button', class: 'verify', onclick: async () => {
    replace(verdict, 'Verifying…');
    try {
      const v = await api.get('/ledger/verify');
      verdict.className = 'verdict ' + (v.valid ? 'success' : 'error');
      replace(verdict, v.valid ? `The chain is intact: ${v.entries} entries, ${v.checkpoints} signed checkpoint(s) checked.`
        : `The chain is BROKEN: ${JSON.stringify(v.firstBroken || v.checkpointViolation)}`);
    } catch (failure) {
      replace(verdict, errorBox(failure));
    }
  } }, 'Verify the chain');
  replace(container, el('div', { class: 'toolbar' }, el('h2', {}, 'Ledger'), previous, position, next, verify), verdict, page);
  await show();
}

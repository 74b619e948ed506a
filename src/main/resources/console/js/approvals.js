// Approvers: the pending requests, each with everything it binds; approve or deny exactly the digest shown.
import * as api from './api.js';
import { el, replace, errorBox } from './dom.js';
import { card } from './request-card.js';

export async function render(container, me) {
  const list = el('div', { class: 'cards' });
  replace(container,
    el('div', { class: 'toolbar' }, el('h2', {}, 'Pending requests'),
      el('button', { type: 'button', class: 'refresh', onclick: () => load(list, me) }, 'Refresh')),
    list);
  await load(list, me);
}

async function load(list, me) {
  replace(list, el('p', { class: 'loading' }, 'Loading…'));
  try {
    const pending = await api.get('/requests?state=PENDING&limit=200');
    replace(list, pending.length === 0 ? el('p', { class: 'empty' }, 'Nothing is waiting for a decision.')
      : pending.map(r => decidable(r, me)));
  } catch (failure) {
    replace(list, errorBox(failure));
  }
}

function decidable(r, me) {
  const comment = el('textarea', { class: 'comment', rows: 2, maxlength: 2000, placeholder: 'Comment (optional)',
    'aria-label': 'comment' });
  const outcome = el('div', { class: 'outcome', 'aria-live': 'polite' });
  const approve = el('button', { type: 'button', class: 'approve' }, 'Approve');
  const deny = el('button', { type: 'button', class: 'deny' }, 'Deny');
  const self = r.approvals.find(a => a.approver === me.name && a.counts);
  const form = el('div', { class: 'decide' },
    el('p', { class: 'reviewing' }, 'Your decision is signed over digest ', el('code', { class: 'digest' }, r.digest), '.'),
    self ? el('p', { class: 'note' }, `You already ${self.decision === 'approve' ? 'approved' : 'denied'} this digest.`) : '',
    comment, el('div', { class: 'buttons' }, approve, deny), outcome);
  const article = card(r, form);

  async function decide(decision) {
    approve.disabled = deny.disabled = true;
    replace(outcome);
    try {
      // The digest the approver reviewed, never a fresh one: if the request changed meanwhile, the broker refuses.
      const decided = await api.post(`/requests/${r.id}/approvals`, { decision, digest: r.digest, comment: comment.value });
      article.replaceWith(card(decided, el('p', { class: 'success', role: 'status' },
        `Your ${decision === 'approve' ? 'approval' : 'denial'} was recorded. The request is now ${decided.state}.`)));
    } catch (failure) {
      replace(outcome, errorBox(failure));
      approve.disabled = deny.disabled = false;
    }
  }
  approve.addEventListener('click', () => decide('approve'));
  deny.addEventListener('click', () => decide('deny'));
  return article;
}

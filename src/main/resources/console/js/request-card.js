// One access request with every field its digest binds, the policy tier it fell under, and the decisions so far.
import { el, fields, when } from './dom.js';

export function scopeText(scope) {
  if (scope && scope.ssh) {
    const s = scope.ssh;
    const parts = ['SSH as ' + (s.principals || []).join(', ')];
    parts.push(s.interactive ? 'interactive shell' : 'no interactive shell');
    if (s.exec && s.exec.length) {
      parts.push('commands: ' + s.exec.join(' | '));
    }
    parts.push(s.forwarding ? 'port forwarding allowed' : 'no forwarding');
    if (s.subsystems && s.subsystems.length) {
      parts.push('subsystems: ' + s.subsystems.join(', '));
    }
    return parts.join('; ');
  }
  if (scope && scope.http) {
    const h = scope.http;
    return `HTTP ${(h.methods || []).join(', ')} on ${(h.paths || []).join(', ')}${h.websocket ? '; WebSocket upgrades' : ''}`;
  }
  return JSON.stringify(scope);
}

function duration(window) {
  const ms = new Date(window.notAfter) - new Date(window.notBefore);
  if (!(ms > 0)) {
    return '';
  }
  const minutes = Math.round(ms / 60000);
  return ` (${minutes >= 120 ? Math.round(minutes / 6) / 10 + ' h' : minutes + ' min'})`;
}

export function boundFields(r) {
  return fields([
    ['Ticket', r.ticket, 'ticket'],
    ['Requester', r.requester, 'requester'],
    ['Executor', r.executor, 'executor'],
    ['Target', r.target, 'target'],
    ['Scope', scopeText(r.scope), 'scope'],
    ['Environment', r.environment, 'environment'],
    ['Change class', r.changeClass, 'changeClass'],
    ['Window', `${when(r.window.notBefore)} → ${when(r.window.notAfter)}${duration(r.window)}`, 'window'],
    ['Max sessions', r.maxSessions, 'maxSessions'],
    ['Expected outcome', r.expectedOutcome, 'expectedOutcome'],
    ['Rollback plan', r.rollbackPlan, 'rollbackPlan'],
    ['Emergency (break-glass)', r.emergency ? 'YES — break-glass' : 'no', 'emergency'],
    ['Binding digest (SHA-256)', el('code', { class: 'digest' }, r.digest), 'digest']
  ], { class: 'fields bound' });
}

export function policyFields(r) {
  const p = r.policy || {};
  const tier = p.tier === 'approvals' ? `${p.approvalsRequired} approval(s)` : p.tier;
  return fields([
    ['Policy rule', p.rule, 'policyRule'],
    ['Tier', tier, 'tier'],
    ['Approvals needed', p.approvalsRequired, 'approvalsRequired'],
    ['Customer sign-off', p.customerSignoff ? 'required' : 'not required', 'customerSignoff'],
    ['Policy version', p.version ? el('code', { class: 'digest' }, p.version) : '—', 'policyVersion']
  ], { class: 'fields policy' });
}

export function decisions(r) {
  if (!r.approvals || r.approvals.length === 0) {
    return el('p', { class: 'decisions none' }, 'No decisions yet.');
  }
  return el('ul', { class: 'decisions' }, r.approvals.map(a => el('li', { 'data-approver': a.approver },
    el('strong', {}, a.approver), ` ${a.decision === 'approve' ? 'approved' : 'denied'} at ${when(a.decidedAt)}`,
    a.counts ? '' : ' (for an earlier digest: no longer counts)',
    a.comment ? ` — “${a.comment}”` : '')));
}

export function card(r, ...extra) {
  return el('article', { class: 'request card', 'data-request': r.id, 'data-state': r.state },
    el('h3', {}, `${r.ticket} · ${r.target} · `, el('span', { class: 'state state-' + r.state }, r.state),
      r.emergency ? el('span', { class: 'badge emergency' }, 'BREAK-GLASS') : ''),
    r.stateReason ? el('p', { class: 'state-reason' }, r.stateReason) : '',
    el('h4', {}, 'Bound by the digest'),
    boundFields(r),
    el('h4', {}, 'Policy'),
    policyFields(r),
    el('h4', {}, 'Decisions so far'),
    decisions(r),
    r.grant ? el('p', { class: 'grant' }, `Grant ${r.grant.id}: ${r.grant.state} (${r.grant.basis})`) : '',
    extra);
}

// Sign-in, sign-out and the views each role gets. The broker enforces roles on every call; this only decides
// what to show, so that nobody is offered a control the broker would refuse them.
import * as api from './api.js';
import { el, replace } from './dom.js';
import * as approvals from './approvals.js';
import * as requests from './requests.js';
import * as sessions from './sessions.js';
import * as ledger from './ledger.js';

const VIEWS = [
  { id: 'approvals', label: 'Approvals', module: approvals,
    // An auditor can never approve, even holding the approver role too.
    allowed: roles => roles.includes('approver') && !roles.includes('auditor') },
  { id: 'requests', label: 'Requests', module: requests, allowed: () => true },
  { id: 'sessions', label: 'Sessions', module: sessions,
    allowed: roles => roles.includes('auditor') || roles.includes('admin') },
  { id: 'ledger', label: 'Ledger', module: ledger,
    allowed: roles => roles.includes('auditor') || roles.includes('admin') }
];

const signIn = document.getElementById('sign-in');
const signInError = document.getElementById('sign-in-error');
const tokenInput = document.getElementById('token');
const tabs = document.getElementById('tabs');
const who = document.getElementById('who');
const signOut = document.getElementById('sign-out');
const view = document.getElementById('view');

let me = null;
let leave = null;   // what the current view must stop (a live stream, a replay) when another is shown

function views() {
  return VIEWS.filter(v => v.allowed(me.roles));
}

async function show(id) {
  if (leave) {
    leave();
    leave = null;
  }
  const chosen = views().find(v => v.id === id) || views()[0];
  for (const button of tabs.querySelectorAll('button')) {
    button.setAttribute('aria-current', button.dataset.view === chosen.id ? 'page' : 'false');
  }
  const container = el('div', { id: 'view-' + chosen.id, class: 'view' });
  replace(view, container);
  leave = await chosen.module.render(container, me) || null;
}

function signedIn(principal) {
  me = principal;
  signIn.hidden = true;
  signInError.hidden = true;
  tokenInput.value = '';
  who.textContent = `${me.name} (${me.roles.join(', ')})`;
  signOut.hidden = false;
  replace(tabs, views().map(v => el('button', { type: 'button', id: 'tab-' + v.id, 'data-view': v.id, onclick: () => show(v.id) }, v.label)));
  tabs.hidden = false;
  show(views()[0].id);
}

function signedOut(message) {
  if (leave) {
    leave();
    leave = null;
  }
  api.forget();
  me = null;
  replace(view);
  replace(tabs);
  tabs.hidden = true;
  who.textContent = '';
  signOut.hidden = true;
  signIn.hidden = false;
  signInError.hidden = !message;
  signInError.textContent = message || '';
}

async function whoami() {
  try {
    signedIn(await api.get('/whoami'));
  } catch (failure) {
    signedOut(failure.status === 401 ? 'Sign-in failed: the token is unknown, revoked, or its principal is disabled.'
      : 'Sign-in failed: ' + (failure.describe ? failure.describe() : failure.message));
  }
}

document.getElementById('sign-in-form').addEventListener('submit', event => {
  event.preventDefault();
  const value = tokenInput.value.trim();
  if (!value) {
    signedOut('Enter an API token.');
    return;
  }
  api.remember(value);
  whoami();
});

signOut.addEventListener('click', () => signedOut(null));
window.addEventListener('portcullis:unauthenticated', event => {
  if (me) {
    signedOut('Signed out: ' + event.detail);
  }
});

if (api.token()) {
  whoami();
}

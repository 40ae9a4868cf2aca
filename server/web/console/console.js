// greenlight health-authority console (docs/console.md). Talks only to /console/api/ on the
// same origin; the session is an HttpOnly cookie, the CSRF token lives in this page's memory.

const $ = (id) => document.getElementById(id);
let csrf = null;

function show(message) {
  const box = $('message');
  box.textContent = message;
  box.hidden = !message;
}

async function api(method, path, body) {
  const headers = { 'Accept': 'application/json' };
  if (method === 'POST') {
    headers['Content-Type'] = 'application/json';
    if (csrf) headers['X-CSRF-Token'] = csrf;
  }
  const response = await fetch('/console/api/' + path, {
    method, headers, credentials: 'same-origin', cache: 'no-store',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let data = {};
  try { data = await response.json(); } catch { /* empty body */ }
  if (response.status === 401 && path !== 'session') signedOut('Your session ended. Sign in again.');
  if (!response.ok) throw new Error(data.message || ('HTTP ' + response.status));
  return data;
}

function signedIn(session) {
  csrf = session.csrf_token;
  $('sign-in-section').hidden = true;
  $('signed-in').hidden = false;
  $('sign-out').hidden = false;
  show('');
  loadStats();
  document.body.dataset.state = 'signed-in';
}

function signedOut(message) {
  csrf = null;
  $('sign-in-section').hidden = false;
  $('signed-in').hidden = true;
  $('sign-out').hidden = true;
  $('issued').hidden = true;
  show(message || '');
  document.body.dataset.state = 'signed-out';
  $('api-key').focus();
}

function utc(seconds) {
  return new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ') + ' UTC';
}

// Readable names for the daily series (server/src/*_routes.cpp); others are shown as named.
const SERIES = {
  'codes_issued kind=long': 'Long codes issued',
  'codes_issued kind=short': 'Short codes issued',
  'verify result=ok': 'Codes redeemed',
  'verify result=authentication': 'Unknown or used codes tried',
  'verify result=failed_precondition': 'Expired codes tried',
  'certificates result=ok': 'Certificates issued',
  'uploads result=ok': 'Uploads published',
  'keys_inserted': 'Keys stored',
  'export_real_keys': 'Keys exported',
  'venue_reports result=ok': 'Venue reports stored',
};

async function loadStats() {
  const table = $('stats');
  let stats;
  try { stats = await api('GET', 'stats'); } catch (e) { show('Statistics: ' + e.message); return; }
  $('stats-hint').textContent = 'Whole UTC days that have ended; counts below ' + stats.min_count +
    ' are not shown; fake (chaff) requests are never counted.';
  const series = [...new Set(stats.days.flatMap((d) => Object.keys(d.counts)))].sort();
  const head = document.createElement('tr');
  for (const name of ['day', ...series]) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.textContent = SERIES[name] || name;
    head.append(th);
  }
  table.tHead.replaceChildren(head);
  table.tBodies[0].replaceChildren();
  if (!stats.days.length) {
    const tr = document.createElement('tr');
    const td = document.createElement('td');
    td.textContent = 'No day with counts at or above ' + stats.min_count + ' yet.';
    tr.append(td);
    table.tBodies[0].append(tr);
  }
  for (const day of stats.days.slice().reverse()) {
    const tr = document.createElement('tr');
    const th = document.createElement('th');
    th.scope = 'row';
    th.textContent = day.day;
    tr.append(th);
    for (const name of series) {
      const td = document.createElement('td');
      td.className = 'num';
      td.textContent = name in day.counts ? String(day.counts[name]) : '<' + stats.min_count;
      tr.append(td);
    }
    table.tBodies[0].append(tr);
  }
}

$('sign-in-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const key = $('api-key').value;
  $('api-key').value = '';
  try {
    signedIn(await api('POST', 'session', { api_key: key }));
  } catch (e) {
    signedOut('Sign-in failed: ' + e.message);
  }
});

$('sign-out').addEventListener('click', async () => {
  try { await api('POST', 'logout', {}); } catch { /* signed out anyway */ }
  signedOut('Signed out.');
});

$('issue-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = event.target;
  const request = {
    kind: form.elements.kind.value,
    report_type: $('report-type').value,
    purpose: $('purpose').value,
    symptom_onset: $('symptom-onset').value,
  };
  try {
    const code = await api('POST', 'codes', request);
    $('issued-code').textContent = code.code;
    $('issued-details').textContent = (code.kind === 'short' ? 'Short' : 'Long') + ' code, ' +
      code.report_type + ', purpose ' + code.purpose + ', valid until ' + utc(code.expires_at) + '.';
    $('issued').hidden = false;
    $('status-code').value = code.code;
    show('');
    $('issued-code').focus();
  } catch (e) {
    show('No code issued: ' + e.message);
  }
});

$('copy-code').addEventListener('click', async () => {
  try { await navigator.clipboard.writeText($('issued-code').textContent); } catch { /* no clipboard */ }
});

$('status-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  try {
    const result = await api('POST', 'code-status', { code: $('status-code').value });
    $('status-result').textContent = result.status;
    show('');
  } catch (e) {
    $('status-result').textContent = '';
    show('Status: ' + e.message);
  }
});

$('refresh-stats').addEventListener('click', loadStats);

// A reload keeps the session (the cookie) and fetches its CSRF token again.
api('GET', 'session').then(signedIn, () => signedOut(''));

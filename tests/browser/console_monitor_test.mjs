// Browser tests of the health-authority console and the public monitor (docs/console.md,
// docs/monitor.md): headless Debian Chromium driven by puppeteer-core against a real
// `greenlight server run --console --monitor` on loopback.
//
//   console: sign in, issue a code, `greenlight phone upload` completes with it, status "used";
//            a venue-host code issued in the console lets a venue owner warn its guests.
//   monitor: the log verifies; the warned venue shows its warning, an unwarned venue nothing;
//            a mirror serving a forged (validly signed, forked) checkpoint or a tampered one
//            raises the alarm.
// Screenshots of every page go to WORK/screenshots (the build folder, never committed).
//
// Usage: node console_monitor_test.mjs GREENLIGHT_BINARY WORK_DIR NPM_DIR
// NPM_DIR holds node_modules (installed by run_browser_tests.sh with `npm ci`).
import { spawn, execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';

const [bin, work, npmDir] = process.argv.slice(2);
const require = createRequire(path.resolve(npmDir, "package.json"));
const puppeteer = require('puppeteer-core');

const HA_KEY = 'health-authority-browser-key-0001';
const ADMIN_KEY = 'admin-browser-test-key-00000001';
const shots = path.join(work, 'screenshots');
fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync(shots, { recursive: true });

let failures = 0;
function check(ok, what) {
  if (ok) { console.log('ok: ' + what); return; }
  failures++;
  console.error('FAIL: ' + what);
}

const gl = (...args) => execFileSync(bin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
const file = (name) => path.join(work, name);

// --- keys and a server with the console, the monitor and a transparency log --------------
const vkey = gl('log', 'keygen', '--name', 'browser.test/log', '--out', file('log.key'));
gl('server', 'keygen', '--out', file('export.pem'));
gl('server', 'keygen', '--out', file('authority.pem'));
fs.writeFileSync(file('ha.key'), HA_KEY + '\n');
fs.writeFileSync(file('admin.key'), ADMIN_KEY + '\n');

const server = spawn(bin, ['server', 'run', '--db', file('server.db'), '--export-dir', file('site'),
  '--signing-key', file('export.pem'), '--authority-key', file('authority.pem'),
  '--ha-api-key-file', file('ha.key'), '--admin-api-key-file', file('admin.key'),
  '--listen', '127.0.0.1:0', '--export-period', '0', '--time-granularity', '1',
  '--log-key-file', file('log.key'), '--console', '--monitor'], { stdio: ['ignore', 'pipe', 'pipe'] });
let serverOut = '', serverErr = '';
server.stdout.on('data', (d) => { serverOut += d; });
server.stderr.on('data', (d) => { serverErr += d; });
const port = await new Promise((resolve, reject) => {
  const timer = setInterval(() => {
    const m = /^listening on 127\.0\.0\.1:(\d+)$/m.exec(serverOut);
    if (m && /^transparency log/m.test(serverOut)) { clearInterval(timer); resolve(Number(m[1])); }
  }, 50);
  server.on('exit', (code) => { clearInterval(timer); reject(new Error('server exited ' + code + ': ' + serverErr)); });
});
const base = 'http://127.0.0.1:' + port;
const hostPort = '127.0.0.1:' + port;

// A mirror of the static tree (any web server or CDN), to tamper with.
const mirrorRoot = file('mirror');
const mirror = http.createServer((req, res) => {
  const rel = decodeURIComponent(new URL(req.url, 'http://x').pathname).replace(/^\/+/, '');
  const target = path.join(mirrorRoot, rel.endsWith('/') || rel === '' ? rel + 'index.html' : rel);
  if (!target.startsWith(mirrorRoot) || !fs.existsSync(target) || fs.statSync(target).isDirectory()) {
    res.writeHead(404); res.end(); return;
  }
  const type = target.endsWith('.html') ? 'text/html' : target.endsWith('.js') ? 'text/javascript'
    : target.endsWith('.css') ? 'text/css' : target.endsWith('.json') ? 'application/json' : 'application/octet-stream';
  res.writeHead(200, { 'Content-Type': type, 'Cache-Control': 'no-cache' });
  res.end(fs.readFileSync(target));
});
await new Promise((resolve) => mirror.listen(0, '127.0.0.1', resolve));
const mirrorBase = 'http://127.0.0.1:' + mirror.address().port;

const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  headless: true,
  args: [...(process.getuid?.() === 0 ? ['--no-sandbox'] : []), '--disable-dev-shm-usage'],
});
const page = await browser.newPage();
const cspViolations = [];
page.on('console', (m) => { if (/Content Security Policy|Refused to/.test(m.text())) cspViolations.push(m.text()); });
page.on('pageerror', (e) => cspViolations.push('page error: ' + e.message));
const shot = (name) => page.screenshot({ path: path.join(shots, name + '.png'), fullPage: true });

try {
  // --- console: sign in -------------------------------------------------------------------
  await page.goto(base + '/console/');
  await page.waitForSelector('body[data-state="signed-out"]');
  const unlabelled = await page.$$eval('input:not([type=radio]):not([type=hidden]), select',
    (els) => els.filter((e) => !e.labels || e.labels.length === 0).map((e) => e.id));
  check(unlabelled.length === 0, 'every console field has a label (' + unlabelled.join(',') + ')');
  await shot('console-sign-in');
  await page.type('#api-key', 'wrong-key');
  await page.click('#sign-in-form button[type=submit]');
  await page.waitForFunction(() => !document.getElementById('message').hidden);
  check(await page.$eval('#message', (e) => e.textContent.includes('Sign-in failed')), 'a wrong key is refused');
  await page.type('#api-key', HA_KEY);
  await page.keyboard.press('Enter');  // keyboard only
  await page.waitForSelector('body[data-state="signed-in"]');
  const cookies = await browser.cookies();
  const session = cookies.find((c) => c.name === 'gl_console');
  check(session && session.httpOnly && session.secure && session.sameSite === 'Strict',
    'session cookie is HttpOnly, Secure, SameSite=Strict');
  check(await page.evaluate(() => !document.cookie.includes('gl_console')), 'the page script cannot read the session cookie');
  await shot('console-signed-in');

  // --- console: issue a code, the phone uploads with it, status turns used ---------------
  await page.click('input[name=kind][value=long]');
  await page.select('#report-type', 'confirmed');
  await page.click('#issue-form button[type=submit]');
  await page.waitForSelector('#issued:not([hidden])');
  const code = await page.$eval('#issued-code', (e) => e.textContent);
  check(/^\d{20}$/.test(code), 'a long code is issued (' + code + ')');
  await shot('console-code-issued');
  await page.click('#status-form button[type=submit]');
  await page.waitForFunction(() => document.getElementById('status-result').textContent !== '');
  check(await page.$eval('#status-result', (e) => e.textContent) === 'unused', 'the new code is unused');

  const phone = ['--dir', file('phone')];
  gl('phone', 'init', ...phone);
  const now = Math.floor(Date.now() / 1000);
  gl('phone', 'advertise', ...phone, '--now', String(now - 86400));
  const upload = gl('phone', 'upload', ...phone, '--server', base, '--code', code);
  check(/^published 1 key/.test(upload), 'the phone uploads with the code: ' + upload);
  await page.click('#status-form button[type=submit]');
  await page.waitForFunction(() => document.getElementById('status-result').textContent === 'used');
  check(true, 'the code status turned "used"');
  await shot('console-code-used');

  // --- a venue owner warns its guests with a venue-host code from the console ------------
  await page.select('#purpose', 'venue_host');
  await page.click('#issue-form button[type=submit]');
  await page.waitForFunction((old) => document.getElementById('issued-code').textContent !== old, {}, code);
  const hostCode = await page.$eval('#issued-code', (e) => e.textContent);
  gl('venue', 'create', '--name', 'Warned Hall', '--valid-from', '2024-01-01', '--out-dir', file('warned'));
  gl('venue', 'create', '--name', 'Quiet Cafe', '--valid-from', '2024-01-01', '--out-dir', file('quiet'));
  // One hour in the past that never crosses midnight UTC: `venue warn` splits a warning at
  // midnight, and the check below counts one logged warning.
  const sinceMidnight = now % 86400;
  const warnFrom = now - 3 * 3600 - (sinceMidnight < 3 * 3600 ? sinceMidnight : 0);
  gl('venue', 'warn', '--secret', file('warned/venue.secret'), '--code', hostCode,
    '--from', String(warnFrom), '--until', String(warnFrom + 3600), '--url', hostPort);
  gl('server', 'export-now', '--url', hostPort, '--admin-api-key-file', file('admin.key'));
  await page.click('#sign-out');
  await page.waitForSelector('body[data-state="signed-out"]');
  check(!(await browser.cookies()).some((c) => c.name === 'gl_console' && c.value), 'sign-out clears the session cookie');

  // --- monitor on the server: the log verifies; warned venue vs unwarned venue -----------
  const venueUrl = (dir) => fs.readFileSync(file(dir + '/venue.url'), 'utf8').trim();
  const checkVenue = async (url) => {
    await page.$eval('#venue-url', (e) => { e.value = ''; });
    await page.type('#venue-url', url);
    await page.click('#venue-form button[type=submit]');
    await page.waitForSelector('#venue-verdict');
    return page.$eval('#venue-verdict', (e) => ({ cls: e.className, text: e.textContent }));
  };
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(base + '/monitor/');
  await page.waitForSelector('body[data-ready="true"]');
  const status = await page.$eval('#log-status', (e) => e.textContent);
  check(status.startsWith('Verified:'), 'the monitor verifies the log: ' + status);
  check(await page.$eval('#alarm', (e) => e.hidden), 'no alarm for the honest log');
  const days = await page.$$eval('#days tbody tr', (rows) => rows.map((r) => r.textContent));
  check(days.length >= 1, 'batches per day are listed: ' + days.join(' | '));
  const warned = await checkVenue(venueUrl('warned'));
  check(warned.cls === 'warned' && warned.text.includes('1 logged warning(s) for Warned Hall') &&
    warned.text.includes('phones accept it'), 'the warned venue shows its verified warning: ' + warned.text);
  await shot('monitor-warned-venue');
  const quiet = await checkVenue(venueUrl('quiet'));
  check(quiet.cls === 'clear' && quiet.text.includes('No logged warning for Quiet Cafe'),
    'the unwarned venue shows nothing: ' + quiet.text);
  await shot('monitor-unwarned-venue');
  const fragments = [venueUrl('warned'), venueUrl('quiet')].map((u) => u.split('#')[1]);
  check(!requests.some((u) => fragments.some((f) => u.includes(f.slice(0, 16)))),
    'no request carries a venue payload');

  // A checkpoint from elsewhere (here the server's own) is compared with the served log.
  const honestNote = fs.readFileSync(file('site/v1/log/checkpoint'), 'utf8');
  await page.click('details summary');
  await page.$eval('#compare-note', (e, v) => { e.value = v; }, honestNote);
  await page.click('#compare-form button[type=submit]');
  await page.waitForFunction(() => document.getElementById('compare-result').textContent !== '');
  const compared = await page.$eval('#compare-result', (e) => e.textContent);
  check(compared.startsWith('Consistent'), 'a pasted checkpoint of the same log is consistent: ' + compared);

  // --- monitor on a mirror: a forked checkpoint and a tampered one raise the alarm --------
  fs.cpSync(file('site'), mirrorRoot, { recursive: true });
  await page.goto(mirrorBase + '/monitor/');
  await page.waitForSelector('body[data-ready="true"]');
  check(await page.$eval('#alarm', (e) => e.hidden), 'the honest mirror verifies (and is remembered)');
  const note = fs.readFileSync(path.join(mirrorRoot, 'v1/log/checkpoint'), 'utf8');
  const [origin, size] = note.split('\n');
  const forged = signCheckpoint(fs.readFileSync(file('log.key'), 'utf8').trim(),
    origin + '\n' + size + '\n' + crypto.randomBytes(32).toString('base64') + '\n');
  fs.writeFileSync(path.join(mirrorRoot, 'v1/log/checkpoint'), forged);
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  const alarm = await page.$eval('#alarm', (e) => (e.hidden ? '' : e.textContent));
  check(alarm.includes('ALARM') && alarm.includes('forked'), 'a validly signed fork raises the alarm: ' + alarm.slice(0, 160));
  await shot('monitor-fork-alarm');
  const lines = note.split('\n');
  lines[2] = crypto.randomBytes(32).toString('base64');
  fs.writeFileSync(path.join(mirrorRoot, 'v1/log/checkpoint'), lines.join('\n'));
  await page.reload();
  await page.waitForSelector('body[data-ready="true"]');
  const tampered = await page.$eval('#alarm', (e) => (e.hidden ? '' : e.textContent));
  check(tampered.includes('not validly signed'), 'a tampered checkpoint raises the alarm: ' + tampered.slice(0, 160));
  await shot('monitor-tampered-alarm');
  check(cspViolations.length === 0, 'no CSP violation or script error: ' + cspViolations.join(' | '));
} catch (e) {
  failures++;
  console.error('FAIL: ' + e.stack);
  await shot('failure').catch(() => {});
} finally {
  await browser.close();
  mirror.close();
  server.kill('SIGTERM');
}

// A checkpoint signed with the log's own key (PRIVATE+KEY+NAME+HASH+BASE64(0x01 || seed)).
function signCheckpoint(skey, text) {
  const [, , name, hash, ...rest] = skey.split('+');
  const data = rest.join('+');  // base64 may hold '+'
  const seed = Buffer.from(data, 'base64').subarray(1);
  const key = crypto.createPrivateKey({
    key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), seed]), format: 'der', type: 'pkcs8',
  });
  const signature = crypto.sign(null, Buffer.from(text), key);
  const line = Buffer.concat([Buffer.from(hash, 'hex'), signature]).toString('base64');
  return text + '\n\u2014 ' + name + ' ' + line + '\n';
}

console.log(failures ? failures + ' browser check(s) failed' : 'all browser checks passed; screenshots in ' + shots);
process.exit(failures ? 1 : 0);

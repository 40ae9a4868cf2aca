// Speed of the public monitor's log check (docs/monitor.md "Performance"): a synthetic static
// tree with N export-batch leaves and a checkpoint signed with a fresh log key, served on
// loopback, opened in headless Debian Chromium; prints the time from navigation to the verified
// log (signature, N leaf hashes, the Merkle fold). Not a test: run by hand.
// Usage: node monitor_bench.mjs GREENLIGHT_BINARY WORK_DIR NPM_DIR N [N ...]
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { createRequire } from 'node:module';

const [bin, work, npmDir, ...sizes] = process.argv.slice(2);
const puppeteer = createRequire(path.resolve(npmDir, "package.json"))('puppeteer-core');
const sha = (...parts) => crypto.createHash('sha256').update(Buffer.concat(parts)).digest();

function exportLeaf(i) {
  const b = Buffer.alloc(2 + 32 + 8 + 8 + 4 + 1 + 2);
  b[0] = 1; b[1] = 1;
  crypto.randomBytes(32).copy(b, 2);
  b.writeBigUInt64BE(BigInt(1764000000 + i * 3600), 34);
  b.writeBigUInt64BE(BigInt(1764003600 + i * 3600), 42);
  b.writeUInt32BE(1000, 50);
  b[54] = 2; b.write('GL', 55);
  return b;
}

function root(leaves) {
  const nodes = [];
  for (const leaf of leaves) {
    let node = { h: sha(Buffer.of(0), leaf), n: 1 };
    while (nodes.length && nodes[nodes.length - 1].n === node.n) {
      const left = nodes.pop();
      node = { h: sha(Buffer.of(1), left.h, node.h), n: left.n * 2 };
    }
    nodes.push(node);
  }
  let h = nodes[nodes.length - 1].h;
  for (let i = nodes.length - 2; i >= 0; i--) h = sha(Buffer.of(1), nodes[i].h, h);
  return h;
}

fs.rmSync(work, { recursive: true, force: true });
fs.mkdirSync(work, { recursive: true });
const vkey = execFileSync(bin, ['log', 'keygen', '--name', 'bench.test/log', '--out', path.join(work, 'log.key')], { encoding: 'utf8' }).trim();
const [, , name, hash, ...rest] = fs.readFileSync(path.join(work, 'log.key'), 'utf8').trim().split('+');
const data = rest.join('+');  // base64 may hold '+'
const key = crypto.createPrivateKey({ key: Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'),
  Buffer.from(data, 'base64').subarray(1)]), format: 'der', type: 'pkcs8' });
const browser = await puppeteer.launch({ executablePath: '/usr/bin/chromium', headless: true,
  args: process.getuid?.() === 0 ? ['--no-sandbox'] : [] });
for (const n of sizes.map(Number)) {
  const site = path.join(work, 'site-' + n);
  execFileSync(bin, ['monitor', 'write', '--out', site, '--log-key', vkey]);
  const leaves = Array.from({ length: n }, (_, i) => exportLeaf(i));
  fs.mkdirSync(path.join(site, 'v1/log/leaves'), { recursive: true });
  for (let b = 0; b * 256 < n; b++) {
    fs.writeFileSync(path.join(site, 'v1/log/leaves', String(b)),
      leaves.slice(b * 256, b * 256 + 256).map((l) => l.toString('base64') + '\n').join(''));
  }
  const text = 'bench.test/log\n' + n + '\n' + root(leaves).toString('base64') + '\n';
  const sig = Buffer.concat([Buffer.from(hash, 'hex'), crypto.sign(null, Buffer.from(text), key)]);
  fs.writeFileSync(path.join(site, 'v1/log/checkpoint'), text + '\n\u2014 ' + name + ' ' + sig.toString('base64') + '\n');
  const server = http.createServer((req, res) => {
    const rel = new URL(req.url, 'http://x').pathname.replace(/^\/+/, '');
    const file = path.join(site, rel.endsWith('/') ? rel + 'index.html' : rel);
    if (!fs.existsSync(file)) { res.writeHead(404); res.end(); return; }
    res.writeHead(200, { 'Content-Type': file.endsWith('.js') ? 'text/javascript' : file.endsWith('.html') ? 'text/html' : 'text/plain' });
    res.end(fs.readFileSync(file));
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const page = await browser.newPage();
  const start = performance.now();
  await page.goto('http://127.0.0.1:' + server.address().port + '/monitor/');
  await page.waitForSelector('body[data-ready="true"]', { timeout: 600000 });
  const ms = performance.now() - start;
  const status = await page.$eval('#log-status', (e) => e.textContent);
  console.log(n + ' leaves: ' + ms.toFixed(0) + ' ms, ' + status.slice(0, 40));
  await page.close();
  server.close();
}
await browser.close();

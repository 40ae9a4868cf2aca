// greenlight public monitor (docs/monitor.md). Runs in the browser only, from the static
// files next to it: verifies the transparency log's signed checkpoint (Ed25519), recomputes
// the RFC 9162 Merkle root from the published leaves (SHA-256), compares it with every
// checkpoint this browser saw before (fork / shrink alarm), tabulates the logged batches per
// day, and checks a venue's warnings with the venue's own URL: the location id and tag are
// computed here and never sent; every visitor downloads the same files.
// Primitives come from WebCrypto; this file implements only formats and verification rules.

const enc = new TextEncoder();
const utf8 = new TextDecoder('utf-8', { fatal: true });
const SITE = new URL('../', document.baseURI);
const BUNDLE = 256;
const DAY = 86400;
const INTERVAL = 600;

const KIND_EXPORT = 1, KIND_VENUE = 2, KIND_RISK = 3, KIND_KEY = 4, KIND_POLICY = 5;
const KIND_NAMES = { 1: 'export batch', 2: 'venue-warning batch', 3: 'risk configuration',
  4: 'signing-key change', 5: 'venue owner policy' };

// ---- bytes ---------------------------------------------------------------------------------

function b64decode(text) {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
    throw new Error('not base64: ' + text.slice(0, 20));
  }
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

// Canonical base64url without padding (docs/venues.md "Payload format").
function b64urlDecode(text) {
  if (!/^[A-Za-z0-9_-]*$/.test(text) || text.length % 4 === 1) {
    throw new Error('the fragment is not base64url');
  }
  let std = text.replace(/-/g, '+').replace(/_/g, '/');
  while (std.length % 4) std += '=';
  const out = b64decode(std);
  if (b64urlEncode(out) !== text) throw new Error('the fragment is not canonical base64url');
  return out;
}

function b64encode(bytes) {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

function b64urlEncode(bytes) {
  return b64encode(bytes).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const hex = (bytes) => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

function equal(a, b) {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

async function sha256(bytes) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
}

class Reader {
  constructor(bytes) { this.b = bytes; this.at = 0; this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength); }
  need(n) { if (this.at + n > this.b.length) throw new Error('truncated'); }
  bytes(n) { this.need(n); const out = this.b.subarray(this.at, this.at + n); this.at += n; return out; }
  u8() { this.need(1); return this.b[this.at++]; }
  u32() { this.need(4); const v = this.view.getUint32(this.at); this.at += 4; return v; }
  u64() { this.need(8); const v = this.view.getBigUint64(this.at); this.at += 8; return Number(v); }
  str() {
    const n = this.u8();
    if (n > 64) throw new Error('string longer than 64 bytes');
    const s = this.bytes(n);
    if (s.some((c) => c < 0x20 || c > 0x7e)) throw new Error('string not printable ASCII');
    return String.fromCharCode(...s);
  }
  done() { return this.at === this.b.length; }
}

// ---- protobuf (only what the venue files use: varint and length-delimited fields) ----------

function protoFields(bytes) {
  const fields = [];
  let at = 0;
  const varint = () => {
    let v = 0n, shift = 0n;
    for (;;) {
      if (at >= bytes.length || shift > 63n) throw new Error('bad varint');
      const b = bytes[at++];
      v |= BigInt(b & 0x7f) << shift;
      if (!(b & 0x80)) return v;
      shift += 7n;
    }
  };
  while (at < bytes.length) {
    const key = varint();
    const number = Number(key >> 3n), type = Number(key & 7n);
    if (type === 0) {
      fields.push({ number, value: varint() });
    } else if (type === 2) {
      const n = Number(varint());
      if (at + n > bytes.length) throw new Error('truncated field');
      fields.push({ number, bytes: bytes.subarray(at, at + n) });
      at += n;
    } else {
      throw new Error('unexpected wire type ' + type);
    }
  }
  return fields;
}

const field = (fields, n) => fields.find((f) => f.number === n);

// ---- signed notes and checkpoints (C2SP signed-note, tlog-checkpoint) ------------------------

async function parseVkey(vkey) {
  // NAME+HASH+BASE64: the name has no '+', the base64 may.
  const all = vkey.trim().split('+');
  const parts = [all[0], all[1], all.slice(2).join('+')];
  if (all.length < 3 || !parts[0] || !/^[0-9a-f]{8}$/.test(parts[1])) {
    throw new Error('a verifier key looks like NAME+HASH+BASE64');
  }
  const key = b64decode(parts[2]);
  if (key.length !== 33 || key[0] !== 1) throw new Error('not an Ed25519 verifier key');
  const name = parts[0];
  const pub = key.subarray(1);
  const hash = (await sha256(concat(enc.encode(name + '\n'), key))).subarray(0, 4);
  if (hex(hash) !== parts[1]) throw new Error('the verifier key hash does not match the key');
  const cryptoKey = await crypto.subtle.importKey('raw', pub, { name: 'Ed25519' }, false, ['verify']);
  return { name, hash, cryptoKey };
}

// Returns the note's text if one signature line by `verifier` verifies; throws otherwise.
async function openNote(note, verifier) {
  const sep = note.lastIndexOf('\n\n');
  if (sep < 0 || !note.endsWith('\n')) throw new Error('not a signed note');
  const text = note.slice(0, sep + 1);
  const lines = note.slice(sep + 2, -1).split('\n');
  for (const line of lines) {
    const m = /^\u2014 (\S+) ([A-Za-z0-9+/=]+)$/.exec(line);
    if (!m) throw new Error('malformed signature line');
    if (m[1] !== verifier.name) continue;
    const sig = b64decode(m[2]);
    if (sig.length !== 68 || !equal(sig.subarray(0, 4), verifier.hash)) continue;
    const ok = await crypto.subtle.verify({ name: 'Ed25519' }, verifier.cryptoKey,
      sig.subarray(4), enc.encode(text));
    if (!ok) throw new Error('the checkpoint signature does not verify');
    return text;
  }
  throw new Error('the checkpoint is not signed by this log key');
}

function parseCheckpoint(text) {
  const lines = text.split('\n');
  if (lines.length < 4 || !/^(0|[1-9][0-9]{0,15})$/.test(lines[1])) {
    throw new Error('malformed checkpoint body');
  }
  const root = b64decode(lines[2]);
  if (root.length !== 32) throw new Error('checkpoint root must be 32 bytes');
  return { origin: lines[0], size: Number(lines[1]), root };
}

// ---- Merkle tree (RFC 9162 section 2.1) ------------------------------------------------------

const leafHash = (leaf) => sha256(concat(Uint8Array.of(0), leaf));
const nodeHash = (l, r) => sha256(concat(Uint8Array.of(1), l, r));

class Frontier {
  constructor() { this.nodes = []; this.size = 0; }
  async push(hash) {
    let node = { hash, size: 1 };
    while (this.nodes.length && this.nodes[this.nodes.length - 1].size === node.size) {
      const left = this.nodes.pop();
      node = { hash: await nodeHash(left.hash, node.hash), size: left.size * 2 };
    }
    this.nodes.push(node);
    this.size++;
  }
  async root() {
    if (!this.nodes.length) return sha256(new Uint8Array());
    let h = this.nodes[this.nodes.length - 1].hash;
    for (let i = this.nodes.length - 2; i >= 0; i--) h = await nodeHash(this.nodes[i].hash, h);
    return h;
  }
}

function decodeLeaf(bytes) {
  const r = new Reader(bytes);
  if (r.u8() !== 1) throw new Error('unknown leaf version');
  const kind = r.u8();
  const leaf = { kind, sha256: hex(r.bytes(32)) };
  if (kind === KIND_EXPORT || kind === KIND_VENUE) {
    leaf.start = r.u64();
    leaf.end = r.u64();
    leaf.count = r.u32();
    if (kind === KIND_EXPORT) leaf.region = r.str();
  } else if (kind === KIND_RISK) {
    leaf.version = r.u64();
  } else if (kind === KIND_KEY) {
    leaf.purpose = r.u8();
    leaf.keyId = r.str();
    leaf.keyVersion = r.str();
  } else if (kind === KIND_POLICY) {
    leaf.policy = r.str();
    leaf.wait = r.u64();
  } else {
    throw new Error('unknown leaf kind ' + kind);
  }
  if (!r.done()) throw new Error('trailing bytes in leaf');
  return leaf;
}

// ---- fetching --------------------------------------------------------------------------------

async function fetchSite(path, type) {
  const response = await fetch(new URL(path, SITE), { cache: 'no-cache', credentials: 'omit' });
  if (response.status === 404) return null;
  if (!response.ok) throw new Error(path + ': HTTP ' + response.status);
  return type === 'bytes' ? new Uint8Array(await response.arrayBuffer()) : response.text();
}

// ---- page ------------------------------------------------------------------------------------

const $ = (id) => document.getElementById(id);
const state = { config: {}, log: null, alarms: [] };

function el(tag, text, cls) {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (cls) e.className = cls;
  return e;
}

function row(cells, numeric = []) {
  const tr = document.createElement('tr');
  cells.forEach((c, i) => {
    const td = c instanceof Node ? (() => { const t = el('td'); t.append(c); return t; })() : el('td', String(c));
    if (numeric.includes(i)) td.className = 'num';
    tr.append(td);
  });
  return tr;
}

const utcDay = (seconds) => new Date(seconds * 1000).toISOString().slice(0, 10);
const utcTime = (seconds) => new Date(seconds * 1000).toISOString().slice(0, 16).replace('T', ' ');

function raiseAlarm(title, detail) {
  state.alarms.push(title);
  const box = $('alarm');
  box.hidden = false;
  const h = el('p', 'ALARM: ' + title);
  box.append(h);
  if (detail) box.append(el('pre', detail));
}

function historyKey(vkey) { return 'greenlight-monitor:' + SITE.href + ':' + vkey.trim(); }

function loadHistory(vkey) {
  try {
    const h = JSON.parse(localStorage.getItem(historyKey(vkey)) || '[]');
    return Array.isArray(h) ? h : [];
  } catch { return []; }
}

// Verifies the checkpoint and every leaf, checks every checkpoint seen before against the
// recomputed tree. Returns the verified log (leaves, roots by size) or throws.
async function checkLog(vkeyText) {
  const verifier = await parseVkey(vkeyText);
  const note = await fetchSite('v1/log/checkpoint', 'text');
  if (note === null) throw new Error('this site publishes no transparency log (v1/log/checkpoint)');
  let checkpoint;
  try {
    checkpoint = parseCheckpoint(await openNote(note, verifier));
  } catch (e) {
    raiseAlarm('the published checkpoint is not validly signed by the log key (' + e.message + ')', note);
    throw e;
  }
  const history = loadHistory(vkeyText);
  const wanted = new Set(history.map((h) => h.size).filter((s) => s <= checkpoint.size));
  const roots = new Map();
  const frontier = new Frontier();
  const leaves = [];
  const leafHashes = [];
  if (wanted.has(0)) roots.set(0, await frontier.root());
  for (let b = 0; b * BUNDLE < checkpoint.size; b++) {
    const text = await fetchSite('v1/log/leaves/' + b, 'text');
    if (text === null) throw new Error('leaf bundle ' + b + ' is missing');
    const lines = text.split('\n').filter((l) => l.length).slice(0, checkpoint.size - frontier.size);
    const leafBytes = lines.map(b64decode);
    // The leaf hashes of a bundle are independent: let WebCrypto compute them concurrently.
    const hashes = await Promise.all(leafBytes.map(leafHash));
    for (const [i, bytes] of leafBytes.entries()) {
      const h = hashes[i];
      leafHashes.push(h);
      await frontier.push(h);
      let leaf;
      try { leaf = decodeLeaf(bytes); } catch (e) { leaf = { kind: 0, error: e.message }; }
      leaf.index = leaves.length;
      leaves.push(leaf);
      if (wanted.has(frontier.size)) roots.set(frontier.size, await frontier.root());
    }
  }
  const undecodable = leaves.filter((l) => l.kind === 0);
  if (undecodable.length) {
    raiseAlarm(undecodable.length + ' logged leaf (leaves) do not decode, the first #' +
      undecodable[0].index + ': ' + undecodable[0].error);
  }
  if (frontier.size !== checkpoint.size) {
    raiseAlarm('the mirror serves ' + frontier.size + ' leaves for a checkpoint of size ' + checkpoint.size);
  }
  const root = await frontier.root();
  if (!equal(root, checkpoint.root)) {
    raiseAlarm('the published leaves do not hash to the signed root: the log serves content its checkpoint does not cover',
      note);
  }
  const verdicts = [];
  for (const seen of history) {
    if (seen.size === checkpoint.size && seen.root !== b64encode(checkpoint.root)) {
      raiseAlarm('the log forked: two signed checkpoints of size ' + seen.size +
        ' with different roots (the first seen on ' + seen.first_seen + '). Both are evidence.',
      seen.note + '\n' + note);
      verdicts.push([seen, false]);
    } else if (seen.size > checkpoint.size) {
      raiseAlarm('the log shrank: this browser saw size ' + seen.size + ' on ' + seen.first_seen +
        ', the log now has size ' + checkpoint.size + '. Both signed checkpoints are evidence.',
      seen.note + '\n' + note);
      verdicts.push([seen, false]);
    } else if (!equal(roots.get(seen.size), b64decode(seen.root))) {
      raiseAlarm('the log forked: the tree of size ' + seen.size + ' seen on ' + seen.first_seen +
        ' had another root than the current log. Both signed checkpoints are evidence.',
      seen.note + '\n' + note);
      verdicts.push([seen, false]);
    } else {
      verdicts.push([seen, true]);
    }
  }
  const consistent = state.alarms.length === 0;
  if (consistent && !history.some((h) => h.size === checkpoint.size)) {
    const entry = { size: checkpoint.size, root: b64encode(checkpoint.root), note,
      first_seen: new Date().toISOString().slice(0, 19).replace('T', ' ') };
    history.push(entry);
    verdicts.push([entry, true]);
    localStorage.setItem(historyKey(vkeyText), JSON.stringify(history.slice(-500)));
  }
  return { verifier, checkpoint, note, leaves, leafHashes, verdicts, consistent };
}

function showLog(log) {
  const { checkpoint } = log;
  $('log-status').textContent = '';
  const status = el('span', log.consistent ? 'Verified: ' : 'NOT consistent: ', log.consistent ? 'ok' : 'bad');
  $('log-status').append(status, document.createTextNode('log ' + checkpoint.origin + ', ' +
    checkpoint.size + ' leaves, root ' + b64encode(checkpoint.root) +
    ' (signature, every leaf and every earlier checkpoint checked in this browser).'));
  const tbody = $('history').tBodies[0];
  tbody.replaceChildren();
  for (const [seen, ok] of log.verdicts.sort((a, b) => b[0].size - a[0].size)) {
    const cell = el('span', ok ? 'yes' : 'NO: fork or shrink', ok ? 'ok' : 'bad');
    tbody.append(row([seen.first_seen, seen.size, el('code', seen.root), cell], [1]));
  }
  const days = new Map();
  for (const leaf of log.leaves) {
    const day = leaf.start !== undefined ? utcDay(leaf.start) : 'no window';
    if (!days.has(day)) days.set(day, [0, 0, 0, 0, 0]);
    const d = days.get(day);
    if (leaf.kind === KIND_EXPORT) { d[0]++; d[1] += leaf.count; }
    else if (leaf.kind === KIND_VENUE) { d[2]++; d[3] += leaf.count; }
    else d[4]++;
  }
  const dbody = $('days').tBodies[0];
  dbody.replaceChildren();
  for (const day of [...days.keys()].sort().reverse()) {
    dbody.append(row([day, ...days.get(day)], [1, 2, 3, 4, 5]));
  }
}

async function compareCheckpoint(text) {
  const out = $('compare-result');
  out.textContent = '';
  const log = state.log;
  if (!log) { out.textContent = 'Check the log first.'; return; }
  let other;
  try {
    other = parseCheckpoint(await openNote(text.replace(/\r\n/g, '\n').trimEnd() + '\n', log.verifier));
  } catch (e) {
    out.textContent = 'Not a valid checkpoint of this log: ' + e.message;
    return;
  }
  if (other.size > log.checkpoint.size) {
    out.textContent = 'That checkpoint (size ' + other.size + ') is newer than what this site serves (' +
      log.checkpoint.size + '); check again later.';
    return;
  }
  const frontier = new Frontier();
  for (let i = 0; i < other.size; i++) await frontier.push(log.leafHashes[i]);
  if (equal(await frontier.root(), other.root)) {
    out.append(el('span', 'Consistent: ', 'ok'), document.createTextNode(
      'the log served here contains the tree of size ' + other.size + ' you pasted.'));
  } else {
    raiseAlarm('the pasted checkpoint of size ' + other.size +
      ' is not a prefix of the log served here: the log shows different views. Both signed checkpoints are evidence.',
    text + '\n' + log.note);
    out.append(el('span', 'INCONSISTENT: see the alarm above.', 'bad'));
  }
}

// ---- venues (docs/venues.md) -----------------------------------------------------------------

function parseVenue(url) {
  const hash = url.indexOf('#');
  if (hash < 0 || url.length > 2048) throw new Error('a venue URL ends with #PAYLOAD');
  const payload = b64urlDecode(url.slice(hash + 1).trim());
  if (payload.length === 0 || payload.length > 1024) throw new Error('the payload must be 1..1024 bytes');
  const fields = protoFields(payload);
  const text = (n) => { const f = field(fields, n); return f ? utf8.decode(f.bytes) : ''; };
  const version = Number(field(fields, 1)?.value ?? 0n);
  const owner = field(fields, 9)?.bytes;
  return { payload, name: text(2), address: text(3), version, ownerKey: owner && owner.length === 32 ? owner : null };
}

async function venueKeys(venue) {
  const id = await sha256(concat(enc.encode('GL-VENUE-ID'), venue.payload));
  const tag = await sha256(id);
  const hkdf = await crypto.subtle.importKey('raw', id, 'HKDF', false, ['deriveKey']);
  const aead = await crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(), info: enc.encode('GL-VENUE-REPORT') },
    hkdf, { name: 'AES-GCM', length: 256 }, false, ['decrypt']);
  const owner = venue.ownerKey
    ? await crypto.subtle.importKey('raw', venue.ownerKey, { name: 'Ed25519' }, false, ['verify'])
    : null;
  return { tag, aead, owner };
}

async function authorityKeys() {
  const keys = [];
  for (const spki of state.config.venue_authority_keys || []) {
    keys.push(await crypto.subtle.importKey('spki', b64decode(spki),
      { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']));
  }
  return keys;
}

// The two-party check a phone runs (docs/venues.md "Two-party warnings"), with the verdict
// for a journalist: accepted by phones, or why not.
async function checkWarning(report, keys, authorities) {
  const result = { verdict: '' };
  let plain;
  try {
    plain = new Uint8Array(await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: report.nonce, additionalData: report.tag, tagLength: 128 },
      keys.aead, report.ciphertext));
  } catch {
    result.verdict = 'does not open with this venue\'s key (not a warning phones accept)';
    return result;
  }
  if (plain.length !== 80) { result.verdict = 'malformed warning'; return result; }
  const record = plain.subarray(0, 16);
  const view = new DataView(record.buffer, record.byteOffset, 16);
  result.start = view.getUint32(1) * INTERVAL;
  result.duration = view.getUint16(5);
  result.end = result.start + result.duration * INTERVAL;
  result.risk = record[7];
  result.origin = record[8] === 1 ? 'host warning' : record[8] === 2 ? 'released visitor report' : 'unknown';
  if (record[0] !== 2 || result.duration < 1 || result.duration > 144 || result.risk < 1 ||
      result.risk > 8 || record.subarray(9).some((b) => b !== 0)) {
    result.verdict = 'malformed record';
    return result;
  }
  if (!keys.owner) {
    result.verdict = 'version-1 poster without owner key: phones never accept it';
    return result;
  }
  const ownerOk = await crypto.subtle.verify({ name: 'Ed25519' }, keys.owner, plain.subarray(16),
    concat(enc.encode('GL-VENUE-OWNER-V2'), report.tag, record));
  if (!ownerOk) {
    result.verdict = 'NOT signed by the venue owner: phones reject it (keep as evidence)';
    return result;
  }
  if (!authorities.length) {
    result.verdict = 'signed by the owner; health-authority signature not checked (no key configured)';
    result.accepted = true;
    return result;
  }
  const signed = concat(enc.encode('GL-VENUE-HA-V2'), report.tag, report.nonce, report.ciphertext);
  for (const key of authorities) {
    if (report.authoritySig.length === 64 &&
        await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, key, report.authoritySig, signed)) {
      result.verdict = 'signed by the venue owner and the health authority: phones accept it';
      result.accepted = true;
      return result;
    }
  }
  result.verdict = 'NOT signed by the health authority: phones reject it';
  return result;
}

const VENUE_HEADER = 'GL Venue v2     ';

function parseBatch(file) {
  if (file.length < 16 || String.fromCharCode(...file.subarray(0, 16)) !== VENUE_HEADER) {
    throw new Error('not a venue-warning batch');
  }
  const batch = field(protoFields(file.subarray(16)), 1);
  if (!batch) throw new Error('batch without content');
  const fields = protoFields(batch.bytes);
  const reports = fields.filter((f) => f.number === 5).map((f) => {
    const r = protoFields(f.bytes);
    const get = (n) => field(r, n)?.bytes ?? new Uint8Array();
    return { tag: get(1), nonce: get(2), ciphertext: get(3), authoritySig: get(4) };
  });
  return { start: Number(field(fields, 1)?.value ?? 0n), end: Number(field(fields, 2)?.value ?? 0n), reports };
}

function dayStart(value) { return value ? Date.parse(value + 'T00:00:00Z') / 1000 : null; }

async function checkVenue(url) {
  const out = $('venue-result');
  out.replaceChildren(el('p', 'Checking…'));
  let venue;
  try { venue = parseVenue(url.trim()); } catch (e) {
    out.replaceChildren(el('p', 'Not a greenlight venue URL: ' + e.message, 'bad'));
    return;
  }
  const from = dayStart($('venue-from').value);
  const until = dayStart($('venue-until').value);
  const keys = await venueKeys(venue);
  const authorities = await authorityKeys();
  const logged = new Map();
  for (const leaf of state.log?.leaves ?? []) if (leaf.kind === KIND_VENUE) logged.set(leaf.sha256, leaf);
  const index = await fetchSite('v1/venues/index.txt', 'text');
  const paths = (index ?? '').split('\n').filter((l) => l.length);
  const found = [];
  let unlogged = 0;
  for (const path of paths) {
    if (!/^v1\/[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(path) || path.includes('..')) continue;
    const file = await fetchSite(path, 'bytes');
    if (file === null) continue;
    const digest = hex(await sha256(file));
    const leaf = logged.get(digest);
    if (!leaf) {
      unlogged++;
      raiseAlarm('the venue-warning batch ' + path + ' is served but no verified log leaf covers it (SHA-256 ' + digest + ')');
    }
    let batch;
    try { batch = parseBatch(file); } catch (e) { raiseAlarm(path + ': ' + e.message); continue; }
    for (const report of batch.reports) {
      if (!equal(report.tag, keys.tag)) continue;
      const w = await checkWarning(report, keys, authorities);
      if (w.start !== undefined) {
        if (from !== null && w.end <= from) continue;
        if (until !== null && w.start >= until + DAY) continue;
      }
      found.push({ ...w, path, leaf });
    }
  }
  const title = venue.name + (venue.address ? ', ' + venue.address : '');
  const box = el('div', undefined, found.length ? 'warned' : 'clear');
  box.id = 'venue-verdict';
  const window = (from !== null || until !== null)
    ? ' between ' + (from !== null ? utcDay(from) : 'the start') + ' and ' + (until !== null ? utcDay(until) : 'now')
    : '';
  if (!found.length) {
    box.append(el('h3', 'No logged warning for ' + title + window),
      el('p', 'Searched ' + paths.length + ' published venue-warning batch(es) (the last 14 days)' +
        (unlogged ? '; ' + unlogged + ' of them not covered by the log (see the alarm)' : '') + '.'));
  } else {
    const accepted = found.filter((w) => w.accepted).length;
    box.append(el('h3', found.length + ' logged warning(s) for ' + title + window),
      el('p', accepted === found.length ? 'All of them are accepted by phones.'
        : accepted + ' of them accepted by phones; the others are published attempts that phones reject.'));
    const table = el('table');
    const head = el('tr');
    for (const h of ['from (UTC)', 'until (UTC)', 'risk', 'origin', 'verdict', 'log leaf']) {
      const th = el('th', h); th.scope = 'col'; head.append(th);
    }
    table.append(el('thead'), el('tbody'));
    table.tHead.append(head);
    for (const w of found.sort((a, b) => (a.start ?? 0) - (b.start ?? 0))) {
      table.tBodies[0].append(row([
        w.start !== undefined ? utcTime(w.start) : '?', w.end !== undefined ? utcTime(w.end) : '?',
        w.risk ?? '?', w.origin ?? '?', el('span', w.verdict, w.accepted ? 'ok' : 'bad'),
        w.leaf ? '#' + w.leaf.index : 'NOT LOGGED']));
    }
    box.append(table);
  }
  box.append(el('p', 'Venue tag (computed here, never sent): ' + hex(keys.tag), 'hint'));
  out.replaceChildren(box);
}

// ---- QR scanning (BarcodeDetector where the browser has it) -----------------------------------

function setUpScanner() {
  if (!('BarcodeDetector' in window)) return;
  const detector = new window.BarcodeDetector({ formats: ['qr_code'] });
  const accept = (codes) => {
    const code = codes.find((c) => c.rawValue.includes('#'));
    if (!code) return false;
    $('venue-url').value = code.rawValue;
    checkVenue(code.rawValue);
    return true;
  };
  $('scan-file').hidden = false;
  $('scan-file-label').hidden = false;
  $('scan-file').addEventListener('change', async () => {
    const file = $('scan-file').files[0];
    if (!file) return;
    const codes = await detector.detect(await createImageBitmap(file));
    if (!accept(codes)) $('venue-result').replaceChildren(el('p', 'No venue QR code found in that image.'));
  });
  if (!navigator.mediaDevices?.getUserMedia) return;
  $('scan-button').hidden = false;
  $('scan-button').addEventListener('click', async () => {
    const video = $('scan-video');
    let stream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } });
    } catch (e) {
      $('venue-result').replaceChildren(el('p', 'No camera: ' + e.message));
      return;
    }
    video.srcObject = stream;
    video.hidden = false;
    await video.play();
    const stop = () => { stream.getTracks().forEach((t) => t.stop()); video.hidden = true; };
    const tick = async () => {
      if (video.hidden) return;
      try { if (accept(await detector.detect(video))) { stop(); return; } } catch { /* next frame */ }
      setTimeout(tick, 250);
    };
    tick();
  });
}

// ---- start -------------------------------------------------------------------------------------

async function runLogCheck() {
  $('alarm').replaceChildren();
  $('alarm').hidden = true;
  state.alarms = [];
  state.log = null;
  $('log-status').textContent = 'Checking the log…';
  const vkey = $('vkey').value.trim();
  try {
    state.log = await checkLog(vkey);
    localStorage.setItem('greenlight-monitor-vkey:' + SITE.href, vkey);
    showLog(state.log);
  } catch (e) {
    $('log-status').replaceChildren(el('span', 'Log not verified: ' + e.message, 'bad'));
  }
  document.body.dataset.ready = 'true';
}

async function main() {
  try {
    const config = await fetch('config.json', { cache: 'no-cache' });
    if (config.ok) state.config = await config.json();
  } catch { /* no config: the user types the key */ }
  const params = new URLSearchParams(location.search);
  const pinned = localStorage.getItem('greenlight-monitor-vkey:' + SITE.href);
  $('vkey').value = params.get('vkey') || pinned || state.config.log_vkey || '';
  if (pinned && state.config.log_vkey && pinned !== state.config.log_vkey && !params.get('vkey')) {
    raiseAlarm('this site now names another log key than the one this browser pinned; still checking with the pinned key',
      'pinned: ' + pinned + '\nsite:   ' + state.config.log_vkey);
  }
  $('key-form').addEventListener('submit', (e) => { e.preventDefault(); runLogCheck(); });
  $('compare-form').addEventListener('submit', (e) => { e.preventDefault(); compareCheckpoint($('compare-note').value); });
  $('venue-form').addEventListener('submit', (e) => { e.preventDefault(); checkVenue($('venue-url').value); });
  setUpScanner();
  if ($('vkey').value) {
    const alarms = state.alarms.slice();
    await runLogCheck();
    for (const a of alarms) raiseAlarm(a);
  } else {
    $('log-status').textContent = 'Enter the log verifier key to check the log.';
    document.body.dataset.ready = 'true';
  }
}

main();

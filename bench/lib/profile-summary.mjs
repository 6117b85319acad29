// Summarizes a V8 CPU profile of the Parley bench server (`node --cpu-prof`) as where its busy
// time went: self time by part of the code, and the inclusive time of the send path's steps.
// Used by `npm run bench` after W1 (bench/run.mjs); also on its own:
//
//   node bench/lib/profile-summary.mjs /tmp/prof/*.cpuprofile [--sends N]
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

/** Parts of the code, first match wins: [label, test on the frame's url and function name]. */
const PARTS = [
  ['store (memory / SQLite)', (url) => url.includes('/server-sdk/src/store/') || url.includes('/better-sqlite3/')],
  ['membership, order and content checks', (url) => /\/server\/(context|membership-cache|send-order|message-content|ordered-append|blocks|slow-mode|message-changes)\.ts/.test(url) || url.includes('/server/handlers/')],
  ['push: fan-out, rooms, protocol versions', (url) => /\/server\/(fanout|reliable-push|protocol-edge|protocol-forms)\.ts/.test(url)],
  ['frame validation (valibot, protocol)', (url) => url.includes('/valibot/') || url.includes('/protocol/src/')],
  ['metrics', (url) => url.includes('/server-sdk/src/metrics/')],
  ['search indexing', (url) => url.includes('/server-sdk/src/search/') || url.includes('/server/search.ts')],
  ['other Parley server code', (url) => url.includes('/server-sdk/src/')],
  ['socket.io, engine.io, ws', (url) => /\/node_modules\/(socket\.io|socket\.io-parser|socket\.io-adapter|engine\.io|engine\.io-parser|ws)\//.test(url)],
  ['other dependencies', (url) => url.includes('/node_modules/')],
  ['Node internals (streams, net, timers)', (url) => url.startsWith('node:')],
  ['garbage collection', (_url, name) => name === '(garbage collector)'],
  ['V8 and native (program)', (_url, name) => name === '(program)' || name === ''],
];

/**
 * Send-path steps, inclusive (the step and all it calls synchronously), matched by function name;
 * `store: true` only in the store's code. Time after an `await` counts in the function that
 * resumes, so these are lower bounds of the async steps.
 */
const STEPS = [
  ['appendInOrder (after the append: queue, ACK, push)', 'appendInOrder'],
  ['requireMember (membership from the cache)', 'requireMember'],
  ['requireMembership (conversation + member read)', 'requireMembership'],
  ['store.getConversation', 'getConversation', true],
  ['store.getMember', 'getMember', true],
  ['store.listMembers', 'listMembers', true],
  ['store.append', 'append', true],
  ['pushToConversation', 'pushToConversation'],
  ['emitToRooms (socket.io broadcast)', 'emitToRooms'],
];

/** Self and inclusive times (ms) from a profile. */
export function summarizeProfile(profile) {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0) / 1000);
  }
  const parent = new Map();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  let idle = 0;
  let busy = 0;
  const parts = new Map(PARTS.map(([label]) => [label, 0]));
  const steps = new Map(STEPS.map(([label]) => [label, 0]));
  for (const [id, ms] of self) {
    const { functionName } = byId.get(id).callFrame;
    if (functionName === '(idle)') {
      idle += ms;
      continue;
    }
    busy += ms;
    // A native function (SQLite's statement calls, a socket write) counts where its caller is.
    let at = id;
    while (byId.get(at).callFrame.url === '' && !/^\(.*\)$/.test(byId.get(at).callFrame.functionName) && parent.has(at)) at = parent.get(at);
    const owner = byId.get(at).callFrame;
    const part = owner.url === '' ? undefined : PARTS.find(([, test]) => test(owner.url, owner.functionName));
    const label = part ? part[0] : PARTS.find(([, test]) => test('', functionName))?.[0] ?? 'V8 and native (program)';
    parts.set(label, parts.get(label) + ms);
    // Inclusive: each step once per sample, however deep the recursion.
    const seen = new Set();
    for (let up = id; up !== undefined; up = parent.get(up)) {
      const frame = byId.get(up).callFrame;
      for (const [labelOf, name, inStore] of STEPS) {
        if (frame.functionName !== name || seen.has(labelOf)) continue;
        if (inStore && !frame.url.includes('/store/')) continue;
        seen.add(labelOf);
        steps.set(labelOf, steps.get(labelOf) + ms);
      }
    }
  }
  return { busyMs: busy, idleMs: idle, parts, steps };
}

/** A markdown table of a summary; with `sends`, also µs of busy server CPU per send. */
export function profileTable(title, summary, sends) {
  const pct = (ms) => `${((100 * ms) / summary.busyMs).toFixed(1)}%`;
  const perSend = (ms) => (sends ? `${((1000 * ms) / sends).toFixed(1)}` : '–');
  const lines = [
    `${title}: ${Math.round(summary.busyMs).toLocaleString('en-US')} ms busy${sends ? ` for ${sends.toLocaleString('en-US')} ACKed sends (${perSend(summary.busyMs)} µs each, warm-up and start included)` : ''}`,
    '',
    '| where (self time) | share of busy | µs per send |',
    '|---|---:|---:|',
    ...[...summary.parts].filter(([, ms]) => ms > 0).sort((a, b) => b[1] - a[1]).map(([label, ms]) => `| ${label} | ${pct(ms)} | ${perSend(ms)} |`),
    '',
    '| send-path step (inclusive) | share of busy | µs per send |',
    '|---|---:|---:|',
    ...[...summary.steps].filter(([, ms]) => ms > 0).map(([label, ms]) => `| ${label} | ${pct(ms)} | ${perSend(ms)} |`),
  ];
  return lines.join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { sends: { type: 'string' } } });
  for (const file of positionals) {
    const summary = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')));
    console.log(profileTable(file, summary, values.sends ? Number(values.sends) : undefined));
  }
}

// Bundle size of what a browser app ships for Parley: the client core and the React entry,
// minified and gzipped, next to a baseline measured in the same run: socket.io-client alone
// (the transport the core is built on). Deterministic: sizes, not timings.
//
//   node bench/bundle-size.mjs [--json]
import { gzipSync } from 'node:zlib';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

const ROOT = new URL('..', import.meta.url).pathname;
const { values } = parseArgs({ options: { json: { type: 'boolean' } } });

/** What an app imports, bundled as an app bundler would: browser, ESM, minified, tree-shaken. */
const CASES = [
  { id: 'socket.io-client', what: 'baseline: `io` from socket.io-client alone', source: "export { io } from 'socket.io-client';" },
  { id: 'core', what: '@parley/client-sdk: createChatClient', source: "export { createChatClient } from '@parley/client-sdk';" },
  { id: 'core-all', what: '@parley/client-sdk: every export', source: "export * from '@parley/client-sdk';" },
  { id: 'indexeddb', what: '+ @parley/client-sdk/indexeddb (storage that survives reloads)', source: "export { createChatClient } from '@parley/client-sdk'; export { createIndexedDbStorage } from '@parley/client-sdk/indexeddb';" },
  {
    id: 'react-entry',
    what: '@parley/client-sdk/react on its own (core and React external, as the package ships it)',
    // By path: esbuild's `external` would also match the `@parley/client-sdk/react` subpath.
    source: "export * from './packages/client-sdk/src/react/index.ts';",
    external: ['react', 'react-dom', '@parley/client-sdk'],
  },
  {
    id: 'core+react',
    what: 'core + React hooks (React itself external)',
    source: "export { createChatClient } from '@parley/client-sdk'; export * from '@parley/client-sdk/react';",
    external: ['react', 'react-dom'],
  },
];

async function measure({ source, external = [] }) {
  const result = await build({
    stdin: { contents: source, resolveDir: ROOT, loader: 'js' },
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    // Bundle Parley from its TypeScript sources, exactly what the published dist is built from.
    conditions: ['@parley/source'],
    define: { 'process.env.NODE_ENV': '"production"' },
    external,
    write: false,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].contents;
  return { min: code.length, gzip: gzipSync(code, { level: 9 }).length };
}

const kb = (bytes) => `${(bytes / 1024).toFixed(1)} kB`;
const rows = [];
for (const entry of CASES) rows.push({ ...entry, ...(await measure(entry)) });
const baseline = rows.find((r) => r.id === 'socket.io-client');

const lines = [
  '| bundle | min | min+gzip | × socket.io-client (gzip) |',
  '|---|---:|---:|---:|',
  ...rows.map((r) => `| ${r.what} | ${kb(r.min)} | ${kb(r.gzip)} | ${(r.gzip / baseline.gzip).toFixed(2)} |`),
];
const core = rows.find((r) => r.id === 'core');
lines.push('', `Parley's own code on top of socket.io-client: ${kb(core.gzip - baseline.gzip)} min+gzip (core); the React hooks add ${kb(rows.find((r) => r.id === 'react-entry').gzip)}.`);
process.stdout.write(`${lines.join('\n')}\n`);

if (values.json) {
  const dir = join(ROOT, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `bundle-size-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
  writeFileSync(file, JSON.stringify({ node: process.version, rows: rows.map(({ source: _source, ...r }) => r) }, null, 2));
  process.stdout.write(`results: ${file}\n`);
}

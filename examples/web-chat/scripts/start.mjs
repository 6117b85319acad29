#!/usr/bin/env node
// `npm start` at the repository root: the reference server in development mode, serving this
// web chat. Builds the app first when it has no build or its sources changed since the last one.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const app = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const root = resolve(app, '../..');
const built = join(app, 'dist', 'index.html');

/** Newest modification time under these paths (the app's own sources and the SDK it bundles). */
function newest(paths) {
  let latest = 0;
  for (const path of paths) {
    if (!existsSync(path)) continue;
    const info = statSync(path);
    if (info.isDirectory()) {
      latest = Math.max(latest, newest(readdirSync(path).filter((name) => name !== 'node_modules').map((name) => join(path, name))));
    } else {
      latest = Math.max(latest, info.mtimeMs);
    }
  }
  return latest;
}

const sources = [join(app, 'src'), join(app, 'sw'), join(app, 'service-worker-plugin.ts'), join(app, 'index.html'), join(app, 'public'), join(root, 'packages/client-sdk/src'), join(root, 'packages/protocol/src')];
if (!existsSync(built) || newest(sources) > statSync(built).mtimeMs) {
  process.stdout.write('building the web chat (examples/web-chat)…\n');
  const build = spawnSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--logLevel', 'warn'], { cwd: app, stdio: 'inherit' });
  if (build.status !== 0) process.exit(build.status ?? 1);
}

const server = spawn(
  process.execPath,
  ['--conditions=@parley/source', '--import', 'tsx', 'packages/server-sdk/src/cli.ts', '--dev', '--static', join(app, 'dist'), ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit' },
);
// Ctrl-C reaches the server through the terminal; forward a plain SIGTERM (docker, systemd) too.
for (const signal of ['SIGTERM', 'SIGINT']) process.on(signal, () => server.kill(signal));
server.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { SignJWT } from 'jose';
import { startReferenceProcess } from './helpers/reference-process.js';
import { connectWire } from './helpers/wire-client.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string) => readFileSync(`${ROOT}/${path}`, 'utf8');
const run = promisify(execFile);
const TSX = ['--conditions=@parley/source', '--import', 'tsx'];

async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as { port: number };
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('README', () => {
  it('shows the quick-start snippets exactly as they are in examples/quickstart, which the tests run', () => {
    const readme = read('README.md');
    expect(readme).toContain(read('examples/quickstart/src/server.ts').trim());
    expect(readme).toContain(read('examples/quickstart/src/client.ts').trim());
    expect(readme).toContain('npm start');
    expect(readme).toContain('npm test');
  });

  it('client snippet: connects to the reference server, sends, and sees its message stored', async () => {
    const server = await startReferenceProcess(['--dev', '--store', 'memory']);
    try {
      const { stdout } = await run(process.execPath, [...TSX, 'examples/quickstart/src/client.ts'], {
        cwd: ROOT,
        env: { ...process.env, PARLEY_URL: server.url },
        timeout: 30_000,
      });
      expect(stdout).toContain('stored as #2');
    } finally {
      await server.kill();
    }
  });

  it('server snippet: accepts a client holding a JWT from the configured issuer', async () => {
    const secret = 'quickstart-secret-of-at-least-32-bytes';
    const port = await freePort();
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [...TSX, 'examples/quickstart/src/server.ts'], {
      cwd: ROOT,
      env: { ...process.env, JWT_SECRET: secret, PORT: String(port) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      await new Promise<void>((resolve) => child.stdout!.on('data', (d) => String(d).includes('ready') && resolve()));
      const token = await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject('alice').setIssuer('my-app')
        .setAudience('parley').setExpirationTime('5m').sign(new TextEncoder().encode(secret));
      const client = await connectWire(`http://127.0.0.1:${port}`, { token });
      expect(await client.waitFor((f) => f.type === 'welcome')).toMatchObject({ userId: 'alice' });
      client.close();
    } finally {
      child.kill('SIGKILL');
    }
  });
});

describe('docs/server.md: Your backend', () => {
  it('shows examples/quickstart/src/backend.ts exactly, and running it does what the guide says', async () => {
    const guide = read('docs/server.md');
    const example = read('examples/quickstart/src/backend.ts').trim();
    expect(guide).toContain(example);
    const { stdout } = await run(process.execPath, [...TSX, 'examples/quickstart/src/backend.ts'], { cwd: ROOT, timeout: 60_000 });
    const printed = guide.slice(guide.indexOf('It prints what was stored'));
    const expected = printed.slice(printed.indexOf('```text') + 8, printed.indexOf('```', printed.indexOf('```text') + 8)).trim();
    expect(stdout.trim()).toBe(expected);
  });
});

describe('docs/media.md: Try it', () => {
  it('shows examples/quickstart/src/files.ts exactly, and running it does what the guide says', async () => {
    const guide = read('docs/media.md');
    const example = read('examples/quickstart/src/files.ts').trim();
    expect(guide).toContain(example);
    const { stdout } = await run(process.execPath, [...TSX, 'examples/quickstart/src/files.ts'], { cwd: ROOT, timeout: 60_000 });
    const printed = guide.slice(guide.indexOf('It prints what bob'));
    const expected = printed.slice(printed.indexOf('```text') + 8, printed.indexOf('```', printed.indexOf('```text') + 8)).trim();
    expect(stdout.trim()).toBe(expected);
  });
});

describe('docs/search.md: Try it', () => {
  it('shows examples/quickstart/src/search.ts exactly, and running it does what the guide says', async () => {
    const guide = read('docs/search.md');
    const example = read('examples/quickstart/src/search.ts').trim();
    expect(guide).toContain(example);
    const { stdout } = await run(process.execPath, [...TSX, 'examples/quickstart/src/search.ts'], { cwd: ROOT, timeout: 60_000 });
    const printed = guide.slice(guide.indexOf('It prints what each search found'));
    const expected = printed.slice(printed.indexOf('```text') + 8, printed.indexOf('```', printed.indexOf('```text') + 8)).trim();
    expect(stdout.trim()).toBe(expected);
  });
});

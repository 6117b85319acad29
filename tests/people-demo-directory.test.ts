import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { UserProfile, UsersResultFrame } from '@parley/protocol';
import { startReferenceProcess, type ReferenceProcess } from './helpers/reference-process.js';
import { connectWire, nextId, type WireClient } from './helpers/wire-client.js';
import { testScope } from './helpers/scope.js';

const scope = testScope();
const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function ask(w: WireClient, request: { userIds?: string[]; query?: string }): Promise<UserProfile[]> {
  const answer = await w.request<UsersResultFrame>({ type: 'users', reqId: nextId('u-'), ...request });
  if (answer.type !== 'users.result') throw new Error(JSON.stringify(answer));
  return answer.users;
}

/** A parley-server process, stopped after the test. */
async function started(args: string[], env: NodeJS.ProcessEnv = {}): Promise<ReferenceProcess> {
  const server = await startReferenceProcess(args, env);
  scope.adopt({ close: () => server.stop() });
  return server;
}

async function clientOf(server: { url: string; issueToken(userId: string): Promise<string> }, userId: string): Promise<WireClient> {
  const w = scope.adopt(await connectWire(server.url, { token: await server.issueToken(userId) }));
  await w.waitFor((f) => f.type === 'welcome');
  return w;
}

describe('parley-server: the demo user directory', () => {
  it('names the demo people, shows any other id by its id, and finds people by a prefix of a word of their name', async () => {
    const server = await started(['--dev', '--store', 'memory']);
    const alice = await clientOf(server, 'alice');
    expect(await ask(alice, { userIds: ['bob', 'zed-42'] })).toEqual([
      { id: 'bob', name: 'Bob' },
      { id: 'zed-42', name: 'zed-42' },
    ]);
    expect(await ask(alice, { query: 'CA' })).toEqual([{ id: 'carol', name: 'Carol' }]);
    // The requester is not offered to themself.
    expect(await ask(alice, { query: 'al' })).toEqual([]);
  }, 60_000);

  it('serves the users of PARLEY_USERS (unknown ids left out), and refuses to start on a malformed file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'parley-users-'));
    dirs.push(dir);
    const file = join(dir, 'users.json');
    writeFileSync(file, JSON.stringify([{ id: 'u1', name: 'Ada Lovelace', image: 'https://example.com/ada.png' }, { id: 'u2', name: 'Alan Turing' }]));
    const server = await started(['--dev', '--store', 'memory'], { PARLEY_USERS: file });
    const ada = await clientOf(server, 'u1');
    expect(await ask(ada, { userIds: ['u2', 'bob'] })).toEqual([{ id: 'u2', name: 'Alan Turing' }]);
    expect(await ask(ada, { query: 'tur' })).toEqual([{ id: 'u2', name: 'Alan Turing' }]);

    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify([{ id: 'u1', nick: 'Ada' }]));
    await expect(startReferenceProcess(['--dev', '--store', 'memory'], { PARLEY_USERS: bad })).rejects.toThrow(/PARLEY_USERS: .* must be a list/);
  }, 60_000);
});

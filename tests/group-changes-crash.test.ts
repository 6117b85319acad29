import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSqliteStore } from '@parley/server-sdk/sqlite';
import { readWholeLog } from '@parley/server-sdk/testing';
import { testScope } from './helpers/scope.js';
import { until } from './helpers/fixtures.js';
import { foldGroup, storedGroup } from './helpers/group-fold.js';
import { startReferenceProcess, type ReferenceProcess } from './helpers/reference-process.js';
import { connectWire, nextId, type WireClient } from './helpers/wire-client.js';

const scope = testScope();

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'parley-changes-crash-'));
  scope.adopt({ close: () => rmSync(dir, { recursive: true, force: true }) });
  return dir;
}

async function start(dir: string): Promise<ReferenceProcess> {
  const server = await startReferenceProcess(['--dev', '--data-dir', dir]);
  scope.adopt({ close: () => (server.child.exitCode === null && server.child.signalCode === null ? server.kill() : undefined) });
  return server;
}

async function connect(server: ReferenceProcess, userId: string): Promise<WireClient> {
  const client = scope.adopt(await connectWire(server.url, { token: await server.issueToken(userId), deviceId: `${userId}-dev` }));
  await client.waitFor((f) => f.type === 'welcome');
  return client;
}

const answers = (client: WireClient, prefix: string) => client.frames.filter((f) => 'reqId' in f && typeof f.reqId === 'string' && f.reqId.startsWith(prefix)).length;

describe('group changes survive SIGKILL (reference server, SQLite)', () => {
  it('after each kill amid details and role changes, the reopened store holds what its log folds to', { timeout: 240_000 }, async () => {
    const dir = dataDir();
    let server = await start(dir);
    let owner = await connect(server, 'owner');
    owner.send({ type: 'group.create', reqId: nextId('g-'), title: 'crash', members: ['m1', 'm2', 'm3'] });
    const created = await owner.waitFor((f) => f.type === 'conversation');
    if (created.type !== 'conversation') throw new Error('no group');
    const conversationId = created.conversation.id;
    const rounds = 6;
    let cut = 0;
    for (let round = 0; round < rounds; round++) {
      // A stream of changes, eight in flight, each setting fields only it sets (a lost or repeated
      // one shows); killed a little further into the stream each round.
      const prefix = `r${round}-`;
      let sent = 0;
      const send = () => {
        const i = sent++;
        const reqId = `${prefix}${i}`;
        if (i % 4 === 3) owner.send({ type: 'members.role', reqId, conversationId, userId: i % 8 === 3 ? 'm1' : 'm2', role: i % 16 < 8 ? 'admin' : 'member' });
        else owner.send({ type: 'conversation.update', reqId, conversationId, patch: i % 2 === 0 ? { title: `title ${round}.${i}` } : { description: `description ${round}.${i}`, custom: { round, i } } });
      };
      const pumped = (target: number) => {
        while (sent - answers(owner, prefix) < 8) send();
        return answers(owner, prefix) >= target;
      };
      await until(() => pumped(20 + round * 25), 60_000, `answers of round ${round}`);
      if (sent > answers(owner, prefix)) cut++;
      await server.kill();

      const store = createSqliteStore({ filename: join(dir, 'parley.sqlite') });
      try {
        const log = await readWholeLog(store, conversationId);
        expect(await storedGroup(store, conversationId), `round ${round}: the stored group and its log (${log.length} events)`).toEqual(foldGroup(log));
      } finally {
        await store.close();
      }
      server = await start(dir);
      owner = await connect(server, 'owner');
    }
    // The kills landed mid-stream, not after it.
    expect(cut).toBe(rounds);
  });
});

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDevAuth, type RateLimit } from '@parley/server-sdk';
import { openDatabase, type ChaosDatabase } from './chaos-database.js';
import { ChaosProxy } from './chaos-proxy.js';
import { checkRun, converged, readLog, type ChaosReport, type ConcurrentSend } from './oracle.js';
import { checkGroups } from './oracle-groups.js';
import { checkFiles } from './oracle-files.js';
import { AWAY, checkNotifications } from './oracle-notifications.js';
import { checkSearch, oracleConnect } from './oracle-search.js';
import { createRng, type Rng } from './prng.js';
import { ServerProcess } from './server-process.js';
import { sleep, World } from './world.js';

/** How big a run is: the short one fits `npm test`, the long one is `npm run chaos`. */
export interface Scale {
  users: number;
  devicesPerUser: number;
  groups: number;
  trafficMs: number;
  /** Average pause between two sends of one device. */
  everyMs: number;
  /** Clients of the mass-reconnect scenario. */
  crowd: number;
}

export const SHORT: Scale = { users: 4, devicesPerUser: 2, groups: 2, trafficMs: 2500, everyMs: 120, crowd: 60 };
export const LONG: Scale = { users: 10, devicesPerUser: 2, groups: 4, trafficMs: 20_000, everyMs: 60, crowd: 1000 };

/** What a scenario gets: the attack surface (server process, proxy) and the world to drive. */
export interface ChaosContext {
  rng: Rng;
  scale: Scale;
  proxy: ChaosProxy;
  server: ServerProcess;
  /** The store behind the server (a private FerretDB can be killed through it). */
  database: ChaosDatabase;
  world: World;
  issueToken(userId: string): Promise<string>;
  /** Raw same-id sends, for the oracle. */
  concurrent: ConcurrentSend[];
  note(text: string): void;
}

/**
 * A chaos scenario is one function: set up users and conversations in `ctx.world`, make traffic
 * and break things. The runner then heals everything, waits for the clients to converge and
 * runs the oracle. Scenarios that need Redis or several nodes (stop Redis, one id sent to two
 * nodes) plug in here once Parley scales out.
 */
export interface Scenario {
  name: string;
  /** How the chaos server runs; default SQLite, no send limit, no store blips. */
  server?: (scale: Scale) => ServerSettings;
  /** Why the scenario cannot run on this machine (a missing service), or null when it can. */
  unavailable?: () => string | null;
  run(ctx: ChaosContext): Promise<void>;
}

export interface ServerSettings {
  store?: ChaosDatabase['kind'];
  /** The per-user send limit (token bucket); lifted when absent. */
  sendRate?: RateLimit;
  /** Seeded windows in which the server's store calls fail (see store-blips.ts). */
  storeBlips?: boolean;
  /** Files on: the disk blob store under the data dir; uploads no message holds are swept after this long. */
  files?: { unattachedTtlMs: number };
  /** Notifications on: the server's `notify` hook writes each one it sends to `notified.jsonl` in the data dir. */
  notifications?: { delayMs: number };
}

function serverEnv(settings: ServerSettings, database: ChaosDatabase, rng: Rng): Record<string, string> {
  const env = { ...database.env };
  if (settings.sendRate) env.CHAOS_SEND_RATE = `${settings.sendRate.perSecond},${settings.sendRate.burst}`;
  // Its own seed, drawn from the run's: a replay blips the same way.
  if (settings.storeBlips) env.CHAOS_STORE_BLIPS = String(rng.int(1, 2 ** 31 - 1));
  if (settings.files) env.CHAOS_FILES_TTL_MS = String(settings.files.unattachedTtlMs);
  if (settings.notifications) env.CHAOS_NOTIFY_DELAY_MS = String(settings.notifications.delayMs);
  return env;
}

export interface RunOptions {
  seed: number;
  scale: Scale;
  /** Longest wait for outboxes to settle and devices to converge after the chaos. */
  settleMs?: number;
}

export async function runChaos(scenario: Scenario, options: RunOptions): Promise<ChaosReport> {
  const rng = createRng(options.seed);
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-chaos-'));
  const secret = randomBytes(16).toString('hex');
  const dev = createDevAuth({ secret });
  const proxy = new ChaosProxy(rng);
  await proxy.listen();
  const settings = scenario.server?.(options.scale) ?? {};
  let database: ChaosDatabase | undefined;
  let server: ServerProcess | undefined;
  const world = new World({ url: proxy.url, issueToken: (userId) => dev.issueToken(userId), rng });
  try {
    database = await openDatabase(settings.store ?? 'sqlite', dataDir);
    server = new ServerProcess(dataDir, secret, (port) => (proxy.upstreamPort = port), serverEnv(settings, database, rng));
    const notes: string[] = [];
    const ctx: ChaosContext = { rng, scale: options.scale, proxy, server, database, world, issueToken: (u) => dev.issueToken(u), concurrent: [], note: (t) => notes.push(t) };
    await server.start();
    await scenario.run(ctx);
    // Heal: no more faults, the server up and running; the clients must now converge.
    proxy.faults.delayMs = null;
    proxy.faults.dropAcks = 0;
    server.thaw();
    server.storeBlips(false);
    await database.ferret?.ensureRunning();
    const settleMs = options.settleMs ?? 30_000;
    if (!(await world.settle(settleMs))) {
      notes.push(`outboxes not settled after ${settleMs} ms`);
      if (process.env.CHAOS_DEBUG) {
        for (const device of world.devices) {
          const pending = (await device.storage?.outbox.list())?.filter((e) => e.status === 'pending') ?? [];
          if (pending.length === 0) continue;
          const snap = device.chat.getSnapshot() as unknown as { connection: unknown; uploads?: unknown };
          process.stderr.write(`DEBUG ${device.deviceId} ${JSON.stringify(snap.connection)} uploads=${JSON.stringify(snap.uploads ?? null)}\n`);
          for (const e of pending) process.stderr.write(`  ${JSON.stringify({ ...e, text: e.text?.slice(0, 30) })}\n`);
        }
      }
    }
    const store = await database.openStore();
    const deadline = Date.now() + settleMs;
    while (!(await converged(store, world)) && Date.now() < deadline) await sleep(200);
    if (Date.now() >= deadline) notes.push(`devices not converged after ${settleMs} ms`);
    await world.admin.settled();
    // Notifications still queued are sent by the running server; the queue must drain.
    if (settings.notifications) {
      const queueDeadline = Date.now() + settleMs;
      while ((await store.listNotifications({ limit: 1 })).length > 0 && Date.now() < queueDeadline) await sleep(200);
    }
    // A details or role change the store failed to apply is applied again by the server until it
    // holds, and members get the summary again: the stored details and every device's view must
    // converge on the log, in the same settle time.
    if (world.admin.records.length > 0) {
      const groupsDeadline = Date.now() + settleMs;
      while (!(await groupsConverged(store, world)) && Date.now() < groupsDeadline) await sleep(200);
    }
    // What the server tells a member's fresh device about each group, while it still runs.
    const members = new Set([...world.conversations.values()].flat());
    const summaries = await world.admin.summaries(members).catch((error: unknown) => (notes.push(`summaries not read: ${String(error)}`), new Map()));
    // What users find when they search, while the server still runs.
    const searchLogs = new Map<string, Awaited<ReturnType<typeof readLog>>>();
    for (const conversationId of world.conversations.keys()) searchLogs.set(conversationId, await readLog(store, conversationId));
    const users = [...new Set([...world.devices.map((d) => d.userId), 'search-outsider'])];
    // A search the server never answers is a finding of the run, not the end of it.
    const searched = await checkSearch(store, searchLogs, users, oracleConnect(proxy.url, (u) => dev.issueToken(u))).catch((error: unknown) => ({
      violations: [`search: ${error instanceof Error ? error.message : String(error)}`],
      queries: 0,
    }));
    notes.push(`search: ${searched.queries} searches asked`);
    world.close();
    await server.stop();
    const stats = server.stats;
    if (stats?.windows) notes.push(`${stats.windows} store blip windows: ${stats.failedBefore} calls failed before the write, ${stats.failedAfter} after it`);
    if (stats?.rateLimited) notes.push(`${stats.rateLimited} sends RATE_LIMITED`);
    if (stats?.outOfOrder) notes.push(`${stats.outOfOrder} sends refused OUT_OF_ORDER`);
    const result = await checkRun(store, world, ctx.concurrent);
    const logs = new Map<string, Awaited<ReturnType<typeof readLog>>>();
    for (const conversationId of world.conversations.keys()) logs.set(conversationId, await readLog(store, conversationId));
    const groups = await checkGroups(store, logs, world.admin.records, summaries, world.devices, world.conversations);
    result.violations.push(...groups.violations);
    result.violations.push(...searched.violations);
    if (settings.notifications) {
      const notified = await checkNotifications(store, logs, world.conversations, AWAY, join(dataDir, 'notified.jsonl'));
      result.violations.push(...notified.violations);
      notes.push(`notifications: ${notified.sent} sent (duplicates allowed), ${notified.covered} conversations' last messages covered for ${AWAY}`);
    }
    if (settings.files) {
      const files = await checkFiles(store, logs, world.sent, join(dataDir, 'files'), secret);
      result.violations.push(...files.violations);
      notes.push(`files: ${files.sent} messages sent with files, ${files.stored} stored with ${files.objects} objects, each there with its size; ${files.records} records attached`);
    }
    if (world.admin.records.length > 0) {
      notes.push(`group requests: ${world.admin.records.length} (${groups.applied} applied, ${groups.refused} refused); ${groups.views} current-device views checked against the log's details`);
    }
    return { scenario: scenario.name, seed: options.seed, ...result, notes };
  } finally {
    world.close();
    await server?.stop();
    await proxy.close();
    await database?.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** Whether every group's stored details and every current device's view equal what its log folds to. */
async function groupsConverged(store: Awaited<ReturnType<ChaosDatabase['openStore']>>, world: World): Promise<boolean> {
  const logs = new Map<string, Awaited<ReturnType<typeof readLog>>>();
  for (const conversationId of world.conversations.keys()) logs.set(conversationId, await readLog(store, conversationId));
  const { violations } = await checkGroups(store, logs, [], new Map(), world.devices, world.conversations);
  return violations.length === 0;
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ChatStore } from '../store/types.js';
import type { Registry } from '../metrics/registry.js';

/**
 * `chat.ops`: health, readiness and metrics for a Parley server mounted in your own app. Answers
 * `GET /healthz`, `/readyz` and `/metrics` (relative to where it is mounted) and hands anything
 * else to `next` (Express/Connect style), or answers 404 when there is none.
 */
export type OpsHandler = (req: IncomingMessage, res: ServerResponse, next?: (err?: unknown) => void) => void;

export interface Readiness {
  ready: boolean;
  /** Whether the store answered a read: `ok`, `error`, or no answer within 2 s (`timeout`). */
  store: 'ok' | 'error' | 'timeout';
  /** The server is draining (closing): load balancers should stop sending it clients. */
  draining: boolean;
}

const STORE_PROBE_MS = 2_000;

export function createOpsHandler(deps: { store: ChatStore; registry: Registry; isDraining(): boolean }): OpsHandler & {
  readiness(): Promise<Readiness>;
} {
  async function readiness(): Promise<Readiness> {
    const draining = deps.isDraining();
    if (draining) return { ready: false, store: 'ok', draining };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), STORE_PROBE_MS)));
    const probe = deps.store.getConversation('readiness-probe').then(() => 'ok' as const, () => 'error' as const);
    const store = await Promise.race([probe, timeout]);
    clearTimeout(timer);
    return { ready: store === 'ok', store, draining };
  }

  const handler: OpsHandler = (req, res, next) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' && req.method !== 'HEAD') return pass(res, next);
    if (path === '/healthz') return json(res, 200, { ok: true });
    if (path === '/readyz') {
      return void readiness().then((body) => json(res, body.ready ? 200 : 503, body), next ?? (() => res.destroy()));
    }
    if (path === '/metrics') {
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8', 'cache-control': 'no-store' });
      return void res.end(deps.registry.render());
    }
    pass(res, next);
  };
  return Object.assign(handler, { readiness });
}

function pass(res: ServerResponse, next: ((err?: unknown) => void) | undefined): void {
  if (next) next();
  else json(res, 404, { error: 'not found' });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

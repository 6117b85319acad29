import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createChatServer, type ChatServer, type ChatServerOptions } from './server/create-chat-server.js';
import { createDevAuth } from './auth/dev-auth.js';
import { createJwtAuthenticator, type JwtAlgorithm } from './auth/jwt.js';
import type { Authenticate } from './auth/types.js';
import type { ChatStore } from './store/types.js';
import { createMemoryStore } from './store/memory-store.js';
import { createJsonLogger, type Logger, type LogLevel } from './logger.js';
import { createStaticHandler } from './static-files.js';
import { demoUserDirectory, loadUsersFile } from './demo-users.js';
import { BLOB_PATH, openReferenceBlobs, type ReferenceFiles } from './reference-blobs.js';
import { openRedisScaleOut } from './reference-redis.js';

export interface ReferenceServerConfig {
  port: number;
  host: string;
  /** `memory`, `sqlite` (default; a file under `dataDir`) or `mongodb` (needs `mongodbUri`). */
  store: 'memory' | 'sqlite' | 'mongodb';
  dataDir: string;
  mongodbUri?: string;
  /** Join a cluster of nodes over this Redis (cross-node delivery, shared limits). */
  redisUrl?: string;
  /** Join a cluster of nodes over this Redis Cluster (any of its nodes' URLs; the others are discovered). */
  redisClusterUrls?: string[];
  /** DEVELOPMENT ONLY: issue tokens for any user at `POST /api/dev/token`. */
  devAuth: boolean;
  /** Development tokens' signing secret; set the same on every node of a dev cluster (default: random). */
  devSecret?: string;
  jwt?: { secret: string; issuer: string; audience: string; algorithms: JwtAlgorithm[] };
  allowedOrigins: string[] | '*';
  logLevel: LogLevel;
  chatOptions?: Partial<ChatServerOptions>;
  /** Serve a built web app (e.g. examples/web-chat/dist) from this directory for other GET requests. */
  staticDir?: string;
  /** The `Content-Security-Policy` sent with the static app (default: a strict one for a same-origin SPA). */
  staticCsp?: string;
  /** Files in messages: kept under `dataDir/files` and served at `/blobs` (`disk`, the default), or not taken (`off`). */
  files?: ReferenceFiles;
  /** The disk blob store's URL-signing secret (at least 32 bytes; default: one made and kept in `dataDir`). */
  blobSecret?: string;
  /** A JSON file of users (`[{ "id", "name", "image"? }]`) for names and people search; default a built-in demo list (demo-users.ts). */
  usersFile?: string;
}

export interface ReferenceServer {
  http: Server;
  chat: ChatServer;
  store: ChatStore;
  url: string;
  /** Graceful shutdown: stop accepting, disconnect clients (they reconnect elsewhere), close the store. */
  close(): Promise<void>;
}

/**
 * Runs Parley on one machine: HTTP server, socket, REST API under `/api`, health endpoints.
 *
 * @example
 * const server = await startReferenceServer({ ...defaultConfig(process.env), port: 0 });
 * console.log(server.url);
 */
export async function startReferenceServer(config: ReferenceServerConfig): Promise<ReferenceServer> {
  const logger = createJsonLogger({ level: config.logLevel });
  // Read before anything opens: a bad file stops the server with its reason, holding nothing.
  const users = demoUserDirectory(config.usersFile ? await loadUsersFile(config.usersFile) : undefined);
  const { store, closeStore } = await openStore(config, logger);
  const dev = config.devAuth ? createDevAuth(config.devSecret ? { secret: config.devSecret } : {}) : undefined;
  const authenticate = resolveAuth(config, dev?.authenticate);
  const redis = config.redisClusterUrls ? { clusterUrls: config.redisClusterUrls } : config.redisUrl ? { url: config.redisUrl } : undefined;
  const scaleOut = redis ? await openRedisScaleOut(redis, logger) : undefined;
  const http = createServer();
  const files = config.files === 'off' ? undefined : openReferenceBlobs(config.dataDir, config.blobSecret, config.allowedOrigins);
  const chat = createChatServer({
    ...(files ? { attachments: { blobs: files.blobs } } : {}),
    server: http,
    store,
    users,
    ...(scaleOut ? { scaleOut: scaleOut.scaleOut } : {}),
    authenticate,
    allowedOrigins: config.allowedOrigins,
    logger,
    ...config.chatOptions,
  });
  const staticOptions = config.staticCsp ? { contentSecurityPolicy: config.staticCsp } : {};
  const serveStatic = config.staticDir ? createStaticHandler(config.staticDir, staticOptions) : undefined;
  http.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path?.startsWith('/parley/socket.io')) return; // socket.io answers these
    if (path === '/healthz' || path === '/readyz' || path === '/metrics') return chat.ops(req, res);
    if (files && (path === BLOB_PATH || path?.startsWith(`${BLOB_PATH}/`))) {
      return void files.handle(req, res).then((served) => served || json(res, 404, { error: 'not found' }), () => res.destroy());
    }
    if (path === '/api/dev/token' && dev) {
      // Reading the body rejects when the client leaves mid-body; unhandled, that rejection ends the process.
      return void issueDevToken(req, res, dev.issueToken).catch(() => res.destroy());
    }
    if (path?.startsWith('/api/')) {
      req.url = req.url!.slice('/api'.length);
      return chat.rest(req, res);
    }
    if (serveStatic && path !== '/api') {
      return void serveStatic(req, res).then((served) => served || json(res, 404, { error: 'not found' }));
    }
    json(res, 404, { error: 'not found' });
  });

  await new Promise<void>((resolve) => http.listen(config.port, config.host, resolve));
  const { port } = http.address() as AddressInfo;
  const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
  if (dev) logger.warn('DEVELOPMENT AUTH is on: anyone can get a token for any user. Never expose this server.', { url });
  logger.info('parley server listening', { url, store: config.store });

  return {
    http,
    chat,
    store,
    url,
    async close() {
      await chat.close();
      await new Promise<void>((resolve) => http.close(() => resolve()));
      await closeStore();
      await scaleOut?.close();
    },
  };
}

function resolveAuth(config: ReferenceServerConfig, devAuthenticate: Authenticate | undefined): Authenticate {
  if (config.jwt) {
    const jwtAuth = createJwtAuthenticator({
      algorithms: config.jwt.algorithms as [JwtAlgorithm, ...JwtAlgorithm[]],
      secret: config.jwt.secret,
      issuer: config.jwt.issuer,
      audience: config.jwt.audience,
    });
    if (!devAuthenticate) return jwtAuth;
    return async (token, ctx) => (await devAuthenticate(token, ctx).catch(() => null)) ?? jwtAuth(token, ctx);
  }
  if (devAuthenticate) return devAuthenticate;
  throw new Error('no authentication configured: set PARLEY_JWT_SECRET (with issuer and audience) or use --dev');
}

async function openStore(config: ReferenceServerConfig, logger: Logger): Promise<{ store: ChatStore; closeStore: () => Promise<void> }> {
  if (config.store === 'memory') {
    const store = createMemoryStore();
    return { store, closeStore: () => store.close() };
  }
  if (config.store === 'mongodb') {
    if (!config.mongodbUri) throw new Error('store mongodb needs MONGODB_URI');
    const { openMongoStore } = await import('./reference-stores.js');
    return openMongoStore(config.mongodbUri, logger);
  }
  const { openSqliteStore } = await import('./reference-stores.js');
  return openSqliteStore(config.dataDir, logger);
}

async function issueDevToken(req: IncomingMessage, res: ServerResponse, issue: (userId: string) => Promise<string>) {
  if (req.method !== 'POST') return json(res, 405, { error: 'POST { "userId": "alice" }' });
  let body = '';
  for await (const chunk of req) {
    body += String(chunk);
    if (body.length > 4096) return json(res, 413, { error: 'body too large' });
  }
  let userId: unknown;
  try {
    userId = (JSON.parse(body) as { userId?: unknown }).userId;
  } catch {
    return json(res, 400, { error: 'body must be JSON' });
  }
  if (typeof userId !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,63}$/.test(userId)) {
    return json(res, 400, { error: 'userId: 1-64 characters of [A-Za-z0-9._:@-]' });
  }
  json(res, 200, { userId, token: await issue(userId) });
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}

import { parseArgs } from 'node:util';
import { resolve } from 'node:path';
import type { JwtAlgorithm } from './auth/jwt.js';
import type { LogLevel } from './logger.js';
import { startReferenceServer, type ReferenceServerConfig } from './reference-server.js';
import { WEBHOOK_ENV_HELP, webhookOptionsFromEnv } from './server/webhooks-env.js';
import { NOTIFICATION_ENV_HELP, notificationOptionsFromEnv } from './server/notifications-env.js';

const HELP = `parley-server: the Parley reference server

Usage: parley-server [--dev] [--port 8080] [--host 127.0.0.1] [--store sqlite|memory|mongodb] [--data-dir DIR] [--static DIR]

  --dev            DEVELOPMENT ONLY auth: POST /api/dev/token {"userId":"alice"} issues a token for anyone
  --port, PORT                 port (default 8080; 0 picks a free one)
  --host, HOST                 interface (default 127.0.0.1)
  --store, PARLEY_STORE        sqlite (default), memory, or mongodb (default when MONGODB_URI is set)
  --data-dir, PARLEY_DATA_DIR  where the SQLite file lives (default ./.parley-data)
  --static, PARLEY_STATIC_DIR  serve a built web app from DIR (index.html for client-side routes)
  --static-csp, PARLEY_STATIC_CSP   the Content-Security-Policy sent with it (default: strict, same-origin)
  PARLEY_FILES                 disk (default: files in messages kept under the data dir, served at /blobs) or off
  PARLEY_BLOB_SECRET           the secret signing file URLs (default: one made once and kept in the data dir)
  PARLEY_USERS                 a JSON file of users [{ "id", "name", "image"? }] for names and people search (default: demo people)
  PARLEY_MAX_CONNECTIONS_PER_USER   sockets one user may hold open on this node (default 20)
  PARLEY_EDIT_WINDOW_MS        how long a sender may edit a message, in ms (default 86400000; 0: never; "none": always)
  PARLEY_KEEP_EDIT_HISTORY     1: keep every prior version of edited messages in the store (default: erase them)
  MONGODB_URI                  use MongoDB
  REDIS_URL                    join a cluster of nodes over Redis
  REDIS_CLUSTER_URLS           … over Redis Cluster instead: comma-separated node URLs (Redis 7+)
  PARLEY_DEV_SECRET            with --dev: the token secret every node of a dev cluster shares
  PARLEY_PRESENCE_TTL_MS, PARLEY_PRESENCE_GRACE_MS, PARLEY_PRESENCE_HEARTBEAT_MS   presence timing
  PARLEY_JWT_SECRET, PARLEY_JWT_ISSUER, PARLEY_JWT_AUDIENCE, PARLEY_JWT_ALGORITHMS (default HS256)
  PARLEY_ALLOWED_ORIGINS       comma-separated browser origins, or *
  PARLEY_LOG_LEVEL             debug | info (default) | warn | error
${WEBHOOK_ENV_HELP}${NOTIFICATION_ENV_HELP}`;

/** Reads flags and environment into a config; flags win. */
export function configFrom(argv: string[], env: NodeJS.ProcessEnv): ReferenceServerConfig | 'help' {
  const { values } = parseArgs({
    args: argv,
    options: {
      dev: { type: 'boolean' },
      port: { type: 'string' },
      host: { type: 'string' },
      store: { type: 'string' },
      'data-dir': { type: 'string' },
      static: { type: 'string' },
      'static-csp': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) return 'help';
  const store = values.store ?? env.PARLEY_STORE ?? (env.MONGODB_URI ? 'mongodb' : 'sqlite');
  if (store !== 'sqlite' && store !== 'memory' && store !== 'mongodb') throw new Error(`unknown store ${store}`);
  const origins = env.PARLEY_ALLOWED_ORIGINS?.trim();
  const config: ReferenceServerConfig = {
    port: Number(values.port ?? env.PORT ?? 8080),
    host: values.host ?? env.HOST ?? '127.0.0.1',
    store,
    dataDir: resolve(values['data-dir'] ?? env.PARLEY_DATA_DIR ?? '.parley-data'),
    devAuth: values.dev === true || env.PARLEY_DEV_AUTH === '1',
    allowedOrigins: origins === '*' ? '*' : origins ? origins.split(',').map((o) => o.trim()) : [],
    logLevel: (env.PARLEY_LOG_LEVEL as LogLevel | undefined) ?? 'info',
  };
  if (env.MONGODB_URI) config.mongodbUri = env.MONGODB_URI;
  const staticDir = values.static ?? env.PARLEY_STATIC_DIR;
  if (staticDir) config.staticDir = resolve(staticDir);
  const staticCsp = values['static-csp'] ?? env.PARLEY_STATIC_CSP;
  if (staticCsp) config.staticCsp = staticCsp;
  if (env.REDIS_URL) config.redisUrl = env.REDIS_URL;
  if (env.REDIS_CLUSTER_URLS) config.redisClusterUrls = env.REDIS_CLUSTER_URLS.split(',').map((url) => url.trim()).filter(Boolean);
  if (env.PARLEY_DEV_SECRET) config.devSecret = env.PARLEY_DEV_SECRET;
  if (env.PARLEY_FILES !== undefined) {
    if (env.PARLEY_FILES !== 'disk' && env.PARLEY_FILES !== 'off') throw new Error(`PARLEY_FILES: disk or off, not ${env.PARLEY_FILES}`);
    config.files = env.PARLEY_FILES;
  }
  if (env.PARLEY_BLOB_SECRET) config.blobSecret = env.PARLEY_BLOB_SECRET;
  if (env.PARLEY_USERS) config.usersFile = resolve(env.PARLEY_USERS);
  const presence = {
    ...(env.PARLEY_PRESENCE_TTL_MS ? { ttlMs: Number(env.PARLEY_PRESENCE_TTL_MS) } : {}),
    ...(env.PARLEY_PRESENCE_GRACE_MS ? { graceMs: Number(env.PARLEY_PRESENCE_GRACE_MS) } : {}),
    ...(env.PARLEY_PRESENCE_HEARTBEAT_MS ? { heartbeatMs: Number(env.PARLEY_PRESENCE_HEARTBEAT_MS) } : {}),
  };
  if (Object.keys(presence).length > 0) config.chatOptions = { presence };
  if (env.PARLEY_MAX_CONNECTIONS_PER_USER) {
    const max = Number(env.PARLEY_MAX_CONNECTIONS_PER_USER);
    if (!Number.isInteger(max) || max < 1) throw new Error('PARLEY_MAX_CONNECTIONS_PER_USER must be a positive integer');
    config.chatOptions = { ...config.chatOptions, maxConnectionsPerUser: max };
  }
  const messages = {
    ...(env.PARLEY_EDIT_WINDOW_MS ? { editWindowMs: editWindow(env.PARLEY_EDIT_WINDOW_MS) } : {}),
    ...(env.PARLEY_KEEP_EDIT_HISTORY ? { keepEditHistory: env.PARLEY_KEEP_EDIT_HISTORY === '1' || env.PARLEY_KEEP_EDIT_HISTORY === 'true' } : {}),
  };
  if (Object.keys(messages).length > 0) config.chatOptions = { ...config.chatOptions, messages };
  const webhooks = webhookOptionsFromEnv(env);
  if (webhooks) config.chatOptions = { ...config.chatOptions, webhooks };
  const notifications = notificationOptionsFromEnv(env);
  if (notifications) config.chatOptions = { ...config.chatOptions, notifications };
  if (env.PARLEY_JWT_SECRET) {
    config.jwt = {
      secret: env.PARLEY_JWT_SECRET,
      issuer: env.PARLEY_JWT_ISSUER ?? '',
      audience: env.PARLEY_JWT_AUDIENCE ?? '',
      algorithms: (env.PARLEY_JWT_ALGORITHMS ?? 'HS256').split(',') as JwtAlgorithm[],
    };
    if (!config.jwt.issuer || !config.jwt.audience) throw new Error('PARLEY_JWT_ISSUER and PARLEY_JWT_AUDIENCE are required');
  }
  if (!Number.isInteger(config.port) || config.port < 0 || config.port > 65535) throw new Error('invalid port');
  return config;
}

async function main(): Promise<void> {
  const config = configFrom(process.argv.slice(2), process.env);
  if (config === 'help') {
    process.stdout.write(HELP);
    return;
  }
  const server = await startReferenceServer(config);
  // One line on stdout that scripts (and tests) can wait for.
  process.stdout.write(`parley-server listening on ${server.url}\n`);
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`${signal}: draining\n`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((err: unknown) => {
  process.stderr.write(`parley-server: ${err instanceof Error ? err.message : String(err)}\n${HELP}`);
  process.exit(1);
});

function editWindow(value: string): number {
  if (value === 'none') return Infinity;
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 0) throw new Error('PARLEY_EDIT_WINDOW_MS must be a number of milliseconds ≥ 0, or "none"');
  return ms;
}

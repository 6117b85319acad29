import { startReferenceServer } from '../../../packages/server-sdk/src/reference-server.js';

/**
 * `parley-server --dev --store memory --static DIR` with server options the CLI has no flag for
 * (`PARLEY_TEST_CHAT_OPTIONS`: JSON of `createChatServer` options, e.g. a short edit window).
 * Prints the CLI's "listening on" line and drains on SIGTERM like it.
 */
const staticDir = process.argv[2];
const chatOptions = JSON.parse(process.env.PARLEY_TEST_CHAT_OPTIONS ?? '{}') as Record<string, unknown>;
const server = await startReferenceServer({
  port: 0,
  host: '127.0.0.1',
  store: 'memory',
  dataDir: '.parley-data',
  devAuth: true,
  allowedOrigins: [],
  logLevel: 'warn',
  chatOptions,
  ...(staticDir ? { staticDir } : {}),
});
process.stdout.write(`parley-server listening on ${server.url}\n`);
process.once('SIGTERM', () => {
  server.close().then(() => process.exit(0), () => process.exit(1));
});

import { startReferenceServer } from '../../../packages/server-sdk/src/reference-server.js';
import { notificationOptionsFromEnv } from '../../../packages/server-sdk/src/server/notifications-env.js';

/**
 * `parley-server --dev --store memory --static DIR` with server options the CLI has no flag for
 * (`PARLEY_TEST_CHAT_OPTIONS`: JSON of `createChatServer` options, e.g. a short edit window).
 * Prints the CLI's "listening on" line and drains on SIGTERM like it.
 */
const staticDir = process.argv[2];
const { maskWords, ...chatOptions } = JSON.parse(process.env.PARLEY_TEST_CHAT_OPTIONS ?? '{}') as { maskWords?: string[] } & Record<string, unknown>;
// A hook that replaces content (a masked word): the sender's page must show what was stored.
const masked = maskWords && maskWords.length > 0 ? new RegExp(`\\b(${maskWords.join('|')})\\b`, 'gi') : undefined;
if (masked) {
  chatOptions.hooks = {
    beforeSend: ({ data }: { data: { text?: string } }) => {
      const text = data.text?.replace(masked, '***');
      return text !== data.text && text !== undefined ? { replace: { text } } : undefined;
    },
  };
}
// Web Push from PARLEY_VAPID_*, as the CLI reads it.
const notifications = notificationOptionsFromEnv(process.env);
if (notifications) chatOptions.notifications = notifications;
const server = await startReferenceServer({
  port: 0,
  host: '127.0.0.1',
  store: 'memory',
  dataDir: process.env.PARLEY_DATA_DIR ?? '.parley-data',
  ...(process.env.PARLEY_FILES === 'off' ? { files: 'off' as const } : {}),
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

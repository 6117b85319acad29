import { defineConfig, defaultClientConditions } from 'vite';
import react from '@vitejs/plugin-react';
import { serviceWorker } from './service-worker-plugin.js';

// `npm run dev` proxies the API and the socket to a parley-server (`npm start` at the root).
const target = process.env.PARLEY_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  // sw/sw.ts → /sw.js: the offline app shell and notifications (docs/notifications.md).
  plugins: [react(), serviceWorker({ entry: 'sw/sw.ts' })],
  // Build Parley from its TypeScript sources: the example needs no package build first.
  resolve: { conditions: ['@parley/source', ...defaultClientConditions] },
  server: {
    proxy: {
      '/api': target,
      '/parley/socket.io': { target, ws: true },
    },
  },
  build: { target: 'es2022' },
});

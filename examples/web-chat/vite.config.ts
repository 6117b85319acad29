import { defineConfig, defaultClientConditions } from 'vite';
import react from '@vitejs/plugin-react';

// `npm run dev` proxies the API and the socket to a parley-server (`npm start` at the root).
const target = process.env.PARLEY_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
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

import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', indexeddb: 'src/indexeddb.ts', node: 'src/node.ts', react: 'src/react/index.ts' },
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'es2022',
  // The React entry imports the core by package name: one copy of the client store, shared.
  external: ['@parley/client-sdk', 'react'],
});

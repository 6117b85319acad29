import { defineConfig } from 'tsup';

export default defineConfig({
  // One build, several entries: subpaths share chunks instead of each carrying a copy of the core.
  entry: {
    index: 'src/index.ts',
    sqlite: 'src/sqlite.ts',
    mongodb: 'src/mongodb.ts',
    testing: 'src/testing.ts',
    redis: 'src/redis.ts',
    s3: 'src/s3.ts',
    cli: 'src/cli.ts',
  },
  format: ['esm', 'cjs'],
  dts: { entry: { index: 'src/index.ts', sqlite: 'src/sqlite.ts', mongodb: 'src/mongodb.ts', testing: 'src/testing.ts', redis: 'src/redis.ts', s3: 'src/s3.ts' } },
  splitting: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  // import.meta.url in the CommonJS build too (optional peers are loaded with createRequire).
  shims: true,
});

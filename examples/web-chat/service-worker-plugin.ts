import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { build, type Plugin, type ResolvedConfig } from 'vite';

const MANIFEST_MODULE = 'virtual:precache-manifest';

export interface ServiceWorkerPluginOptions {
  /** The service worker's entry, e.g. `sw/sw.ts`. */
  entry: string;
  /** Where it lands in the build, at the root so that its scope is the whole app (default `sw.js`). */
  fileName?: string;
}

/**
 * Builds the service worker after the app, so it knows the files it has to keep for offline use:
 * every file of this build (the hashed assets, `index.html`) and of `public/`. The worker imports
 * them as `virtual:precache-manifest` (`{ files, version }`); `version` is a hash of their names
 * and contents, so a build that changes any byte of the app is a new worker, which the browser
 * installs (a byte-identical `sw.js` would never be).
 *
 * The worker is one classic script (IIFE): module service workers are not in every browser yet.
 * The app finds its file name in `import.meta.env.SERVICE_WORKER` (undefined without a build).
 */
export function serviceWorker({ entry, fileName = 'sw.js' }: ServiceWorkerPluginOptions): Plugin {
  let config: ResolvedConfig;
  return {
    name: 'parley-web-chat:service-worker',
    apply: 'build',
    // After Vite's own plugins: index.html is in the bundle by then.
    enforce: 'post',
    // Tells the app there is a worker to register (`npm run dev` builds none): ImportMetaEnv in src/vite-env.d.ts.
    config: () => ({ define: { 'import.meta.env.SERVICE_WORKER': JSON.stringify(fileName) } }),
    configResolved(resolved) {
      config = resolved;
    },
    async generateBundle(_options, bundle) {
      const built = Object.values(bundle)
        .filter((file) => !file.fileName.endsWith('.map'))
        .map((file) => ({ name: file.fileName, content: file.type === 'chunk' ? file.code : file.source }));
      const files = [...built, ...publicFiles(config)].sort((a, b) => a.name.localeCompare(b.name));
      const hash = createHash('sha256');
      for (const file of files) hash.update(file.name).update('\0').update(file.content).update('\0');
      const manifest = { files: files.map((file) => file.name), version: hash.digest('hex').slice(0, 16) };

      const output = await build({
        configFile: false,
        root: config.root,
        logLevel: 'warn',
        mode: config.mode,
        publicDir: false,
        plugins: [
          {
            name: 'parley-web-chat:precache-manifest',
            resolveId: (id) => (id === MANIFEST_MODULE ? `\0${MANIFEST_MODULE}` : null),
            load: (id) => (id === `\0${MANIFEST_MODULE}` ? `export default ${JSON.stringify(manifest)};` : null),
          },
        ],
        build: {
          write: false,
          target: config.build.target,
          minify: config.build.minify,
          sourcemap: false,
          lib: { entry, formats: ['iife'], name: 'parleyServiceWorker', fileName: () => fileName },
        },
      });
      const outputs = (Array.isArray(output) ? output : [output]).flatMap((o) => ('output' in o ? o.output : []));
      const chunk = outputs.find((o) => o.type === 'chunk' && o.isEntry);
      if (!chunk || chunk.type !== 'chunk') throw new Error(`the service worker build (${entry}) produced no script`);
      this.emitFile({ type: 'asset', fileName, source: chunk.code });
    },
  };
}

/** The files Vite copies from `public/` (not part of the bundle), with their contents. */
function publicFiles(config: ResolvedConfig): { name: string; content: Uint8Array }[] {
  if (!config.publicDir) return [];
  const root = config.publicDir;
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
      entry.name.startsWith('.') ? [] : entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
    );
  try {
    return walk(root).map((path) => ({ name: relative(root, path).split(sep).join('/'), content: readFileSync(path) }));
  } catch {
    return []; // no public/ folder
  }
}

import { createRequire } from 'node:module';

/**
 * Loads an optional peer dependency the first time a feature needs it, so that importing a
 * subpath never fails on a missing driver, and a missing one is reported as what to install
 * instead of a module-resolution error from inside a bundled chunk.
 */
export function requirePeer<T>(name: string, feature: string, range: string): T {
  const require = createRequire(import.meta.url);
  try {
    return require(name) as T;
  } catch (err) {
    if (!isMissing(err, name)) throw err;
    throw new Error(`${feature} needs the package ${name}, an optional peer dependency of @parley/server-sdk: npm install ${name}@${range}`, {
      cause: err,
    });
  }
}

function isMissing(err: unknown, name: string): boolean {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  return (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') && typeof message === 'string' && message.includes(name);
}

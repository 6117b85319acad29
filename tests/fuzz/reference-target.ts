import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startReferenceProcess, type ReferenceProcess } from '../helpers/reference-process.js';
import { residentBytes } from './heap.js';
import { rawRequest } from './raw-http.js';

export const JWT_ENV = { PARLEY_JWT_SECRET: 'fuzz-secret-fuzz-secret-fuzz-secret!', PARLEY_JWT_ISSUER: 'fuzz', PARLEY_JWT_AUDIENCE: 'parley' };

export interface ReferenceTarget {
  process: ReferenceProcess;
  /** Whether the server process is still running. */
  alive(): boolean;
  /** Fails with the server's output if it died or stopped answering /healthz. */
  assertHealthy(): Promise<void>;
  rss(): number | null;
  close(): Promise<void>;
}

/**
 * The reference server as a separate process (memory store, dev auth and JWT, a static app), so
 * a crash shows as the process exiting rather than as a thrown error in the test.
 */
export async function startReferenceTarget(): Promise<ReferenceTarget> {
  const dir = mkdtempSync(join(tmpdir(), 'parley-fuzz-static-'));
  mkdirSync(join(dir, 'assets'));
  writeFileSync(join(dir, 'index.html'), '<!doctype html><title>fuzz</title>');
  writeFileSync(join(dir, 'assets', 'app-1234.js'), 'console.log(1)');
  const proc = await startReferenceProcess(['--dev', '--store', 'memory', '--static', dir], JWT_ENV);
  const alive = () => proc.child.exitCode === null && proc.child.signalCode === null;
  return {
    process: proc,
    alive,
    async assertHealthy() {
      const res = alive() ? await rawRequest(proc.url, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n').catch(() => null) : null;
      if (!alive() || res?.status !== 200) {
        throw new Error(`the server is down (exit ${proc.child.exitCode}, signal ${proc.child.signalCode}):\n${proc.output().slice(-3000)}`);
      }
    },
    rss: () => (proc.child.pid ? residentBytes(proc.child.pid) : null),
    async close() {
      if (alive()) await proc.kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

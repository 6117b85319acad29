// What every bench server shares: a loopback HTTP server on a free port, the `/bench/stats`
// endpoint (heap and RSS after a full GC, for the idle-connection workload) and the one
// "listening on URL" line the orchestrator waits for.
import { createServer } from 'node:http';
import { Session } from 'node:inspector/promises';

/** Starts an HTTP server; `routes` answers extra `/bench/*` paths. */
export async function startHttp(routes = {}) {
  const http = createServer();
  http.on('request', (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const route = { '/bench/stats': stats, '/bench/cpu': cpu, '/bench/profile/start': startProfile, '/bench/profile/stop': stopProfile }[path] ?? routes[path];
    if (!route) return; // socket.io answers its own paths
    Promise.resolve(route(req))
      .then((body) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      })
      .catch((err) => {
        res.writeHead(500);
        res.end(String(err));
      });
  });
  await new Promise((resolve) => http.listen(Number(process.env.BENCH_PORT ?? 0), '127.0.0.1', resolve));
  return http;
}

export function announce(http) {
  process.stdout.write(`bench server listening on http://127.0.0.1:${http.address().port}\n`);
}

/** CPU seconds this process used so far: with the machine shared, the work per CPU second is the fair figure. */
function cpu() {
  const { user, system } = process.cpuUsage();
  return { cpuSeconds: (user + system) / 1e6 };
}

/** The V8 CPU profiler of this process, started and stopped around a workload (bench/run.mjs): no start-up in the profile. */
let profiler;
async function startProfile() {
  profiler = new Session();
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.setSamplingInterval', { interval: 250 });
  await profiler.post('Profiler.start');
  return { started: true };
}

async function stopProfile() {
  if (!profiler) throw new Error('no profile started');
  const { profile } = await profiler.post('Profiler.stop');
  profiler.disconnect();
  profiler = undefined;
  return profile;
}

async function stats() {
  // Several passes: socket.io and ws free some buffers only after a finalizer ran.
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const { heapUsed, rss } = process.memoryUsage();
  return { heapUsed, rss, gc: typeof globalThis.gc === 'function' };
}

export async function readJson(req) {
  let body = '';
  for await (const chunk of req) body += String(chunk);
  return JSON.parse(body);
}

export function stopOnSignal(close) {
  const stop = () => Promise.resolve(close()).finally(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

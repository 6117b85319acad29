import { createServer, connect, type Server, type Socket } from 'node:net';
import type { Rng } from './prng.js';
import { AckDropper } from './ack-dropper.js';

/** What the proxy does to traffic; every field may change while connections are open. */
export interface ProxyFaults {
  /** Extra delay per chunk, uniformly in [min, max] ms; order is kept. */
  delayMs: [number, number] | null;
  /** Share of server→client `ack` frames swallowed whole (the connection stays up). */
  dropAcks: number;
}

interface Pair {
  client: Socket;
  upstream: Socket;
  /** Swallow everything both ways: the connection looks alive and says nothing. */
  blackhole: boolean;
  /** Forward half of the next server→client chunk, then cut: a frame torn in the middle. */
  cutNext: boolean;
  acks: AckDropper;
}

/**
 * A loopback TCP proxy between Parley clients and the server, for chaos runs: it delays, cuts
 * mid-frame, resets (RST), black-holes and drops ACK frames. The upstream port may change while
 * it runs (a restarted server); connections opened meanwhile are refused by a reset.
 */
export class ChaosProxy {
  readonly faults: ProxyFaults = { delayMs: null, dropAcks: 0 };
  readonly pairs = new Set<Pair>();
  upstreamPort: number | null = null;
  /** ACK frames swallowed so far, over all connections. */
  acksDropped = 0;
  private server: Server | null = null;
  port = 0;

  constructor(private readonly rng: Rng) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async listen(): Promise<void> {
    this.server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.port = (this.server.address() as { port: number }).port;
  }

  /** RST every open connection at once (a network blip for everyone). */
  resetAll(): number {
    const count = this.pairs.size;
    for (const pair of [...this.pairs]) this.reset(pair);
    return count;
  }

  /** Applies one random fault to one random connection; returns what it did. */
  strike(): string {
    const pairs = [...this.pairs];
    if (pairs.length === 0) return 'none';
    const pair = this.rng.pick(pairs);
    const fault = this.rng.pick(['reset', 'cut', 'blackhole'] as const);
    if (fault === 'reset') this.reset(pair);
    else if (fault === 'cut') pair.cutNext = true;
    else {
      pair.blackhole = true;
      // Heartbeats notice a silent peer; the reset bounds the run if they do not.
      setTimeout(() => this.reset(pair), this.rng.int(500, 3000)).unref();
    }
    return fault;
  }

  async close(): Promise<void> {
    this.resetAll();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private accept(client: Socket): void {
    if (this.upstreamPort === null) return void client.resetAndDestroy();
    const upstream = connect(this.upstreamPort, '127.0.0.1');
    const pair: Pair = { client, upstream, blackhole: false, cutNext: false, acks: new AckDropper() };
    this.pairs.add(pair);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    const upQueue = this.delayed((chunk) => upstream.write(chunk));
    const downQueue = this.delayed((chunk) => client.write(chunk));
    client.on('data', (chunk: Buffer) => {
      if (!pair.blackhole) upQueue(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (pair.blackhole) return;
      const before = pair.acks.dropped;
      const kept = pair.acks.filter(chunk, this.faults.dropAcks, this.rng);
      this.acksDropped += pair.acks.dropped - before;
      if (kept.length === 0) return;
      if (pair.cutNext && kept.length > 1) {
        client.write(kept.subarray(0, kept.length >> 1), () => this.reset(pair));
        pair.cutNext = false;
        return;
      }
      downQueue(kept);
    });
    const end = () => this.close1(pair);
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
  }

  /** Keeps chunk order under random delays: each chunk leaves no earlier than the one before. */
  private delayed(write: (chunk: Buffer) => void): (chunk: Buffer) => void {
    let releaseAt = 0;
    return (chunk) => {
      const delay = this.faults.delayMs;
      if (!delay && releaseAt <= Date.now()) return write(chunk);
      releaseAt = Math.max(releaseAt, Date.now() + (delay ? this.rng.int(delay[0], delay[1]) : 0));
      setTimeout(() => write(chunk), releaseAt - Date.now());
    };
  }

  private reset(pair: Pair): void {
    this.pairs.delete(pair);
    if (!pair.client.destroyed) pair.client.resetAndDestroy();
    if (!pair.upstream.destroyed) pair.upstream.resetAndDestroy();
  }

  private close1(pair: Pair): void {
    this.pairs.delete(pair);
    pair.client.destroy();
    pair.upstream.destroy();
  }
}

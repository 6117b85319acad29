import { pathToFileURL } from 'node:url';
import { io, type Socket } from 'socket.io-client';
import {
  FRAME_EVENT,
  PROTOCOL_VERSION,
  parseServerFrame,
  type ClientFrame,
  type ServerFrame,
} from '@parley/protocol';

/**
 * A protocol-level client: it speaks raw frames, so tests can send what the SDK never would
 * (malformed frames, replays) and see exactly what the server answers. A client of an older
 * protocol parses with that release's schemas; its frames are typed as current ones, but hold
 * that version's form.
 */
export interface WireClient {
  socket: Socket;
  frames: ServerFrame[];
  /** Frames that failed the protocol schema (the server must never send any). */
  invalid: unknown[];
  send(frame: ClientFrame | Record<string, unknown>): void;
  emitRaw(event: string, ...args: unknown[]): void;
  waitFor<T extends ServerFrame>(predicate: (frame: ServerFrame) => frame is T, timeoutMs?: number): Promise<T>;
  waitFor(predicate: (frame: ServerFrame) => boolean, timeoutMs?: number): Promise<ServerFrame>;
  request<T extends ServerFrame = ServerFrame>(frame: ClientFrame & { reqId: string }): Promise<T>;
  close(): void;
}

type ParseServerFrame = typeof parseServerFrame;

/**
 * The frame parser of the version a client asks for: an older version's own schemas, from its
 * release snapshot (tests/fixtures/releases), so a frame the server sends an old client is held
 * to what that release's app parses; the current one (also for a newer client, answered in it).
 */
async function parserFor(protocol: number): Promise<ParseServerFrame> {
  if (protocol >= PROTOCOL_VERSION) return parseServerFrame;
  const url = pathToFileURL(new URL(`../fixtures/releases/protocol-${protocol}/protocol.mjs`, import.meta.url).pathname).href;
  const snapshot = (await import(url)) as { parseServerFrame: ParseServerFrame };
  return snapshot.parseServerFrame;
}

let counter = 0;
export const nextId = (prefix = 'r') => `${prefix}${++counter}${Math.random().toString(36).slice(2, 8)}`;

export async function connectWire(
  url: string,
  auth: { token: string; deviceId?: string; protocol?: number },
): Promise<WireClient> {
  const parse = await parserFor(auth.protocol ?? PROTOCOL_VERSION);
  const socket = io(url, {
    path: '/parley/socket.io',
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    auth: { deviceId: auth.deviceId ?? nextId('dev'), protocol: auth.protocol ?? PROTOCOL_VERSION, token: auth.token },
  });
  const frames: ServerFrame[] = [];
  const invalid: unknown[] = [];
  const waiters = new Set<() => void>();
  socket.on(FRAME_EVENT, (raw: unknown) => {
    const parsed = parse(raw);
    if (parsed.ok) frames.push(parsed.frame);
    else invalid.push(raw);
    for (const wake of waiters) wake();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('connect_error', reject);
  });

  const waitFor = (predicate: (frame: ServerFrame) => boolean, timeoutMs = 5000): Promise<ServerFrame> =>
    new Promise((resolve, reject) => {
      let seen = 0;
      const check = () => {
        for (; seen < frames.length; seen++) {
          const frame = frames[seen]!;
          if (predicate(frame)) {
            cleanup();
            resolve(frame);
            return;
          }
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(new Error(`timed out waiting for a frame; got ${JSON.stringify(frames.map((f) => f.type))}`));
      }, timeoutMs);
      const cleanup = () => {
        clearTimeout(timer);
        waiters.delete(check);
      };
      waiters.add(check);
      check();
    });

  return {
    socket,
    frames,
    invalid,
    send: (frame) => void socket.emit(FRAME_EVENT, frame),
    emitRaw: (event, ...args) => void socket.emit(event, ...args),
    waitFor: waitFor as WireClient['waitFor'],
    request: <T extends ServerFrame>(frame: ClientFrame & { reqId: string }) => {
      const answer = waitFor((f) => 'reqId' in f && f.reqId === frame.reqId);
      socket.emit(FRAME_EVENT, frame);
      return answer as Promise<T>;
    },
    close: () => void socket.disconnect(),
  };
}

/** Resolves with the `connect_error` a refused handshake produces. */
export function expectRefused(
  url: string,
  auth: Record<string, unknown>,
  extra: { extraHeaders?: Record<string, string> } = {},
): Promise<Error & { data?: { code: number; message: string } }> {
  const socket = io(url, { path: '/parley/socket.io', transports: ['websocket'], reconnection: false, forceNew: true, auth, ...extra });
  return new Promise((resolve, reject) => {
    socket.once('connect', () => {
      socket.disconnect();
      reject(new Error('connection was accepted'));
    });
    socket.once('connect_error', (err) => {
      socket.disconnect();
      resolve(err as Error & { data?: { code: number; message: string } });
    });
  });
}

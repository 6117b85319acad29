import type { Namespace } from 'socket.io';
import type { AdapterFactory } from '../scale-out/types.js';

/** What a socket.io adapter factory makes (socket.io-adapter's `Adapter`, without importing it). */
type AdapterInstance = Extract<AdapterFactory, (nsp: Namespace) => unknown> extends (nsp: Namespace) => infer A ? A : never;

/** Where `@socket.io/redis-adapter` 8.3 takes messages in from Redis (the sharded adapter: `onRawMessage`). */
const ENTRY_POINTS = ['onmessage', 'onrequest', 'onresponse', 'onRawMessage'] as const;

/** Request types `@socket.io/redis-adapter` 8.3 knows (SOCKETS … BROADCAST_ACK); it ignores others silently. */
const KNOWN_REQUEST_TYPES = new Set([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);

/**
 * Reports a skipped message once per kind: a newer node may publish thousands of one kind, and
 * one log line says all there is to say.
 */
export function createSkipReporter(report: (err: Error) => void): (kind: string, cause?: unknown) => void {
  const seen = new Set<string>();
  return (kind, cause) => {
    if (seen.has(kind)) return;
    seen.add(kind);
    const detail = cause instanceof Error ? `: ${cause.message}` : '';
    report(
      new Error(`skipped a Redis message this version cannot read (${kind})${detail}; later ones of this kind are skipped silently`, {
        cause,
      }),
    );
  };
}

/**
 * The socket.io Redis adapter, made to skip what it cannot read. During a rolling deploy a newer
 * node shares the bus, and the adapter parses inbound messages inside the Redis client's
 * subscriber callback without a guard: a payload it cannot decode throws there (and cross-node
 * delivery stops), and one it decodes to an unexpected shape rejects a promise nobody handles
 * (which ends the process). Each entry point is wrapped on the instance: a throw or rejection
 * becomes one reported skip per kind, and the node keeps serving.
 *
 * @example
 * io.adapter(tolerantAdapter(createAdapter(pub, sub), skip));
 */
export function tolerantAdapter(
  factory: (nsp: Namespace) => AdapterInstance,
  skip: (kind: string, cause?: unknown) => void,
): AdapterFactory {
  // A function, not an arrow: socket.io calls the factory with `new`.
  return function tolerant(nsp: Namespace): AdapterInstance {
    const adapter = factory(nsp);
    const methods = adapter as unknown as Record<string, unknown>;
    for (const name of ENTRY_POINTS) {
      const original = methods[name];
      if (typeof original !== 'function') continue;
      methods[name] = (...args: unknown[]): unknown => {
        if (name === 'onrequest' && isUnknownRequest(args[1])) return skip(`request type ${String(requestType(args[1]))}`);
        try {
          const result: unknown = Reflect.apply(original, adapter, args);
          if (result instanceof Promise) return result.catch((err: unknown) => skip(`${name}: ${errorName(err)}`, err));
          return result;
        } catch (err) {
          return skip(`${name}: ${errorName(err)}`, err);
        }
      };
    }
    return adapter;
  };
}

function errorName(err: unknown): string {
  return err instanceof Error ? err.name : typeof err;
}

/** The `type` of a JSON request (the adapter's own format for requests), or undefined. */
function requestType(message: unknown): unknown {
  if (!(message instanceof Uint8Array) || message[0] !== 0x7b) return undefined;
  try {
    return (JSON.parse(Buffer.from(message).toString()) as { type?: unknown } | null)?.type;
  } catch {
    return undefined;
  }
}

function isUnknownRequest(message: unknown): boolean {
  const type = requestType(message);
  return typeof type === 'number' && !KNOWN_REQUEST_TYPES.has(type);
}

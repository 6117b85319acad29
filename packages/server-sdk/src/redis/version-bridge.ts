import type { Namespace } from 'socket.io';
import { FRAME_EVENT, type ServerFrame } from '@parley/protocol';
import { OLDER_VERSIONS } from '../server/protocol-edge.js';
import { deliveries, versionRoom } from '../server/fanout.js';

/** A packet and its options as both Redis adapters carry a broadcast (rooms and except as arrays). */
interface Broadcast {
  packet: { data?: unknown; [key: string]: unknown };
  opts: { rooms?: unknown; except?: unknown; [key: string]: unknown };
}

/** The parts of the Redis adapters the bridge uses: the classic one's entry point, the sharded one's. */
interface BusAdapter {
  uid: string;
  rooms: Map<string, unknown>;
  parser?: { encode(message: unknown): unknown; decode(message: unknown): unknown };
  onmessage?(pattern: unknown, channel: unknown, message: unknown): unknown;
  onMessage?(message: unknown, offset?: unknown): unknown;
}

/** A version room or a room qualified by a version (`v5|`, `v5|user:bob`: fanout.ts). */
const VERSIONED_ROOM = /^v\d+\|/;

/** BROADCAST in socket.io's cluster messages (the sharded adapter's format). */
const CLUSTER_BROADCAST = 3;

/**
 * Puts frames that a node of a release before negotiation broadcasts into each local client's
 * version. Such a node (protocol 3, the release this one replaces in a rolling deploy) sends one
 * form of every frame to the plain rooms, and an older client connected here sits in those rooms
 * too: a group summary or an owner change would reach it in a form it drops. This node's own
 * broadcasts already leave the older clients out (`except` their version room) and send them
 * their form apart; a broadcast that does not, and carries a frame their version reads
 * differently, is delivered here the way `emitToRooms` would have sent it. Without older clients
 * on this node, messages pass through undecoded.
 *
 * @example
 * io.adapter(versionBridge(createAdapter(pub, sub)));
 */
export function versionBridge<A extends object>(factory: (nsp: Namespace) => A): (nsp: Namespace) => A {
  return (nsp) => {
    const adapter = factory(nsp);
    const bus = adapter as unknown as BusAdapter;
    const olderHere = () => OLDER_VERSIONS.filter((version) => bus.rooms.has(versionRoom(version)));
    const { onmessage, onMessage, parser } = bus;
    if (typeof onmessage === 'function' && parser) {
      // The classic adapter: `[uid, packet, opts]` encoded by its parser, on a channel per room.
      bus.onmessage = (pattern, channel, message) => {
        const versions = olderHere();
        const decoded = versions.length > 0 ? decodeSafely(parser, message) : undefined;
        const [uid, packet, opts] = Array.isArray(decoded) && decoded.length === 3 ? (decoded as unknown[]) : [];
        const parts = typeof uid === 'string' && uid !== bus.uid ? split({ packet, opts } as Broadcast, versions) : null;
        if (!parts) return Reflect.apply(onmessage, adapter, [pattern, channel, message]);
        for (const part of parts) Reflect.apply(onmessage, adapter, [pattern, channel, parser.encode([uid, part.packet, part.opts])]);
        return undefined;
      };
    } else if (typeof onMessage === 'function') {
      // The sharded adapter: socket.io cluster messages, decoded before `onMessage`.
      bus.onMessage = (message, offset) => {
        const versions = olderHere();
        const cluster = versions.length > 0 && isRecord(message) && message['type'] === CLUSTER_BROADCAST ? message : undefined;
        const data = isRecord(cluster?.['data']) ? (cluster['data'] as Record<string, unknown>) : undefined;
        // A broadcast that waits for acknowledgements counts its clients: left as it is.
        const parts = data && data['requestId'] === undefined ? split(data as unknown as Broadcast, versions) : null;
        if (!cluster || !data || !parts) return Reflect.apply(onMessage, adapter, [message, offset]);
        for (const part of parts) Reflect.apply(onMessage, adapter, [{ ...cluster, data: { ...data, ...part } }, offset]);
        return undefined;
      };
    }
    return adapter;
  };
}

function decodeSafely(parser: NonNullable<BusAdapter['parser']>, message: unknown): unknown {
  try {
    return parser.decode(message);
  } catch {
    return undefined; // Not ours to judge: the adapter (and its tolerant wrapper) handles it.
  }
}

/**
 * The broadcasts to deliver instead of this one (`deliveries`, as this node's own emits are
 * split), or null to deliver it as it is.
 */
function split({ packet, opts }: Broadcast, versions: readonly number[]): Broadcast[] | null {
  if (!isRecord(packet) || !isRecord(opts) || !Array.isArray(packet.data) || packet.data[0] !== FRAME_EVENT) return null;
  const frame = packet.data[1] as ServerFrame;
  if (!isRecord(frame)) return null;
  const rooms = Array.isArray(opts.rooms) ? (opts.rooms as string[]) : [];
  // A broadcast to version rooms is already one version's form, sent apart by a node that knows
  // versions: it reaches exactly the connections that asked for that form (this release's own
  // connections join the previous release's version rooms on purpose: fanout.ts BRIDGED_VERSION).
  if (rooms.some((room) => VERSIONED_ROOM.test(room))) return null;
  const except = Array.isArray(opts.except) ? (opts.except as string[]) : [];
  // A version already excepted was served apart by the node that sent it.
  const served = versions.filter((version) => !except.includes(versionRoom(version)));
  const parts = deliveries(rooms.length === 0 ? 'everyone' : rooms, frame, except, served);
  if (parts.length === 1 && parts[0]!.frame === frame) return null;
  return parts.map(({ to, frame: form, except: without }) => ({
    packet: form === frame ? packet : { ...packet, data: [FRAME_EVENT, form] },
    opts: { ...opts, rooms: to === 'everyone' ? [] : [...to], except: [...without] },
  }));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

import type { Namespace } from 'socket.io';
import { FRAME_EVENT, type ServerFrame } from '@parley/protocol';
import { OLDER_VERSIONS, frameFor } from '../server/protocol-edge.js';
import { versionRoom } from '../server/fanout.js';

/** A broadcast as `@socket.io/redis-adapter` 8.3 publishes it: `[uid, packet, opts]`. */
type Broadcast = [string, { data?: unknown; [key: string]: unknown }, { rooms?: unknown; except?: unknown; [key: string]: unknown }];

/** The parts of the classic Redis adapter the bridge uses. */
interface BusAdapter {
  uid: string;
  rooms: Map<string, unknown>;
  parser: { encode(message: unknown): unknown; decode(message: unknown): unknown };
  onmessage(pattern: unknown, channel: unknown, message: unknown): unknown;
}

/**
 * Puts frames that a node of a release before negotiation broadcasts into each local client's
 * version. Such a node (protocol 3, the release this one replaces in a rolling deploy) sends one
 * form of every frame to the plain rooms, and an older client connected here sits in those rooms
 * too: a group summary or an owner change would reach it in a form it drops. This node's own
 * broadcasts already leave the older clients out (`except` their version room) and send them
 * their form apart; a broadcast that does not, and carries a frame their version reads
 * differently, is delivered here the way `emitToRooms` would have sent it. Without older clients
 * on this node, messages pass through undecoded. (The sharded adapter is not bridged.)
 *
 * @example
 * io.adapter(versionBridge(createAdapter(pub, sub)));
 */
export function versionBridge<A extends object>(factory: (nsp: Namespace) => A): (nsp: Namespace) => A {
  return (nsp) => {
    const adapter = factory(nsp);
    const bus = adapter as unknown as BusAdapter;
    const original = bus.onmessage;
    if (typeof original !== 'function' || !bus.parser) return adapter;
    bus.onmessage = (pattern, channel, message) => {
      const versions = OLDER_VERSIONS.filter((version) => bus.rooms.has(versionRoom(version)));
      const split = versions.length > 0 ? splitForVersions(bus, message, versions) : null;
      if (!split) return Reflect.apply(original, adapter, [pattern, channel, message]);
      for (const part of split) Reflect.apply(original, adapter, [pattern, channel, bus.parser.encode(part)]);
      return undefined;
    };
    return adapter;
  };
}

/**
 * The broadcasts to deliver instead of `message`, or null to deliver it as it is: the frame in
 * the current form with the older clients excepted, then each older version's form to its
 * qualified rooms (its version room for a broadcast to everyone).
 */
function splitForVersions(bus: BusAdapter, message: unknown, versions: readonly number[]): Broadcast[] | null {
  let decoded: unknown;
  try {
    decoded = bus.parser.decode(message);
  } catch {
    return null; // Not ours to judge: the adapter (and its tolerant wrapper) handles it.
  }
  if (!Array.isArray(decoded) || decoded.length !== 3 || decoded[0] === bus.uid) return null;
  const [uid, packet, opts] = decoded as Broadcast;
  if (!isRecord(packet) || !isRecord(opts) || !Array.isArray(packet.data) || packet.data[0] !== FRAME_EVENT) return null;
  const frame = packet.data[1] as ServerFrame;
  if (!isRecord(frame)) return null;
  const rooms = Array.isArray(opts.rooms) ? (opts.rooms as string[]) : [];
  const except = Array.isArray(opts.except) ? (opts.except as string[]) : [];
  const forms = versions
    .filter((version) => !except.includes(versionRoom(version)))
    .map((version) => ({ version, form: frameFor(version, frame) }))
    .filter(({ form }) => form !== frame);
  if (forms.length === 0) return null;
  const current: Broadcast = [uid, packet, { ...opts, except: [...except, ...forms.map(({ version }) => versionRoom(version))] }];
  const older = forms.flatMap(({ version, form }): Broadcast[] => {
    if (!form) return [];
    const to = rooms.length === 0 ? [versionRoom(version)] : rooms.map((room) => `${versionRoom(version)}${room}`);
    return [[uid, { ...packet, data: [FRAME_EVENT, form] }, { ...opts, rooms: to }]];
  });
  return [current, ...older];
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

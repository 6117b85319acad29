import type { Namespace } from 'socket.io';
import { FRAME_EVENT, OLDEST_PROTOCOL_VERSION, PROTOCOL_VERSION, type ServerFrame } from '@parley/protocol';
import type { StoredConversation } from '../store/types.js';
import type { ChatMetrics } from '../metrics/chat-metrics.js';
import type { ServerContext } from './context.js';
import { OLDER_VERSIONS, formsOf } from './protocol-edge.js';

/**
 * Every frame that leaves for connections other than the one being answered goes through this
 * module, and every socket.io room Parley uses is named here: one place to see who hears what.
 */

/** Every connection of a user joins this room on connect. */
export const userRoom = (userId: string): string => `user:${userId}`;
/** The connections that show a conversation right now (WATCH). */
export const watchRoom = (conversationId: string): string => `watch:${conversationId}`;
/** The connections following a user's presence. */
export const presenceRoom = (userId: string): string => `presence:${userId}`;
export const isWatchRoom = (room: string): boolean => room.startsWith('watch:');
export const isPresenceRoom = (room: string): boolean => room.startsWith('presence:');

/**
 * The plain rooms (`user:bob`) carry every frame in protocol 4's form, in this release and in the
 * previous one (which set it): during a rolling deploy both kinds of node send the plain rooms the
 * same form, so a node of either release can hand what arrives there over Redis to its plain
 * connections as it is. Connections of every other version join, next to each room, that room
 * qualified by their version and the room of their version: a frame that reads differently in
 * their version goes to the qualified rooms in their form, and to the plain rooms with those
 * connections excepted. Most frames read the same in every version: one emit, to the plain
 * rooms. The qualified names start with `v<N>|`, so no `watch:` or `presence:` test matches them.
 *
 * Pinned, not derived from PROTOCOL_VERSION: were it to move with each release, a node of the
 * previous release and one of this release would send the plain rooms different forms, and the
 * newer form reaching the older node's plain connections (or the older, poorer one reaching this
 * node's) is what the mixed-cluster tests caught. It changes only with the window: the release
 * that drops protocol 4 must keep serving a previous release's plain rooms for one more deploy.
 */
export const PLAIN_VERSION = Math.max(OLDEST_PROTOCOL_VERSION, 4);
/**
 * The previous release's own version. A node of that release knows no newer one: what it sends in
 * its richest form goes to that version's qualified rooms. Connections of this release's version
 * join those rooms too, so they get it in that form (which they read: each version's frames are
 * valid in the next), not the plain rooms' poorer one; this node's own sends to those rooms leave
 * them out (`deliveries`), since it sends them their own form.
 */
export const BRIDGED_VERSION = PROTOCOL_VERSION - 1 > PLAIN_VERSION ? PROTOCOL_VERSION - 1 : undefined;
/** The versions served apart from the plain rooms (their own qualified rooms). */
export const APART_VERSIONS: readonly number[] = [PROTOCOL_VERSION, ...OLDER_VERSIONS].filter((v) => v !== PLAIN_VERSION);

/**
 * The versions whose qualified rooms a connection of `protocol` joins. The previous release's
 * rooms only on a node with a scale-out: a node alone never hears from a node of that release,
 * and each room costs every connection a set in the adapter (W3 in bench/).
 */
function roomVersions(conn: RoomMember): number[] {
  const { protocol } = conn;
  if (protocol === PLAIN_VERSION) return [];
  return protocol === PROTOCOL_VERSION && BRIDGED_VERSION !== undefined && conn.bridged !== false ? [protocol, BRIDGED_VERSION] : [protocol];
}
export const versionRoom = (version: number): string => `v${version}|`;
const qualified = (version: number, room: string): string => `${versionRoom(version)}${room}`;

/** Joins a connection to a room (and, unless it speaks the plain rooms' version, that room in its version). */
export function joinRoom(conn: RoomMember, room: string): unknown {
  const versions = roomVersions(conn);
  if (versions.length === 0) return conn.socket.join(room);
  return conn.socket.join([room, ...versions.flatMap((version) => [qualified(version, room), versionRoom(version)])]);
}

/** What joining and leaving rooms needs of a connection. */
export interface RoomMember {
  socket: { join(room: string | string[]): unknown; leave(room: string): unknown };
  protocol: number;
  /** False on a node without a scale-out: no node of the previous release can reach it (`roomVersions`). */
  bridged?: boolean;
}

/** Takes a connection out of a room (and its version's form of it). */
export function leaveRoom(conn: RoomMember, room: string): unknown {
  const versions = roomVersions(conn);
  if (versions.length === 0) return conn.socket.leave(room);
  return Promise.all([conn.socket.leave(room), ...versions.map((version) => conn.socket.leave(qualified(version, room)))]);
}

const withQualified = (rooms: readonly string[]): string[] => [
  ...rooms,
  ...APART_VERSIONS.flatMap((version) => rooms.map((room) => qualified(version, room))),
];

/** What emitting needs: the namespace, and the fan-out histogram. */
export interface FanoutTarget {
  nsp: Namespace;
  metrics: Pick<ChatMetrics, 'fanout'>;
}

/**
 * The one way frames leave for other connections: to these rooms on every node, minus `except`
 * (socket ids or rooms). `volatile` frames may be dropped under backpressure (typing).
 */
export function emitToRooms(
  target: FanoutTarget,
  rooms: readonly string[] | 'everyone',
  frame: ServerFrame,
  options: { except?: readonly string[]; volatile?: boolean; local?: boolean } = {},
): void {
  if (rooms.length === 0) return;
  if (frame.type === 'event' && rooms !== 'everyone') target.metrics.fanout.observe(rooms.length);
  for (const delivery of deliveries(rooms, frame, options.except ?? [])) {
    let op = options.local ? target.nsp.local : target.nsp;
    if (delivery.to !== 'everyone') op = op.to([...delivery.to]);
    if (delivery.except.length > 0) op = op.except([...delivery.except]);
    (options.volatile ? op.volatile : op).emit(FRAME_EVENT, delivery.frame);
  }
}

/** One emit of a broadcast: to these rooms (or everyone), minus `except`. */
export interface Delivery {
  to: readonly string[] | 'everyone';
  frame: ServerFrame;
  except: readonly string[];
}

/**
 * A broadcast as the emits that give every client its version's form: the plain rooms' version's
 * form to `rooms`, with the versions that read it differently excepted, and each of those
 * versions' form to its qualified rooms (its version room for a broadcast to everyone). Most
 * frames read the same in every version: one delivery, as without versions. `versions`: the
 * versions served apart (all this server speaks but the plain one; the version bridge names
 * those connected here).
 */
export function deliveries(
  rooms: readonly string[] | 'everyone',
  frame: ServerFrame,
  except: readonly string[],
  versions: readonly number[] = APART_VERSIONS,
): Delivery[] {
  if (versions.length === 0) return [{ to: rooms, frame, except }];
  const forms = formsOf(frame, Math.min(PLAIN_VERSION, ...versions));
  const plain = forms.find(({ version }) => version === PLAIN_VERSION)?.form ?? null;
  const apart = forms.filter(({ version, form }) => versions.includes(version) && form !== plain);
  const out: Delivery[] = [];
  if (plain) out.push({ to: rooms, frame: plain, except: [...except, ...apart.map(({ version }) => versionRoom(version))] });
  for (const { version, form } of apart) {
    // Newer versions' connections may sit in this version's rooms too (BRIDGED_VERSION): they get
    // their own form. (When this version's form differs from the plain one, every newer one does.)
    const newer = apart.filter((other) => other.version > version).map((other) => versionRoom(other.version));
    const to = rooms === 'everyone' ? [versionRoom(version)] : rooms.map((room) => qualified(version, room));
    if (form) out.push({ to, frame: form, except: [...except, ...newer] });
  }
  return out;
}

/** Pushes a frame to every connection of these users, on every node, except `exceptSocketId`. */
export function pushToUsers(target: FanoutTarget, userIds: Iterable<string>, frame: ServerFrame, exceptSocketId?: string): void {
  emitToRooms(target, [...userIds].map(userRoom), frame, exceptSocketId ? { except: [exceptSocketId] } : {});
}

/** Takes every connection in `holders` (rooms) out of `rooms`, on whichever node holds it. */
export function leaveRooms(target: Pick<FanoutTarget, 'nsp'>, holders: readonly string[], rooms: readonly string[]): void {
  if (holders.length === 0 || rooms.length === 0) return;
  target.nsp.in([...holders]).socketsLeave(withQualified(rooms));
}

export interface ConversationPushOptions {
  /** The sending connection (it got its answer already). */
  exceptSocketId?: string;
  /** A user none of whose connections gets it (a typist does not see their own typing). */
  exceptUserId?: string;
  /** Users who get it even above the threshold: the sender's other devices, users a membership change is about. */
  alsoNotify?: readonly string[];
  volatile?: boolean;
}

/**
 * Pushes a frame about a conversation (a log event, typing) live. Conversations up to
 * `fanoutThreshold` members push to every member's connections; larger ones only to the
 * connections watching the conversation, plus `alsoNotify`. Everyone else catches up by seq when
 * they open the conversation: fan-out on read.
 */
export async function pushToConversation(
  ctx: ServerContext,
  conversation: Pick<StoredConversation, 'id' | 'memberCount'>,
  frame: ServerFrame,
  options: ConversationPushOptions = {},
): Promise<void> {
  const except = [
    ...(options.exceptSocketId ? [options.exceptSocketId] : []),
    ...(options.exceptUserId ? [userRoom(options.exceptUserId)] : []),
  ];
  const also = options.alsoNotify ?? [];
  let rooms: string[];
  if (conversation.memberCount <= ctx.fanoutThreshold) {
    // An event's members as of its seq, when the membership cache knows them; otherwise read.
    const known = frame.type === 'event' ? ctx.members.membersAt(conversation.id, frame.event.seq) : undefined;
    const members = known ?? (await ctx.store.listMembers(conversation.id)).map((m) => m.userId);
    rooms = [...new Set([...members, ...also])].map(userRoom);
  } else {
    rooms = [watchRoom(conversation.id), ...also.map(userRoom)];
  }
  emitToRooms(ctx, rooms, frame, { except, ...(options.volatile ? { volatile: true } : {}) });
}

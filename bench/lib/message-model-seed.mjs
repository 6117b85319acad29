// Writes a planned conversation (message-model-plan.mjs) through the real server. For each
// round's phase, the members with frames to send connect a few at a time (lean connections),
// send all their frames at once (pipelined; the server keeps each connection's frames in order),
// wait for every ACK and disconnect. Waiting between phases is what lets a change name a message
// by the id its ACK carried. Few members online at once keeps the server's pushes of each write
// to the others (19 per event with everyone connected, most of the seeding's CPU) small.
import { FRAME_EVENT } from '@parley/protocol';
import { connectTarget } from './lean-client.mjs';
import { planId } from './message-model-plan.mjs';

const PUSH = `42["${FRAME_EVENT}",{"type":"event"`;
/** Members online at once while seeding: enough concurrent writers for SQLite's group commit. */
const ONLINE = 5;

/** `users[i]` with `tokens[i]`, as lean connections that answer `send`/`change` ACKs. */
export function seeders(where, users, tokens) {
  let onAnswer = () => {};
  const connect = (i) =>
    connectTarget(where, {
      userId: users[i],
      token: tokens[i],
      deviceId: `${users[i]}-seed`,
      // Pushes of the others' writes: dropped before decoding, the generator has one core.
      skip: (text) => text.startsWith(PUSH),
      onFrame: (frame) => (frame.type === 'ack' || frame.type === 'nack' ? onAnswer(frame) : undefined),
    });

  /** Sends `items` (`{ user, frame }`) and resolves once each is answered. */
  async function sendAll(conversationId, items, ids, tally) {
    const byUser = new Map();
    for (const item of items) (byUser.get(item.user) ?? byUser.set(item.user, []).get(item.user)).push(item.frame);
    const idOf = (index) => ids.get(planId('msg', index))?.id ?? fail(index);
    const online = [...byUser.keys()];
    for (let at = 0; at < online.length; at += ONLINE) {
      const group = online.slice(at, at + ONLINE);
      const clients = await Promise.all(group.map(connect));
      let waiting = group.reduce((n, u) => n + byUser.get(u).length, 0);
      const done = new Promise((resolve, reject) => {
        onAnswer = (frame) => {
          if (frame.type === 'nack') return reject(new Error(`refused: ${JSON.stringify(frame)}`));
          if (frame.duplicate) tally.duplicates++;
          else tally.stored++;
          ids.set(frame.clientMsgId, { id: frame.eventId, seq: frame.seq });
          if (--waiting === 0) resolve();
        };
      });
      group.forEach((u, k) => {
        for (const frame of byUser.get(u)) clients[k].send(toWire(conversationId, frame, idOf));
      });
      await done.finally(() => clients.forEach((c) => c.close()));
    }
  }
  return { connect, sendAll };
}

function toWire(conversationId, frame, idOf) {
  if (frame.kind === 'send') {
    const data = frame.threadRoot === undefined ? frame.data : { ...frame.data, threadId: idOf(frame.threadRoot) };
    return { type: 'send', conversationId, clientMsgId: frame.id, data };
  }
  return { type: 'change', conversationId, clientMsgId: frame.id, target: { messageId: idOf(frame.target) }, change: frame.change };
}

function fail(index) {
  throw new Error(`message ${index} has no id yet: the plan names it before its round`);
}

/**
 * Writes every round of `plan` into `conversationId`; resolves with what was stored, how long it
 * took, and `ids`: clientMsgId → `{ id, seq }` of every stored event.
 */
export async function seedConversation(writers, conversationId, plan) {
  const ids = new Map();
  const tally = { stored: 0, duplicates: 0 };
  const started = performance.now();
  for (const round of plan.rounds) {
    await writers.sendAll(conversationId, round.messages, ids, tally);
    await writers.sendAll(conversationId, round.changes, ids, tally);
  }
  return { ...tally, seconds: Math.round((performance.now() - started) / 100) / 10, ids };
}

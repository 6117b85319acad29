// Writes a planned conversation (message-model-plan.mjs) through the real server: one lean
// connection per member, every frame of a round's phase sent at once (pipelined; the server
// keeps each connection's frames in order), then waiting for all their ACKs. Waiting between
// phases is what lets a change name a message by the id its ACK carried.
import { FRAME_EVENT } from '@parley/protocol';
import { connectTarget } from './lean-client.mjs';
import { planId } from './message-model-plan.mjs';

// The members' pushes of each other's writes (19 per event): dropped before decoding.
const PUSH = `42["${FRAME_EVENT}",{"type":"event"`;

/** Connects `users` (with `tokens`) as seeders; `answered(frame)` gets every ack and nack. */
export async function connectSeeders(where, users, tokens, deviceSuffix) {
  const seeders = [];
  const answers = { handler: () => {} };
  for (const [i, userId] of users.entries()) {
    seeders.push(
      await connectTarget(where, {
        userId,
        token: tokens[i],
        deviceId: `${userId}-${deviceSuffix}`,
        skip: (text) => text.startsWith(PUSH),
        onFrame: (frame) => (frame.type === 'ack' || frame.type === 'nack' ? answers.handler(frame) : undefined),
      }),
    );
  }
  return {
    seeders,
    /** Sends `items` (`{ user, frame }`) pipelined and resolves once each is answered. */
    async sendAll(conversationId, items, ids, tally) {
      if (items.length === 0) return;
      let waiting = items.length;
      const done = new Promise((resolve, reject) => {
        answers.handler = (frame) => {
          if (frame.type === 'nack') return reject(new Error(`refused: ${JSON.stringify(frame)}`));
          if (frame.duplicate) tally.duplicates++;
          else tally.stored++;
          ids.set(frame.clientMsgId, { id: frame.eventId, seq: frame.seq });
          if (--waiting === 0) resolve();
        };
      });
      const idOf = (index) => ids.get(planId('msg', index))?.id ?? fail(index);
      for (const { user, frame } of items) seeders[user].send(toWire(conversationId, frame, idOf));
      await done;
    },
    close() {
      for (const s of seeders) s.close();
    },
  };
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
export async function seedConversation(connection, conversationId, plan) {
  const ids = new Map();
  const tally = { stored: 0, duplicates: 0 };
  const started = performance.now();
  for (const round of plan.rounds) {
    await connection.sendAll(conversationId, round.messages, ids, tally);
    await connection.sendAll(conversationId, round.changes, ids, tally);
  }
  return { ...tally, seconds: Math.round((performance.now() - started) / 100) / 10, ids };
}

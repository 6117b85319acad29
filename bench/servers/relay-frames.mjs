// The baselines' whole "chat server": ACK a send with the next in-memory seq, relay the event.
// No auth, validation, membership check or storage: the floor Parley's work is measured against.
const seqs = new Map();

export function welcome(userId) {
  return { type: 'welcome', protocol: 1, userId, deviceId: `${userId}-d`, serverTime: Date.now(), limits: {} };
}

/** Returns the frame for the sender and, for a send, the event to relay to the conversation. */
export function relayFrame(userId, frame) {
  if (frame.type !== 'send') return { reply: { type: 'ok', reqId: frame.reqId } };
  const seq = (seqs.get(frame.conversationId) ?? 0) + 1;
  seqs.set(frame.conversationId, seq);
  const ts = Date.now();
  const id = `e_${frame.conversationId}_${seq}`;
  return {
    reply: { type: 'ack', conversationId: frame.conversationId, clientMsgId: frame.clientMsgId, eventId: id, seq, ts, duplicate: false },
    event: {
      type: 'event',
      event: { id, conversationId: frame.conversationId, seq, senderId: userId, ts, kind: 'message', clientMsgId: frame.clientMsgId, data: frame.data },
    },
  };
}

// B1: a raw `ws` relay. Rooms are Sets of sockets; an event is serialized once per send.
//
//   node --expose-gc bench/servers/ws-relay.mjs
import { WebSocketServer } from 'ws';
import { announce, startHttp, stopOnSignal } from './common.mjs';
import { relayFrame, welcome } from './relay-frames.mjs';

const http = await startHttp();
const wss = new WebSocketServer({ server: http, perMessageDeflate: false });
const rooms = new Map();

wss.on('connection', (ws, req) => {
  const { userId, rooms: joined } = JSON.parse(new URL(req.url, 'http://x').searchParams.get('auth'));
  for (const room of joined) {
    if (!rooms.has(room)) rooms.set(room, new Set());
    rooms.get(room).add(ws);
  }
  ws.send(JSON.stringify(welcome(userId)));
  ws.on('message', (data) => {
    const { reply, event } = relayFrame(userId, JSON.parse(data.toString()));
    ws.send(JSON.stringify(reply));
    if (!event) return;
    // Encoded once: each member costs only its WebSocket frame header and the write.
    const encoded = Buffer.from(JSON.stringify(event));
    for (const member of rooms.get(event.event.conversationId) ?? []) if (member !== ws) member.send(encoded, { binary: false });
  });
  ws.on('close', () => {
    for (const room of joined) rooms.get(room)?.delete(ws);
  });
});
announce(http);
stopOnSignal(() => wss.close());

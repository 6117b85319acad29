// B2 (and, with --redis, one node of B4): a raw socket.io relay with no storage. Same path and
// event name as Parley, so the same lean clients drive it.
//
//   node --expose-gc bench/servers/sio-relay.mjs [--redis redis://127.0.0.1:6379]
import { parseArgs } from 'node:util';
import { Server } from 'socket.io';
import { announce, startHttp, stopOnSignal } from './common.mjs';
import { relayFrame, welcome } from './relay-frames.mjs';

const { values } = parseArgs({ options: { redis: { type: 'string' } } });
const http = await startHttp();
const io = new Server(http, { path: '/parley/socket.io', serveClient: false });
let redisClients = [];
if (values.redis) {
  const { createClient } = await import('redis');
  const { createAdapter } = await import('@socket.io/redis-adapter');
  const pub = createClient({ url: values.redis });
  const sub = pub.duplicate();
  await Promise.all([pub.connect(), sub.connect()]);
  redisClients = [pub, sub];
  io.adapter(createAdapter(pub, sub));
}

io.on('connection', (socket) => {
  const { userId, rooms } = socket.handshake.auth;
  for (const room of rooms) void socket.join(room);
  socket.emit('parley', welcome(userId));
  socket.on('parley', (frame) => {
    const { reply, event } = relayFrame(userId, frame);
    socket.emit('parley', reply);
    if (event) socket.to(event.event.conversationId).emit('parley', event);
  });
});
announce(http);
stopOnSignal(async () => {
  io.close();
  await Promise.all(redisClients.map((client) => client.quit()));
});

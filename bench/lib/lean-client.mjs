// Lean load clients: one `ws` socket per connection, speaking just enough of the engine.io 4 /
// socket.io 5 wire (open, connect with auth, `42["parley",frame]` events, ping/pong) to carry
// Parley frames. The full socket.io-client costs several times more CPU per frame; with the load
// generator pinned to one core it would measure itself instead of the server.
import WebSocket from 'ws';
import { FRAME_EVENT, PROTOCOL_VERSION } from '@parley/protocol';

/**
 * Connects to a socket.io server (Parley or the B2/B4 relays) and resolves once the namespace
 * accepted the handshake. `onFrame` gets every `parley` frame, already JSON-decoded, except the
 * packets `skip(text)` is true for: a seeder that ignores the pushes of what it writes itself
 * would otherwise spend its core decoding them.
 */
export function connectSocketIo(url, { path = '/parley/socket.io', auth, onFrame, skip }) {
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}${path}/?EIO=4&transport=websocket`, { perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    let connected = false;
    const client = {
      ws,
      send: (frame) => ws.send(`42${JSON.stringify([FRAME_EVENT, frame])}`),
      close: () => ws.terminate(),
    };
    ws.on('message', (data) => {
      const text = data.toString();
      switch (text.charCodeAt(0)) {
        case 48: // '0': engine.io open; join the default namespace with the auth payload
          ws.send(`40${JSON.stringify(auth)}`);
          return;
        case 50: // '2': ping
          ws.send('3');
          return;
        case 52: // '4': a socket.io packet
          if (text.startsWith('42')) {
            if (skip?.(text)) return;
            const [event, frame] = JSON.parse(text.slice(2));
            if (event === FRAME_EVENT) onFrame(frame);
          } else if (text.startsWith('40')) {
            connected = true;
            resolve(client);
          } else if (text.startsWith('44')) {
            reject(new Error(`refused: ${text.slice(2)}`));
            ws.terminate();
          }
          return;
        default:
      }
    });
    ws.on('error', (err) => (connected ? undefined : reject(err)));
    ws.on('close', () => (connected ? undefined : reject(new Error('closed during handshake'))));
  });
}

/** Connects to the B1 raw `ws` relay: auth goes in the query, frames are plain JSON text. */
export function connectRawWs(url, { auth, onFrame }) {
  const query = new URLSearchParams({ auth: JSON.stringify(auth) });
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/?${query}`, { perMessageDeflate: false });
  return new Promise((resolve, reject) => {
    ws.on('open', () => resolve({ ws, send: (frame) => ws.send(JSON.stringify(frame)), close: () => ws.terminate() }));
    ws.on('message', (data) => onFrame(JSON.parse(data.toString())));
    ws.on('error', reject);
  });
}

/**
 * A connection to any bench target with request/answer matching by `reqId`.
 * Parley authenticates with a token; the relays take `{ userId, rooms }` (they have no store, so
 * the client says which conversations it is in).
 */
export async function connectTarget(target, { userId, token, deviceId, rooms = [], onFrame = () => {}, skip }) {
  const waiting = new Map();
  const handle = (frame) => {
    if (frame.reqId !== undefined && waiting.has(frame.reqId)) {
      waiting.get(frame.reqId)(frame);
      waiting.delete(frame.reqId);
      return;
    }
    onFrame(frame);
  };
  const auth =
    target.kind === 'parley' ? { token, deviceId: deviceId ?? `${userId}-d`, protocol: PROTOCOL_VERSION } : { userId, rooms };
  const connect = target.kind === 'ws' ? connectRawWs : connectSocketIo;
  const client = await connect(target.url, { auth, onFrame: handle, skip });
  let serial = 0;
  client.request = (frame) =>
    new Promise((resolve) => {
      const reqId = `q${++serial}`;
      waiting.set(reqId, resolve);
      client.send({ ...frame, reqId });
    });
  return client;
}

/** Runs `task(i)` for i in [0, count) with at most `concurrency` in flight. */
export async function pool(count, concurrency, task) {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, count) }, async () => {
      while (next < count) await task(next++);
    }),
  );
}

/** Parley dev tokens for `users`, from the bench server (the relays need none). */
export async function issueTokens(target, users) {
  if (target.kind !== 'parley') return users.map(() => undefined);
  const tokens = [];
  for (let i = 0; i < users.length; i += 1000) {
    const res = await fetch(`${target.url}/bench/tokens`, { method: 'POST', body: JSON.stringify({ users: users.slice(i, i + 1000) }) });
    tokens.push(...(await res.json()));
  }
  return tokens;
}

import { createServer } from 'node:http';
import { createChatServer, createJwtAuthenticator, createMemoryStore } from '@parley/server-sdk';

const server = createServer();
createChatServer({
  server,
  store: createMemoryStore(),
  authenticate: createJwtAuthenticator({
    algorithms: ['HS256'], secret: process.env.JWT_SECRET!, issuer: 'my-app', audience: 'parley',
  }),
});
server.listen(Number(process.env.PORT ?? 8080), () => console.log('chat server ready'));

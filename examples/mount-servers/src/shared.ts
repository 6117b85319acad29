import { createDevAuth, createMemoryStore, type ChatServerOptions } from '@parley/server-sdk';

/** What every example shares: an embedded store and DEVELOPMENT auth (tokens for anyone). */
export function exampleOptions(): Pick<ChatServerOptions, 'store' | 'authenticate'> & { issueToken: (userId: string) => Promise<string> } {
  const dev = createDevAuth();
  return { store: createMemoryStore(), authenticate: dev.authenticate, issueToken: (userId) => dev.issueToken(userId) };
}

/** True when this module is the program being run (not imported by a test). */
export function isMain(moduleUrl: string): boolean {
  return process.argv[1] !== undefined && moduleUrl === new URL(`file://${process.argv[1]}`).href;
}

export interface RunningExample {
  url: string;
  issueToken(userId: string): Promise<string>;
  close(): Promise<void>;
}

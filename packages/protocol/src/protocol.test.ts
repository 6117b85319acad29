import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { toJsonSchema } from '@valibot/to-json-schema';
import {
  ClientFrame,
  ErrorCode,
  HandshakeAuth,
  Limits,
  OLDEST_PROTOCOL_VERSION,
  PROTOCOL_VERSION,
  ParleyError,
  ServerFrame,
  isParleyError,
  isRetryable,
  parseClientFrame,
  parseServerFrame,
} from './index.js';

/** Custom checks have no JSON Schema form: each is named by its message, so changing one changes the hash. */
const asJson = (schema: Parameters<typeof toJsonSchema>[0]) =>
  toJsonSchema(schema, {
    overrideAction: ({ valibotAction, jsonSchema }) =>
      valibotAction.type === 'check' ? { ...jsonSchema, 'x-check': String((valibotAction as { message?: unknown }).message) } : undefined,
    overrideSchema: ({ valibotSchema }) =>
      valibotSchema.type === 'custom' ? { description: `custom: ${String((valibotSchema as { message?: unknown }).message)}` } : undefined,
  });

interface Schemas {
  ClientFrame: typeof ClientFrame;
  ServerFrame: typeof ServerFrame;
  HandshakeAuth: typeof HandshakeAuth;
  Limits: object;
  ErrorCode: object;
}

function schemaHash(schemas: Schemas = { ClientFrame, ServerFrame, HandshakeAuth, Limits, ErrorCode }): string {
  const wire = {
    client: asJson(schemas.ClientFrame),
    server: asJson(schemas.ServerFrame),
    handshake: asJson(schemas.HandshakeAuth),
    limits: schemas.Limits,
    codes: schemas.ErrorCode,
  };
  return createHash('sha256').update(JSON.stringify(wire)).digest('hex').slice(0, 16);
}

/**
 * The schema hash of every version a release of Parley has spoken. A bump adds a line; lines are
 * never edited, so the versions a server still speaks keep the hash their clients were built on.
 */
export const SCHEMA_HASHES: Readonly<Record<number, string>> = {
  2: 'd43380a3312363e1',
  3: '96296d647f198fb0',
  4: '728c54abedfce348',
  5: '10f6cdf5f01a26b9',
  6: '3307be4f207bc6fd',
  7: 'cb41985dabe9cbff',
  8: '63633c8f02dafba2',
  9: '9d7819337eb5eb16',
};

describe('wire compatibility', () => {
  it('changes PROTOCOL_VERSION (and docs/protocol.md) whenever a frame schema changes', () => {
    // If this fails you changed the wire: bump PROTOCOL_VERSION, describe the change in
    // docs/protocol.md, and record the new hash in SCHEMA_HASHES next to the new version.
    expect({ version: PROTOCOL_VERSION, hash: schemaHash() }).toEqual({ version: 9, hash: SCHEMA_HASHES[9] });
  });

  it('keeps the recorded hash of every version the window still speaks, which its release snapshot matches', async () => {
    const releases = new URL('../../../tests/fixtures/releases/', import.meta.url);
    const snapshots = readdirSync(releases).filter((name) => /^protocol-\d+$/.test(name)).map((name) => Number(name.slice(9)));
    for (let version = OLDEST_PROTOCOL_VERSION; version < PROTOCOL_VERSION; version++) expect(snapshots).toContain(version);
    for (const version of snapshots) {
      // The releases' own schemas (made by scripts/snapshot-release.mjs from git history).
      const snapshot = new URL(`protocol-${version}/protocol.mjs`, releases);
      const schemas = (await import(snapshot.href)) as Schemas & { PROTOCOL_VERSION: number };
      expect(schemas.PROTOCOL_VERSION).toBe(version);
      expect(schemaHash(schemas), `schema hash of protocol ${version}`).toBe(SCHEMA_HASHES[version]);
    }
  });

  it('is described by docs/protocol.md at this version and schema hash', () => {
    const doc = readFileSync(new URL('../../../docs/protocol.md', import.meta.url), 'utf8');
    expect(doc).toContain(`Protocol version: **${PROTOCOL_VERSION}**`);
    expect(doc).toContain(`schema hash \`${schemaHash()}\``);
  });
});

const send = {
  type: 'send',
  conversationId: 'c1',
  clientMsgId: '0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b',
  data: { text: 'hello' },
};

describe('parseClientFrame', () => {
  it('accepts a valid send', () => {
    const parsed = parseClientFrame(send);
    expect(parsed).toEqual({ ok: true, frame: send });
  });

  it('rejects unknown frame types and wrong field types with a path', () => {
    expect(parseClientFrame({ type: 'drop_tables' }).ok).toBe(false);
    const parsed = parseClientFrame({ ...send, conversationId: 42 });
    expect(parsed).toMatchObject({ ok: false, message: expect.stringContaining('conversationId') });
  });

  it('rejects text over the limit and empty text', () => {
    expect(parseClientFrame({ ...send, data: { text: 'x'.repeat(Limits.maxTextLength + 1) } }).ok).toBe(false);
    expect(parseClientFrame({ ...send, data: { text: '' } }).ok).toBe(false);
    expect(parseClientFrame({ ...send, data: { text: 'x'.repeat(Limits.maxTextLength) } }).ok).toBe(true);
  });

  it('rejects __proto__ and constructor keys instead of copying them', () => {
    const polluted = JSON.parse(
      '{"type":"send","conversationId":"c1","clientMsgId":"abcdefgh1","data":{"text":"x","__proto__":{"admin":true}}}',
    ) as unknown;
    expect(parseClientFrame(polluted).ok).toBe(false);
    const top = JSON.parse(
      '{"type":"send","conversationId":"c1","clientMsgId":"abcdefgh1","data":{"text":"x"},"__proto__":{"admin":true}}',
    ) as unknown;
    expect(parseClientFrame(top).ok).toBe(false);
    expect(({} as Record<string, unknown>)['admin']).toBeUndefined();
  });

  it('rejects deeply nested input without throwing', () => {
    let deep: unknown = { text: 'x' };
    for (let i = 0; i < 10_000; i++) deep = { data: deep };
    expect(() => parseClientFrame({ ...send, data: deep })).not.toThrow();
    expect(parseClientFrame({ ...send, data: deep }).ok).toBe(false);
  });

  it('rejects ids with unsafe characters and oversized id lists', () => {
    expect(parseClientFrame({ ...send, conversationId: '../etc' }).ok).toBe(false);
    expect(parseClientFrame({ ...send, conversationId: 'a'.repeat(129) }).ok).toBe(false);
    const userIds = Array.from({ length: Limits.maxUserIdsPerRequest + 1 }, (_, i) => `u${i}`);
    expect(parseClientFrame({ type: 'group.create', reqId: 'r1', members: userIds }).ok).toBe(false);
  });

  it('rejects non-objects', () => {
    for (const input of [null, undefined, 'send', 42, [send]]) expect(parseClientFrame(input).ok).toBe(false);
  });
});

describe('parseServerFrame', () => {
  it('accepts an event frame and rejects an event with seq 0', () => {
    const event = {
      id: 'e1',
      conversationId: 'c1',
      seq: 1,
      senderId: 'alice',
      ts: 1,
      kind: 'message',
      clientMsgId: 'abcdefgh1',
      data: { text: 'hi' },
    };
    expect(parseServerFrame({ type: 'event', event }).ok).toBe(true);
    expect(parseServerFrame({ type: 'event', event: { ...event, seq: 0 } }).ok).toBe(false);
  });
});

describe('error codes', () => {
  it('gives each range its retry meaning', () => {
    expect(isRetryable(ErrorCode.BAD_FRAME)).toBe(false);
    expect(isRetryable(ErrorCode.NOT_FOUND)).toBe(false);
    expect(isRetryable(ErrorCode.RATE_LIMITED)).toBe(true);
    expect(isRetryable(ErrorCode.INTERNAL)).toBe(true);
    expect(isRetryable(ErrorCode.UNAVAILABLE)).toBe(true);
  });

  it('reads errors off the wire without casting: known codes as they are, unknown ones by range', () => {
    expect(ParleyError.fromWire({ code: 4040, message: 'conversation not found' })).toMatchObject({
      code: ErrorCode.NOT_FOUND, message: 'conversation not found', retryable: false,
    });
    expect(ParleyError.fromWire({ code: 5999, message: 'new failure' })).toMatchObject({ code: ErrorCode.INTERNAL, retryable: true });
    expect(ParleyError.fromWire({ code: 4299, message: 'slow' })).toMatchObject({ code: ErrorCode.RATE_LIMITED, retryable: true });
    const unknown = ParleyError.fromWire({ code: 4999, message: 'new rule' });
    expect(unknown).toMatchObject({ code: ErrorCode.BAD_FRAME, retryable: false, message: 'new rule (code 4999)' });
    expect(unknown.cause).toEqual({ code: 4999, message: 'new rule' });
  });

  it('normalizes unknown errors into ParleyError with a cause', () => {
    const cause = new TypeError('boom');
    const err = ParleyError.from(cause);
    expect(isParleyError(err)).toBe(true);
    expect(err.code).toBe(ErrorCode.INTERNAL);
    expect(err.cause).toBe(cause);
    expect(ParleyError.from(err)).toBe(err);
    expect(String(new ParleyError(ErrorCode.NOT_FOUND, 'gone'))).toBe('NOT_FOUND(4040): gone');
  });
});

import fc from 'fast-check';
import { ClientFrame, FRAME_EVENT, Limits } from '@parley/protocol';
import { validArbitrary, type FieldHints, type SchemaNode } from './schema-arbitrary.js';

/** Keys that pollute prototypes when a server merges input into objects. */
export const POLLUTING_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty'] as const;

/** Built with JSON.parse so `__proto__` is an own key, as it is when a socket frame is decoded. */
const pollutingObject = fc
  .tuple(fc.constantFrom(...POLLUTING_KEYS), fc.jsonValue({ maxDepth: 1 }))
  .map(([key, value]) => JSON.parse(`{${JSON.stringify(key)}:${JSON.stringify(value) ?? 'null'},"polluted":true}`) as unknown);

/** Nested arrays or objects `depth` levels deep. */
export const deepNesting = fc
  .tuple(fc.integer({ min: 20, max: 2000 }), fc.boolean())
  .map(([depth, asArray]) => {
    let value: unknown = 'bottom';
    for (let i = 0; i < depth; i++) value = asArray ? [value] : { a: value };
    return value;
  });

/** Strings around and past the size limits: long texts, frames over maxFrameBytes, lone surrogates. */
export const hugeString = fc.oneof(
  fc.constantFrom(Limits.maxIdLength + 1, Limits.maxTextLength + 1, Limits.maxFrameBytes + 1, 150_000).map((n) => 'x'.repeat(n)),
  fc.integer({ min: 1, max: 20_000 }).map((n) => '\uD800'.repeat(n)),
  fc.integer({ min: 1, max: 20_000 }).map((n) => '😀'.repeat(n)),
);

/** Numbers a JSON schema trips on: NaN and ±Infinity (null on the wire), -0, floats, unsafe integers. */
const oddNumber = fc.constantFrom(NaN, Infinity, -Infinity, -0, 0.5, -1, 1e308, -1e308, 2 ** 53, 2 ** 64, Number.MIN_VALUE);

/** Binary attachments: socket.io sends these as separate binary packets. */
const binary = fc.uint8Array({ maxLength: 2048 }).map((bytes) => Buffer.from(bytes));

/** Any wrong value for a field. */
export const nastyValue: fc.Arbitrary<unknown> = fc.oneof(
  { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 4 },
  { arbitrary: oddNumber, weight: 2 },
  { arbitrary: fc.string({ unit: 'binary', maxLength: 40 }), weight: 2 },
  { arbitrary: hugeString, weight: 1 },
  { arbitrary: deepNesting, weight: 1 },
  { arbitrary: pollutingObject, weight: 1 },
  { arbitrary: binary, weight: 1 },
  { arbitrary: fc.constantFrom(null, true, false, '', [], {}), weight: 2 },
);

type Frame = Record<string, unknown>;

/** One change to a valid frame that should make the server refuse it. */
const mutation: fc.Arbitrary<(frame: Frame) => unknown> = fc.oneof(
  fc.nat().map((i) => (frame: Frame) => {
    const keys = Object.keys(frame);
    const copy = { ...frame };
    delete copy[keys[i % keys.length]!];
    return copy;
  }),
  fc.tuple(fc.nat(), nastyValue).map(([i, value]) => (frame: Frame) => {
    const keys = Object.keys(frame);
    return { ...frame, [keys[i % keys.length]!]: value };
  }),
  fc.tuple(fc.oneof(fc.constantFrom(...POLLUTING_KEYS), fc.string({ maxLength: 12 })), nastyValue).map(([key, value]) => (frame: Frame) => {
    const copy: Frame = JSON.parse(JSON.stringify(frame)) as Frame;
    Object.defineProperty(copy, key, { value, enumerable: true, configurable: true, writable: true });
    return copy;
  }),
  fc.string({ maxLength: 20 }).map((type) => (frame: Frame) => ({ ...frame, type })),
  nastyValue.map((value) => () => value),
);

/**
 * What a client might put on the socket: valid frames (by the protocol schema, with ids biased to
 * real ones through `hints`), and valid frames with one to three mutations.
 */
export function clientFrameInput(hints: FieldHints): fc.Arbitrary<unknown> {
  return validOrMutated(ClientFrame as unknown as SchemaNode, hints);
}

/** Values a schema accepts (1 in 4) and the same with one to three mutations (3 in 4). */
export function validOrMutated(schema: SchemaNode, hints: FieldHints): fc.Arbitrary<unknown> {
  const valid = validArbitrary(schema, hints) as fc.Arbitrary<Frame>;
  const mutated = fc.tuple(valid, fc.array(mutation, { minLength: 1, maxLength: 3 })).map(([frame, steps]) => {
    let value: unknown = frame;
    for (const step of steps) value = typeof value === 'object' && value !== null && !Array.isArray(value) ? step(value as Frame) : step({});
    return value;
  });
  return fc.oneof({ arbitrary: valid, weight: 1 }, { arbitrary: mutated, weight: 3 });
}

/** socket.io reserves these: its client refuses to emit them, so the fuzzer never picks them. */
const RESERVED = new Set(['connect', 'connect_error', 'disconnect', 'disconnecting', 'newListener', 'removeListener']);

/** The event name (mostly the protocol's own) and any extra arguments a packet carries. */
export const emission = fc.record({
  event: fc.oneof(
    { arbitrary: fc.constant(FRAME_EVENT), weight: 8 },
    { arbitrary: fc.string({ minLength: 1, maxLength: 30 }).filter((e) => !RESERVED.has(e)), weight: 1 },
  ),
  // Small values only: huge extra arguments would pass the transport's 1 MB cap, which closes the connection by design.
  extraArgs: fc.oneof({ arbitrary: fc.constant([]), weight: 6 }, { arbitrary: fc.array(fc.oneof(fc.jsonValue({ maxDepth: 2 }), binary, oddNumber), { maxLength: 8 }), weight: 1 }),
});

import fc from 'fast-check';

/**
 * The parts of a valibot schema this walker reads. Walking the protocol's own runtime schemas
 * (instead of restating them) keeps the fuzzer in step with the wire: a new frame or field is
 * generated the day it is added.
 */
export interface SchemaNode {
  kind: string;
  type: string;
  entries?: Record<string, SchemaNode>;
  item?: SchemaNode;
  wrapped?: SchemaNode;
  options?: readonly unknown[];
  literal?: unknown;
  pipe?: readonly SchemaNode[];
  requirement?: unknown;
}

/** Ids the fuzzer should reuse by field name, so valid frames reach real conversations and users. */
export type FieldHints = Record<string, fc.Arbitrary<unknown>>;

interface Constraints {
  minLength?: number;
  maxLength?: number;
  min?: number;
  max?: number;
  integer?: boolean;
  regex?: RegExp;
}

function constraintsOf(node: SchemaNode, into: Constraints = {}): Constraints {
  for (const step of node.pipe ?? []) {
    if (step === node) continue;
    if (step.kind === 'schema') constraintsOf(step, into);
    const r = step.requirement;
    if (step.type === 'min_length' && typeof r === 'number') into.minLength = Math.max(into.minLength ?? 0, r);
    if (step.type === 'max_length' && typeof r === 'number') into.maxLength = Math.min(into.maxLength ?? Infinity, r);
    if (step.type === 'min_value' && typeof r === 'number') into.min = Math.max(into.min ?? -Infinity, r);
    if (step.type === 'max_value' && typeof r === 'number') into.max = Math.min(into.max ?? Infinity, r);
    if (step.type === 'integer') into.integer = true;
    if (step.type === 'regex' && r instanceof RegExp) into.regex = r;
  }
  return into;
}

function stringArbitrary(c: Constraints): fc.Arbitrary<string> {
  const minLength = c.minLength ?? 0;
  // Generated values stay small; the mutators make the huge ones on purpose.
  const maxLength = Math.min(c.maxLength ?? 64, 64);
  if (c.regex) {
    const regex = c.regex;
    const max = c.maxLength ?? Infinity;
    // Short matches are repeated up to the minimum length (a repeated id is still an id), never
    // filtered away: a filter that rarely passes makes fast-check spin.
    return fc
      .stringMatching(regex, { size: 'small' })
      .map((s) => (s.length > 0 && s.length < minLength ? s.repeat(Math.ceil(minLength / s.length)) : s).slice(0, max))
      .filter((s) => s.length >= minLength && regex.test(s));
  }
  // 'binary' units include lone surrogates; 'grapheme' ones include emoji and combining marks.
  return fc.oneof(fc.string({ unit: 'grapheme', minLength, maxLength }), fc.string({ unit: 'binary', minLength, maxLength })).filter(
    (s) => s.length >= minLength && s.length <= maxLength,
  );
}

function numberArbitrary(c: Constraints): fc.Arbitrary<number> {
  const min = Math.max(c.min ?? -1e6, Number.MIN_SAFE_INTEGER);
  const max = Math.min(c.max ?? 1e6, Number.MAX_SAFE_INTEGER);
  if (c.integer) return fc.oneof(fc.integer({ min, max: Math.min(max, min + 50) }), fc.integer({ min, max }));
  return fc.double({ min, max, noNaN: true });
}

/** An arbitrary of values the schema accepts. */
export function validArbitrary(node: SchemaNode, hints: FieldHints = {}, key = ''): fc.Arbitrary<unknown> {
  const hinted = hints[key];
  if (hinted && node.type !== 'optional' && node.type !== 'nullable') return fc.oneof(hinted, validArbitrary(node, {}, ''));
  const c = constraintsOf(node);
  switch (node.type) {
    case 'string':
      return stringArbitrary(c);
    case 'number':
      return numberArbitrary(c);
    case 'boolean':
      return fc.boolean();
    case 'literal':
      return fc.constant(node.literal);
    case 'picklist':
      return fc.constantFrom(...(node.options ?? []));
    case 'optional':
      return validArbitrary(node.wrapped!, hints, key);
    case 'nullable':
      return fc.option(validArbitrary(node.wrapped!, hints, key), { nil: null });
    case 'array':
      return fc.array(validArbitrary(node.item!, hints, key), { minLength: c.minLength ?? 0, maxLength: Math.min(c.maxLength ?? 4, 4) });
    case 'variant':
      return fc.oneof(...(node.options as SchemaNode[]).map((option) => validArbitrary(option, hints)));
    case 'union':
      return fc.oneof(...(node.options as SchemaNode[]).map((option) => validArbitrary(option, hints, key)));
    case 'object':
    case 'strict_object': {
      const entries = Object.entries(node.entries ?? {});
      const model = Object.fromEntries(entries.map(([name, child]) => [name, validArbitrary(child, hints, name)]));
      const requiredKeys = entries.filter(([, child]) => child.type !== 'optional').map(([name]) => name);
      return fc.record(model, { requiredKeys });
    }
    case 'custom': {
      // The protocol's one custom schema is app data (`CustomData`): small plain-JSON objects,
      // kept to what its own check accepts.
      const accepts = (node as unknown as { check: (value: unknown) => boolean }).check;
      return fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 4 }).filter((value) => accepts(value));
    }
    default:
      throw new Error(`schema-arbitrary: no generator for valibot type '${node.type}'; teach tests/fuzz/schema-arbitrary.ts`);
  }
}

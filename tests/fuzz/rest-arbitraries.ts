import fc from 'fast-check';
import { nastyValue } from './arbitraries.js';

/** encodeURIComponent throws on lone surrogates; a UTF-8 round trip makes any string well formed first. */
const encode = (s: string) => encodeURIComponent(Buffer.from(s, 'utf8').toString('utf8'));

export interface RestInput {
  method: string;
  target: string;
  headers: [string, string][];
  body: string;
  /** The client goes away in the middle of the body. */
  truncated: boolean;
}

/** What the fuzzer knows of the server: a real token and conversation, to get past the front door. */
export interface RestKnowledge {
  token: string;
  conversationId: string;
}

/** Path segments: ids, the broken percent-encodings of the bug report, traversal, unicode. */
const segment = (known: RestKnowledge) =>
  fc.oneof(
    fc.constant(known.conversationId),
    fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._:@-]{0,20}$/),
    fc.constantFrom('%', '%%', '%zz', '%E0%A4%A', '%C0%AF', '%ED%A0%80', '%00', '%2e%2e', '%2F', '..', '.', '', '%25', '%u0041'),
    fc.string({ unit: 'grapheme', maxLength: 12 }).map(encode),
    fc.string({ unit: fc.constantFrom(...'%/.-_~:@!$&\'()*+,;=aZ09'), maxLength: 12 }),
  );

const path = (known: RestKnowledge) =>
  fc.oneof(
    fc.constantFrom('/healthz', '/readyz', '/metrics', '/api/dev/token', '/api/conversations', '/api/conversations/', '/api', '/api/', '/'),
    fc.constantFrom('/index.html', '/assets/app-1234.js', '/assets/missing.js', '/chat/route', '/parley/socket.io/', '*'),
    segment(known).map((id) => `/api/conversations/${id}/messages`),
    fc.tuple(fc.constantFrom('', '/api', '/api/conversations', '/assets'), fc.array(segment(known), { maxLength: 5 })).map(
      ([prefix, parts]) => `${prefix}/${parts.join('/')}`,
    ),
    fc.webUrl().map((url) => url), // absolute-form request targets
  );

const queryValue = fc.oneof(
  fc.integer({ min: -5, max: 300 }).map(String),
  fc.constantFrom('', '%', '1e3', '0x10', 'NaN', '-0', '9'.repeat(20), '1.5', '%zz', '%00'),
  nastyValue.map((v) => encode(String(JSON.stringify(v)).slice(0, 200))),
);

const query = fc.oneof(
  fc.constant(''),
  fc.constantFrom('?', '?%', '?&&', '?=', '?before=%', '?limit=%E0%A4%A'),
  fc
    .array(fc.tuple(fc.constantFrom('before', 'after', 'limit', '__proto__', 'x', '%'), queryValue), { maxLength: 4 })
    .map((pairs) => `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`),
);

/** Header values that stay on one line (the HTTP parser rejects the rest, which is covered too). */
const headerText = fc.string({ unit: fc.constantFrom(...'abcXYZ019 =.;,:/+"%\t-_~!'), maxLength: 40 });

const authorization = (known: RestKnowledge) =>
  fc.oneof(
    fc.constant(null),
    fc.constant(`Bearer ${known.token}`),
    headerText.map((t) => `Bearer ${t}`),
    fc.constantFrom('Bearer', 'Bearer ', 'Basic YWxpY2U6cHc=', `bearer ${known.token}`, `Bearer ${'a'.repeat(9000)}`),
    fc.tuple(fc.base64String(), fc.base64String()).map(([a, b]) => `Bearer eyJhbGciOiJIUzI1NiJ9.${a}.${b}`),
  );

export function restInput(known: RestKnowledge): fc.Arbitrary<RestInput> {
  return fc.oneof({ arbitrary: anyRequest(known), weight: 4 }, { arbitrary: upload(known), weight: 1 });
}

/** Bodies sent to the routes that read one (and to those that do not), often cut short. */
function upload(known: RestKnowledge): fc.Arbitrary<RestInput> {
  return fc
    .tuple(anyRequest(known), fc.constantFrom('/api/dev/token', '/api/conversations', '/healthz', '/index.html'), fc.boolean())
    .map(([input, target, truncated]) => ({ ...input, method: 'POST', target, truncated }));
}

function anyRequest(known: RestKnowledge): fc.Arbitrary<RestInput> {
  return fc.record({
    method: fc.oneof(
      { arbitrary: fc.constantFrom('GET', 'HEAD'), weight: 6 },
      { arbitrary: fc.constantFrom('POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'CONNECT', 'BREW'), weight: 2 },
    ),
    target: fc.tuple(path(known), query).map(([p, q]) => p + q),
    headers: fc
      .tuple(
        authorization(known),
        fc.array(fc.tuple(fc.constantFrom('Content-Type', 'Accept', 'Origin', 'X-Forwarded-For', 'Cookie', 'X-Fuzz'), headerText), { maxLength: 3 }),
      )
      .map(([auth, rest]) => (auth === null ? rest : [['Authorization', auth] as [string, string], ...rest])),
    body: fc.oneof(
      fc.constant(''),
      nastyValue.map((userId) => JSON.stringify({ userId }) ?? ''),
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.constant('x'.repeat(10_000)),
    ),
    truncated: fc.oneof({ arbitrary: fc.constant(false), weight: 9 }, { arbitrary: fc.constant(true), weight: 1 }),
  });
}

import { describe, expect, it } from 'vitest';
import { isWellFormedText } from './primitives.js';
import { parseClientFrame, peekString } from './parse.js';

describe('well-formed UTF-16 everywhere', () => {
  it('tells lone surrogates from pairs', () => {
    expect(isWellFormedText('hi 👋 𝔸')).toBe(true);
    expect(isWellFormedText('\uD83D')).toBe(false);
    expect(isWellFormedText('\uDE00\uD83D')).toBe(false);
    expect(isWellFormedText('x\uDFFF')).toBe(false);
  });

  it('refuses a frame with a lone surrogate in a title or a text, accepts emoji', () => {
    const group = (title: string) => parseClientFrame({ type: 'group.create', reqId: 'r1', title, members: ['bob'] });
    expect(group('team \uD83D').ok).toBe(false);
    expect(group('team 🚀').ok).toBe(true);
    const send = (text: string) => parseClientFrame({ type: 'send', conversationId: 'c1', clientMsgId: 'cmid-0001', data: { text } });
    expect(send('\uDC00').ok).toBe(false);
    expect(send('👍🏿').ok).toBe(true);
  });

  it('keeps its own error messages and echoed request ids well-formed', () => {
    const parsed = parseClientFrame({ type: 'sync', reqId: 'r1', cursors: [], ['\uD800bad']: 1 });
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(isWellFormedText(parsed.message)).toBe(true);
    expect(peekString({ reqId: 'r\uD800' }, 'reqId')).toBeUndefined();
  });
});

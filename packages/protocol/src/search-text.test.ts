import { describe, expect, it } from 'vitest';
import { matchSearch, parseSearchQuery, searchScore, searchSnippet, searchTokenText } from './search-text.js';

const hits = (text: string, query: string) => matchSearch(text, parseSearchQuery(query)) !== null;
const marked = (text: string, query: string) => {
  const ranges = matchSearch(text, parseSearchQuery(query));
  if (!ranges) return null;
  let out = '';
  let at = 0;
  for (const [a, b] of ranges) {
    out += `${text.slice(at, a)}[${text.slice(a, b)}]`;
    at = b;
  }
  return out + text.slice(at);
};

describe('search text', () => {
  it('folds case and accents and cuts words at punctuation', () => {
    expect(searchTokenText('Crème brûlée, SVP! naïve_café 42')).toBe('creme brulee svp naive cafe 42');
    expect(hits('Crème brûlée', 'creme')).toBe(true);
    expect(hits('creme brulee', 'Crème')).toBe(true);
  });

  it('matches words by their start, every term of the query', () => {
    expect(marked('The meeting is at noon', 'mee noon')).toBe('The [mee]ting is at [noon]');
    expect(hits('The meeting is at noon', 'meeting lunch')).toBe(false);
    expect(hits('homeowner', 'owner')).toBe(false);
  });

  it('matches quoted phrases whole and in order', () => {
    expect(hits('see you at the station tomorrow', '"the station"')).toBe(true);
    expect(hits('the big station', '"the station"')).toBe(false);
    expect(hits('station the', '"the station"')).toBe(false);
    expect(marked('meet at the station', '"the station"')).toBe('meet at [the station]');
  });

  it('matches Chinese, Japanese and Thai inside runs without spaces', () => {
    expect(marked('我们明天在东京见面', '东京')).toBe('我们明天在[东京]见面');
    expect(hits('我们明天在东京见面', '京东')).toBe(false);
    expect(hits('東京都に行きます', '東京')).toBe(true);
    expect(hits('カタカナのテスト', 'テスト')).toBe(true);
    expect(hits('สวัสดีครับ', 'สวัสดี')).toBe(true);
    expect(hits('Meeting in 東京 tomorrow', 'meet 東京')).toBe(true);
  });

  it('has no terms for a query of punctuation or emoji, and matches nothing with none', () => {
    expect(parseSearchQuery('?!  🎉 ...')).toEqual([]);
    expect(matchSearch('anything', [])).toBeNull();
  });

  it('keeps a repeated term once', () => {
    expect(parseSearchQuery('hi HI hi')).toEqual([{ tokens: ['hi'], prefix: true }]);
  });

  it('cuts a snippet around the first match with the highlights moved into it', () => {
    const text = `${'lorem ipsum '.repeat(30)}the needle is here${' dolor sit'.repeat(30)}`;
    const ranges = matchSearch(text, parseSearchQuery('needle'))!;
    const { snippet, highlights } = searchSnippet(text, ranges, 80);
    expect(snippet.startsWith('…')).toBe(true);
    expect(snippet.endsWith('…')).toBe(true);
    expect(snippet.length).toBeLessThanOrEqual(82);
    expect(highlights).toHaveLength(1);
    expect(snippet.slice(highlights[0]![0], highlights[0]![1])).toBe('needle');
  });

  it('never cuts a snippet inside a surrogate pair', () => {
    const text = `${'😀'.repeat(100)} needle ${'😀'.repeat(100)}`;
    const { snippet } = searchSnippet(text, matchSearch(text, parseSearchQuery('needle'))!, 41);
    expect(snippet.replace(/…/g, '')).toMatch(/^(?:[\uD800-\uDBFF][\uDC00-\uDFFF]|[^\uD800-\uDFFF])*$/);
  });

  it('scores whole words above prefixes and short texts above long ones', () => {
    const terms = parseSearchQuery('plan');
    expect(searchScore('the plan', terms)).toBeGreaterThan(searchScore('the planet', terms));
    expect(searchScore('plan', terms)).toBeGreaterThan(searchScore(`plan ${'word '.repeat(40)}`, terms));
  });
});

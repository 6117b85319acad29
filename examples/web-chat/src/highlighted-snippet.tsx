type Range = readonly [number, number];

/**
 * A search hit's snippet with the parts that matched in `<mark>`. The highlights are ranges into
 * the text, never markup: each piece is a React text node, so nothing a message says is HTML.
 * Ranges out of order, overlapping or past the end are clipped, never trusted.
 */
export function HighlightedSnippet({ snippet, highlights }: { snippet: string; highlights: readonly Range[] }) {
  const parts: Array<{ text: string; marked: boolean }> = [];
  let at = 0;
  for (const [start, end] of [...highlights].sort((a, b) => a[0] - b[0])) {
    const from = Math.max(start, at);
    const to = Math.min(end, snippet.length);
    if (from >= to) continue;
    if (from > at) parts.push({ text: snippet.slice(at, from), marked: false });
    parts.push({ text: snippet.slice(from, to), marked: true });
    at = to;
  }
  if (at < snippet.length) parts.push({ text: snippet.slice(at), marked: false });
  return (
    <span className="snippet" data-testid="snippet">
      {parts.map((part, i) => (part.marked ? <mark key={i}>{part.text}</mark> : part.text))}
    </span>
  );
}

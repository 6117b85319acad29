/**
 * The message actions' icons, drawn rather than typed: an emoji or symbol font may be missing
 * (headless browsers, some Linux desktops), a path never is. Decorative: the buttons carry the names.
 */
const PATHS = {
  reply: 'M6.5 4 2.5 8l4 4M3 8h6.5a4 4 0 0 1 4 4v.5',
  thread: 'M2.5 3.5h8v5.5h-4l-2.5 2v-2h-1.5zM10.5 6h3v5.5H12v2L9.5 11.5h-3',
  react: 'M8 14.5a6.5 6.5 0 1 0 0-13 6.5 6.5 0 0 0 0 13zM5.5 9.5a3 3 0 0 0 5 0M6 6.2v.1M10 6.2v.1',
  edit: 'M10.5 2.5l3 3-8 8H2.5v-3zM9 4l3 3',
  delete: 'M2.5 4.5h11M6 4.5V3h4v1.5M4 4.5l.7 9h6.6l.7-9M6.8 7v4.5M9.2 7v4.5',
  report: 'M3.5 14.5v-12M3.5 2.5h8l-1.5 3 1.5 3h-8',
  muted: 'M4 11.5V7a4 4 0 0 1 6.5-3.1M12 6.5v5h-9.5M6.5 13.5h3M2 2l12 12',
  more: 'M3.5 8h.1M8 8h.1M12.5 8h.1',
  attach: 'M13 7.5 8 12.5a3.2 3.2 0 0 1-4.5-4.5l5.3-5.3a2.1 2.1 0 0 1 3 3L6.6 10.9a1 1 0 0 1-1.5-1.5L10 4.5',
  file: 'M4 1.5h5l3.5 3.5v9.5H4zM9 1.5V5h3.5',
  download: 'M8 2v8.5M4.5 7 8 10.5 11.5 7M3 13.5h10',
  search: 'M7 12a5 5 0 1 0 0-10 5 5 0 0 0 0 10zM10.6 10.6 14 14',
} as const;

export type IconName = keyof typeof PATHS;

export function Icon({ name, size = 15 }: { name: IconName; size?: number }) {
  return (
    <svg viewBox="0 0 16 16" width={size} height={size} aria-hidden="true" focusable="false">
      <path d={PATHS[name]} fill="none" stroke="currentColor" strokeWidth={name === 'more' ? 2.4 : 1.4} strokeLinecap="round" strokeLinejoin="round" />
    </svg>
  );
}

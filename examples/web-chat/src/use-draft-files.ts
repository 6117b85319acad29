import { useCallback, useMemo, useRef, useState } from 'react';

/** A file chosen for the next message (picked, dropped or pasted), not sent yet. */
export interface DraftFile {
  readonly key: number;
  readonly file: File;
}

export interface DraftFiles {
  readonly list: readonly DraftFile[];
  add(files: Iterable<File>): void;
  remove(key: number): void;
  /** Takes out the files a message was sent with; files added meanwhile stay for the next one. */
  sent(files: readonly DraftFile[]): void;
}

/**
 * The files waiting in a composer. They live with the conversation screen (or a thread panel),
 * not in the composer, because a file dropped anywhere on the conversation lands here too.
 */
export function useDraftFiles(): DraftFiles {
  const [list, setList] = useState<readonly DraftFile[]>([]);
  const next = useRef(0);
  const add = useCallback((files: Iterable<File>) => {
    const added = [...files].map((file) => ({ key: next.current++, file }));
    if (added.length > 0) setList((current) => [...current, ...added]);
  }, []);
  const remove = useCallback((key: number) => setList((current) => current.filter((f) => f.key !== key)), []);
  const sent = useCallback((files: readonly DraftFile[]) => setList((current) => current.filter((f) => !files.includes(f))), []);
  return useMemo(() => ({ list, add, remove, sent }), [list, add, remove, sent]);
}

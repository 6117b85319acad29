import { useCallback, type RefObject } from 'react';
import { useDraftFiles, type DraftFiles } from './use-draft-files.js';
import { useFileDrop, type FileDrop } from './drop-zone.js';
import { useTakesFiles } from './use-file-limits.js';

export interface ComposerFiles {
  files: DraftFiles;
  /** Whether the server takes files at all. */
  takesFiles: boolean;
  /** Spread `drop.handlers` on the area files may be dropped on; `drop.over` while they are dragged over it. */
  drop: FileDrop;
}

/**
 * The files of one composer (the conversation's, or a thread's), and the area around it that
 * takes dropped files. A drop puts the focus in the composer, to write a line and press Enter.
 */
export function useComposerFiles(input: RefObject<HTMLTextAreaElement | null>, enabled = true): ComposerFiles {
  const files = useDraftFiles();
  const takesFiles = useTakesFiles();
  const { add } = files;
  const onDrop = useCallback(
    (dropped: File[]) => {
      add(dropped);
      input.current?.focus();
    },
    [add, input],
  );
  const drop = useFileDrop(takesFiles && enabled ? onDrop : undefined);
  return { files, takesFiles, drop };
}

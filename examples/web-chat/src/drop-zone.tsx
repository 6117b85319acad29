import { useMemo, useRef, useState, type DragEvent } from 'react';

const carriesFiles = (event: DragEvent) => event.dataTransfer.types.includes('Files');

type DropHandlers = Partial<Record<'onDragEnter' | 'onDragOver' | 'onDragLeave' | 'onDrop', (e: DragEvent) => void>>;

export interface FileDrop {
  /** Files are being dragged over the area: show `DropOverlay`. */
  readonly over: boolean;
  /** Spread on the element files may be dropped on (the conversation, a thread). */
  readonly handlers: DropHandlers;
}

/**
 * Makes an area take dropped files (`onFiles`; undefined: this area takes none). Dragged text and
 * links are left to the browser; only files are caught, so none opens in place of the app.
 */
export function useFileDrop(onFiles: ((files: File[]) => void) | undefined): FileDrop {
  const [over, setOver] = useState(false);
  // dragenter/dragleave fire for every child crossed: counting them tells when the pointer left.
  const depth = useRef(0);
  const handlers = useMemo((): DropHandlers => {
    if (!onFiles) return {};
    const leave = () => {
      depth.current = 0;
      setOver(false);
    };
    return {
      onDragEnter(e: DragEvent) {
        if (!carriesFiles(e)) return;
        e.preventDefault();
        depth.current += 1;
        setOver(true);
      },
      onDragOver(e: DragEvent) {
        if (!carriesFiles(e)) return;
        e.preventDefault();
        e.dataTransfer.dropEffect = 'copy';
      },
      onDragLeave(e: DragEvent) {
        if (!carriesFiles(e)) return;
        depth.current -= 1;
        if (depth.current <= 0) leave();
      },
      onDrop(e: DragEvent) {
        if (!carriesFiles(e)) return;
        e.preventDefault();
        leave();
        onFiles([...e.dataTransfer.files]);
      },
    };
  }, [onFiles]);
  return { over: over && onFiles !== undefined, handlers };
}

/** Over the area while files are dragged across it: says where they will go. */
export function DropOverlay() {
  return (
    <div className="drop-overlay" data-testid="drop-overlay" aria-hidden="true">
      <span>Drop files to add them to your message</span>
    </div>
  );
}

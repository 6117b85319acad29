import type { UploadProgress as Progress } from '@parley/client-sdk';
import { humanSize } from './file-kinds.js';

/** How far a pending file's upload got: a bar, and the bytes for screen readers and tooltips. */
export function UploadProgress({ name, progress }: { name: string; progress: Progress }) {
  const said = `${humanSize(progress.loaded)} of ${humanSize(progress.total)}`;
  return (
    <progress
      className="upload-progress"
      data-testid="upload-progress"
      max={progress.total}
      value={progress.loaded}
      aria-label={`Uploading ${name}`}
      aria-valuetext={said}
      title={said}
    />
  );
}

/** Whether a file of a pending message still has bytes to send (a failed message's wait for nothing). */
export const uploading = (pending: boolean, progress: Progress | undefined): progress is Progress =>
  pending && progress !== undefined && progress.loaded < progress.total;

import type { AttachmentView } from '@parley/client-sdk';
import { useAttachmentUrl } from '@parley/client-sdk/react';
import { Icon } from './icons.js';
import { humanSize, kindOf } from './file-kinds.js';
import { UploadProgress, uploading } from './upload-progress.js';

/**
 * A file that is not shown inline (a PDF, a document), or the line under a player: its name,
 * size and a download link (a signed URL; the file saves under its own name). Audio and video
 * get a player above the chip.
 */
export function FileChip({ conversationId, attachment, pending }: { conversationId: string; attachment: AttachmentView; pending: boolean }) {
  const { url } = useAttachmentUrl(conversationId, attachment);
  const kind = kindOf(attachment.mimeType);
  const progress = uploading(pending, attachment.progress) ? attachment.progress : undefined;
  return (
    <div className={`file-attachment ${kind}`}>
      {url && kind === 'audio' && <audio className="media-player" src={url} controls preload="metadata" aria-label={attachment.name} />}
      {url && kind === 'video' && (
        <video className="media-player" src={url} controls preload="metadata" width={attachment.width} height={attachment.height} aria-label={attachment.name} />
      )}
      <div className="file-chip" data-testid="file-chip">
        <span className="file-icon"><Icon name="file" size={18} /></span>
        <span className="file-chip-text">
          <span className="file-name" title={attachment.name}>{attachment.name}</span>
          {progress ? <UploadProgress name={attachment.name} progress={progress} /> : <span className="file-size">{humanSize(attachment.size)}</span>}
        </span>
        {url && !progress && (
          <a className="download" href={url} download={attachment.name} aria-label={`Download ${attachment.name}`} title="Download" data-testid="download">
            <Icon name="download" size={18} />
          </a>
        )}
      </div>
    </div>
  );
}

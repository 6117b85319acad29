import { useState } from 'react';
import { createPortal } from 'react-dom';
import type { MessageView } from '@parley/client-sdk';
import { AttachmentImage } from './attachment-image.js';
import { FileChip } from './file-chip.js';
import { ImageViewer } from './image-viewer.js';
import { kindOf } from './file-kinds.js';
import { uploading } from './upload-progress.js';

type AttachmentListProps = {
  message: MessageView;
  /** Cancels a message whose files are still uploading (`chat.discard`). */
  onCancel: () => void;
};

/** A message's files: images to look at (a click opens the viewer), players, chips to download. */
export function AttachmentList({ message, onCancel }: AttachmentListProps) {
  // Which image the viewer shows, by place: the same file as it goes from pending to stored.
  const [viewing, setViewing] = useState<number | null>(null);
  const files = message.attachments;
  if (!files || files.length === 0) return null;
  const images = files.filter((f) => kindOf(f.mimeType) === 'image');
  const others = files.filter((f) => kindOf(f.mimeType) !== 'image');
  const pending = message.status === 'pending';
  const cancellable = files.some((f) => uploading(pending, f.progress));
  return (
    <div className="attachments" data-testid="attachments">
      {images.length > 0 && (
        <div className={`attachment-images ${images.length > 1 ? 'several' : ''}`}>
          {/* Keyed by place: a file keeps its element (and its loaded image) when its message is stored. */}
          {images.map((file, i) => (
            <AttachmentImage key={i} conversationId={message.conversationId} attachment={file} pending={pending} onOpen={() => setViewing(i)} />
          ))}
        </div>
      )}
      {others.map((file, i) => (
        <FileChip key={i} conversationId={message.conversationId} attachment={file} pending={pending} />
      ))}
      {cancellable && (
        <button type="button" className="link cancel-upload" onClick={onCancel}>Cancel sending</button>
      )}
      {viewing !== null && images[viewing] &&
        createPortal(<ImageViewer conversationId={message.conversationId} attachment={images[viewing]} onClose={() => setViewing(null)} />, document.body)}
    </div>
  );
}

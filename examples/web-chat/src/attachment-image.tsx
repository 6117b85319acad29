import { useState } from 'react';
import type { AttachmentView } from '@parley/client-sdk';
import { useAttachmentUrl } from '@parley/client-sdk/react';
import { imageBox } from './file-kinds.js';
import { UploadProgress, uploading } from './upload-progress.js';

type AttachmentImageProps = {
  conversationId: string;
  attachment: AttachmentView;
  /** Its message is pending: show how far the upload got. */
  pending: boolean;
  onOpen: () => void;
};

/**
 * An image in a bubble: its box reserved at the image's shape, the tiny preview the message
 * carries shown blurred until the image itself has loaded (from this device while pending, then
 * from a signed URL). A click opens the viewer.
 */
export function AttachmentImage({ conversationId, attachment, pending, onOpen }: AttachmentImageProps) {
  const { url } = useAttachmentUrl(conversationId, attachment);
  // Once the image has shown, it stays: as a pending file is stored its URL changes from the
  // bytes on this device to a signed one, and the browser keeps the picture until the new one loads.
  const [shown, setShown] = useState(false);
  // The last URL known, kept while a new one is asked for: the element (and its picture) stays.
  const [src, setSrc] = useState(url);
  if (url !== undefined && url !== src) setSrc(url);
  const box = imageBox(attachment);
  return (
    <button
      type="button"
      className={`attachment-image ${shown ? 'loaded' : ''}`}
      style={box}
      onClick={onOpen}
      data-testid="attachment-image"
      aria-label={`Open image ${attachment.name}`}
      title={attachment.name}
    >
      {attachment.preview && !shown && <img className="image-preview" src={attachment.preview} alt="" />}
      {src && <img className="image-full" src={src} alt={attachment.name} onLoad={() => setShown(true)} draggable={false} />}
      {uploading(pending, attachment.progress) && <UploadProgress name={attachment.name} progress={attachment.progress} />}
    </button>
  );
}

import { useEffect, useRef } from 'react';
import type { AttachmentView } from '@parley/client-sdk';
import { useAttachmentUrl } from '@parley/client-sdk/react';
import { Icon } from './icons.js';
import { humanSize } from './file-kinds.js';

type ImageViewerProps = { conversationId: string; attachment: AttachmentView; onClose: () => void };

/**
 * An image at full size over the app, with its name and a download link. Escape, the close
 * button or a click beside the image closes it; the focus goes back to the image it came from.
 */
export function ImageViewer({ conversationId, attachment, onClose }: ImageViewerProps) {
  const { url } = useAttachmentUrl(conversationId, attachment);
  const close = useRef<HTMLButtonElement>(null);
  const opener = useRef(document.activeElement as HTMLElement | null);
  const closing = useRef(onClose);
  closing.current = onClose;
  useEffect(() => {
    const back = opener.current;
    close.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') closing.current();
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      back?.focus({ preventScroll: true });
    };
  }, []);

  return (
    <div className="overlay viewer-overlay" onClick={onClose}>
      <figure className="image-viewer" role="dialog" aria-modal="true" aria-label={attachment.name} data-testid="image-viewer" onClick={(e) => e.stopPropagation()}>
        {url ? (
          <img className="viewer-image" src={url} alt={attachment.name} width={attachment.width} height={attachment.height} />
        ) : (
          attachment.preview && <img className="viewer-image blurred" src={attachment.preview} alt="" width={attachment.width} height={attachment.height} />
        )}
        <figcaption className="viewer-caption">
          <span className="grow file-name">{attachment.name}</span>
          <span className="file-size">{humanSize(attachment.size)}</span>
          {url && (
            <a className="button-link" href={url} download={attachment.name} data-testid="viewer-download">
              <Icon name="download" /> Download
            </a>
          )}
          <button type="button" className="ghost" ref={close} onClick={onClose} aria-label="Close image" title="Close (Esc)">×</button>
        </figcaption>
      </figure>
    </div>
  );
}

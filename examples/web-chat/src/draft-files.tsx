import { Icon } from './icons.js';
import { humanSize, kindOf } from './file-kinds.js';
import { useObjectUrl } from './use-object-url.js';
import type { DraftFile } from './use-draft-files.js';

/** Above the composer: the files the next message will carry, each removable before sending. */
export function DraftFiles({ files, onRemove }: { files: readonly DraftFile[]; onRemove: (key: number) => void }) {
  if (files.length === 0) return null;
  return (
    <ul className="draft-files" aria-label="Files to send">
      {files.map((draft) => (
        <DraftChip key={draft.key} draft={draft} onRemove={() => onRemove(draft.key)} />
      ))}
    </ul>
  );
}

function DraftChip({ draft, onRemove }: { draft: DraftFile; onRemove: () => void }) {
  const { file } = draft;
  const image = kindOf(file.type) === 'image';
  // Images show as thumbnails of the bytes on this device (revoked when the chip goes).
  const thumbnail = useObjectUrl(image ? file : undefined);
  return (
    <li className={`draft-file ${image ? 'is-image' : ''}`} data-testid="draft-file" title={`${file.name} (${humanSize(file.size)})`}>
      {image ? (
        thumbnail && <img className="draft-thumbnail" src={thumbnail} alt="" />
      ) : (
        <span className="file-icon"><Icon name="file" size={18} /></span>
      )}
      <span className="draft-file-text">
        <span className="file-name">{file.name}</span>
        <span className="file-size">{humanSize(file.size)}</span>
      </span>
      <button type="button" className="ghost remove-file" onClick={onRemove} aria-label={`Remove ${file.name}`} title="Remove">×</button>
    </li>
  );
}

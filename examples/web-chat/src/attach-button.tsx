import { useRef } from 'react';
import { Icon } from './icons.js';

/**
 * The composer's paperclip: opens the system's file picker (several files at once). The input
 * is hidden; the button is what people and screen readers meet.
 */
export function AttachButton({ onFiles }: { onFiles: (files: File[]) => void }) {
  const input = useRef<HTMLInputElement>(null);
  return (
    <>
      <button type="button" className="ghost icon-button attach-button" onClick={() => input.current?.click()} aria-label="Attach files" title="Attach files">
        <Icon name="attach" size={18} />
      </button>
      <input
        ref={input}
        type="file"
        multiple
        hidden
        tabIndex={-1}
        data-testid="file-input"
        onChange={(e) => {
          onFiles([...(e.target.files ?? [])]);
          // The same file picked again (after removing it) must fire a change too.
          e.target.value = '';
        }}
      />
    </>
  );
}

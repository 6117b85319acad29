import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { MessageView } from '@parley/client-sdk';
import { useChatClient } from '@parley/client-sdk/react';
import { previewOf } from './message-content.js';
import { useNameOf } from './people.js';

/** The server's cap on a reason (`Limits.maxReportReasonLength`). */
const MAX_REASON = 500;

type ReportDialogProps = { conversationId: string; message: MessageView; onClose: () => void };

/**
 * Reports a message to the app's moderators with a reason (`chat.report`), then says it was
 * received. Reporting the same message again updates the reason. Escape or Cancel closes.
 */
export function ReportDialog({ conversationId, message, onClose }: ReportDialogProps) {
  const chat = useChatClient();
  const nameOf = useNameOf();
  const [reason, setReason] = useState('');
  const [state, setState] = useState<'writing' | 'sending' | 'sent'>('writing');
  const [error, setError] = useState<string | null>(null);
  const field = useRef<HTMLTextAreaElement>(null);
  useEffect(() => field.current?.focus(), []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!chat || !message.id || !reason.trim()) return;
    setState('sending');
    setError(null);
    try {
      await chat.report(conversationId, message.id, reason.trim());
      setState('sent');
    } catch (err) {
      setError(err instanceof Error ? err.message : String(err));
      setState('writing');
    }
  };

  return (
    <div className="overlay" onClick={onClose}>
      <form
        className="card dialog"
        role="dialog"
        aria-modal="true"
        aria-label="Report message"
        onSubmit={submit}
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => e.key === 'Escape' && onClose()}
      >
        <h2>Report {nameOf(message.senderId)}'s message</h2>
        <p className="muted quote-preview">“{previewOf(message)}”</p>
        {state === 'sent' ? (
          <>
            <p role="status" data-testid="report-sent">Thanks: the moderators got your report.</p>
            <div className="actions">
              <button type="button" onClick={onClose} autoFocus>Close</button>
            </div>
          </>
        ) : (
          <>
            <label htmlFor="report-reason">Why? <span className="muted">(only the moderators see it)</span></label>
            <textarea id="report-reason" ref={field} rows={3} maxLength={MAX_REASON} value={reason} onChange={(e) => setReason(e.target.value)} />
            {error && <p className="error" role="alert">{error}</p>}
            <div className="actions">
              <button type="button" className="ghost" onClick={onClose}>Cancel</button>
              <button type="submit" disabled={state === 'sending' || !reason.trim()}>{state === 'sending' ? 'Reporting…' : 'Report'}</button>
            </div>
          </>
        )}
      </form>
    </div>
  );
}

import type { MessageView } from '@parley/client-sdk';

export type Tick = 'pending' | 'failed' | 'sent' | 'delivered' | 'read';

/** The tick of one of the user's own messages: queued, stored, on their device, read. */
export function tickOf(message: MessageView): Tick {
  if (message.status !== 'sent') return message.status;
  return message.receipt ?? 'sent';
}

const LABEL: Record<Tick, string> = {
  pending: 'Waiting to send',
  failed: 'Not sent',
  sent: 'Sent',
  delivered: 'Delivered',
  read: 'Read',
};

export function Ticks({ status }: { status: Tick }) {
  return (
    <span className={`ticks ${status}`} title={LABEL[status]} aria-label={LABEL[status]}>
      {status === 'pending' ? (
        <svg viewBox="0 0 16 16" width="14" height="14" aria-hidden="true">
          <circle cx="8" cy="8" r="6" fill="none" stroke="currentColor" strokeWidth="1.5" />
          <path d="M8 4.5V8l2.5 1.5" fill="none" stroke="currentColor" strokeWidth="1.5" strokeLinecap="round" />
        </svg>
      ) : status === 'failed' ? (
        <strong aria-hidden="true">!</strong>
      ) : (
        <svg viewBox="0 0 20 16" width="18" height="14" aria-hidden="true">
          <path d="M1.5 8.5l3.5 3.5 7-8" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round" />
          {status !== 'sent' && (
            <path d="M8 11.5l.5.5 7-8" fill="none" stroke="currentColor" strokeWidth="1.6" strokeLinecap="round" strokeLinejoin="round" />
          )}
        </svg>
      )}
    </span>
  );
}

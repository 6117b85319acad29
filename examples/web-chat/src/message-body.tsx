import type { MessageView } from '@parley/client-sdk';
import { APP_DATA_LABEL, customKeysOf, splitMentions } from './message-content.js';
import { useNameOf } from './people.js';

/**
 * A message's words, with the users it mentions highlighted (the reader's own name most), or,
 * for a message that carries only app data, a small neutral card instead of an empty bubble.
 */
export function MessageBody({ message, me }: { message: MessageView; me: string }) {
  const nameOf = useNameOf();
  if (message.text === undefined || message.text === '') {
    if (!message.custom) return null;
    return (
      <span className="custom-card" data-testid="custom-card">
        <span className="custom-label">{APP_DATA_LABEL}</span>
        <code className="custom-keys">{customKeysOf(message.custom)}</code>
      </span>
    );
  }
  return (
    <span className="text">
      {splitMentions(message.text, message.mentions).map((segment, i) =>
        segment.mention === undefined ? (
          segment.text
        ) : (
          <span
            key={i}
            className={`mention ${segment.mention === me ? 'you' : ''}`}
            data-testid="mention"
            title={segment.mention === me ? 'Mentions you' : `@${segment.mention}`}
          >
            {/* The text holds `@id`; people read the name. */}
            @{nameOf(segment.mention)}
          </span>
        ),
      )}
    </span>
  );
}

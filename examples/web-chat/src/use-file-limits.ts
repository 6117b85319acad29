import { useChatStore } from '@parley/client-sdk/react';

/**
 * Whether the server takes files: its welcome announces `maxAttachmentBytes` (0: none), and
 * without files there is no attach button, no drop and no paste. Before any welcome (a start
 * offline) files are offered: the message waits in the outbox and the server has the last word.
 */
export function useTakesFiles(): boolean {
  return useChatStore((s) => s.limits['maxAttachmentBytes'] !== 0);
}

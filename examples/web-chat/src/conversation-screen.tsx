import { useRef, useState } from 'react';
import type { MessageView } from '@parley/client-sdk';
import { useBlocks, useConversation, useMarkRead, useMessageActions, useMessages } from '@parley/client-sdk/react';
import { Composer } from './composer.js';
import { ConversationHeader } from './conversation-header.js';
import { MessageList } from './message-list.js';
import { ThreadPanel } from './thread-panel.js';
import { DetailsPanel } from './details-panel.js';
import { ConfirmDelete } from './confirm-delete.js';
import { ReportDialog } from './report-dialog.js';
import { SlowModeNote } from './slow-mode.js';
import { handlersFor } from './bubble-handlers.js';
import { lastEditable } from './message-rules.js';
import { useEditDeadlines } from './use-edit-deadlines.js';
import { othersIn, titleOf } from './names.js';
import { isModerator, useNameOf } from './people.js';
import { useComposerFiles } from './use-composer-files.js';
import { DropOverlay } from './drop-zone.js';
import type { JumpTarget } from './use-jump.js';

/** What shows beside the timeline: a thread, or the group's details. */
type Side = { thread: string } | 'details' | null;

type ConversationScreenProps = {
  id: string;
  me: string;
  onBack: () => void;
  /** A message to show (a search result): the timeline loads around it and highlights it. */
  jump: JumpTarget | null;
  /** Narrows the message search to this conversation. */
  onSearchIn: () => void;
};

export function ConversationScreen({ id, me, onBack, jump, onSearchIn }: ConversationScreenProps) {
  const conversation = useConversation(id);
  const nameOf = useNameOf();
  const others = conversation ? othersIn(conversation, me) : [];
  const { messages } = useMessages(id);
  const actions = useMessageActions(id);
  // Edit and ↑ follow the server's edit window: this screen re-renders as a deadline passes.
  useEditDeadlines(messages, me);
  useMarkRead(id);
  const [replyingTo, setReplyingTo] = useState<MessageView | null>(null);
  const [editing, setEditing] = useState<MessageView | null>(null);
  const [deleting, setDeleting] = useState<MessageView | null>(null);
  const [reporting, setReporting] = useState<MessageView | null>(null);
  const [side, setSide] = useState<Side>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const group = conversation?.kind === 'group';
  const peer = conversation?.kind === 'direct' ? others[0] : undefined;
  const { isBlocked, unblock } = useBlocks();
  const blockedPeer = peer !== undefined && isBlocked(peer);
  // Files dropped anywhere on the conversation join the composer's (none while it is closed).
  const { files, takesFiles, drop } = useComposerFiles(input, !blockedPeer);

  // Replying and editing share the composer: choosing one drops the other.
  const reply = (message: MessageView) => {
    setEditing(null);
    setReplyingTo(message);
    // Straight to writing the reply, for the mouse and the keyboard alike.
    input.current?.focus();
  };
  const edit = (message: MessageView) => {
    setReplyingTo(null);
    setEditing(message);
  };
  const closeSide = () => {
    setSide(null);
    input.current?.focus();
  };
  const openThread = (root: MessageView) => setSide(root.id ? { thread: root.id } : null);
  const common = { me, moderator: isModerator(conversation), actions, askDelete: setDeleting, askReport: setReporting };
  // The root as the timeline shows it now: its reply count and edits follow live.
  const threadRoot = side !== null && side !== 'details' ? messages.find((m) => m.id === side.thread) : undefined;
  const error = notice ?? actions.error?.message;

  return (
    <div className={`conversation-area ${side ? 'has-thread' : ''}`}>
      <section className="conversation" aria-label={conversation ? titleOf(conversation, me, nameOf) : '…'} {...drop.handlers}>
        <ConversationHeader id={id} conversation={conversation} me={me} onBack={onBack} onDetails={() => setSide(side === 'details' ? null : 'details')} onError={setNotice} onSearch={onSearchIn} />
        <MessageList
          id={id}
          me={me}
          group={group}
          handlersFor={(m) => handlersFor(m, { ...common, reply, openThread, edit })}
          onOpenThread={openThread}
          jump={jump}
        />
        {error && (
          <p className="action-error" role="alert">
            <span className="grow">{error}</span>
            <button type="button" className="ghost" onClick={() => (setNotice(null), actions.clearError())} aria-label="Dismiss">×</button>
          </p>
        )}
        {blockedPeer ? (
          // Neither side can write here while the block holds: the server refuses, so no composer.
          <div className="blocked-notice" data-testid="blocked-notice">
            <span className="grow">You blocked {nameOf(peer)}.</span>
            <button type="button" onClick={() => unblock(peer).catch((err: unknown) => setNotice(err instanceof Error ? err.message : String(err)))}>Unblock</button>
          </div>
        ) : (
          <Composer
            id={id}
            members={others}
            replyingTo={replyingTo}
            onCancelReply={() => setReplyingTo(null)}
            editing={editing}
            onEdit={edit}
            onStopEditing={() => setEditing(null)}
            lastOwn={lastEditable(messages, me)}
            input={input}
            notice={<SlowModeNote conversation={conversation} messages={messages} me={me} />}
            files={files}
            takesFiles={takesFiles}
          />
        )}
        {drop.over && <DropOverlay />}
      </section>
      {threadRoot && (
        <ThreadPanel
          key={threadRoot.id}
          conversationId={id}
          root={threadRoot}
          me={me}
          members={others}
          group={group}
          handlersFor={(m, editInThread) => handlersFor(m, { ...common, edit: editInThread })}
          onClose={closeSide}
        />
      )}
      {side === 'details' && conversation?.kind === 'group' && <DetailsPanel conversation={conversation} me={me} onClose={closeSide} onLeft={onBack} />}
      {deleting && (
        <ConfirmDelete
          message={deleting}
          me={me}
          onCancel={() => setDeleting(null)}
          onConfirm={() => {
            const message = deleting;
            setDeleting(null);
            if (editing?.key === message.key) setEditing(null);
            if (replyingTo?.key === message.key) setReplyingTo(null);
            void actions.remove(message).catch(() => undefined);
          }}
        />
      )}
      {reporting && <ReportDialog conversationId={id} message={reporting} onClose={() => setReporting(null)} />}
    </div>
  );
}

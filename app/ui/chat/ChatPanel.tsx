import { signal, useSignal } from '@preact/signals';
import { Component } from 'preact';
import { useLayoutEffect, useRef } from 'preact/hooks';
import { CHAT_TEXT_MAX_LENGTH } from '../../../shared/protocol/index.ts';
import { chatItems, chatOpen, chatSend, setChatOpen, type ChatItem } from '../../models/chat.ts';
import { FilesSection } from '../files/FilesSection.tsx';
import { MessageText } from './MessageText.tsx';

/** Show the character count once a message gets this close to the limit. */
const COUNT_FROM = CHAT_TEXT_MAX_LENGTH - 200;

/** What is being written: kept while the chat is closed and opened again. */
const draft = signal('');

const STATE_TEXT: Record<ChatItem['state'], string> = {
  queued: 'queued',
  sent: 'queued · sending',
  delivered: '✓ delivered',
  received: '',
};

/**
 * The chat: a sheet over the call on a phone, a column beside the tiles on a wide screen. Files come first (Send
 * file and the Transfers list), then the live log (named "Chat"); each message shows its author, its text, and for
 * one's own, where it stands.
 */
export function ChatPanel() {
  if (!chatOpen.value) return null;
  return (
    <section id="chat-panel" class="chat" onKeyDown={(event) => event.key === 'Escape' && setChatOpen(false)}>
      <FilesSection />
      <ChatLog />
      <Composer />
    </section>
  );
}

function ChatLog() {
  const list = useRef<HTMLDivElement>(null);
  const items = chatItems.value;
  const pinned = useRef(true);
  // Stay at the newest message unless the person has scrolled up to read.
  useLayoutEffect(() => {
    const element = list.current;
    if (element && pinned.current) element.scrollTop = element.scrollHeight;
  }, [items]);
  return (
    <>
      {items.length === 0 && <p class="chat-empty">No messages yet. Say hello!</p>}
      <div
        ref={list}
        class="chat-log"
        role="log"
        aria-label="Chat"
        onScroll={(event) => {
          const element = event.currentTarget;
          pinned.current = element.scrollHeight - element.scrollTop - element.clientHeight < 40;
        }}
      >
        <ol class="chat-list">
          {items.map((item) => (
            <MessageRow key={item.id} item={item} />
          ))}
        </ol>
      </div>
    </>
  );
}

/** One message. Rows re-render only when their item changes (the chat controller keeps unchanged ones). */
class MessageRow extends Component<{ item: ChatItem }> {
  override shouldComponentUpdate(next: { item: ChatItem }): boolean {
    return next.item !== this.props.item;
  }

  override render({ item }: { item: ChatItem }) {
    return (
      <li class={`chat-message${item.mine ? ' mine' : ''}`} data-state={item.state}>
        <span class="chat-author">{item.name}</span>
        <span class="chat-text">
          <MessageText text={item.text} />
        </span>
        {item.mine && <span class="chat-state">{STATE_TEXT[item.state]}</span>}
      </li>
    );
  }
}

function Composer() {
  const text = draft;
  const problem = useSignal<string | null>(null);
  const length = text.value.trim().length;
  const tooLong = length > CHAT_TEXT_MAX_LENGTH;

  function send(): void {
    // Read now, not from the last render: Enter can come before the render of the last keystroke.
    const now = text.value.trim().length;
    if (now === 0 || now > CHAT_TEXT_MAX_LENGTH) return;
    const write = chatSend.value;
    const refused = write ? write(text.value) : 'Not in a call';
    problem.value = refused ?? null;
    if (!refused) text.value = '';
  }

  return (
    <form
      class="chat-compose"
      onSubmit={(event) => {
        event.preventDefault();
        send();
      }}
    >
      <textarea
        aria-label="Message"
        aria-describedby="chat-limit"
        aria-invalid={tooLong}
        rows={1}
        placeholder="Message"
        value={text.value}
        onInput={(event) => {
          text.value = event.currentTarget.value;
          problem.value = null;
        }}
        onKeyDown={(event) => {
          // Enter sends; Shift+Enter (and Enter while an input method is composing) makes a new line.
          if (event.key === 'Enter' && !event.shiftKey && !event.isComposing) {
            event.preventDefault();
            send();
          }
        }}
      />
      <button type="submit" class="chat-send" disabled={length === 0 || tooLong}>
        Send
      </button>
      <p id="chat-limit" class={`chat-limit${tooLong ? ' over' : ''}`} aria-live="polite">
        {problem.value ??
          (tooLong
            ? `Too long: ${length} of ${CHAT_TEXT_MAX_LENGTH} characters. Shorten it to send.`
            : length >= COUNT_FROM
              ? `${length} of ${CHAT_TEXT_MAX_LENGTH} characters`
              : '')}
      </p>
    </form>
  );
}

import { chatOpen, chatUnread, setChatOpen } from '../../models/chat.ts';

/**
 * Opens and closes the chat. Its name is exactly "Chat"; the unread count sits beside it as a badge and is read
 * out as the button's description, so the name stays the same whatever the count.
 */
export function ChatButton() {
  const unread = chatUnread.value;
  const open = chatOpen.value;
  return (
    <span class="chat-toggle">
      <button
        type="button"
        class="round chat-button"
        aria-label="Chat"
        aria-expanded={open}
        aria-controls={open ? 'chat-panel' : undefined}
        aria-describedby={unread ? 'chat-unread' : undefined}
        title={open ? 'Close the chat' : 'Open the chat'}
        onClick={() => setChatOpen(!open)}
      >
        <svg viewBox="0 0 24 24" width="26" height="26" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2">
          <path d="M4 5h16v11H9l-5 4z" stroke-linejoin="round" />
        </svg>
      </button>
      {unread > 0 && (
        <>
          <span class="chat-badge" aria-hidden="true">
            {unread > 99 ? '99+' : unread}
          </span>
          <span id="chat-unread" class="visually-hidden">
            {unread === 1 ? '1 unread message' : `${unread} unread messages`}
          </span>
        </>
      )}
    </span>
  );
}

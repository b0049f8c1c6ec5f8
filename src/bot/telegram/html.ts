/** Escapes text for Telegram's HTML parse mode: everything the operator or a profile supplied passes here. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Whether a chat attachment may be a list of usernames, judged before downloading it: the extensions
 * the import command reads, a `text/*` type, or no extension at all (some clients send pasted text
 * that way; the import command then judges it by its content). One rule for every front-end.
 */
export function mayBeTextList(name: string, contentType: string | null | undefined): boolean {
  const hasExtension = /\.[A-Za-z0-9]{1,8}$/.test(name);
  return (
    !hasExtension || /\.(txt|csv|text)$/i.test(name) || (contentType ?? '').toLowerCase().startsWith('text/')
  );
}

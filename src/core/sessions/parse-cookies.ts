import { UserError } from '../errors.js';

export interface SessionCookies {
  sessionid: string;
  csrftoken: string;
  dsUserId: string;
}

/**
 * A session's cookies and, optionally, the user agent of the browser they were copied from: Instagram
 * ties a session to its device, so requests with it should keep sending that browser's user agent.
 */
export interface SessionInput extends SessionCookies {
  userAgent?: string;
}

export const SESSION_FORMATS =
  "`sessionid=...; csrftoken=...; ds_user_id=...` (copied from the browser) or the three values in that order: SESSIONID CSRFTOKEN DS_USER_ID; optionally followed by the browser's user agent (`ua: Mozilla/5.0 ...`)";

const UA_START = /(?:^|[\s;])(?:(?:user-agent|ua)\s*[:=]\s*)?(?=Mozilla\/5\.0 )/i;

/** Splits `cookies ... ua: Mozilla/5.0 (...)` (the user agent runs to the end of its line). */
export function parseSessionInput(input: string): SessionInput {
  const m = UA_START.exec(input);
  if (!m) return parseSessionCookies(input);
  const uaStart = m.index + m[0].length;
  const lineEnd = input.indexOf('\n', uaStart);
  const userAgent = input.slice(uaStart, lineEnd < 0 ? undefined : lineEnd).trim();
  const rest = `${input.slice(0, m.index)} ${lineEnd < 0 ? '' : input.slice(lineEnd)}`;
  if (!/^Mozilla\/5\.0 [\x20-\x7e]{20,400}$/.test(userAgent))
    throw new UserError(
      'session_bad_user_agent',
      'The user agent must be the browser\'s, starting with "Mozilla/5.0 ", in plain text of 30 to 400 characters.',
    );
  return { ...parseSessionCookies(rest), userAgent };
}

const TOKEN = /^[A-Za-z0-9%:._-]+$/;

/**
 * Reads an Instagram session from a cookie header or from three bare values. ds_user_id may be left
 * out of a cookie string: the sessionid starts with it (`<ds_user_id>%3A...`). Error messages never
 * repeat a value.
 */
export function parseSessionCookies(input: string): SessionCookies {
  const text = input.trim().replace(/^cookie:\s*/i, '');
  if (text === '') throw new UserError('session_empty', `No cookie given. Expected ${SESSION_FORMATS}.`);
  let sessionid: string | undefined;
  let csrftoken: string | undefined;
  let dsUserId: string | undefined;
  if (text.includes('=')) {
    for (const part of text.split(/;\s*|\s+/)) {
      const eq = part.indexOf('=');
      if (eq < 0) continue;
      const name = part.slice(0, eq).trim().toLowerCase();
      const value = part
        .slice(eq + 1)
        .trim()
        .replace(/^"|"$/g, '');
      if (name === 'sessionid') sessionid = value;
      else if (name === 'csrftoken') csrftoken = value;
      else if (name === 'ds_user_id') dsUserId = value;
    }
  } else {
    const words = text.split(/[\s;,]+/).filter(Boolean);
    if (words.length !== 3) {
      throw new UserError(
        'session_format',
        `Expected 3 values but got ${words.length}. Give ${SESSION_FORMATS}.`,
      );
    }
    [sessionid, csrftoken, dsUserId] = words;
  }
  if (!sessionid)
    throw new UserError(
      'session_missing_sessionid',
      `The sessionid cookie is missing. Give ${SESSION_FORMATS}.`,
    );
  if (!TOKEN.test(sessionid))
    throw new UserError(
      'session_bad_sessionid',
      'The sessionid value contains characters a cookie cannot have.',
    );
  if (!csrftoken)
    throw new UserError(
      'session_missing_csrftoken',
      `The csrftoken cookie is missing (Instagram requires it). Give ${SESSION_FORMATS}.`,
    );
  if (!TOKEN.test(csrftoken))
    throw new UserError(
      'session_bad_csrftoken',
      'The csrftoken value contains characters a cookie cannot have.',
    );
  if (!dsUserId) {
    const prefix = /^(\d{3,25})(?:%3A|:)/i.exec(sessionid)?.[1];
    if (!prefix)
      throw new UserError(
        'session_missing_ds_user_id',
        `The ds_user_id cookie is missing. Give ${SESSION_FORMATS}.`,
      );
    dsUserId = prefix;
  }
  if (!/^\d{3,25}$/.test(dsUserId))
    throw new UserError('session_bad_ds_user_id', 'ds_user_id must be the numeric account id (digits only).');
  return { sessionid, csrftoken, dsUserId };
}

export function cookieHeader(c: SessionCookies): string {
  return `sessionid=${c.sessionid}; csrftoken=${c.csrftoken}; ds_user_id=${c.dsUserId}`;
}

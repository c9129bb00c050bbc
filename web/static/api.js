// api.js — JSON over HTTP to the Hearth server (docs/protocol.md).

/** ApiError is a failed request: HTTP status, the protocol's code, a readable message. */
export class ApiError extends Error {
  constructor(status, code, message, retryAfter) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfter;
  }
}

const FALLBACK = {
  400: ['invalid', 'Something in the form is not right.'],
  401: ['unauthorized', 'Please log in again.'],
  403: ['forbidden', 'This is not allowed.'],
  404: ['not_found', 'This could not be found.'],
  409: ['conflict', 'This clashes with a change made meanwhile.'],
  413: ['too_large', 'This is too long.'],
  429: ['too_many', 'Too many attempts. Please wait a little and try again.'],
};

/**
 * TIMEOUT_MS bounds every request, reading its answer included: on a
 * network that drops packets without a word a fetch can otherwise hang for
 * minutes, and whatever waits on it (the reconnect probe, a form) with it.
 */
export const TIMEOUT_MS = 8000;

const UNREACHABLE = 'Hearth cannot be reached right now. Please check the connection and try again.';

/**
 * api sends a JSON request and returns the decoded body (null for 204).
 * It throws ApiError for any non-2xx answer (status 0, code `network`, when
 * the server could not be reached or did not answer within TIMEOUT_MS).
 * headers go with the request (a participant's invite: inviteHeaders); with
 * opts.text, a successful answer's body is returned as it came (a file).
 */
export async function api(method, path, body, headers, opts = {}) {
  const controller = new AbortController();
  const timer = window.setTimeout(() => controller.abort(), TIMEOUT_MS);
  try {
    return await request(method, path, body, headers, opts, controller.signal);
  } finally {
    window.clearTimeout(timer);
  }
}

/**
 * inviteHeaders carries a participant's invite token the way the server
 * takes it (docs/protocol.md, "Invite links"), so that no URL, and no log
 * of one, ever holds it.
 */
export function inviteHeaders(token) {
  return { Authorization: `Invite ${token}` };
}

async function request(method, path, body, headers, opts, signal) {
  const init = {
    method,
    credentials: 'same-origin',
    cache: 'no-store',
    headers: { Accept: 'application/json', ...(headers || {}) },
    signal,
  };
  if (body !== undefined) {
    init.headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, 'network', UNREACHABLE);
  }
  let text = '';
  try {
    text = await res.text();
  } catch {
    // A body cut off (or timed out) half way is no answer at all.
    if (signal.aborted) throw new ApiError(0, 'network', UNREACHABLE);
  }
  if (opts.text && res.ok) return text;
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!res.ok) {
    const err = (data && data.error) || {};
    const [code, message] = FALLBACK[res.status] || ['internal', 'Something went wrong on the server. Please try again.'];
    throw new ApiError(res.status, err.code || code, err.message || message, res.headers.get('Retry-After'));
  }
  return res.status === 204 ? null : data;
}

/** enc makes a path segment safe. */
export const enc = encodeURIComponent;

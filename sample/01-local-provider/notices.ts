// What the page tells a person after a failed connection. The built-in routes send the browser to
// `failureRedirect?error=<code>` with a stable code; the page shows a sentence for it, never the query value.

/** The sentences, by the codes the routes (and this sample) produce. */
const SENTENCES: Readonly<Record<string, string>> = {
  // The person, at the provider.
  access_denied: 'You declined access, so nothing was connected.',
  // The callback: a state that is unknown, expired, already used, or another user's or browser's.
  invalid_state: 'This link was already used or has expired. Start again with Connect.',
  invalid_callback: "The provider's answer was incomplete or malformed, so nothing was connected. Try again.",
  // The provider refused the authorization request (RFC 6749 §4.1.2.1; OpenID Connect's prompt errors).
  authorization_error: 'The provider refused the request, so nothing was connected.',
  invalid_request: 'The provider refused the request, so nothing was connected.',
  unauthorized_client: 'The provider refused the request, so nothing was connected.',
  unsupported_response_type: 'The provider refused the request, so nothing was connected.',
  invalid_scope: 'The provider did not accept the permissions this app asks for, so nothing was connected.',
  server_error: 'The provider is having trouble right now. Try again in a moment.',
  temporarily_unavailable: 'The provider is having trouble right now. Try again in a moment.',
  login_required: 'The provider needs you to sign in again. Start again with Connect.',
  consent_required: 'The provider needs you to approve access again. Start again with Connect.',
  interaction_required: 'The provider needs you to sign in or approve access again. Start again with Connect.',
  // The token request.
  token_request_error: 'The provider refused to issue tokens for this sign-in, so nothing was connected. Try again.',
  token_endpoint_error: 'The provider could not be reached, or its answer could not be used. Try again in a moment.',
  // The app's stores.
  store_unavailable: 'The app cannot store connections right now. Try again in a moment.',
  state_store_full: 'Too many connections are being started right now. Try again in a moment.',
  unknown_provider: 'This app does not offer that provider.',
  internal_error: 'Something went wrong on our side, so nothing was connected.',
  // This sample's own: the routes' 401 (see oauth-routes.filter.ts) and a failed Disconnect.
  sign_in_required: 'You were not signed in, so nothing was connected. You are signed in now: click Connect again.',
  revocation_failed: 'Disconnecting failed: the provider did not confirm it, so the connection is kept. Try again.',
};

const GENERIC = 'The connection failed. Try again.';

/** The code to keep for a raw `?error=` value: a known code as is, anything else `unknown`. */
export function noticeCodeOf(raw: unknown): string {
  return typeof raw === 'string' && Object.hasOwn(SENTENCES, raw) ? raw : 'unknown';
}

/** The sentence for a code; a generic one for a code the page does not know. */
export function noticeSentence(code: string): string {
  return Object.hasOwn(SENTENCES, code) ? SENTENCES[code]! : GENERIC;
}

/** Every sentence the page can show, and the codes it knows (for the tests). */
export const NOTICE_SENTENCES: ReadonlySet<string> = new Set([...Object.values(SENTENCES), GENERIC]);
export const NOTICE_CODES: readonly string[] = Object.keys(SENTENCES);

// The code rides in a one-time cookie from `/?error=<code>` to the page (see ConnectionsController).
export const NOTICE_COOKIE = 'sample-notice';
const NOTICE_COOKIE_VALUE = /^[a-z_]{1,40}$/;

export function noticeCookie(code: string): string {
  return `${NOTICE_COOKIE}=${code}; Path=/; Max-Age=60; HttpOnly; SameSite=Lax`;
}

export const CLEAR_NOTICE_COOKIE = `${NOTICE_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax`;

/** The notice code a browser carries, if any; only ever one of ours, or `unknown`. */
export function noticeCodeFromCookie(cookieHeader: string | undefined): string | undefined {
  for (const pair of (cookieHeader ?? '').split(';')) {
    const [name, value] = pair.trim().split('=');
    if (name === NOTICE_COOKIE && value) return NOTICE_COOKIE_VALUE.test(value) ? noticeCodeOf(value) : 'unknown';
  }
  return undefined;
}

import { createHash } from 'node:crypto';
import type { TokenSet } from 'nestjs-auth-code-flow';
import { noticeSentence } from './notices.js';

export interface ConnectionView {
  provider: string;
  label: string;
  tokens?: TokenSet;
}

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);

/**
 * "expires in 59 minutes", "expired 3 minutes ago": whole units, rounded down (minutes up to two hours,
 * then hours up to two days, then days). Self-contained: the page's script runs this same source.
 */
export function describeExpiry(expiresAt: number, now: number): string {
  const seconds = Math.floor(Math.abs(expiresAt - now) / 1000);
  let amount = 'less than a minute';
  if (seconds >= 2 * 86_400) amount = `${Math.floor(seconds / 86_400)} days`;
  else if (seconds >= 2 * 3_600) amount = `${Math.floor(seconds / 3_600)} hours`;
  else if (seconds >= 120) amount = `${Math.floor(seconds / 60)} minutes`;
  else if (seconds >= 60) amount = '1 minute';
  return expiresAt > now ? `expires in ${amount}` : `expired ${amount} ago`;
}

// Keeps the relative expiry true while the page stays open (say, a tab left for an hour).
const SCRIPT = `const describeExpiry = ${describeExpiry.toString()};
const update = () => {
  for (const time of document.querySelectorAll('time[data-expires-at]')) {
    time.textContent = describeExpiry(Number(time.dataset.expiresAt), Date.now());
  }
};
setInterval(update, 15000);
document.addEventListener('visibilitychange', update);`;

const STYLE = `body{font-family:system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem;color:#1d232a}
ul{padding:0}li{list-style:none;border:1px solid #d0d7de;border-radius:8px;padding:1rem;margin:1rem 0}
.connected{border-color:#2da44e;background:#f0fff4}.status{color:#57606a;margin:0 .5rem}.connected .status{color:#1a7f37;font-weight:600}
a.connect,button{background:#0969da;color:#fff;border:0;border-radius:6px;padding:.4rem .9rem;text-decoration:none;
font-size:.95rem;cursor:pointer}
dl{display:grid;grid-template-columns:8rem 1fr;gap:.25rem 1rem;margin:.75rem 0}dt{color:#57606a}dd{margin:0}
.error{background:#fff0f0;border:1px solid #cf222e;padding:.75rem;border-radius:6px}`;

const hashSource = (source: string) => `'sha256-${createHash('sha256').update(source).digest('base64')}'`;

/** The page's Content-Security-Policy: its one inline style and script, forms to this app only, nothing else. */
export const PAGE_CSP = [
  "default-src 'none'",
  `style-src ${hashSource(STYLE)}`,
  `script-src ${hashSource(SCRIPT)}`,
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The relative expiry, kept current by the page's script; the exact time on hover. */
function expiryTime(expiresAt: number, now: number): string {
  const iso = new Date(expiresAt).toISOString();
  const exact = `${iso.replace('T', ' ').slice(0, 19)} UTC`;
  return `<time datetime="${iso}" data-expires-at="${expiresAt}" title="${exact}">${describeExpiry(expiresAt, now)}</time>`;
}

/**
 * The sample's one page: each provider, connected or not, and the notice of a failed connection if there is
 * one (a code: only its fixed sentence is shown). Shows scopes and expiry, never a token.
 */
export function renderPage(connections: ConnectionView[], noticeCode: string | undefined, now = Date.now()): string {
  const rows = connections
    .map(({ provider, label, tokens }) => {
      const name = escapeHtml(label);
      if (!tokens) {
        return `<li class="provider" data-provider="${escapeHtml(provider)}"><strong>${name}</strong> <span class="status">not connected</span>
          <a class="connect" id="connect-${escapeHtml(provider)}" href="/oauth/${encodeURIComponent(provider)}/authorize?returnTo=%2F">Connect</a></li>`;
      }
      const { expiresAt } = tokens;
      const expiry =
        typeof expiresAt === 'number' && Number.isFinite(expiresAt) ? expiryTime(expiresAt, now) : 'no expiry';
      return `<li class="provider connected" data-provider="${escapeHtml(provider)}"><strong>${name}</strong> <span class="status">Connected</span>
        <dl><dt>Scopes</dt><dd class="scopes">${escapeHtml(tokens.scope ?? '(as requested)')}</dd>
        <dt>Token type</dt><dd>${escapeHtml(tokens.tokenType)}</dd>
        <dt>Access token</dt><dd class="expiry">${expiry}</dd>
        <dt>Refresh token</dt><dd>${tokens.refreshToken ? 'kept on the server' : 'none'}</dd></dl>
        <form method="post" action="/disconnect/${encodeURIComponent(provider)}"><button type="submit">Disconnect</button></form></li>`;
    })
    .join('\n');
  const banner = noticeCode
    ? `<p class="error" role="alert" data-code="${escapeHtml(noticeCode)}">${escapeHtml(noticeSentence(noticeCode))}</p>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>nestjs-auth-code-flow sample</title>
<style>${STYLE}</style></head>
<body><h1>Connected accounts</h1>
<p>This app obtains OAuth 2.0 tokens through the authorization code flow with PKCE. The tokens stay on the server; this page only shows what they allow.</p>
${banner}<ul>${rows}</ul><script>${SCRIPT}</script></body></html>`;
}

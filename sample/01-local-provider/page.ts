import type { TokenSet } from 'nestjs-auth-code-flow';

export interface ConnectionView {
  provider: string;
  label: string;
  tokens?: TokenSet;
}

const escapeHtml = (value: string) =>
  value.replace(/[&<>"']/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char]!);

/** The sample's one page: each provider, connected or not. Shows scopes and expiry, never a token. */
export function renderPage(connections: ConnectionView[], error: string | undefined): string {
  const rows = connections
    .map(({ provider, label, tokens }) => {
      const name = escapeHtml(label);
      if (!tokens) {
        return `<li class="provider" data-provider="${escapeHtml(provider)}"><strong>${name}</strong> <span class="status">not connected</span>
          <a class="connect" id="connect-${escapeHtml(provider)}" href="/oauth/${encodeURIComponent(provider)}/authorize?returnTo=%2F">Connect</a></li>`;
      }
      const expiry = tokens.expiresAt ? `expires ${new Date(tokens.expiresAt).toISOString().replace('T', ' ').slice(0, 19)} UTC` : 'no expiry';
      return `<li class="provider connected" data-provider="${escapeHtml(provider)}"><strong>${name}</strong> <span class="status">Connected</span>
        <dl><dt>Scopes</dt><dd class="scopes">${escapeHtml(tokens.scope ?? '(as requested)')}</dd>
        <dt>Token type</dt><dd>${escapeHtml(tokens.tokenType)}</dd>
        <dt>Access token</dt><dd class="expiry">${escapeHtml(expiry)}</dd>
        <dt>Refresh token</dt><dd>${tokens.refreshToken ? 'kept on the server' : 'none'}</dd></dl>
        <form method="post" action="/disconnect/${encodeURIComponent(provider)}"><button type="submit">Disconnect</button></form></li>`;
    })
    .join('\n');
  const banner = error ? `<p class="error" role="alert">The connection failed: <code>${escapeHtml(error)}</code></p>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>nestjs-auth-code-flow sample</title>
<style>body{font-family:system-ui,sans-serif;max-width:42rem;margin:3rem auto;padding:0 1rem;color:#1d232a}
ul{padding:0}li{list-style:none;border:1px solid #d0d7de;border-radius:8px;padding:1rem;margin:1rem 0}
.connected{border-color:#2da44e;background:#f0fff4}.status{color:#57606a;margin:0 .5rem}.connected .status{color:#1a7f37;font-weight:600}
a.connect,button{background:#0969da;color:#fff;border:0;border-radius:6px;padding:.4rem .9rem;text-decoration:none;font-size:.95rem;cursor:pointer}
dl{display:grid;grid-template-columns:8rem 1fr;gap:.25rem 1rem;margin:.75rem 0}dt{color:#57606a}dd{margin:0}
.error{background:#fff0f0;border:1px solid #cf222e;padding:.75rem;border-radius:6px}</style></head>
<body><h1>Connected accounts</h1>
<p>This app obtains OAuth 2.0 tokens through the authorization code flow with PKCE. The tokens stay on the server; this page only shows what they allow.</p>
${banner}<ul>${rows}</ul></body></html>`;
}

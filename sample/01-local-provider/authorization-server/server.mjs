// A local OAuth 2.0 / OpenID Connect authorization server for the sample app and the interop tests.
//
// Built on oidc-provider (an OpenID-certified server). It listens on 127.0.0.1 only, keeps everything in
// memory and writes no files. It requires PKCE (S256) for every client, sends the RFC 9207 `iss` parameter
// in every authorization response, issues refresh tokens to clients allowed the refresh_token grant and
// rejects a replayed authorization code (revoking what the first redemption issued).
//
//   PORT      port to listen on (default 0: any free port); the issuer is http://127.0.0.1:<port>
//   REQUIRE_PAR=1  every authorization request must be pushed first (RFC 9126
//             `require_pushed_authorization_requests`); PAR itself is always on, at /request
//   DPOP_NONCE=1   DPoP (RFC 9449, always on) with server nonces: a proof without the current nonce is
//             answered `use_dpop_nonce`
//   CLIENTS   JSON array of oidc-provider client metadata, e.g.
//             [{"client_id":"app","client_secret":"s","redirect_uris":["http://127.0.0.1:3000/oauth/local/callback"],
//               "grant_types":["authorization_code","refresh_token"],"scope":"openid profile",
//               "token_endpoint_auth_method":"client_secret_post"}]
//
// Run it with `node server.mjs` (prints "Local authorization server: <issuer>") or with child_process.fork
// (sends { type: 'ready', issuer } over IPC, and exits when the parent goes away). Forked, it also answers
//   { type: 'count-requests', id } with { type: 'request-counts', id, counts: { 'POST /token': n, ... } };
//   { type: 'rotate-keys', id } with { type: 'keys-rotated', id } once a new signing key (new `kid`) has
//   replaced the old one: later ID tokens are signed with it and /jwks serves it alone;
//   { type: 'add-client', id, client } with { type: 'client-added', id, error? } once the client metadata is
//   registered (or refused, `error` naming the faulty property), e.g. a client whose `jwks_uri` names a port that
//   was not known at the start.
// A client's `jwks_uri` on 127.0.0.1 or localhost (a local app's own JWK Set route) is fetched, although
// oidc-provider's SSRF guard refuses loopback addresses: exactly those URLs bypass the guard.
//
// Endpoints (oidc-provider 9 defaults): /auth, /token, /me, /token/revocation, /jwks, /session/end,
// /.well-known/openid-configuration. Login and consent pages: GET /interaction/:uid, with the forms posting
// to /interaction/:uid/login and /interaction/:uid/consent.
//
// Secrets, codes and tokens are never logged.

import { generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import Provider, { errors } from 'oidc-provider';

// ---- settings ------------------------------------------------------------------------------------

const HOST = '127.0.0.1';
const MAX_FORM_BYTES = 16 * 1024;
const MAX_USERNAME_LENGTH = 100;
// Fixed keys: this server is for local development and tests only; its cookies need no secrecy across restarts.
const COOKIE_KEYS = ['local-authorization-server-cookie-key-1', 'local-authorization-server-cookie-key-2'];
// DPoP nonces are HMACs of the time under this secret; one per process is enough.
const DPOP_NONCE_SECRET = randomBytes(32);

function fail(message) {
  process.stderr.write(`local authorization server: ${message}\n`);
  process.exit(1);
}

function readPort() {
  const raw = process.env.PORT ?? '0';
  const port = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isInteger(port) || port > 65535) fail('PORT must be an integer from 0 to 65535');
  return port;
}

function readClients() {
  const raw = process.env.CLIENTS;
  if (raw === undefined || raw.trim() === '') {
    process.stderr.write('local authorization server: no CLIENTS given; no client can sign in\n');
    return [];
  }
  let clients;
  try {
    clients = JSON.parse(raw);
  } catch {
    // The variable holds client secrets: say what is wrong, never what it holds.
    fail('CLIENTS is not valid JSON');
  }
  if (
    !Array.isArray(clients) ||
    !clients.every((c) => c !== null && typeof c === 'object' && typeof c.client_id === 'string')
  ) {
    fail('CLIENTS must be a JSON array of client metadata objects, each with a client_id');
  }
  return clients;
}

// ---- an unbounded in-memory adapter with expiry ---------------------------------------------------
// oidc-provider's default adapter is an LRU of 1,000 entries, which load tests overflow. This one is a Map;
// expired entries are dropped when read and by a periodic sweep.

const GRANTABLE = new Set([
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'BackchannelAuthenticationRequest',
]);
const entries = new Map(); // `${model}:${id}` -> { payload, expiresAt }
const sessionUids = new Map(); // session uid -> session id
const userCodes = new Map(); // user code -> device code id
const grants = new Map(); // grant id -> Set of `${model}:${id}`

function live(key) {
  const entry = entries.get(key);
  if (!entry) return undefined;
  if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
    removeEntry(key);
    return undefined;
  }
  return entry;
}

function removeEntry(key) {
  const entry = entries.get(key);
  if (!entry) return;
  entries.delete(key);
  const { payload } = entry;
  if (payload.uid && sessionUids.get(payload.uid) === key) sessionUids.delete(payload.uid);
  if (payload.userCode && userCodes.get(payload.userCode) === key) userCodes.delete(payload.userCode);
  if (payload.grantId) {
    const members = grants.get(payload.grantId);
    members?.delete(key);
    if (members?.size === 0) grants.delete(payload.grantId);
  }
}

const sweeper = setInterval(() => {
  const now = Date.now();
  for (const [key, entry] of entries) if (entry.expiresAt !== undefined && entry.expiresAt <= now) removeEntry(key);
}, 60_000);
sweeper.unref();

class MapAdapter {
  constructor(model) {
    this.model = model;
  }

  key(id) {
    return `${this.model}:${id}`;
  }

  async upsert(id, payload, expiresIn) {
    const key = this.key(id);
    removeEntry(key);
    const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : undefined;
    entries.set(key, { payload: structuredClone(payload), expiresAt });
    if (this.model === 'Session' && payload.uid) sessionUids.set(payload.uid, key);
    if (payload.userCode) userCodes.set(payload.userCode, key);
    if (GRANTABLE.has(this.model) && payload.grantId) {
      if (!grants.has(payload.grantId)) grants.set(payload.grantId, new Set());
      grants.get(payload.grantId).add(key);
    }
  }

  async find(id) {
    const entry = live(this.key(id));
    return entry ? structuredClone(entry.payload) : undefined;
  }

  async findByUid(uid) {
    const key = sessionUids.get(uid);
    const entry = key === undefined ? undefined : live(key);
    return entry ? structuredClone(entry.payload) : undefined;
  }

  async findByUserCode(userCode) {
    const key = userCodes.get(userCode);
    const entry = key === undefined ? undefined : live(key);
    return entry ? structuredClone(entry.payload) : undefined;
  }

  async consume(id) {
    const entry = live(this.key(id));
    if (entry) entry.payload.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) {
    removeEntry(this.key(id));
  }

  async revokeByGrantId(grantId) {
    for (const key of [...(grants.get(grantId) ?? [])]) removeEntry(key);
    grants.delete(grantId);
  }
}

// ---- HTML ------------------------------------------------------------------------------------------

function escapeHtml(value) {
  return String(value ?? '').replace(/[&<>"'`=]/g, (c) => `&#${c.charCodeAt(0)};`);
}

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;background:#f4f5f7;color:#1f2328;margin:0;padding:48px 16px}
main{max-width:380px;margin:0 auto;background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.15);padding:24px 28px}
h1{font-size:1.25rem;margin:0 0 16px}p{line-height:1.45}label{display:block;font-weight:600;margin:12px 0 6px}
input{box-sizing:border-box;width:100%;padding:8px 10px;font-size:1rem;border:1px solid #c9ced6;border-radius:6px}
button{font-size:1rem;padding:8px 16px;border-radius:6px;border:1px solid #1f6feb;background:#1f6feb;color:#fff;cursor:pointer;margin:16px 8px 0 0}
button.secondary{background:#fff;color:#1f2328;border-color:#c9ced6}ul{padding-left:20px}code{background:#eef0f3;padding:1px 4px;border-radius:4px}
.error{color:#b42318}.muted{color:#59636e;font-size:.9rem}`;

function page(title, body) {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

const PAGE_HEADERS = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  // Self-contained pages: no scripts, no external assets. No form-action: browsers apply it to the
  // redirect chain after a form post, which here ends at the client's redirect_uri on another origin.
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
};

function sendPage(res, status, title, body) {
  res.writeHead(status, PAGE_HEADERS).end(page(title, body));
}

function loginPage(uid, clientId, { error, username } = {}) {
  return `<h1>Sign in to the local authorization server</h1>
<p class="muted">The application <code>${escapeHtml(clientId)}</code> asks you to sign in. Any user name is accepted; there is no password.</p>
${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
<form method="post" action="/interaction/${escapeHtml(uid)}/login" autocomplete="off">
<label for="username">User name</label>
<input id="username" name="username" type="text" required autofocus maxlength="${MAX_USERNAME_LENGTH}" value="${escapeHtml(username ?? '')}">
<button id="sign-in" type="submit">Sign in</button>
</form>`;
}

function consentPage(uid, clientId, accountId, scopes) {
  const items =
    scopes.length > 0
      ? scopes.map((scope) => `<li><code>${escapeHtml(scope)}</code></li>`).join('\n')
      : '<li>No scopes</li>';
  return `<h1>Allow access?</h1>
<p>Signed in as <strong>${escapeHtml(accountId)}</strong>.</p>
<p>The application <code>${escapeHtml(clientId)}</code> asks for these scopes:</p>
<ul id="scopes">
${items}
</ul>
<form method="post" action="/interaction/${escapeHtml(uid)}/consent">
<button id="allow" type="submit" name="decision" value="allow">Allow</button>
<button id="deny" class="secondary" type="submit" name="decision" value="deny">Deny</button>
</form>`;
}

function messagePage(title, text) {
  return `<h1>${escapeHtml(title)}</h1>\n<p>${escapeHtml(text)}</p>`;
}

// ---- the provider ----------------------------------------------------------------------------------

function generateSigningKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { ...privateKey.export({ format: 'jwk' }), kid: randomUUID(), use: 'sig', alg: 'RS256' };
}

function configuration(clients, signingKey) {
  return {
    adapter: MapAdapter,
    clients,
    cookies: { keys: COOKIE_KEYS },
    jwks: { keys: [signingKey] },
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username'],
    },
    scopes: ['openid', 'offline_access', 'profile'],
    // The authorization code flow only: no implicit or hybrid responses.
    responseTypes: ['code'],
    async findAccount(_ctx, sub) {
      // Any account id exists; its claims are derived from it.
      return {
        accountId: sub,
        async claims() {
          return { sub, name: sub, preferred_username: sub };
        },
      };
    },
    features: {
      devInteractions: { enabled: false },
      pushedAuthorizationRequests: {
        enabled: true,
        requirePushedAuthorizationRequests: process.env.REQUIRE_PAR === '1',
      },
      dPoP:
        process.env.DPOP_NONCE === '1'
          ? { enabled: true, nonceSecret: DPOP_NONCE_SECRET, requireNonce: () => true }
          : { enabled: true },
      revocation: {
        enabled: true,
        async allowedPolicy(_ctx, client, token) {
          if (token.clientId === client.clientId) return true;
          if (client.clientAuthMethod === 'none') return false;
          throw new errors.InvalidRequest('client is not authorized to revoke the presented token');
        },
      },
      rpInitiatedLogout: {
        enabled: true,
        async logoutSource(ctx, form) {
          ctx.type = 'html';
          ctx.set(PAGE_HEADERS);
          ctx.body = page(
            'Sign out',
            `<h1>Sign out of the local authorization server?</h1>\n${form}\n<button id="sign-out" type="submit" form="op.logoutForm" value="yes" name="logout">Sign out</button>\n<button class="secondary" type="submit" form="op.logoutForm">Stay signed in</button>`,
          );
        },
        async postLogoutSuccessSource(ctx) {
          ctx.type = 'html';
          ctx.set(PAGE_HEADERS);
          ctx.body = page(
            'Signed out',
            messagePage('Signed out', 'You have signed out of the local authorization server.'),
          );
        },
      },
    },
    interactions: {
      url: (_ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    // RFC 7636 for every client, confidential ones included; oidc-provider 9 only knows S256.
    pkce: { required: () => true },
    // Refresh tokens for every client allowed the refresh_token grant, without asking for offline_access.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    ttl: {
      AccessToken: 60 * 60,
      AuthorizationCode: 60,
      IdToken: 60 * 60,
      RefreshToken: 14 * 24 * 60 * 60,
      Interaction: 10 * 60,
      Session: 24 * 60 * 60,
      Grant: 14 * 24 * 60 * 60,
    },
    clientBasedCORS: () => false,
    fetch: (url, options) => {
      if (!loopbackJwksUris.has(String(url))) return globalThis.fetch(url, options);
      // Without oidc-provider's SSRF guard (its dispatcher), for the loopback jwks_uri of a test client only.
      const rest = { ...options };
      delete rest.dispatcher;
      return globalThis.fetch(url, rest);
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.set(PAGE_HEADERS);
      ctx.body = page(
        'Sign-in error',
        `<h1>Something went wrong</h1>\n<p id="error"><code>${escapeHtml(out.error)}</code></p>\n<p id="error-description">${escapeHtml(out.error_description)}</p>`,
      );
    },
  };
}

// ---- clients' JWK Sets on this machine ------------------------------------------------------------

const loopbackJwksUris = new Set();

function allowLoopbackJwksUri(client) {
  if (typeof client.jwks_uri !== 'string' || !URL.canParse(client.jwks_uri)) return;
  const url = new URL(client.jwks_uri);
  if (url.hostname === HOST || url.hostname === 'localhost') loopbackJwksUris.add(url.href);
}

// ---- login and consent -----------------------------------------------------------------------------

async function readForm(req) {
  const type = String(req.headers['content-type'] ?? '')
    .split(';')[0]
    .trim()
    .toLowerCase();
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) return undefined;
    chunks.push(chunk);
  }
  if (type !== 'application/x-www-form-urlencoded') return undefined;
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

async function saveConsent(provider, details) {
  const { prompt, params, session, grantId } = details;
  const grant = grantId
    ? await provider.Grant.find(grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  const { missingOIDCScope, missingOIDCClaims, missingResourceScopes } = prompt.details;
  if (missingOIDCScope) grant.addOIDCScope(missingOIDCScope.join(' '));
  if (missingOIDCClaims) grant.addOIDCClaims(missingOIDCClaims);
  if (missingResourceScopes) {
    for (const [indicator, scopes] of Object.entries(missingResourceScopes))
      grant.addResourceScope(indicator, scopes.join(' '));
  }
  const savedId = await grant.save();
  return grantId ? {} : { grantId: savedId };
}

const INTERACTION_PATH = /^\/interaction\/([A-Za-z0-9_-]{1,64})(?:\/(login|consent))?$/;

/** Our own interaction pages in place of oidc-provider's dev interactions. Returns false for other paths. */
async function handleInteraction(provider, req, res) {
  const { pathname } = new URL(req.url ?? '/', 'http://placeholder');
  const match = INTERACTION_PATH.exec(pathname);
  if (!match) return false;
  const [, uid, action] = match;
  const method = req.method ?? 'GET';
  if ((action === undefined && method !== 'GET' && method !== 'HEAD') || (action !== undefined && method !== 'POST')) {
    res.writeHead(405, { Allow: action === undefined ? 'GET' : 'POST', 'Cache-Control': 'no-store' }).end();
    return true;
  }

  let details;
  try {
    details = await provider.interactionDetails(req, res);
  } catch (error) {
    if (error instanceof errors.SessionNotFound) {
      sendPage(
        res,
        400,
        'Sign-in expired',
        messagePage(
          'Sign-in expired',
          'This sign-in request has expired or was started in another browser. Start again from the application.',
        ),
      );
      return true;
    }
    throw error;
  }
  if (details.uid !== uid) {
    sendPage(
      res,
      400,
      'Sign-in expired',
      messagePage('Sign-in expired', 'This is not the current sign-in request. Start again from the application.'),
    );
    return true;
  }
  const prompt = details.prompt.name;
  const clientId = details.params.client_id;

  if (action === undefined) {
    if (prompt === 'login')
      return (sendPage(res, 200, 'Sign in to the local authorization server', loginPage(uid, clientId)), true);
    if (prompt === 'consent') {
      const scopes = String(details.params.scope ?? '')
        .split(' ')
        .filter(Boolean);
      return (
        sendPage(res, 200, 'Allow access', consentPage(uid, clientId, details.session?.accountId ?? '', scopes)),
        true
      );
    }
    sendPage(
      res,
      400,
      'Unsupported request',
      messagePage('Unsupported request', 'This server only handles sign-in and consent.'),
    );
    return true;
  }

  const form = await readForm(req);
  if (!form || action !== prompt) {
    sendPage(
      res,
      400,
      'Bad request',
      messagePage(
        'Bad request',
        'The form does not match the current step of the sign-in. Start again from the application.',
      ),
    );
    return true;
  }

  if (action === 'login') {
    const username = (form.get('username') ?? '').trim();
    if (username === '' || username.length > MAX_USERNAME_LENGTH) {
      const error =
        username === '' ? 'Enter a user name.' : `A user name has at most ${MAX_USERNAME_LENGTH} characters.`;
      sendPage(res, 400, 'Sign in to the local authorization server', loginPage(uid, clientId, { error }));
      return true;
    }
    await provider.interactionFinished(
      req,
      res,
      { login: { accountId: username } },
      { mergeWithLastSubmission: false },
    );
    return true;
  }

  const decision = form.get('decision');
  if (decision === 'deny') {
    await provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'The user denied the request.' },
      { mergeWithLastSubmission: false },
    );
    return true;
  }
  if (decision !== 'allow') {
    sendPage(res, 400, 'Bad request', messagePage('Bad request', 'Choose Allow or Deny.'));
    return true;
  }
  const consent = await saveConsent(provider, details);
  await provider.interactionFinished(req, res, { consent }, { mergeWithLastSubmission: true });
  return true;
}

// ---- start and stop --------------------------------------------------------------------------------

const port = readPort();
const clients = readClients();
clients.forEach(allowLoopbackJwksUri);

// Requests per "METHOD /path" (no query, no body), for the tests' `countRequests()` over IPC. Per-flow path
// segments are folded (/interaction/:uid, /auth/:uid) and the number of keys is capped, so memory stays flat.
const requestCounts = new Map();
const MAX_COUNTED_PATHS = 200;

function countRequest(req) {
  let path;
  try {
    path = new URL(req.url ?? '/', 'http://placeholder').pathname;
  } catch {
    path = '(unparseable)';
  }
  path = path.replace(/^\/interaction\/[^/]+/, '/interaction/:uid').replace(/^\/auth\/[^/]+/, '/auth/:uid');
  let key = `${req.method} ${path}`;
  if (!requestCounts.has(key) && requestCounts.size >= MAX_COUNTED_PATHS) key = '(other)';
  requestCounts.set(key, (requestCounts.get(key) ?? 0) + 1);
}

let handler; // set once the provider is mounted; until then requests get a 503
const server = createServer((req, res) => {
  countRequest(req);
  if (!handler) {
    res.writeHead(503, { 'Retry-After': '1', 'Cache-Control': 'no-store' }).end();
    return;
  }
  handler(req, res);
});
server.keepAliveTimeout = 5_000;

await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(port, HOST, () => {
    server.off('error', reject);
    resolve();
  });
}).catch((error) => fail(`cannot listen on ${HOST}:${port} (${error.code ?? error.message})`));

const issuer = `http://${HOST}:${server.address().port}`;

/**
 * An oidc-provider instance signing with `signingKey`, and its request listener. oidc-provider takes its keys
 * at construction, so a key rotation builds a new instance with the same configuration; what it keeps (grants,
 * sessions, codes, refresh tokens) lives in the module-level adapter maps and the fixed cookie keys, so
 * everything issued before a rotation stays valid after it.
 */
function mountProvider(signingKey) {
  const instance = new Provider(issuer, configuration(clients, signingKey));
  instance.on('server_error', (_ctx, error) => {
    // Name and message only: no request data, which may hold codes, secrets or tokens.
    process.stderr.write(
      `local authorization server: server_error ${error?.name ?? 'Error'}: ${error?.message ?? ''}\n`,
    );
  });
  return { provider: instance, callback: instance.callback() };
}

// Swapped whole by a key rotation; each request is served by the instance current when it arrived.
let mounted = mountProvider(generateSigningKey());

// oidc-provider checks static clients on first use; check them now so that bad metadata fails the start.
for (const { client_id: clientId } of clients) {
  try {
    await mounted.provider.Client.find(clientId);
  } catch (error) {
    // The description names the faulty property, never its value.
    fail(
      `client ${JSON.stringify(clientId)} has invalid metadata: ${error?.error_description ?? error?.message ?? error}`,
    );
  }
}
handler = (req, res) => {
  const { provider, callback } = mounted;
  handleInteraction(provider, req, res)
    .then((handled) => {
      if (!handled) callback(req, res);
    })
    .catch((error) => {
      process.stderr.write(
        `local authorization server: interaction failed: ${error?.name ?? 'Error'}: ${error?.message ?? ''}\n`,
      );
      if (!res.headersSent)
        sendPage(
          res,
          500,
          'Error',
          messagePage('Something went wrong', 'The sign-in could not be completed. Start again from the application.'),
        );
      else res.destroy();
    });
};

/** Registers a client after the start: kept in the adapter, where oidc-provider looks for clients it was not given. */
async function addClient(client) {
  if (client === null || typeof client !== 'object' || typeof client.client_id !== 'string')
    throw new Error('the client metadata must be an object with a client_id');
  const adapter = new MapAdapter('Client');
  await adapter.upsert(client.client_id, client);
  try {
    await mounted.provider.Client.find(client.client_id);
  } catch (error) {
    await adapter.destroy(client.client_id);
    // The description names the faulty property, never its value.
    throw new Error(String(error?.error_description ?? error?.message ?? error), { cause: error });
  }
  allowLoopbackJwksUri(client);
}

let stopping = false;
function shutdown() {
  if (stopping) return;
  stopping = true;
  clearInterval(sweeper);
  server.close(() => process.exit(0));
  server.closeAllConnections();
  setTimeout(() => process.exit(0), 2_000).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
// Forked: the IPC channel closes when the parent exits or dies; never outlive it.
process.on('disconnect', shutdown);

if (typeof process.send === 'function') {
  // A parent may ask how many requests each endpoint got (a test proving that no token request was sent),
  // and may rotate the signing key (a test proving that a client fetches the JWKS again for an unknown kid).
  // Messages are handled in order, after every request that arrived before them.
  process.on('message', (message) => {
    if (!process.connected) return;
    if (message?.type === 'count-requests') {
      process.send({ type: 'request-counts', id: message.id, counts: Object.fromEntries(requestCounts) }, () => {});
    } else if (message?.type === 'add-client') {
      addClient(message.client).then(
        () => process.send({ type: 'client-added', id: message.id }, () => {}),
        (error) => process.send({ type: 'client-added', id: message.id, error: error.message }, () => {}),
      );
    } else if (message?.type === 'rotate-keys') {
      // The old key leaves the JWKS: a client's cached set cannot verify what the new key signs.
      mounted = mountProvider(generateSigningKey());
      process.send({ type: 'keys-rotated', id: message.id }, () => {});
    }
  });
  if (process.connected) process.send({ type: 'ready', issuer }, (error) => error && shutdown());
  else shutdown();
} else {
  process.stdout.write(`Local authorization server: ${issuer}\n`);
}

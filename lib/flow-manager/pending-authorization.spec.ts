import { describe, expect, it } from '@jest/globals';
import { newPendingAuthorization } from './pending-authorization.js';

describe('newPendingAuthorization', () => {
  it('draws a fresh 43-character nonce per flow when the provider validates ID tokens, and none otherwise', () => {
    const a = newPendingAuthorization('p', { pkce: true, nonce: true }, { user: 'u' });
    const b = newPendingAuthorization('p', { pkce: true, nonce: true }, { user: 'u' });
    expect(a.nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(b.nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.nonce).not.toBe(b.nonce);
    expect(a.nonce).not.toBe(a.codeVerifier);
    const plain = newPendingAuthorization('p', { pkce: false, nonce: false }, { user: 'u' });
    expect(plain).not.toHaveProperty('nonce');
    expect(plain).not.toHaveProperty('codeVerifier');
  });
});

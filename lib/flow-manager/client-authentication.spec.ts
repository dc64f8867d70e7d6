import { describe, expect, it } from '@jest/globals';
import { authenticateClient } from './client-authentication.js';

const tokenEndpoint = 'https://idp.example/token';

describe('authenticateClient', () => {
  it('form-urlencodes id and secret before base64 for client_secret_basic (RFC 6749 §2.3.1)', async () => {
    const params: Record<string, string> = {};
    const headers: Record<string, string> = {};
    await authenticateClient(
      { clientId: 'id:1', clientSecret: 'p:a+s&s%w/o r d', clientAuthMethod: 'client_secret_basic', tokenEndpoint },
      params,
      headers,
    );
    const decoded = Buffer.from(headers.Authorization!.replace(/^Basic /, ''), 'base64').toString();
    expect(decoded).toBe('id%3A1:p%3Aa%2Bs%26s%25w%2Fo+r+d');
    expect(params).toEqual({});
  });

  it('puts id and secret in the body for client_secret_post, only the id for none', async () => {
    const post: Record<string, string> = {};
    await authenticateClient(
      { clientId: 'id', clientSecret: 's', clientAuthMethod: 'client_secret_post', tokenEndpoint },
      post,
      {},
    );
    expect(post).toEqual({ client_id: 'id', client_secret: 's' });
    const none: Record<string, string> = {};
    const headers: Record<string, string> = {};
    await authenticateClient({ clientId: 'id', clientAuthMethod: 'none', tokenEndpoint }, none, headers);
    expect(none).toEqual({ client_id: 'id' });
    expect(headers).toEqual({});
  });
});

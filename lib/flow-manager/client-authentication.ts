import type { ResolvedProviderConfig } from '../options/resolved-options.interface.js';
import { formEncode } from '../utils/url.util.js';
import { JWT_BEARER_ASSERTION_TYPE, signClientAssertion, type ClientAssertionConfig } from './client-assertion.js';

/** What a request needs of the provider's configuration to authenticate the client. */
export type ClientCredentials = Pick<ResolvedProviderConfig, 'clientAuthMethod'> & ClientAssertionConfig;

/**
 * Adds the client's authentication to a token endpoint request (RFC 6749 §2.3.1): `client_secret_basic`
 * form-urlencodes id and secret before base64, `client_secret_post` puts both in the body, `none` only the id;
 * `private_key_jwt` and `client_secret_jwt` send the id and a client assertion signed now (RFC 7523 §2.2), and no
 * secret. Call it once per request sent: each call signs a new assertion.
 */
export async function authenticateClient(
  client: ClientCredentials,
  params: Record<string, string>,
  headers: Record<string, string>,
): Promise<void> {
  switch (client.clientAuthMethod) {
    case 'client_secret_basic': {
      const credentials = `${formEncode(client.clientId)}:${formEncode(client.clientSecret ?? '')}`;
      headers.Authorization = `Basic ${Buffer.from(credentials, 'utf8').toString('base64')}`;
      return;
    }
    case 'client_secret_post':
      params.client_id = client.clientId;
      params.client_secret = client.clientSecret ?? '';
      return;
    case 'none':
      params.client_id = client.clientId;
      return;
    case 'private_key_jwt':
    case 'client_secret_jwt':
      params.client_id = client.clientId;
      params.client_assertion_type = JWT_BEARER_ASSERTION_TYPE;
      params.client_assertion = await signClientAssertion(client);
      return;
  }
}

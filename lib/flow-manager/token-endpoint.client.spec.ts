import { describe, expect, it } from '@jest/globals';
import { decodeJwt } from 'jose';
import { TokenEndpointError } from '../auth-code-flow.errors.js';
import type { TokenHttpRequest, TokenHttpResponse } from '../interfaces/token-http-transport.interface.js';
import { TokenHttpFailure } from '../transport/token-http-failure.js';
import { sleep } from '../utils/sleep.util.js';
import { DpopProver } from './dpop-prover.js';
import { TokenEndpointClient, type TokenEndpointRequest } from './token-endpoint.client.js';

// The DPoP exception to "never sent again after an answer" (RFC 9449 §8): one resend after a 400
// use_dpop_nonce that brought a nonce, and nothing else.

const URL_ = 'https://idp.example/token';
const json = (status: number, body: unknown, dpopNonce?: string): TokenHttpResponse => ({
  status,
  contentType: 'application/json',
  body: JSON.stringify(body),
  ...(dpopNonce === undefined ? {} : { dpopNonce }),
});
const USE_NONCE = { error: 'use_dpop_nonce', error_description: 'Authorization server requires nonce in DPoP proof' };
const TOKENS = { access_token: 'at', token_type: 'DPoP' };

/** A transport that answers from `answers` in turn (an Error is thrown), and records what it was sent. */
function scripted(...answers: Array<TokenHttpResponse | Error>) {
  const sent: TokenHttpRequest[] = [];
  const transport = {
    post: async (request: TokenHttpRequest) => {
      sent.push(structuredClone(request));
      const answer = answers.shift();
      if (answer === undefined) throw new Error('no more answers');
      if (answer instanceof Error) throw answer;
      return answer;
    },
  };
  return { client: new TokenEndpointClient(transport), sent };
}

function request(dpop?: DpopProver, timeoutMs = 5_000): TokenEndpointRequest {
  return {
    operation: 'token',
    url: URL_,
    params: { grant_type: 'authorization_code', code: 'c' },
    headers: {},
    bodyEncoding: 'form',
    timeoutMs,
    ...(dpop ? { dpop } : {}),
  };
}

const newProver = () =>
  new DpopProver('p', { algorithm: 'ES256', bindAuthorizationCode: false, requireBoundTokens: false });
const proofOf = (sent: TokenHttpRequest) => decodeJwt(sent.headers.DPoP!);

describe('TokenEndpointClient with DPoP', () => {
  it('sends a proof, and after use_dpop_nonce once more with a fresh proof that carries the nonce', async () => {
    const { client, sent } = scripted(json(400, USE_NONCE, 'n-1'), json(200, TOKENS));
    const response = await client.post(request(newProver()));
    expect(response.status).toBe(200);
    expect(sent).toHaveLength(2);
    const [first, second] = sent.map(proofOf);
    expect(first).toMatchObject({ htm: 'POST', htu: URL_ });
    expect(first!.nonce).toBeUndefined();
    expect(second).toMatchObject({ htm: 'POST', htu: URL_, nonce: 'n-1' });
    expect(second!.jti).not.toBe(first!.jti);
    expect(sent[1]!.body).toBe(sent[0]!.body);
  });

  it('resends once only: a second use_dpop_nonce is the answer', async () => {
    const { client, sent } = scripted(json(400, USE_NONCE, 'n-1'), json(400, USE_NONCE, 'n-2'), json(200, TOKENS));
    const prover = newProver();
    const response = await client.post(request(prover));
    expect(response).toMatchObject({ status: 400, dpopNonce: 'n-2' });
    expect(sent).toHaveLength(2);
    // The last nonce is kept for the next request, which needs one attempt.
    const next = scripted(json(200, TOKENS));
    await next.client.post(request(prover));
    expect(proofOf(next.sent[0]!).nonce).toBe('n-2');
  });

  it.each([
    ['without a DPoP-Nonce', json(400, USE_NONCE)],
    ['with a value that is no nonce', json(400, USE_NONCE, 'two words')],
    ['with another error', json(400, { error: 'invalid_grant' }, 'n-1')],
    ['as a 401', json(401, USE_NONCE, 'n-1')],
    [
      'in a body that is not JSON',
      { status: 400, contentType: 'text/html', body: '<p>use_dpop_nonce</p>', dpopNonce: 'n' },
    ],
  ])('does not resend after a 400 use_dpop_nonce %s', async (_case, answer) => {
    const { client, sent } = scripted(answer, json(200, TOKENS));
    await expect(client.post(request(newProver()))).resolves.toBe(answer);
    expect(sent).toHaveLength(1);
  });

  it('never resends without DPoP, and sends no DPoP header', async () => {
    const { client, sent } = scripted(json(400, USE_NONCE, 'n-1'), json(200, TOKENS));
    await expect(client.post(request())).resolves.toMatchObject({ status: 400 });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.headers.DPoP).toBeUndefined();
  });

  it('keeps the nonce of any answer for the next request', async () => {
    const prover = newProver();
    await scripted(json(200, TOKENS, 'from-success')).client.post(request(prover));
    const next = scripted(json(200, TOKENS));
    await next.client.post(request(prover));
    expect(proofOf(next.sent[0]!).nonce).toBe('from-success');
  });

  it('signs a fresh proof for a request retried because it never left, and still resends once after a nonce', async () => {
    const refused = new TokenHttpFailure('network', 'ECONNREFUSED', 'network error ECONNREFUSED');
    const { client, sent } = scripted(refused, json(400, USE_NONCE, 'n-1'), json(200, TOKENS));
    await expect(client.post(request(newProver()))).resolves.toMatchObject({ status: 200 });
    expect(sent).toHaveLength(3);
    expect(new Set(sent.map((one) => proofOf(one).jti)).size).toBe(3);
  });

  it('resends within the one deadline of the call', async () => {
    const sent: TokenHttpRequest[] = [];
    const slow = new TokenEndpointClient({
      post: async (one) => {
        sent.push(one);
        await sleep(60);
        return json(400, USE_NONCE, 'n-1');
      },
    });
    const error = await slow.post(request(newProver(), 50)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TokenEndpointError);
    expect(error).toMatchObject({ failure: 'timeout' });
    expect(sent).toHaveLength(1);
  });
});

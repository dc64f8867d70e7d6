import { describe, expect, it } from '@jest/globals';
import type { TokenSet } from '../interfaces/token-set.interface.js';
import { boundToAnotherKey, isDpopBound } from './dpop-binding.js';
import { DpopProver } from './dpop-prover.js';

const tokens = (fields: Partial<TokenSet>): TokenSet => ({
  accessToken: 'at',
  tokenType: 'Bearer',
  raw: {},
  ...fields,
});

describe('DPoP binding of stored tokens', () => {
  it('sees a binding in a thumbprint or in the DPoP type, in any case', () => {
    expect(isDpopBound(tokens({}))).toBe(false);
    expect(isDpopBound(tokens({ tokenType: 'bearer' }))).toBe(false);
    expect(isDpopBound(tokens({ tokenType: 'dpop' }))).toBe(true);
    expect(isDpopBound(tokens({ dpopJkt: 'k' }))).toBe(true);
  });

  it('holds bound tokens usable only with the key of their thumbprint', async () => {
    const prover = new DpopProver('p', { algorithm: 'ES256', bindAuthorizationCode: false, requireBoundTokens: false });
    await prover.whenReady();
    const own = { tokenType: 'DPoP', dpopJkt: prover.thumbprint };
    expect(await boundToAnotherKey(prover, tokens(own))).toBe(false);
    expect(await boundToAnotherKey(prover, tokens({ ...own, dpopJkt: 'another' }))).toBe(true);
    // A DPoP type without a thumbprint names no key: it cannot be shown to be this one.
    expect(await boundToAnotherKey(prover, tokens({ tokenType: 'DPoP' }))).toBe(true);
    // With DPoP off, every bound token is bound to a key the manager does not hold; bearer tokens never are.
    expect(await boundToAnotherKey(undefined, tokens(own))).toBe(true);
    expect(await boundToAnotherKey(undefined, tokens({}))).toBe(false);
    expect(await boundToAnotherKey(prover, tokens({}))).toBe(false);
  });
});

import { describe, expect, it } from '@jest/globals';
import { idTokenAlgorithms } from './id-token-algorithms.js';

describe('idTokenAlgorithms', () => {
  it('takes the configured list as it is, HMAC included, whatever the metadata announces', () => {
    expect(idTokenAlgorithms(['ES256', 'HS256'], ['RS256', 'PS256'])).toEqual(['ES256', 'HS256']);
  });

  it('is RS256 alone without configuration or metadata', () => {
    expect(idTokenAlgorithms(undefined, undefined)).toEqual(['RS256']);
    expect(idTokenAlgorithms(undefined, [])).toEqual(['RS256']);
  });

  it('adds the announced asymmetric algorithms to RS256, once each', () => {
    expect(idTokenAlgorithms(undefined, ['ES256', 'RS256', 'PS384', 'EdDSA', 'ES256'])).toEqual([
      'RS256',
      'ES256',
      'PS384',
      'EdDSA',
    ]);
  });

  it('never takes none, an HMAC algorithm or an unknown name from the metadata', () => {
    expect(idTokenAlgorithms(undefined, ['none', 'HS256', 'HS512', 'RSA-OAEP', 'rs256', 'ES384'])).toEqual([
      'RS256',
      'ES384',
    ]);
  });

  it('returns a copy: changing it leaves the configuration alone', () => {
    const configured = ['ES256'];
    idTokenAlgorithms(configured, undefined).push('RS256');
    expect(configured).toEqual(['ES256']);
  });
});

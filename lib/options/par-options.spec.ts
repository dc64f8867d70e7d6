import { describe, expect, it } from '@jest/globals';
import { AuthCodeFlowConfigError } from '../auth-code-flow.errors.js';
import { resolveOptions } from './resolve-options.util.js';

const STATIC = {
  baseUri: 'https://idp.example',
  authorizationPath: '/authorize',
  accessTokenPath: '/token',
  clientId: 'id',
  clientSecret: 'secret',
  redirectUri: 'https://app.example/oauth/idp/callback',
};
const DISCOVERING = {
  issuer: 'https://idp.example',
  clientId: 'id',
  clientSecret: 'secret',
  redirectUri: 'https://app.example/oauth/idp/callback',
};

const resolve = (provider: Record<string, unknown>) =>
  resolveOptions({ providers: { idp: provider } }).providers.get('idp')!;

function problemsOf(provider: Record<string, unknown>): readonly string[] {
  try {
    resolve(provider);
  } catch (error) {
    expect(error).toBeInstanceOf(AuthCodeFlowConfigError);
    return (error as AuthCodeFlowConfigError).problems;
  }
  throw new Error('expected the options to be rejected');
}

describe('pushed authorization request options', () => {
  it('leaves PAR to the metadata when nothing is configured, and off for a provider without discovery', () => {
    expect(resolve(STATIC).par).toEqual({});
    expect(resolve(DISCOVERING).par).toEqual({});
    expect(resolve({ ...DISCOVERING, pushedAuthorizationRequests: false }).par).toEqual({ enabled: false });
    expect(resolve({ ...DISCOVERING, pushedAuthorizationRequests: true }).par).toEqual({ enabled: true });
  });

  it('resolves the PAR path like the other paths: against baseUri, or absolute', () => {
    expect(
      resolve({ ...STATIC, pushedAuthorizationRequests: true, pushedAuthorizationRequestPath: '/par' }).par,
    ).toEqual({
      enabled: true,
      endpoint: 'https://idp.example/par',
    });
    const absolute = { pushedAuthorizationRequestPath: 'https://par.example/push?tenant=a' };
    expect(resolve({ ...DISCOVERING, ...absolute }).par).toEqual({ endpoint: 'https://par.example/push?tenant=a' });
    expect(problemsOf({ ...DISCOVERING, pushedAuthorizationRequestPath: '/par' })).toEqual([
      'providers.idp.baseUri is required',
    ]);
    expect(
      problemsOf({
        ...STATIC,
        pushedAuthorizationRequests: true,
        pushedAuthorizationRequestPath: 'http://idp.example/par',
      }),
    ).toEqual([expect.stringContaining('providers.idp.pushedAuthorizationRequestPath')]);
  });

  it('needs the path and the option together without discovery', () => {
    expect(problemsOf({ ...STATIC, pushedAuthorizationRequests: true })).toEqual([
      'providers.idp.pushedAuthorizationRequests needs providers.idp.pushedAuthorizationRequestPath (or discovery, whose metadata names it)',
    ]);
    expect(problemsOf({ ...STATIC, pushedAuthorizationRequestPath: '/par' })).toEqual([
      'providers.idp.pushedAuthorizationRequestPath is set: set providers.idp.pushedAuthorizationRequests to true to push the authorization requests',
    ]);
    // Off on purpose, the path kept for later: nothing is pushed, nothing is wrong.
    expect(
      resolve({ ...STATIC, pushedAuthorizationRequests: false, pushedAuthorizationRequestPath: '/par' }).par,
    ).toEqual({
      enabled: false,
      endpoint: 'https://idp.example/par',
    });
  });

  it('names wrong types by path', () => {
    expect(
      problemsOf({ ...DISCOVERING, pushedAuthorizationRequests: 'yes', pushedAuthorizationRequestPath: 7 }),
    ).toEqual([
      'providers.idp.pushedAuthorizationRequests must be true or false',
      'providers.idp.pushedAuthorizationRequestPath must be a non-empty string',
    ]);
    expect(problemsOf({ ...DISCOVERING, pushedAuthorizationRequest: true })).toEqual([
      'providers.idp.pushedAuthorizationRequest is not a known option',
    ]);
  });
});

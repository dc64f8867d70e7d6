import { describe, expect, it } from '@jest/globals';
import type {
  AuthCodeFlowModuleOptions,
  RoutesOptions,
} from '../interfaces/auth-code-flow-module-options.interface.js';
import type { FlowManagerOptions } from '../interfaces/flow-manager-options.interface.js';
import { PROVIDER_KEYS } from './provider-options.js';
import { knownKeys, unknownKeys } from './validators.util.js';

interface Sample {
  required: string;
  optional?: number;
}

describe('knownKeys', () => {
  it('lists the keys of an object that has every option of the interface', () => {
    expect(knownKeys<Sample>({ required: true, optional: true })).toEqual(new Set(['required', 'optional']));
  });

  it('fails the type check when a key of the interface is missing, or one is not in it', () => {
    // `npm run typecheck` fails if any of these compiles, so a key added to an options interface and
    // forgotten in its list (PROVIDER_KEYS, MODULE_KEYS, ROUTES_KEYS) fails it too.
    // @ts-expect-error: `optional` is missing
    knownKeys<Sample>({ required: true });
    // @ts-expect-error: `extra` is not an option of Sample
    knownKeys<Sample>({ required: true, optional: true, extra: true });
    // @ts-expect-error: the interface is given, never inferred from the keys
    knownKeys({ required: true });
    // @ts-expect-error: FlowManagerOptions has more keys than these
    knownKeys<FlowManagerOptions>({
      baseUri: true,
      authorizationPath: true,
      accessTokenPath: true,
      clientId: true,
      redirectUri: true,
    });
    knownKeys<RoutesOptions>({
      path: true,
      successRedirect: true,
      failureRedirect: true,
      allowAnonymous: true,
      guards: true,
      guard: true,
      // @ts-expect-error: RoutesOptions has no `prefix`
      prefix: true,
    });
    // @ts-expect-error: AuthCodeFlowModuleOptions has more keys than these
    knownKeys<AuthCodeFlowModuleOptions>({ providers: true });
  });
});

describe('unknownKeys', () => {
  it('names each unknown key, with a hint for one that differs from a known key only in case, "-" or "_"', () => {
    const problems: string[] = [];
    unknownKeys(
      { clientID: 'x', client_secret: 'y', colour: 'z', clientId: 'ok' },
      PROVIDER_KEYS,
      'providers.p.',
      problems,
    );
    expect(problems).toEqual([
      'providers.p.clientID is not a known option (did you mean clientId?)',
      'providers.p.client_secret is not a known option (did you mean clientSecret?)',
      'providers.p.colour is not a known option',
    ]);
  });
});

import { describe, expect, it } from '@jest/globals';
import { InvalidCallbackError } from '../auth-code-flow.errors.js';
import { parseCallbackParams } from './callback-params.js';

describe('parseCallbackParams', () => {
  it('reads a success and an error response', () => {
    expect(parseCallbackParams({ code: 'c', state: 's', iss: 'https://as' })).toEqual({
      code: 'c',
      state: 's',
      iss: 'https://as',
      error: undefined,
      errorDescription: undefined,
      errorUri: undefined,
    });
    expect(parseCallbackParams(new URLSearchParams('state=s&error=access_denied&error_description=no'))).toMatchObject({
      error: 'access_denied',
      errorDescription: 'no',
    });
  });

  it.each([
    ['a repeated parameter (Express/Fastify array)', { code: 'c', state: ['s1', 's2'] }, 'repeated_parameter'],
    ['a repeated parameter (URLSearchParams)', new URLSearchParams('code=a&code=b&state=s'), 'repeated_parameter'],
    ['an object parameter', { code: { $ne: 1 }, state: 's' }, 'malformed_parameter'],
    ['an absurdly long parameter', { code: 'c'.repeat(5000), state: 's' }, 'malformed_parameter'],
    ['both code and error', { code: 'c', error: 'access_denied', state: 's' }, 'malformed_parameter'],
    ['no state', { code: 'c' }, 'missing_parameter'],
    ['an empty state', { code: 'c', state: '' }, 'missing_parameter'],
  ])('rejects %s', (_name, query, reason) => {
    expect(() => parseCallbackParams(query as Record<string, unknown>)).toThrow(InvalidCallbackError);
    expect(() => parseCallbackParams(query as Record<string, unknown>)).toThrow(expect.objectContaining({ reason }));
  });
});

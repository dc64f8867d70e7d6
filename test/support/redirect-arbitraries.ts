import fc from 'fast-check';

/**
 * The pieces an attacker builds redirect targets from: slashes and backslashes in every spelling
 * (percent-encoded once and twice, fullwidth, ideographic), dot segments and their encodings, the
 * characters the URL parser drops (tab, newline), scheme and authority delimiters, hosts, unicode.
 */
const PIECES = [
  '/',
  '\\',
  '//',
  '/\\',
  '\\/',
  '.',
  '..',
  '%2e',
  '%2E',
  '%2e%2e',
  '.%2e',
  '%2f',
  '%2F',
  '%5c',
  '%5C',
  '%252f',
  '%255c',
  '\t',
  '\n',
  '\r',
  '\u0000',
  ' ',
  '+',
  '%20',
  '%09',
  '%0a',
  '?',
  '#',
  '&',
  '=',
  ':',
  '@',
  ';',
  '%',
  '%%',
  '%zz',
  'evil.example',
  'app.example',
  'javascript:',
  'https:',
  'http:',
  'data:',
  '\uff0f',
  '\uff3c',
  '\u3002',
  '\u2215',
  '\u2044',
  'a',
  'Z',
  '0',
  '€',
  '😀',
  '\ud800',
  'é',
  'e\u0301',
];

/** Strings made of attack pieces and arbitrary characters. */
export const redirectTargetArbitrary: fc.Arbitrary<string> = fc.oneof(
  fc
    .array(fc.oneof(fc.constantFrom(...PIECES), fc.string({ maxLength: 3 })), { maxLength: 12 })
    .map((parts) => parts.join('')),
  fc.array(fc.constantFrom(...PIECES), { maxLength: 12 }).map((parts) => `/${parts.join('')}`),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }).map((value) => `/${value}`),
);

/** Where a browser ends up for a `Location` value, when the response came from `requestUrl`. */
export function resolvedOrigin(location: string, requestUrl: string): string | undefined {
  try {
    return new URL(location, requestUrl).origin;
  } catch {
    return undefined;
  }
}

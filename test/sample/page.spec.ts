// The sample's page, rendered without a browser: relative expiry, and what a failure notice may show.
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  NOTICE_CODES,
  NOTICE_SENTENCES,
  noticeCodeFromCookie,
  noticeCodeOf,
  noticeSentence,
} from '../../sample/01-local-provider/notices.js';
import { describeExpiry, renderPage } from '../../sample/01-local-provider/page.js';
import { propertyRuns } from '../support/property-runs.js';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);
const MINUTE = 60_000;
const PROTOTYPE_NAMES = ['toString', '__proto__', 'constructor', 'hasOwnProperty'];

describe('describeExpiry', () => {
  it.each([
    [59 * MINUTE + 59_000, 'expires in 59 minutes'],
    [60 * MINUTE, 'expires in 60 minutes'],
    [119 * MINUTE, 'expires in 119 minutes'],
    [2 * 60 * MINUTE, 'expires in 2 hours'],
    [3 * 24 * 60 * MINUTE, 'expires in 3 days'],
    [90_000, 'expires in 1 minute'],
    [30_000, 'expires in less than a minute'],
    [0, 'expired less than a minute ago'],
    [-3 * MINUTE - 20_000, 'expired 3 minutes ago'],
    [-61_000, 'expired 1 minute ago'],
    [-50 * 60 * MINUTE, 'expired 2 days ago'],
  ])('%d ms from now: "%s"', (offset, text) => {
    expect(describeExpiry(NOW + offset, NOW)).toBe(text);
  });

  it('is what the page shows for stored tokens, e.g. an expired access token without a refresh token', () => {
    const tokens = { accessToken: 'secret-token', tokenType: 'Bearer', expiresAt: NOW - 3 * MINUTE, raw: {} };
    const html = renderPage([{ provider: 'local', label: 'Local', tokens }], undefined, NOW);
    expect(html).toContain('>expired 3 minutes ago</time>');
    expect(html).not.toContain('secret-token');
  });
});

describe('failure notices', () => {
  it('keep a raw ?error= value only when it is a known code, and show only fixed sentences', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.constantFrom(...NOTICE_CODES, ...PROTOTYPE_NAMES), fc.anything()), (raw) => {
        const code = noticeCodeOf(raw);
        expect(code === raw || code === 'unknown').toBe(true);
        expect(code === 'unknown' || NOTICE_CODES.includes(code)).toBe(true);
        expect(NOTICE_SENTENCES.has(noticeSentence(code))).toBe(true);
        // The cookie carries the code back: whatever it holds, the same rule applies.
        const fromCookie = noticeCodeFromCookie(
          `sample-notice=${typeof raw === 'string' ? raw : (JSON.stringify(raw) ?? '')}`,
        );
        expect(fromCookie === undefined || fromCookie === 'unknown' || NOTICE_CODES.includes(fromCookie)).toBe(true);
      }),
      propertyRuns(1000),
    );
  });

  it('render a known code as its sentence and anything else as the generic one, escaped either way', () => {
    expect(renderPage([], 'access_denied')).toContain('>You declined access, so nothing was connected.</p>');
    const html = renderPage([], '<script>alert(1)</script>');
    expect(html).toContain('>The connection failed. Try again.</p>');
    expect(html).not.toContain('<script>alert(1)');
  });
});

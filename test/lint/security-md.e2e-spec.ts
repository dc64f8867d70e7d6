// SECURITY.md cites, for each promise, the tests that prove it: this suite fails when a cited file or test name
// does not exist (renamed, moved, skipped), so the document cannot drift from the suite.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from '@jest/globals';
import { testNamesOf } from '../support/test-names.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

/** A test cited as `` - `path` › `describe › it` ``, under the promise heading it proves. */
interface Citation {
  promise: string;
  file: string;
  name: string;
}

const PROMISES_HEADING = '## Promises, and the tests that prove them';
const CITATION = /^- `((?:lib|test)\/[^`]+\.ts)` › `([^`]+)`$/;

/**
 * The promises of the document's promises section (its `### ` headings) and their citations; a list item under a
 * promise that names a path but does not parse as a citation is a problem, as is a promise without any.
 */
function readCitations(markdown: string): { promises: string[]; citations: Citation[]; problems: string[] } {
  const promises: string[] = [];
  const citations: Citation[] = [];
  const problems: string[] = [];
  const start = markdown.indexOf(`\n${PROMISES_HEADING}\n`);
  if (start < 0) return { promises, citations, problems: [`no "${PROMISES_HEADING}" section`] };
  let promise: string | undefined;
  for (const line of markdown.slice(start + PROMISES_HEADING.length + 2).split('\n')) {
    if (line.startsWith('## ')) break;
    if (line.startsWith('### ')) {
      promise = line.slice(4);
      promises.push(promise);
      continue;
    }
    if (!/^- `(lib|test)\//.test(line)) continue;
    const match = CITATION.exec(line);
    if (!match || promise === undefined) problems.push(`malformed citation: ${line}`);
    else citations.push({ promise, file: match[1]!, name: match[2]! });
  }
  for (const name of promises)
    if (!citations.some((citation) => citation.promise === name)) problems.push(`no test cited for "${name}"`);
  return { promises, citations, problems };
}

/** The citations whose file is missing, or which name no test of that file. */
function missingCitations(citations: Citation[], base = root): string[] {
  const names = new Map<string, string[]>();
  return citations.flatMap(({ file, name }) => {
    const path = join(base, file);
    if (!existsSync(path)) return [`${file}: no such file`];
    if (!names.has(file)) names.set(file, testNamesOf(readFileSync(path, 'utf8'), file));
    return names.get(file)!.includes(name) ? [] : [`${file}: no test named "${name}"`];
  });
}

describe('SECURITY.md', () => {
  const markdown = readFileSync(join(root, 'SECURITY.md'), 'utf8');

  it('cites at least one test for each of its promises, every citation well-formed', () => {
    const { promises, citations, problems } = readCitations(markdown);
    expect(problems).toEqual([]);
    expect(promises.length).toBeGreaterThanOrEqual(25);
    expect(citations.length).toBeGreaterThanOrEqual(promises.length);
  });

  it('cites only test files and test names that exist', () => {
    expect(missingCitations(readCitations(markdown).citations)).toEqual([]);
  });

  it('would report a missing file, a missing or skipped test, a malformed citation and a promise without a test', () => {
    const sample = [
      PROMISES_HEADING,
      '### P1. Proven',
      '- `test/lint/security-md.e2e-spec.ts` › `SECURITY.md › cites only test files and test names that exist`',
      '### P2. Cited wrongly',
      '- `test/lint/no-such.e2e-spec.ts` › `a › b`',
      '- `test/lint/security-md.e2e-spec.ts` › `SECURITY.md › a test nobody wrote`',
      '- `test/lint/security-md.e2e-spec.ts` — `SECURITY.md › cites only test files and test names that exist`',
      '### P3. Not proven',
      '## After',
      '- `test/after.ts` › `not in the section`',
    ].join('\n');
    const { citations, problems } = readCitations(`# Doc\n\n${sample}\n`);
    expect(problems).toEqual([
      'malformed citation: - `test/lint/security-md.e2e-spec.ts` — `SECURITY.md › cites only test files and test names that exist`',
      'no test cited for "P3. Not proven"',
    ]);
    expect(missingCitations(citations)).toEqual([
      'test/lint/no-such.e2e-spec.ts: no such file',
      'test/lint/security-md.e2e-spec.ts: no test named "SECURITY.md › a test nobody wrote"',
    ]);
    const skipped = "describe('s', () => { it.skip('skipped', () => {}); it.each([1])('each %s', () => {}); });";
    expect(testNamesOf(skipped)).toEqual(['s › each %s']);
  });
});

// The layer rule of lib/README.md, checked the way `npm run lint` checks it: an import that goes up a layer
// fails, one that goes down passes.
import { describe, expect, it } from '@jest/globals';
import { ESLint } from 'eslint';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');

async function layerProblems(file: string, source: string): Promise<string[]> {
  const eslint = new ESLint({ cwd: root });
  const [result] = await eslint.lintText(source, { filePath: join(root, file) });
  return result!.messages
    .filter((message) => message.ruleId === 'import-x/no-restricted-paths')
    .map((message) => message.message);
}

describe('the layer rule', () => {
  it.each([
    [
      'lib/utils/x.util.ts',
      "import { FlowManager } from '../flow-manager/flow-manager.js';\nexport const x = FlowManager;\n",
    ],
    [
      'lib/stores/x.store.ts',
      "import type { ResolvedModuleOptions } from '../options/resolved-options.interface.js';\nexport type X = ResolvedModuleOptions;\n",
    ],
    [
      'lib/options/x.ts',
      "import { AuthCodeFlowGuard } from '../http/auth-code-flow.guard.js';\nexport const x = AuthCodeFlowGuard;\n",
    ],
    [
      'lib/auth-code-flow.constants.ts',
      "import { randomValue } from './utils/random.util.js';\nexport const x = randomValue;\n",
    ],
  ])(
    'refuses an import from a higher layer in %s',
    async (file, source) => {
      expect(await layerProblems(file, source)).toEqual([expect.stringContaining('lib/ layers import only downward')]);
    },
    30_000,
  );

  it('lets a layer import from the layers below it', async () => {
    const source =
      "import { randomValue } from '../utils/random.util.js';\nimport type { StateStore } from '../interfaces/state-store.interface.js';\nexport const x = randomValue;\nexport type Y = StateStore;\n";
    expect(await layerProblems('lib/http/x.ts', source)).toEqual([]);
  }, 30_000);
});

// ESLint flat config: typescript-eslint's recommended rules, Prettier for layout, and the layer rule of
// lib/README.md (a file in lib/ imports only from its own layer or the layers below it).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import importX from 'eslint-plugin-import-x';
import { createTypeScriptImportResolver } from 'eslint-import-resolver-typescript';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** lib/'s layers, lowest first: each may import only from itself and the layers before it. */
const LAYERS = [
  ['lib/auth-code-flow.constants.ts'],
  ['lib/utils'],
  [
    'lib/auth-code-flow.errors.ts',
    'lib/userinfo.errors.ts',
    'lib/pushed-authorization.errors.ts',
    'lib/reauthorization.errors.ts',
    'lib/auth-code-flow.messages.ts',
  ],
  ['lib/interfaces'],
  ['lib/stores', 'lib/transport'],
  ['lib/options'],
  // Presets build provider options with the option checks; nothing in lib/ but the index imports them.
  ['lib/providers'],
  // Provider metadata (discovery): fetched through the transport, checked with the option validators.
  ['lib/discovery'],
  // ID tokens (OpenID Connect Core §3.1.3.7): the JWKS fetched through the transport, checked with jose.
  ['lib/id-token'],
  ['lib/flow-manager'],
  ['lib/http'],
  [
    'lib/auth-code-flow.module-definition.ts',
    'lib/auth-code-flow.providers.ts',
    'lib/auth-code-flow.module.ts',
    'lib/index.ts',
  ],
];

// The rule wants globs on both sides: a file becomes a one-file glob (`x.[t]s`).
const asGlob = (path) => (path.endsWith('.ts') ? `./${path.slice(0, -2)}[t]s` : `./${path}/**`);

/** One zone per layer: its files may not import from any later layer. */
const layerZones = LAYERS.slice(0, -1).map((layer, index) => ({
  target: layer.map(asGlob),
  from: LAYERS.slice(index + 1)
    .flat()
    .map(asGlob),
  message: 'lib/ layers import only downward (see lib/README.md).',
}));

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'bench/dist/', 'bench/results/', 'sample/*/dist/', 'node_modules/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    plugins: { 'import-x': importX },
    // Resolves `./x.js` to `./x.ts`, as TypeScript does, so that the layer rule sees every import's file.
    settings: { 'import-x/resolver-next': [createTypeScriptImportResolver({ project: './tsconfig.json' })] },
    languageOptions: {
      // With decorator metadata, a class used only as a constructor parameter's type is still a value import.
      parserOptions: {
        ecmaVersion: 2023,
        sourceType: 'module',
        emitDecoratorMetadata: true,
        experimentalDecorators: true,
      },
    },
    rules: {
      // Option and input checks match control characters on purpose.
      'no-control-regex': 'off',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
      '@typescript-eslint/consistent-type-imports': [
        'error',
        { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false },
      ],
    },
  },
  {
    files: ['lib/**/*.ts'],
    ignores: ['lib/**/*.spec.ts'],
    rules: {
      'import-x/no-restricted-paths': ['error', { zones: layerZones }],
      'max-lines': ['error', { max: 250, skipBlankLines: false, skipComments: false }],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    languageOptions: { globals: globals.node },
  },
  prettier,
);

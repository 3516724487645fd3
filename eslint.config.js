import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { boundaries } from './eslint/boundaries.js';

export default tseslint.config(
  // test/lint/fixtures/ holds a miniature src/ that crosses walls on purpose (see test/lint/boundaries.test.ts).
  { ignores: ['dist/', 'node_modules/', 'data/', 'bench/results/', 'coverage/', 'test/lint/fixtures/'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        // node:test's test() and describe() return promises the runner itself awaits.
        { allowForKnownSafeCalls: [{ from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] }] },
      ],
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true }],
      // Fastify plugins are async by contract even when a body has nothing to await.
      '@typescript-eslint/require-await': 'off',
    },
  },
  ...boundaries(),
  {
    files: ['eslint.config.js', 'eslint/**/*.js', 'eslint/**/*.d.ts', 'bin/**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
);

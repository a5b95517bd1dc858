import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/**', 'web/dist/**', 'dist/**', '.warden/**', 'coverage/**', 'test/fixtures/boundaries/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'off',
      // Safe formats only: nothing in Warden turns data into code.
      'no-eval': 'error',
      'no-implied-eval': 'error',
      'no-new-func': 'error',
      'no-script-url': 'error',
    },
  },
  {
    // process.env is read in one place only: src/config.ts.
    files: ['src/**/*.ts'],
    ignores: ['src/config.ts'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read configuration through src/config.ts' }],
    },
  },
  {
    // SQLite/PostgreSQL differences live in src/store/sql/dialects/, one file per dialect:
    // code elsewhere asks its SqlDialect instead of testing which database it runs on.
    files: ['src/**/*.ts'],
    ignores: ['src/store/sql/dialects/**'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector: ":matches(BinaryExpression[operator=/^[!=]==?$/], SwitchCase) > Literal[value=/^(sqlite|postgres)$/]",
          message: 'Put the SQLite/PostgreSQL difference in src/store/sql/dialects/ (the SqlDialect interface) instead of branching on the dialect.',
        },
      ],
    },
  },
  {
    // The dashboard runs in a browser and reaches the server over HTTP only: it may import the
    // server's types (erased from the bundle), never its code.
    files: ['web/src/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'no-restricted-globals': ['error', { name: 'process', message: 'The dashboard runs in a browser.' }, { name: 'Buffer', message: 'The dashboard runs in a browser.' }],
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/src/*', '**/src/**'], allowTypeImports: true, message: 'web/ talks to the server over HTTP: import its types only (import type).' },
            { group: ['node:*'], message: 'The dashboard runs in a browser.' },
          ],
        },
      ],
    },
  },
);

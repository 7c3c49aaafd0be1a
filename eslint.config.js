import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';
import reactHooks from 'eslint-plugin-react-hooks';

export default tseslint.config(
  // scratch/ (git-ignored) holds local experiments.
  { ignores: ['node_modules/', 'data/', 'dist/', 'web/dist/', 'coverage/', 'scratch/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    // Request schemas take dates through the shared DateTimeInput (src/shared/schemas.ts): ISO 8601,
    // bounded to what PostgreSQL stores. z.coerce.date() takes "-5000" as the year 5000 and year 200000.
    files: ['src/modules/**/*.schemas.ts'],
    rules: {
      'no-restricted-syntax': ['error', { selector: "MemberExpression[object.property.name='coerce'][property.name='date']", message: 'Use DateTimeInput from src/shared/schemas.ts for dates in requests.' }],
    },
  },
  {
    // The web app runs in the browser: DOM globals, the rules of hooks, no stray console output.
    files: ['web/src/**/*.{ts,tsx}'],
    plugins: { 'react-hooks': reactHooks },
    languageOptions: { globals: { ...globals.browser } },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'warn',
      'no-console': ['error', { allow: ['error'] }],
    },
  },
);

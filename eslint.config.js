// Lint the TypeScript sources with the type-unaware recommended rules: fast enough to run on every `npm test`.
import js from '@eslint/js'
import tseslint from 'typescript-eslint'

export default tseslint.config(
  { ignores: ['dist/**', '.build/**', 'node_modules/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      'no-constant-condition': ['error', { checkLoops: false }]
    }
  },
  {
    // The web UI's scripts run in the browser (ES modules served by the daemon).
    files: ['ui/**/*.js'],
    languageOptions: {
      sourceType: 'module',
      globals: Object.fromEntries(['window', 'document', 'location', 'history', 'fetch', 'URLSearchParams', 'ResizeObserver', 'setTimeout']
        .map((name) => [name, 'readonly']))
    }
  }
)

// ESLint flat config. The workflows/ override enforces Temporal's determinism rules at lint time:
// workflow code runs in a sandbox and is replayed, so it may not touch I/O or import side-effecting code.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

const nodeBuiltins = [
  'assert',
  'buffer',
  'child_process',
  'cluster',
  'crypto',
  'dgram',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'http2',
  'https',
  'net',
  'os',
  'path',
  'perf_hooks',
  'process',
  'readline',
  'stream',
  'timers',
  'tls',
  'url',
  'util',
  'v8',
  'vm',
  'worker_threads',
  'zlib',
];

export default tseslint.config(
  {
    ignores: [
      'node_modules/**',
      'dist/**',
      '.data/**',
      '.venv/**',
      'jobs/**',
      'dags/**',
      '**/*.js',
      '!dashboards/client/*.js',
      '**/*.mjs',
      '**/*.cjs',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: globals.node,
      parserOptions: {
        // lint-probe.ts files exist only in test/unit/workflow-lint.test.ts (lintText), never on disk.
        projectService: { allowDefaultProject: ['workflows/lint-probe.ts', 'activities/lint-probe.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
    },
  },
  {
    // The dashboards' browser client: plain JavaScript (type checked by dashboards/client/tsconfig.json).
    files: ['dashboards/client/*.js'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: globals.browser, sourceType: 'module' },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.flatMap((name) => [
            { name, message: 'Workflow code is deterministic: no Node built-ins (use an activity).' },
            { name: `node:${name}`, message: 'Workflow code is deterministic: no Node built-ins (use an activity).' },
          ]),
          patterns: [
            {
              group: [
                '@google-cloud/*',
                'pg',
                'pg-*',
                'ioredis',
                '@duckdb/*',
                'fastify',
                '@temporalio/client',
                '@temporalio/worker',
                '@temporalio/activity',
              ],
              message: 'Workflow code may not import cloud clients, database drivers or worker/client packages.',
            },
            {
              regex: '^\\.\\./(activities|adapters|workers|cli|api)(/|$)',
              allowTypeImports: true,
              message: 'Workflows may import only types from activities/ and adapters/ (use `import type`).',
            },
          ],
        },
      ],
    },
  },
);

import js from '@eslint/js';
import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const drivers = ['@nestjs/*', 'pg', 'pg-*', 'kafkajs', '@eventstore/*', 'ioredis', 'bullmq', '@grpc/*'];

// Layering, checked mechanically: pure domain code knows no framework and no driver.
const depConstraints = [
  {
    sourceTag: 'type:domain',
    onlyDependOnLibsWithTags: ['type:domain', 'type:contracts'],
    bannedExternalImports: drivers,
  },
  {
    sourceTag: 'type:contracts',
    onlyDependOnLibsWithTags: ['type:contracts'],
    bannedExternalImports: drivers,
  },
  {
    sourceTag: 'type:util',
    onlyDependOnLibsWithTags: ['type:util', 'type:contracts'],
  },
  {
    sourceTag: 'type:port',
    onlyDependOnLibsWithTags: ['type:port', 'type:util', 'type:contracts'],
    bannedExternalImports: drivers,
  },
  {
    sourceTag: 'type:infrastructure',
    onlyDependOnLibsWithTags: [
      'type:port',
      'type:util',
      'type:contracts',
      'type:infrastructure',
      'type:domain',
    ],
  },
  {
    sourceTag: 'type:runtime',
    onlyDependOnLibsWithTags: [
      'type:runtime',
      'type:util',
      'type:contracts',
      'type:infrastructure',
      'type:port',
    ],
  },
  {
    sourceTag: 'type:service',
    onlyDependOnLibsWithTags: [
      'type:domain',
      'type:contracts',
      'type:util',
      'type:port',
      'type:infrastructure',
      'type:runtime',
    ],
  },
  { sourceTag: 'type:testing', onlyDependOnLibsWithTags: ['*'] },
  { sourceTag: 'type:e2e', onlyDependOnLibsWithTags: ['type:testing', 'type:contracts', 'type:util'] },
];

// Specifications may use the test helpers (Given/When/Then, fixtures) whatever layer they test.
const specConstraints = depConstraints.map((constraint) => ({
  ...constraint,
  onlyDependOnLibsWithTags: [...constraint.onlyDependOnLibsWithTags, 'type:testing'],
}));

const boundaries = (constraints) => ({
  allow: [],
  enforceBuildableLibDependency: false,
  depConstraints: constraints,
});

export default tseslint.config(
  { ignores: ['**/node_modules/**', '**/dist/**', '.nx/**', '.infra/**', 'load/**/*.js', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    files: ['**/*.ts'],
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': ['error', boundaries(depConstraints)],
    },
  },
  {
    files: ['**/*.spec.ts', '**/*.fixtures.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@nx/enforce-module-boundaries': ['error', boundaries(specConstraints)],
    },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: globals.node },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);

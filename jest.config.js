// One Jest configuration, three tiers told apart by file suffix (see CONVENTIONS):
// *.spec.ts pure, *.int.spec.ts real servers, *.e2e.spec.ts the whole system.
const { compilerOptions } = require('./tsconfig.base.json');

const moduleNameMapper = Object.fromEntries(
  Object.entries(compilerOptions.paths).map(([alias, [target]]) => [
    `^${alias.replace(/[/\\^$*+?.()|[\]{}]/g, '\\$&')}$`,
    `<rootDir>/${target.replace(/^\.\//, '')}`,
  ]),
);

const swc = (syntax) => [
  '@swc/jest',
  {
    jsc: {
      parser: syntax === 'typescript' ? { syntax, decorators: true } : { syntax },
      transform: { legacyDecorator: true, decoratorMetadata: true },
      target: 'es2023',
      keepClassNames: true,
    },
    module: { type: 'commonjs' },
    sourceMaps: 'inline',
  },
];

// Packages published as ES modules only; Jest's CommonJS runtime needs them transformed.
const esmOnly = ['nodemailer', 'temporal-polyfill', 'temporal-utils', 'jose'];

const base = {
  rootDir: __dirname,
  testEnvironment: 'node',
  moduleNameMapper,
  transform: { '^.+\\.ts$': swc('typescript'), '^.+\\.m?js$': swc('ecmascript') },
  transformIgnorePatterns: [`/node_modules/(?!(${esmOnly.join('|')})/)`],
  modulePathIgnorePatterns: ['<rootDir>/dist/'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/dist/'],
};

module.exports = {
  projects: [
    {
      ...base,
      displayName: 'unit',
      testMatch: ['<rootDir>/{libs,services,scripts}/**/*.spec.ts'],
      testPathIgnorePatterns: [...base.testPathIgnorePatterns, '\\.int\\.spec\\.ts$', '\\.e2e\\.spec\\.ts$'],
    },
    {
      ...base,
      displayName: 'integration',
      testMatch: ['<rootDir>/{libs,services,scripts}/**/*.int.spec.ts'],
      globalSetup: '<rootDir>/libs/shared/testing/src/global-setup.ts',
      setupFilesAfterEnv: ['<rootDir>/libs/shared/testing/src/jest-timeouts.ts'],
    },
    {
      ...base,
      displayName: 'e2e',
      testMatch: ['<rootDir>/{libs,services,e2e}/**/*.e2e.spec.ts'],
      globalSetup: '<rootDir>/libs/shared/testing/src/global-setup.ts',
      setupFilesAfterEnv: ['<rootDir>/libs/shared/testing/src/jest-timeouts.ts'],
    },
  ],
};

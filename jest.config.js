/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } } }],
  },
  testTimeout: 60000,
  setupFiles: ['<rootDir>/test/support/test-environment.js'],
  reporters: ['default', '<rootDir>/test/support/summary-reporter.js'],
  // Integration suites each boot emulators; two workers fit the 2-core machine.
  maxWorkers: 2,
};

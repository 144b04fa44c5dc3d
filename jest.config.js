// Jest runs native ESM (node --experimental-vm-modules) with babel stripping types; see docs/adr/0001.
const common = {
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': 'babel-jest' },
  // Sources import './x.js' (NodeNext); jest resolves those to the .ts file.
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
};

/** @type {import('jest').Config} */
export default {
  // e2e tests poll a real cluster; each wait has its own, shorter timeout that names what it waited for.
  testTimeout: 120_000,
  projects: [
    {
      ...common,
      displayName: 'unit',
      testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/unit/**/*.test.ts'],
    },
    {
      ...common,
      displayName: 'e2e',
      testMatch: ['<rootDir>/test/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/test/e2e/setup/globalSetup.ts',
      globalTeardown: '<rootDir>/test/e2e/setup/globalTeardown.ts',
      slowTestThreshold: 30,
    },
  ],
};

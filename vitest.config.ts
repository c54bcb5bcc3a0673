import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'subsystem',
          include: ['subsystem/**/*.test.ts'],
          // The suites run the packaged binary; build it once, before any file, when src is newer.
          globalSetup: ['subsystem/support/global-setup.ts'],
          // The subsystem suites share one WireMock and real processes; run files one at a time.
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});

import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Vitest's default is one worker fewer than the CPUs: one worker on a 2-core CI machine. The
    // e2e files are chains of child processes and loopback HTTP, so two workers keep both CPUs busy
    // (docs/benchmarks.md, "Test suite").
    maxWorkers: 2,
    reporters: ["default", "./test/summary-reporter.ts"],
  },
});

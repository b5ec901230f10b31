// Test runner settings: every test under test/, real services, generous timeouts for integration work.
import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: "forks",
    // Vitest's default is one worker less than the CPUs: one on a 2-core machine. Most tests wait on processes,
    // servers and back-off timers rather than compute, so two files at a time nearly halve the run there.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});

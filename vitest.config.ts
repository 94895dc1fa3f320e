import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["shared/**/*.test.ts", "test/**/*.test.ts", "server/**/*.test.ts"],
    // Integration tests share one real Postgres; each uses its own calendar rows, so files may run in
    // parallel, but a race test wants the two cores to itself more than it wants company.
    pool: "forks",
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});

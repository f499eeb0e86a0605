// Tests run in Node without Raycast: `@raycast/api` and `@raycast/utils` resolve to small mocks
// (test/mocks) that render Raycast's components as plain elements carrying their props.
import path from "node:path";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    alias: {
      "@raycast/api": path.resolve(__dirname, "test/mocks/raycast-api.tsx"),
      "@raycast/utils": path.resolve(__dirname, "test/mocks/raycast-utils.ts"),
    },
  },
  test: {
    environment: "node",
    include: ["test/**/*.test.{ts,tsx}"],
    setupFiles: ["test/setup.ts"],
    // Two cores shared with other builds: keep the worker count small.
    pool: "threads",
    poolOptions: { threads: { maxThreads: 2, minThreads: 1 } },
  },
});

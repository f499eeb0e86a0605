// Set-up run before every test file: each test's state directories go when it ends (so a run
// leaves nothing in the temporary directory), and React's test-renderer noise is kept quiet.
import { afterEach } from "vitest";
import { removeStateDirs } from "./fake-agentbar";

afterEach(removeStateDirs);

// React 19 warns unless it knows it runs inside act()-aware tests.
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

// react-test-renderer still works with React 19 (Raycast's version) but says once per render
// that it is deprecated; keep that one line out of the output, and everything else in it.
const consoleError = console.error;
console.error = (...args: unknown[]) => {
  if (typeof args[0] === "string" && args[0].startsWith("react-test-renderer is deprecated")) return;
  consoleError(...args);
};

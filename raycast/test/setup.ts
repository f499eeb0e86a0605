// React 19 warns unless it knows it runs inside act()-aware tests.
(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

// react-test-renderer still works with React 19 (Raycast's version) but says once per render
// that it is deprecated; keep that one line out of the output, and everything else in it.
const consoleError = console.error;
console.error = (...args: unknown[]) => {
  if (typeof args[0] === "string" && args[0].startsWith("react-test-renderer is deprecated")) return;
  consoleError(...args);
};

/**
 * Shortcuts beyond `Keyboard.Shortcut.Common`. macOS's ⌘ is Ctrl on Windows; each gets its own.
 */
import type { Keyboard } from "@raycast/api";

/** ⌘L / Ctrl+L: show the session logs. */
export const SHOW_LOGS: Keyboard.Shortcut = {
  macOS: { modifiers: ["cmd"], key: "l" },
  Windows: { modifiers: ["ctrl"], key: "l" },
};

/** ⌘⇧O / Ctrl+Shift+O: open the logs page on GitHub. */
export const OPEN_LOGS_IN_BROWSER: Keyboard.Shortcut = {
  macOS: { modifiers: ["cmd", "shift"], key: "o" },
  Windows: { modifiers: ["ctrl", "shift"], key: "o" },
};

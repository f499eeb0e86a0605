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

/** ⌘↵ / Ctrl+Enter: continue the task with a follow-up prompt (the secondary action's keys). */
export const CONTINUE_TASK: Keyboard.Shortcut = {
  macOS: { modifiers: ["cmd"], key: "return" },
  Windows: { modifiers: ["ctrl"], key: "return" },
};

/** ⌘⇧E / Ctrl+Shift+E: export the task's log as Markdown. */
export const EXPORT_LOG: Keyboard.Shortcut = {
  macOS: { modifiers: ["cmd", "shift"], key: "e" },
  Windows: { modifiers: ["ctrl", "shift"], key: "e" },
};

/** ⌘⇧A / Ctrl+Shift+A: archive or unarchive the task. */
export const ARCHIVE_TASK: Keyboard.Shortcut = {
  macOS: { modifiers: ["cmd", "shift"], key: "a" },
  Windows: { modifiers: ["ctrl", "shift"], key: "a" },
};

/** ⌘⇧H / Ctrl+Shift+H: show or hide the archived tasks. */
export const TOGGLE_ARCHIVED: Keyboard.Shortcut = {
  macOS: { modifiers: ["cmd", "shift"], key: "h" },
  Windows: { modifiers: ["ctrl", "shift"], key: "h" },
};

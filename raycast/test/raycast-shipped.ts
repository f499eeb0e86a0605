/**
 * `Keyboard.Shortcut.Common` as Raycast's own packages ship it, read from node_modules instead of
 * copied into the mock. `@raycast/api` ships the names (its type declarations: the values come
 * from the Raycast app at run time); Raycast's ESLint plugin ships the values (the table behind its
 * `prefer-common-shortcut` rule). A newer Raycast that renames, adds or changes one shows up here.
 */
import fs from "node:fs";
import path from "node:path";

export interface PlatformShortcut {
  modifiers: string[];
  key: string;
}
export interface CrossPlatformShortcut {
  macOS: PlatformShortcut;
  Windows: PlatformShortcut;
}

const modules = path.resolve(__dirname, "..", "node_modules", "@raycast");

/** The property names of `Keyboard.Shortcut.Common` in `@raycast/api`'s declarations. */
export function shippedCommonNames(): string[] {
  const declarations = fs.readFileSync(path.join(modules, "api", "types", "index.d.ts"), "utf8");
  const block = /const Common: \{([^}]*)\}/.exec(declarations);
  if (!block) throw new Error("@raycast/api no longer declares Keyboard.Shortcut.Common");
  return [...block[1].matchAll(/(\w+): Shortcut;/g)].map((m) => m[1]).sort();
}

/** The values of `Keyboard.Shortcut.Common`, by name, from `@raycast/eslint-plugin`. */
export function shippedCommonShortcuts(): Record<string, CrossPlatformShortcut> {
  const rule = fs.readFileSync(
    path.join(modules, "eslint-plugin", "dist", "rules", "prefer-common-shortcut.js"),
    "utf8",
  );
  const table = /const COMMON_SHORTCUTS = (\[[\s\S]*?\n\]);/.exec(rule);
  if (!table) throw new Error("@raycast/eslint-plugin no longer ships its table of common shortcuts");
  // The table is a plain literal of strings, arrays and objects: JSON once its keys are quoted.
  const json = table[1].replace(/([{,]\s*)(\w+):/g, '$1"$2":').replace(/,(\s*[}\]])/g, "$1");
  const entries = JSON.parse(json) as ({ name: string } & CrossPlatformShortcut)[];
  return Object.fromEntries(entries.map(({ name, macOS, Windows }) => [name, { macOS, Windows }]));
}

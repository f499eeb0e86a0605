/**
 * A stand-in for `@raycast/api` in tests. Each component renders as a plain element named like
 * the Raycast component ("List.Item", "Action.Push", …) with every prop kept, and renders its
 * `searchBarAccessory`, `actions` and `detail` props as children so tests can find them in the tree. Functions with
 * effects are `vi.fn()`s that tests inspect or re-program.
 */
import { createElement, type ReactNode } from "react";
import { vi } from "vitest";
import { shippedCommonNames, shippedCommonShortcuts } from "../raycast-shipped";

type Props = Record<string, unknown> & { children?: ReactNode };

function host(name: string) {
  const Component = (props: Props) =>
    createElement(
      name,
      props,
      props.searchBarAccessory as ReactNode,
      props.actions as ReactNode,
      props.detail as ReactNode,
      props.children,
    );
  Component.displayName = name;
  return Component;
}

const names = (prefix: string) =>
  new Proxy({} as Record<string, string>, { get: (_target, key) => `${prefix}:${String(key)}` });

export const Icon = names("icon");
export const Color = names("color");
export const Image = { Mask: { Circle: "circle", RoundedRectangle: "roundedRectangle" } };

/**
 * Keyboard.Shortcut.Common as Raycast ships it (see test/raycast-shipped.ts): every name
 * `@raycast/api` declares, with the value Raycast's own packages give it. A name without a value
 * fails here rather than leaving the mock to guess.
 */
const shipped = shippedCommonShortcuts();
export const Keyboard = {
  Shortcut: {
    Common: Object.fromEntries(
      shippedCommonNames().map((name) => {
        if (!shipped[name]) throw new Error(`no shipped value for Keyboard.Shortcut.Common.${name}`);
        return [name, shipped[name]];
      }),
    ),
  },
};

export const List = Object.assign(host("List"), {
  Item: Object.assign(host("List.Item"), {
    Detail: Object.assign(host("List.Item.Detail"), {
      Metadata: Object.assign(host("List.Item.Detail.Metadata"), {
        Label: host("List.Item.Detail.Metadata.Label"),
        Separator: host("List.Item.Detail.Metadata.Separator"),
        Link: host("List.Item.Detail.Metadata.Link"),
      }),
    }),
  }),
  Section: host("List.Section"),
  EmptyView: host("List.EmptyView"),
  Dropdown: Object.assign(host("List.Dropdown"), {
    Item: host("List.Dropdown.Item"),
    Section: host("List.Dropdown.Section"),
  }),
});

export const Form = Object.assign(host("Form"), {
  TextField: host("Form.TextField"),
  TextArea: host("Form.TextArea"),
  Checkbox: host("Form.Checkbox"),
  Description: host("Form.Description"),
  Dropdown: Object.assign(host("Form.Dropdown"), {
    Item: host("Form.Dropdown.Item"),
    Section: host("Form.Dropdown.Section"),
  }),
});

export const MenuBarExtra = Object.assign(host("MenuBarExtra"), {
  Item: host("MenuBarExtra.Item"),
  Section: host("MenuBarExtra.Section"),
  Submenu: host("MenuBarExtra.Submenu"),
});

export const Detail = host("Detail");

export const ActionPanel = Object.assign(host("ActionPanel"), {
  Section: host("ActionPanel.Section"),
  Submenu: host("ActionPanel.Submenu"),
});

export const Action = Object.assign(host("Action"), {
  OpenInBrowser: host("Action.OpenInBrowser"),
  Push: host("Action.Push"),
  CopyToClipboard: host("Action.CopyToClipboard"),
  Open: host("Action.Open"),
  SubmitForm: host("Action.SubmitForm"),
  Style: { Regular: "regular", Destructive: "destructive" },
});

export const Toast = { Style: { Animated: "animated", Success: "success", Failure: "failure" } };
export const Alert = { ActionStyle: { Default: "default", Cancel: "cancel", Destructive: "destructive" } };

export interface MockToast {
  style: string;
  title: string;
  message?: string;
  primaryAction?: { title: string; onAction: () => void };
  hide: () => Promise<void>;
}

/** Every toast shown, live objects (the code under test mutates them). */
export const toasts: MockToast[] = [];
export const showToast = vi.fn(async (options: { style: string; title: string; message?: string }) => {
  const toast: MockToast = { ...options, hide: async () => undefined };
  toasts.push(toast);
  return toast;
});
export const confirmAlert = vi.fn(async (options: unknown) => options !== undefined);
export const openExtensionPreferences = vi.fn(async () => undefined);
export const open = vi.fn(async (target: string) => void target);
export const Clipboard = { copy: vi.fn(async (content: unknown) => void content) };
export const showInFinder = vi.fn(async (path: string) => void path);
export const popToRoot = vi.fn(async () => undefined);

/** Raycast's LocalStorage, in memory; `localStorageItems` is cleared by tests that need a fresh one. */
export const localStorageItems = new Map<string, string>();
export const LocalStorage = {
  getItem: vi.fn(async <T,>(key: string) => localStorageItems.get(key) as T | undefined),
  setItem: vi.fn(async (key: string, value: string | number | boolean) => {
    localStorageItems.set(key, String(value));
  }),
  removeItem: vi.fn(async (key: string) => {
    localStorageItems.delete(key);
  }),
  allItems: vi.fn(async () => Object.fromEntries(localStorageItems)),
  clear: vi.fn(async () => localStorageItems.clear()),
};

let preferences: Record<string, unknown> = {};
/** Sets what getPreferenceValues returns (tests point the extension at a fake agentbar). */
export function setPreferences(values: Record<string, unknown>): void {
  preferences = values;
}
export const getPreferenceValues = vi.fn(() => preferences);

export const environment = {
  extensionName: "agentbar",
  commandName: "view-tasks",
  isDevelopment: true,
  supportPath: "/tmp/agentbar-raycast-test",
  assetsPath: "/tmp/agentbar-raycast-test/assets",
};

/** The navigation of every rendered component: tests see what was pushed and popped. */
export const navigation = { push: vi.fn(), pop: vi.fn() };
export const useNavigation = () => navigation;

// Rendering the command's components with react-test-renderer over the mocked @raycast/api:
// every Raycast component is a plain element named like it ("List.Item", "Action.Push"), so
// tests find them by that name and read their props.
import type { ReactElement } from "react";
import TestRenderer, { act, type ReactTestInstance, type ReactTestRenderer } from "react-test-renderer";

export async function render(element: ReactElement): Promise<ReactTestRenderer> {
  let renderer: ReactTestRenderer | undefined;
  await act(async () => {
    renderer = TestRenderer.create(element);
  });
  return renderer!;
}

export async function unmount(renderer: ReactTestRenderer): Promise<void> {
  await act(async () => renderer.unmount());
}

/** Retries `check` (letting React and the network run in between) until it passes or time runs out. */
export async function waitFor<T>(check: () => T, timeoutMs = 4000): Promise<T> {
  const started = performance.now();
  for (;;) {
    try {
      return check();
    } catch (error) {
      if (performance.now() - started > timeoutMs) throw error;
      await act(async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
      });
    }
  }
}

export function all(renderer: ReactTestRenderer | ReactTestInstance, type: string): ReactTestInstance[] {
  const root = "root" in renderer ? renderer.root : renderer;
  return root.findAll((node) => node.type === type);
}

export function one(renderer: ReactTestRenderer | ReactTestInstance, type: string): ReactTestInstance {
  const found = all(renderer, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0];
}

/** The actions of an item or empty view, in panel order (what Enter, ⌘↵, … run). */
export function actionsOf(item: ReactTestInstance): ReactTestInstance[] {
  return item.findAll((node) => typeof node.type === "string" && /^Action(\.|$)/.test(node.type));
}

export function actionTitled(item: ReactTestInstance, title: string): ReactTestInstance {
  const found = actionsOf(item).filter((a) => a.props.title === title);
  if (found.length !== 1) throw new Error(`expected one action "${title}", found ${found.length}`);
  return found[0];
}

export async function press(action: ReactTestInstance): Promise<void> {
  await act(async () => {
    await action.props.onAction();
  });
}

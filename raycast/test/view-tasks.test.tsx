// The View Tasks command rendered over the mocked @raycast/api against a fake agentbar on
// loopback: the sections and rows, the action panel (Enter opens the PR, ⌘L pushes the logs,
// shortcuts that do not clash), stop and refresh, and the empty views when agentbar cannot help.
import { confirmAlert, open } from "@raycast/api";
import fs from "node:fs";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { ReactTestRenderer } from "react-test-renderer";
import { TaskLogs } from "../src/components/TaskLogs";
import { openWebPage } from "../src/helpers/open-url";
import ViewTasks from "../src/view-tasks";
import { example, leftBehindStateDir, startFakeAgentbar, stateDir, TOKEN, type FakeAgentbar } from "./fake-agentbar";
import { setPreferences, toasts } from "./mocks/raycast-api";
import { shippedCommonShortcuts } from "./raycast-shipped";
import { actionsOf, actionTitled, all, one, press, render, unmount, waitFor } from "./render";

const tasksExample = example("v1-tasks") as {
  generated_at: string;
  tasks: {
    id: string;
    key: string;
    url: string;
    pull_request: { url: string } | null;
    usage?: { label: string } | null;
    branch?: { head_ref: string; base_ref: string | null } | null;
    custom_agent?: string | null;
    bucket: string;
    actions?: string[];
  }[];
  health: Record<string, unknown>;
};
/** An example task by the end of its id; its links carry whatever port the simulator had. */
const exampleTask = (suffix: string) => tasksExample.tasks.find((t) => t.id.endsWith(suffix))!;
const PR_57 = exampleTask("a002").pull_request!.url;

let fake: FakeAgentbar | undefined;
let view: ReactTestRenderer | undefined;

beforeEach(() => {
  toasts.length = 0;
  vi.mocked(confirmAlert).mockClear();
  vi.mocked(open).mockClear();
  // Pin "now" to the example's time so the sections are the same on every day.
  vi.spyOn(Date, "now").mockReturnValue(Date.parse(tasksExample.generated_at));
});

afterEach(async () => {
  if (view) await unmount(view);
  view = undefined;
  await fake?.close();
  fake = undefined;
  vi.restoreAllMocks();
  delete process.env.AGENTBAR_STATE_DIR;
});

async function openWith(routes: Parameters<typeof startFakeAgentbar>[0]) {
  fake = await startFakeAgentbar(routes);
  setPreferences({ apiUrl: fake.url, apiToken: TOKEN });
  view = await render(<ViewTasks />);
  return view;
}

const item = (renderer: ReactTestRenderer, idSuffix: string) =>
  all(renderer, "List.Item").find((node) => String(node.props.id).endsWith(idSuffix))!;

describe("the task list", () => {
  it("shows the tasks in sections with icon, repository, error and age", async () => {
    // The live example, with one task whose session detail the Copilot API failed to give.
    const body = {
      ...tasksExample,
      tasks: tasksExample.tasks.map((t) =>
        t.id.endsWith("a003") ? { ...t, note: "session detail unavailable: GET /agents/sessions/1: HTTP 500" } : t,
      ),
    };
    const v = await openWith({ "GET /v1/tasks": { body } });
    await waitFor(() => expect(all(v, "List.Item")).toHaveLength(tasksExample.tasks.length));
    const sections = all(v, "List.Section").map((s) => [s.props.title, s.props.subtitle]);
    expect(sections).toEqual([
      ["Needs you", "2"],
      ["Running", "2"],
      ["Recent", "7"],
      ["Earlier", "4"],
    ]);
    const list = one(v, "List");
    expect(list.props.isLoading).toBe(false);
    expect(list.props.navigationTitle).toBe("View Tasks");

    const waiting = item(v, "a002");
    expect(waiting.props).toMatchObject({
      title: "Add token-bucket rate limiting middleware",
      subtitle: "octo-org/api-server",
      icon: { value: { source: "icon:PersonCircle", tintColor: "color:Orange" }, tooltip: "Needs you" },
    });
    expect(waiting.props.keywords).toContain("api-server");
    const usage = exampleTask("a002").usage!.label;
    expect(usage).toMatch(/^\d+\.\d AI credits$/);
    expect(waiting.props.accessories).toEqual([
      { text: usage.replace(/ AI credits$/, " credits"), tooltip: `Usage: ${usage}` },
      { text: "now", tooltip: expect.stringMatching(/^Updated /) },
    ]);

    // A task that opened no pull request shows its branch; a custom agent is named.
    const { head_ref, base_ref } = exampleTask("b004").branch!;
    expect(item(v, "b004").props.accessories[0]).toEqual({
      tag: head_ref,
      icon: "icon:Switch",
      tooltip: `${head_ref} → ${base_ref}`,
    });
    const agent = exampleTask("b007").custom_agent!;
    expect(item(v, "b007").props.accessories).toContainEqual({ tag: agent, tooltip: "Custom agent" });
    // A task whose session detail failed says so, and is listed all the same.
    expect(item(v, "a003").props.accessories[0]).toEqual({
      icon: { source: "icon:Info", tintColor: "color:Orange" },
      tooltip: expect.stringMatching(/^session detail unavailable: /),
    });

    const failed = item(v, "b003");
    expect(failed.props.icon.value.tintColor).toBe("color:Red");
    expect(failed.props.accessories[0]).toMatchObject({
      text: { value: "The agent stopped after repeated test failures.", color: "color:Red" },
    });
    expect(failed.props.accessories.at(-1)).toMatchObject({
      text: "20h",
      tooltip: expect.stringMatching(/^Finished /),
    });
  });

  it("opens the pull request first, and the task page when there is none", async () => {
    const v = await openWith({ "GET /v1/tasks": { body: example("v1-tasks") } });
    await waitFor(() => expect(all(v, "List.Item")).toHaveLength(tasksExample.tasks.length));
    const first = all(v, "List.Item")[0];
    const [enter] = actionsOf(first);
    expect(enter.type).toBe("Action.OpenInBrowser");
    expect(enter.props).toMatchObject({ title: "Open Pull Request", url: PR_57 });

    const [noPr] = actionsOf(item(v, "b002"));
    expect(noPr.props).toMatchObject({
      title: "Open Task Page",
      url: exampleTask("b002").url,
    });
  });

  it("pushes the logs view on ⌘L (Ctrl+L on Windows)", async () => {
    const v = await openWith({ "GET /v1/tasks": { body: example("v1-tasks") } });
    await waitFor(() => expect(all(v, "List.Item")).toHaveLength(tasksExample.tasks.length));
    const push = actionsOf(all(v, "List.Item")[0]).find((a) => a.props.title === "Show Logs")!;
    expect(push.type).toBe("Action.Push");
    expect(push.props.shortcut).toEqual({
      macOS: { modifiers: ["cmd"], key: "l" },
      Windows: { modifiers: ["ctrl"], key: "l" },
    });
    expect(push.props.target.type).toBe(TaskLogs);
    expect(push.props.target.props.task.id).toBe(tasksExample.tasks[0].id);
  });

  it("orders the actions: open, logs, task page, workflow run, copy link, export, stop, the list's (archive all finished: the example's tasks offer archive), refresh last; no shortcut twice", async () => {
    const v = await openWith({ "GET /v1/tasks": { body: example("v1-tasks") } });
    await waitFor(() => expect(all(v, "List.Item")).toHaveLength(tasksExample.tasks.length));
    const actions = actionsOf(item(v, "a001"));
    // The example list holds finished tasks agentbar lets us archive, so the list offers the bulk action.
    expect(
      tasksExample.tasks.some(
        (t) => ["completed", "failed", "cancelled"].includes(t.bucket) && (t.actions ?? []).includes("archive"),
      ),
    ).toBe(true);
    expect(actions.map((a) => a.props.title)).toEqual([
      "Open Pull Request",
      "Show Logs",
      "Open Task Page",
      "Open Workflow Run",
      "Copy Link",
      "Export Log",
      "Stop Task",
      "Show Archived",
      "Archive All Finished",
      "As JSON",
      "As CSV",
      "Refresh",
    ]);
    const byTitle = Object.fromEntries(actions.map((a) => [a.props.title, a.props]));
    expect(byTitle["Copy Link"]).toMatchObject({ content: exampleTask("a001").pull_request!.url });
    // Raycast's own values (read from what its packages ship), not a copy kept here.
    const common = shippedCommonShortcuts();
    expect(byTitle["Open Task Page"].shortcut).toEqual(common.Open);
    expect(byTitle["Copy Link"].shortcut).toEqual(common.Copy);
    expect(byTitle["Stop Task"].shortcut).toEqual(common.Remove);
    expect(byTitle["Refresh"].shortcut).toEqual(common.Refresh);
    // The workflow run's page, on the same web host as the pull request; none without a known run.
    expect(byTitle["Open Workflow Run"].url).toMatch(/\/actions\/runs\/\d+$/);
    expect(actionsOf(item(v, "b005")).map((a) => a.props.title)).not.toContain("Open Workflow Run");
    for (const platform of ["macOS", "Windows"] as const) {
      const keys = actions.filter((a) => a.props.shortcut).map((a) => JSON.stringify(a.props.shortcut[platform]));
      expect(new Set(keys).size).toBe(keys.length);
    }
    // Finished tasks cannot be stopped.
    expect(actionsOf(item(v, "a003")).map((a) => a.props.title)).not.toContain("Stop Task");
  });

  it("stops a task after confirmation and shows the API's message when it cannot", async () => {
    const v = await openWith({
      "GET /v1/tasks": { body: example("v1-tasks") },
      [`POST /v1/tasks/${exampleTask("a001").key}/actions/stop`]: {
        status: 409,
        body: { error: { code: "not_active", message: "the task has no run to cancel" } },
      },
    });
    await waitFor(() => expect(all(v, "List.Item")).toHaveLength(tasksExample.tasks.length));
    const stop = actionTitled(item(v, "a001"), "Stop Task");

    vi.mocked(confirmAlert).mockResolvedValueOnce(false);
    await press(stop);
    expect(fake!.requests.filter((r) => r.method === "POST")).toEqual([]);

    await press(stop);
    expect(confirmAlert).toHaveBeenCalledTimes(2);
    expect(toasts.at(-1)).toMatchObject({
      style: "failure",
      title: "Could not stop the task",
      message: "the task has no run to cancel",
    });
  });

  it("reports a successful stop and reads the list again", async () => {
    const v = await openWith({
      "GET /v1/tasks": { body: example("v1-tasks") },
      [`POST /v1/tasks/${exampleTask("a002").key}/actions/stop`]: {
        status: 202,
        body: {
          task: exampleTask("a002").key,
          action: "stop",
          message: "cancellation of the Actions run 1 requested",
          url: null,
        },
      },
    });
    await waitFor(() => expect(all(v, "List.Item")).toHaveLength(tasksExample.tasks.length));
    await press(actionTitled(item(v, "a002"), "Stop Task"));
    expect(toasts.at(-1)).toMatchObject({ style: "success", title: "Stop requested" });
    expect(fake!.requests.filter((r) => r.method === "POST").map((r) => decodeURIComponent(r.path))).toEqual([
      `/v1/tasks/${exampleTask("a002").key}/actions/stop`,
    ]);
    await waitFor(() => expect(fake!.requests.filter((r) => r.path === "/v1/tasks").length).toBeGreaterThanOrEqual(2));
  });

  it("refreshes: asks agentbar to poll, then reads the list again", async () => {
    const v = await openWith({ "GET /v1/tasks": { body: example("v1-tasks") }, "POST /v1/refresh": { status: 202 } });
    await waitFor(() => expect(all(v, "List.Item")).toHaveLength(tasksExample.tasks.length));
    await press(actionTitled(item(v, "a003"), "Refresh"));
    await waitFor(() =>
      expect(fake!.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
        "GET /v1/tasks",
        "POST /v1/refresh",
        "GET /v1/tasks",
      ]),
    );
  });

  it("says so when there are no tasks", async () => {
    const empty = { ...(example("v1-tasks") as object), tasks: [] };
    const v = await openWith({ "GET /v1/tasks": { body: empty } });
    await waitFor(() => expect(one(v, "List.EmptyView").props.title).toBe("No tasks"));
  });
});

describe("the empty views when agentbar cannot help", () => {
  it("never starts agentbar: nothing in the extension spawns a process or opens an app", async () => {
    const files = fs.readdirSync(path.resolve(__dirname, "../src"), { recursive: true, encoding: "utf8" });
    const sources = files
      .filter((f) => /\.tsx?$/.test(f))
      .map((f) => [f, fs.readFileSync(path.resolve(__dirname, "../src", f), "utf8")] as const);
    expect(sources.length).toBeGreaterThan(10);
    for (const [file, source] of sources) {
      expect(source).not.toMatch(/child_process|execFile|spawn\(|launchCommand|open-application/);
      // The one call of Raycast's `open`, which opens web pages and refuses anything else.
      if (file !== path.join("helpers", "open-url.ts")) expect(source).not.toMatch(/\bopen\(/);
    }
    for (const target of ["agentbar", "file:///usr/local/bin/agentbar", "/Applications/agentbar.app", "x"]) {
      await expect(openWebPage(target)).rejects.toThrow(/not a web page/);
    }
    expect(open).not.toHaveBeenCalled();
    await openWebPage("https://github.com/octo-org/api-server/pull/57");
    expect(open).toHaveBeenCalledWith("https://github.com/octo-org/api-server/pull/57");
  });

  async function emptyView(renderer: ReactTestRenderer) {
    const emptyView = await waitFor(() => one(renderer, "List.EmptyView"));
    // Never a spinner forever.
    await waitFor(() => expect(one(renderer, "List").props.isLoading).toBe(false));
    expect(all(renderer, "List.Item")).toHaveLength(0);
    return emptyView;
  }

  it("agentbar not running: no endpoint.json", async () => {
    process.env.AGENTBAR_STATE_DIR = stateDir();
    setPreferences({});
    view = await render(<ViewTasks />);
    const empty = await emptyView(view);
    expect(empty.props.title).toBe("agentbar is not running");
    expect(empty.props.description).toMatch(/Start agentbar/);
    expect(actionsOf(empty).map((a) => a.props.title)).toEqual([
      "Try Again",
      "Copy Command",
      "Open Extension Preferences",
    ]);
    expect(actionTitled(empty, "Copy Command").props.content).toBe("agentbar run");
  });

  it("agentbar not running: endpoint.json left behind, nothing listening", async () => {
    process.env.AGENTBAR_STATE_DIR = await leftBehindStateDir();
    setPreferences({});
    view = await render(<ViewTasks />);
    expect((await emptyView(view)).props.title).toBe("agentbar is not running");
  });

  it("signed out", async () => {
    const signedOut = { ...(example("v1-tasks") as object), health: { ...tasksExample.health, status: "signed_out" } };
    const v = await openWith({ "GET /v1/tasks": { body: signedOut } });
    const empty = await emptyView(v);
    expect(empty.props.title).toBe("agentbar is signed out");
    expect(actionTitled(empty, "Copy Command").props.content).toBe("agentbar login");
  });

  it("a newer schema version", async () => {
    const v = await openWith({ "GET /v1/tasks": { body: { schema_version: 2, tasks: "whatever" } } });
    const empty = await emptyView(v);
    expect(empty.props.title).toBe("agentbar is newer than this extension");
  });

  it("a refused token", async () => {
    const v = await openWith({
      "GET /v1/tasks": {
        status: 401,
        body: { error: { code: "unauthorized", message: "missing or wrong bearer token" } },
      },
    });
    const empty = await emptyView(v);
    expect(empty.props.title).toBe("agentbar refused the token");
    expect(actionsOf(empty).map((a) => a.props.title)).toContain("Open Extension Preferences");
  });

  it("recovers when agentbar comes back (Try Again)", async () => {
    const v = await openWith({
      "GET /v1/tasks": { status: 503, body: { error: { code: "starting", message: "busy" } } },
    });
    const empty = await emptyView(v);
    expect(empty.props.title).toBe("agentbar had a problem");
    fake!.routes["GET /v1/tasks"] = { body: example("v1-tasks") };
    await press(actionTitled(empty, "Try Again"));
    await waitFor(() => expect(all(v, "List.Item")).toHaveLength(tasksExample.tasks.length));
  });
});

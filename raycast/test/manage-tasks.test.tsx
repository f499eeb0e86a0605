// Managing tasks from View Tasks against a fake agentbar on loopback: the Agent / Status / Time
// dropdown sent as the API's filters and remembered between openings, Show Archived, the actions
// the server allows (archive, unarchive, continue, stop), Archive All Finished with confirmation,
// Export Log and the list export written into a temporary Downloads folder, and the Continue form
// from the list and from the logs view.
import { confirmAlert, open, showInFinder } from "@raycast/api";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { act, type ReactTestInstance, type ReactTestRenderer } from "react-test-renderer";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AgentbarClient } from "../src/api/client";
import { ContinueTaskForm } from "../src/components/ContinueTaskForm";
import { TaskLogs } from "../src/components/TaskLogs";
import { FILTER_STORAGE_KEY } from "../src/helpers/filters";
import ViewTasks from "../src/view-tasks";
import { example, startFakeAgentbar, TOKEN, type FakeAgentbar, type Route } from "./fake-agentbar";
import { localStorageItems, navigation, setPreferences, toasts } from "./mocks/raycast-api";
import { actionsOf, actionTitled, all, one, press, render, unmount, waitFor } from "./render";

interface ExampleTask {
  id: string;
  key: string;
  bucket: string;
  title: string;
  repository: string | null;
  actions?: string[];
}
const tasksExample = example("v1-tasks") as { generated_at: string; tasks: ExampleTask[] };

/** What a server would allow per bucket; the tests set it, the extension only reads it. */
function allowed(bucket: string): string[] {
  if (bucket === "running") return ["stop"];
  if (bucket === "waiting") return ["stop", "continue"];
  return ["continue", "archive"];
}
const withActions = (tasks: ExampleTask[], actions: (t: ExampleTask) => string[]) => ({
  ...tasksExample,
  tasks: tasks.map((t) => ({ ...t, actions: actions(t) })),
});
const active = withActions(tasksExample.tasks, (t) => allowed(t.bucket));
const finishedTasks = active.tasks.filter((t) => ["completed", "failed", "cancelled"].includes(t.bucket));
const byEnd = (suffix: string) => active.tasks.find((t) => t.id.endsWith(suffix))!;

let fake: FakeAgentbar | undefined;
let view: ReactTestRenderer | undefined;
let home: string;

beforeEach(() => {
  toasts.length = 0;
  localStorageItems.clear();
  vi.mocked(confirmAlert).mockClear();
  vi.mocked(showInFinder).mockClear();
  vi.mocked(open).mockClear();
  navigation.pop.mockClear();
  vi.spyOn(Date, "now").mockReturnValue(Date.parse(tasksExample.generated_at));
  // Exports go to ~/Downloads: a temporary home, removed after each test. Setting HOME is not
  // enough (a worker thread's os.homedir() reads the process's real environment).
  home = fs.mkdtempSync(path.join(os.tmpdir(), "agentbar-home-"));
  vi.spyOn(os, "homedir").mockReturnValue(home);
  expect(os.homedir()).toBe(home);
});

afterEach(async () => {
  if (view) await unmount(view);
  view = undefined;
  await fake?.close();
  fake = undefined;
  vi.restoreAllMocks();
  fs.rmSync(home, { recursive: true, force: true });
});

async function openWith(routes: Record<string, Route>) {
  fake = fake ?? (await startFakeAgentbar(routes));
  setPreferences({ apiUrl: fake.url, apiToken: TOKEN });
  view = await render(<ViewTasks />);
  return view;
}

const item = (renderer: ReactTestRenderer, idSuffix: string) =>
  all(renderer, "List.Item").find((node) => String(node.props.id).endsWith(idSuffix))!;
const gets = () => fake!.requests.filter((r) => r.method === "GET").map((r) => r.path);
/** POSTs as `path body`, the path decoded (task keys hold colons). */
const posts = () =>
  fake!.requests.filter((r) => r.method === "POST").map((r) => `${decodeURIComponent(r.path)} ${r.body}`);

async function pick(renderer: ReactTestRenderer, value: string) {
  const dropdown = one(renderer, "List.Dropdown");
  await act(async () => dropdown.props.onChange(value));
}

describe("the Agent / Status / Time dropdown", () => {
  it("sends each pick as the API's filters, remembers it, and asks with it at the next opening", async () => {
    const v = await openWith({ "GET /v1/tasks": { body: active } });
    await waitFor(() => expect(all(v, "List.Item")).toHaveLength(active.tasks.length));
    expect(gets()).toEqual(["/v1/tasks"]);
    const dropdown = one(v, "List.Dropdown");
    expect(all(dropdown, "List.Dropdown.Section").map((s) => s.props.title)).toEqual(["Agent", "Status", "Time"]);

    await pick(v, "agent:claude-code");
    await pick(v, "status:finished");
    await pick(v, "time:week");
    const filtered = "/v1/tasks?provider=claude-code&bucket=completed%2Cfailed%2Ccancelled&period=week";
    await waitFor(() => expect(gets().at(-1)).toBe(filtered));
    expect(one(v, "List").props.navigationTitle).toBe("View Tasks — Claude Code · Finished · This Week");
    expect(one(v, "List.Dropdown").props.value).toBe("time:week");
    // The ticked item of each section is the current choice.
    const ticked = all(v, "List.Dropdown.Item")
      .filter((i) => i.props.icon === "icon:CheckCircle")
      .map((i) => i.props.value);
    expect(ticked).toEqual(["agent:claude-code", "status:finished", "time:week"]);
    expect(JSON.parse(localStorageItems.get(FILTER_STORAGE_KEY)!)).toEqual({
      agent: "claude-code",
      status: "finished",
      time: "week",
      archived: false,
    });

    // The next opening asks with the remembered filter from its first request on.
    await unmount(v);
    const before = gets().length;
    view = await render(<ViewTasks />);
    await waitFor(() => expect(gets().length).toBe(before + 1));
    expect(gets().at(-1)).toBe(filtered);
    expect(one(view, "List.Dropdown").props.value).toBe("status:finished");
  });

  it("says when the filter matches nothing, and clears it", async () => {
    const v = await openWith({
      "GET /v1/tasks": ({ query }) => ({ body: query.has("provider") ? { ...active, tasks: [] } : active }),
    });
    await waitFor(() => expect(all(v, "List.Item")).toHaveLength(active.tasks.length));
    await pick(v, "agent:gemini-cli");
    // The empty view is always in the tree; Raycast shows it once no row is left.
    await waitFor(() => expect(all(v, "List.Item")).toHaveLength(0));
    const empty = one(v, "List.EmptyView");
    expect(empty.props.title).toBe("No task matches the filter");
    await press(actionTitled(empty, "Clear Filter"));
    await waitFor(() => expect(all(v, "List.Item")).toHaveLength(active.tasks.length));
    expect(gets()).toEqual(["/v1/tasks", "/v1/tasks?provider=gemini-cli", "/v1/tasks"]);
  });

  it("says so, instead of an older list, when agentbar refuses a filter, and clears it from there", async () => {
    const refusal = 'unknown query parameter "provider"; this route takes bucket, repo, q, limit, archived';
    const v = await openWith({
      "GET /v1/tasks": ({ query }) =>
        query.has("provider")
          ? { status: 400, body: { error: { code: "unknown_parameter", message: refusal } } }
          : { body: active },
    });
    await waitFor(() => expect(all(v, "List.Item")).toHaveLength(active.tasks.length));
    await pick(v, "agent:codex");
    const empty = await waitFor(() => {
      expect(all(v, "List.Item")).toHaveLength(0);
      return one(v, "List.EmptyView");
    });
    expect(empty.props.title).toBe("Unexpected answer from agentbar");
    expect(empty.props.description).toContain(refusal);
    expect(one(v, "List").props.navigationTitle).not.toMatch(/Offline/);
    await press(actionTitled(empty, "Clear Filter"));
    await waitFor(() => expect(all(v, "List.Item")).toHaveLength(active.tasks.length));
  });

  it("shows the archived tasks on Show Archived, with Unarchive when the server allows it", async () => {
    const archived = withActions(finishedTasks.slice(0, 2), () => ["unarchive"]);
    const v = await openWith({
      "GET /v1/tasks": ({ query }) => ({ body: query.get("archived") === "true" ? archived : active }),
      [`POST /v1/tasks/${archived.tasks[0].key}/actions/unarchive`]: { status: 202 },
    });
    await waitFor(() => expect(all(v, "List.Item")).toHaveLength(active.tasks.length));
    await press(actionTitled(item(v, "a003"), "Show Archived"));
    await waitFor(() => expect(all(v, "List.Item")).toHaveLength(2));
    expect(gets().at(-1)).toBe("/v1/tasks?archived=true");
    const row = item(v, archived.tasks[0].id.slice(-4));
    const titles = actionsOf(row).map((a) => a.props.title);
    expect(titles).toContain("Unarchive Task");
    expect(titles).toContain("Hide Archived");
    expect(titles).not.toContain("Archive Task");
    expect(titles).not.toContain("Archive All Finished");

    await press(actionTitled(row, "Unarchive Task"));
    expect(posts()).toEqual([`/v1/tasks/${archived.tasks[0].key}/actions/unarchive `]);
    expect(toasts.at(-1)).toMatchObject({ style: "success", title: "Unarchived" });
  });
});

describe("actions the server allows", () => {
  it("offers Continue (⌘↵, second), Archive and Stop only when the task's actions name them", async () => {
    const body = withActions(tasksExample.tasks, (t) =>
      t.id.endsWith("a001") ? [] : t.id.endsWith("a003") ? ["continue", "archive"] : allowed(t.bucket),
    );
    const v = await openWith({ "GET /v1/tasks": { body } });
    await waitFor(() => expect(all(v, "List.Item")).toHaveLength(body.tasks.length));
    // Running, but the server allows nothing: no Stop.
    const running = actionsOf(item(v, "a001")).map((a) => a.props.title);
    expect(running).not.toContain("Stop Task");
    expect(running).not.toContain("Continue Task");

    const finished = actionsOf(item(v, "a003"));
    expect(finished.map((a) => a.props.title).slice(0, 3)).toEqual(["Open Pull Request", "Continue Task", "Show Logs"]);
    const byTitle = Object.fromEntries(finished.map((a) => [a.props.title, a.props]));
    expect(byTitle["Continue Task"].shortcut).toEqual({
      macOS: { modifiers: ["cmd"], key: "return" },
      Windows: { modifiers: ["ctrl"], key: "return" },
    });
    expect(byTitle["Export Log"].shortcut).toEqual({
      macOS: { modifiers: ["cmd", "shift"], key: "e" },
      Windows: { modifiers: ["ctrl", "shift"], key: "e" },
    });
    expect(byTitle["Archive Task"]).toBeDefined();
    expect(byTitle["Stop Task"]).toBeUndefined();
    for (const platform of ["macOS", "Windows"] as const) {
      const keys = finished.filter((a) => a.props.shortcut).map((a) => JSON.stringify(a.props.shortcut[platform]));
      expect(new Set(keys).size).toBe(keys.length);
    }
  });

  it("archives a task and reads the list again; a refusal is shown in agentbar's words", async () => {
    const ok = byEnd("a003");
    const refused = byEnd("b003");
    const v = await openWith({
      "GET /v1/tasks": { body: active },
      [`POST /v1/tasks/${ok.key}/actions/archive`]: { status: 202 },
      [`POST /v1/tasks/${refused.key}/actions/archive`]: {
        status: 409,
        body: { error: { code: "not_allowed", message: "the task is running again" } },
      },
    });
    await waitFor(() => expect(all(v, "List.Item")).toHaveLength(active.tasks.length));
    await press(actionTitled(item(v, "a003"), "Archive Task"));
    expect(toasts.at(-1)).toMatchObject({ style: "success", title: "Archived", message: ok.title });
    await waitFor(() => expect(gets()).toEqual(["/v1/tasks", "/v1/tasks"]));

    await press(actionTitled(item(v, "b003"), "Archive Task"));
    expect(toasts.at(-1)).toMatchObject({
      style: "failure",
      title: "Could not archive the task",
      message: "the task is running again",
    });
  });

  it("archives all finished tasks after confirmation, in one request to agentbar when nothing is filtered", async () => {
    const v = await openWith({
      "GET /v1/tasks": { body: active },
      "POST /v1/archive/finished": {
        body: { schema_version: 1, archived: finishedTasks.map((t) => t.id), count: finishedTasks.length },
      },
    });
    await waitFor(() => expect(all(v, "List.Item")).toHaveLength(active.tasks.length));
    const archiveAll = actionTitled(item(v, "a001"), "Archive All Finished");

    vi.mocked(confirmAlert).mockResolvedValueOnce(false);
    await press(archiveAll);
    expect(posts()).toEqual([]);

    await press(archiveAll);
    const asked = vi.mocked(confirmAlert).mock.calls.at(-1)![0] as { title: string; message: string };
    expect(asked.title).toBe(`Archive ${finishedTasks.length} finished tasks?`);
    expect(asked.message).not.toMatch(/filter/);
    expect(posts()).toEqual(["/v1/archive/finished "]);
    expect(toasts.at(-1)).toMatchObject({ style: "success", title: `Archived ${finishedTasks.length} tasks` });
    await waitFor(() => expect(gets()).toEqual(["/v1/tasks", "/v1/tasks"]));
  });

  it("archives only the finished tasks a filter shows, one by one, and counts what failed", async () => {
    const shown = { ...active, tasks: finishedTasks.filter((t) => t.bucket === "completed") };
    const failing = shown.tasks[1];
    const routes: Record<string, Route> = {
      "GET /v1/tasks": ({ query }) => ({ body: query.has("bucket") ? shown : active }),
    };
    for (const t of shown.tasks) {
      routes[`POST /v1/tasks/${t.key}/actions/archive`] =
        t === failing ? { status: 404, body: { error: { code: "no_task", message: "gone upstream" } } } : {};
    }
    const v = await openWith(routes);
    await waitFor(() => expect(all(v, "List.Item")).toHaveLength(active.tasks.length));
    await pick(v, "status:finished");
    await waitFor(() => expect(all(v, "List.Item")).toHaveLength(shown.tasks.length));
    expect(shown.tasks.length).toBeGreaterThan(2);

    await press(actionTitled(all(v, "List.Item")[0], "Archive All Finished"));
    const asked = vi.mocked(confirmAlert).mock.calls.at(-1)![0] as { title: string; message: string };
    expect(asked.title).toBe(`Archive ${shown.tasks.length} finished tasks?`);
    expect(asked.message).toMatch(/^Only the finished tasks the filter shows/);
    expect(posts().sort()).toEqual(shown.tasks.map((t) => `/v1/tasks/${t.key}/actions/archive `).sort());
    expect(toasts.at(-1)).toMatchObject({
      style: "failure",
      title: `Archived ${shown.tasks.length - 1} of ${shown.tasks.length}; 1 failed`,
      message: `${failing.title}: gone upstream`,
    });
  });
});

describe("exports into Downloads", () => {
  it("exports a log as Markdown, shows it in Finder, and never overwrites an earlier export", async () => {
    const task = byEnd("a002");
    const markdown = "# Add token-bucket rate limiting middleware\n\n> **You:** add it\n";
    const v = await openWith({
      "GET /v1/tasks": { body: active },
      [`GET /v1/tasks/${task.key}/logs`]: ({ query }) =>
        query.get("format") === "markdown"
          ? { text: markdown, headers: { "content-disposition": `attachment; filename="agentbar-${task.id}.md"` } }
          : { status: 400, body: { error: { code: "x", message: "x" } } },
      // A suggested name that is not a plain Markdown file name is not used.
      [`GET /v1/tasks/${byEnd("b001").key}/logs`]: {
        text: "# b001\n",
        headers: { "content-disposition": 'attachment; filename="../../.bashrc"' },
      },
      [`GET /v1/tasks/${byEnd("a003").key}/logs`]: {
        status: 501,
        body: { error: { code: "not_implemented", message: "export is not available" } },
      },
    });
    await waitFor(() => expect(all(v, "List.Item")).toHaveLength(active.tasks.length));
    await press(actionTitled(item(v, "a002"), "Export Log"));
    // The name agentbar suggests.
    const name = `agentbar-${task.id}`;
    const first = path.join(home, "Downloads", `${name}.md`);
    expect(fs.readFileSync(first, "utf8")).toBe(markdown);
    expect(showInFinder).toHaveBeenLastCalledWith(first);
    expect(toasts.at(-1)).toMatchObject({ style: "success", title: "Log exported", message: first });

    await press(actionTitled(item(v, "a002"), "Export Log"));
    expect(showInFinder).toHaveBeenLastCalledWith(path.join(home, "Downloads", `${name} (2).md`));
    expect(fs.readFileSync(first, "utf8")).toBe(markdown);

    // A suggested name that could point elsewhere: ours instead, in Downloads.
    const b001 = byEnd("b001");
    await press(actionTitled(item(v, "b001"), "Export Log"));
    const ours = `agentbar-${b001.repository!.split("/")[1]}-${b001.id.slice(0, 8)}.md`;
    expect(showInFinder).toHaveBeenLastCalledWith(path.join(home, "Downloads", ours));
    expect(fs.existsSync(path.join(home, ".bashrc"))).toBe(false);

    await press(actionTitled(item(v, "a003"), "Export Log"));
    expect(toasts.at(-1)).toMatchObject({
      style: "failure",
      title: "Could not export the log",
      message: "export is not available",
    });
    expect(fs.readdirSync(path.join(home, "Downloads"))).toHaveLength(3);
  });

  it("exports the filtered list as CSV and as JSON", async () => {
    const failed = { ...active, tasks: active.tasks.filter((t) => t.bucket === "failed") };
    const v = await openWith({
      "GET /v1/tasks": ({ query }) => ({ body: query.get("bucket") === "failed" ? failed : active }),
    });
    await waitFor(() => expect(all(v, "List.Item")).toHaveLength(active.tasks.length));
    await pick(v, "status:failed");
    await waitFor(() => expect(all(v, "List.Item")).toHaveLength(failed.tasks.length));
    expect(failed.tasks.length).toBeGreaterThan(0);

    await press(actionTitled(all(v, "List.Item")[0], "As CSV"));
    await press(actionTitled(all(v, "List.Item")[0], "As JSON"));
    const files = fs.readdirSync(path.join(home, "Downloads")).sort();
    expect(files).toEqual([
      expect.stringMatching(/^agentbar-tasks-\d{4}-\d\d-\d\d\.csv$/),
      expect.stringMatching(/\.json$/),
    ]);
    const csv = fs
      .readFileSync(path.join(home, "Downloads", files[0]), "utf8")
      .trimEnd()
      .split("\r\n");
    expect(csv).toHaveLength(failed.tasks.length + 1);
    expect(csv.slice(1).map((line) => line.split(",")[0])).toEqual(failed.tasks.map((t) => t.id));
    const json = JSON.parse(fs.readFileSync(path.join(home, "Downloads", files[1]), "utf8"));
    expect(json.filter).toBe("bucket=failed");
    expect(json.tasks.map((t: { id: string }) => t.id)).toEqual(failed.tasks.map((t) => t.id));
    expect(toasts.at(-1)).toMatchObject({ style: "success", title: `Exported ${failed.tasks.length} tasks` });
  });
});

describe("Continue Task", () => {
  function submitOf(form: ReactTestRenderer) {
    return one(form, "Action.SubmitForm");
  }
  async function submit(form: ReactTestRenderer, prompt: string) {
    await act(async () => submitOf(form).props.onSubmit({ prompt }));
  }

  it("opens from the list; an empty prompt is refused at the field, a real one is sent and the list re-read", async () => {
    const task = byEnd("a003");
    const v = await openWith({
      "GET /v1/tasks": { body: active },
      [`POST /v1/tasks/${task.key}/actions/continue`]: {
        body: {
          task: task.key,
          action: "continue",
          message: "Follow-up started",
          url: "https://github.com/octo-org/api-server/pull/58",
        },
      },
    });
    await waitFor(() => expect(all(v, "List.Item")).toHaveLength(active.tasks.length));
    const push = actionTitled(item(v, "a003"), "Continue Task");
    expect(push.props.target.type).toBe(ContinueTaskForm);
    const form = await render(push.props.target);

    await submit(form, "   ");
    expect(one(form, "Form.TextArea").props.error).toBe("Write what the agent should do");
    expect(posts()).toEqual([]);

    await submit(form, "  Also cover the retry path with a test  ");
    expect(posts()).toEqual([
      `/v1/tasks/${task.key}/actions/continue {"prompt":"Also cover the retry path with a test"}`,
    ]);
    expect(toasts.at(-1)).toMatchObject({ style: "success", title: "Follow-up sent", message: "Follow-up started" });
    // The new task's page, one click away.
    await act(async () => toasts.at(-1)!.primaryAction!.onAction());
    expect(open).toHaveBeenCalledWith("https://github.com/octo-org/api-server/pull/58");
    expect(navigation.pop).toHaveBeenCalledTimes(1);
    await waitFor(() => expect(gets()).toEqual(["/v1/tasks", "/v1/tasks"]));
    await unmount(form);
  });

  it("opens straight on a task's form when launched to continue it (the tray's Continue… link)", async () => {
    const task = byEnd("a003");
    fake = await startFakeAgentbar({
      "GET /v1/tasks": { body: active },
      [`POST /v1/tasks/${task.key}/actions/continue`]: {
        body: { task: task.key, action: "continue", message: "Follow-up started" },
      },
    });
    setPreferences({ apiUrl: fake.url, apiToken: TOKEN });
    view = await render(<ViewTasks launchContext={{ continueTask: task.key }} />);
    const form = await waitFor(() => one(view!, "Form"));
    expect(form.props.navigationTitle).toBe("Continue Task");
    expect(all(view, "List.Item")).toHaveLength(0);
    await submit(view!, "Go on with the docs");
    expect(posts()).toEqual([`/v1/tasks/${task.key}/actions/continue {"prompt":"Go on with the docs"}`]);
    // Sent: the list, re-read.
    await waitFor(() => expect(all(view!, "List.Item")).toHaveLength(active.tasks.length));
  });

  it("says so when the task to continue is not listed, and shows the list", async () => {
    fake = await startFakeAgentbar({ "GET /v1/tasks": { body: active } });
    setPreferences({ apiUrl: fake.url, apiToken: TOKEN });
    view = await render(<ViewTasks launchContext={{ continueTask: "gh:gone:1" }} />);
    await waitFor(() => expect(all(view!, "List.Item")).toHaveLength(active.tasks.length));
    expect(toasts.at(-1)).toMatchObject({ style: "failure", title: "Task not found" });
    expect(all(view, "Form")).toHaveLength(0);
  });

  it("shows GitHub's refusal (plan, no branch) in words and stays open", async () => {
    fake = await startFakeAgentbar({
      "POST /v1/tasks/t1/actions/continue": {
        status: 403,
        body: {
          error: { code: "upstream_forbidden", message: "GitHub: your plan does not allow starting agent tasks" },
        },
      },
    });
    const client = new AgentbarClient({ endpoint: async () => ({ url: fake!.url, token: TOKEN }) });
    const task = { ...byEnd("a003"), id: "t1", key: "t1" } as unknown as Parameters<typeof ContinueTaskForm>[0]["task"];
    const form = await render(<ContinueTaskForm task={task} client={client} />);
    await submit(form, "go on");
    expect(toasts.at(-1)).toMatchObject({
      style: "failure",
      title: "Could not continue the task",
      message: "GitHub: your plan does not allow starting agent tasks",
    });
    expect(navigation.pop).not.toHaveBeenCalled();
    await unmount(form);
  });

  it("is offered in the logs view too, with ⌘↵, next to Export Log", async () => {
    fake = await startFakeAgentbar({
      [`GET /v1/tasks/${byEnd("a003").key}/logs`]: { body: example("v1-logs") },
    });
    const client = new AgentbarClient({ endpoint: async () => ({ url: fake!.url, token: TOKEN }) });
    const list = (await import("../src/api/decode")).decodeTaskList(active);
    const task = list.tasks.find((t) => t.id.endsWith("a003"))!;
    view = await render(<TaskLogs task={task} client={client} />);
    const first = await waitFor(() => {
      const items = all(view!, "List.Item");
      expect(items.length).toBeGreaterThan(0);
      return items[0] as ReactTestInstance;
    });
    const titles = actionsOf(first).map((a) => a.props.title);
    expect(titles.slice(0, 3)).toEqual(["Open Logs in Browser", "Continue Task", "Export Log"]);
    expect(actionTitled(first, "Continue Task").props.shortcut.macOS).toEqual({ modifiers: ["cmd"], key: "return" });
  });
});

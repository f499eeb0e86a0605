// The ⌘L logs view against a fake agentbar: events as items with markdown detail, following new
// events with the cursor while the task is active, a selection that only follows the tail when
// it was on the tail, and the "not available" view on 501 (what an older agentbar answers).
import { afterEach, describe, expect, it } from "vitest";
import type { ReactTestRenderer } from "react-test-renderer";
import { act } from "react-test-renderer";
import { AgentbarClient } from "../src/api/client";
import { decodeTaskList } from "../src/api/decode";
import type { LogEvent, Task } from "../src/api/types";
import { LOGS_NOT_AVAILABLE, TaskLogs } from "../src/components/TaskLogs";
import { taskRef } from "../src/helpers/tasks";
import { example, startFakeAgentbar, TOKEN, type FakeAgentbar } from "./fake-agentbar";
import { actionsOf, all, one, render, unmount, waitFor } from "./render";

const tasks = decodeTaskList(example("v1-tasks")).tasks;
const running = tasks.find((t) => t.bucket === "running")!;
const finished = tasks.find((t) => t.id.endsWith("a003"))!;

let fake: FakeAgentbar | undefined;
let view: ReactTestRenderer | undefined;

afterEach(async () => {
  if (view) await unmount(view);
  view = undefined;
  await fake?.close();
  fake = undefined;
});

const event = (seq: number, kind: LogEvent["kind"] = "message"): LogEvent => ({
  seq,
  kind,
  title: `Event ${seq}`,
  body: `Body of event ${seq}`,
});

async function open(task: Task, routes: Parameters<typeof startFakeAgentbar>[0]) {
  fake = await startFakeAgentbar(routes);
  const client = new AgentbarClient({ endpoint: async () => ({ url: fake!.url, token: TOKEN }) });
  view = await render(<TaskLogs task={task} client={client} />);
  return view;
}

const item = (v: ReactTestRenderer, id: string) => all(v, "List.Item").find((i) => i.props.id === id)!;
const ids = (v: ReactTestRenderer) => all(v, "List.Item").map((i) => i.props.id);
const selected = (v: ReactTestRenderer) => one(v, "List").props.selectedItemId;

describe("the logs view", () => {
  it("shows a clear empty view on 501, with the logs on GitHub one keypress away", async () => {
    const v = await open(running, {
      [`GET /v1/tasks/${taskRef(running)}/logs`]: {
        status: 501,
        body: { error: { code: "not_implemented", message: "session logs are not served yet" } },
      },
    });
    const empty = await waitFor(() => one(v, "List.EmptyView"));
    expect(empty.props.title).toBe(LOGS_NOT_AVAILABLE);
    expect(empty.props.title).toBe("Logs are not available from this agentbar version");
    expect(actionsOf(empty)[0].props).toMatchObject({ title: "Open Logs in Browser", url: running.logs_url });
    // Not asked again: a 501 will not change while the view is open.
    await waitFor(() => expect(one(v, "List").props.isLoading).toBe(false));
    expect(fake!.requests).toHaveLength(1);
  });

  it("shows a finished task's events once, with markdown detail, and stops asking", async () => {
    const v = await open(finished, {
      [`GET /v1/tasks/${taskRef(finished)}/logs`]: {
        body: {
          events: [
            event(1, "setup"),
            { ...event(2, "tool"), tool: { name: "bash", input: "cargo test", output: "ok" } },
          ],
          cursor: "2",
          done: true,
        },
      },
    });
    await waitFor(() => expect(ids(v)).toEqual(["event-1", "event-2"]));
    const tool = all(v, "List.Item")[1];
    expect(tool.props.icon.value.source).toBe("icon:WrenchScrewdriver");
    expect(one(tool, "List.Item.Detail").props.markdown).toContain("cargo test");
    expect(one(v, "List").props).toMatchObject({ isLoading: false, isShowingDetail: true, selectedItemId: "event-2" });
    expect(fake!.requests.map((r) => r.path)).toEqual([`/v1/tasks/${encodeURIComponent(taskRef(finished))}/logs`]);
  });

  it("shows a live answer of agentbar (docs/examples/v1-logs.json): a tool call's JSON arguments and output", async () => {
    const page = example("v1-logs") as { events: LogEvent[]; done: boolean };
    const v = await open(finished, { [`GET /v1/tasks/${taskRef(finished)}/logs`]: { body: { ...page, done: true } } });
    await waitFor(() => expect(ids(v)).toEqual(page.events.map((e) => `event-${e.seq}`)));
    const call = page.events.find((e) => e.kind === "tool" && typeof e.tool?.input === "object")!;
    const markdown = one(item(v, `event-${call.seq}`), "List.Item.Detail").props.markdown as string;
    // The arguments as indented JSON, each of their values shown.
    for (const value of Object.values(call.tool!.input as Record<string, unknown>)) {
      expect(markdown).toContain(JSON.stringify(value));
    }
    expect(markdown).toContain(call.tool!.output!.split("\n")[0]);
  });

  it("follows new events of an active task with the cursor, and the selection follows the tail", async () => {
    let release = false;
    const v = await open(running, {
      [`GET /v1/tasks/${taskRef(running)}/logs`]: ({ query }) => {
        const after = query.get("after");
        if (after === null) return { body: { events: [event(1), event(2)], cursor: "2", done: false } };
        if (!release) return { body: { events: [], cursor: "2", done: false } };
        return { body: { events: [event(3)], cursor: "3", done: true } };
      },
    });
    await waitFor(() => expect(ids(v)).toEqual(["event-1", "event-2"]));
    expect(selected(v)).toBe("event-2");
    expect(one(v, "List").props.isLoading).toBe(true);
    release = true;
    await waitFor(() => expect(ids(v)).toEqual(["event-1", "event-2", "event-3"]), 8000);
    expect(selected(v)).toBe("event-3");
    await waitFor(() => expect(one(v, "List").props.isLoading).toBe(false));
    // Only what is new was asked for after the first page.
    expect(fake!.requests.slice(1).every((r) => r.path.endsWith("?after=2"))).toBe(true);
  }, 15_000);

  it("keeps the user's selection when new events arrive", async () => {
    let release = false;
    const v = await open(running, {
      [`GET /v1/tasks/${taskRef(running)}/logs`]: ({ query }) => {
        if (query.get("after") === null) return { body: { events: [event(1), event(2)], cursor: "2", done: false } };
        if (!release) return { body: { events: [], cursor: "2", done: false } };
        return { body: { events: [event(3)], cursor: "3", done: true } };
      },
    });
    await waitFor(() => expect(ids(v)).toEqual(["event-1", "event-2"]));
    await act(async () => one(v, "List").props.onSelectionChange("event-1"));
    release = true;
    await waitFor(() => expect(ids(v)).toEqual(["event-1", "event-2", "event-3"]), 8000);
    expect(selected(v)).toBe("event-1");
  }, 15_000);

  it("titles a subagent's run as its own section and marks the user's prompt and follow-up", async () => {
    const reviewer = { id: "agent-7", name: "reviewer" };
    const v = await open(finished, {
      [`GET /v1/tasks/${taskRef(finished)}/logs`]: {
        body: {
          events: [
            { ...event(1), title: "Prompt: Find the TODOs", user: "prompt", at: "2026-11-30T10:00:00Z" },
            { ...event(2, "tool"), tool: { id: "t", name: "task", input: { description: "Review" }, output: "ok" } },
            { ...event(3, "setup"), title: "▶️ Begin subagent: reviewer", agent: reviewer },
            {
              ...event(4, "tool"),
              agent: reviewer,
              tool: { id: "f", name: "web_fetch", input: "{oops", input_unparsed: true, output: null },
            },
            { ...event(5), title: "Follow-up: Also FIXME", user: "follow_up" },
          ],
          cursor: "c1.0.5",
          done: true,
          reset: false,
        },
      },
    });
    await waitFor(() => expect(ids(v)).toEqual(["event-1", "event-2", "event-3", "event-4", "event-5"]));
    const sections = all(v, "List.Section");
    expect(sections.map((s) => s.props.title)).toEqual([undefined, "Subagent: reviewer", undefined]);
    expect(all(sections[1], "List.Item").map((i) => i.props.id)).toEqual(["event-3", "event-4"]);
    const items = all(v, "List.Item");
    expect(items[0].props.accessories).toEqual([{ tag: { value: "You", color: "color:Blue" } }]);
    expect(items[0].props.icon.value.source).toBe("icon:Person");
    expect(items[4].props.accessories[0].tag.value).toBe("You (follow-up)");
    expect(items[1].props.accessories).toBeUndefined();
    // The subagent's events say whose they are; the tool input reads as JSON or as its raw text.
    expect(one(items[3], "List.Item.Detail").props.markdown).toContain("*Subagent: reviewer*");
    expect(one(items[3], "List.Item.Detail").props.markdown).toContain("{oops");
    expect(one(items[1], "List.Item.Detail").props.markdown).toContain('"description": "Review"');
  });
});

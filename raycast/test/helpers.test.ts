// The pure helpers, without Raycast: sections and order, links, ages, icons, the state
// directory rules of every platform, log merging and selection, and the gate's decisions.
import { describe, expect, it } from "vitest";
import { decodeTaskList } from "../src/api/decode";
import { AgentbarError } from "../src/api/errors";
import type { LogEvent, Task, TaskList } from "../src/api/types";
import { bucketAppearance, logKindAppearance } from "../src/helpers/appearance";
import { ageText, branchText, durationText, exactTime, rowTime, usageText } from "../src/helpers/format";
import {
  agentLabel,
  eventMarkdown,
  followSelection,
  groupRuns,
  INITIAL_LOGS_STATE,
  mergeLogPage,
  userLabel,
} from "../src/helpers/logs";
import {
  ACTIVE_REFRESH_MS,
  describeProblem,
  IDLE_REFRESH_MS,
  listState,
  listTitle,
  refreshIntervalMs,
  STARTING_REFRESH_MS,
} from "../src/helpers/problems";
import { endpointPath, stateDirectory } from "../src/helpers/state-dir";
import {
  compareTasks,
  groupTasks,
  isActive,
  isRecent,
  primaryUrl,
  searchKeywords,
  sectionOf,
  sortTasks,
} from "../src/helpers/tasks";
import { example } from "./fake-agentbar";

const list: TaskList = decodeTaskList(example("v1-tasks"));
const NOW = Date.parse(list.generated_at);
const byId = (suffix: string): Task => list.tasks.find((t) => t.id.endsWith(suffix))!;

function task(overrides: Partial<Task>): Task {
  return { ...byId("a003"), ...overrides };
}

describe("sections and order", () => {
  it("puts the example list into Needs you, Running, Recent (≤ 24 h) and Earlier", () => {
    const sections = groupTasks(list.tasks, NOW);
    expect(sections.map((s) => [s.title, s.tasks.map((t) => t.id.slice(-4))])).toEqual([
      ["Needs you", ["a002", "b013"]],
      ["Running", ["a001", "b012"]],
      ["Recent", ["a003", "b002", "b001", "b014", "b007", "b015", "b003"]],
      ["Earlier", ["b004", "b010", "b005", "b008"]],
    ]);
  });

  it("leaves out empty sections", () => {
    const sections = groupTasks([byId("a003")], NOW);
    expect(sections.map((s) => s.key)).toEqual(["recent"]);
    expect(groupTasks([], NOW)).toEqual([]);
  });

  it("sorts waiting first, then running, then newest first, with the id breaking ties", () => {
    const at = "2026-11-22T04:00:00Z";
    const tasks = [
      task({ id: "c", bucket: "completed", updated_at: at }),
      task({ id: "b", bucket: "completed", updated_at: at }),
      task({ id: "r-old", bucket: "running", updated_at: "2026-11-20T00:00:00Z" }),
      task({ id: "w", bucket: "waiting", updated_at: "2026-11-01T00:00:00Z" }),
      task({ id: "new", bucket: "failed", updated_at: "2026-11-22T04:30:00Z" }),
    ];
    expect(sortTasks(tasks).map((t) => t.id)).toEqual(["w", "r-old", "new", "b", "c"]);
    expect(compareTasks(tasks[0], tasks[0])).toBe(0);
  });

  it("keeps the server's order for the example (the same rule as sort_tasks in Rust)", () => {
    expect(sortTasks([...list.tasks].reverse()).map((t) => t.id)).toEqual(list.tasks.map((t) => t.id));
  });

  it("counts a task as recent up to exactly 24 hours after it finished, by completed_at else updated_at", () => {
    const finished = "2026-11-21T04:36:58Z";
    const at = Date.parse(finished);
    expect(isRecent(task({ completed_at: finished }), at + 24 * 3600_000)).toBe(true);
    expect(isRecent(task({ completed_at: finished }), at + 24 * 3600_000 + 1)).toBe(false);
    expect(isRecent(task({ bucket: "cancelled", completed_at: null, updated_at: finished }), at + 1000)).toBe(true);
    // Active tasks are never "recent": they have their own sections.
    expect(isRecent(task({ bucket: "running", completed_at: null }), NOW)).toBe(false);
    expect(sectionOf(task({ bucket: "unknown", completed_at: null, updated_at: finished }), at)).toBe("recent");
  });

  it("knows which buckets are active", () => {
    expect(
      ["running", "waiting", "completed", "failed", "cancelled", "unknown"].map((b) =>
        isActive({ bucket: b as Task["bucket"] }),
      ),
    ).toEqual([true, true, false, false, false, false]);
  });
});

describe("links and search", () => {
  it("opens the pull request when there is one, else the task page", () => {
    expect(primaryUrl(byId("a002"))).toBe(byId("a002").pull_request!.url);
    expect(byId("a002").pull_request!.url).toMatch(/\/octo-org\/api-server\/pull\/57$/);
    expect(primaryUrl(byId("b002"))).toBe(byId("b002").url);
    expect(byId("b002").pull_request).toBeNull();
  });

  it("lets the filter match the repository, its owner and name, and the PR number", () => {
    expect(searchKeywords(byId("a002"))).toEqual(["octo-org/api-server", "octo-org", "api-server", "#57", "57"]);
    expect(searchKeywords(task({ repository: null, pull_request: null }))).toEqual([]);
  });
});

describe("ages and times", () => {
  const now = Date.parse("2026-11-22T12:00:00Z");
  it.each([
    ["2026-11-22T12:00:00Z", "now"],
    ["2026-11-22T12:00:30Z", "now"],
    ["2026-11-22T11:59:45Z", "15s"],
    ["2026-11-22T11:48:00Z", "12m"],
    ["2026-11-22T09:00:00Z", "3h"],
    ["2026-11-20T12:00:00Z", "2d"],
    ["2026-10-25T12:00:00Z", "4w"],
    ["2024-11-01T12:00:00Z", "2y"],
    ["not a time", ""],
  ])("says %s is %s old", (iso, text) => {
    expect(ageText(iso, now)).toBe(text);
  });

  it("gives the exact time for tooltips", () => {
    expect(exactTime("2026-11-22T04:36:52Z", "en-GB", "UTC")).toBe("22 Nov 2026, 04:36");
    expect(exactTime("garbage")).toBe("garbage");
  });

  it("counts a row's age from when it finished, else from its last update", () => {
    expect(byId("a003").completed_at).toBeTruthy();
    expect(rowTime(byId("a003"))).toEqual({ iso: byId("a003").completed_at, verb: "Finished" });
    expect(rowTime(byId("a001"))).toEqual({ iso: byId("a001").updated_at, verb: "Updated" });
    // Cancelled without a completion time: its last update.
    expect(byId("b004").completed_at).toBeNull();
    expect(rowTime(byId("b004"))).toEqual({ iso: byId("b004").updated_at, verb: "Updated" });
  });

  it("says durations in words", () => {
    expect([45, 720, 3600, 11100].map(durationText)).toEqual(["45 s", "12 min", "1 h", "3 h 5 min"]);
  });
});

describe("usage and branches", () => {
  it("says usage with one decimal, credits first", () => {
    expect(usageText({ ai_credits: 12.345678901, premium_requests: null, label: "12.3 AI credits" })).toBe(
      "12.3 credits",
    );
    expect(usageText({ ai_credits: 1.25, premium_requests: 2.5, label: "x" })).toBe("1.3 credits · 2.5 premium");
    expect(usageText({ ai_credits: null, premium_requests: null, label: "words" })).toBe("words");
  });

  it("names a branch with its base when known", () => {
    expect(branchText({ head_ref: "copilot/x", base_ref: "main" })).toBe("copilot/x → main");
    expect(branchText({ head_ref: "copilot/x", base_ref: null })).toBe("copilot/x");
  });
});

describe("appearance", () => {
  it("tints by bucket as SPEC §1 says", () => {
    expect(bucketAppearance("running")).toEqual({ icon: "CircleProgress50", tint: "Yellow" });
    expect(bucketAppearance("waiting").tint).toBe("Orange");
    expect(bucketAppearance("completed").tint).toBe("Green");
    expect(bucketAppearance("failed").tint).toBe("Red");
    expect(bucketAppearance("cancelled").tint).toBe("SecondaryText");
    expect(bucketAppearance("unknown").tint).toBe("SecondaryText");
    expect(bucketAppearance("new-bucket" as Task["bucket"])).toEqual(bucketAppearance("unknown"));
  });

  it("has an icon per log event kind", () => {
    expect(logKindAppearance("tool").icon).toBe("WrenchScrewdriver");
    expect(logKindAppearance("error").tint).toBe("Red");
  });
});

describe("state directory (the rules of src/config.rs)", () => {
  it("follows XDG on Linux", () => {
    expect(stateDirectory("linux", {}, "/home/ada")).toBe("/home/ada/.local/state/agentbar");
    expect(stateDirectory("linux", { XDG_STATE_HOME: "/xdg/state" }, "/home/ada")).toBe("/xdg/state/agentbar");
    // A relative XDG_STATE_HOME is not valid and is ignored, as the dirs crate does.
    expect(stateDirectory("linux", { XDG_STATE_HOME: "relative" }, "/home/ada")).toBe(
      "/home/ada/.local/state/agentbar",
    );
    expect(stateDirectory("freebsd", {}, "/home/ada")).toBe("/home/ada/.local/state/agentbar");
  });

  it("uses Application Support on macOS", () => {
    expect(stateDirectory("darwin", { XDG_STATE_HOME: "/ignored" }, "/Users/ada")).toBe(
      "/Users/ada/Library/Application Support/dev.agentbar.agentbar",
    );
  });

  it("uses the local app data on Windows", () => {
    expect(stateDirectory("win32", { LOCALAPPDATA: "C:\\Users\\ada\\AppData\\Local" }, "C:\\Users\\ada")).toBe(
      "C:\\Users\\ada\\AppData\\Local\\agentbar\\agentbar\\data",
    );
    expect(stateDirectory("win32", {}, "C:\\Users\\ada")).toBe(
      "C:\\Users\\ada\\AppData\\Local\\agentbar\\agentbar\\data",
    );
    expect(endpointPath("win32", { LOCALAPPDATA: "D:\\Local" }, null)).toBe(
      "D:\\Local\\agentbar\\agentbar\\data\\endpoint.json",
    );
  });

  it("lets AGENTBAR_STATE_DIR win everywhere, and has no answer without a home", () => {
    for (const platform of ["linux", "darwin", "win32"]) {
      expect(stateDirectory(platform, { AGENTBAR_STATE_DIR: "/custom" }, "/home/ada")).toBe("/custom");
    }
    expect(stateDirectory("linux", { AGENTBAR_STATE_DIR: "  " }, "/home/ada")).toBe("/home/ada/.local/state/agentbar");
    expect(stateDirectory("darwin", {}, null)).toBeNull();
    expect(stateDirectory("linux", { XDG_STATE_HOME: "/xdg" }, null)).toBe("/xdg/agentbar");
    expect(endpointPath("linux", {}, null)).toBeNull();
    expect(endpointPath("darwin", {}, "/Users/ada")).toBe(
      "/Users/ada/Library/Application Support/dev.agentbar.agentbar/endpoint.json",
    );
  });
});

describe("logs", () => {
  const event = (seq: number, extra: Partial<LogEvent> = {}): LogEvent => ({
    seq,
    kind: "message",
    title: `Event ${seq}`,
    body: `body ${seq}`,
    ...extra,
  });

  it("merges pages by seq, once each, in order", () => {
    let state = mergeLogPage(INITIAL_LOGS_STATE, { events: [event(2), event(1)], cursor: "c2", done: false });
    expect(state.loading).toBe(false);
    state = mergeLogPage(state, { events: [event(2, { title: "again" }), event(3)], cursor: "c3", done: true });
    expect(state.events.map((e) => [e.seq, e.title])).toEqual([
      [1, "Event 1"],
      [2, "again"],
      [3, "Event 3"],
    ]);
    expect(state).toMatchObject({ cursor: "c3", done: true });
    // A page without a cursor keeps the one we had.
    expect(mergeLogPage(state, { events: [], cursor: null, done: true }).cursor).toBe("c3");
  });

  it("replaces what it showed when a page says the log was rewritten", () => {
    const shown = mergeLogPage(INITIAL_LOGS_STATE, {
      events: [event(1), event(2), event(3)],
      cursor: "c3",
      done: false,
    });
    const rewritten = mergeLogPage(shown, {
      events: [event(1, { title: "new 1" }), event(2, { title: "new 2" })],
      cursor: "d2",
      done: false,
      reset: true,
    });
    expect(rewritten.events.map((e) => [e.seq, e.title])).toEqual([
      [1, "new 1"],
      [2, "new 2"],
    ]);
    expect(rewritten.cursor).toBe("d2");
  });

  it("groups each subagent's run and names it once known", () => {
    const a = { id: "a7", name: null };
    const named = { id: "a7", name: "reviewer" };
    const runs = groupRuns([
      event(1),
      event(2, { agent: a }),
      event(3, { agent: named }),
      event(4, { agent: { id: "b1", name: null } }),
      event(5),
      event(6),
    ]);
    expect(runs.map((r) => [r.agent?.id ?? null, r.events.map((e) => e.seq)])).toEqual([
      [null, [1]],
      ["a7", [2, 3]],
      ["b1", [4]],
      [null, [5, 6]],
    ]);
    expect(agentLabel(runs[1].agent!)).toBe("Subagent: reviewer");
    expect(agentLabel(runs[2].agent!)).toBe("Subagent: b1");
    expect(userLabel(event(1, { user: "prompt" }))).toBe("You");
    expect(userLabel(event(1, { user: "follow_up" }))).toBe("You (follow-up)");
    expect(userLabel(event(1))).toBeUndefined();
  });

  it("follows the newest event only when the newest was selected", () => {
    expect(followSelection(undefined, undefined, "event-1")).toBe("event-1");
    expect(followSelection("event-3", "event-3", "event-5")).toBe("event-5");
    expect(followSelection("event-2", "event-3", "event-5")).toBe("event-2");
    expect(followSelection("event-5", "event-5", "event-5")).toBe("event-5");
  });

  it("renders a tool call with its input and output in fences its content cannot close", () => {
    const markdown = eventMarkdown(
      event(7, {
        kind: "tool",
        title: "Bash: run tests",
        body: "",
        tool: { name: "bash", input: "cargo test", output: "```\nok\n```" },
      }),
    );
    expect(markdown).toBe(
      ["### Bash: run tests", "**bash**", "Input", "```\ncargo test\n```", "Output", "````\n```\nok\n```\n````"].join(
        "\n\n",
      ),
    );
    // What the server sends: the arguments as JSON, and no output yet.
    expect(
      eventMarkdown(
        event(8, {
          kind: "tool",
          title: "View README.md",
          body: "",
          tool: { id: "t", name: "view", input: { path: "README.md" }, output: null },
        }),
      ),
    ).toBe(["### View README.md", "**view**", "Input", '```\n{\n  "path": "README.md"\n}\n```'].join("\n\n"));
    expect(eventMarkdown(event(1, { body: "Plain *prose*" }))).toBe("### Event 1\n\nPlain *prose*");
    expect(eventMarkdown(event(2, { kind: "setup", body: "$ npm ci" }))).toBe("### Event 2\n\n```\n$ npm ci\n```");
  });
});

describe("the gate", () => {
  const failure = (kind: AgentbarError["kind"]) => new AgentbarError(kind, `${kind} happened`);
  const withHealth = (status: TaskList["health"]["status"], extra: Partial<TaskList["health"]> = {}): TaskList => ({
    ...list,
    health: { ...list.health, status, ...extra },
  });

  it("shows the list when all is well", () => {
    expect(listState(list, undefined)).toEqual({ kind: "list", list, offline: null });
    expect(listState(undefined, undefined)).toEqual({ kind: "loading" });
  });

  it("shows an empty view for not running, wrong token, newer schema, a refused request, even over a cached list", () => {
    for (const kind of [
      "not-running",
      "unauthorized",
      "newer-schema",
      "misdirected",
      "bad-endpoint",
      "http",
    ] as const) {
      expect(listState(list, failure(kind))).toEqual({
        kind: "blocked",
        blocker: { kind, message: `${kind} happened` },
      });
    }
  });

  it("keeps the last list through a hiccup, marked offline", () => {
    const error = failure("timeout");
    expect(listState(list, error)).toEqual({ kind: "list", list, offline: error });
    expect(listState(undefined, error)).toMatchObject({ kind: "blocked", blocker: { kind: "timeout" } });
  });

  it("shows the signed-out view when agentbar has no GitHub token", () => {
    expect(listState(withHealth("signed_out"), undefined)).toEqual({
      kind: "blocked",
      blocker: { kind: "signed-out", message: "agentbar has no GitHub token" },
    });
  });

  it("says what to do for every blocker", () => {
    expect(describeProblem({ kind: "not-running", message: "" })).toMatchObject({
      title: "agentbar is not running",
      command: "agentbar run",
    });
    expect(describeProblem({ kind: "signed-out", message: "" }).title).toBe("agentbar is signed out");
    expect(describeProblem({ kind: "newer-schema", message: "v2" }).title).toBe(
      "agentbar is newer than this extension",
    );
    expect(describeProblem({ kind: "unauthorized", message: "" }).preferencesHelp).toBe(true);
    for (const kind of [
      "misdirected",
      "bad-endpoint",
      "timeout",
      "server-error",
      "not-implemented",
      "bad-response",
      "http",
    ] as const) {
      const text = describeProblem({ kind, message: "why" });
      expect(text.title.length).toBeGreaterThan(0);
      expect(text.description.length).toBeGreaterThan(0);
    }
  });

  it("refreshes every few seconds while anything is active, slowly otherwise", () => {
    expect(refreshIntervalMs(listState(list, undefined))).toBe(ACTIVE_REFRESH_MS);
    const idle = { ...list, counts: { ...list.counts, running: 0, waiting: 0 } };
    expect(refreshIntervalMs(listState(idle, undefined))).toBe(IDLE_REFRESH_MS);
    expect(refreshIntervalMs(listState(withHealth("starting"), undefined))).toBe(STARTING_REFRESH_MS);
    expect(refreshIntervalMs(listState(undefined, failure("not-running")))).toBe(ACTIVE_REFRESH_MS);
    expect(refreshIntervalMs(listState(undefined, failure("unauthorized")))).toBeNull();
    expect(refreshIntervalMs(listState(undefined, failure("newer-schema")))).toBeNull();
    expect(refreshIntervalMs({ kind: "loading" })).toBeNull();
  });

  it("titles the list honestly when its data is old", () => {
    expect(listTitle(listState(list, undefined), NOW, ageText)).toBe("View Tasks");
    expect(listTitle(listState(list, failure("timeout")), NOW + 120_000, ageText)).toBe(
      "Offline — showing the last list (updated 2m ago)",
    );
    expect(listTitle(listState(withHealth("degraded", { stale: true }), undefined), NOW, ageText)).toBe(
      "GitHub not reachable — showing cached data (updated just now)",
    );
  });
});

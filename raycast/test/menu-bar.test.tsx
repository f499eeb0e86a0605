// The "Agents in Menu Bar" command against a fake agentbar: the counts as the title (none when
// both are zero), the Needs you and Running rows opening their pull request, one request per run
// (Raycast runs the command every minute and on open), and what it says when agentbar is not
// running. Plus the manifest: the new commands, their icons, the menu bar's interval.
import { open } from "@raycast/api";
import fs from "node:fs";
import path from "node:path";
import { act, type ReactTestRenderer } from "react-test-renderer";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import AgentsMenuBar from "../src/menu-bar";
import { example, leftBehindStateDir, startFakeAgentbar, TOKEN, type FakeAgentbar } from "./fake-agentbar";
import { setPreferences } from "./mocks/raycast-api";
import { all, one, render, unmount, waitFor } from "./render";

interface ExampleTask {
  id: string;
  bucket: string;
  title: string;
  url: string;
  pull_request: { url: string } | null;
}
const tasksExample = example("v1-tasks") as { counts: { running: number; waiting: number }; tasks: ExampleTask[] };

let fake: FakeAgentbar | undefined;
let bar: ReactTestRenderer | undefined;

beforeEach(() => vi.mocked(open).mockClear());
afterEach(async () => {
  if (bar) await unmount(bar);
  bar = undefined;
  await fake?.close();
  fake = undefined;
  delete process.env.AGENTBAR_STATE_DIR;
});

async function openWith(body: unknown) {
  fake = await startFakeAgentbar({ "GET /v1/tasks": { body } });
  setPreferences({ apiUrl: fake.url, apiToken: TOKEN });
  bar = await render(<AgentsMenuBar />);
  await waitFor(() => expect(one(bar!, "MenuBarExtra").props.isLoading).toBe(false));
  return bar;
}

describe("Agents in Menu Bar", () => {
  it("titles the menu bar with the counts and lists the waiting and running tasks", async () => {
    const b = await openWith(example("v1-tasks"));
    const { waiting, running } = tasksExample.counts;
    expect(waiting).toBeGreaterThan(0);
    expect(running).toBeGreaterThan(0);
    const extra = one(b, "MenuBarExtra");
    expect(extra.props.title).toBe(`${waiting} ⚑  ${running} ▶`);
    expect(extra.props.tooltip).toBe(`agentbar: ${waiting} tasks need you, ${running} running`);
    expect(
      all(b, "MenuBarExtra.Section")
        .map((s) => s.props.title)
        .slice(0, 2),
    ).toEqual([`Needs you (${waiting})`, `Running (${running})`]);
    // One request per run: Raycast runs the command on open and every minute.
    expect(fake!.requests.map((r) => `${r.method} ${r.path}`)).toEqual(["GET /v1/tasks"]);
  });

  it("opens a row's pull request, else its task page", async () => {
    const b = await openWith(example("v1-tasks"));
    const active = tasksExample.tasks.filter((t) => t.bucket === "waiting" || t.bucket === "running");
    const rows = all(b, "MenuBarExtra.Section")
      .filter((s) => /^(Needs you|Running) \(/.test(s.props.title))
      .flatMap((s) => all(s, "MenuBarExtra.Item"));
    expect(rows).toHaveLength(active.length);
    for (const row of rows) {
      await act(async () => row.props.onAction());
    }
    const expected = active.map((t) => t.pull_request?.url || t.url);
    expect(
      vi
        .mocked(open)
        .mock.calls.map((c) => c[0])
        .sort(),
    ).toEqual(expected.sort());
  });

  it("shows the icon alone when nothing waits or runs", async () => {
    const quiet = example("v1-tasks") as { counts: object; tasks: ExampleTask[] };
    const body = {
      ...quiet,
      counts: { ...quiet.counts, running: 0, waiting: 0 },
      tasks: quiet.tasks.filter((t) => t.bucket !== "waiting" && t.bucket !== "running"),
    };
    const b = await openWith(body);
    expect(one(b, "MenuBarExtra").props.title).toBeUndefined();
    expect(all(b, "MenuBarExtra.Item").map((i) => i.props.title)).toContain("Nothing needs you, nothing runs");
  });

  it("says agentbar is not running, and never starts it", async () => {
    process.env.AGENTBAR_STATE_DIR = await leftBehindStateDir();
    setPreferences({});
    bar = await render(<AgentsMenuBar />);
    await waitFor(() => expect(one(bar!, "MenuBarExtra").props.isLoading).toBe(false));
    const extra = one(bar, "MenuBarExtra");
    expect(extra.props.title).toBeUndefined();
    expect(extra.props.tooltip).toBe("agentbar: agentbar is not running");
    const titles = all(bar, "MenuBarExtra.Item").map((i) => i.props.title);
    expect(titles[0]).toBe("agentbar is not running");
    expect(titles).toContain("Copy “agentbar run”");
    expect(open).not.toHaveBeenCalled();
  });
});

describe("the manifest", () => {
  const root = path.resolve(__dirname, "..");
  const manifest = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as {
    commands: { name: string; title: string; description: string; icon?: string; mode: string; interval?: string }[];
  };

  it("lists each command with a title, a description, an icon and its source file", () => {
    expect(manifest.commands.map((c) => [c.name, c.title, c.mode])).toEqual([
      ["view-tasks", "View Tasks", "view"],
      ["create-task", "Create Task", "view"],
      ["menu-bar", "Agents in Menu Bar", "menu-bar"],
    ]);
    for (const command of manifest.commands) {
      expect(command.description.length).toBeGreaterThan(20);
      expect(fs.existsSync(path.join(root, "src", `${command.name}.tsx`))).toBe(true);
      // An icon of its own, or the extension's.
      const icon = fs.readFileSync(path.join(root, "assets", command.icon ?? "icon.png"));
      expect(icon.subarray(1, 4).toString("ascii")).toBe("PNG");
      expect(icon.readUInt32BE(16)).toBe(512); // width
      expect(icon.readUInt32BE(20)).toBe(512); // height
    }
    expect(manifest.commands.find((c) => c.name === "menu-bar")!.interval).toBe("1m");
    const barIcon = fs.readFileSync(path.join(root, "assets", "menu-bar-icon.png"));
    expect(barIcon.subarray(1, 4).toString("ascii")).toBe("PNG");
  });
});

// The pure parts of managing tasks: the filter (to the API query, the dropdown, the stored text),
// the exports (file names, never overwriting, CSV quoting), the prompt checks and the menu-bar view.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import {
  applyChoice,
  CLEAR_CHOICE,
  DEFAULT_FILTER,
  dropdownSections,
  dropdownValue,
  filterQuery,
  filterSummary,
  parseStoredFilter,
  storedFilter,
  type TaskFilter,
} from "../src/helpers/filters";
import { csvField, listExportName, logExportName, safeNamePart, tasksCsv, writeNewFile } from "../src/helpers/export";
import { branchProblem, MAX_PROMPT_CHARS, promptProblem, repositoryProblem } from "../src/helpers/prompts";
import { menuBarTitle, menuBarView } from "../src/helpers/menu-bar";
import { recentRepositories, taskRef } from "../src/helpers/tasks";
import { decodeTaskList } from "../src/api/decode";
import { example } from "./fake-agentbar";

const list = decodeTaskList(example("v1-tasks"));

describe("the filter", () => {
  it("sends nothing when nothing is filtered, so the cached unfiltered list is asked for", () => {
    expect(filterQuery(DEFAULT_FILTER).toString()).toBe("");
  });

  it("maps agent, status and time to provider, bucket and period; archived to archived=true", () => {
    const filter: TaskFilter = { agent: "claude-code", status: "finished", time: "week", archived: true };
    expect(Object.fromEntries(filterQuery(filter))).toEqual({
      provider: "claude-code",
      bucket: "completed,failed,cancelled",
      period: "week",
      archived: "true",
    });
    expect(Object.fromEntries(filterQuery({ ...DEFAULT_FILTER, status: "needs-you" }))).toEqual({ bucket: "waiting" });
  });

  it("changes one dimension per dropdown pick and keeps the others; clear keeps the archive switch", () => {
    let filter = applyChoice(DEFAULT_FILTER, "agent:codex");
    filter = applyChoice(filter, "time:today");
    filter = applyChoice(filter, "status:running");
    expect(filter).toEqual({ agent: "codex", status: "running", time: "today", archived: false });
    expect(applyChoice(filter, "agent:all")).toEqual({ ...filter, agent: "all" });
    // Unknown picks change nothing.
    for (const value of ["agent:nope", "colour:red", "status", ""]) expect(applyChoice(filter, value)).toBe(filter);
    expect(applyChoice({ ...filter, archived: true }, CLEAR_CHOICE)).toEqual({ ...DEFAULT_FILTER, archived: true });
  });

  it("ticks the current choice of each section, and shows a value derived from the filter", () => {
    const filter: TaskFilter = { agent: "codex", status: "all", time: "today", archived: false };
    const sections = dropdownSections(filter);
    expect(sections.map((s) => s.title)).toEqual(["Agent", "Status", "Time"]);
    expect(sections.map((s) => s.items.filter((i) => i.selected).map((i) => i.value))).toEqual([
      ["agent:codex"],
      ["status:all"],
      ["time:today"],
    ]);
    expect(dropdownValue(filter)).toBe("agent:codex");
    // Reporting the shown value back is a no-op.
    expect(applyChoice(filter, dropdownValue(filter))).toEqual(filter);
    expect(dropdownValue(DEFAULT_FILTER)).toBe("status:all");
    expect(filterSummary({ ...filter, archived: true })).toBe("Archived · Codex · Today");
  });

  it("reads back what it stored, and anything else as no filter", () => {
    const filter: TaskFilter = { agent: "gemini-cli", status: "failed", time: "month", archived: true };
    expect(parseStoredFilter(storedFilter(filter))).toEqual(filter);
    for (const bad of [undefined, 42, "", "{", "null", "[]", '"x"'])
      expect(parseStoredFilter(bad)).toEqual(DEFAULT_FILTER);
    expect(parseStoredFilter('{"agent":"rm -rf","status":"running","time":7,"archived":"yes"}')).toEqual({
      ...DEFAULT_FILTER,
      status: "running",
    });
  });
});

describe("exports", () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("names files from the repository and the id, safely", () => {
    expect(logExportName({ id: "gh:octocat:b1a7c0de-0002", repository: "octo-org/api-server" }, "md")).toBe(
      "agentbar-api-server-b1a7c0de.md",
    );
    expect(logExportName({ id: "../../etc/passwd", repository: null }, "md")).toBe("agentbar-etc-pass.md");
    expect(safeNamePart("  ../weird name/with:colons\u0000 ")).toBe("weird-name-with-colons");
    expect(listExportName(new Date(2026, 10, 3), "csv")).toBe("agentbar-tasks-2026-11-03.csv");
  });

  it("never overwrites a file: the next free numbered name is taken", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agentbar-export-"));
    dirs.push(dir);
    fs.writeFileSync(path.join(dir, "log.md"), "the user's own file");
    const second = await writeNewFile(dir, "log.md", "one");
    const third = await writeNewFile(dir, "log.md", "two");
    expect([path.basename(second), path.basename(third)]).toEqual(["log (2).md", "log (3).md"]);
    expect(fs.readFileSync(path.join(dir, "log.md"), "utf8")).toBe("the user's own file");
    expect(fs.readFileSync(third, "utf8")).toBe("two");
    // A missing folder is made.
    const nested = await writeNewFile(path.join(dir, "Downloads"), "a.csv", "x");
    expect(fs.readFileSync(nested, "utf8")).toBe("x");
  });

  it("quotes CSV fields and defuses spreadsheet formulas", () => {
    expect(csvField("plain")).toBe("plain");
    expect(csvField('say "hi", then\nleave')).toBe('"say ""hi"", then\nleave"');
    expect(csvField('=HYPERLINK("http://x")')).toBe('"\'=HYPERLINK(""http://x"")"');
    expect(csvField("+1")).toBe("'+1");
    const csv = tasksCsv(list.tasks);
    const lines = csv.trimEnd().split("\r\n");
    expect(lines[0]).toBe(
      "id,provider,source,repository,title,status,bucket,state,created_at,updated_at,completed_at,duration_seconds,pull_request,url,usage,error",
    );
    expect(lines).toHaveLength(list.tasks.length + 1);
    expect(lines[1].startsWith(`${list.tasks[0].id},${list.tasks[0].provider},`)).toBe(true);
  });
});

describe("form checks", () => {
  it("refuses an empty or too long prompt, and a repository or branch that cannot be", () => {
    expect(promptProblem("  \n ")).toBe("Write what the agent should do");
    expect(promptProblem("x".repeat(MAX_PROMPT_CHARS))).toBeUndefined();
    expect(promptProblem("x".repeat(MAX_PROMPT_CHARS + 1))).toBe(
      `At most 8,000 characters (this one has ${(MAX_PROMPT_CHARS + 1).toLocaleString("en-US")})`,
    );
    // Counted as agentbar counts: code points, so an emoji is one character, not two.
    expect(promptProblem("🚀".repeat(MAX_PROMPT_CHARS))).toBeUndefined();
    expect(repositoryProblem("octo-org/api-server")).toBeUndefined();
    for (const bad of ["", "api-server", "octo/", "/x", "a/b/c", "octo org/x", "octo/.."]) {
      expect(repositoryProblem(bad)).toBeDefined();
    }
    for (const good of ["", "main", "release/1.2", "feature_x-y"]) expect(branchProblem(good)).toBeUndefined();
    for (const bad of ["a b", "a..b", "-x", "x/", "x.lock", "a~1", "a//b"]) expect(branchProblem(bad)).toBeDefined();
  });

  it("offers the repositories of the newest tasks first, each once", () => {
    const repos = recentRepositories(list.tasks);
    expect(repos.length).toBeGreaterThan(1);
    expect(new Set(repos).size).toBe(repos.length);
    const newest = [...list.tasks].sort((a, b) => Date.parse(b.updated_at) - Date.parse(a.updated_at))[0];
    expect(repos[0]).toBe(newest.repository);
    expect(recentRepositories(list.tasks, 1)).toEqual([repos[0]]);
  });
});

describe("the menu-bar view", () => {
  it("titles with the counts, nothing when both are zero", () => {
    expect(menuBarTitle({ waiting: 2, running: 1 })).toBe("2 ⚑  1 ▶");
    expect(menuBarTitle({ waiting: 0, running: 3 })).toBe("3 ▶");
    expect(menuBarTitle({ waiting: 1, running: 0 })).toBe("1 ⚑");
    expect(menuBarTitle({ waiting: 0, running: 0 })).toBeUndefined();
  });

  it("lists the waiting and running tasks with their pull request, or says why there is no list", () => {
    const view = menuBarView({ kind: "list", list, offline: null });
    expect(view.needsYou.map((r) => r.id)).toEqual(list.tasks.filter((t) => t.bucket === "waiting").map(taskRef));
    expect(view.running).toHaveLength(list.counts.running);
    const withPr = list.tasks.find((t) => t.bucket === "waiting" && t.pull_request)!;
    expect(view.needsYou.find((r) => r.id === taskRef(withPr))!.url).toBe(withPr.pull_request!.url);

    const blocked = menuBarView({ kind: "blocked", blocker: { kind: "not-running", message: "nothing answers" } });
    expect(blocked).toMatchObject({ title: undefined, needsYou: [], running: [] });
    expect(blocked.problem).toMatchObject({ title: "agentbar is not running", command: "agentbar run" });
  });
});

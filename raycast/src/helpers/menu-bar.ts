/**
 * What the "Agents in Menu Bar" command shows, as a pure function of the list state: the title
 * (the counts, nothing when both are zero), a tooltip in words, the Needs you and Running rows,
 * or the problem when agentbar cannot be asked.
 */
import type { Counts, Task } from "../api/types";
import { describeProblem, type ListState } from "./problems";
import { sortTasks, taskRef } from "./tasks";

export interface MenuBarRow {
  id: string;
  title: string;
  subtitle: string;
  url: string;
  tooltip: string;
}

export interface MenuBarView {
  /** The menu-bar title: undefined shows the icon alone. */
  title: string | undefined;
  tooltip: string;
  needsYou: MenuBarRow[];
  running: MenuBarRow[];
  /** Why there is no list (agentbar not running, signed out, …), with what to do. */
  problem: { title: string; description: string; command?: string } | null;
}

/** The longest row title, in characters: a menu is no place for a whole prompt. */
export const MAX_ROW_TITLE = 60;

function clip(text: string): string {
  return text.length > MAX_ROW_TITLE ? `${text.slice(0, MAX_ROW_TITLE - 1)}…` : text;
}

/** "2 ⚑ 1 ▶": waiting first, each part only when non-zero; undefined when both are zero. */
export function menuBarTitle(counts: Pick<Counts, "running" | "waiting">): string | undefined {
  const parts: string[] = [];
  if (counts.waiting > 0) parts.push(`${counts.waiting} ⚑`);
  if (counts.running > 0) parts.push(`${counts.running} ▶`);
  return parts.length > 0 ? parts.join("  ") : undefined;
}

export function countsTooltip(counts: Pick<Counts, "running" | "waiting">): string {
  const waiting = counts.waiting === 1 ? "1 task needs you" : `${counts.waiting} tasks need you`;
  return `agentbar: ${waiting}, ${counts.running} running`;
}

function row(task: Task): MenuBarRow {
  return {
    id: taskRef(task),
    title: clip(task.title),
    subtitle: task.repository ?? "",
    url: task.pull_request?.url || task.url,
    tooltip: task.pull_request ? `Open pull request #${task.pull_request.number}` : "Open the task page",
  };
}

export function menuBarView(state: ListState): MenuBarView {
  if (state.kind === "loading") {
    return { title: undefined, tooltip: "agentbar", needsYou: [], running: [], problem: null };
  }
  if (state.kind === "blocked") {
    const text = describeProblem(state.blocker);
    return {
      title: undefined,
      tooltip: `agentbar: ${text.title}`,
      needsYou: [],
      running: [],
      problem: { title: text.title, description: text.description, command: text.command },
    };
  }
  const { counts, tasks } = state.list;
  const sorted = sortTasks(tasks);
  return {
    title: menuBarTitle(counts),
    tooltip: countsTooltip(counts),
    needsYou: sorted.filter((t) => t.bucket === "waiting").map(row),
    running: sorted.filter((t) => t.bucket === "running").map(row),
    problem: null,
  };
}

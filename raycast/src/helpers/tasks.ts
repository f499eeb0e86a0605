/**
 * Ordering, sections and link choice for the task list: pure functions of the tasks and the
 * current time, mirroring `sort_tasks`, `finished_at` and `is_recent` in `src/model/task.rs`.
 */
import type { Bucket, Task } from "../api/types";

/** A task counts as finished "recently" for this long after it finished (SPEC §1). */
export const RECENT_WINDOW_MS = 24 * 60 * 60 * 1000;

export type SectionKey = "needs-you" | "running" | "recent" | "earlier";

export interface TaskSection {
  key: SectionKey;
  title: string;
  tasks: Task[];
}

const SECTION_TITLES: Record<SectionKey, string> = {
  "needs-you": "Needs you",
  running: "Running",
  recent: "Recent",
  earlier: "Earlier",
};

/** Running or waiting: the agent is working or waits for the user. */
export function isActive(task: Pick<Task, "bucket">): boolean {
  return task.bucket === "running" || task.bucket === "waiting";
}

/** Whether the agent allows `action` on the task now; an agent too old to list actions allowed stop on active tasks. */
export function allows(task: Pick<Task, "bucket" | "actions">, action: string): boolean {
  if (task.actions) return task.actions.includes(action);
  return action === "stop" && isActive(task);
}

function rank(bucket: Bucket): number {
  if (bucket === "waiting") return 0;
  if (bucket === "running") return 1;
  return 2;
}

function millis(iso: string | null | undefined): number {
  if (!iso) return Number.NaN;
  return Date.parse(iso);
}

/** When the task finished: `completed_at`, else its last update; null while it is active. */
export function finishedAt(task: Task): number | null {
  if (isActive(task)) return null;
  const completed = millis(task.completed_at);
  return Number.isNaN(completed) ? millis(task.updated_at) : completed;
}

/** Finished within the last 24 hours of `now`. */
export function isRecent(task: Task, now: number): boolean {
  const at = finishedAt(task);
  return at !== null && !Number.isNaN(at) && now - at <= RECENT_WINDOW_MS;
}

/** SPEC order: waiting first, then running, then everything by `updated_at`, newest first; id breaks ties. */
export function compareTasks(a: Task, b: Task): number {
  const byRank = rank(a.bucket) - rank(b.bucket);
  if (byRank !== 0) return byRank;
  const ua = millis(a.updated_at);
  const ub = millis(b.updated_at);
  if (ua !== ub && !Number.isNaN(ua) && !Number.isNaN(ub)) return ub - ua;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

export function sortTasks(tasks: readonly Task[]): Task[] {
  return [...tasks].sort(compareTasks);
}

export function sectionOf(task: Task, now: number): SectionKey {
  if (task.bucket === "waiting") return "needs-you";
  if (task.bucket === "running") return "running";
  return isRecent(task, now) ? "recent" : "earlier";
}

/** The non-empty sections in display order, each sorted. */
export function groupTasks(tasks: readonly Task[], now: number): TaskSection[] {
  const sections: TaskSection[] = (["needs-you", "running", "recent", "earlier"] as const).map((key) => ({
    key,
    title: SECTION_TITLES[key],
    tasks: [],
  }));
  for (const task of sortTasks(tasks)) {
    sections.find((s) => s.key === sectionOf(task, now))!.tasks.push(task);
  }
  return sections.filter((s) => s.tasks.length > 0);
}

/** What routes take for the task: its key (unique across sources), else its id (older agents). */
export function taskRef(task: Pick<Task, "key" | "id">): string {
  return task.key || task.id;
}

/** Finished: completed, failed or cancelled (what "Archive All Finished" takes). */
export function isFinished(task: Pick<Task, "bucket">): boolean {
  return task.bucket === "completed" || task.bucket === "failed" || task.bucket === "cancelled";
}

/** The repositories of the most recently updated tasks, newest first, each once. */
export function recentRepositories(tasks: readonly Task[], limit = 10): string[] {
  const byUpdate = [...tasks].sort((a, b) => millis(b.updated_at) - millis(a.updated_at) || 0);
  const seen = new Set<string>();
  for (const task of byUpdate) {
    if (task.repository && !seen.has(task.repository)) seen.add(task.repository);
    if (seen.size >= limit) break;
  }
  return [...seen];
}

/** What Enter opens: the pull request, else the task page. */
export function primaryUrl(task: Task): string {
  return task.pull_request?.url || task.url;
}

/** Words Raycast's filter should match besides the title: the repository, its owner and name, the PR number. */
export function searchKeywords(task: Task): string[] {
  const words: string[] = [];
  if (task.repository) words.push(task.repository, ...task.repository.split("/"));
  if (task.pull_request) words.push(`#${task.pull_request.number}`, String(task.pull_request.number));
  return words.filter((w) => w.length > 0);
}

/** Age and time text for rows: compact ages ("5m") with the exact time kept for tooltips. */
import type { Branch, Task, Usage } from "../api/types";
import { finishedAt } from "./tasks";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** How long ago `iso` was, compactly: "now", "45s", "12m", "3h", "2d", "5w", "1y". Empty when unreadable. */
export function ageText(iso: string | null | undefined, now: number): string {
  const at = iso ? Date.parse(iso) : Number.NaN;
  if (Number.isNaN(at)) return "";
  // A time slightly in the future (clock skew between agentbar and GitHub) reads as "now".
  const ms = Math.max(0, now - at);
  if (ms < 10_000) return "now";
  if (ms < MINUTE) return `${Math.floor(ms / 1000)}s`;
  if (ms < HOUR) return `${Math.floor(ms / MINUTE)}m`;
  if (ms < DAY) return `${Math.floor(ms / HOUR)}h`;
  if (ms < 14 * DAY) return `${Math.floor(ms / DAY)}d`;
  if (ms < 365 * DAY) return `${Math.floor(ms / (7 * DAY))}w`;
  return `${Math.floor(ms / (365 * DAY))}y`;
}

/** The exact time, for tooltips, in the user's locale unless told otherwise. */
export function exactTime(iso: string, locale?: string, timeZone?: string): string {
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short", timeZone }).format(at);
}

/** The time a row's age counts from (finished, else last update) and how to say it. */
export function rowTime(task: Task): { iso: string; verb: "Finished" | "Updated" } {
  const finished = finishedAt(task);
  if (finished !== null && task.completed_at) return { iso: task.completed_at, verb: "Finished" };
  return { iso: task.updated_at, verb: "Updated" };
}

/** A duration in words: "45 s", "12 min", "3 h 5 min". */
export function durationText(seconds: number): string {
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest ? `${hours} h ${rest} min` : `${hours} h`;
}

/** "copilot/fix → main", or the head alone when the base is not known. */
export function branchText(branch: Branch): string {
  return branch.base_ref ? `${branch.head_ref} → ${branch.base_ref}` : branch.head_ref;
}

/** Short usage for a row: "12.3 credits", "2.5 premium", or both; one decimal, as GitHub shows. */
export function usageText(usage: Usage): string {
  const parts: string[] = [];
  if (usage.ai_credits !== null) parts.push(`${usage.ai_credits.toFixed(1)} credits`);
  if (usage.premium_requests !== null) parts.push(`${usage.premium_requests.toFixed(1)} premium`);
  return parts.length > 0 ? parts.join(" · ") : usage.label;
}

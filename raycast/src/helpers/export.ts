/**
 * Writing exports (a task's log, the filtered list) into the user's Downloads folder: file names
 * made safe from task titles, a new file every time (an existing file is never overwritten: a
 * numbered name is taken instead), and the list as JSON or CSV.
 */
import { constants } from "node:fs";
import { mkdir, open as openFile } from "node:fs/promises";
import path from "node:path";
import type { Task } from "../api/types";

/** The Downloads folder under the home directory (macOS and Windows alike). */
export function downloadsDirectory(home: string): string {
  return path.join(home, "Downloads");
}

/** A file-name part from free text: letters, digits, dot, dash and underscore; at most 60. */
export function safeNamePart(text: string): string {
  const cleaned = text
    .normalize("NFKD")
    .replace(/[^\w.-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^[-.]+|[-.]+$/g, "");
  return cleaned.slice(0, 60).replace(/[-.]+$/, "");
}

/** `agentbar-api-server-1a2b3c4d.md`: the repository's name and the id's start. */
export function logExportName(task: Pick<Task, "id" | "repository">, extension: string): string {
  const repo = task.repository ? safeNamePart(task.repository.split("/").pop() ?? "") : "";
  const id = safeNamePart(task.id.split(":").pop() ?? task.id).slice(0, 8);
  return ["agentbar", repo, id].filter((p) => p !== "").join("-") + `.${extension}`;
}

/**
 * The file name agentbar suggests (`Content-Disposition`), when it is a plain name with the
 * expected extension once made safe; null otherwise, so no answer can name a path.
 */
export function exportFileName(suggested: string | null, extension: string): string | null {
  if (!suggested) return null;
  const base = suggested.split(/[\\/]/).pop() ?? "";
  const dot = base.lastIndexOf(".");
  if (dot <= 0 || base.slice(dot + 1) !== extension) return null;
  const stem = safeNamePart(base.slice(0, dot));
  return stem ? `${stem}.${extension}` : null;
}

/** `agentbar-tasks-2026-11-30.csv`, in the user's local date. */
export function listExportName(now: Date, extension: string): string {
  const day = [now.getFullYear(), now.getMonth() + 1, now.getDate()].map((n) => String(n).padStart(2, "0"));
  return `agentbar-tasks-${day.join("-")}.${extension}`;
}

const MAX_NUMBERED = 1000;

/**
 * Writes `content` to a file that did not exist before, in `dir` (made when missing): `name`,
 * else `name (2)`, `name (3)`, … Returns the path written.
 */
export async function writeNewFile(dir: string, name: string, content: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const { name: stem, ext } = path.parse(name);
  for (let n = 1; n <= MAX_NUMBERED; n++) {
    const file = path.join(dir, n === 1 ? name : `${stem} (${n})${ext}`);
    let handle;
    try {
      // O_EXCL: fails instead of truncating a file that is already there.
      handle = await openFile(file, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EEXIST") continue;
      throw error;
    }
    try {
      await handle.writeFile(content, "utf8");
    } finally {
      await handle.close();
    }
    return file;
  }
  throw new Error(`${dir} already holds ${MAX_NUMBERED} files named like ${name}`);
}

const CSV_COLUMNS = [
  ["id", (t: Task) => t.id],
  ["provider", (t: Task) => t.provider],
  ["source", (t: Task) => t.source ?? ""],
  ["repository", (t: Task) => t.repository ?? ""],
  ["title", (t: Task) => t.title],
  ["status", (t: Task) => t.label],
  ["bucket", (t: Task) => t.bucket],
  ["state", (t: Task) => t.state],
  ["created_at", (t: Task) => t.created_at],
  ["updated_at", (t: Task) => t.updated_at],
  ["completed_at", (t: Task) => t.completed_at ?? ""],
  ["duration_seconds", (t: Task) => String(t.duration_seconds)],
  ["pull_request", (t: Task) => t.pull_request?.url ?? ""],
  ["url", (t: Task) => t.url],
  ["usage", (t: Task) => t.usage?.label ?? ""],
  ["error", (t: Task) => t.error?.message ?? ""],
] as const;

/**
 * One CSV field (RFC 4180 quoting). A field that a spreadsheet would run as a formula (starting
 * with = + - @, a tab or a carriage return: titles come from prompts) gets a leading apostrophe.
 */
export function csvField(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** The tasks as CSV with a header line, CRLF line ends (what spreadsheets expect). */
export function tasksCsv(tasks: readonly Task[]): string {
  const lines = [CSV_COLUMNS.map(([name]) => name).join(",")];
  for (const task of tasks) lines.push(CSV_COLUMNS.map(([, get]) => csvField(get(task))).join(","));
  return lines.join("\r\n") + "\r\n";
}

/** The tasks as JSON, as the API served them, with the filter that chose them. */
export function tasksJson(tasks: readonly Task[], query: string, generatedAt: string): string {
  return JSON.stringify({ generated_at: generatedAt, filter: query, tasks }, null, 2) + "\n";
}

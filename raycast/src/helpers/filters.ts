/**
 * The View Tasks filter: agent, status and time, plus whether archived tasks are shown. Pure
 * functions from the filter to the API's query (`provider`, `bucket`, `period`, `archived`: the
 * server filters, so the list, its counts and an export agree), to the one search-bar dropdown
 * that sets all three, and to and from the text kept in LocalStorage between openings.
 */

export interface FilterOption {
  id: string;
  title: string;
}

/** The agents (providers) agentbar knows; `all` sends no `provider`. */
export const AGENT_OPTIONS: readonly FilterOption[] = [
  { id: "all", title: "All Agents" },
  { id: "copilot", title: "Copilot (cloud)" },
  { id: "claude-code", title: "Claude Code" },
  { id: "codex", title: "Codex" },
  { id: "copilot-cli", title: "Copilot CLI" },
  { id: "gemini-cli", title: "Gemini CLI" },
];

/** Statuses as the list's sections name them, each a set of buckets. */
export const STATUS_OPTIONS: readonly (FilterOption & { buckets: readonly string[] })[] = [
  { id: "all", title: "Any Status", buckets: [] },
  { id: "needs-you", title: "Needs You", buckets: ["waiting"] },
  { id: "running", title: "Running", buckets: ["running"] },
  { id: "finished", title: "Finished", buckets: ["completed", "failed", "cancelled"] },
  { id: "failed", title: "Failed", buckets: ["failed"] },
];

/** Time windows in the user's local time, as the API's `period` means them. */
export const TIME_OPTIONS: readonly FilterOption[] = [
  { id: "all", title: "Any Time" },
  { id: "today", title: "Today" },
  { id: "week", title: "This Week" },
  { id: "month", title: "This Month" },
];

export type Dimension = "agent" | "status" | "time";

export interface TaskFilter {
  agent: string;
  status: string;
  time: string;
  /** List the archived tasks (`archived=true`). */
  archived: boolean;
}

export const DEFAULT_FILTER: TaskFilter = { agent: "all", status: "all", time: "all", archived: false };

const OPTIONS: Record<Dimension, readonly FilterOption[]> = {
  agent: AGENT_OPTIONS,
  status: STATUS_OPTIONS,
  time: TIME_OPTIONS,
};

/** The dropdown item that clears the three dimensions. */
export const CLEAR_CHOICE = "clear";

/** The LocalStorage key of the remembered filter. */
export const FILTER_STORAGE_KEY = "view-tasks.filter";

function known(dimension: Dimension, id: unknown): id is string {
  return typeof id === "string" && OPTIONS[dimension].some((o) => o.id === id);
}

/** The API query for a filter; empty when nothing is filtered (the cached, unfiltered list). */
export function filterQuery(filter: TaskFilter): URLSearchParams {
  const query = new URLSearchParams();
  if (filter.agent !== "all") query.set("provider", filter.agent);
  const status = STATUS_OPTIONS.find((o) => o.id === filter.status);
  if (status && status.buckets.length > 0) query.set("bucket", status.buckets.join(","));
  if (filter.time !== "all") query.set("period", filter.time);
  if (filter.archived) query.set("archived", "true");
  return query;
}

/** A dropdown item's value: `agent:codex`, `status:running`, `time:today`. */
export function choiceValue(dimension: Dimension, id: string): string {
  return `${dimension}:${id}`;
}

/** The filter after picking a dropdown item: that dimension changes, the others stay. */
export function applyChoice(filter: TaskFilter, value: string): TaskFilter {
  if (value === CLEAR_CHOICE) return { ...DEFAULT_FILTER, archived: filter.archived };
  const [dimension, id] = value.split(/:(.*)/s) as [Dimension, string];
  if (!(dimension in OPTIONS) || !known(dimension, id)) return filter;
  return { ...filter, [dimension]: id };
}

/** The dropdown's sections, each item marked when it is the current choice of its dimension. */
export function dropdownSections(
  filter: TaskFilter,
): { title: string; items: { value: string; title: string; selected: boolean }[] }[] {
  const section = (title: string, dimension: Dimension) => ({
    title,
    items: OPTIONS[dimension].map((o) => ({
      value: choiceValue(dimension, o.id),
      title: o.title,
      selected: filter[dimension] === o.id,
    })),
  });
  return [section("Agent", "agent"), section("Status", "status"), section("Time", "time")];
}

/** True when any of agent, status or time narrows the list. */
export function isFiltered(filter: TaskFilter): boolean {
  return filter.agent !== "all" || filter.status !== "all" || filter.time !== "all";
}

/** "Claude Code · Running · Today", or "" when nothing is filtered; "Archived" leads when shown. */
export function filterSummary(filter: TaskFilter): string {
  const parts: string[] = [];
  if (filter.archived) parts.push("Archived");
  for (const dimension of ["agent", "status", "time"] as const) {
    if (filter[dimension] !== "all") {
      parts.push(OPTIONS[dimension].find((o) => o.id === filter[dimension])?.title ?? filter[dimension]);
    }
  }
  return parts.join(" · ");
}

/** The stored text as a filter: anything unreadable or unknown falls back to "all", never an error. */
export function parseStoredFilter(text: unknown): TaskFilter {
  if (typeof text !== "string") return DEFAULT_FILTER;
  let value: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== "object" || parsed === null) return DEFAULT_FILTER;
    value = parsed as Record<string, unknown>;
  } catch {
    return DEFAULT_FILTER;
  }
  return {
    agent: known("agent", value.agent) ? value.agent : "all",
    status: known("status", value.status) ? value.status : "all",
    time: known("time", value.time) ? value.time : "all",
    archived: value.archived === true,
  };
}

export function storedFilter(filter: TaskFilter): string {
  return JSON.stringify(filter);
}

/**
 * The item the dropdown shows: the status when one is chosen, else the agent, else the time.
 * Derived from the filter, so a dropdown that reports its own value back changes nothing.
 */
export function dropdownValue(filter: TaskFilter): string {
  for (const dimension of ["status", "agent", "time"] as const) {
    if (filter[dimension] !== "all") return choiceValue(dimension, filter[dimension]);
  }
  return choiceValue("status", "all");
}

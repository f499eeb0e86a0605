/**
 * The logs view's pure parts: merging pages of events as they arrive, keeping the selection
 * where the user put it, and rendering one event as markdown.
 */
import type { LogEvent, LogPage } from "../api/types";

export interface LogsState {
  events: LogEvent[];
  cursor: string | null;
  done: boolean;
  /** True until the first page (or error) arrives. */
  loading: boolean;
}

export const INITIAL_LOGS_STATE: LogsState = { events: [], cursor: null, done: false, loading: true };

/**
 * Adds a page: events by `seq`, each once (a page may repeat what an earlier one sent). A page
 * marked `reset` is the whole log again (it was rewritten), so it replaces what was shown.
 */
export function mergeLogPage(state: LogsState, page: LogPage): LogsState {
  const bySeq = new Map<number, LogEvent>();
  if (!page.reset) for (const event of state.events) bySeq.set(event.seq, event);
  for (const event of page.events) bySeq.set(event.seq, event);
  const events = [...bySeq.values()].sort((a, b) => a.seq - b.seq);
  return { events, cursor: page.cursor ?? state.cursor, done: page.done, loading: false };
}

export function eventId(event: LogEvent): string {
  return `event-${event.seq}`;
}

/**
 * The item to select after the list changed. Following the tail: when nothing is selected yet or
 * the newest event was selected, the new newest one is; otherwise the user's choice stays put.
 */
export function followSelection(
  selected: string | undefined,
  previousLast: string | undefined,
  last: string | undefined,
): string | undefined {
  if (selected === undefined || selected === previousLast) return last;
  return selected;
}

/** A code fence longer than any run of backticks inside the text, so the text cannot close it. */
function fence(text: string, lang = ""): string {
  const longest = Math.max(2, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const ticks = "`".repeat(longest + 1);
  return `${ticks}${lang}\n${text}\n${ticks}`;
}

/** A tool's arguments as text: raw text as it came, anything else as indented JSON. */
function toolInputText(input: unknown): string {
  if (typeof input === "string") return input;
  if (input === undefined || input === null) return "";
  return JSON.stringify(input, null, 2);
}

/** One event as markdown for the detail pane: its title, its body, and a tool call's input and output. */
export function eventMarkdown(event: LogEvent): string {
  const parts = [`### ${event.title.replace(/\n/g, " ")}`];
  if (event.body.trim()) {
    // Tool output and setup lines are verbatim text; messages and thoughts are prose.
    parts.push(event.kind === "message" || event.kind === "thinking" ? event.body : fence(event.body));
  }
  if (event.tool) {
    parts.push(`**${event.tool.name}**`);
    const input = toolInputText(event.tool.input);
    if (input.trim()) parts.push("Input", fence(input));
    if (event.tool.output?.trim()) parts.push("Output", fence(event.tool.output));
  }
  return parts.join("\n\n");
}

/**
 * The logs view's pure parts: merging pages of events as they arrive, grouping a subagent's run,
 * keeping the selection where the user put it, and rendering one event as markdown.
 */
import type { LogAgent, LogEvent, LogPage } from "../api/types";

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

/** Consecutive events of one agent: the main agent's (`agent` null) or one subagent's run. */
export interface LogRun {
  agent: LogAgent | null;
  events: LogEvent[];
}

/** A subagent as people read it: its name, else its id. */
export function agentLabel(agent: LogAgent): string {
  return `Subagent: ${agent.name || agent.id}`;
}

/**
 * The events cut into runs, in order: each subagent's run is one group (a section titled by the
 * subagent in the view), the main agent's events between them are others.
 */
export function groupRuns(events: LogEvent[]): LogRun[] {
  const runs: LogRun[] = [];
  for (const event of events) {
    const agent = event.agent ?? null;
    const last = runs.at(-1);
    if (last && (last.agent?.id ?? null) === (agent?.id ?? null)) {
      last.events.push(event);
      // The run is named once a later event knows the name.
      if (agent?.name && !last.agent?.name) last.agent = agent;
    } else {
      runs.push({ agent, events: [event] });
    }
  }
  return runs;
}

/** "You" on the task's prompt, "You (follow-up)" on a later message from the user. */
export function userLabel(event: LogEvent): string | undefined {
  if (event.user === "prompt") return "You";
  if (event.user === "follow_up") return "You (follow-up)";
  return undefined;
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
  const from = userLabel(event) ?? (event.agent ? agentLabel(event.agent) : undefined);
  if (from) parts.push(`*${from}*`);
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

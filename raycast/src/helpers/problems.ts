/**
 * What the task list shows when agentbar cannot give it a usable list, and how often it asks
 * again. Pure: the gate component and the hook only render and schedule what these decide.
 */
import type { AgentbarError, AgentbarErrorKind } from "../api/errors";
import type { TaskList } from "../api/types";
import type { IconName } from "./appearance";

/** Why the list cannot be shown: an error of the client, or agentbar being signed out. */
export type Blocker = { kind: AgentbarErrorKind; message: string } | { kind: "signed-out"; message: string };

export interface ProblemText {
  title: string;
  description: string;
  icon: IconName;
  /** A command worth copying to fix it, if any. */
  command?: string;
  /** Whether the extension preferences can fix it (URL or token override). */
  preferencesHelp: boolean;
}

/** The empty view for each blocker: what happened and what to do, in the user's words. */
export function describeProblem(blocker: Blocker): ProblemText {
  switch (blocker.kind) {
    case "not-running":
      return {
        title: "agentbar is not running",
        description: "Start agentbar (the menu-bar app, or `agentbar run` in a terminal), then try again.",
        icon: "Power",
        command: "agentbar run",
        preferencesHelp: false,
      };
    case "signed-out":
      return {
        title: "agentbar is signed out",
        description: "Sign in to GitHub from agentbar's menu (or run `agentbar login`), then try again.",
        icon: "Person",
        command: "agentbar login",
        preferencesHelp: false,
      };
    case "newer-schema":
      return {
        title: "agentbar is newer than this extension",
        description: `Update the agentbar extension to read this agentbar. (${blocker.message})`,
        icon: "Download",
        preferencesHelp: false,
      };
    case "unauthorized":
      return {
        title: "agentbar refused the token",
        description:
          "agentbar makes a new token at every start. Clear the API Token preference to use the one in endpoint.json, or paste the current one from `agentbar endpoint`.",
        icon: "Lock",
        command: "agentbar endpoint",
        preferencesHelp: true,
      };
    case "misdirected":
      return {
        title: "agentbar refused the address",
        description:
          "agentbar answers only at http://127.0.0.1:PORT or http://localhost:PORT. Check the API URL preference.",
        icon: "Globe",
        preferencesHelp: true,
      };
    case "bad-endpoint":
      return {
        title: "Cannot find agentbar",
        description: `${blocker.message}. Restart agentbar, or set the API URL preference.`,
        icon: "QuestionMarkCircle",
        preferencesHelp: true,
      };
    case "timeout":
      return {
        title: "agentbar does not answer",
        description: `${blocker.message}. It may be busy or stuck; try again, or restart agentbar.`,
        icon: "Clock",
        preferencesHelp: false,
      };
    case "server-error":
      return {
        title: "agentbar had a problem",
        description: `${blocker.message}. Try again in a moment.`,
        icon: "Warning",
        preferencesHelp: false,
      };
    case "not-implemented":
      return {
        title: "Not available from this agentbar version",
        description: `${blocker.message}. Update agentbar.`,
        icon: "Download",
        preferencesHelp: false,
      };
    case "bad-response":
    case "http":
      return {
        title: "Unexpected answer from agentbar",
        description: `${blocker.message}. Updating agentbar and this extension may help.`,
        icon: "Warning",
        preferencesHelp: false,
      };
  }
}

/**
 * Errors after which an older list is misleading rather than helpful. A refused request (`http`:
 * a 400 for a filter this agentbar does not know, say) is no hiccup either: the older list would
 * not match what was asked for.
 */
const BLOCKING_WITH_DATA = new Set<AgentbarErrorKind>([
  "not-running",
  "bad-endpoint",
  "unauthorized",
  "misdirected",
  "newer-schema",
  "http",
]);

export type ListState =
  | { kind: "loading" }
  | { kind: "blocked"; blocker: Blocker }
  | { kind: "list"; list: TaskList; offline: AgentbarError | null };

/**
 * What the task list shows. An error that a retry may fix (a timeout, a 5xx) keeps the last list
 * on screen, marked offline; one that needs the user (not running, wrong token, newer schema) or
 * a signed-out agentbar shows the empty view with what to do instead of an out-of-date list.
 */
export function listState(data: TaskList | undefined, error: AgentbarError | undefined): ListState {
  if (error && (!data || BLOCKING_WITH_DATA.has(error.kind))) {
    return { kind: "blocked", blocker: { kind: error.kind, message: error.message } };
  }
  if (!data) return { kind: "loading" };
  if (data.health.status === "signed_out") {
    return {
      kind: "blocked",
      blocker: { kind: "signed-out", message: data.health.last_error?.message ?? "agentbar has no GitHub token" },
    };
  }
  return { kind: "list", list: data, offline: error ?? null };
}

/** While something is active: every few seconds, like agentbar's own fast poll. */
export const ACTIVE_REFRESH_MS = 5_000;
/** While agentbar starts up. */
export const STARTING_REFRESH_MS = 2_000;
/** Nothing active: new tasks still show up without a manual refresh. */
export const IDLE_REFRESH_MS = 30_000;

/** How long to wait before asking agentbar again; null when only the user can fix things. */
export function refreshIntervalMs(state: ListState): number | null {
  switch (state.kind) {
    case "loading":
      return null;
    case "blocked":
      // Waiting for the user to start agentbar or sign in: notice it without a keypress.
      // Checking costs one file read (or one loopback request).
      return state.blocker.kind === "not-running" ||
        state.blocker.kind === "signed-out" ||
        state.blocker.kind === "timeout" ||
        state.blocker.kind === "server-error"
        ? ACTIVE_REFRESH_MS
        : null;
    case "list": {
      if (state.offline) return ACTIVE_REFRESH_MS;
      if (state.list.health.status === "starting") return STARTING_REFRESH_MS;
      const { running, waiting } = state.list.counts;
      return running + waiting > 0 ? ACTIVE_REFRESH_MS : IDLE_REFRESH_MS;
    }
  }
}

/** The navigation title: quiet when all is well, honest when the list is old. */
export function listTitle(state: ListState, now: number, ageText: (iso: string, now: number) => string): string {
  if (state.kind !== "list") return "View Tasks";
  const { list, offline } = state;
  const age = list.health.last_success_at ? ageText(list.health.last_success_at, now) : "";
  const since = age === "" ? "" : age === "now" ? " (updated just now)" : ` (updated ${age} ago)`;
  if (offline) return `Offline — showing the last list${since}`;
  if (list.health.stale || list.health.status === "degraded")
    return `GitHub not reachable — showing cached data${since}`;
  return "View Tasks";
}

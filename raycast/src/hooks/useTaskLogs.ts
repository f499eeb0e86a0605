/**
 * The structured log of one task, fetched page by page with the cursor: only what is new is
 * asked for, and new events are asked for every couple of seconds while the task is active and
 * the log is not done. A custom hook rather than `useCachedPromise`, because the result is an
 * accumulation of pages rather than one answer.
 */
import { useEffect, useState } from "react";
import type { AgentbarClient } from "../api/client";
import { isTransient, toAgentbarError, type AgentbarError } from "../api/errors";
import { INITIAL_LOGS_STATE, mergeLogPage, type LogsState } from "../helpers/logs";

export const LOG_FOLLOW_MS = 2_000;

export interface TaskLogsResult extends LogsState {
  error: AgentbarError | null;
  /** Whether new events are still being asked for. */
  following: boolean;
}

/** `attempt` starts the reading over when it changes (a "Try Again" action). */
export function useTaskLogs(client: AgentbarClient, taskId: string, active: boolean, attempt = 0): TaskLogsResult {
  const [state, setState] = useState<LogsState>(INITIAL_LOGS_STATE);
  const [error, setError] = useState<AgentbarError | null>(null);
  const [following, setFollowing] = useState(active);

  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let cursor: string | null = null;
    setState((s) => ({ ...s, loading: s.events.length === 0 }));

    const next = async () => {
      try {
        const page = await client.logs(taskId, cursor);
        if (cancelled) return;
        cursor = page.cursor ?? cursor;
        setState((s) => mergeLogPage(s, page));
        setError(null);
        const more = active && !page.done;
        setFollowing(more);
        if (more) timer = setTimeout(next, LOG_FOLLOW_MS);
      } catch (e) {
        if (cancelled) return;
        const failure = toAgentbarError(e);
        setError(failure);
        setState((s) => ({ ...s, loading: false }));
        // A hiccup is retried while following; a 501 or a refused token is not going to change.
        const retry = active && isTransient(failure);
        setFollowing(retry);
        if (retry) timer = setTimeout(next, LOG_FOLLOW_MS * 2);
      }
    };
    void next();
    return () => {
      cancelled = true;
      if (timer) clearTimeout(timer);
    };
  }, [client, taskId, active, attempt]);

  return { ...state, error, following };
}

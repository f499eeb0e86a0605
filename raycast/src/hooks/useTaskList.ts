/**
 * The task list from agentbar, cached between openings (so the last list shows at once) and
 * asked again every few seconds while anything is active. `query` carries the filters; the list
 * is asked for only once `ready` (the remembered filter is known).
 */
import { useCachedPromise } from "@raycast/utils";
import { useEffect, useMemo } from "react";
import type { AgentbarClient } from "../api/client";
import { toAgentbarError } from "../api/errors";
import { listState, refreshIntervalMs, type ListState } from "../helpers/problems";

export interface TaskListResult {
  state: ListState;
  isLoading: boolean;
  revalidate: () => void;
}

export function useTaskList(client: AgentbarClient, query = "", ready = true): TaskListResult {
  const { data, error, isLoading, revalidate } = useCachedPromise(
    (search: string) => client.tasks(new URLSearchParams(search)),
    [query],
    {
      execute: ready,
      keepPreviousData: true,
      // The list shows errors as empty views or an offline title; no failure toast on top.
      onError: () => undefined,
    },
  );
  const state = useMemo(() => listState(data, error ? toAgentbarError(error) : undefined), [data, error]);

  const interval = refreshIntervalMs(state);
  useEffect(() => {
    if (interval === null || !ready) return;
    const timer = setInterval(revalidate, interval);
    return () => clearInterval(timer);
  }, [interval, revalidate, ready]);

  return { state, isLoading: isLoading || !ready, revalidate };
}

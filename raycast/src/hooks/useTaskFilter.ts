/**
 * The View Tasks filter, remembered between openings in Raycast's LocalStorage. `ready` turns
 * true once the stored filter was read, so the first request already carries it (no flash of the
 * unfiltered list); a storage failure falls back to no filter and never blocks the list.
 */
import { LocalStorage } from "@raycast/api";
import { useCallback, useEffect, useState } from "react";
import {
  applyChoice,
  DEFAULT_FILTER,
  FILTER_STORAGE_KEY,
  parseStoredFilter,
  storedFilter,
  type TaskFilter,
} from "../helpers/filters";

export interface TaskFilterState {
  filter: TaskFilter;
  ready: boolean;
  /** Applies a dropdown item (`agent:codex`, `clear`, …). */
  choose: (value: string) => void;
  setArchived: (archived: boolean) => void;
}

export function useTaskFilter(): TaskFilterState {
  const [filter, setFilter] = useState<TaskFilter>(DEFAULT_FILTER);
  const [ready, setReady] = useState(false);

  useEffect(() => {
    let cancelled = false;
    LocalStorage.getItem<string>(FILTER_STORAGE_KEY)
      .then((text) => !cancelled && setFilter(parseStoredFilter(text)))
      .catch(() => undefined)
      .finally(() => !cancelled && setReady(true));
    return () => {
      cancelled = true;
    };
  }, []);

  const update = useCallback((next: (current: TaskFilter) => TaskFilter) => {
    setFilter((current) => {
      const changed = next(current);
      // Remembering is best effort: the filter applies now either way.
      LocalStorage.setItem(FILTER_STORAGE_KEY, storedFilter(changed)).catch(() => undefined);
      return changed;
    });
  }, []);

  const choose = useCallback((value: string) => update((f) => applyChoice(f, value)), [update]);
  const setArchived = useCallback((archived: boolean) => update((f) => ({ ...f, archived })), [update]);
  return { filter, ready, choose, setArchived };
}

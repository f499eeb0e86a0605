/**
 * A stand-in for `@raycast/utils`' `useCachedPromise`: runs the function on mount, when its
 * arguments change and on `revalidate`, keeps the last data across an error (as the real hook does from its cache), and
 * calls `onError` instead of toasting when one is given.
 */
import { useCallback, useEffect, useRef, useState } from "react";

interface Options<T> {
  keepPreviousData?: boolean;
  initialData?: T;
  execute?: boolean;
  onError?: (error: Error) => void;
  onData?: (data: T) => void;
}

interface State<T> {
  data: T | undefined;
  error: Error | undefined;
  isLoading: boolean;
}

export function useCachedPromise<T, A extends unknown[]>(
  fn: (...args: A) => Promise<T>,
  args: A = [] as unknown as A,
  options: Options<T> = {},
) {
  const [state, setState] = useState<State<T>>({
    data: options.initialData,
    error: undefined,
    isLoading: options.execute !== false,
  });
  const latest = useRef({ fn, args, options });
  latest.current = { fn, args, options };

  // Like the real hook, only the latest call's answer counts: an older one that arrives later
  // (a list asked for before the filter changed) is dropped.
  const calls = useRef(0);
  const revalidate = useCallback(async () => {
    const { fn, args, options } = latest.current;
    const call = ++calls.current;
    setState((s) => ({ ...s, isLoading: true }));
    try {
      const data = await fn(...args);
      if (call !== calls.current) return;
      setState({ data, error: undefined, isLoading: false });
      options.onData?.(data);
    } catch (error) {
      if (call !== calls.current) return;
      setState((s) => ({ data: s.data, error: error as Error, isLoading: false }));
      options.onError?.(error as Error);
    }
  }, []);

  // Runs on mount and whenever the arguments change or execution is switched on, like the real hook.
  const key = JSON.stringify(args);
  useEffect(() => {
    if (options.execute !== false) void revalidate();
  }, [key, options.execute]);

  return { ...state, revalidate, mutate: async () => undefined };
}

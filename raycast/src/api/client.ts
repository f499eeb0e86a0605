/**
 * The typed client of agentbar's loopback API v1. Each call finds the endpoint afresh (agentbar
 * writes a new token at every start, so a cached one would go stale), sends the bearer token,
 * bounds the wait, and turns every failure into an `AgentbarError` of a known kind.
 */
import {
  decodeApiError,
  decodeHealth,
  decodeLogPage,
  decodeStopReply,
  decodeTaskDetail,
  decodeTaskList,
  DecodeError,
} from "./decode";
import { AgentbarError } from "./errors";
import type { ResolvedEndpoint } from "./endpoint";
import { SCHEMA_VERSION, type Health, type LogPage, type StopReply, type TaskDetail, type TaskList } from "./types";

/** agentbar answers from memory on loopback: anything slower than this is stuck. */
export const DEFAULT_TIMEOUT_MS = 5_000;

export interface ClientOptions {
  /** Where agentbar is; called before every request. */
  endpoint: () => Promise<ResolvedEndpoint>;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

/** The network failures that mean nothing listens there. */
const NOT_LISTENING = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EADDRNOTAVAIL",
  "ENOTFOUND",
]);

function causeCode(error: unknown): string | undefined {
  const cause = (error as { cause?: unknown } | null)?.cause as { code?: unknown; errors?: unknown[] } | undefined;
  if (typeof cause?.code === "string") return cause.code;
  // Several addresses tried (localhost → ::1 and 127.0.0.1): an AggregateError.
  const inner = cause?.errors?.[0] as { code?: unknown } | undefined;
  return typeof inner?.code === "string" ? inner.code : undefined;
}

function isTimeout(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return name === "TimeoutError" || name === "AbortError";
}

/** Turns a failed fetch (no HTTP answer at all) into an AgentbarError. */
export function networkError(error: unknown, url: string, timeoutMs: number): AgentbarError {
  if (isTimeout(error)) {
    return new AgentbarError("timeout", `agentbar did not answer within ${timeoutMs / 1000} s at ${url}`);
  }
  const code = causeCode(error);
  if (code && NOT_LISTENING.has(code)) {
    return new AgentbarError("not-running", `agentbar is not running (nothing answers at ${url})`, { code });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new AgentbarError("not-running", `Cannot reach agentbar at ${url}: ${message}`, { code });
}

/** Turns an error status into an AgentbarError carrying the API's own message when it sent one. */
export function statusError(status: number, body: unknown, path: string): AgentbarError {
  const apiError = decodeApiError(body);
  const message = apiError?.message;
  const details = { status, code: apiError?.code, path };
  if (status === 401) {
    return new AgentbarError("unauthorized", message ?? "agentbar refused the token", details);
  }
  if (status === 421) {
    return new AgentbarError("misdirected", message ?? "agentbar refused the address (misdirected request)", details);
  }
  if (status === 501) {
    return new AgentbarError("not-implemented", message ?? "This agentbar version does not serve this yet", details);
  }
  if (status >= 500) {
    return new AgentbarError("server-error", message ?? `agentbar answered ${status}`, details);
  }
  return new AgentbarError("http", message ?? `agentbar answered ${status}`, details);
}

function checkSchema(json: unknown): void {
  const version = (json as { schema_version?: unknown } | null)?.schema_version;
  if (typeof version === "number" && version > SCHEMA_VERSION) {
    throw new AgentbarError(
      "newer-schema",
      `agentbar speaks schema version ${version}; this extension knows ${SCHEMA_VERSION}`,
    );
  }
}

export class AgentbarClient {
  private readonly fetch: typeof fetch;
  private readonly timeoutMs: number;

  constructor(private readonly options: ClientOptions) {
    this.fetch = options.fetch ?? globalThis.fetch;
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** `GET /v1/health` (no token needed). */
  health(): Promise<Health> {
    return this.request("GET", "/v1/health", decodeHealth);
  }

  /** `GET /v1/tasks`: every task, with counts and health. */
  tasks(): Promise<TaskList> {
    return this.request("GET", "/v1/tasks", decodeTaskList);
  }

  /** `GET /v1/tasks/{id}`: one task with its sessions. */
  task(id: string): Promise<TaskDetail> {
    return this.request("GET", `/v1/tasks/${encodeURIComponent(id)}`, decodeTaskDetail);
  }

  /** `GET /v1/tasks/{id}/logs?after=CURSOR`: the log events after the cursor. */
  logs(id: string, after?: string | null): Promise<LogPage> {
    const query = after ? `?after=${encodeURIComponent(after)}` : "";
    return this.request("GET", `/v1/tasks/${encodeURIComponent(id)}/logs${query}`, decodeLogPage);
  }

  /** `POST /v1/refresh`: asks agentbar to poll GitHub now (202). */
  async refresh(): Promise<void> {
    await this.request("POST", "/v1/refresh", () => undefined);
  }

  /** `POST /v1/tasks/{id}/stop`: cancels the task's current run (202), or says why not. */
  stop(id: string): Promise<StopReply> {
    return this.request("POST", `/v1/tasks/${encodeURIComponent(id)}/stop`, decodeStopReply);
  }

  private async request<T>(method: "GET" | "POST", path: string, decode: (json: unknown) => T): Promise<T> {
    const endpoint = await this.options.endpoint();
    const url = `${endpoint.url}${path}`;
    const headers: Record<string, string> = { Accept: "application/json" };
    if (endpoint.token) headers.Authorization = `Bearer ${endpoint.token}`;

    let response: Response;
    let text: string;
    try {
      // The signal also bounds reading the body.
      response = await this.fetch(url, { method, headers, signal: AbortSignal.timeout(this.timeoutMs) });
      text = await response.text();
    } catch (error) {
      throw networkError(error, endpoint.url, this.timeoutMs);
    }

    let json: unknown = undefined;
    if (text.trim() !== "") {
      try {
        json = JSON.parse(text);
      } catch {
        if (response.ok) throw new AgentbarError("bad-response", `agentbar's answer to ${path} is not JSON`, { path });
      }
    }
    if (!response.ok) throw statusError(response.status, json, path);
    checkSchema(json);
    try {
      return decode(json);
    } catch (error) {
      const why = error instanceof DecodeError ? error.message : String(error);
      throw new AgentbarError("bad-response", `Unexpected answer to ${path}: ${why}`, {
        path,
        status: response.status,
      });
    }
  }
}

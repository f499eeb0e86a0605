/**
 * The typed client of agentbar's loopback API v1. Each call finds the endpoint afresh (agentbar
 * writes a new token at every start, so a cached one would go stale), sends the bearer token,
 * bounds the wait, and turns every failure into an `AgentbarError` of a known kind.
 */
import {
  decodeActionReply,
  decodeApiError,
  decodeArchiveFinishedReply,
  decodeChoices,
  decodeStartReply,
  decodeHealth,
  decodeLogPage,
  decodeTaskDetail,
  decodeTaskList,
  DecodeError,
} from "./decode";
import { AgentbarError } from "./errors";
import type { ResolvedEndpoint } from "./endpoint";
import {
  SCHEMA_VERSION,
  type ActionReply,
  type ArchiveFinishedReply,
  type Choice,
  type CreateTaskRequest,
  type Health,
  type LogExport,
  type LogPage,
  type StartReply,
  type TaskDetail,
  type TaskList,
} from "./types";

/** agentbar answers from memory on loopback: anything slower than this is stuck. */
export const DEFAULT_TIMEOUT_MS = 5_000;
/**
 * For requests agentbar forwards to GitHub (start, continue) or that read a whole log (export):
 * they wait for the network, not for agentbar's memory.
 */
export const UPSTREAM_TIMEOUT_MS = 30_000;

/** The log formats of `GET /v1/tasks/{id}/logs?format=…` (the whole log, not paged). */
export type LogExportFormat = "markdown" | "jsonl";

interface RequestOptions {
  /** Sent as JSON. */
  body?: unknown;
  timeoutMs?: number;
}

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

/** The `filename="…"` of a Content-Disposition header, as sent (the caller makes it safe). */
export function dispositionFilename(header: string | null): string | null {
  const match = header ? /filename="([^"]*)"/i.exec(header) : null;
  return match ? match[1] : null;
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
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

  /**
   * `GET /v1/tasks`: the tasks, with counts and health. `query` carries the filters
   * (`provider`, `bucket`, `period`, `archived`, …); none gives the whole active list.
   */
  tasks(query?: URLSearchParams): Promise<TaskList> {
    const search = query?.toString() ?? "";
    return this.request("GET", search ? `/v1/tasks?${search}` : "/v1/tasks", decodeTaskList);
  }

  /**
   * `POST /v1/tasks/{key}/actions/{action}`: the one door for what a task allows (archive,
   * unarchive, continue with `{"prompt"}`, …); agentbar's message and link come back.
   */
  act(key: string, action: string, body?: unknown): Promise<ActionReply> {
    const path = `/v1/tasks/${encodeURIComponent(key)}/actions/${encodeURIComponent(action)}`;
    return this.request("POST", path, decodeActionReply, { body, timeoutMs: UPSTREAM_TIMEOUT_MS });
  }

  /** `POST /v1/archive/finished`: archives every finished task agentbar lists. */
  archiveFinished(): Promise<ArchiveFinishedReply> {
    return this.request("POST", "/v1/archive/finished", decodeArchiveFinishedReply);
  }

  /** `POST /v1/tasks`: starts a task (201 with the task; 202 when GitHub took it but the list does not show it yet). */
  createTask(task: CreateTaskRequest): Promise<StartReply> {
    return this.request("POST", "/v1/tasks", decodeStartReply, { body: task, timeoutMs: UPSTREAM_TIMEOUT_MS });
  }

  /** `GET /v1/tasks/{key}/logs?format=…`: the whole log as text, redacted by agentbar. */
  async exportLog(key: string, format: LogExportFormat): Promise<LogExport> {
    const path = `/v1/tasks/${encodeURIComponent(key)}/logs?format=${format}`;
    const { response, text } = await this.send("GET", path, { timeoutMs: UPSTREAM_TIMEOUT_MS }, "*/*");
    if (!response.ok) throw statusError(response.status, parseOrUndefined(text), path);
    return { text, filename: dispositionFilename(response.headers.get("content-disposition")) };
  }

  /** `GET /v1/models`: the models the Copilot API offers for new tasks. */
  models(): Promise<Choice[]> {
    return this.request("GET", "/v1/models", decodeChoices, { timeoutMs: UPSTREAM_TIMEOUT_MS });
  }

  /** `GET /v1/custom-agents?repo=owner/name`: the repository's custom agents. */
  customAgents(repo: string): Promise<Choice[]> {
    const path = `/v1/custom-agents?repo=${encodeURIComponent(repo)}`;
    return this.request("GET", path, decodeChoices, { timeoutMs: UPSTREAM_TIMEOUT_MS });
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

  /** The `stop` action: cancels the task's current run (202), or says why not. */
  stop(key: string): Promise<ActionReply> {
    return this.act(key, "stop");
  }

  private async send(
    method: "GET" | "POST",
    path: string,
    options: RequestOptions,
    accept = "application/json",
  ): Promise<{ response: Response; text: string }> {
    const endpoint = await this.options.endpoint();
    const url = `${endpoint.url}${path}`;
    const timeoutMs = options.timeoutMs ?? this.timeoutMs;
    const headers: Record<string, string> = { Accept: accept };
    if (endpoint.token) headers.Authorization = `Bearer ${endpoint.token}`;
    let body: string | undefined;
    if (options.body !== undefined) {
      headers["Content-Type"] = "application/json";
      body = JSON.stringify(options.body);
    }
    try {
      // The signal also bounds reading the body.
      const response = await this.fetch(url, { method, headers, body, signal: AbortSignal.timeout(timeoutMs) });
      return { response, text: await response.text() };
    } catch (error) {
      throw networkError(error, endpoint.url, timeoutMs);
    }
  }

  private async request<T>(
    method: "GET" | "POST",
    path: string,
    decode: (json: unknown) => T,
    options: RequestOptions = {},
  ): Promise<T> {
    const { response, text } = await this.send(method, path, options);

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

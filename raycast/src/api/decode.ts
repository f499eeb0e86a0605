/**
 * Runtime decoders from untrusted JSON to the wire types of `types.ts`. A missing or mistyped
 * required field is a `DecodeError` naming its path, never a crash deeper in the UI.
 *
 * Two modes. Tolerant (the default, what the extension runs): unknown fields are ignored and an
 * enum value this version does not know falls back (a new bucket shows as `unknown`), because
 * v1 may grow. Strict (the contract test): unknown fields and enum values are errors, so the
 * mirrored types cannot silently fall behind the server.
 */
import {
  BRANCH_FIELDS,
  BUCKETS,
  COUNTS_FIELDS,
  ENDPOINT_FIELDS,
  HEALTH_INFO_FIELDS,
  HEALTH_STATUSES,
  LOG_EVENT_FIELDS,
  LOG_EVENT_KINDS,
  LOG_PAGE_FIELDS,
  LOG_TOOL_FIELDS,
  PULL_REQUEST_FIELDS,
  PULL_REQUEST_STATES,
  SESSION_FIELDS,
  TASK_FIELDS,
  TASK_KINDS,
  TASK_LIST_FIELDS,
  USAGE_FIELDS,
  USER_MESSAGES,
  type ActionReply,
  type ArchiveFinishedReply,
  type Branch,
  type Choice,
  type StartReply,
  type Counts,
  type Endpoint,
  type ErrorInfo,
  type Health,
  type HealthInfo,
  type LogEvent,
  type LogPage,
  type LogTool,
  type Usage,
  type Problem,
  type PullRequest,
  type Session,
  type Task,
  type TaskDetail,
  type TaskList,
} from "./types";

export interface DecodeOptions {
  /** Reject unknown fields and unknown enum values (for the contract test). */
  strict?: boolean;
}

export class DecodeError extends Error {
  constructor(
    readonly path: string,
    readonly expected: string,
  ) {
    super(`${path || "answer"}: expected ${expected}`);
    this.name = "DecodeError";
  }
}

type Json = Record<string, unknown>;

/** Reads typed fields of one JSON object, with paths for errors. */
class Fields {
  constructor(
    readonly obj: Json,
    readonly path: string,
    readonly options: DecodeOptions,
  ) {}

  static of(value: unknown, path: string, options: DecodeOptions, known?: readonly string[]): Fields {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw new DecodeError(path, "an object");
    }
    const obj = value as Json;
    if (options.strict && known) {
      const extra = Object.keys(obj).filter((key) => !known.includes(key));
      if (extra.length > 0) throw new DecodeError(path, `no unknown fields, found ${extra.join(", ")}`);
    }
    return new Fields(obj, path, options);
  }

  at(key: string): string {
    return this.path ? `${this.path}.${key}` : key;
  }

  has(key: string): boolean {
    return this.obj[key] !== undefined;
  }

  string(key: string): string {
    const v = this.obj[key];
    if (typeof v !== "string") throw new DecodeError(this.at(key), "a string");
    return v;
  }

  nullableString(key: string): string | null {
    const v = this.obj[key];
    if (v === null) return null;
    return this.string(key);
  }

  optionalString(key: string): string | null | undefined {
    return this.has(key) ? this.nullableString(key) : undefined;
  }

  number(key: string, integer = false): number {
    const v = this.obj[key];
    if (typeof v !== "number" || !Number.isFinite(v) || (integer && !Number.isInteger(v))) {
      throw new DecodeError(this.at(key), integer ? "an integer" : "a number");
    }
    return v;
  }

  integer(key: string): number {
    return this.number(key, true);
  }

  optionalNumber(key: string, integer = false): number | null | undefined {
    if (!this.has(key)) return undefined;
    return this.obj[key] === null ? null : this.number(key, integer);
  }

  boolean(key: string): boolean {
    const v = this.obj[key];
    if (typeof v !== "boolean") throw new DecodeError(this.at(key), "a boolean");
    return v;
  }

  oneOf<T extends string>(key: string, values: readonly T[], fallback: T): T {
    const v = this.string(key);
    if ((values as readonly string[]).includes(v)) return v as T;
    if (this.options.strict) throw new DecodeError(this.at(key), `one of ${values.join(", ")}`);
    return fallback;
  }

  nullable<T>(key: string, decode: (value: unknown, path: string, options: DecodeOptions) => T): T | null {
    if (!(key in this.obj)) throw new DecodeError(this.at(key), "a value or null");
    const v = this.obj[key];
    return v === null ? null : decode(v, this.at(key), this.options);
  }

  array<T>(key: string, decode: (value: unknown, path: string, options: DecodeOptions) => T): T[] {
    const v = this.obj[key];
    if (!Array.isArray(v)) throw new DecodeError(this.at(key), "an array");
    return v.map((item, i) => decode(item, `${this.at(key)}[${i}]`, this.options));
  }
}

/** Sets optional properties only when present, so decoded objects compare equal to their JSON. */
function withOptional<T extends object>(target: T, optional: Partial<T>): T {
  for (const [key, value] of Object.entries(optional)) {
    if (value !== undefined) (target as Record<string, unknown>)[key] = value;
  }
  return target;
}

export function decodeErrorInfo(value: unknown, path = "", options: DecodeOptions = {}): ErrorInfo {
  const f = Fields.of(value, path, options, ["code", "message"]);
  return { code: f.nullableString("code"), message: f.string("message") };
}

export function decodePullRequest(value: unknown, path = "", options: DecodeOptions = {}): PullRequest {
  const f = Fields.of(value, path, options, PULL_REQUEST_FIELDS);
  return withOptional<PullRequest>(
    {
      number: f.integer("number"),
      title: f.string("title"),
      url: f.string("url"),
      state: f.oneOf("state", PULL_REQUEST_STATES, "open"),
      draft: f.boolean("draft"),
    },
    { node_id: f.optionalString("node_id"), database_id: f.optionalNumber("database_id", true) },
  );
}

export function decodeUsage(value: unknown, path = "", options: DecodeOptions = {}): Usage {
  const f = Fields.of(value, path, options, USAGE_FIELDS);
  const ai = f.optionalNumber("ai_credits");
  const premium = f.optionalNumber("premium_requests");
  return withOptional<Usage>(
    { ai_credits: ai ?? null, premium_requests: premium ?? null, label: f.string("label") },
    { ai_credits_nanos: f.optionalNumber("ai_credits_nanos", true) },
  );
}

export function decodeBranch(value: unknown, path = "", options: DecodeOptions = {}): Branch {
  const f = Fields.of(value, path, options, BRANCH_FIELDS);
  return { head_ref: f.string("head_ref"), base_ref: f.optionalString("base_ref") ?? null };
}

export function decodeSession(value: unknown, path = "", options: DecodeOptions = {}): Session {
  const f = Fields.of(value, path, options, SESSION_FIELDS);
  return withOptional<Session>(
    { id: f.string("id"), state: f.string("state") },
    {
      name: f.optionalString("name"),
      created_at: f.optionalString("created_at"),
      updated_at: f.optionalString("updated_at"),
      completed_at: f.optionalString("completed_at"),
      prompt: f.optionalString("prompt"),
      head_ref: f.optionalString("head_ref"),
      base_ref: f.optionalString("base_ref"),
      model: f.optionalString("model"),
      error: f.has("error") ? f.nullable("error", decodeErrorInfo) : undefined,
      workflow_run_id: f.optionalNumber("workflow_run_id", true),
      premium_requests: f.optionalNumber("premium_requests"),
      usage: f.has("usage") ? f.nullable("usage", decodeUsage) : undefined,
    },
  );
}

function decodeTaskFields(f: Fields): Task {
  return withOptional<Task>(
    {
      id: f.string("id"),
      provider: f.string("provider"),
      kind: f.oneOf("kind", TASK_KINDS, "task"),
      title: f.string("title"),
      repository: f.nullableString("repository"),
      state: f.string("state"),
      bucket: f.oneOf("bucket", BUCKETS, "unknown"),
      label: f.string("label"),
      progress: f.nullableString("progress"),
      owner: f.nullableString("owner"),
      created_at: f.string("created_at"),
      updated_at: f.string("updated_at"),
      completed_at: f.nullableString("completed_at"),
      duration_seconds: f.integer("duration_seconds"),
      pull_request: f.nullable("pull_request", decodePullRequest),
      url: f.string("url"),
      logs_url: f.nullableString("logs_url"),
      error: f.nullable("error", decodeErrorInfo),
      session_count: f.integer("session_count"),
    },
    {
      sessions: f.has("sessions") ? f.array("sessions", decodeSession) : undefined,
      branch: f.has("branch") ? f.nullable("branch", decodeBranch) : undefined,
      custom_agent: f.optionalString("custom_agent"),
      workflow_run_url: f.optionalString("workflow_run_url"),
      note: f.optionalString("note"),
      usage: f.has("usage") ? f.nullable("usage", decodeUsage) : undefined,
      owner_id: f.optionalNumber("owner_id", true),
      repository_id: f.optionalNumber("repository_id", true),
      key: f.has("key") ? f.string("key") : undefined,
      source: f.has("source") ? f.string("source") : undefined,
      actions: f.has("actions") ? f.array("actions", decodeActionName) : undefined,
      stale: f.has("stale") ? f.boolean("stale") : undefined,
    },
  );
}

/** A name (an action, an id); one this version does not know is kept. */
function decodeActionName(value: unknown, path: string): string {
  if (typeof value !== "string") throw new DecodeError(path, "a string");
  return value;
}

/** An action's answer; every field optional, since only the message and link are shown. */
export function decodeActionReply(value: unknown): ActionReply {
  const obj = typeof value === "object" && value !== null ? (value as Json) : {};
  return {
    message: typeof obj.message === "string" ? obj.message : null,
    url: typeof obj.url === "string" ? obj.url : null,
  };
}

/** `POST /v1/tasks`: a task (201), else a started-but-not-listed-yet message (202). */
export function decodeStartReply(value: unknown): StartReply {
  try {
    return { task: decodeTask(value), message: null };
  } catch (error) {
    const message = (value as { message?: unknown } | null)?.message;
    if (typeof message === "string") return { task: null, message };
    throw error;
  }
}

export function decodeArchiveFinishedReply(
  value: unknown,
  path = "",
  options: DecodeOptions = {},
): ArchiveFinishedReply {
  const f = Fields.of(value, path, options);
  return { archived: f.array("archived", (v, p) => decodeActionName(v, p)), count: f.integer("count") };
}

/** A model or custom agent from agentbar's lists: `{id, name?}` or a bare name. */
export function decodeChoice(value: unknown, path = "", options: DecodeOptions = {}): Choice {
  if (typeof value === "string") return { id: value, name: value };
  const f = Fields.of(value, path, options);
  const id = f.string("id");
  const name = f.optionalString("name");
  return { id, name: name || id };
}

/**
 * A list of choices: a bare array, or an object holding one under the first array-valued key
 * among `models`, `custom_agents`, `agents`, `items`. Bad items are dropped, not fatal: one odd
 * entry never empties a picker.
 */
export function decodeChoices(value: unknown): Choice[] {
  let items: unknown = value;
  if (!Array.isArray(items) && typeof items === "object" && items !== null) {
    const obj = items as Json;
    items = ["models", "custom_agents", "agents", "items"].map((k) => obj[k]).find(Array.isArray);
  }
  if (!Array.isArray(items)) throw new DecodeError("", "a list");
  const choices: Choice[] = [];
  for (const [i, item] of items.entries()) {
    try {
      choices.push(decodeChoice(item, `[${i}]`));
    } catch {
      // Skipped: see above.
    }
  }
  return choices;
}

export function decodeTask(value: unknown, path = "", options: DecodeOptions = {}): Task {
  return decodeTaskFields(Fields.of(value, path, options, TASK_FIELDS));
}

export function decodeTaskDetail(value: unknown, path = "", options: DecodeOptions = {}): TaskDetail {
  const f = Fields.of(value, path, options, [...TASK_FIELDS, "schema_version"]);
  const task = decodeTaskFields(f);
  return { ...task, schema_version: f.integer("schema_version"), sessions: f.array("sessions", decodeSession) };
}

export function decodeCounts(value: unknown, path = "", options: DecodeOptions = {}): Counts {
  const f = Fields.of(value, path, options, COUNTS_FIELDS);
  const unknown = f.optionalNumber("unknown", true);
  return withOptional<Counts>(
    {
      running: f.integer("running"),
      waiting: f.integer("waiting"),
      failed: f.integer("failed"),
      completed: f.integer("completed"),
      cancelled: f.integer("cancelled"),
      total: f.integer("total"),
    },
    { unknown: unknown ?? undefined },
  );
}

export function decodeProblem(value: unknown, path = "", options: DecodeOptions = {}): Problem {
  const f = Fields.of(value, path, options, ["code", "message", "at"]);
  return { code: f.string("code"), message: f.string("message"), at: f.string("at") };
}

function decodeHealthFields(f: Fields): HealthInfo {
  const failures = f.optionalNumber("consecutive_failures", true);
  return withOptional<HealthInfo>(
    {
      status: f.oneOf("status", HEALTH_STATUSES, "degraded"),
      last_success_at: f.nullableString("last_success_at"),
      last_error: f.nullable("last_error", decodeProblem),
      stale: f.boolean("stale"),
    },
    {
      last_attempt_at: f.optionalString("last_attempt_at"),
      consecutive_failures: failures ?? undefined,
      next_poll_at: f.optionalString("next_poll_at"),
      rate_limit_remaining: f.optionalNumber("rate_limit_remaining", true),
      rate_limit_reset_at: f.optionalString("rate_limit_reset_at"),
      sessions_unavailable: f.optionalString("sessions_unavailable"),
    },
  );
}

export function decodeHealthInfo(value: unknown, path = "", options: DecodeOptions = {}): HealthInfo {
  return decodeHealthFields(Fields.of(value, path, options, HEALTH_INFO_FIELDS));
}

export function decodeHealth(value: unknown, path = "", options: DecodeOptions = {}): Health {
  const f = Fields.of(value, path, options, [...HEALTH_INFO_FIELDS, "schema_version", "version"]);
  return { ...decodeHealthFields(f), schema_version: f.integer("schema_version"), version: f.string("version") };
}

export function decodeTaskList(value: unknown, path = "", options: DecodeOptions = {}): TaskList {
  const f = Fields.of(value, path, options, TASK_LIST_FIELDS);
  return {
    schema_version: f.integer("schema_version"),
    generated_at: f.string("generated_at"),
    stale_after_seconds: f.integer("stale_after_seconds"),
    counts: decodeCounts(f.obj.counts, f.at("counts"), options),
    health: decodeHealthInfo(f.obj.health, f.at("health"), options),
    tasks: f.array("tasks", decodeTask),
  };
}

export function decodeEndpoint(value: unknown, path = "", options: DecodeOptions = {}): Endpoint {
  const f = Fields.of(value, path, options, ENDPOINT_FIELDS);
  return {
    url: f.string("url"),
    token: f.string("token"),
    pid: f.integer("pid"),
    schema_version: f.integer("schema_version"),
    // Written by newer agents only.
    demo: f.has("demo") ? f.boolean("demo") : undefined,
  };
}

/** The `{"error": {"code", "message"}}` body of an error answer, or null when it is not one. */
export function decodeApiError(value: unknown): { code: string; message: string } | null {
  try {
    const f = Fields.of(value, "", {});
    const inner = Fields.of(f.obj.error, "error", {});
    return { code: inner.string("code"), message: inner.string("message") };
  } catch {
    return null;
  }
}

export function decodeLogTool(value: unknown, path = "", options: DecodeOptions = {}): LogTool {
  const t = Fields.of(value, path, options, LOG_TOOL_FIELDS);
  // The arguments are any JSON value (an object, usually), so only their presence is checked.
  if (!("input" in t.obj)) throw new DecodeError(t.at("input"), "a value");
  const tool: LogTool = { name: t.string("name"), input: t.obj.input, output: t.nullableString("output") };
  const id = t.optionalString("id");
  if (id !== undefined) tool.id = id;
  if (t.has("input_unparsed")) tool.input_unparsed = t.boolean("input_unparsed");
  return tool;
}

export function decodeLogEvent(value: unknown, path = "", options: DecodeOptions = {}): LogEvent {
  const f = Fields.of(value, path, options, LOG_EVENT_FIELDS);
  const event: LogEvent = {
    seq: f.integer("seq"),
    kind: f.oneOf("kind", LOG_EVENT_KINDS, "message"),
    title: f.string("title"),
    body: f.string("body"),
  };
  if (f.has("at")) event.at = f.nullableString("at");
  if (f.has("tool")) event.tool = f.nullable("tool", decodeLogTool);
  if (f.has("agent")) {
    event.agent = f.nullable("agent", (v, p, o) => {
      const a = Fields.of(v, p, o, ["id", "name"]);
      return { id: a.string("id"), name: a.optionalString("name") ?? null };
    });
  }
  if (f.has("user") && f.obj.user !== null) event.user = f.oneOf("user", USER_MESSAGES, "follow_up");
  return event;
}

export function decodeLogPage(value: unknown, path = "", options: DecodeOptions = {}): LogPage {
  const f = Fields.of(value, path, options, LOG_PAGE_FIELDS);
  // The cursor is opaque; a server that sends a number is read as its text.
  const raw = f.obj.cursor;
  let cursor: string | null;
  if (raw === null || raw === undefined) cursor = null;
  else if (typeof raw === "string") cursor = raw;
  else if (typeof raw === "number" && Number.isFinite(raw)) cursor = String(raw);
  else throw new DecodeError(f.at("cursor"), "a string, a number or null");
  const page: LogPage = { events: f.array("events", decodeLogEvent), cursor, done: f.boolean("done") };
  if (f.has("reset")) page.reset = f.boolean("reset");
  return page;
}

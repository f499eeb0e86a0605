/**
 * Wire types of agentbar's loopback API v1, mirrored from `docs/openapi.json` (the source of truth,
 * itself checked against the Rust wire types). Within v1 fields may be added but never removed or
 * changed in meaning, so the decoders in `decode.ts` ignore fields they do not know. The `*_FIELDS`
 * lists name every property of each schema; `test/contract.test.ts` compares them with the OpenAPI
 * document and with the example answers in `docs/examples/`, so a drift fails loudly.
 */

/** The highest `schema_version` this extension understands. */
export const SCHEMA_VERSION = 1;

export const BUCKETS = ["running", "waiting", "completed", "failed", "cancelled", "unknown"] as const;
/** The normalised status of a task (SPEC §1). */
export type Bucket = (typeof BUCKETS)[number];

export const TASK_KINDS = ["task", "flow", "chat"] as const;
export type TaskKind = (typeof TASK_KINDS)[number];

export const PULL_REQUEST_STATES = ["open", "closed", "merged"] as const;
export type PullRequestState = (typeof PULL_REQUEST_STATES)[number];

export const HEALTH_STATUSES = ["ok", "degraded", "signed_out", "starting"] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

/** `ErrorInfo`: a failure surfaced on a task or session. */
export interface ErrorInfo {
  code: string | null;
  message: string;
}

/** `PullRequest`: the pull request a task works on. */
export interface PullRequest {
  number: number;
  title: string;
  url: string;
  state: PullRequestState;
  draft: boolean;
  node_id?: string | null;
  database_id?: number | null;
}

/** `Usage`: what the agent's work cost. AI credits are exact in `ai_credits_nanos`. */
export interface Usage {
  ai_credits: number | null;
  premium_requests: number | null;
  /** What people read, one decimal: "12.3 AI credits". */
  label: string;
  ai_credits_nanos?: number | null;
}

/** `Branch`: the branch of a task that opened no pull request. */
export interface Branch {
  head_ref: string;
  base_ref: string | null;
}

/** `Session`: one run of the agent on a task (only on the task detail). */
export interface Session {
  id: string;
  state: string;
  name?: string | null;
  created_at?: string | null;
  updated_at?: string | null;
  completed_at?: string | null;
  prompt?: string | null;
  head_ref?: string | null;
  base_ref?: string | null;
  model?: string | null;
  error?: ErrorInfo | null;
  workflow_run_id?: number | null;
  premium_requests?: number | null;
  usage?: Usage | null;
}

/** `Task`: one unit of agent work, normalised (SPEC §1). Times are RFC 3339 strings. */
export interface Task {
  id: string;
  provider: string;
  kind: TaskKind;
  title: string;
  repository: string | null;
  state: string;
  bucket: Bucket;
  label: string;
  progress: string | null;
  owner: string | null;
  created_at: string;
  updated_at: string;
  completed_at: string | null;
  duration_seconds: number;
  pull_request: PullRequest | null;
  url: string;
  logs_url: string | null;
  error: ErrorInfo | null;
  session_count: number;
  sessions?: Session[];
  branch?: Branch | null;
  custom_agent?: string | null;
  workflow_run_url?: string | null;
  /** Why part of the task is missing ("session detail unavailable: …"); the task is current. */
  note?: string | null;
  usage?: Usage | null;
  owner_id?: number | null;
  repository_id?: number | null;
  /** Unique across sources (`<source>:<id>`); routes take it. Absent from older agents. */
  key?: string;
  /** The source that yields the task (`gh:<account>`, `claude-code`, …). */
  source?: string;
  /** What the task allows now (`stop`, `open`, …), for `POST /v1/tasks/{key}/actions/{action}`. */
  actions?: string[];
  /** Its source is failing or signed out: this is the task's last good state, kept. */
  stale?: boolean;
}

/** `Counts`: how many tasks per bucket, always of the whole list. */
export interface Counts {
  running: number;
  waiting: number;
  failed: number;
  completed: number;
  cancelled: number;
  unknown?: number;
  total: number;
}

/** `Problem`: the last error agentbar met while polling. */
export interface Problem {
  code: string;
  message: string;
  at: string;
}

/** `HealthInfo`: how fresh agentbar's data is. */
export interface HealthInfo {
  status: HealthStatus;
  last_success_at: string | null;
  last_error: Problem | null;
  stale: boolean;
  last_attempt_at?: string | null;
  consecutive_failures?: number;
  next_poll_at?: string | null;
  rate_limit_remaining?: number | null;
  rate_limit_reset_at?: string | null;
  sessions_unavailable?: string | null;
}

/** `Health`: the answer of `GET /v1/health`. */
export interface Health extends HealthInfo {
  schema_version: number;
  version: string;
}

/** `TaskList`: the answer of `GET /v1/tasks`. */
export interface TaskList {
  schema_version: number;
  generated_at: string;
  stale_after_seconds: number;
  counts: Counts;
  health: HealthInfo;
  tasks: Task[];
}

/** `TaskDetail`: the answer of `GET /v1/tasks/{id}`. */
export interface TaskDetail extends Task {
  schema_version: number;
  sessions: Session[];
}

/** `StopReply`: the answer of `POST /v1/tasks/{id}/stop` (202). */
export interface StopReply {
  task_id: string;
  workflow_run_id: number;
  status: string;
}

/** The body of `POST /v1/tasks`: start a task. */
export interface CreateTaskRequest {
  repo: string;
  prompt: string;
  base_ref?: string;
  model?: string;
  custom_agent?: string;
  create_pull_request?: boolean;
}

/** The answer of `POST /v1/tasks/{key}/actions/{action}`. */
export interface ActionReply {
  /** For people, shown as is. */
  message: string | null;
  /** The link the action names (for `continue`: the new task's page). */
  url: string | null;
}

/**
 * The answer of `POST /v1/tasks`: the task (201), or, when GitHub started it but agentbar's list
 * did not show it yet (202), only agentbar's message.
 */
export interface StartReply {
  task: Task | null;
  message: string | null;
}

/** The answer of `POST /v1/archive/finished`: the ids archived. */
export interface ArchiveFinishedReply {
  archived: string[];
  count: number;
}

/** A task's whole log as exported, with the file name agentbar suggests. */
export interface LogExport {
  text: string;
  /** From `Content-Disposition`, unchecked: only a safe part of it may name a file. */
  filename: string | null;
}

/** A model or custom agent the Copilot API offers, as agentbar lists it. */
export interface Choice {
  id: string;
  name: string;
}

/** `Error`: the body of every error answer. */
export interface ApiErrorBody {
  error: { code: string; message: string };
}

/** `Endpoint`: `endpoint.json` in agentbar's state directory. */
export interface Endpoint {
  url: string;
  token: string;
  pid: number;
  schema_version: number;
  /** The agent runs against its built-in simulator: demo data, not the user's tasks. */
  demo?: boolean;
}

export const LOG_EVENT_KINDS = ["message", "tool", "thinking", "progress", "setup", "error"] as const;
export type LogEventKind = (typeof LOG_EVENT_KINDS)[number];

/** A tool call inside a log event. */
export interface LogTool {
  /** The call's id in the log, when it had one. */
  id?: string | null;
  name: string;
  /** The parsed arguments (any JSON value), or their raw text when `input_unparsed` is true. */
  input: unknown;
  /** True when the arguments were not valid JSON and `input` is their raw text. */
  input_unparsed?: boolean;
  /** Null when no result was recorded. */
  output: string | null;
}

/** The subagent whose run a log event belongs to. */
export interface LogAgent {
  id: string;
  /** From the step that began its run, once the log named it. */
  name: string | null;
}

export const USER_MESSAGES = ["prompt", "follow_up"] as const;
export type UserMessage = (typeof USER_MESSAGES)[number];

/** `LogEvent`: one structured, redacted event of a session log. */
export interface LogEvent {
  seq: number;
  kind: LogEventKind;
  title: string;
  body: string;
  /** RFC 3339, or null when the log did not say. */
  at?: string | null;
  /** Present on events that came from a tool call. */
  tool?: LogTool | null;
  /** Present on a subagent's events. */
  agent?: LogAgent | null;
  /** On the user's own messages: the task's prompt or a later follow-up. */
  user?: UserMessage | null;
}

/** `LogPage`: the answer of `GET /v1/tasks/{id}/logs?after=CURSOR`. */
export interface LogPage {
  events: LogEvent[];
  /** Pass back as `after` to get only what is new; null when nothing was read yet. */
  cursor: string | null;
  /** True once the log is complete (the task reached a terminal state). */
  done: boolean;
  /** True when the log was rewritten: `events` is the whole log again; drop what was shown. */
  reset?: boolean;
}

// Every property of each schema, in one list per type. The `satisfies` clauses and the `Covers`
// checks make the compiler reject a list that misses or misspells a property of the interface.
type Covers<T, L extends readonly (keyof T)[]> = Exclude<keyof T, L[number]> extends never ? L : never;

const taskFields = [
  "id",
  "provider",
  "kind",
  "title",
  "repository",
  "state",
  "bucket",
  "label",
  "progress",
  "owner",
  "created_at",
  "updated_at",
  "completed_at",
  "duration_seconds",
  "pull_request",
  "url",
  "logs_url",
  "error",
  "session_count",
  "sessions",
  "branch",
  "custom_agent",
  "workflow_run_url",
  "note",
  "usage",
  "owner_id",
  "repository_id",
  "key",
  "source",
  "actions",
  "stale",
] as const satisfies readonly (keyof Task)[];
export const TASK_FIELDS: Covers<Task, typeof taskFields> = taskFields;

const pullRequestFields = [
  "number",
  "title",
  "url",
  "state",
  "draft",
  "node_id",
  "database_id",
] as const satisfies readonly (keyof PullRequest)[];
export const PULL_REQUEST_FIELDS: Covers<PullRequest, typeof pullRequestFields> = pullRequestFields;

const sessionFields = [
  "id",
  "state",
  "name",
  "created_at",
  "updated_at",
  "completed_at",
  "prompt",
  "head_ref",
  "base_ref",
  "model",
  "error",
  "workflow_run_id",
  "premium_requests",
  "usage",
] as const satisfies readonly (keyof Session)[];
export const SESSION_FIELDS: Covers<Session, typeof sessionFields> = sessionFields;

const usageFields = [
  "ai_credits",
  "ai_credits_nanos",
  "premium_requests",
  "label",
] as const satisfies readonly (keyof Usage)[];
export const USAGE_FIELDS: Covers<Usage, typeof usageFields> = usageFields;

const branchFields = ["head_ref", "base_ref"] as const satisfies readonly (keyof Branch)[];
export const BRANCH_FIELDS: Covers<Branch, typeof branchFields> = branchFields;

const countsFields = [
  "running",
  "waiting",
  "failed",
  "completed",
  "cancelled",
  "unknown",
  "total",
] as const satisfies readonly (keyof Counts)[];
export const COUNTS_FIELDS: Covers<Counts, typeof countsFields> = countsFields;

const healthInfoFields = [
  "status",
  "last_success_at",
  "last_error",
  "stale",
  "last_attempt_at",
  "consecutive_failures",
  "next_poll_at",
  "rate_limit_remaining",
  "rate_limit_reset_at",
  "sessions_unavailable",
] as const satisfies readonly (keyof HealthInfo)[];
export const HEALTH_INFO_FIELDS: Covers<HealthInfo, typeof healthInfoFields> = healthInfoFields;

const taskListFields = [
  "schema_version",
  "generated_at",
  "stale_after_seconds",
  "counts",
  "health",
  "tasks",
] as const satisfies readonly (keyof TaskList)[];
export const TASK_LIST_FIELDS: Covers<TaskList, typeof taskListFields> = taskListFields;

const endpointFields = ["url", "token", "pid", "schema_version", "demo"] as const satisfies readonly (keyof Endpoint)[];
export const ENDPOINT_FIELDS: Covers<Endpoint, typeof endpointFields> = endpointFields;

const stopReplyFields = ["task_id", "workflow_run_id", "status"] as const satisfies readonly (keyof StopReply)[];
export const STOP_REPLY_FIELDS: Covers<StopReply, typeof stopReplyFields> = stopReplyFields;

const logToolFields = ["id", "name", "input", "input_unparsed", "output"] as const satisfies readonly (keyof LogTool)[];
export const LOG_TOOL_FIELDS: Covers<LogTool, typeof logToolFields> = logToolFields;

const logEventFields = [
  "seq",
  "kind",
  "title",
  "body",
  "at",
  "tool",
  "agent",
  "user",
] as const satisfies readonly (keyof LogEvent)[];
export const LOG_EVENT_FIELDS: Covers<LogEvent, typeof logEventFields> = logEventFields;

const logPageFields = ["events", "cursor", "done", "reset"] as const satisfies readonly (keyof LogPage)[];
export const LOG_PAGE_FIELDS: Covers<LogPage, typeof logPageFields> = logPageFields;

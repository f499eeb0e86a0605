/**
 * Every way talking to agentbar can fail, as one typed error. The UI maps the kind to an empty
 * view with what to do (`helpers/problems.ts`); nothing here knows about Raycast.
 */

export type AgentbarErrorKind =
  /** No endpoint.json, or nothing answers at its URL: agentbar is not running. */
  | "not-running"
  /** endpoint.json or the URL preference cannot be used. */
  | "bad-endpoint"
  /** 401: the token is missing or wrong. */
  | "unauthorized"
  /** 421: the Host did not name the loopback address with the bound port. */
  | "misdirected"
  /** agentbar speaks a newer schema_version than this extension knows. */
  | "newer-schema"
  /** 501: this agentbar version does not serve the route yet (logs). */
  | "not-implemented"
  /** 5xx other than 501. */
  | "server-error"
  /** No answer within the time limit. */
  | "timeout"
  /** The answer is not JSON or does not have the expected shape. */
  | "bad-response"
  /** Any other error status (404, 409, …), with the API's message. */
  | "http";

export class AgentbarError extends Error {
  constructor(
    readonly kind: AgentbarErrorKind,
    message: string,
    readonly details: { status?: number; code?: string; path?: string } = {},
  ) {
    super(message);
    this.name = "AgentbarError";
  }
}

export function isAgentbarError(error: unknown): error is AgentbarError {
  return error instanceof AgentbarError;
}

/** Any thrown value as an AgentbarError (unexpected ones become `bad-response`). */
export function toAgentbarError(error: unknown): AgentbarError {
  if (isAgentbarError(error)) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new AgentbarError("bad-response", message);
}

/** Kinds that a retry a few seconds later may fix by itself. */
export function isTransient(error: AgentbarError): boolean {
  return error.kind === "timeout" || error.kind === "server-error" || error.kind === "not-running";
}

// The contract test: the example answers that a Rust test writes from the live server
// (docs/examples/*.json) and the OpenAPI document (docs/openapi.json) against the TypeScript
// wire types and their decoders. Strict decoding rejects unknown fields and enum values, and
// the field lists are compared with the schemas both ways, so a drift on either side fails here.
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  decodeApiError,
  decodeChoices,
  decodeEndpoint,
  decodeHealth,
  decodeLogPage,
  decodeTask,
  decodeTaskDetail,
  decodeTaskList,
  DecodeError,
} from "../src/api/decode";
import {
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
  SCHEMA_VERSION,
  SESSION_FIELDS,
  USAGE_FIELDS,
  BRANCH_FIELDS,
  STOP_REPLY_FIELDS,
  TASK_FIELDS,
  TASK_KINDS,
  TASK_LIST_FIELDS,
} from "../src/api/types";
import { example } from "./fake-agentbar";

interface Schema {
  type?: string | string[];
  required?: string[];
  properties?: Record<string, Schema>;
  enum?: string[];
  pattern?: string;
  const?: unknown;
  allOf?: Schema[];
  $ref?: string;
}

const openapi = JSON.parse(fs.readFileSync(path.resolve(__dirname, "../../docs/openapi.json"), "utf8")) as {
  components: { schemas: Record<string, Schema> };
};
const schemas = openapi.components.schemas;

/** A schema's properties and required names, following `allOf` and `$ref`. */
function flatten(schema: Schema): { properties: Record<string, Schema>; required: string[] } {
  if (schema.$ref) return flatten(schemas[schema.$ref.replace("#/components/schemas/", "")]);
  const out = { properties: { ...(schema.properties ?? {}) }, required: [...(schema.required ?? [])] };
  for (const part of schema.allOf ?? []) {
    const inner = flatten(part);
    Object.assign(out.properties, inner.properties);
    out.required.push(...inner.required);
  }
  return out;
}

const propertyNames = (name: string) => Object.keys(flatten(schemas[name]).properties).sort();
const sorted = (list: readonly string[]) => [...list].sort();

describe("the TypeScript types mirror docs/openapi.json", () => {
  it.each([
    ["Task", TASK_FIELDS],
    ["PullRequest", PULL_REQUEST_FIELDS],
    ["Session", SESSION_FIELDS],
    ["Counts", COUNTS_FIELDS],
    ["HealthInfo", HEALTH_INFO_FIELDS],
    ["TaskList", TASK_LIST_FIELDS],
    ["Endpoint", ENDPOINT_FIELDS],
    ["StopReply", STOP_REPLY_FIELDS],
    ["Usage", USAGE_FIELDS],
    ["Branch", BRANCH_FIELDS],
    ["LogPage", LOG_PAGE_FIELDS],
    ["LogEvent", LOG_EVENT_FIELDS],
  ] as const)("%s has exactly the schema's properties", (name, fields) => {
    expect(sorted(fields)).toEqual(propertyNames(name));
  });

  it("LogEvent.tool has exactly the schema's properties", () => {
    const tool = flatten(schemas.LogEvent).properties.tool;
    expect(sorted(LOG_TOOL_FIELDS)).toEqual(Object.keys(flatten(tool).properties).sort());
  });

  it("has the schema's enums", () => {
    const task = flatten(schemas.Task).properties;
    expect(sorted(BUCKETS)).toEqual(sorted(task.bucket.enum!));
    expect(sorted(TASK_KINDS)).toEqual(sorted(task.kind.enum!));
    expect(sorted(PULL_REQUEST_STATES)).toEqual(sorted(flatten(schemas.PullRequest).properties.state.enum!));
    expect(sorted(HEALTH_STATUSES)).toEqual(sorted(flatten(schemas.HealthInfo).properties.status.enum!));
    expect(flatten(schemas.TaskList).properties.schema_version.const).toBe(SCHEMA_VERSION);
    expect(sorted(LOG_EVENT_KINDS)).toEqual(sorted(flatten(schemas.LogEvent).properties.kind.enum!));
  });

  it("decodes every required field of a Task: dropping any one is an error", () => {
    const one = (example("v1-tasks") as { tasks: Record<string, unknown>[] }).tasks[0];
    for (const field of flatten(schemas.Task).required) {
      const { [field]: _dropped, ...rest } = one;
      void _dropped;
      expect(() => decodeTask(rest), field).toThrow(DecodeError);
    }
  });
});

describe("the example answers decode strictly into the types", () => {
  it("GET /v1/tasks", () => {
    const raw = example("v1-tasks");
    const list = decodeTaskList(raw, "", { strict: true });
    // Nothing lost or invented on the way: the decoded value is the JSON.
    expect(list).toEqual(raw);
    expect(list.schema_version).toBe(SCHEMA_VERSION);
    expect(list.tasks.length).toBe(list.counts.total);
    expect(list.tasks.filter((t) => t.bucket === "running").length).toBe(list.counts.running);
    expect(list.tasks.filter((t) => t.bucket === "waiting").length).toBe(list.counts.waiting);
    // The example exercises what the extension shows: a PR, no PR, an error on a failed row.
    expect(list.tasks.some((t) => t.pull_request === null)).toBe(true);
    expect(list.tasks.find((t) => t.bucket === "failed")?.error?.message).toBeTruthy();
  });

  it("GET /v1/tasks/{id}", () => {
    const raw = example("v1-task");
    const task = decodeTaskDetail(raw, "", { strict: true });
    expect(task).toEqual(raw);
    expect(task.sessions.length).toBe(task.session_count);
  });

  it("GET /v1/tasks/{id}/logs", () => {
    const raw = example("v1-logs") as { events: Record<string, unknown>[] };
    const page = decodeLogPage(raw, "", { strict: true });
    expect(page).toEqual(raw);
    // The example exercises what the logs view shows: times (null where the log line had none,
    // as the user's prompt), a tool call with its JSON arguments and output, an event without a
    // tool, the user's prompt, a subagent's run, and the reset flag the server always sends.
    expect(page.events.length).toBeGreaterThan(0);
    expect(page.events.every((e) => e.at === null || typeof e.at === "string")).toBe(true);
    expect(page.events.some((e) => typeof e.at === "string")).toBe(true);
    expect(page.events.some((e) => e.user === "prompt")).toBe(true);
    expect(page.events.some((e) => e.agent?.name)).toBe(true);
    const call = page.events.find((e) => e.kind === "tool")!;
    expect(typeof call.tool!.input).toBe("object");
    expect(typeof call.tool!.output).toBe("string");
    expect(page.events.some((e) => e.tool === undefined)).toBe(true);
    expect(page.reset).toBe(false);
    expect(typeof page.cursor).toBe("string");
  });

  it("GET /v1/health", () => {
    const raw = example("v1-health");
    const health = decodeHealth(raw, "", { strict: true });
    expect(health).toEqual(raw);
    expect(health.status).toBe("ok");
  });

  it("GET /v1/models and GET /v1/custom-agents: every choice, with its id and name", () => {
    const models = example("v1-models") as { models: { id: string; name: string }[] };
    expect(models.models.length).toBeGreaterThan(0);
    expect(decodeChoices(models)).toEqual(models.models.map(({ id, name }) => ({ id, name })));
    const agents = example("v1-custom-agents") as { custom_agents: { id: string; name: string }[] };
    expect(agents.custom_agents.length).toBeGreaterThan(0);
    expect(decodeChoices(agents)).toEqual(agents.custom_agents.map(({ id, name }) => ({ id, name })));
    for (const [name, schema] of [
      ["ModelList", "Model"],
      ["CustomAgentList", "CustomAgent"],
    ]) {
      expect(flatten(schemas[name]).required).toContain(name === "ModelList" ? "models" : "custom_agents");
      expect(flatten(schemas[schema]).required).toEqual(expect.arrayContaining(["id", "name"]));
    }
  });

  it("rejects fields and enum values it does not know in strict mode, and tolerates them otherwise", () => {
    const raw = example("v1-tasks") as { tasks: Record<string, unknown>[] };
    const task = { ...raw.tasks[0], new_field: 1, bucket: "paused" };
    expect(() => decodeTask(task, "", { strict: true })).toThrow(/new_field/);
    expect(() => decodeTask({ ...raw.tasks[0], bucket: "paused" }, "", { strict: true })).toThrow(/bucket/);
    expect(decodeTask(task).bucket).toBe("unknown");
  });

  it("names the path of a wrong field", () => {
    const raw = example("v1-tasks") as { tasks: Record<string, unknown>[] };
    const broken = { ...(raw as object), tasks: [{ ...raw.tasks[0], pull_request: { number: "57" } }] };
    expect(() => decodeTaskList(broken)).toThrow("tasks[0].pull_request.number: expected an integer");
  });
});

describe("the other documents", () => {
  it("endpoint.json as src/server/endpoint.rs writes it", () => {
    const file = { url: "http://127.0.0.1:47615", token: "f".repeat(64), pid: 4242, schema_version: 1 };
    expect(decodeEndpoint(file, "", { strict: true })).toEqual(file);
    expect(new RegExp(flatten(schemas.Endpoint).properties.url.pattern!).test(file.url)).toBe(true);
  });

  it("the error body", () => {
    expect(decodeApiError({ error: { code: "not_implemented", message: "logs are not served yet" } })).toEqual({
      code: "not_implemented",
      message: "logs are not served yet",
    });
    expect(decodeApiError({ nope: true })).toBeNull();
    expect(decodeApiError("text")).toBeNull();
  });

  it("the logs page as served, with a subagent's event and the user's follow-up", () => {
    const served = {
      events: [
        {
          seq: 1,
          kind: "message",
          title: "Prompt: Find TODOs",
          body: "Find TODOs",
          at: "2026-11-30T10:00:00Z",
          user: "prompt",
        },
        {
          seq: 2,
          kind: "tool",
          title: "Fetch https://example.com",
          body: "page",
          at: null,
          tool: { id: "t1", name: "web_fetch", input: { url: "https://example.com" }, output: "page" },
          agent: { id: "agent-7", name: "reviewer" },
        },
        {
          seq: 3,
          kind: "tool",
          title: "View",
          body: "Arguments (not valid JSON): {oops",
          at: null,
          tool: { id: null, name: "view", input: "{oops", input_unparsed: true, output: null },
        },
      ],
      cursor: "c1.0.3",
      done: true,
      reset: false,
    };
    const page = decodeLogPage(served, "", { strict: true });
    expect(page.events[0].user).toBe("prompt");
    expect(page.events[1].agent).toEqual({ id: "agent-7", name: "reviewer" });
    expect(page.events[1].tool).toEqual({
      id: "t1",
      name: "web_fetch",
      input: { url: "https://example.com" },
      output: "page",
    });
    expect(page.events[2].tool).toEqual({ id: null, name: "view", input: "{oops", input_unparsed: true, output: null });
    expect(page.reset).toBe(false);
    expect(() =>
      decodeLogPage({ ...served, events: [{ ...served.events[0], user: "someone" }] }, "", { strict: true }),
    ).toThrow(/events\[0\]\.user/);
    // The OpenAPI document names every field the decoder reads.
    const event = flatten(schemas.LogEvent).properties;
    for (const key of ["seq", "kind", "title", "body", "at", "tool", "agent", "user"])
      expect(event).toHaveProperty(key);
    expect(flatten(schemas.LogPage).properties).toHaveProperty("reset");
  });

  it("a logs page with raw arguments, no output and no times yet", () => {
    const page = {
      events: [
        { seq: 1, kind: "setup", title: "Start the runner", body: "ubuntu-latest", at: null },
        {
          seq: 2,
          kind: "tool",
          title: "View",
          body: "Arguments (not valid JSON): {oops",
          at: "2026-11-22T04:36:52Z",
          tool: { id: "u", name: "view", input: "{oops", input_unparsed: true, output: null },
        },
        { seq: 3, kind: "message", title: "Plan", body: "I will add a limiter.", tool: null },
      ],
      cursor: "c1.0.3",
      done: false,
      reset: true,
    };
    expect(decodeLogPage(page, "", { strict: true })).toEqual(page);
    expect(decodeLogPage({ ...page, cursor: 3 }).cursor).toBe("3");
    expect(decodeLogPage({ events: [], cursor: null, done: true })).toEqual({ events: [], cursor: null, done: true });
    expect(() => decodeLogPage({ ...page, events: [{ seq: 1, kind: "tool" }] })).toThrow(/events\[0\]\.title/);
    const { input: _input, ...noInput } = page.events[1].tool!;
    void _input;
    expect(() => decodeLogPage({ ...page, events: [{ ...page.events[1], tool: noInput }] })).toThrow(
      /events\[0\]\.tool\.input/,
    );
  });
});

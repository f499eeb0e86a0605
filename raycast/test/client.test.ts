// The API client and endpoint discovery against a fake agentbar over real loopback HTTP: the
// bearer token, every failure as a typed error (refused, timeout, 401, 421, 5xx, 501, newer
// schema, not JSON), and endpoint.json from the state directory with the preference overrides.
import fs from "node:fs";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { AgentbarClient } from "../src/api/client";
import { resolveEndpoint, type EndpointPreferences } from "../src/api/endpoint";
import { AgentbarError } from "../src/api/errors";
import { closedPort, example, startFakeAgentbar, stateDir, TOKEN, type FakeAgentbar } from "./fake-agentbar";

let fake: FakeAgentbar | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

function clientFor(url: string, token = TOKEN, timeoutMs?: number) {
  return new AgentbarClient({ endpoint: async () => ({ url, token }), timeoutMs });
}

async function failure(promise: Promise<unknown>): Promise<AgentbarError> {
  try {
    await promise;
  } catch (error) {
    expect(error).toBeInstanceOf(AgentbarError);
    return error as AgentbarError;
  }
  throw new Error("expected a failure");
}

const sources = (dir: string, preferences: EndpointPreferences = {}) => ({
  preferences,
  platform: "linux",
  env: { AGENTBAR_STATE_DIR: dir },
  home: "/nonexistent-home",
  readFile: (p: string) => fs.promises.readFile(p, "utf8"),
});

describe("AgentbarClient", () => {
  it("reads the task list with the bearer token", async () => {
    fake = await startFakeAgentbar({ "GET /v1/tasks": { body: example("v1-tasks") } });
    const list = await clientFor(fake.url).tasks();
    expect(list.tasks).toHaveLength((example("v1-tasks") as { tasks: unknown[] }).tasks.length);
    expect(list.tasks.length).toBeGreaterThan(0);
    expect(fake.requests).toEqual([
      { method: "GET", path: "/v1/tasks", authorization: `Bearer ${TOKEN}`, body: "", contentType: undefined },
    ]);
  });

  it("reads health and one task, and sends no Authorization without a token", async () => {
    fake = await startFakeAgentbar({
      "GET /v1/health": { body: example("v1-health") },
      "GET /v1/tasks/b1a7c0de-0002-4000-8000-00000000a002": { body: example("v1-task") },
    });
    expect((await clientFor(fake.url, "").health()).version).toBe("0.1.0");
    expect(fake.requests[0].authorization).toBeUndefined();
    expect((await clientFor(fake.url).task("b1a7c0de-0002-4000-8000-00000000a002")).sessions).toHaveLength(1);
  });

  it("says not running when nothing listens", async () => {
    const port = await closedPort();
    const error = await failure(clientFor(`http://127.0.0.1:${port}`).tasks());
    expect(error.kind).toBe("not-running");
    expect(error.message).toContain(`127.0.0.1:${port}`);
  });

  it("gives up after the time limit instead of spinning", async () => {
    fake = await startFakeAgentbar({ "GET /v1/tasks": { hang: true } });
    const started = Date.now();
    const error = await failure(clientFor(fake.url, TOKEN, 200).tasks());
    expect(error.kind).toBe("timeout");
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it.each([
    [401, "unauthorized", { error: { code: "unauthorized", message: "missing or wrong bearer token" } }],
    [421, "misdirected", { error: { code: "misdirected", message: "Host must be 127.0.0.1" } }],
    [500, "server-error", { error: { code: "internal", message: "boom" } }],
    [503, "server-error", undefined],
    [404, "http", { error: { code: "not_found", message: "no such task" } }],
  ] as const)("turns %s into %s, keeping the API's message", async (status, kind, body) => {
    fake = await startFakeAgentbar({ "GET /v1/tasks": { status, body } });
    const error = await failure(clientFor(fake.url).tasks());
    expect(error.kind).toBe(kind);
    expect(error.details.status).toBe(status);
    expect(error.message).toBe(body ? body.error.message : `agentbar answered ${status}`);
  });

  it("says a newer schema instead of failing to decode it", async () => {
    fake = await startFakeAgentbar({
      "GET /v1/tasks": { body: { schema_version: 2, everything: "different" } },
    });
    const error = await failure(clientFor(fake.url).tasks());
    expect(error.kind).toBe("newer-schema");
  });

  it("reports an answer that is not JSON or not the right shape", async () => {
    fake = await startFakeAgentbar({ "GET /v1/tasks": { text: "<html>" } });
    expect((await failure(clientFor(fake.url).tasks())).kind).toBe("bad-response");
    fake.routes["GET /v1/tasks"] = { body: { schema_version: 1, tasks: "nope" } };
    const error = await failure(clientFor(fake.url).tasks());
    expect(error.kind).toBe("bad-response");
    expect(error.message).toContain("generated_at");
  });

  it("reads logs after a cursor, and says 501 as not implemented", async () => {
    fake = await startFakeAgentbar({
      "GET /v1/tasks/t1/logs": ({ query }) => ({
        body: {
          events: [{ seq: 4, kind: "progress", title: "Step 2 of 5", body: "" }],
          cursor: `after-${query.get("after")}`,
          done: true,
        },
      }),
      "GET /v1/tasks/t2/logs": {
        status: 501,
        body: { error: { code: "not_implemented", message: "session logs are not served by this version" } },
      },
    });
    const page = await clientFor(fake.url).logs("t1", "c 3");
    expect(page.cursor).toBe("after-c 3");
    expect(fake.requests[0].path).toBe("/v1/tasks/t1/logs?after=c%203");
    const error = await failure(clientFor(fake.url).logs("t2"));
    expect(error).toMatchObject({ kind: "not-implemented", message: "session logs are not served by this version" });
  });

  it("posts refresh and stop, and keeps the reason a stop is refused", async () => {
    fake = await startFakeAgentbar({
      "POST /v1/refresh": { status: 202 },
      "POST /v1/tasks/t1/actions/stop": {
        status: 202,
        body: {
          task: "gh:github.com:t1",
          action: "stop",
          message: "cancellation of the Actions run 7 requested",
          url: null,
        },
      },
      "POST /v1/tasks/t2/actions/stop": {
        status: 409,
        body: { error: { code: "not_active", message: "the task is not running" } },
      },
    });
    const client = clientFor(fake.url);
    await client.refresh();
    expect(await client.stop("t1")).toEqual({ message: "cancellation of the Actions run 7 requested", url: null });
    const error = await failure(client.stop("t2"));
    expect(error).toMatchObject({ kind: "http", message: "the task is not running", details: { code: "not_active" } });
    expect(fake.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "POST /v1/refresh",
      "POST /v1/tasks/t1/actions/stop",
      "POST /v1/tasks/t2/actions/stop",
    ]);
  });
});

describe("resolveEndpoint", () => {
  const file = { url: "http://127.0.0.1:47615", token: "t".repeat(64), pid: 99, schema_version: 1 };

  it("reads endpoint.json from the state directory", async () => {
    const dir = stateDir(file);
    expect(await resolveEndpoint(sources(dir))).toEqual({ url: file.url, token: file.token });
  });

  it("says not running when there is no endpoint.json, naming where it looked", async () => {
    const dir = stateDir();
    const error = await failure(resolveEndpoint(sources(dir)));
    expect(error.kind).toBe("not-running");
    expect(error.message).toContain(path.join(dir, "endpoint.json"));
  });

  it("says a newer schema for a newer endpoint.json, and a broken one plainly", async () => {
    expect((await failure(resolveEndpoint(sources(stateDir({ ...file, schema_version: 2 }))))).kind).toBe(
      "newer-schema",
    );
    expect((await failure(resolveEndpoint(sources(stateDir("{not json"))))).kind).toBe("bad-endpoint");
    expect((await failure(resolveEndpoint(sources(stateDir({ url: 1 }))))).kind).toBe("bad-endpoint");
  });

  it("lets the preferences override the URL and the token", async () => {
    const dir = stateDir(file);
    expect(await resolveEndpoint(sources(dir, { apiToken: " mine " }))).toEqual({ url: file.url, token: "mine" });
    expect(await resolveEndpoint(sources(dir, { apiUrl: "http://localhost:5000/" }))).toEqual({
      url: "http://localhost:5000",
      token: file.token,
    });
    expect(await resolveEndpoint(sources(stateDir(), { apiUrl: "http://127.0.0.1:1", apiToken: "x" }))).toEqual({
      url: "http://127.0.0.1:1",
      token: "x",
    });
    // A URL without endpoint.json and without a token: health can still answer.
    expect(await resolveEndpoint(sources(stateDir(), { apiUrl: "http://127.0.0.1:1" }))).toEqual({
      url: "http://127.0.0.1:1",
      token: "",
    });
    expect((await failure(resolveEndpoint(sources(dir, { apiUrl: "not a url" })))).kind).toBe("bad-endpoint");
    expect((await failure(resolveEndpoint(sources(dir, { apiUrl: "ftp://127.0.0.1" })))).kind).toBe("bad-endpoint");
  });

  it("works end to end: endpoint.json → request with its token", async () => {
    fake = await startFakeAgentbar({ "GET /v1/health": { body: example("v1-health") } });
    const dir = stateDir({ url: fake.url, token: TOKEN, pid: 1, schema_version: 1 });
    const client = new AgentbarClient({ endpoint: () => resolveEndpoint(sources(dir)) });
    expect((await client.health()).status).toBe("ok");
    expect(fake.requests[0].authorization).toBe(`Bearer ${TOKEN}`);
    // agentbar restarted with a new token: the next request reads the new file.
    fs.writeFileSync(
      path.join(dir, "endpoint.json"),
      JSON.stringify({ url: fake.url, token: "new", pid: 2, schema_version: 1 }),
    );
    await client.health();
    expect(fake.requests[1].authorization).toBe("Bearer new");
  });
});

describe("AgentbarClient: managing tasks", () => {
  const task = (example("v1-tasks") as { tasks: Record<string, unknown>[] }).tasks[0];

  it("sends the filters as query parameters, and none for the whole list", async () => {
    fake = await startFakeAgentbar({ "GET /v1/tasks": { body: example("v1-tasks") } });
    const client = clientFor(fake.url);
    await client.tasks();
    await client.tasks(new URLSearchParams());
    await client.tasks(new URLSearchParams({ provider: "codex", bucket: "completed,failed", period: "week" }));
    expect(fake.requests.map((r) => r.path)).toEqual([
      "/v1/tasks",
      "/v1/tasks",
      "/v1/tasks?provider=codex&bucket=completed%2Cfailed&period=week",
    ]);
  });

  it("acts through the one door, with a JSON body only when there is one", async () => {
    fake = await startFakeAgentbar({
      "POST /v1/tasks/gh%3Aoctocat%3A42/actions/archive": { status: 202, body: { status: "archived" } },
      "POST /v1/tasks/gh%3Aoctocat%3A42/actions/continue": { status: 202 },
    });
    const client = clientFor(fake.url);
    await client.act("gh:octocat:42", "archive");
    await client.act("gh:octocat:42", "continue", { prompt: "Also update the README" });
    expect(fake.requests.map(({ path, body, contentType }) => ({ path, body, contentType }))).toEqual([
      { path: "/v1/tasks/gh%3Aoctocat%3A42/actions/archive", body: "", contentType: undefined },
      {
        path: "/v1/tasks/gh%3Aoctocat%3A42/actions/continue",
        body: '{"prompt":"Also update the README"}',
        contentType: "application/json",
      },
    ]);
  });

  it("passes GitHub's refusal on in agentbar's words", async () => {
    fake = await startFakeAgentbar({
      "POST /v1/tasks/t1/actions/continue": {
        status: 422,
        body: { error: { code: "upstream_refused", message: "GitHub refused the follow-up: the task has no branch" } },
      },
    });
    const error = await failure(clientFor(fake.url).act("t1", "continue", { prompt: "go on" }));
    expect(error.kind).toBe("http");
    expect(error.message).toBe("GitHub refused the follow-up: the task has no branch");
    expect(error.details).toMatchObject({ status: 422, code: "upstream_refused" });
  });

  it("starts a task and reads the 201's task back", async () => {
    fake = await startFakeAgentbar({ "POST /v1/tasks": { status: 201, body: task } });
    const created = await clientFor(fake.url).createTask({
      repo: "octo-org/api-server",
      prompt: "Add rate limiting",
      base_ref: "main",
      create_pull_request: false,
    });
    expect(created.task!.id).toBe(task.id);
    expect(JSON.parse(fake.requests[0].body)).toEqual({
      repo: "octo-org/api-server",
      prompt: "Add rate limiting",
      base_ref: "main",
      create_pull_request: false,
    });
  });

  it("reads a 202 from POST /v1/tasks (started, not listed yet) as agentbar's message", async () => {
    const message = "GitHub started the task; it is not in the list yet";
    fake = await startFakeAgentbar({ "POST /v1/tasks": { status: 202, body: { id: "t9", message } } });
    expect(await clientFor(fake.url).createTask({ repo: "o/r", prompt: "p" })).toEqual({ task: null, message });
  });

  it("returns an action's message and link, and archives all finished in one request", async () => {
    fake = await startFakeAgentbar({
      "POST /v1/tasks/k1/actions/continue": {
        body: { task: "k1", action: "continue", message: "Follow-up started", url: "https://github.com/o/r/pull/2" },
      },
      "POST /v1/archive/finished": { body: { schema_version: 1, archived: ["a", "b"], count: 2 } },
    });
    const client = clientFor(fake.url);
    expect(await client.act("k1", "continue", { prompt: "go" })).toEqual({
      message: "Follow-up started",
      url: "https://github.com/o/r/pull/2",
    });
    expect(await client.archiveFinished()).toEqual({ archived: ["a", "b"], count: 2 });
  });

  it("exports a log as text, and an error answer as a typed error", async () => {
    const markdown = "# Add rate limiting\n\n**Prompt:** add it\n";
    fake = await startFakeAgentbar({
      "GET /v1/tasks/t1/logs": ({ query }) =>
        query.get("format") === "markdown"
          ? { text: markdown, headers: { "content-disposition": 'attachment; filename="agentbar-t1.md"' } }
          : { status: 400, body: { error: { code: "bad", message: "format?" } } },
      "GET /v1/tasks/t2/logs": { status: 501, body: { error: { code: "not_implemented", message: "no logs here" } } },
    });
    const client = clientFor(fake.url);
    expect(await client.exportLog("t1", "markdown")).toEqual({ text: markdown, filename: "agentbar-t1.md" });
    expect(fake.requests[0].path).toBe("/v1/tasks/t1/logs?format=markdown");
    const error = await failure(client.exportLog("t2", "markdown"));
    expect(error).toMatchObject({ kind: "not-implemented", message: "no logs here" });
  });

  it("reads model and custom-agent lists leniently: bare names, objects, a wrapper; bad items dropped", async () => {
    fake = await startFakeAgentbar({
      "GET /v1/models": {
        body: { models: [{ id: "gpt-5", name: "GPT-5" }, "claude-sonnet-4.5", 42, { name: "no id" }] },
      },
      "GET /v1/custom-agents": ({ query }) => ({ body: [{ id: `${query.get("repo")}-reviewer` }] }),
    });
    const client = clientFor(fake.url);
    expect(await client.models()).toEqual([
      { id: "gpt-5", name: "GPT-5" },
      { id: "claude-sonnet-4.5", name: "claude-sonnet-4.5" },
    ]);
    expect(await client.customAgents("octo-org/api-server")).toEqual([
      { id: "octo-org/api-server-reviewer", name: "octo-org/api-server-reviewer" },
    ]);
    expect(fake.requests[1].path).toBe("/v1/custom-agents?repo=octo-org%2Fapi-server");
  });
});

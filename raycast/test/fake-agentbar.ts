/**
 * A fake agentbar on 127.0.0.1 with a free port, answering from a route table, recording every
 * request (method, path, Authorization), and failing loudly on a route the test did not expect.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";

export interface FakeAnswer {
  status?: number;
  body?: unknown;
  /** Raw text instead of JSON. */
  text?: string;
  /** Never answer (for timeouts). */
  hang?: boolean;
  /** Extra response headers. */
  headers?: Record<string, string>;
}

export type Route =
  FakeAnswer | ((request: { method: string; path: string; query: URLSearchParams; body: string }) => FakeAnswer);

export interface RecordedRequest {
  method: string;
  path: string;
  authorization: string | undefined;
  /** The request body as sent ("" without one). */
  body: string;
  contentType: string | undefined;
}

export interface FakeAgentbar {
  url: string;
  token: string;
  requests: RecordedRequest[];
  routes: Record<string, Route>;
  close: () => Promise<void>;
}

export const TOKEN = "a".repeat(64);

export async function startFakeAgentbar(routes: Record<string, Route>): Promise<FakeAgentbar> {
  const requests: RecordedRequest[] = [];
  const fake = { routes } as FakeAgentbar;
  const hanging: http.ServerResponse[] = [];
  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://127.0.0.1");
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString("utf8");
    requests.push({
      method: req.method ?? "",
      path: url.pathname + url.search,
      authorization: req.headers.authorization,
      body,
      contentType: req.headers["content-type"],
    });
    // Routes are written with the path as sent or decoded (`/v1/tasks/gh:github.com:1/actions/stop`).
    const route =
      fake.routes[`${req.method} ${url.pathname}`] ?? fake.routes[`${req.method} ${decodeURIComponent(url.pathname)}`];
    if (!route) {
      res.writeHead(599, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          error: { code: "unexpected", message: `fake agentbar: no route ${req.method} ${url.pathname}` },
        }),
      );
      return;
    }
    const answer =
      typeof route === "function"
        ? route({ method: req.method ?? "", path: url.pathname, query: url.searchParams, body })
        : route;
    if (answer.hang) {
      hanging.push(res);
      return;
    }
    const status = answer.status ?? 200;
    if (answer.text !== undefined) {
      res.writeHead(status, { "content-type": "text/plain", ...answer.headers });
      res.end(answer.text);
    } else if (answer.body === undefined) {
      res.writeHead(status);
      res.end();
    } else {
      res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store", ...answer.headers });
      res.end(JSON.stringify(answer.body));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  fake.url = `http://127.0.0.1:${port}`;
  fake.token = TOKEN;
  fake.requests = requests;
  fake.close = () =>
    new Promise<void>((resolve) => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return fake;
}

/** A port on which nothing listens (bound, then closed). */
export async function closedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Every state directory made by {@link stateDir} and not yet removed. */
const stateDirs: string[] = [];

/**
 * A fresh state directory, optionally holding an endpoint.json. It lives until the end of the
 * test: `test/setup.ts` calls {@link removeStateDirs} after each one.
 */
export function stateDir(endpoint?: unknown): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "agentbar-state-"));
  stateDirs.push(dir);
  if (endpoint !== undefined) {
    fs.writeFileSync(
      path.join(dir, "endpoint.json"),
      typeof endpoint === "string" ? endpoint : JSON.stringify(endpoint),
    );
  }
  return dir;
}

/** Removes the state directories the test made, so a run leaves nothing in the temporary directory. */
export function removeStateDirs(): void {
  for (const dir of stateDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

/** The example answers the Rust test writes, parsed. */
export function example(
  name: "v1-tasks" | "v1-task" | "v1-health" | "v1-logs" | "v1-models" | "v1-custom-agents",
): unknown {
  const file = path.resolve(__dirname, "..", "..", "docs", "examples", `${name}.json`);
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

/**
 * A state directory as a crashed or stopped agentbar leaves it: endpoint.json naming a port on
 * which nothing listens.
 */
export async function leftBehindStateDir(): Promise<string> {
  const port = await closedPort();
  return stateDir({ url: `http://127.0.0.1:${port}`, token: TOKEN, pid: 1, schema_version: 1 });
}

/**
 * Finds the running agentbar: the URL and token from the preferences when set, else from
 * `endpoint.json` in agentbar's state directory. Reading a file is all it does: it never starts
 * agentbar. File access and the platform are injected so tests need no real home directory.
 */
import { decodeEndpoint, DecodeError } from "./decode";
import { AgentbarError } from "./errors";
import { SCHEMA_VERSION } from "./types";
import { endpointPath, type StateDirEnv } from "../helpers/state-dir";

/** The optional overrides from the extension's preferences. */
export interface EndpointPreferences {
  apiUrl?: string;
  apiToken?: string;
}

export interface EndpointSources {
  preferences: EndpointPreferences;
  platform: string;
  env: StateDirEnv;
  home: string | null;
  readFile: (path: string) => Promise<string>;
}

export interface ResolvedEndpoint {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:47615`. */
  url: string;
  /** The bearer token; empty when none is known (health still answers). */
  token: string;
}

function isMissingFile(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === "ENOENT" || code === "ENOTDIR";
}

/** endpoint.json, decoded; null when it does not exist. */
async function readEndpointFile(path: string, readFile: EndpointSources["readFile"]) {
  let text: string;
  try {
    text = await readFile(path);
  } catch (error) {
    if (isMissingFile(error)) return null;
    throw new AgentbarError("bad-endpoint", `Cannot read ${path}: ${(error as Error).message}`, { path });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new AgentbarError("bad-endpoint", `${path} is not valid JSON`, { path });
  }
  // A newer agentbar may change the file's shape: check the version before the shape.
  const version = (json as { schema_version?: unknown } | null)?.schema_version;
  if (typeof version === "number" && version > SCHEMA_VERSION) {
    throw new AgentbarError(
      "newer-schema",
      `agentbar speaks schema version ${version}; this extension knows ${SCHEMA_VERSION}`,
      { path },
    );
  }
  try {
    return decodeEndpoint(json, "endpoint.json");
  } catch (error) {
    const why = error instanceof DecodeError ? error.message : String(error);
    throw new AgentbarError("bad-endpoint", `${path} is not an agentbar endpoint file (${why})`, { path });
  }
}

function normaliseUrl(raw: string): string {
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new AgentbarError("bad-endpoint", `The API URL preference "${raw}" is not a URL`);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
    throw new AgentbarError("bad-endpoint", `The API URL preference "${raw}" is not an http:// URL`);
  }
  return raw.replace(/\/+$/, "");
}

export async function resolveEndpoint(sources: EndpointSources): Promise<ResolvedEndpoint> {
  const urlOverride = sources.preferences.apiUrl?.trim();
  const tokenOverride = sources.preferences.apiToken?.trim();
  const path = endpointPath(sources.platform, sources.env, sources.home);

  if (urlOverride) {
    const url = normaliseUrl(urlOverride);
    if (tokenOverride) return { url, token: tokenOverride };
    // No token preference: borrow the running agent's, when it has written one.
    const file = path ? await readEndpointFile(path, sources.readFile).catch(() => null) : null;
    return { url, token: file?.token ?? "" };
  }

  if (!path) {
    throw new AgentbarError(
      "bad-endpoint",
      "No home directory to find agentbar's endpoint.json in; set the API URL preference",
    );
  }
  const file = await readEndpointFile(path, sources.readFile);
  if (!file) {
    throw new AgentbarError("not-running", `agentbar is not running (no ${path})`, { path });
  }
  return { url: normaliseUrl(file.url), token: tokenOverride || file.token };
}

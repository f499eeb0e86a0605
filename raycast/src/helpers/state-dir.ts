/**
 * Where agentbar keeps its state, hence `endpoint.json`: the same rules as the Rust side
 * (`src/config.rs`, `directories::ProjectDirs::from("dev", "agentbar", "agentbar")`, state dir,
 * else local data dir), written as a pure function of the platform, environment and home
 * directory so every platform's rule is tested on any machine.
 */
import path from "node:path";

export const ENDPOINT_FILE = "endpoint.json";

/** The environment variables that decide the state directory. */
export interface StateDirEnv {
  AGENTBAR_STATE_DIR?: string;
  XDG_STATE_HOME?: string;
  LOCALAPPDATA?: string;
}

/**
 * The state directory, or null when none can be derived (no home directory).
 * - `AGENTBAR_STATE_DIR` wins when set (the Rust CLI reads it for `--state-dir`);
 * - macOS: `~/Library/Application Support/dev.agentbar.agentbar`;
 * - Windows: `%LOCALAPPDATA%\agentbar\agentbar\data`;
 * - Linux and other Unix: `$XDG_STATE_HOME/agentbar` when that is absolute (a relative value is
 *   ignored, as the XDG rules and the `dirs` crate do), else `~/.local/state/agentbar`.
 */
export function stateDirectory(platform: string, env: StateDirEnv, home: string | null | undefined): string | null {
  const override = env.AGENTBAR_STATE_DIR?.trim();
  if (override) return override;
  if (platform === "win32") {
    const local = env.LOCALAPPDATA?.trim();
    if (local && path.win32.isAbsolute(local)) return path.win32.join(local, "agentbar", "agentbar", "data");
    return home ? path.win32.join(home, "AppData", "Local", "agentbar", "agentbar", "data") : null;
  }
  if (!home) {
    const xdg = env.XDG_STATE_HOME;
    return platform !== "darwin" && xdg && path.posix.isAbsolute(xdg) ? path.posix.join(xdg, "agentbar") : null;
  }
  if (platform === "darwin") return path.posix.join(home, "Library", "Application Support", "dev.agentbar.agentbar");
  const xdg = env.XDG_STATE_HOME;
  const base = xdg && path.posix.isAbsolute(xdg) ? xdg : path.posix.join(home, ".local", "state");
  return path.posix.join(base, "agentbar");
}

/** `endpoint.json` inside the state directory. */
export function endpointPath(platform: string, env: StateDirEnv, home: string | null | undefined): string | null {
  const dir = stateDirectory(platform, env, home);
  if (dir === null) return null;
  return platform === "win32" ? path.win32.join(dir, ENDPOINT_FILE) : path.posix.join(dir, ENDPOINT_FILE);
}

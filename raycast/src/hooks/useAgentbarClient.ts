/** One API client per command, finding agentbar through the preferences or endpoint.json. */
import { getPreferenceValues } from "@raycast/api";
import { readFile } from "node:fs/promises";
import os from "node:os";
import { useMemo } from "react";
import { AgentbarClient } from "../api/client";
import { resolveEndpoint, type EndpointPreferences } from "../api/endpoint";

export function createClient(preferences: EndpointPreferences): AgentbarClient {
  return new AgentbarClient({
    endpoint: () =>
      resolveEndpoint({
        preferences,
        platform: process.platform,
        env: process.env,
        home: os.homedir() || null,
        readFile: (path) => readFile(path, "utf8"),
      }),
  });
}

export function useAgentbarClient(): AgentbarClient {
  return useMemo(() => createClient(getPreferenceValues<EndpointPreferences>()), []);
}

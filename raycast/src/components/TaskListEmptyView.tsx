/** Shown when agentbar answers but has no tasks, or when the search text matches none. */
import { Action, ActionPanel, Icon, Keyboard, List } from "@raycast/api";
import type { AgentbarClient } from "../api/client";
import { refreshNow } from "./TaskActions";

export function TaskListEmptyView(props: { client: AgentbarClient; revalidate: () => void }) {
  return (
    <List.EmptyView
      icon={Icon.Checkmark}
      title="No tasks"
      description="No agent task matches, or agentbar has none yet. New tasks show up here as agentbar sees them."
      actions={
        <ActionPanel>
          <Action
            title="Refresh"
            icon={Icon.ArrowClockwise}
            shortcut={Keyboard.Shortcut.Common.Refresh}
            onAction={() => refreshNow(props.client, props.revalidate)}
          />
        </ActionPanel>
      }
    />
  );
}

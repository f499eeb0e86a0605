/** Shown when agentbar answers but has no tasks, or when the filter or search text matches none. */
import { Action, ActionPanel, Icon, Keyboard, List } from "@raycast/api";
import type { ReactNode } from "react";
import type { AgentbarClient } from "../api/client";
import { refreshNow } from "./TaskActions";

export function TaskListEmptyView(props: {
  client: AgentbarClient;
  revalidate: () => void;
  /** A filter narrows the list: say so, and offer to clear it. */
  filtered?: boolean;
  listActions?: ReactNode;
}) {
  return (
    <List.EmptyView
      icon={props.filtered ? Icon.Filter : Icon.Checkmark}
      title={props.filtered ? "No task matches the filter" : "No tasks"}
      description={
        props.filtered
          ? "Pick another agent, status or time in the dropdown, or clear the filter."
          : "No agent task matches, or agentbar has none yet. New tasks show up here as agentbar sees them."
      }
      actions={
        <ActionPanel>
          {props.listActions}
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

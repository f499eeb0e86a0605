/**
 * The task actions the list and the logs view share: Continue Task (⌘↵) when the task allows it,
 * and Export Log (⌘⇧E).
 */
import { Action, Icon } from "@raycast/api";
import type { AgentbarClient } from "../api/client";
import type { Task } from "../api/types";
import { allows } from "../helpers/tasks";
import { ContinueTaskForm } from "./ContinueTaskForm";
import { exportLog } from "./operations";
import { CONTINUE_TASK, EXPORT_LOG } from "./shortcuts";

/** Continue Task (⌘↵), when the task allows it: from the list and from the logs view. */
export function ContinueTaskAction(props: { task: Task; client: AgentbarClient; onContinued: () => void }) {
  if (!allows(props.task, "continue")) return null;
  return (
    <Action.Push
      title="Continue Task"
      icon={Icon.Reply}
      shortcut={CONTINUE_TASK}
      target={<ContinueTaskForm task={props.task} client={props.client} onContinued={props.onContinued} />}
    />
  );
}

/** Export Log (⌘⇧E): the whole log as Markdown into Downloads. */
export function ExportLogAction(props: { task: Task; client: AgentbarClient }) {
  return (
    <Action
      title="Export Log"
      icon={Icon.Download}
      shortcut={EXPORT_LOG}
      onAction={() => exportLog(props.client, props.task)}
    />
  );
}

/**
 * The actions of a task row: open the pull request first (Enter), continue the task (⌘↵) when it
 * allows it, the logs (⌘L), the task page, the workflow run when known, copy link; export the log
 * (⌘⇧E), archive or unarchive; stop (after confirmation); the list's own actions; refresh last.
 * Continue, archive, unarchive and stop are offered only when the task's `actions` allow them:
 * agentbar decides, not a rule kept here.
 */
import { Action, ActionPanel, Alert, confirmAlert, Icon, Keyboard, showToast, Toast } from "@raycast/api";
import type { ReactNode } from "react";
import type { AgentbarClient } from "../api/client";
import { toAgentbarError } from "../api/errors";
import type { Task } from "../api/types";
import { allows, primaryUrl, taskRef } from "../helpers/tasks";
import { ContinueTaskAction, ExportLogAction } from "./TaskWorkActions";
import { setArchived } from "./operations";
import { ARCHIVE_TASK, SHOW_LOGS } from "./shortcuts";
import { TaskLogs } from "./TaskLogs";

/** Asks, then asks agentbar to stop the task; the API's own message is shown when it cannot. */
export async function stopTask(client: AgentbarClient, task: Task, onStopped: () => void): Promise<void> {
  const confirmed = await confirmAlert({
    title: "Stop this task?",
    message: `${task.title}${task.repository ? ` (${task.repository})` : ""} — the agent's current run is cancelled.`,
    icon: Icon.Stop,
    primaryAction: { title: "Stop Task", style: Alert.ActionStyle.Destructive },
  });
  if (!confirmed) return;
  const toast = await showToast({ style: Toast.Style.Animated, title: "Stopping task…" });
  try {
    await client.stop(taskRef(task));
    toast.style = Toast.Style.Success;
    toast.title = "Stop requested";
    toast.message = task.title;
    onStopped();
  } catch (error) {
    toast.style = Toast.Style.Failure;
    toast.title = "Could not stop the task";
    toast.message = toAgentbarError(error).message;
  }
}

/** Asks agentbar to poll GitHub now, then reads the list again. */
export async function refreshNow(client: AgentbarClient, revalidate: () => void): Promise<void> {
  // When agentbar is unreachable the re-read shows why; no second message here.
  await client.refresh().catch(() => undefined);
  revalidate();
}

export function TaskActions(props: {
  task: Task;
  client: AgentbarClient;
  revalidate: () => void;
  /** Actions on the whole list (filters, bulk archive, export), after the task's own. */
  listActions?: ReactNode;
}) {
  const { task, client, revalidate } = props;
  const pr = task.pull_request;
  return (
    <ActionPanel title={task.title}>
      <ActionPanel.Section>
        <Action.OpenInBrowser title={pr ? "Open Pull Request" : "Open Task Page"} url={primaryUrl(task)} />
        <ContinueTaskAction task={task} client={client} onContinued={revalidate} />
        <Action.Push
          title="Show Logs"
          icon={Icon.Terminal}
          shortcut={SHOW_LOGS}
          target={<TaskLogs task={task} client={client} onChanged={revalidate} />}
        />
        {pr && task.url !== pr.url && (
          <Action.OpenInBrowser title="Open Task Page" url={task.url} shortcut={Keyboard.Shortcut.Common.Open} />
        )}
        {task.workflow_run_url && (
          <Action.OpenInBrowser title="Open Workflow Run" icon={Icon.Gear} url={task.workflow_run_url} />
        )}
        <Action.CopyToClipboard title="Copy Link" content={primaryUrl(task)} shortcut={Keyboard.Shortcut.Common.Copy} />
      </ActionPanel.Section>
      <ActionPanel.Section>
        <ExportLogAction task={task} client={client} />
        {allows(task, "archive") && (
          <Action
            title="Archive Task"
            icon={Icon.Tray}
            shortcut={ARCHIVE_TASK}
            onAction={() => setArchived(client, task, "archive", revalidate)}
          />
        )}
        {allows(task, "unarchive") && (
          <Action
            title="Unarchive Task"
            icon={Icon.ArrowCounterClockwise}
            shortcut={ARCHIVE_TASK}
            onAction={() => setArchived(client, task, "unarchive", revalidate)}
          />
        )}
      </ActionPanel.Section>
      {allows(task, "stop") && (
        <ActionPanel.Section>
          <Action
            title="Stop Task"
            icon={Icon.Stop}
            style={Action.Style.Destructive}
            shortcut={Keyboard.Shortcut.Common.Remove}
            onAction={() => stopTask(client, task, revalidate)}
          />
        </ActionPanel.Section>
      )}
      {props.listActions}
      <ActionPanel.Section>
        <Action
          title="Refresh"
          icon={Icon.ArrowClockwise}
          shortcut={Keyboard.Shortcut.Common.Refresh}
          onAction={() => refreshNow(client, revalidate)}
        />
      </ActionPanel.Section>
    </ActionPanel>
  );
}

/**
 * The actions of a task row: open the pull request first (Enter), then the logs (⌘L), the task
 * page, the workflow run when known, copy link, stop (for active tasks, after confirmation), and refresh last.
 */
import { Action, ActionPanel, Alert, confirmAlert, Icon, Keyboard, showToast, Toast } from "@raycast/api";
import type { AgentbarClient } from "../api/client";
import { toAgentbarError } from "../api/errors";
import type { Task } from "../api/types";
import { allows, primaryUrl } from "../helpers/tasks";
import { SHOW_LOGS } from "./shortcuts";
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
    await client.stop(task.id);
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

export function TaskActions(props: { task: Task; client: AgentbarClient; revalidate: () => void }) {
  const { task, client, revalidate } = props;
  const pr = task.pull_request;
  return (
    <ActionPanel title={task.title}>
      <ActionPanel.Section>
        <Action.OpenInBrowser title={pr ? "Open Pull Request" : "Open Task Page"} url={primaryUrl(task)} />
        <Action.Push
          title="Show Logs"
          icon={Icon.Terminal}
          shortcut={SHOW_LOGS}
          target={<TaskLogs task={task} client={client} />}
        />
        {pr && task.url !== pr.url && (
          <Action.OpenInBrowser title="Open Task Page" url={task.url} shortcut={Keyboard.Shortcut.Common.Open} />
        )}
        {task.workflow_run_url && (
          <Action.OpenInBrowser title="Open Workflow Run" icon={Icon.Gear} url={task.workflow_run_url} />
        )}
        <Action.CopyToClipboard title="Copy Link" content={primaryUrl(task)} shortcut={Keyboard.Shortcut.Common.Copy} />
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

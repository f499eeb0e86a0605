/**
 * The ⌘L view: the task's structured log events, oldest first with the newest at the bottom,
 * each with a markdown detail. A subagent's run is a section titled by the subagent; the user's
 * own messages (the prompt, follow-ups) are marked "You". While the task is active new events are fetched and appended;
 * the selection follows the newest event only when it was already on the newest one. A task
 * that allows it can be continued from here (⌘↵), and its whole log exported (⌘⇧E).
 */
import { Action, ActionPanel, Color, Icon, Keyboard, List } from "@raycast/api";
import { useEffect, useRef, useState, type ReactNode } from "react";
import type { AgentbarClient } from "../api/client";
import type { LogEvent, Task } from "../api/types";
import { logKindAppearance } from "../helpers/appearance";
import { agentLabel, eventId, eventMarkdown, followSelection, groupRuns, userLabel } from "../helpers/logs";
import { isActive, taskRef } from "../helpers/tasks";
import { useTaskLogs } from "../hooks/useTaskLogs";
import { ProblemEmptyView } from "./ProblemEmptyView";
import { OPEN_LOGS_IN_BROWSER } from "./shortcuts";
import { ContinueTaskAction, ExportLogAction } from "./TaskWorkActions";

export const LOGS_NOT_AVAILABLE = "Logs are not available from this agentbar version";

function webLogsUrl(task: Task): string {
  return task.logs_url || task.url;
}

function OpenLogsInBrowser(props: { task: Task }) {
  return (
    <Action.OpenInBrowser title="Open Logs in Browser" url={webLogsUrl(props.task)} shortcut={OPEN_LOGS_IN_BROWSER} />
  );
}

interface LogsContext {
  task: Task;
  client: AgentbarClient;
  onChanged: () => void;
}

/** Continue and export: on every event and on the empty views alike. */
function WorkActions(props: LogsContext) {
  return (
    <>
      <ContinueTaskAction task={props.task} client={props.client} onContinued={props.onChanged} />
      <ExportLogAction task={props.task} client={props.client} />
    </>
  );
}

function EventActions(props: LogsContext & { event: LogEvent }) {
  return (
    <ActionPanel>
      <OpenLogsInBrowser task={props.task} />
      <WorkActions {...props} />
      <Action.CopyToClipboard
        title="Copy Event"
        content={eventMarkdown(props.event)}
        shortcut={Keyboard.Shortcut.Common.Copy}
      />
    </ActionPanel>
  );
}

function EventItem(props: LogsContext & { event: LogEvent }) {
  const { event } = props;
  const look = logKindAppearance(event.kind);
  const you = userLabel(event);
  return (
    <List.Item
      id={eventId(event)}
      icon={
        you
          ? { value: { source: Icon.Person, tintColor: Color.Blue }, tooltip: you }
          : { value: { source: Icon[look.icon], tintColor: Color[look.tint] }, tooltip: event.kind }
      }
      title={event.title}
      accessories={you ? [{ tag: { value: you, color: Color.Blue } }] : undefined}
      keywords={[
        event.kind,
        ...(event.tool ? [event.tool.name] : []),
        ...(event.agent ? [event.agent.name ?? event.agent.id] : []),
        ...(you ? ["you"] : []),
      ]}
      detail={<List.Item.Detail markdown={eventMarkdown(event)} />}
      actions={<EventActions {...props} />}
    />
  );
}

export function TaskLogs(props: { task: Task; client: AgentbarClient; onChanged?: () => void }) {
  const { task, client } = props;
  const context: LogsContext = { task, client, onChanged: props.onChanged ?? (() => undefined) };
  const [attempt, setAttempt] = useState(0);
  const logs = useTaskLogs(client, taskRef(task), isActive(task), attempt);

  const last = logs.events.at(-1);
  const lastId = last ? eventId(last) : undefined;
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const previousLast = useRef<string | undefined>(undefined);
  useEffect(() => {
    // Read the ref now: the updater runs later, after the ref has moved on.
    const before = previousLast.current;
    setSelected((current) => followSelection(current, before, lastId));
    previousLast.current = lastId;
  }, [lastId]);

  const title = `Logs — ${task.title}`;
  const retry = () => setAttempt((n) => n + 1);

  let emptyView: ReactNode = null;
  if (logs.error?.kind === "not-implemented") {
    emptyView = (
      <List.EmptyView
        icon={Icon.Document}
        title={LOGS_NOT_AVAILABLE}
        description="Update agentbar to read session logs here. Meanwhile, open them on GitHub."
        actions={
          <ActionPanel>
            <OpenLogsInBrowser task={task} />
            <WorkActions {...context} />
          </ActionPanel>
        }
      />
    );
  } else if (logs.error && logs.events.length === 0) {
    emptyView = (
      <ProblemEmptyView
        blocker={{ kind: logs.error.kind, message: logs.error.message }}
        onRetry={retry}
        extraActions={<OpenLogsInBrowser task={task} />}
      />
    );
  } else if (!logs.loading && logs.events.length === 0) {
    emptyView = (
      <List.EmptyView
        icon={Icon.Document}
        title={logs.following ? "Waiting for the first log events…" : "No log events"}
        actions={
          <ActionPanel>
            <OpenLogsInBrowser task={task} />
            <WorkActions {...context} />
          </ActionPanel>
        }
      />
    );
  }

  return (
    <List
      navigationTitle={title}
      isLoading={logs.loading || logs.following}
      isShowingDetail={logs.events.length > 0}
      selectedItemId={selected}
      onSelectionChange={(id) => {
        if (id) setSelected(id);
      }}
      searchBarPlaceholder="Filter log events"
    >
      {emptyView}
      {groupRuns(logs.events).map((run) => (
        <List.Section
          key={`run-${run.events[0].seq}`}
          title={run.agent ? agentLabel(run.agent) : undefined}
          subtitle={run.agent ? `${run.events.length} events` : undefined}
        >
          {run.events.map((event) => (
            <EventItem key={eventId(event)} {...context} event={event} />
          ))}
        </List.Section>
      ))}
    </List>
  );
}

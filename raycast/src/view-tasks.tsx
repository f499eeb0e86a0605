/**
 * View Tasks: the agent tasks from the running agentbar, in sections Needs you, Running, Recent
 * and Earlier, filtered by agent, status and time from the search bar's dropdown (remembered
 * between openings) and by agentbar itself. Reads agentbar's loopback API only; opening it never
 * starts agentbar. Launched with `{"continueTask": "<task key>"}` as its context (agentbar's tray
 * "Continue…" opens that deep link), it opens straight on that task's Continue Task form.
 */
import { Action, Icon, List, showToast, Toast, type LaunchProps } from "@raycast/api";
import { useEffect, useState } from "react";
import { ContinueTaskForm } from "./components/ContinueTaskForm";
import { AgentbarGate } from "./components/AgentbarGate";
import { FilterDropdown } from "./components/FilterDropdown";
import { ListActions } from "./components/ListActions";
import { TaskListItem } from "./components/TaskListItem";
import { TaskListEmptyView } from "./components/TaskListEmptyView";
import { CLEAR_CHOICE, dropdownValue, filterQuery, filterSummary, isFiltered } from "./helpers/filters";
import { ageText } from "./helpers/format";
import { listTitle } from "./helpers/problems";
import { groupTasks, taskRef } from "./helpers/tasks";
import { useAgentbarClient } from "./hooks/useAgentbarClient";
import { useTaskFilter } from "./hooks/useTaskFilter";
import { useTaskList } from "./hooks/useTaskList";

/** What a launch may carry: the task (its key) whose Continue form should open first. */
export interface ViewTasksContext {
  continueTask?: string;
}

export default function ViewTasks(props: Partial<LaunchProps<{ launchContext?: ViewTasksContext }>>) {
  const continueKey = props.launchContext?.continueTask;
  const client = useAgentbarClient();
  const { filter, ready, choose, setArchived } = useTaskFilter();
  // The dropdown shows the item last picked (this opening), else one derived from the filter.
  const [picked, setPicked] = useState<string | undefined>();
  const pick = (value: string) => {
    if (!ready) return;
    setPicked(value === CLEAR_CHOICE ? undefined : value);
    choose(value);
  };
  const query = filterQuery(filter).toString();
  const { state, isLoading, revalidate } = useTaskList(client, query, ready);
  const now = Date.now();
  const tasks = state.kind === "list" ? state.list.tasks : [];
  const sections = groupTasks(tasks, now);

  // The task the launch asked to continue, once the list has it; the list again after sending.
  const [continued, setContinued] = useState(false);
  const continuing =
    continueKey && !continued ? tasks.find((t) => taskRef(t) === continueKey || t.id === continueKey) : undefined;
  const missing = continueKey !== undefined && !continued && state.kind === "list" && !continuing;
  useEffect(() => {
    if (!missing) return;
    setContinued(true);
    void showToast({
      style: Toast.Style.Failure,
      title: "Task not found",
      message: `agentbar does not list ${continueKey} (any more)`,
    });
  }, [missing]);
  if (continuing)
    return (
      <ContinueTaskForm
        task={continuing}
        client={client}
        onContinued={() => {
          setContinued(true);
          revalidate();
        }}
      />
    );

  const title = listTitle(state, now, ageText);
  const summary = filterSummary(filter);
  const listActions = (
    <ListActions
      client={client}
      filter={filter}
      setArchived={setArchived}
      clearFilter={() => pick(CLEAR_CHOICE)}
      tasks={tasks}
      query={query}
      generatedAt={state.kind === "list" ? state.list.generated_at : new Date(now).toISOString()}
      revalidate={revalidate}
    />
  );

  return (
    <List
      isLoading={isLoading}
      navigationTitle={summary && title === "View Tasks" ? `View Tasks — ${summary}` : title}
      searchBarPlaceholder="Filter tasks by title or repository"
      searchBarAccessory={<FilterDropdown filter={filter} value={picked ?? dropdownValue(filter)} onChange={pick} />}
    >
      <AgentbarGate
        state={state}
        onRetry={revalidate}
        extraActions={
          isFiltered(filter) && (
            <Action title="Clear Filter" icon={Icon.XMarkCircle} onAction={() => pick(CLEAR_CHOICE)} />
          )
        }
      >
        <TaskListEmptyView
          client={client}
          revalidate={revalidate}
          filtered={summary !== ""}
          listActions={listActions}
        />
        {sections.map((section) => (
          <List.Section key={section.key} title={section.title} subtitle={String(section.tasks.length)}>
            {section.tasks.map((task) => (
              <TaskListItem
                key={taskRef(task)}
                task={task}
                now={now}
                client={client}
                revalidate={revalidate}
                listActions={listActions}
              />
            ))}
          </List.Section>
        ))}
      </AgentbarGate>
    </List>
  );
}

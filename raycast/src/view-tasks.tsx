/**
 * View Tasks: the coding-agent tasks from the running agentbar, in sections Needs you, Running,
 * Recent and Earlier. Reads agentbar's loopback API only; opening it never starts agentbar.
 */
import { List } from "@raycast/api";
import { AgentbarGate } from "./components/AgentbarGate";
import { TaskListItem } from "./components/TaskListItem";
import { ageText } from "./helpers/format";
import { listTitle } from "./helpers/problems";
import { groupTasks } from "./helpers/tasks";
import { useAgentbarClient } from "./hooks/useAgentbarClient";
import { useTaskList } from "./hooks/useTaskList";
import { TaskListEmptyView } from "./components/TaskListEmptyView";

export default function ViewTasks() {
  const client = useAgentbarClient();
  const { state, isLoading, revalidate } = useTaskList(client);
  const now = Date.now();
  const sections = state.kind === "list" ? groupTasks(state.list.tasks, now) : [];

  return (
    <List
      isLoading={isLoading}
      navigationTitle={listTitle(state, now, ageText)}
      searchBarPlaceholder="Filter tasks by title or repository"
    >
      <AgentbarGate state={state} onRetry={revalidate}>
        <TaskListEmptyView client={client} revalidate={revalidate} />
        {sections.map((section) => (
          <List.Section key={section.key} title={section.title} subtitle={String(section.tasks.length)}>
            {section.tasks.map((task) => (
              <TaskListItem key={task.id} task={task} now={now} client={client} revalidate={revalidate} />
            ))}
          </List.Section>
        ))}
      </AgentbarGate>
    </List>
  );
}

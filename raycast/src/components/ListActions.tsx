/**
 * The actions on the whole list, offered on every row and on the empty view: show or hide the
 * archived tasks, archive every finished task (after asking), export the shown list as JSON or
 * CSV, and clear the filter.
 */
import { Action, ActionPanel, Icon } from "@raycast/api";
import type { AgentbarClient } from "../api/client";
import type { Task } from "../api/types";
import { isFiltered, type TaskFilter } from "../helpers/filters";
import { archivableFinished, archiveAllFinished, exportList } from "./operations";
import { TOGGLE_ARCHIVED } from "./shortcuts";

export interface ListActionsProps {
  client: AgentbarClient;
  filter: TaskFilter;
  setArchived: (archived: boolean) => void;
  clearFilter: () => void;
  /** The tasks shown (already filtered by agentbar). */
  tasks: readonly Task[];
  /** The query that chose them, recorded in a JSON export. */
  query: string;
  generatedAt: string;
  revalidate: () => void;
}

export function ListActions(props: ListActionsProps) {
  const { filter, tasks } = props;
  return (
    <ActionPanel.Section title="List">
      <Action
        title={filter.archived ? "Hide Archived" : "Show Archived"}
        icon={filter.archived ? Icon.EyeDisabled : Icon.Eye}
        shortcut={TOGGLE_ARCHIVED}
        onAction={() => props.setArchived(!filter.archived)}
      />
      {!filter.archived && archivableFinished(tasks).length > 0 && (
        <Action
          title="Archive All Finished"
          icon={Icon.Tray}
          style={Action.Style.Destructive}
          onAction={() => archiveAllFinished(props.client, tasks, isFiltered(filter), props.revalidate)}
        />
      )}
      {tasks.length > 0 && (
        <ActionPanel.Submenu title="Export List" icon={Icon.Download}>
          <Action
            title="As JSON"
            icon={Icon.Code}
            onAction={() => exportList(tasks, "json", props.query, props.generatedAt)}
          />
          <Action
            title="As CSV"
            icon={Icon.List}
            onAction={() => exportList(tasks, "csv", props.query, props.generatedAt)}
          />
        </ActionPanel.Submenu>
      )}
      {isFiltered(filter) && <Action title="Clear Filter" icon={Icon.XMarkCircle} onAction={props.clearFilter} />}
    </ActionPanel.Section>
  );
}

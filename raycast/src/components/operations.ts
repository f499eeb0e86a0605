/**
 * What the task actions do, apart from the panels that offer them: archive and unarchive one
 * task, archive every finished one (after asking), export a log or the list into Downloads and
 * show it in Finder/Explorer. Every failure becomes a toast with agentbar's own words.
 */
import { Alert, confirmAlert, Icon, showInFinder, showToast, Toast } from "@raycast/api";
import os from "node:os";
import type { AgentbarClient } from "../api/client";
import { toAgentbarError } from "../api/errors";
import type { Task } from "../api/types";
import {
  downloadsDirectory,
  exportFileName,
  listExportName,
  logExportName,
  tasksCsv,
  tasksJson,
  writeNewFile,
} from "../helpers/export";
import { allows, isFinished, taskRef } from "../helpers/tasks";

function failureMessage(error: unknown): string {
  const failure = toAgentbarError(error);
  return failure.message;
}

/** `archive` or `unarchive` through the action door, then the list is read again. */
export async function setArchived(
  client: AgentbarClient,
  task: Task,
  action: "archive" | "unarchive",
  revalidate: () => void,
): Promise<void> {
  const verb = action === "archive" ? "Archiv" : "Unarchiv";
  const toast = await showToast({ style: Toast.Style.Animated, title: `${verb}ing task…` });
  try {
    const reply = await client.act(taskRef(task), action);
    toast.style = Toast.Style.Success;
    toast.title = `${verb}ed`;
    toast.message = reply.message ?? task.title;
    revalidate();
  } catch (error) {
    toast.style = Toast.Style.Failure;
    toast.title = `Could not ${action} the task`;
    toast.message = failureMessage(error);
  }
}

/** The finished tasks of the list that the server lets us archive. */
export function archivableFinished(tasks: readonly Task[]): Task[] {
  return tasks.filter((t) => isFinished(t) && allows(t, "archive"));
}

/**
 * Asks, then archives the finished tasks. Unfiltered, agentbar's own "archive all finished"
 * (`POST /v1/archive/finished`, what the tray and `agentbar archive --finished` do) in one
 * request. Filtered, only the finished tasks shown, one archive each through the action door, so
 * the filter is respected; one that fails is named and the others are archived.
 */
export async function archiveAllFinished(
  client: AgentbarClient,
  tasks: readonly Task[],
  filtered: boolean,
  revalidate: () => void,
): Promise<void> {
  const finished = archivableFinished(tasks);
  if (finished.length === 0) {
    await showToast({ style: Toast.Style.Success, title: "Nothing finished to archive" });
    return;
  }
  const plural = (n: number) => `${n} task${n === 1 ? "" : "s"}`;
  const confirmed = await confirmAlert({
    title: `Archive ${finished.length} finished task${finished.length === 1 ? "" : "s"}?`,
    message:
      (filtered ? "Only the finished tasks the filter shows. " : "") +
      "They leave the list and the counts, stay under Show Archived, and come back when they change state again. Nothing is deleted on GitHub.",
    icon: Icon.Tray,
    primaryAction: { title: "Archive All Finished", style: Alert.ActionStyle.Destructive },
  });
  if (!confirmed) return;
  const toast = await showToast({ style: Toast.Style.Animated, title: `Archiving ${plural(finished.length)}…` });
  if (!filtered) {
    try {
      const reply = await client.archiveFinished();
      toast.style = Toast.Style.Success;
      toast.title = `Archived ${plural(reply.count)}`;
    } catch (error) {
      toast.style = Toast.Style.Failure;
      toast.title = "Could not archive the finished tasks";
      toast.message = failureMessage(error);
    }
    revalidate();
    return;
  }
  const failures: string[] = [];
  for (const task of finished) {
    try {
      await client.act(taskRef(task), "archive");
    } catch (error) {
      failures.push(`${task.title}: ${failureMessage(error)}`);
    }
  }
  const done = finished.length - failures.length;
  if (failures.length === 0) {
    toast.style = Toast.Style.Success;
    toast.title = `Archived ${plural(done)}`;
  } else {
    toast.style = Toast.Style.Failure;
    toast.title = `Archived ${done} of ${finished.length}; ${failures.length} failed`;
    toast.message = failures.join("\n");
  }
  revalidate();
}

/** Saves `content` as a new file in Downloads and shows it in Finder/Explorer. */
async function saveToDownloads(name: string, content: string): Promise<string> {
  const file = await writeNewFile(downloadsDirectory(os.homedir()), name, content);
  await showInFinder(file);
  return file;
}

/** The task's whole log as Markdown (redacted by agentbar), saved to Downloads. */
export async function exportLog(client: AgentbarClient, task: Task): Promise<void> {
  const toast = await showToast({ style: Toast.Style.Animated, title: "Exporting log…" });
  try {
    const log = await client.exportLog(taskRef(task), "markdown");
    const file = await saveToDownloads(exportFileName(log.filename, "md") ?? logExportName(task, "md"), log.text);
    toast.style = Toast.Style.Success;
    toast.title = "Log exported";
    toast.message = file;
  } catch (error) {
    toast.style = Toast.Style.Failure;
    toast.title = "Could not export the log";
    toast.message = failureMessage(error);
  }
}

/** The shown (filtered) list as JSON or CSV, saved to Downloads. */
export async function exportList(
  tasks: readonly Task[],
  format: "json" | "csv",
  query: string,
  generatedAt: string,
): Promise<void> {
  try {
    const content = format === "csv" ? tasksCsv(tasks) : tasksJson(tasks, query, generatedAt);
    const file = await saveToDownloads(listExportName(new Date(), format), content);
    await showToast({
      style: Toast.Style.Success,
      title: `Exported ${tasks.length} task${tasks.length === 1 ? "" : "s"}`,
      message: file,
    });
  } catch (error) {
    await showToast({ style: Toast.Style.Failure, title: "Could not export the list", message: failureMessage(error) });
  }
}

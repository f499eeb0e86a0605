/**
 * One task row: status icon tinted by bucket, title, repository, then error, a note when part of
 * the task is missing, the branch of a task without a pull request, the custom agent, progress,
 * usage and age.
 */
import { Color, Icon, List } from "@raycast/api";
import type { ReactNode } from "react";
import type { AgentbarClient } from "../api/client";
import type { Task } from "../api/types";
import { bucketAppearance } from "../helpers/appearance";
import { ageText, branchText, exactTime, rowTime, usageText } from "../helpers/format";
import { searchKeywords, taskRef } from "../helpers/tasks";
import { TaskActions } from "./TaskActions";

export function taskAccessories(task: Task, now: number): List.Item.Accessory[] {
  const accessories: List.Item.Accessory[] = [];
  if (task.error) {
    accessories.push({
      text: { value: task.error.message, color: Color.Red },
      icon: { source: Icon.ExclamationMark, tintColor: Color.Red },
      tooltip: task.error.code ? `${task.error.code}: ${task.error.message}` : task.error.message,
    });
  }
  if (task.note) {
    accessories.push({ icon: { source: Icon.Info, tintColor: Color.Orange }, tooltip: task.note });
  }
  if (!task.pull_request && task.branch) {
    accessories.push({ tag: task.branch.head_ref, icon: Icon.Switch, tooltip: branchText(task.branch) });
  }
  if (task.custom_agent) accessories.push({ tag: task.custom_agent, tooltip: "Custom agent" });
  if (task.progress) accessories.push({ tag: task.progress, tooltip: "Progress" });
  if (task.usage) accessories.push({ text: usageText(task.usage), tooltip: `Usage: ${task.usage.label}` });
  const time = rowTime(task);
  const age = ageText(time.iso, now);
  if (age) accessories.push({ text: age, tooltip: `${time.verb} ${exactTime(time.iso)}` });
  return accessories;
}

export function TaskListItem(props: {
  task: Task;
  now: number;
  client: AgentbarClient;
  revalidate: () => void;
  listActions?: ReactNode;
}) {
  const { task, now } = props;
  const look = bucketAppearance(task.bucket);
  return (
    <List.Item
      id={taskRef(task)}
      icon={{ value: { source: Icon[look.icon], tintColor: Color[look.tint] }, tooltip: task.label }}
      title={task.title}
      subtitle={task.repository ?? undefined}
      keywords={searchKeywords(task)}
      accessories={taskAccessories(task, now)}
      actions={
        <TaskActions task={task} client={props.client} revalidate={props.revalidate} listActions={props.listActions} />
      }
    />
  );
}

/**
 * Continue Task: a follow-up prompt for a task that waits or has finished. agentbar sends it as
 * the `continue` action; for a Copilot task the agent goes on on the same branch or pull request.
 * GitHub's refusals (plan, permissions, no branch) come back in agentbar's words.
 */
import { Action, ActionPanel, Form, Icon, showToast, Toast, useNavigation } from "@raycast/api";
import { useState } from "react";
import type { AgentbarClient } from "../api/client";
import { toAgentbarError } from "../api/errors";
import type { Task } from "../api/types";
import { MAX_PROMPT_CHARS, promptProblem } from "../helpers/prompts";
import { openWebPage } from "../helpers/open-url";
import { taskRef } from "../helpers/tasks";

export interface ContinueValues {
  prompt: string;
}

/** Sends the follow-up; true when agentbar accepted it. */
export async function continueTask(client: AgentbarClient, task: Task, prompt: string): Promise<boolean> {
  const toast = await showToast({ style: Toast.Style.Animated, title: "Sending follow-up…" });
  try {
    const reply = await client.act(taskRef(task), "continue", { prompt: prompt.trim() });
    toast.style = Toast.Style.Success;
    toast.title = "Follow-up sent";
    toast.message = reply.message ?? task.title;
    const url = reply.url;
    if (url)
      toast.primaryAction = { title: "Open Task Page", onAction: () => void openWebPage(url).catch(() => undefined) };
    return true;
  } catch (error) {
    toast.style = Toast.Style.Failure;
    toast.title = "Could not continue the task";
    toast.message = toAgentbarError(error).message;
    return false;
  }
}

export function ContinueTaskForm(props: { task: Task; client: AgentbarClient; onContinued?: () => void }) {
  const { task, client } = props;
  const { pop } = useNavigation();
  const [promptError, setPromptError] = useState<string | undefined>();

  async function submit(values: ContinueValues) {
    const problem = promptProblem(values.prompt);
    setPromptError(problem);
    if (problem) return;
    if (await continueTask(client, task, values.prompt)) {
      props.onContinued?.();
      pop();
    }
  }

  return (
    <Form
      navigationTitle="Continue Task"
      actions={
        <ActionPanel>
          <Action.SubmitForm title="Continue Task" icon={Icon.Reply} onSubmit={submit} />
        </ActionPanel>
      }
    >
      <Form.Description title="Task" text={task.repository ? `${task.title} — ${task.repository}` : task.title} />
      <Form.TextArea
        id="prompt"
        title="Follow-up"
        placeholder="What should the agent do next?"
        info={`The agent goes on on the task's branch or pull request. At most ${MAX_PROMPT_CHARS.toLocaleString("en-US")} characters.`}
        error={promptError}
        onChange={() => promptError && setPromptError(undefined)}
        autoFocus
      />
    </Form>
  );
}

/**
 * Create Task: starts a coding-agent task through agentbar (`POST /v1/tasks`). The repository is
 * picked from the repositories of recent tasks or typed; model and custom agent come from the
 * lists agentbar reads from the Copilot API, and when a list cannot be read the form still works
 * (the default, or a typed model or custom agent name) and says why.
 */
import { Action, ActionPanel, Form, Icon, popToRoot, showToast, Toast } from "@raycast/api";
import { useCachedPromise } from "@raycast/utils";
import { useState } from "react";
import type { AgentbarClient } from "./api/client";
import { toAgentbarError } from "./api/errors";
import type { CreateTaskRequest } from "./api/types";
import { openWebPage } from "./helpers/open-url";
import { describeProblem } from "./helpers/problems";
import { branchProblem, MAX_PROMPT_CHARS, promptProblem, repositoryProblem } from "./helpers/prompts";
import { recentRepositories } from "./helpers/tasks";
import { useAgentbarClient } from "./hooks/useAgentbarClient";

/** The repository dropdown's item for typing one. */
export const OTHER_REPOSITORY = "__other__";
/** The model and custom agent dropdowns' item for "let Copilot choose" / "none". */
export const DEFAULT_CHOICE = "";

export interface CreateTaskValues {
  repoChoice?: string;
  repoText?: string;
  prompt: string;
  baseRef?: string;
  model?: string;
  modelText?: string;
  customAgent?: string;
  customAgentText?: string;
  createPullRequest?: boolean;
}

type FieldErrors = Partial<Record<"repo" | "prompt" | "baseRef", string>>;

/** The request for the form's values, or the problems to show next to the fields. */
export function createRequest(values: CreateTaskValues): { request?: CreateTaskRequest; errors: FieldErrors } {
  const repo = (
    values.repoChoice && values.repoChoice !== OTHER_REPOSITORY ? values.repoChoice : (values.repoText ?? "")
  ).trim();
  const errors: FieldErrors = {
    repo: repositoryProblem(repo),
    prompt: promptProblem(values.prompt),
    baseRef: branchProblem(values.baseRef),
  };
  if (errors.repo || errors.prompt || errors.baseRef) return { errors };
  const request: CreateTaskRequest = { repo, prompt: values.prompt.trim() };
  const base = values.baseRef?.trim();
  if (base) request.base_ref = base;
  const model = (values.model || values.modelText || "").trim();
  if (model) request.model = model;
  const agent = (values.customAgent || values.customAgentText || "").trim();
  if (agent) request.custom_agent = agent;
  request.create_pull_request = values.createPullRequest ?? true;
  return { request, errors: {} };
}

/** Starts the task; toasts the outcome with a way to open it. True when agentbar accepted it. */
export async function startTask(client: AgentbarClient, request: CreateTaskRequest): Promise<boolean> {
  const toast = await showToast({ style: Toast.Style.Animated, title: "Starting task…" });
  try {
    const { task, message } = await client.createTask(request);
    toast.style = Toast.Style.Success;
    toast.title = "Task started";
    toast.message = task ? `${task.title} — ${request.repo}` : (message ?? request.repo);
    if (task) {
      toast.primaryAction = {
        title: "Open Task Page",
        onAction: () => void openWebPage(task.url).catch(() => undefined),
      };
    }
    return true;
  } catch (error) {
    toast.style = Toast.Style.Failure;
    toast.title = "Could not start the task";
    toast.message = toAgentbarError(error).message;
    return false;
  }
}

/** Why a list is not offered, in words: an agentbar that does not serve it, or the failure. */
export function listProblem(what: string, error: Error): string {
  const failure = toAgentbarError(error);
  if (failure.details.status === 404 || failure.kind === "not-implemented") {
    return `This agentbar does not offer the ${what}; type a name, or leave it empty for the default.`;
  }
  return `The ${what} could not be read (${failure.message}); type a name, or leave it empty for the default.`;
}

/** Failures show in the form (a description, a field's info), never as a toast over it. */
const QUIET = { keepPreviousData: true, onError: () => undefined };

export default function CreateTask() {
  const client = useAgentbarClient();
  const [repoChoice, setRepoChoice] = useState<string>("");
  const [repoText, setRepoText] = useState("");
  const [errors, setErrors] = useState<FieldErrors>({});

  const tasks = useCachedPromise(() => client.tasks(), [], QUIET);
  const models = useCachedPromise(() => client.models(), [], QUIET);
  const recent = tasks.data ? recentRepositories(tasks.data.tasks) : [];
  // The dropdown shows the newest repository until another is picked.
  const choice = repoChoice || recent[0] || OTHER_REPOSITORY;
  const typing = choice === OTHER_REPOSITORY;
  const chosenRepo = (typing ? repoText : choice).trim();
  // Asked for a picked repository only: a typed one would ask GitHub at every keystroke.
  const agents = useCachedPromise((repo: string) => client.customAgents(repo), [chosenRepo], {
    onError: QUIET.onError,
    execute: !typing && repositoryProblem(chosenRepo) === undefined,
  });
  const problem = tasks.error
    ? describeProblem({ kind: toAgentbarError(tasks.error).kind, message: tasks.error.message })
    : null;
  const agentList = typing || agents.error ? undefined : agents.data;

  async function submit(values: CreateTaskValues) {
    const { request, errors } = createRequest({ ...values, repoChoice: choice, repoText });
    setErrors(errors);
    if (request && (await startTask(client, request))) await popToRoot({ clearSearchBar: true });
  }

  return (
    <Form
      isLoading={tasks.isLoading || models.isLoading || agents.isLoading}
      actions={
        <ActionPanel>
          <Action.SubmitForm title="Create Task" icon={Icon.Plus} onSubmit={submit} />
        </ActionPanel>
      }
    >
      {problem && <Form.Description title={problem.title} text={problem.description} />}
      {recent.length > 0 && (
        <Form.Dropdown
          id="repoChoice"
          title="Repository"
          value={choice}
          onChange={setRepoChoice}
          error={typing ? undefined : errors.repo}
        >
          <Form.Dropdown.Section title="Recent">
            {recent.map((repo) => (
              <Form.Dropdown.Item key={repo} value={repo} title={repo} icon={Icon.Code} />
            ))}
          </Form.Dropdown.Section>
          <Form.Dropdown.Item value={OTHER_REPOSITORY} title="Other Repository…" icon={Icon.Pencil} />
        </Form.Dropdown>
      )}
      {typing && (
        <Form.TextField
          id="repoText"
          title={recent.length > 0 ? "Other Repository" : "Repository"}
          placeholder="owner/name"
          value={repoText}
          onChange={setRepoText}
          error={errors.repo}
        />
      )}
      <Form.TextArea
        id="prompt"
        title="Prompt"
        placeholder="What should the agent do?"
        info={`At most ${MAX_PROMPT_CHARS.toLocaleString("en-US")} characters.`}
        error={errors.prompt}
        onChange={() => errors.prompt && setErrors({ ...errors, prompt: undefined })}
      />
      <Form.TextField
        id="baseRef"
        title="Base Branch"
        placeholder="The repository's default branch"
        error={errors.baseRef}
      />
      {models.data && models.data.length > 0 ? (
        <Form.Dropdown id="model" title="Model" defaultValue={DEFAULT_CHOICE}>
          <Form.Dropdown.Item value={DEFAULT_CHOICE} title="Default" />
          {models.data.map((m) => (
            <Form.Dropdown.Item key={m.id} value={m.id} title={m.name} />
          ))}
        </Form.Dropdown>
      ) : (
        <Form.TextField
          id="modelText"
          title="Model"
          placeholder="Default (or a model's name)"
          info={models.error ? listProblem("model list", models.error) : undefined}
        />
      )}
      {agentList && agentList.length > 0 ? (
        <Form.Dropdown id="customAgent" title="Custom Agent" defaultValue={DEFAULT_CHOICE}>
          <Form.Dropdown.Item value={DEFAULT_CHOICE} title="None" />
          {agentList.map((a) => (
            <Form.Dropdown.Item key={a.id} value={a.id} title={a.name} />
          ))}
        </Form.Dropdown>
      ) : (
        <Form.TextField
          id="customAgentText"
          title="Custom Agent"
          placeholder="None (or the agent's file name, without extension)"
          info={
            agents.error
              ? listProblem("repository's custom agents", agents.error)
              : "Pick a recent repository to choose from its custom agents, or type the agent's name."
          }
        />
      )}
      <Form.Checkbox id="createPullRequest" label="Open a pull request" defaultValue={true} />
    </Form>
  );
}

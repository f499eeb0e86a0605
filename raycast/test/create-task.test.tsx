// The Create Task command against a fake agentbar: repositories of recent tasks offered first
// with free text as the other choice, models and custom agents from agentbar's lists with
// fallbacks when those cannot be read, the checks next to the fields, and the POST /v1/tasks it
// sends, with GitHub's refusal shown in words.
import { popToRoot } from "@raycast/api";
import { act, type ReactTestRenderer } from "react-test-renderer";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import CreateTask, { OTHER_REPOSITORY, type CreateTaskValues } from "../src/create-task";
import { decodeTaskList } from "../src/api/decode";
import { recentRepositories } from "../src/helpers/tasks";
import { closedPort, example, startFakeAgentbar, TOKEN, type FakeAgentbar, type Route } from "./fake-agentbar";
import { setPreferences, toasts } from "./mocks/raycast-api";
import { all, one, render, unmount, waitFor } from "./render";

const list = decodeTaskList(example("v1-tasks"));
const recent = recentRepositories(list.tasks);
const created = (example("v1-tasks") as { tasks: object[] }).tasks[0];

let fake: FakeAgentbar | undefined;
let form: ReactTestRenderer | undefined;

beforeEach(() => {
  toasts.length = 0;
  vi.mocked(popToRoot).mockClear();
});

afterEach(async () => {
  if (form) await unmount(form);
  form = undefined;
  await fake?.close();
  fake = undefined;
});

async function openWith(routes: Record<string, Route>) {
  fake = await startFakeAgentbar(routes);
  setPreferences({ apiUrl: fake.url, apiToken: TOKEN });
  form = await render(<CreateTask />);
  await waitFor(() => expect(one(form!, "Form").props.isLoading).toBe(false));
  return form;
}

const field = (renderer: ReactTestRenderer, id: string) =>
  all(renderer, "Form.TextField")
    .concat(all(renderer, "Form.TextArea"), all(renderer, "Form.Dropdown"), all(renderer, "Form.Checkbox"))
    .find((f) => f.props.id === id);
const itemsOf = (renderer: ReactTestRenderer, id: string) =>
  all(field(renderer, id)!, "Form.Dropdown.Item").map((i) => i.props.value);

async function submit(renderer: ReactTestRenderer, values: Partial<CreateTaskValues>) {
  await act(async () => one(renderer, "Action.SubmitForm").props.onSubmit({ prompt: "", ...values }));
}

const posted = () =>
  fake!.requests.filter((r) => r.method === "POST" && r.path === "/v1/tasks").map((r) => JSON.parse(r.body));

const LISTS: Record<string, Route> = {
  "GET /v1/tasks": { body: example("v1-tasks") },
  "GET /v1/models": {
    body: {
      models: [
        { id: "gpt-5", name: "GPT-5" },
        { id: "claude-sonnet-4.5", name: "Claude Sonnet 4.5" },
      ],
    },
  },
  "GET /v1/custom-agents": ({ query }) => ({
    body: { custom_agents: query.get("repo") === recent[0] ? [{ id: "reviewer", name: "Reviewer" }] : [] },
  }),
};

describe("Create Task", () => {
  it("offers recent repositories, the models and the chosen repository's custom agents", async () => {
    const f = await openWith(LISTS);
    expect(recent.length).toBeGreaterThan(1);
    expect(field(f, "repoChoice")!.props.value).toBe(recent[0]);
    expect(itemsOf(f, "repoChoice")).toEqual([...recent, OTHER_REPOSITORY]);
    expect(field(f, "repoText")).toBeUndefined();
    expect(itemsOf(f, "model")).toEqual(["", "gpt-5", "claude-sonnet-4.5"]);
    await waitFor(() => expect(itemsOf(f, "customAgent")).toEqual(["", "reviewer"]));
    expect(fake!.requests.map((r) => r.path)).toContain(`/v1/custom-agents?repo=${encodeURIComponent(recent[0])}`);

    // Another repository can be typed; its agents are then typed too (no request per keystroke).
    await act(async () => field(f, "repoChoice")!.props.onChange(OTHER_REPOSITORY));
    expect(field(f, "repoText")).toBeDefined();
    await act(async () => field(f, "repoText")!.props.onChange("octocat/hello-world"));
    expect(field(f, "customAgent")).toBeUndefined();
    expect(field(f, "customAgentText")).toBeDefined();
    expect(fake!.requests.filter((r) => r.path.startsWith("/v1/custom-agents"))).toHaveLength(1);
  });

  it("sends POST /v1/tasks with what was chosen, then returns to the root", async () => {
    const f = await openWith({ ...LISTS, "POST /v1/tasks": { status: 201, body: created } });
    await submit(f, {
      prompt: "  Add rate limiting to the API  ",
      baseRef: "develop",
      model: "gpt-5",
      customAgent: "reviewer",
      createPullRequest: false,
    });
    expect(posted()).toEqual([
      {
        repo: recent[0],
        prompt: "Add rate limiting to the API",
        base_ref: "develop",
        model: "gpt-5",
        custom_agent: "reviewer",
        create_pull_request: false,
      },
    ]);
    expect(toasts.at(-1)).toMatchObject({ style: "success", title: "Task started" });
    expect(toasts.at(-1)!.primaryAction?.title).toBe("Open Task Page");
    expect(popToRoot).toHaveBeenCalledTimes(1);

    // A typed repository, the defaults left alone: only what was given is sent.
    await act(async () => field(f, "repoChoice")!.props.onChange(OTHER_REPOSITORY));
    await act(async () => field(f, "repoText")!.props.onChange("octocat/hello-world"));
    await submit(f, { prompt: "Fix the typo", model: "", customAgentText: "  " });
    expect(posted()[1]).toEqual({ repo: "octocat/hello-world", prompt: "Fix the typo", create_pull_request: true });
  });

  it("says what agentbar said when GitHub took the task but the list does not show it yet (202)", async () => {
    const message = "GitHub started the task; it shows in the list at the next poll";
    const f = await openWith({ ...LISTS, "POST /v1/tasks": { status: 202, body: { id: "t9", message } } });
    await submit(f, { prompt: "Add rate limiting" });
    expect(toasts.at(-1)).toMatchObject({ style: "success", title: "Task started", message });
    expect(toasts.at(-1)!.primaryAction).toBeUndefined();
    expect(popToRoot).toHaveBeenCalledTimes(1);
  });

  it("checks the fields before sending anything", async () => {
    const f = await openWith(LISTS);
    await act(async () => field(f, "repoChoice")!.props.onChange(OTHER_REPOSITORY));
    await act(async () => field(f, "repoText")!.props.onChange("not a repo"));
    await submit(f, { prompt: " ", baseRef: "bad..branch" });
    expect(field(f, "repoText")!.props.error).toBe("Write it as owner/name");
    expect(field(f, "prompt")!.props.error).toBe("Write what the agent should do");
    expect(field(f, "baseRef")!.props.error).toBe("Not a valid branch name");
    expect(posted()).toEqual([]);
  });

  it("shows GitHub's refusal in agentbar's words and keeps the form", async () => {
    const f = await openWith({
      ...LISTS,
      "POST /v1/tasks": {
        status: 403,
        body: {
          error: {
            code: "upstream_forbidden",
            message: "GitHub: Copilot coding agent is not enabled for this repository",
          },
        },
      },
    });
    await submit(f, { prompt: "Add rate limiting" });
    expect(toasts.at(-1)).toMatchObject({
      style: "failure",
      title: "Could not start the task",
      message: "GitHub: Copilot coding agent is not enabled for this repository",
    });
    expect(popToRoot).not.toHaveBeenCalled();
  });

  it("falls back when the lists cannot be read: default model, typed repository and agent", async () => {
    const f = await openWith({
      "GET /v1/tasks": { body: { ...(example("v1-tasks") as object), tasks: [] } },
      "GET /v1/models": { status: 502, body: { error: { code: "upstream_error", message: "GitHub answered 500" } } },
    });
    expect(field(f, "repoChoice")).toBeUndefined();
    expect(field(f, "repoText")!.props.title).toBe("Repository");
    expect(field(f, "model")).toBeUndefined();
    expect(field(f, "modelText")!.props.info).toBe(
      "The model list could not be read (GitHub answered 500); type a name, or leave it empty for the default.",
    );
    expect(field(f, "customAgentText")).toBeDefined();
  });

  it("works with an agentbar that serves no lists: typed model and agent, said in words", async () => {
    const f = await openWith({
      "GET /v1/tasks": { body: example("v1-tasks") },
      "GET /v1/models": { status: 404, body: { error: { code: "not_found", message: "no route GET /v1/models" } } },
      "GET /v1/custom-agents": { status: 404, body: { error: { code: "not_found", message: "no route" } } },
      "POST /v1/tasks": { status: 201, body: created },
    });
    expect(field(f, "modelText")!.props.info).toBe(
      "This agentbar does not offer the model list; type a name, or leave it empty for the default.",
    );
    await waitFor(() =>
      expect(field(f, "customAgentText")!.props.info).toBe(
        "This agentbar does not offer the repository's custom agents; type a name, or leave it empty for the default.",
      ),
    );
    await submit(f, { prompt: "Add rate limiting", modelText: " gpt-5 ", customAgentText: "reviewer" });
    expect(posted()).toEqual([
      {
        repo: recent[0],
        prompt: "Add rate limiting",
        model: "gpt-5",
        custom_agent: "reviewer",
        create_pull_request: true,
      },
    ]);
  });

  it("says when agentbar is not running, without starting it", async () => {
    const port = await closedPort();
    setPreferences({ apiUrl: `http://127.0.0.1:${port}`, apiToken: TOKEN });
    form = await render(<CreateTask />);
    const description = await waitFor(() => one(form!, "Form.Description"));
    expect(description.props.title).toBe("agentbar is not running");
    expect(field(form, "repoText")).toBeDefined();
  });
});

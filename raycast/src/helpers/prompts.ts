/**
 * Checks of what people type into the Continue and Create forms, before anything is sent:
 * the same bounds agentbar applies, so the form says what is wrong next to the field.
 */

/** The longest prompt agentbar sends, in characters (Unicode code points, as agentbar counts). */
export const MAX_PROMPT_CHARS = 8_000;

/** Why the prompt cannot be sent, or undefined when it can. */
export function promptProblem(prompt: string | undefined): string | undefined {
  const text = prompt?.trim() ?? "";
  if (text === "") return "Write what the agent should do";
  const chars = [...text].length;
  if (chars > MAX_PROMPT_CHARS) {
    return `At most ${MAX_PROMPT_CHARS.toLocaleString("en-US")} characters (this one has ${chars.toLocaleString("en-US")})`;
  }
  return undefined;
}

const REPOSITORY = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})\/[A-Za-z0-9._-]{1,100}$/;

/** Why the repository cannot be used, or undefined for `owner/name`. */
export function repositoryProblem(repo: string | undefined): string | undefined {
  const text = repo?.trim() ?? "";
  if (text === "") return "Choose or type a repository";
  if (!REPOSITORY.test(text) || text.endsWith("/.") || text.endsWith("/..")) return "Write it as owner/name";
  return undefined;
}

/** Why the branch name cannot be used (git's rules, the common part), or undefined. */
export function branchProblem(branch: string | undefined): string | undefined {
  const text = branch?.trim() ?? "";
  if (text === "") return undefined;
  if (/[\s~^:?*[\\]|\.\.|@\{|^[/.-]|[/.]$|\.lock$|\/\//.test(text)) return "Not a valid branch name";
  return undefined;
}

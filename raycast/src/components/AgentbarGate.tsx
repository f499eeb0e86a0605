/**
 * Renders its children (the task sections) only when there is a usable list; otherwise the
 * empty view saying what is wrong and how to recover. Never a spinner without an end: the
 * client bounds every request, and an error always lands here.
 */
import type { ReactNode } from "react";
import type { ListState } from "../helpers/problems";
import { ProblemEmptyView } from "./ProblemEmptyView";

export function AgentbarGate(props: {
  state: ListState;
  onRetry: () => void;
  /** Offered first on the problem's empty view (say, clearing a filter agentbar refused). */
  extraActions?: ReactNode;
  children: ReactNode;
}) {
  if (props.state.kind === "blocked") {
    return <ProblemEmptyView blocker={props.state.blocker} onRetry={props.onRetry} extraActions={props.extraActions} />;
  }
  if (props.state.kind === "loading") return null;
  return <>{props.children}</>;
}

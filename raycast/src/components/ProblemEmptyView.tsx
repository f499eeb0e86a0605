/** A recoverable empty view for a blocker: what happened, what to do, and actions to do it. */
import { Action, ActionPanel, Icon, Keyboard, List, openExtensionPreferences } from "@raycast/api";
import type { ReactNode } from "react";
import { describeProblem, type Blocker } from "../helpers/problems";

export function ProblemEmptyView(props: { blocker: Blocker; onRetry: () => void; extraActions?: ReactNode }) {
  const text = describeProblem(props.blocker);
  return (
    <List.EmptyView
      icon={Icon[text.icon]}
      title={text.title}
      description={text.description}
      actions={
        <ActionPanel>
          {props.extraActions}
          <Action title="Try Again" icon={Icon.ArrowClockwise} onAction={props.onRetry} />
          {text.command && (
            <Action.CopyToClipboard
              title="Copy Command"
              content={text.command}
              shortcut={Keyboard.Shortcut.Common.Copy}
            />
          )}
          <Action title="Open Extension Preferences" icon={Icon.Gear} onAction={openExtensionPreferences} />
        </ActionPanel>
      }
    />
  );
}

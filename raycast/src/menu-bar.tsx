/**
 * Agents in Menu Bar: how many tasks need you and how many run, as the menu-bar title (nothing
 * but the icon when both are zero), with a row per task that opens its pull request. Raycast runs
 * it every minute (`interval` in the manifest) and each time the menu opens; every run asks
 * agentbar once. It never starts agentbar: when agentbar is not running, the menu says so.
 */
import { Clipboard, Color, Icon, MenuBarExtra, openExtensionPreferences } from "@raycast/api";
import { useCachedPromise } from "@raycast/utils";
import { toAgentbarError } from "./api/errors";
import { bucketAppearance } from "./helpers/appearance";
import { menuBarView, type MenuBarRow } from "./helpers/menu-bar";
import { openWebPage } from "./helpers/open-url";
import { listState } from "./helpers/problems";
import { useAgentbarClient } from "./hooks/useAgentbarClient";
import { refreshNow } from "./components/TaskActions";

function Rows(props: { title: string; rows: MenuBarRow[]; bucket: "waiting" | "running" }) {
  if (props.rows.length === 0) return null;
  const look = bucketAppearance(props.bucket);
  return (
    <MenuBarExtra.Section title={`${props.title} (${props.rows.length})`}>
      {props.rows.map((row) => (
        <MenuBarExtra.Item
          key={row.id}
          icon={{ source: Icon[look.icon], tintColor: Color[look.tint] }}
          title={row.title}
          subtitle={row.subtitle}
          tooltip={row.tooltip}
          onAction={() => openWebPage(row.url)}
        />
      ))}
    </MenuBarExtra.Section>
  );
}

export default function AgentsMenuBar() {
  const client = useAgentbarClient();
  const { data, error, isLoading, revalidate } = useCachedPromise(() => client.tasks(), [], {
    keepPreviousData: true,
    // The menu itself says what is wrong; a toast cannot show from the menu bar.
    onError: () => undefined,
  });
  const state = listState(data, error ? toAgentbarError(error) : undefined);
  const view = menuBarView(state);
  const offline = state.kind === "list" ? state.offline : null;

  return (
    <MenuBarExtra
      icon={{ source: "menu-bar-icon.png", tintColor: Color.PrimaryText }}
      title={view.title}
      tooltip={view.tooltip}
      isLoading={isLoading}
    >
      {view.problem && (
        <MenuBarExtra.Section>
          <MenuBarExtra.Item icon={Icon.Warning} title={view.problem.title} tooltip={view.problem.description} />
          <MenuBarExtra.Item title={view.problem.description} />
          {view.problem.command && (
            <MenuBarExtra.Item
              icon={Icon.Clipboard}
              title={`Copy “${view.problem.command}”`}
              onAction={() => Clipboard.copy(view.problem!.command!)}
            />
          )}
          <MenuBarExtra.Item icon={Icon.Gear} title="Open Extension Preferences" onAction={openExtensionPreferences} />
        </MenuBarExtra.Section>
      )}
      {offline && <MenuBarExtra.Item icon={Icon.WifiDisabled} title="Offline — showing the last list" />}
      <Rows title="Needs you" rows={view.needsYou} bucket="waiting" />
      <Rows title="Running" rows={view.running} bucket="running" />
      {state.kind === "list" && view.needsYou.length + view.running.length === 0 && (
        <MenuBarExtra.Item icon={Icon.Checkmark} title="Nothing needs you, nothing runs" />
      )}
      {state.kind !== "blocked" && (
        <MenuBarExtra.Section>
          <MenuBarExtra.Item
            icon={Icon.ArrowClockwise}
            title="Refresh"
            onAction={() => refreshNow(client, revalidate)}
          />
        </MenuBarExtra.Section>
      )}
    </MenuBarExtra>
  );
}

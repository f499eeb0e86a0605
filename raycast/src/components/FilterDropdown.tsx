/**
 * The search bar's dropdown: sections Agent, Status and Time. Picking an item changes that part
 * of the filter and keeps the others; the current choice of each part is ticked, and the list's
 * title names the whole filter.
 */
import { Icon, List } from "@raycast/api";
import { CLEAR_CHOICE, dropdownSections, isFiltered, type TaskFilter } from "../helpers/filters";

export function FilterDropdown(props: { filter: TaskFilter; value: string; onChange: (value: string) => void }) {
  return (
    <List.Dropdown tooltip="Filter by agent, status and time" value={props.value} onChange={props.onChange}>
      {isFiltered(props.filter) && (
        <List.Dropdown.Section>
          <List.Dropdown.Item value={CLEAR_CHOICE} title="Clear Filter" icon={Icon.XMarkCircle} />
        </List.Dropdown.Section>
      )}
      {dropdownSections(props.filter).map((section) => (
        <List.Dropdown.Section key={section.title} title={section.title}>
          {section.items.map((item) => (
            <List.Dropdown.Item
              key={item.value}
              value={item.value}
              title={item.title}
              icon={item.selected ? Icon.CheckCircle : Icon.Circle}
            />
          ))}
        </List.Dropdown.Section>
      ))}
    </List.Dropdown>
  );
}

//! The menu model made real with muda (through `tray_icon::menu`): built once per shape, then
//! updated in place (label, enabled, checked) for as long as the shape stays the same, so a new
//! snapshot does not rebuild the menu under the user's pointer.

use std::collections::HashMap;

use tray_icon::menu::{
    CheckMenuItem, Icon, IsMenuItem, Menu, MenuItem, PredefinedMenuItem, Submenu,
};

use super::icon::{self, Tone};
use super::menu::{Entry, EntryKind};

/// Menus draw item images at 16×16 (muda scales to it on Linux).
const ROW_ICON_SIZE: u32 = 16;

/// The task rows' dots, one per [`Tone`], drawn once for the app's life: a rebuilt menu only
/// clones them.
pub struct RowIcons(Vec<(Tone, Icon)>);

impl RowIcons {
    pub fn draw() -> RowIcons {
        RowIcons(
            Tone::ALL
                .iter()
                .filter_map(|&tone| {
                    let image = icon::dot(tone, ROW_ICON_SIZE);
                    match Icon::from_rgba(image.pixels, image.width, image.height) {
                        Ok(icon) => Some((tone, icon)),
                        Err(e) => {
                            tracing::warn!(error = %e, "cannot make a row icon");
                            None
                        }
                    }
                })
                .collect(),
        )
    }

    fn get(&self, tone: Tone) -> Option<Icon> {
        self.0
            .iter()
            .find(|(t, _)| *t == tone)
            .map(|(_, icon)| icon.clone())
    }
}

enum NativeItem {
    Item(MenuItem),
    Check(CheckMenuItem),
    Submenu(Submenu),
    Separator(PredefinedMenuItem),
}

impl NativeItem {
    fn as_item(&self) -> &dyn IsMenuItem {
        match self {
            NativeItem::Item(i) => i,
            NativeItem::Check(c) => c,
            NativeItem::Submenu(s) => s,
            NativeItem::Separator(p) => p,
        }
    }
}

/// A muda menu and its items by model key.
pub struct NativeMenu {
    pub menu: Menu,
    items: HashMap<String, NativeItem>,
}

/// muda reads `&` as a mnemonic marker (`&&` is a literal `&`); titles come from users.
fn label(text: &str) -> String {
    text.replace('&', "&&")
}

impl NativeMenu {
    pub fn build(
        entries: &[Entry],
        icons: &RowIcons,
    ) -> Result<NativeMenu, tray_icon::menu::Error> {
        let mut native = NativeMenu {
            menu: Menu::new(),
            items: HashMap::new(),
        };
        for entry in entries {
            let item = native.create(entry, icons)?;
            native.menu.append(item.as_item())?;
            native.items.insert(entry.key.clone(), item);
        }
        Ok(native)
    }

    fn create(
        &mut self,
        entry: &Entry,
        icons: &RowIcons,
    ) -> Result<NativeItem, tray_icon::menu::Error> {
        let key = entry.key.as_str();
        Ok(match &entry.kind {
            EntryKind::Info | EntryKind::Action(_) => NativeItem::Item(MenuItem::with_id(
                key,
                label(&entry.label),
                entry.enabled,
                None,
            )),
            EntryKind::Check { checked, .. } => NativeItem::Check(CheckMenuItem::with_id(
                key,
                label(&entry.label),
                entry.enabled,
                *checked,
                None,
            )),
            EntryKind::Separator => NativeItem::Separator(PredefinedMenuItem::separator()),
            EntryKind::Submenu(children) => {
                let submenu = Submenu::with_id(key, label(&entry.label), entry.enabled);
                if let Some(tone) = entry.icon {
                    submenu.set_icon(icons.get(tone));
                }
                for child in children {
                    let item = self.create(child, icons)?;
                    submenu.append(item.as_item())?;
                    self.items.insert(child.key.clone(), item);
                }
                NativeItem::Submenu(submenu)
            }
        })
    }

    /// Forces a checkbox to the model's value: the platform toggles it on click by itself,
    /// before the tray knows whether the change worked.
    pub fn set_checked(&self, key: &str, checked: bool) {
        if let Some(NativeItem::Check(c)) = self.items.get(key) {
            c.set_checked(checked);
        }
    }

    /// Applies what differs between `old` and `new`, which must have the same shape
    /// ([`super::menu::TrayModel::same_shape`]). Untouched items are not poked at all.
    pub fn update(&self, old: &[Entry], new: &[Entry], icons: &RowIcons) {
        for (before, after) in old.iter().zip(new) {
            let Some(item) = self.items.get(&after.key) else {
                continue;
            };
            if before.label != after.label {
                match item {
                    NativeItem::Item(i) => i.set_text(label(&after.label)),
                    NativeItem::Check(c) => c.set_text(label(&after.label)),
                    NativeItem::Submenu(s) => s.set_text(label(&after.label)),
                    NativeItem::Separator(_) => {}
                }
            }
            if before.icon != after.icon
                && let NativeItem::Submenu(s) = item
            {
                s.set_icon(after.icon.and_then(|tone| icons.get(tone)));
            }
            if before.enabled != after.enabled {
                match item {
                    NativeItem::Item(i) => i.set_enabled(after.enabled),
                    NativeItem::Check(c) => c.set_enabled(after.enabled),
                    NativeItem::Submenu(s) => s.set_enabled(after.enabled),
                    NativeItem::Separator(_) => {}
                }
            }
            match (&before.kind, &after.kind, item) {
                (
                    EntryKind::Check { checked: was, .. },
                    EntryKind::Check { checked: is, .. },
                    NativeItem::Check(c),
                ) if was != is => c.set_checked(*is),
                (EntryKind::Submenu(was), EntryKind::Submenu(is), _) => self.update(was, is, icons),
                _ => {}
            }
        }
    }
}

//! The tray icon, drawn in code: one palette for the five states and the running/waiting counts
//! in a small bitmap font, so no font or image files are shipped and every size is exact.
//!
//! Most Linux tray hosts and Windows draw no text next to an icon (PLATFORM.md), so the counts
//! live in the icon itself: running on blue, waiting on amber, side by side when both are
//! non-zero. macOS shows the counts in the title instead and gets a monochrome *template* image
//! (black plus transparency; the system tints it for light and dark menu bars), in which the
//! digits and gaps are knocked out of the shape.

use crate::model::{Bucket, Counts, Health, HealthStatus};

/// What the icon says about the process as a whole.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IconState {
    /// Nothing running, nothing waiting.
    Idle,
    /// At least one task running, none waiting.
    Active,
    /// At least one task waits for the user.
    NeedsYou,
    /// The last poll failed: the counts shown are from the last good snapshot.
    Offline,
    /// No token, or upstream refused it.
    SignedOut,
}

impl IconState {
    /// Signed out beats offline beats needs-you beats active: the worst news wins, because a
    /// stale "needs you" is less urgent than knowing the list cannot be trusted.
    pub fn of(counts: &Counts, health: &Health) -> IconState {
        match health.status {
            HealthStatus::SignedOut => IconState::SignedOut,
            HealthStatus::Degraded => IconState::Offline,
            HealthStatus::Starting | HealthStatus::Ok if counts.waiting > 0 => IconState::NeedsYou,
            HealthStatus::Starting | HealthStatus::Ok if counts.running > 0 => IconState::Active,
            HealthStatus::Starting | HealthStatus::Ok => IconState::Idle,
        }
    }
}

/// Everything the picture depends on; the tray redraws only when this changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct IconSpec {
    pub state: IconState,
    pub running: usize,
    pub waiting: usize,
}

/// What a task row's dot says: the task's bucket in the tray icon's own palette (running blue,
/// needs you amber, failed red, done green, cancelled grey).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tone {
    Running,
    NeedsYou,
    Failed,
    Done,
    Cancelled,
}

impl Tone {
    /// Every tone, in the order [`RowIcons`](super) caches them.
    pub const ALL: [Tone; 5] = [
        Tone::Running,
        Tone::NeedsYou,
        Tone::Failed,
        Tone::Done,
        Tone::Cancelled,
    ];

    /// A state nobody knows reads as cancelled: grey, claiming nothing.
    pub fn of(bucket: Bucket) -> Tone {
        match bucket {
            Bucket::Running => Tone::Running,
            Bucket::Waiting => Tone::NeedsYou,
            Bucket::Failed => Tone::Failed,
            Bucket::Completed => Tone::Done,
            Bucket::Cancelled | Bucket::Unknown => Tone::Cancelled,
        }
    }

    fn paint(self) -> Paint {
        match self {
            Tone::Running => Paint::Running,
            Tone::NeedsYou => Paint::Waiting,
            Tone::Failed => Paint::Alert,
            Tone::Done => Paint::Done,
            Tone::Cancelled => Paint::Idle,
        }
    }

    /// The colour of the dot (straight RGBA).
    pub fn rgba(self) -> [u8; 4] {
        self.paint().rgba(IconStyle::Color)
    }
}

/// A row's dot: a disc of the tone's colour on transparency, `size`×`size` (at least 8). Always
/// in colour: menus draw item images as they are, on every platform.
pub fn dot(tone: Tone, size: u32) -> Rgba {
    let size = size.max(8);
    let mut canvas = Canvas::new(size);
    let s = i64::from(size);
    canvas.ring(s / 2, s / 2, s * 3 / 8, 0, tone.paint());
    canvas.into_rgba(IconStyle::Color)
}

/// Full colour (Linux, Windows) or a monochrome template (macOS).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IconStyle {
    Color,
    Template,
}

/// A straight (not premultiplied) RGBA image, rows top to bottom, as `tray_icon::Icon` wants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rgba {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

impl Rgba {
    pub fn pixel(&self, x: u32, y: u32) -> [u8; 4] {
        let i = ((y * self.width + x) * 4) as usize;
        match self.pixels.get(i..i + 4) {
            Some([r, g, b, a]) => [*r, *g, *b, *a],
            _ => [0; 4],
        }
    }
}

/// What a pixel is, before it becomes a colour: the one place colours are decided is
/// [`Paint::rgba`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Paint {
    Clear,
    Idle,
    Running,
    Waiting,
    Offline,
    /// The outline and question mark of the signed-out icon.
    Muted,
    /// The red dot of the offline icon.
    Alert,
    /// A finished task that did what it was asked (ready for review).
    Done,
    /// Digits and marks drawn on a filled shape.
    Ink,
}

impl Paint {
    fn rgba(self, style: IconStyle) -> [u8; 4] {
        match style {
            IconStyle::Color => match self {
                Paint::Clear => [0, 0, 0, 0],
                Paint::Idle => [0x6e, 0x76, 0x81, 0xff],
                Paint::Running => [0x1f, 0x6f, 0xeb, 0xff],
                Paint::Waiting => [0xd9, 0x77, 0x06, 0xff],
                Paint::Offline => [0x57, 0x60, 0x6a, 0xff],
                Paint::Muted => [0x8c, 0x95, 0x9f, 0xff],
                Paint::Alert => [0xcf, 0x22, 0x2e, 0xff],
                Paint::Done => [0x1a, 0x7f, 0x37, 0xff],
                Paint::Ink => [0xff, 0xff, 0xff, 0xff],
            },
            // A template is an alpha mask: shapes are black, digits are holes in them.
            IconStyle::Template => match self {
                Paint::Clear | Paint::Ink => [0, 0, 0, 0],
                _ => [0, 0, 0, 0xff],
            },
        }
    }
}

/// 3×5 glyphs, one row per byte, the three low bits left to right.
fn glyph(c: char) -> [u8; 5] {
    match c {
        '0' => [0b111, 0b101, 0b101, 0b101, 0b111],
        '1' => [0b010, 0b110, 0b010, 0b010, 0b111],
        '2' => [0b111, 0b001, 0b111, 0b100, 0b111],
        '3' => [0b111, 0b001, 0b111, 0b001, 0b111],
        '4' => [0b101, 0b101, 0b111, 0b001, 0b001],
        '5' => [0b111, 0b100, 0b111, 0b001, 0b111],
        '6' => [0b111, 0b100, 0b111, 0b101, 0b111],
        '7' => [0b111, 0b001, 0b010, 0b010, 0b010],
        '8' => [0b111, 0b101, 0b111, 0b101, 0b111],
        '9' => [0b111, 0b101, 0b111, 0b001, 0b111],
        '!' => [0b010, 0b010, 0b010, 0b000, 0b010],
        '?' => [0b111, 0b001, 0b011, 0b000, 0b010],
        _ => [0; 5],
    }
}

/// Counts above this show as this: the tooltip and the menu carry the exact number.
const MAX_SHOWN: usize = 99;

struct Canvas {
    size: u32,
    paint: Vec<Paint>,
}

impl Canvas {
    fn new(size: u32) -> Canvas {
        Canvas {
            size,
            paint: vec![Paint::Clear; (size * size) as usize],
        }
    }

    fn set(&mut self, x: i64, y: i64, paint: Paint) {
        let s = i64::from(self.size);
        if (0..s).contains(&x) && (0..s).contains(&y) {
            self.paint[(y * s + x) as usize] = paint;
        }
    }

    /// Fills the pixels whose centres fall inside the rounded rectangle [x0, x1) × [y0, y1).
    fn rounded_rect(&mut self, x0: i64, y0: i64, x1: i64, y1: i64, radius: i64, paint: Paint) {
        for y in y0..y1 {
            for x in x0..x1 {
                // Distance from the pixel centre to the nearest corner-circle centre, in halves.
                let cx = (2 * x + 1).clamp(2 * (x0 + radius), 2 * (x1 - radius));
                let cy = (2 * y + 1).clamp(2 * (y0 + radius), 2 * (y1 - radius));
                let (dx, dy) = (2 * x + 1 - cx, 2 * y + 1 - cy);
                if dx * dx + dy * dy <= 4 * radius * radius {
                    self.set(x, y, paint);
                }
            }
        }
    }

    /// A ring (or a disc when `inner` is 0) around the pixel grid point (cx, cy).
    fn ring(&mut self, cx: i64, cy: i64, outer: i64, inner: i64, paint: Paint) {
        for y in cy - outer..cy + outer {
            for x in cx - outer..cx + outer {
                let (dx, dy) = (2 * (x - cx) + 1, 2 * (y - cy) + 1);
                let d = dx * dx + dy * dy;
                if d <= 4 * outer * outer && d > 4 * inner * inner {
                    self.set(x, y, paint);
                }
            }
        }
    }

    /// Draws `text` centred in the box [x0, x1) × [y0, y1) at the largest scale that fits,
    /// capped so a single digit does not swell into a blob.
    fn text(&mut self, text: &str, (x0, y0, x1, y1): (i64, i64, i64, i64), paint: Paint) {
        let n = text.chars().count() as i64;
        if n == 0 {
            return;
        }
        let max_scale = (i64::from(self.size) / 8).max(1);
        // Each glyph is 3 units wide with 1 unit between glyphs, 5 units tall.
        let width_units = 4 * n - 1;
        let scale = ((x1 - x0) / width_units)
            .min((y1 - y0) / 5)
            .clamp(1, max_scale);
        let left = x0 + (x1 - x0 - width_units * scale) / 2;
        let top = y0 + (y1 - y0 - 5 * scale) / 2;
        for (i, c) in text.chars().enumerate() {
            let gx = left + i as i64 * 4 * scale;
            for (row, bits) in glyph(c).iter().enumerate() {
                for col in 0..3 {
                    if bits & (0b100 >> col) != 0 {
                        for dy in 0..scale {
                            for dx in 0..scale {
                                self.set(
                                    gx + col * scale + dx,
                                    top + row as i64 * scale + dy,
                                    paint,
                                );
                            }
                        }
                    }
                }
            }
        }
    }

    fn into_rgba(self, style: IconStyle) -> Rgba {
        Rgba {
            width: self.size,
            height: self.size,
            pixels: self.paint.iter().flat_map(|p| p.rgba(style)).collect(),
        }
    }
}

fn shown(count: usize) -> String {
    count.min(MAX_SHOWN).to_string()
}

/// Draws the icon for `spec` at `size`×`size` pixels (at least 8).
pub fn render(spec: &IconSpec, size: u32, style: IconStyle) -> Rgba {
    let size = size.max(8);
    let mut canvas = Canvas::new(size);
    let s = i64::from(size);
    let margin = (s / 16).max(1);
    let (x0, y0, x1, y1) = (margin, margin, s - margin, s - margin);
    let radius = s / 6;
    let pad = (s / 16).max(1);
    let inner = (x0 + pad, y0 + pad, x1 - pad, y1 - pad);
    // In a template the counts are in the title, so the shape alone tells the state.
    let digits = style == IconStyle::Color;

    match spec.state {
        IconState::SignedOut => {
            let stroke = (s / 12).max(1);
            canvas.rounded_rect(x0, y0, x1, y1, radius, Paint::Muted);
            canvas.rounded_rect(
                x0 + stroke,
                y0 + stroke,
                x1 - stroke,
                y1 - stroke,
                (radius - stroke).max(0),
                Paint::Clear,
            );
            canvas.text("?", inner, Paint::Muted);
        }
        IconState::Idle => {
            canvas.rounded_rect(x0, y0, x1, y1, radius, Paint::Idle);
            canvas.ring(s / 2, s / 2, s / 4, s / 4 - (s / 10).max(1), Paint::Ink);
        }
        IconState::Offline => {
            canvas.rounded_rect(x0, y0, x1, y1, radius, Paint::Offline);
            let label = match (spec.running, spec.waiting) {
                (0, 0) => "!".to_owned(),
                (r, w) if digits => shown(r + w),
                _ => "!".to_owned(),
            };
            canvas.text(&label, inner, Paint::Ink);
            // The red dot sits in the top-right corner with a clear ring, so it stays visible
            // against the shape in the template too.
            let r = (s / 6).max(2);
            canvas.ring(x1 - r + 1, y0 + r - 1, r + (s / 16).max(1), 0, Paint::Clear);
            canvas.ring(x1 - r + 1, y0 + r - 1, r, 0, Paint::Alert);
        }
        IconState::Active | IconState::NeedsYou => {
            let (running, waiting) = (spec.running, spec.waiting);
            if running > 0 && waiting > 0 {
                // Two halves with a one-pixel gap: running on the left, waiting on the right.
                let mid = s / 2;
                canvas.rounded_rect(x0, y0, x1, y1, radius, Paint::Running);
                canvas.rounded_rect(mid, y0, x1, y1, radius, Paint::Waiting);
                // Square off the waiting half's inner corners.
                canvas.rounded_rect(mid, y0, mid + radius, y1, 0, Paint::Waiting);
                for y in y0..y1 {
                    canvas.set(mid, y, Paint::Clear);
                }
                if digits {
                    canvas.text(&shown(running), (x0, y0 + pad, mid, y1 - pad), Paint::Ink);
                    canvas.text(
                        &shown(waiting),
                        (mid + 1, y0 + pad, x1, y1 - pad),
                        Paint::Ink,
                    );
                }
            } else {
                let (fill, count) = if waiting > 0 {
                    (Paint::Waiting, waiting)
                } else {
                    (Paint::Running, running)
                };
                canvas.rounded_rect(x0, y0, x1, y1, radius, fill);
                if digits {
                    canvas.text(&shown(count), inner, Paint::Ink);
                } else if spec.state == IconState::NeedsYou {
                    canvas.text("!", inner, Paint::Ink);
                } else {
                    canvas.ring(s / 2, s / 2, s / 5, 0, Paint::Ink);
                }
            }
        }
    }
    canvas.into_rgba(style)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Problem;

    const INK: [u8; 4] = [0xff, 0xff, 0xff, 0xff];

    fn spec(state: IconState, running: usize, waiting: usize) -> IconSpec {
        IconSpec {
            state,
            running,
            waiting,
        }
    }

    fn count(image: &Rgba, paint: Paint) -> usize {
        let want = paint.rgba(IconStyle::Color);
        image.pixels.chunks(4).filter(|p| *p == want).count()
    }

    /// Reads the single glyph drawn in the box back from the image, by sampling the centre of
    /// each cell of the 3×5 grid the renderer used.
    fn read_glyph(image: &Rgba, (x0, y0, x1, y1): (i64, i64, i64, i64)) -> [u8; 5] {
        let max_scale = (i64::from(image.width) / 8).max(1);
        let scale = ((x1 - x0) / 3).min((y1 - y0) / 5).clamp(1, max_scale);
        let left = x0 + (x1 - x0 - 3 * scale) / 2;
        let top = y0 + (y1 - y0 - 5 * scale) / 2;
        let mut rows = [0u8; 5];
        for (row, bits) in rows.iter_mut().enumerate() {
            for col in 0..3 {
                let x = left + col * scale + scale / 2;
                let y = top + row as i64 * scale + scale / 2;
                if image.pixel(x as u32, y as u32) == INK {
                    *bits |= 0b100 >> col;
                }
            }
        }
        rows
    }

    #[test]
    fn the_state_follows_health_first_then_counts() {
        let mut health = Health::starting();
        let counts = |running, waiting| Counts {
            running,
            waiting,
            ..Counts::default()
        };
        assert_eq!(IconState::of(&counts(0, 0), &health), IconState::Idle);
        assert_eq!(IconState::of(&counts(2, 0), &health), IconState::Active);
        assert_eq!(IconState::of(&counts(2, 1), &health), IconState::NeedsYou);
        health.failed(Problem {
            code: "timeout",
            message: "timed out".into(),
            at: chrono::Utc::now(),
        });
        assert_eq!(IconState::of(&counts(2, 1), &health), IconState::Offline);
        health.failed(Problem {
            code: "unauthorized",
            message: "Bad credentials".into(),
            at: chrono::Utc::now(),
        });
        assert_eq!(IconState::of(&counts(2, 1), &health), IconState::SignedOut);
    }

    #[test]
    fn every_digit_is_drawn_legibly_and_reads_back() {
        for n in 0..10 {
            let image = render(&spec(IconState::Active, n, 0), 32, IconStyle::Color);
            let digit = char::from_digit(n as u32, 10).unwrap_or('?');
            // The box `render` uses for a single count: margin 2, padding 2.
            assert_eq!(
                read_glyph(&image, (4, 4, 28, 28)),
                glyph(digit),
                "digit {n}"
            );
        }
        let glyphs: std::collections::HashSet<[u8; 5]> =
            "0123456789!?".chars().map(glyph).collect();
        assert_eq!(glyphs.len(), 12, "no two glyphs look alike");
    }

    #[test]
    fn running_and_waiting_share_the_icon_when_both_are_non_zero() {
        let both = render(&spec(IconState::NeedsYou, 3, 1), 32, IconStyle::Color);
        assert_eq!(both.pixel(6, 4), Paint::Running.rgba(IconStyle::Color));
        assert_eq!(both.pixel(25, 4), Paint::Waiting.rgba(IconStyle::Color));
        assert_eq!(both.pixel(16, 16)[3], 0, "a gap separates the halves");
        // Each half carries its own digit: the 3 on the left, the 1 on the right.
        assert_eq!(read_glyph(&both, (2, 4, 16, 28)), glyph('3'));
        assert_eq!(read_glyph(&both, (17, 4, 30, 28)), glyph('1'));

        let running = render(&spec(IconState::Active, 3, 0), 32, IconStyle::Color);
        assert_eq!(count(&running, Paint::Waiting), 0);
        assert!(count(&running, Paint::Ink) > 0);
    }

    #[test]
    fn the_five_states_look_different() {
        let images: Vec<Rgba> = [
            spec(IconState::Idle, 0, 0),
            spec(IconState::Active, 1, 0),
            spec(IconState::NeedsYou, 0, 1),
            spec(IconState::Offline, 1, 0),
            spec(IconState::SignedOut, 0, 0),
        ]
        .iter()
        .map(|s| render(s, 32, IconStyle::Color))
        .collect();
        for (i, a) in images.iter().enumerate() {
            for b in &images[i + 1..] {
                assert_ne!(a, b);
            }
        }
        assert!(
            count(&images[3], Paint::Alert) > 0,
            "offline shows the red dot"
        );
        assert_eq!(count(&images[0], Paint::Alert), 0);
    }

    #[test]
    fn templates_are_monochrome_and_still_tell_states_apart() {
        let states = [
            IconState::Idle,
            IconState::Active,
            IconState::NeedsYou,
            IconState::Offline,
            IconState::SignedOut,
        ];
        let images: Vec<Rgba> = states
            .iter()
            .map(|&state| render(&spec(state, 1, 0), 36, IconStyle::Template))
            .collect();
        for image in &images {
            assert_eq!(image.width, 36);
            assert_eq!(image.pixels.len(), 36 * 36 * 4);
            assert!(
                image
                    .pixels
                    .chunks(4)
                    .all(|p| p == [0, 0, 0, 0] || p == [0, 0, 0, 0xff]),
                "only black and transparent"
            );
        }
        for (i, a) in images.iter().enumerate() {
            for b in &images[i + 1..] {
                assert_ne!(a, b);
            }
        }
    }

    #[test]
    fn row_dots_use_the_icon_palette_one_colour_per_tone() {
        let centres: Vec<[u8; 4]> = Tone::ALL
            .iter()
            .map(|&tone| {
                let image = dot(tone, 16);
                assert_eq!(image.pixels.len(), 16 * 16 * 4);
                assert_eq!(image.pixel(0, 0)[3], 0, "the corners stay clear");
                image.pixel(8, 8)
            })
            .collect();
        assert_eq!(centres[0], Paint::Running.rgba(IconStyle::Color));
        assert_eq!(centres[1], Paint::Waiting.rgba(IconStyle::Color));
        assert_eq!(centres[2], Paint::Alert.rgba(IconStyle::Color));
        assert_eq!(centres[4], Paint::Idle.rgba(IconStyle::Color));
        let distinct: std::collections::HashSet<[u8; 4]> = centres.iter().copied().collect();
        assert_eq!(distinct.len(), 5, "five tones, five colours: {centres:?}");
        assert_eq!(Tone::of(Bucket::Waiting), Tone::NeedsYou);
        assert_eq!(Tone::of(Bucket::Completed), Tone::Done);
        assert_eq!(Tone::of(Bucket::Unknown), Tone::Cancelled);
    }

    #[test]
    fn big_counts_are_capped_and_small_sizes_still_draw() {
        let capped = render(&spec(IconState::Active, 250, 0), 32, IconStyle::Color);
        let ninety_nine = render(&spec(IconState::Active, 99, 0), 32, IconStyle::Color);
        assert_eq!(capped, ninety_nine);
        let tiny = render(&spec(IconState::NeedsYou, 12, 34), 16, IconStyle::Color);
        assert_eq!(tiny.pixels.len(), 16 * 16 * 4);
        assert!(count(&tiny, Paint::Ink) > 0);
    }
}

//! Where each pane goes (design §10): tasks over approvals on the left, transcript over diff
//! on the right, metrics across the bottom, a replay's timeline, the status bar last; or one
//! pane zoomed.
//!
//! Owns the geometry only, as a pure function of the screen size, the zoom and the number of
//! agents; the mouse uses the same function to find the pane under a click. Must not draw.

use super::view::PaneId;
use ratatui::layout::Rect;

/// Below this the screen shows "terminal too small" instead of a squeezed layout.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 16;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScreenLayout {
    pub panes: Vec<(PaneId, Rect)>,
    pub status: Rect,
    /// A replay's timeline bar, the row above the status bar.
    pub timeline: Option<Rect>,
    /// The column between left and right panes, when both columns show.
    pub divider: Option<Rect>,
}

impl ScreenLayout {
    pub fn rect(&self, id: PaneId) -> Option<Rect> {
        self.panes.iter().find(|(p, _)| *p == id).map(|(_, r)| *r)
    }

    /// The pane under a screen cell.
    pub fn pane_at(&self, x: u16, y: u16) -> Option<PaneId> {
        let pos = ratatui::layout::Position { x, y };
        self.panes
            .iter()
            .find(|(_, r)| r.contains(pos))
            .map(|(p, _)| *p)
    }
}

pub fn too_small(area: Rect) -> bool {
    area.width < MIN_WIDTH || area.height < MIN_HEIGHT
}

/// The layout of a screen of `area` (with a timeline row for a replay); `None` when it is
/// too small.
pub fn layout(
    area: Rect,
    zoom: Option<PaneId>,
    agents: usize,
    timeline: bool,
) -> Option<ScreenLayout> {
    if too_small(area) {
        return None;
    }
    let status = Rect {
        y: area.bottom() - 1,
        height: 1,
        ..area
    };
    let bars = 1 + u16::from(timeline);
    let timeline = timeline.then(|| Rect {
        y: area.bottom() - 2,
        height: 1,
        ..area
    });
    let main = Rect {
        height: area.height - bars,
        ..area
    };
    if let Some(p) = zoom {
        return Some(ScreenLayout {
            panes: vec![(p, main)],
            status,
            timeline,
            divider: None,
        });
    }
    // Metrics: one title row and two lines on small screens, a table per agent on tall ones.
    let metrics_h = if main.height >= 40 {
        (agents as u16 + 4).clamp(3, 12)
    } else {
        3
    };
    let top_h = main.height - metrics_h;
    let metrics = Rect {
        y: main.y + top_h,
        height: metrics_h,
        ..main
    };
    let left_w = (main.width * 30 / 100).clamp(24, 56);
    let right_x = main.x + left_w + 1;
    let right_w = main.width - left_w - 1;
    let tasks_h = top_h * 55 / 100;
    let transcript_h = top_h / 2;
    let panes = vec![
        (PaneId::Tasks, Rect::new(main.x, main.y, left_w, tasks_h)),
        (
            PaneId::Approvals,
            Rect::new(main.x, main.y + tasks_h, left_w, top_h - tasks_h),
        ),
        (
            PaneId::Transcript,
            Rect::new(right_x, main.y, right_w, transcript_h),
        ),
        (
            PaneId::Diff,
            Rect::new(
                right_x,
                main.y + transcript_h,
                right_w,
                top_h - transcript_h,
            ),
        ),
        (PaneId::Metrics, metrics),
    ];
    let divider = Some(Rect::new(main.x + left_w, main.y, 1, top_h));
    Some(ScreenLayout {
        panes,
        status,
        timeline,
        divider,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panes_tile_the_screen_without_overlap() {
        for (w, h, replay) in [
            (80, 24, false),
            (160, 50, true),
            (60, 16, true),
            (300, 100, false),
        ] {
            let area = Rect::new(0, 0, w, h);
            let l = layout(area, None, 8, replay).unwrap();
            assert_eq!(l.timeline.is_some(), replay);
            let mut cells = 0u32;
            for (_, r) in &l.panes {
                cells += r.area();
                for (_, o) in &l.panes {
                    if r != o {
                        assert!(!r.intersects(*o), "{r:?} {o:?}");
                    }
                }
            }
            cells += l.status.area()
                + l.divider.map_or(0, |d| d.area())
                + l.timeline.map_or(0, |t| t.area());
            assert_eq!(cells, area.area(), "{w}x{h}");
        }
        assert!(layout(Rect::new(0, 0, 59, 30), None, 1, false).is_none());
        let z = layout(Rect::new(0, 0, 80, 24), Some(PaneId::Diff), 1, true).unwrap();
        assert_eq!(z.pane_at(10, 10), Some(PaneId::Diff));
    }
}

//! Parsed patches and their syntax highlighting, cached by content for the diff pane.
//!
//! Owns: a few recently shown patches, parsed once per (diff id, patch length); highlighted
//! chunks per (diff, hunk, chunk), computed only when a row of the chunk is drawn. Bounded,
//! so a long run's many diffs do not pile up. Must not draw.

use crate::model::DiffState;
use crate::tui::highlight::{ChunkHighlighter, LineSpans, CHUNK_LINES};
use crate::tui::patch::{Patch, RowKind};
use std::collections::HashMap;
use std::rc::Rc;

const PATCHES_KEPT: usize = 4;
const CHUNKS_KEPT: usize = 4096;

#[derive(Default)]
pub struct DiffCache {
    /// Most recent last.
    patches: Vec<(String, usize, Rc<Patch>)>,
    syntax: Option<String>,
    chunks: HashMap<(String, usize, usize), Rc<Vec<LineSpans>>>,
    /// Lines highlighted since the last `take_highlighted` (tests check laziness).
    highlighted: usize,
}

impl DiffCache {
    /// The parsed patch of a diff.
    pub fn patch(&mut self, d: &DiffState) -> Rc<Patch> {
        let len = d.patch.len();
        if let Some(i) = self
            .patches
            .iter()
            .position(|(id, l, _)| *id == d.id && *l == len)
        {
            let hit = self.patches.remove(i);
            let p = hit.2.clone();
            self.patches.push(hit);
            return p;
        }
        let p = Rc::new(Patch::of_diff(&d.patch, &d.files, &d.hunks));
        if self.patches.len() >= PATCHES_KEPT {
            self.patches.remove(0);
        }
        self.patches.push((d.id.clone(), len, p.clone()));
        p
    }

    /// Colours of the line at `row` of hunk `hunk`, highlighting its chunk if needed.
    /// `None` when the file gets no syntax colours.
    pub fn line_spans(
        &mut self,
        d: &DiffState,
        patch: &Patch,
        syntax: Option<&str>,
        hunk: usize,
        row: usize,
    ) -> Option<(Rc<Vec<LineSpans>>, usize)> {
        if self.syntax.as_deref() != syntax {
            self.chunks.clear();
            self.syntax = syntax.map(str::to_string);
        }
        let h = patch.hunks.get(hunk)?;
        let first_line = h.row + 1;
        let offset = row.checked_sub(first_line)?;
        let chunk = offset / CHUNK_LINES;
        let key = (d.id.clone(), hunk, chunk);
        if let Some(c) = self.chunks.get(&key) {
            return Some((c.clone(), offset % CHUNK_LINES));
        }
        let path = &patch.files.get(h.file)?.path;
        let hl = ChunkHighlighter::new(syntax, path)?;
        let from = first_line + chunk * CHUNK_LINES;
        let to = (from + CHUNK_LINES).min(h.end_row);
        let lines = patch.rows[from..to].iter().map(|r| match r.kind {
            RowKind::Line { .. } => patch.text(&d.patch, r),
            _ => "",
        });
        let spans = Rc::new(hl.chunk(lines));
        self.highlighted += to - from;
        if self.chunks.len() >= CHUNKS_KEPT {
            self.chunks.clear();
        }
        self.chunks.insert(key, spans.clone());
        Some((spans, offset % CHUNK_LINES))
    }

    pub fn take_highlighted(&mut self) -> usize {
        std::mem::take(&mut self.highlighted)
    }
}

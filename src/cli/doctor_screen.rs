//! `conclave doctor`: the screen's files, the theme and the keymap the config names, loaded
//! as the screen would load them, so a name that does not exist is said here too.

use super::doctor::Report;
use super::Context;
use crate::config::Config;
use crate::tui::AppOptions;

pub(super) fn check(r: &mut Report, ctx: &Context, c: &Config) {
    let opts = AppOptions::load(&c.ui.theme, &c.ui.keymap, ctx.paths.config_dir.as_deref());
    if opts.problems.is_empty() {
        r.ok(
            "screen",
            format!("theme `{}`, keymap `{}`", c.ui.theme, c.ui.keymap),
        );
        return;
    }
    for p in &opts.problems {
        r.bad(
            "screen",
            format!("{p} (the screen uses the default instead)"),
        );
    }
}

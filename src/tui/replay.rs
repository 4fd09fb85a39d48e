//! What the replay screen asks of an action: whether it means something only in a replay.
//! The replay vocabulary the UI and the player share is `crate::model::replay`.

use super::action::Action;
use super::keymap::Mode;

/// Whether an action means something only in a replay.
pub fn is_replay_action(a: Action) -> bool {
    a.modes() == [Mode::Replay]
}

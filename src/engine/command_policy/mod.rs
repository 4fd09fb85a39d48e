//! The command policy on parsed argv: a command line is split into the simple commands a
//! shell would run (`parse`), each is graded against one table of prefix rules per program
//! (`table`, `grade`), and the line's grade is its most dangerous part. The deny-list is a
//! separate flag: a denied command is always a person's decision.
//!
//! Owns what a command can do. Must not decide who approves it (the policy matrix does) nor
//! run anything.

mod argv;
mod grade;
pub mod parse;
mod reach;
pub mod table;

pub use grade::{assess, assess_in, Assessment, Grade, Part};

/// How a command approval names its command (`` `cargo test` in task t1 ``): made here and
/// read back here, so the TUI can show which prefix a rule would take.
pub fn subject_for(command: &str, task: &str) -> String {
    format!("`{command}` in task {task}")
}

/// The command a subject made by [`subject_for`] names.
pub fn command_in_subject(subject: &str) -> Option<&str> {
    subject
        .strip_prefix('`')?
        .rsplit_once("` in task ")
        .map(|(c, _)| c)
}

/// The words a sticky rule made from this command would match (`cargo test`), if any.
pub fn rule_prefix_of(command: &str) -> Vec<String> {
    assess(command, &[]).rule_prefix()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_subject_gives_its_command_back() {
        let s = super::subject_for("echo '` in task x' && cargo test", "t1");
        assert_eq!(
            super::command_in_subject(&s),
            Some("echo '` in task x' && cargo test")
        );
        assert_eq!(super::command_in_subject("plan of 3 tasks"), None);
    }
}

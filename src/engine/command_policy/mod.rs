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

pub use grade::{assess, Assessment, Grade, Part};

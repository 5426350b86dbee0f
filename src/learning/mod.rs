//! The knowledge loop: unanswered questions get stable ids (`g1`, `g2`…) while their group
//! exists ([`GapIds`]), and a manager's answer to one becomes a Markdown passage in the
//! knowledge folder ([`lesson`]), checked by the same parser before it is kept; with
//! `notify_askers`, the members who asked are kept ([`Askers`]) until it is.

mod askers;
mod ids;
mod lesson;

pub use askers::{Asker, Askers};
pub use ids::{GapIds, Numbered};
pub use lesson::{lesson, Lesson};

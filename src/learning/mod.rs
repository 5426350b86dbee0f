//! The knowledge loop: unanswered questions get stable ids (`g1`, `g2`…) while their group
//! exists ([`GapIds`]), and a manager's answer to one becomes a Markdown passage in the
//! knowledge folder ([`lesson`]), checked by the same parser before it is kept.

mod ids;
mod lesson;

pub use ids::{GapIds, Numbered};
pub use lesson::{lesson, Lesson};

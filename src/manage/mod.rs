//! The managers' commands: `/draft`, `/edit`, `/approve`, `/schedule`, `/queue`, `/cancel`,
//! `/posted`, `/report`, `/gaps`, `/teach`, `/besttime`, `/tickets`, `/reply` and the
//! moderators' `/modlog`, `/pardon`, `/warn`, `/mute`, `/ban`. One enum and one table ([`ManagerCommand`],
//! [`MANAGER_COMMANDS`]) give their names, argument shapes, help and menu entries; each
//! command lives in its own file, where its arguments are parsed into a typed value and
//! then applied to the components in a [`Context`]. Every failure is a [`CommandError`]
//! whose [`CommandError::reply`] is the text the manager reads.

mod approve;
mod besttime;
mod cancel;
mod command;
mod context;
mod draft;
mod edit;
mod error;
mod gaps;
mod moderate;
mod posted;
mod queue;
mod reply;
mod report;
mod schedule;
mod shared;
mod teach;
mod tickets;

pub use command::{ManagerCommand, MANAGER_COMMANDS};
pub use context::{Call, Context, Done, Forward};
pub use error::CommandError;
pub use gaps::numbered as numbered_gaps;
pub use posted::{published, Published};
pub use report::{full_report, FullReport};
pub use shared::{period_days, Period};
pub use teach::teach_question;

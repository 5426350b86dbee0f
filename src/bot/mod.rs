//! The bot: one message in, one reply out, logged. [`Bot::handle`] works out who is
//! speaking, routes the message and hands it to the route's file: questions ([`answer`]),
//! greetings and feedback ([`smalltalk`]), complaints and hand-offs ([`handoff`]),
//! recommendations ([`recommend`]) and commands ([`commands`]; the managers' are
//! `crate::manage`'s). The bot gets its components and options when built ([`Parts`],
//! [`BotOptions`]) and hands none of them out.

mod answer;
mod commands;
mod core;
mod handle;
mod handoff;
mod moderate;
mod recommend;
mod reply;
mod smalltalk;
mod state;
mod teach_offer;
mod welcome;

pub use crate::manage::Forward;
pub use answer::looks_like_question;
pub use commands::{command_table, MemberCommand, MEMBER_COMMANDS};
pub use core::{Bot, BotOptions, Parts, WelcomeOptions};
pub use moderate::Moderated;
pub use reply::{Reply, Timings, PRIVACY_ROUTE};
pub use welcome::Followup;

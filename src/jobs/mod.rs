//! What `herald run` does besides answering, each a loop until shutdown: publishing due
//! posts ([`publish`]), the daily alerts to the managers ([`alerts`]), the engagement log's
//! folding and retention ([`upkeep`]) and hot reload of the knowledge folder ([`reload`]).
//! Each gets the components it works on, never the whole bot.

pub mod alerts;
pub mod publish;
pub mod reload;
pub mod upkeep;

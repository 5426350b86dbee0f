//! The team behind the bot: tickets for hand-offs and complaints ([`TicketStore`]), the
//! notice the managers' chat gets for each ([`ticket_notice`]) and the answer a manager's
//! `/reply` sends the member ([`answer_to_member`]).

mod notice;
mod tickets;

pub use notice::{answer_to_member, parse_ticket, ticket_name, ticket_notice, Exchange};
pub use tickets::{NewTicket, Ticket, TicketError, TicketStore};

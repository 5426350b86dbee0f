//! `/reply <ticket> <text>`: a manager answers a member's hand-off or complaint. The answer
//! goes to the member's chat as a reply to the message that opened the ticket; the ticket
//! is closed (the member's chat and id are no longer kept) and the answer is logged.

use minijinja::context;

use crate::clock::utc_to_ms;
use crate::engagement::EventKind;
use crate::team::{answer_to_member, parse_ticket, ticket_name};

use super::context::{Call, Context, Done, Forward};
use super::error::CommandError;

const USAGE: &str = "Usage: /reply <ticket> <text> (e.g. /reply t3 We've sent a new bag; /tickets lists the open ones)";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Args {
    pub ticket: u64,
    pub text: String,
}

pub(crate) fn parse(args: &str) -> Result<Args, CommandError> {
    let args = args.trim();
    let (id, text) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
    match (parse_ticket(id), text.trim()) {
        (Some(ticket), text) if !text.is_empty() => Ok(Args {
            ticket,
            text: text.to_string(),
        }),
        _ => Err(CommandError::Usage(USAGE)),
    }
}

pub(crate) fn apply(ctx: &Context, call: &Call<'_>, args: Args) -> Result<Done, CommandError> {
    let name = ticket_name(args.ticket);
    let Some(ticket) = ctx.tickets.get(args.ticket)? else {
        return Err(CommandError::Refused(format!(
            "There is no ticket {name}. {}",
            open_list(ctx)
        )));
    };
    let heading = ctx.prompts.reply(
        "team_reply",
        ticket.zh,
        context! { bot_name => ctx.bot_name.clone() },
    );
    let Some(out) = answer_to_member(&ticket, &heading, &args.text) else {
        return Err(CommandError::Refused(format!(
            "Ticket {name} was already answered, so the member's chat is no longer kept. {}",
            open_list(ctx)
        )));
    };
    ctx.tickets.close(args.ticket, utc_to_ms(call.now))?;
    if let Err(e) = ctx.log.record(
        call.who,
        EventKind::Ticket {
            ticket: args.ticket,
            action: "answered".into(),
        },
    ) {
        tracing::error!(error = %crate::text::chain(&e), "could not write the engagement log");
    }
    Ok(Done {
        text: format!("Sent to the member of ticket {name}, and closed it."),
        images: Vec::new(),
        forwards: vec![Forward {
            out,
            on_failure: Some(format!(
                "Your answer to ticket {name} could not be delivered to the member (they may have blocked the bot or left the chat)."
            )),
        }],
        ..Done::default()
    })
}

/// "Open tickets: t2, t5." or "No ticket is open."
pub(crate) fn open_list(ctx: &Context) -> String {
    let open: Vec<String> = ctx
        .tickets
        .open_ones()
        .iter()
        .map(|t| ticket_name(t.id))
        .collect();
    if open.is_empty() {
        "No ticket is open.".into()
    } else {
        format!("Open tickets: {}.", open.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ticket_and_an_answer_are_needed() {
        assert_eq!(
            parse("t3  We sent it.\nSorry!").expect("parsed"),
            Args {
                ticket: 3,
                text: "We sent it.\nSorry!".into()
            }
        );
        for bad in ["", "t3", "t3   ", "three thanks", "t0 hi"] {
            assert!(
                matches!(parse(bad), Err(CommandError::Usage(_))),
                "{bad:?} was accepted"
            );
        }
    }
}

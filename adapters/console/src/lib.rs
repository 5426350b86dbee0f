//! The terminal adapter: a REPL when stdin is a terminal, one reply per input line when
//! piped. It is the demo platform and the one `herald chat` uses.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::sync::{mpsc, watch, Mutex};

use herald_platform::{
    Capabilities, ChatRef, Inbound, Incoming, Outgoing, Platform, PlatformError, PlatformKind, Sent,
};

/// Options of the console adapter.
#[derive(Clone, Debug, Default)]
pub struct ConsoleOptions {
    /// Print the sources under each answer.
    pub show_sources: bool,
    /// Print a `> ` prompt (defaults to whether stdin is a terminal).
    pub interactive: Option<bool>,
}

pub struct ConsoleAdapter {
    opts: ConsoleOptions,
    interactive: bool,
    next_id: AtomicU64,
    out: Mutex<tokio::io::Stdout>,
}

impl ConsoleAdapter {
    pub fn new(opts: ConsoleOptions) -> ConsoleAdapter {
        let interactive = opts
            .interactive
            .unwrap_or_else(|| std::io::stdin().is_terminal());
        ConsoleAdapter {
            opts,
            interactive,
            next_id: AtomicU64::new(1),
            out: Mutex::new(tokio::io::stdout()),
        }
    }

    fn chat() -> ChatRef {
        ChatRef {
            platform: PlatformKind::Console,
            chat: "console".into(),
            private: true,
        }
    }

    async fn prompt(&self) {
        if self.interactive {
            let mut out = self.out.lock().await;
            let _ = out.write_all(b"> ").await;
            let _ = out.flush().await;
        }
    }
}

/// The text shown for a reply: the answer, then its sources when asked for. Piped, a
/// reply is exactly one line, so line N of the output answers line N of the input.
pub fn render(out: &Outgoing, show_sources: bool, interactive: bool) -> String {
    let body = match &out.mention {
        Some(m) => format!("{} {}", out.text, m.plain()),
        None => out.text.clone(),
    };
    if !interactive {
        let one_line: Vec<&str> = body
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect();
        return format!("{}\n", one_line.join(" "));
    }
    let mut text = body;
    if show_sources && !out.citations.is_empty() {
        text.push_str("\n  sources:");
        for c in &out.citations {
            text.push_str(&format!("\n  [{}] {} ({})", c.id, c.fact, c.source));
        }
    }
    // A terminal shows no pictures: say what there is (`herald report --out` saves them).
    for i in &out.images {
        text.push_str(&format!(
            "\n  [picture: {} — {}, {} KB]",
            i.caption,
            i.name,
            i.png.len().div_ceil(1024)
        ));
    }
    text.push('\n');
    text
}

#[async_trait::async_trait]
impl Platform for ConsoleAdapter {
    fn kind(&self) -> PlatformKind {
        PlatformKind::Console
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            max_message_len: usize::MAX,
            markup: false,
            reactions: false,
            buttons: false,
            idempotent_sends: false,
        }
    }

    async fn listen(
        &self,
        tx: mpsc::Sender<Inbound>,
        mut shutdown: watch::Receiver<bool>,
    ) -> Result<(), PlatformError> {
        let mut lines = BufReader::new(tokio::io::stdin()).lines();
        self.prompt().await;
        loop {
            let line = tokio::select! {
                line = lines.next_line() => line,
                _ = shutdown.wait_for(|s| *s) => return Ok(()),
            };
            let line = match line {
                Ok(Some(line)) => line,
                // End of input: this source is done (the engine decides whether to stop).
                Ok(None) => return Ok(()),
                Err(e) => {
                    // Not UTF-8 or a broken pipe: say so and keep reading what follows.
                    tracing::warn!(error = %e, "console: unreadable input line skipped");
                    if e.kind() == std::io::ErrorKind::InvalidData {
                        continue;
                    }
                    return Err(PlatformError::Receive {
                        platform: PlatformKind::Console,
                        reason: e.to_string(),
                    });
                }
            };
            if self.interactive && line.trim().is_empty() {
                self.prompt().await;
                continue;
            }
            let id = self.next_id.fetch_add(1, Ordering::Relaxed);
            let msg = Incoming {
                chat: Self::chat(),
                user: "console".into(),
                message_id: id.to_string(),
                text: line,
                addressed: true,
                manager: true,
                reply_to: None,
                chat_title: None,
                signals: Default::default(),
            };
            if tx.send(Inbound::Message(msg)).await.is_err() {
                return Err(PlatformError::EngineGone);
            }
        }
    }

    async fn send(&self, out: Outgoing) -> Result<Sent, PlatformError> {
        let text = render(&out, self.opts.show_sources, self.interactive);
        let mut stdout = self.out.lock().await;
        let write = async {
            stdout.write_all(text.as_bytes()).await?;
            if self.interactive {
                stdout.write_all(b"> ").await?;
            }
            stdout.flush().await
        };
        write.await.map_err(|e| PlatformError::Send {
            platform: PlatformKind::Console,
            reason: e.to_string(),
        })?;
        Ok(Sent::default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(text: &str) -> Outgoing {
        Outgoing {
            chat: ConsoleAdapter::chat(),
            reply_to: None,
            text: text.into(),
            citations: vec![herald_platform::Citation {
                id: 1,
                source: "k/p.toml:3".into(),
                fact: "A — price: 1 USD".into(),
            }],
            rateable: false,
            idempotency_key: None,
            images: Vec::new(),
            mention: None,
            buttons: Vec::new(),
        }
    }

    #[test]
    fn piped_replies_are_one_line() {
        assert_eq!(
            render(&out("first\n\nsecond [1]"), true, false),
            "first second [1]\n"
        );
    }

    #[test]
    fn interactive_replies_show_sources() {
        let text = render(&out("A is 1 USD [1]"), true, true);
        assert!(text.contains("[1] A — price: 1 USD (k/p.toml:3)"), "{text}");
        assert!(!render(&out("A"), false, true).contains("sources"));
    }
}

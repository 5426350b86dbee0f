//! The bot's small in-memory state shared by its routes: newcomers waiting on the join
//! check, unanswered questions in groups and the teach offers made on them. Lost on
//! restart (a join check then ends with the restriction's own end time).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use herald_platform::PlatformKind;

/// Members who have not pressed the join check's button yet, by (platform, chat, user).
pub(super) type Pending = Mutex<HashMap<(PlatformKind, String, String), ()>>;

/// A message as (platform, chat, message id).
pub(super) type MessageKey = (String, String, String);

/// Recent unanswered questions in groups, and the teach offers made.
#[derive(Default)]
pub(super) struct Offers {
    /// (platform, chat, message id) → the question, oldest first.
    pub(super) unanswered: Mutex<VecDeque<(MessageKey, String)>>,
    /// Offer id → (question, the manager's answer).
    pub(super) offers: Mutex<HashMap<u64, (String, String)>>,
    pub(super) next: std::sync::atomic::AtomicU64,
}

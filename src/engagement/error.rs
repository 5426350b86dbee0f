//! What can go wrong with the engagement log.

#[derive(Debug, thiserror::Error)]
pub enum EngagementError {
    #[error("engagement log: the data folder could not be read or written")]
    Storage(#[from] sled::Error),
    #[error("engagement log: a record could not be encoded")]
    Encode(#[from] serde_json::Error),
    #[error("engagement log: its writer thread could not start")]
    Writer(#[source] std::io::Error),
}

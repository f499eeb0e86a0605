//! Everything that talks to GitHub: upstream DTOs, the HTTP client, normalisation into the
//! domain model, and the incremental sync that keeps the task list fresh.

pub mod client;
pub mod dto;
pub mod error;
pub mod node_id;
pub mod normalize;
pub mod sync;
pub mod token;

pub use client::{ClientOptions, Endpoints, GitHubClient, Pacing};
pub use error::ClientError;
pub use sync::{SyncOptions, SyncOutcome, TaskSync};
pub use token::Token;

//! The GitHub simulator (placeholder until it lands).

//! agentbar: keep an eye on AI coding agents from the menu bar.
pub mod diff;
pub mod github;
pub mod model;
pub mod poller;
pub mod sim;
pub mod store;
pub mod wire;

//! How loud a message for the user is: the same three levels in notices, the CLI and logs.

/// How loud a notice is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// For information.
    Info,
    /// Something needs attention.
    Warning,
    /// Something failed.
    Error,
}

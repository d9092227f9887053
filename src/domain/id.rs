//! `uuid_id!`: the one definition of qimg's local ids (jobs, batches), a UUID made on this
//! machine with its short form and parsing.

/// Defines a `Copy` id type wrapping a UUID, with `new`, `short` (first 8 hex digits),
/// `parse` (a full UUID), `Default` (a new one) and `Display` (the full UUID).
macro_rules! uuid_id {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord,
            serde::Serialize, serde::Deserialize,
        )]
        pub struct $name(pub uuid::Uuid);

        impl $name {
            /// A new random id.
            pub fn new() -> Self {
                Self(uuid::Uuid::new_v4())
            }

            /// The first 8 hex digits, for display and file names.
            pub fn short(&self) -> String {
                self.0.simple().to_string()[..8].to_owned()
            }

            /// Parses a full UUID.
            pub fn parse(s: &str) -> Option<Self> {
                uuid::Uuid::parse_str(s.trim()).ok().map(Self)
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::new()
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
    };
}

pub(crate) use uuid_id;

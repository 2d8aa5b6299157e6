//! Engine tests against the vendor fakes.

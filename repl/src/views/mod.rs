//! The internals views: what no other shell shows.
//!
//! Each view is a function from the open pager (and its arguments) to the
//! text the shell prints, so that the snapshot tests see exactly what a
//! person at the shell sees.

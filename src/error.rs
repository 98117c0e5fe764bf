//! Exit codes, mapped from error kinds in one place.

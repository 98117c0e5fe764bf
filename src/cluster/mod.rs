//! cluster: API calls (filled in by the live-create work).

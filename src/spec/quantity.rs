//! Kubernetes quantities and JVM sizes, parsed for comparisons and validation.

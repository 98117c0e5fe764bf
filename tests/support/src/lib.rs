//! fake-kube: a fake Kubernetes API server for kafkactl's tests.

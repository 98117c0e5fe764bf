//! clap arguments of `kafkactl check`.

use clap::Args;

use super::SpecArgs;

/// `kafkactl check [NAME] [--preset P] [create's spec flags]`
#[derive(Debug, Args)]
#[command(
    long_about = "Preflight: say, before anything is applied, whether this Kubernetes cluster can run this spec.\n\n\
The spec is built exactly as `kafkactl create` builds it: the preset (default: production), then the flags. \
The checklist covers the API server and its version (against what the Strimzi release needs), your permissions \
(a SelfSubjectAccessReview for every verb and resource the create would use), the Strimzi operator (installed, \
ready, watching the namespace, supporting the Kafka version and metadata mode), StorageClasses (present or a \
default, volume expansion), scheduling (nodes for required anti-affinity, taints, node selectors, allocatable CPU \
and memory, NodePorts, load balancers), and names (the cluster name, KafkaNodePool names in the namespace).\n\n\
Each line is ✓ (passed), ! (warning, does not stop a create) or ✗ (failed), with a hint under the problems; \
when stdout is not a terminal the marks are the words ok, warn and FAIL. \
The exit code is 4 when any check failed, 0 otherwise. `create` runs the same checks before applying \
(skip them with --skip-checks).\n\n\
Examples:\n  kafkactl check my-cluster\n  kafkactl check my-cluster --preset zookeeper-classic -n kafka-zk\n  \
kafkactl check --brokers 5 --storage-class fast-ssd -o json"
)]
pub struct CheckArgs {
    /// Name of the Kafka cluster to check for (without it, the cluster-name check is skipped).
    pub name: Option<String>,
    /// A built-in preset (see `kafkactl presets list`) or a preset file [default: production].
    #[arg(long, short = 'p', value_name = "NAME|PATH", env = "KAFKACTL_PRESET")]
    pub preset: Option<String>,
    #[command(flatten)]
    pub spec: SpecArgs,
}

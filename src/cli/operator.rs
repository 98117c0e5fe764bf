//! clap arguments of `kafkactl operator` and of `create --install-operator`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

/// `kafkactl operator …`: install, inspect and remove the Strimzi cluster operator.
#[derive(Debug, Subcommand)]
pub enum OperatorCommand {
    /// Install (or upgrade, or extend) the Strimzi cluster operator from a release bundle.
    #[command(
        long_about = "Install the Strimzi cluster operator from a release bundle, with server-side apply.\n\n\
        The operator runs in -n (default kafka; created when missing). Every RoleBinding and ClusterRoleBinding \
        subject is pointed at that namespace; --watch adds the RoleBindings each watched namespace needs, \
        --watch-all the cluster-wide ClusterRoleBindings. kafkactl waits until every CRD is Established and \
        the operator Deployment has rolled out.\n\n\
        One operator serves a whole cluster: when one already runs (in any namespace), kafkactl extends its \
        watched namespaces instead of installing a second one; a bundle of another version upgrades it \
        (a downgrade asks for confirmation).\n\n\
        Examples:\n  kafkactl operator install --from strimzi-0.45.2/install/cluster-operator/ --watch team-a,team-b\n  \
        kafkactl operator install --version 1.2.0 --registry harbor.corp/mirror --image-pull-secret harbor\n  \
        kafkactl operator install --from bundle.yaml --dry-run > operator.yaml",
        visible_alias = "upgrade"
    )]
    Install(OperatorInstallArgs),
    /// Show the Strimzi operator: version, image, watched namespaces, readiness, Kafka versions, CRDs.
    Status(OperatorStatusArgs),
    /// Convert every Strimzi resource to kafka.strimzi.io/v1 and store the CRDs as v1 (on Strimzi 0.49 to 0.51),
    /// so that a release without v1beta2 (1.0 and later) can be installed.
    ConvertApi(ConvertApiArgs),
    /// Remove the Strimzi operator (CRDs only with --delete-crds).
    #[command(
        long_about = "Remove the Strimzi cluster operator: its Deployment, ServiceAccount, ConfigMap and RBAC \
        (the objects labelled app=strimzi that belong to it). Kafka clusters keep running, unmanaged.\n\n\
        The CRDs (and with them every Kafka, KafkaNodePool, KafkaTopic... in the cluster) are deleted only with \
        --delete-crds, which is refused while Kafka clusters exist unless --force is given too."
    )]
    Uninstall(OperatorUninstallArgs),
}

/// Where the release bundle comes from.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Release bundle")]
pub struct BundleSourceArgs {
    /// Strimzi release to download from GitHub (e.g. 1.2.0); cached under ~/.cache/kafkactl/strimzi/.
    #[arg(
        long,
        value_name = "X.Y.Z",
        conflicts_with = "from",
        long_help = "Strimzi release to download: the asset strimzi-cluster-operator-X.Y.Z.yaml of the GitHub \
            release X.Y.Z. Downloads are cached under the user's cache directory \
            ($XDG_CACHE_HOME/kafkactl/strimzi/X.Y.Z/, else ~/.cache/...). KAFKACTL_STRIMZI_RELEASES_URL replaces \
            https://github.com/strimzi/strimzi-kafka-operator/releases/download (e.g. an internal mirror). \
            Without a network, use --from. [default: the installed operator's version, else 1.2.0]"
    )]
    pub version: Option<String>,
    /// A release bundle on disk: strimzi-cluster-operator-X.Y.Z.yaml, or the install/cluster-operator/ directory.
    #[arg(long, value_name = "PATH", env = "KAFKACTL_STRIMZI_BUNDLE")]
    pub from: Option<PathBuf>,
}

/// How the operator is installed: where it watches, images, settings.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Operator settings")]
pub struct OperatorSettingsArgs {
    /// Namespaces the operator watches, comma-separated (default: its own); they are created when missing.
    #[arg(long, value_name = "NS,...", value_delimiter = ',', conflicts_with = "watch_all")]
    pub watch: Vec<String>,
    /// Watch every namespace (STRIMZI_NAMESPACE=*, with cluster-wide ClusterRoleBindings).
    #[arg(long)]
    pub watch_all: bool,
    /// Registry mirror for every image the bundle names (e.g. harbor.corp/mirror).
    #[arg(
        long,
        value_name = "HOST[/PATH]",
        long_help = "Registry mirror for every image the bundle names: the operator image, STRIMZI_KAFKA_IMAGES \
            and the other *_IMAGES lists, and every STRIMZI_DEFAULT_* image. The mirror replaces the source \
            registry and keeps the repository path: quay.io/strimzi/operator:1.2.0 with harbor.corp/mirror \
            becomes harbor.corp/mirror/strimzi/operator:1.2.0."
    )]
    pub registry: Option<String>,
    /// Secret for pulling the operator's and its operands' images (repeatable; also STRIMZI_IMAGE_PULL_SECRETS).
    #[arg(long = "image-pull-secret", value_name = "NAME")]
    pub image_pull_secrets: Vec<String>,
    /// Set an environment variable of the operator, repeatable (e.g. STRIMZI_FEATURE_GATES=+SomeGate).
    #[arg(long = "env", value_name = "KEY=VALUE", value_parser = parse_env)]
    pub env: Vec<(String, String)>,
}

/// `--version` is the Strimzi release here, so clap's own version flag is off.
#[derive(Debug, Args)]
#[command(disable_version_flag = true)]
pub struct OperatorInstallArgs {
    #[command(flatten)]
    pub source: BundleSourceArgs,
    #[command(flatten)]
    pub settings: OperatorSettingsArgs,
    /// Print the transformed bundle (multi-document YAML; a List with -o json) instead of applying it.
    #[arg(long)]
    pub dry_run: bool,
    /// Take over fields another field manager owns (server-side apply force).
    #[arg(long)]
    pub force_conflicts: bool,
    /// Return after applying; do not wait for the CRDs and the rollout.
    #[arg(long)]
    pub no_wait: bool,
}

#[derive(Debug, Args)]
pub struct OperatorStatusArgs {}

#[derive(Debug, Args)]
pub struct OperatorUninstallArgs {
    /// Delete Strimzi's CRDs too, and with them every Strimzi resource in the cluster.
    #[arg(long)]
    pub delete_crds: bool,
    /// With --delete-crds: delete them even though Kafka clusters still exist (asks for confirmation).
    #[arg(long, requires = "delete_crds")]
    pub force: bool,
}

/// `create --install-operator`: install the operator first when it is missing.
/// `--from` (as in `operator install`) is an alias; `--version` is not, since it
/// reads as kafkactl's own version on `create` (`--operator-version` says which).
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Operator", disable_version_flag = true)]
pub struct CreateOperatorArgs {
    /// Install the Strimzi operator first (watching this namespace) when none watches it.
    #[arg(long)]
    pub install_operator: bool,
    /// With --install-operator: the Strimzi release to download.
    #[arg(
        long = "operator-version",
        value_name = "X.Y.Z",
        requires = "install_operator",
        conflicts_with = "operator_from"
    )]
    pub operator_version: Option<String>,
    /// With --install-operator: a release bundle on disk (file or install/cluster-operator/ directory).
    #[arg(
        long = "operator-from",
        visible_alias = "from",
        value_name = "PATH",
        requires = "install_operator"
    )]
    pub operator_from: Option<PathBuf>,
}

impl CreateOperatorArgs {
    pub fn source(&self) -> BundleSourceArgs {
        BundleSourceArgs {
            version: self.operator_version.clone(),
            from: self.operator_from.clone(),
        }
    }
}

/// `KEY=VALUE` with a non-empty key.
fn parse_env(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => Ok((key.trim().to_string(), value.to_string())),
        _ => Err(format!(
            "\"{text}\" is not KEY=VALUE (e.g. STRIMZI_FEATURE_GATES=+SomeGate)"
        )),
    }
}

#[derive(Debug, Args)]
pub struct ConvertApiArgs {
    /// List what would be converted; write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

//! Connecting like kubectl: `--kubeconfig`, the `KUBECONFIG` list, then
//! `~/.kube/config`, then in-cluster; `--context`; exec credential plugins
//! (handled by kube). Retries of throttled/unavailable answers live here.

use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig, KubeconfigError};
use kube::{Client, Config};

use crate::cli::ConnectionArgs;
use crate::error::{Failure, FailureKind};

/// A connected client and what it points at.
#[derive(Clone)]
pub struct Connection {
    pub client: Client,
    /// The API server URL.
    pub server: String,
}

/// Build a client from the connection flags, or say clearly why not.
pub async fn connect(args: &ConnectionArgs) -> Result<Connection, Failure> {
    let options = KubeConfigOptions {
        context: args.context.clone(),
        ..KubeConfigOptions::default()
    };
    let config = match &args.kubeconfig {
        Some(path) => {
            let kubeconfig = Kubeconfig::read_from(path).map_err(|e| no_cluster(kubeconfig_words(&e, None)))?;
            let contexts = context_names(&kubeconfig);
            Config::from_custom_kubeconfig(kubeconfig, &options)
                .await
                .map_err(|e| {
                    no_cluster(format!(
                        "kubeconfig {}: {}",
                        path.display(),
                        kubeconfig_words(&e, Some(&contexts))
                    ))
                })?
        }
        None => match Config::from_kubeconfig(&options).await {
            Ok(config) => config,
            Err(kubeconfig_error) if args.context.is_none() => Config::incluster().map_err(|_| {
                no_cluster(format!(
                    "no Kubernetes cluster is configured ({})",
                    kubeconfig_words(&kubeconfig_error, None)
                ))
            })?,
            Err(e) => {
                let contexts = Kubeconfig::read().ok().map(|k| context_names(&k));
                return Err(no_cluster(kubeconfig_words(&e, contexts.as_deref())));
            }
        },
    };
    build_client(config, args.timeout)
}

/// kube's default retry layer stays on: it retries 429, 503 and 504 with
/// exponential backoff and honours `Retry-After`. 500s are retried by the
/// apply engine, which knows its requests are idempotent.
fn build_client(mut config: Config, timeout: Duration) -> Result<Connection, Failure> {
    let server = config.cluster_url.to_string();
    // A TCP connect never takes longer than the command may (a shorter --timeout bounds it).
    config.connect_timeout = Some(timeout.min(Duration::from_secs(10)));
    let client = kube::client::ClientBuilder::try_from(config)
        .map_err(|e| Failure::runtime(format!("cannot build a Kubernetes client: {e}")))?
        .with_layer(&super::trace::TraceLayer) // -v: each request on stderr
        .build();
    Ok(Connection { client, server })
}

fn context_names(kubeconfig: &Kubeconfig) -> Vec<String> {
    kubeconfig.contexts.iter().map(|c| c.name.clone()).collect()
}

/// A kubeconfig problem in the user's words (kube's own say `failed to read kubeconfig from
/// '"/path"'` and `failed to load current context: nope`), naming the contexts there are.
fn kubeconfig_words(error: &KubeconfigError, contexts: Option<&[String]>) -> String {
    let known = match contexts {
        Some([]) => "; it has no contexts".to_string(),
        Some(names) => format!("; its contexts: {}", names.join(", ")),
        None => String::new(),
    };
    match error {
        KubeconfigError::ReadConfig(io, path) => format!("cannot read kubeconfig {}: {io}", path.display()),
        KubeconfigError::LoadContext(name) => format!("context \"{name}\" is not in the kubeconfig{known}"),
        KubeconfigError::LoadClusterOfContext(name) => {
            format!("the cluster that context \"{name}\" names is not in the kubeconfig")
        }
        KubeconfigError::CurrentContextNotSet => {
            format!("the kubeconfig sets no current-context; pass --context{known}")
        }
        KubeconfigError::Parse(e) => format!("the kubeconfig is not valid YAML: {}", e.without_snippet()),
        KubeconfigError::MissingClusterUrl => "the kubeconfig's cluster has no server URL".to_string(),
        other => other.to_string(),
    }
}

fn no_cluster(message: String) -> Failure {
    Failure::new(FailureKind::Usage, message)
        .with_hint("point kafkactl at a cluster with --kubeconfig, KUBECONFIG or --context")
        .with_hint("or print the objects without a cluster: kafkactl create NAME --dry-run")
}

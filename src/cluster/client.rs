//! Connecting like kubectl: `--kubeconfig`, the `KUBECONFIG` list, then
//! `~/.kube/config`, then in-cluster; `--context`; exec credential plugins
//! (handled by kube). Retries of throttled/unavailable answers live here.

use std::path::PathBuf;
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig, KubeconfigError};
use kube::{Client, Config};

/// Why no client could be built. The kubeconfig's own error stays the source; the words
/// users read (which flag to pass) are written at the command edge (`crate::error`).
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// `--kubeconfig PATH` could not be read or parsed.
    #[error("cannot load the kubeconfig: {source}")]
    UnreadableKubeconfig {
        #[source]
        source: KubeconfigError,
    },
    /// `--kubeconfig PATH` was read but leads to no cluster (unknown context, no server, …).
    #[error("kubeconfig {}: {source}", .path.display())]
    BadKubeconfig {
        path: PathBuf,
        /// The contexts the file has, to name them.
        contexts: Vec<String>,
        #[source]
        source: KubeconfigError,
    },
    /// No kubeconfig (or no usable one) and not running inside a cluster.
    #[error("no Kubernetes cluster is configured: {source}")]
    NoCluster {
        #[source]
        source: KubeconfigError,
    },
    /// The default kubeconfig does not have the asked context (or another problem with it).
    #[error("{source}")]
    BadContext {
        /// The contexts of the default kubeconfig, when it could be read.
        contexts: Option<Vec<String>>,
        #[source]
        source: KubeconfigError,
    },
    #[error("cannot build a Kubernetes client: {source}")]
    Client {
        #[source]
        source: kube::Error,
    },
}

/// A connected client and what it points at.
#[derive(Clone)]
pub struct Connection {
    pub client: Client,
    /// The API server URL.
    pub server: String,
}

/// Where and how to connect, as kubectl takes it (built from the global
/// flags at the edge, `cli::ConnectionArgs`).
#[derive(Debug, Clone, Default)]
pub struct ConnectionOptions {
    /// A kubeconfig file; else `KUBECONFIG`, `~/.kube/config`, in-cluster.
    pub kubeconfig: Option<PathBuf>,
    /// A kubeconfig context; else the current one.
    pub context: Option<String>,
    /// The namespace asked for (`-n`), if any.
    pub namespace: Option<String>,
    /// How long a command may take; it also bounds a TCP connect.
    pub timeout: Duration,
}

/// Build a client from the connection options, or say clearly why not.
pub async fn connect(args: &ConnectionOptions) -> Result<Connection, ConnectError> {
    let options = KubeConfigOptions {
        context: args.context.clone(),
        ..KubeConfigOptions::default()
    };
    let config = match &args.kubeconfig {
        Some(path) => {
            let kubeconfig =
                Kubeconfig::read_from(path).map_err(|source| ConnectError::UnreadableKubeconfig { source })?;
            let contexts = context_names(&kubeconfig);
            Config::from_custom_kubeconfig(kubeconfig, &options)
                .await
                .map_err(|source| ConnectError::BadKubeconfig {
                    path: path.clone(),
                    contexts,
                    source,
                })?
        }
        None => match Config::from_kubeconfig(&options).await {
            Ok(config) => config,
            Err(source) if args.context.is_none() => {
                Config::incluster().map_err(|_| ConnectError::NoCluster { source })?
            }
            Err(source) => {
                let contexts = Kubeconfig::read().ok().map(|k| context_names(&k));
                return Err(ConnectError::BadContext { contexts, source });
            }
        },
    };
    build_client(config, args.timeout)
}

/// kube's default retry layer stays on: it retries 429, 503 and 504 with
/// exponential backoff and honours `Retry-After`. 500s are retried by the
/// apply engine, which knows its requests are idempotent.
fn build_client(mut config: Config, timeout: Duration) -> Result<Connection, ConnectError> {
    let server = config.cluster_url.to_string();
    // A TCP connect never takes longer than the command may (a shorter --timeout bounds it).
    config.connect_timeout = Some(timeout.min(Duration::from_secs(10)));
    let client = kube::client::ClientBuilder::try_from(config)
        .map_err(|source| ConnectError::Client { source })?
        .with_layer(&super::trace::TraceLayer) // -v: each request on stderr
        .build();
    Ok(Connection { client, server })
}

fn context_names(kubeconfig: &Kubeconfig) -> Vec<String> {
    kubeconfig.contexts.iter().map(|c| c.name.clone()).collect()
}

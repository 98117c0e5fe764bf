//! A failed connection in the user's words: which kubeconfig, which context, and the flags
//! that point kafkactl at a cluster.

use kube::config::KubeconfigError;

use super::{Failure, FailureKind};
use crate::cluster::client::ConnectError;

super::api::owned_into_failure!(ConnectError);

impl From<&ConnectError> for Failure {
    fn from(error: &ConnectError) -> Self {
        match error {
            ConnectError::UnreadableKubeconfig { source } => no_cluster(kubeconfig_words(source, None)),
            ConnectError::BadKubeconfig { path, contexts, source } => no_cluster(format!(
                "kubeconfig {}: {}",
                path.display(),
                kubeconfig_words(source, Some(contexts))
            )),
            ConnectError::NoCluster { source } => no_cluster(format!(
                "no Kubernetes cluster is configured ({})",
                kubeconfig_words(source, None)
            )),
            ConnectError::BadContext { contexts, source } => no_cluster(kubeconfig_words(source, contexts.as_deref())),
            ConnectError::Client { .. } => Failure::runtime(error.to_string()),
        }
    }
}

fn no_cluster(message: String) -> Failure {
    Failure::new(FailureKind::Usage, message)
        .with_hint("point kafkactl at a cluster with --kubeconfig, KUBECONFIG or --context")
        .with_hint("or print the objects without a cluster: kafkactl create NAME --dry-run")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_context_names_the_contexts_there_are_and_the_flags() {
        let error = ConnectError::BadContext {
            contexts: Some(vec!["prod".into(), "dev".into()]),
            source: KubeconfigError::LoadContext("missing".into()),
        };
        let failure = Failure::from(error);
        assert_eq!(failure.kind, FailureKind::Usage);
        assert_eq!(
            failure.message,
            "context \"missing\" is not in the kubeconfig; its contexts: prod, dev"
        );
        assert!(failure.hints[0].contains("--context"), "{:?}", failure.hints);
    }

    #[test]
    fn no_current_context_says_to_pass_one() {
        let error = ConnectError::BadKubeconfig {
            path: "/tmp/kc".into(),
            contexts: vec![],
            source: KubeconfigError::CurrentContextNotSet,
        };
        assert_eq!(
            Failure::from(error).message,
            "kubeconfig /tmp/kc: the kubeconfig sets no current-context; pass --context; it has no contexts"
        );
    }

    #[test]
    fn a_connect_error_that_reached_the_edge_through_anyhow_is_worded_there() {
        let error = anyhow::Error::new(ConnectError::NoCluster {
            source: KubeconfigError::MissingClusterUrl,
        });
        let error = crate::error::at_the_edge(error);
        assert_eq!(crate::error::failure_kind(&error), FailureKind::Usage);
        let text = crate::ui::errors::format_error(&error);
        assert!(
            text.contains("no Kubernetes cluster is configured (the kubeconfig's cluster has no server URL)"),
            "{text}"
        );
        assert!(text.contains("--kubeconfig, KUBECONFIG or --context"), "{text}");
    }
}

//! The connection flags, turned into the plain options `cluster::client`
//! takes: clap types stop at this edge.

use super::ConnectionArgs;
use crate::cluster::client::ConnectionOptions;

impl From<&ConnectionArgs> for ConnectionOptions {
    fn from(args: &ConnectionArgs) -> Self {
        ConnectionOptions {
            kubeconfig: args.kubeconfig.clone(),
            context: args.context.clone(),
            namespace: args.namespace.clone(),
            timeout: args.timeout,
        }
    }
}

impl ConnectionArgs {
    /// The options `cluster::client::connect` takes.
    pub fn options(&self) -> ConnectionOptions {
        ConnectionOptions::from(self)
    }
}

//! How `create` (at the end) and `status` show a cluster report: health,
//! components, nodes, listeners, problems, how to connect.

use crate::cluster::report::ClusterReport;
use crate::ui::output::{TextOutput, table};

impl TextOutput for ClusterReport {
    fn text(&self) -> String {
        let mut out = String::new();
        let state = if self.ready {
            "Ready".to_string()
        } else {
            self.condition
                .as_ref()
                .map(|c| c.kind.clone())
                .unwrap_or_else(|| "NotReady".into())
        };
        out.push_str(&format!("Cluster:    {}/{}\n", self.namespace, self.name));
        match &self.unmanaged {
            Some(why) => out.push_str(&format!(
                "Status:     {state} as Strimzi last reported it; UNMANAGED: {why}\n"
            )),
            None => out.push_str(&format!("Status:     {state}\n")),
        }
        if let Some(c) = self.condition.as_ref().filter(|c| !c.message.is_empty()) {
            out.push_str(&format!("Condition:  {} {}: {}\n", c.kind, c.reason, c.message));
        }
        out.push_str(&format!("Kafka:      {} ({})\n", self.kafka_version, self.metadata));
        if let Some(id) = &self.cluster_id {
            out.push_str(&format!("Cluster ID: {id}\n"));
        }
        out.push_str("\nComponents:\n");
        let rows: Vec<Vec<String>> = self
            .components
            .iter()
            .map(|c| {
                vec![
                    format!("  {}", c.name),
                    format!("{}/{}", c.ready, c.total),
                    c.phase.clone(),
                ]
            })
            .collect();
        out.push_str(&table(&["  COMPONENT", "READY", "STATE"], &rows));
        if !self.nodes.is_empty() {
            out.push_str("\nNodes:\n");
            let rows: Vec<Vec<String>> = self
                .nodes
                .iter()
                .map(|n| {
                    vec![
                        format!("  {}", n.pod),
                        n.pool.clone(),
                        n.node_id.to_string(),
                        n.roles.join(","),
                        if n.ready { "yes".into() } else { "no".into() },
                        n.restarts.to_string(),
                        n.node.clone().unwrap_or_else(|| "-".into()),
                    ]
                })
                .collect();
            out.push_str(&table(
                &["  POD", "POOL", "ID", "ROLES", "READY", "RESTARTS", "NODE"],
                &rows,
            ));
        }
        out.push_str("\nListeners:\n");
        let rows: Vec<Vec<String>> = self
            .listeners
            .iter()
            .map(|l| {
                vec![
                    format!("  {}", l.name),
                    l.kind.clone(),
                    l.port.to_string(),
                    if l.tls { "yes".into() } else { "no".into() },
                    l.authentication.clone(),
                    if l.bootstrap_servers.is_empty() {
                        "-".into()
                    } else {
                        l.bootstrap_servers.clone()
                    },
                ]
            })
            .collect();
        out.push_str(&table(&["  NAME", "TYPE", "PORT", "TLS", "AUTH", "BOOTSTRAP"], &rows));
        if !self.diagnostics.is_empty() {
            out.push_str("\nProblems:\n");
            for d in &self.diagnostics {
                out.push_str(&format!("  ! {d}\n"));
            }
        }
        if !self.connect.is_empty() {
            out.push_str("\nConnect:\n");
            for c in &self.connect {
                out.push_str(&format!("  {c}\n"));
            }
        }
        out
    }
}

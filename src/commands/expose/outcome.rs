//! What `expose` did, as one value that prints as text or as one JSON/YAML document, and
//! where the credentials of the change are.

use serde::Serialize;
use serde_json::Value;

use crate::cluster::apply::{AppliedObject, ObjectRef};
use crate::render::kafka_user::{self, SCRAM_SECRET_KEYS, TLS_SECRET_KEYS};
use crate::spec::ListenerAuth;
use crate::spec::exposure_change::{Change, Target, UserChange};
use crate::spec::names;
use crate::ui;
use crate::ui::output::TextOutput;

/// One address a client uses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    /// `bootstrap`, `broker 3`, `zoo-entrance`, `prometheus`.
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub broker: Option<i32>,
    /// `host:port`, or a URL.
    pub address: String,
}

/// Where the credentials are and how a client uses them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Credentials {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kafka_user: Option<String>,
    pub secret: String,
    pub keys: Vec<String>,
    /// Commands that print the values.
    pub commands: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub client_properties: Vec<String>,
}

/// `--dry-run`: what would be applied and deleted.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DryRunChanges {
    pub apply: Vec<Value>,
    pub delete: Vec<ObjectRef>,
}

crate::result_word! {
    /// How an `expose` ended.
    pub enum ExposeResult {
        Exposed => "exposed",
        Removed => "removed",
        Unchanged => "unchanged",
        /// `--no-wait`: applied, addresses not waited for.
        Applied => "applied",
        DryRun => "dry-run",
    }
}

/// What `expose` did, printed as text or as one JSON/YAML document.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ExposeOutcome {
    pub cluster: String,
    pub namespace: String,
    pub target: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listener: Option<String>,
    pub result: ExposeResult,
    /// What is open to whom after the change.
    pub access: Vec<String>,
    pub warnings: Vec<String>,
    pub notes: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bootstrap_servers: Option<String>,
    pub addresses: Vec<Address>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub credentials: Option<Credentials>,
    pub objects: Vec<AppliedObject>,
    pub pruned: Vec<ObjectRef>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dry_run: Option<DryRunChanges>,
}

impl TextOutput for ExposeOutcome {
    fn text(&self) -> String {
        let mut out = String::new();
        let what = match &self.listener {
            Some(l) => format!("{} listener \"{l}\"", self.target),
            None => self.target.to_string(),
        };
        out.push_str(&format!(
            "{what} of {}/{}: {}\n",
            self.namespace, self.cluster, self.result
        ));
        for line in &self.access {
            out.push_str(&format!("  {line}\n"));
        }
        for note in &self.notes {
            out.push_str(&format!("note: {note}\n"));
        }
        for warning in &self.warnings {
            out.push_str(&format!("warning: {warning}\n"));
        }
        if let Some(bootstrap) = &self.bootstrap_servers {
            out.push_str(&format!("\nBootstrap servers: {bootstrap}\n"));
        }
        if !self.addresses.is_empty() {
            let rows: Vec<Vec<String>> = self
                .addresses
                .iter()
                .map(|a| vec![a.name.clone(), a.address.clone()])
                .collect();
            out.push('\n');
            out.push_str(&ui::output::table(&["NAME", "ADDRESS"], &rows));
        }
        if let Some(c) = &self.credentials {
            out.push('\n');
            match &c.kafka_user {
                Some(user) => out.push_str(&format!(
                    "Credentials: KafkaUser {user}; Strimzi's User Operator writes them into Secret {} (keys {})\n",
                    c.secret,
                    c.keys.join(", ")
                )),
                None => out.push_str(&format!(
                    "Credentials: Secret {} (keys {})\n",
                    c.secret,
                    c.keys.join(", ")
                )),
            }
            for command in &c.commands {
                out.push_str(&format!("  {command}\n"));
            }
            if !c.client_properties.is_empty() {
                out.push_str("Client properties:\n");
                for line in &c.client_properties {
                    out.push_str(&format!("  {line}\n"));
                }
            }
        }
        if let Some(dry) = &self.dry_run {
            out.push_str(&dry_run_text(dry));
        } else {
            out.push_str(&format!(
                "\n{}",
                crate::commands::shared::change::summarize_actions(&self.objects)
            ));
            if !self.pruned.is_empty() {
                let pruned: Vec<String> = self.pruned.iter().map(ObjectRef::to_string).collect();
                out.push_str(&format!("; deleted {}", pruned.join(", ")));
            }
            out.push('\n');
        }
        out
    }
}

fn dry_run_text(dry: &DryRunChanges) -> String {
    let mut out = String::from("\n");
    if dry.apply.is_empty() && dry.delete.is_empty() {
        out.push_str("dry run: nothing would change\n");
        return out;
    }
    for object in &dry.apply {
        out.push_str(&format!(
            "would apply {} {}\n",
            object["kind"].as_str().unwrap_or_default(),
            object["metadata"]["name"].as_str().unwrap_or_default()
        ));
    }
    for object in &dry.delete {
        out.push_str(&format!("would delete {object}\n"));
    }
    if !dry.apply.is_empty() {
        out.push_str("---\n");
        out.push_str(&ui::output::multi_document_yaml(&dry.apply).unwrap_or_default());
    }
    out
}

/// Where the credentials of the change are, and how clients use them.
pub(super) fn credentials(change: &Change) -> Option<Credentials> {
    let spec = &change.spec;
    let ns = &spec.namespace;
    let print = |secret: &str, key: &str| {
        format!(
            "kubectl -n {ns} get secret {secret} -o jsonpath='{{.data.{}}}' | base64 -d",
            key.replace('.', "\\.")
        )
    };
    match (&change.target, &change.user) {
        (Target::Kafka { listener }, UserChange::Apply) => {
            let l = spec.listeners.get(listener)?;
            let user = kafka_user::client_user_name(&spec.name, listener);
            let secret = kafka_user::user_secret(&user);
            let (keys, shown): (Vec<&str>, Vec<&str>) = match l.authentication {
                ListenerAuth::ScramSha512 => (SCRAM_SECRET_KEYS.to_vec(), vec!["sasl.jaas.config"]),
                _ => (TLS_SECRET_KEYS.to_vec(), vec!["user.password"]),
            };
            let mut commands: Vec<String> = shown.iter().map(|key| print(&secret, key)).collect();
            if l.authentication == ListenerAuth::Tls {
                commands.push(format!(
                    "kubectl -n {ns} get secret {secret} -o jsonpath='{{.data.user\\.p12}}' | base64 -d > user.p12"
                ));
            }
            if l.tls {
                commands.push(format!(
                    "kubectl -n {ns} get secret {} -o jsonpath='{{.data.ca\\.crt}}' | base64 -d > ca.crt",
                    names::cluster_ca_cert_secret(&spec.name)
                ));
            }
            Some(Credentials {
                kafka_user: Some(user),
                secret,
                keys: keys.iter().map(|k| k.to_string()).collect(),
                commands,
                client_properties: kafka_user::client_properties(l.tls, l.authentication),
            })
        }
        (Target::Kafka { listener }, _) if !change.removing => {
            let l = spec.listeners.get(listener)?;
            l.tls.then(|| Credentials {
                kafka_user: None,
                secret: names::cluster_ca_cert_secret(&spec.name),
                keys: vec!["ca.crt".to_string()],
                commands: vec![format!(
                    "kubectl -n {ns} get secret {} -o jsonpath='{{.data.ca\\.crt}}' | base64 -d > ca.crt",
                    names::cluster_ca_cert_secret(&spec.name)
                )],
                client_properties: kafka_user::client_properties(true, ListenerAuth::None),
            })
        }
        (Target::Jmx, _) if spec.jmx.password_auth && spec.jmx.enabled => {
            let secret = names::jmx_secret(&spec.name);
            Some(Credentials {
                kafka_user: None,
                commands: ["jmx-username", "jmx-password"]
                    .iter()
                    .map(|key| print(&secret, key))
                    .collect(),
                secret,
                keys: vec!["jmx-username".to_string(), "jmx-password".to_string()],
                client_properties: Vec::new(),
            })
        }
        _ => None,
    }
}

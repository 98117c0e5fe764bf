//! `kafkactl operator convert-api`: on an operator serving both Strimzi APIs
//! (0.49–0.51), convert every Strimzi resource to `kafka.strimzi.io/v1` and
//! move the CRDs' storage to v1 (`operator::convert` decides, `cluster::conversion`
//! writes), so that a release without v1beta2 installs cleanly. Resources
//! that need a person are named and nothing is written. Re-run, it converges.

use serde::Serialize;
use serde_json::Value;

use crate::cli::GlobalArgs;
use crate::cli::operator::ConvertApiArgs;
use crate::cluster::apply::ApplyLog;
use crate::cluster::client::{Connection, connect};
use crate::cluster::conversion::{self, StrimziCrd};
use crate::commands::shared::runner::{Runner, SoFar};
use crate::error::{Failure, FailureKind};
use crate::operator::convert::{Converted, to_v1};
use crate::ui;
use crate::ui::output::TextOutput;
use crate::ui::progress::ProgressView;

pub fn convert_api(global: &GlobalArgs, args: ConvertApiArgs) -> anyhow::Result<()> {
    let log = ApplyLog::default();
    let outcome = Runner::new()?.run(SoFar::Applied(&log), convert_live(global, &args))?;
    ui::output::print_outcome(&outcome, global.output.output)
}

/// One converted resource.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConvertedResource {
    pub kind: String,
    /// `namespace/name`.
    pub name: String,
    pub changes: Vec<String>,
}

crate::result_word! {
    /// How a conversion ended.
    pub enum ConvertResult {
        Converted => "converted",
        Unchanged => "unchanged",
        DryRun => "dry-run",
    }
}

/// What `operator convert-api` did.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ConvertOutcome {
    pub result: ConvertResult,
    pub converted: Vec<ConvertedResource>,
    /// CRDs whose storage moved to v1 and whose storedVersions are now `[v1]`.
    pub crds: Vec<String>,
}

impl TextOutput for ConvertOutcome {
    fn text(&self) -> String {
        let mut out = match self.result {
            ConvertResult::Unchanged => {
                "Every Strimzi resource is stored as kafka.strimzi.io/v1 already.\n".to_string()
            }
            ConvertResult::DryRun => format!(
                "Would convert {} resource(s) and {} CRD(s):\n",
                self.converted.len(),
                self.crds.len()
            ),
            ConvertResult::Converted => format!(
                "Converted {} resource(s) to v1; {} CRD(s) now store v1 only.\n",
                self.converted.len(),
                self.crds.len()
            ),
        };
        for resource in &self.converted {
            let changes = if resource.changes.is_empty() {
                "API version only".to_string()
            } else {
                resource.changes.join("; ")
            };
            out.push_str(&format!("  {} {}: {changes}\n", resource.kind, resource.name));
        }
        out
    }
}

async fn convert_live(global: &GlobalArgs, args: &ConvertApiArgs) -> Result<ConvertOutcome, Failure> {
    let conn = connect(&global.connection.options()).await?;
    let mut crds = conversion::strimzi_crds(&conn).await?;
    // A kind Strimzi dropped (KafkaMirrorMaker from 0.46 on) keeps its old CRD
    // and never gets v1; with no resource of it left, it is not in the way.
    let mut retired = Vec::new();
    for crd in crds.iter().filter(|c| !c.served.iter().any(|v| v == "v1")) {
        let version = crd.storage.clone().unwrap_or_else(|| "v1beta2".into());
        if conversion::list_resources(&conn, crd, &version).await?.is_empty() {
            retired.push(crd.name.clone());
        }
    }
    crds.retain(|c| !retired.contains(&c.name));
    check_served(&crds)?;
    let pending: Vec<&StrimziCrd> = crds.iter().filter(|c| !c.converted()).collect();
    if pending.is_empty() {
        return Ok(ConvertOutcome {
            result: ConvertResult::Unchanged,
            converted: Vec::new(),
            crds: Vec::new(),
        });
    }
    // Everything is read and converted in memory first: a resource that needs
    // a person stops the command before anything is written.
    let mut work = Vec::new();
    let mut manual = Vec::new();
    for crd in &pending {
        let read_at = if crd.served.iter().any(|v| v == "v1beta2") {
            "v1beta2"
        } else {
            "v1"
        };
        for object in conversion::list_resources(&conn, crd, read_at).await? {
            let id = identity(&object);
            match to_v1(&object) {
                Converted::Ready { object, changes } => work.push((*crd, object, id, changes)),
                Converted::Unchanged => work.push((*crd, object, id, Vec::new())),
                Converted::Manual(reasons) => {
                    manual.extend(reasons.into_iter().map(|r| format!("{} {id}: {r}", crd.kind)))
                }
            }
        }
    }
    if !manual.is_empty() {
        return Err(Failure::new(
            FailureKind::Refused,
            format!(
                "{} change(s) need a person before the conversion; nothing was changed:\n  {}",
                manual.len(),
                manual.join("\n  ")
            ),
        )
        .with_hint("fix each resource named above (kubectl edit), then run kafkactl operator convert-api again"));
    }
    let converted: Vec<ConvertedResource> = work
        .iter()
        .map(|(crd, _, id, changes)| ConvertedResource {
            kind: crd.kind.clone(),
            name: id.clone(),
            changes: changes.clone(),
        })
        .collect();
    let crd_names: Vec<String> = pending.iter().map(|c| c.name.clone()).collect();
    if args.dry_run {
        return Ok(ConvertOutcome {
            result: ConvertResult::DryRun,
            converted,
            crds: crd_names,
        });
    }
    // Irreversible: once the CRDs store v1, no release serving only v1beta2 fits them.
    let question = format!(
        "convert {} Strimzi resource(s) to kafka.strimzi.io/v1 and store {} CRD(s) as v1 only? Releases without v1 (0.48 and older) cannot be installed afterwards",
        work.len(),
        crd_names.len()
    );
    ui::prompts::require_confirmation(&global.prompt, &question, "--yes")?;
    let view = ProgressView::new(global.output.quiet);
    for (crd, object, _, _) in &work {
        write_converted(&conn, crd, object.clone()).await?;
    }
    view.message(&format!("converted {} resource(s) to v1", work.len()));
    for crd in &pending {
        conversion::store_as_v1(&conn, crd).await?;
        for object in conversion::list_resources(&conn, crd, "v1").await? {
            rewrite(&conn, crd, object).await?;
        }
        conversion::trim_stored_versions(&conn, crd).await?;
        view.message(&format!("{} stores v1 only", crd.name));
    }
    Ok(ConvertOutcome {
        result: ConvertResult::Converted,
        converted,
        crds: crd_names,
    })
}

/// How often a write refused because the object changed meanwhile (Strimzi
/// updates its resources while they are converted) is read and tried again.
const ATTEMPTS: usize = 5;

/// Write the v1 form of `object`; when Strimzi changed it meanwhile, read it
/// again, convert again, and retry.
async fn write_converted(conn: &Connection, crd: &StrimziCrd, mut object: Value) -> Result<(), Failure> {
    for attempt in 1..=ATTEMPTS {
        match conversion::replace_v1(conn, crd, &object, true).await {
            Ok(()) => return Ok(()),
            Err(e) if conversion::is_stale(&e) && attempt < ATTEMPTS => {
                let read_at = if crd.served.iter().any(|v| v == "v1beta2") {
                    "v1beta2"
                } else {
                    "v1"
                };
                let Some(fresh) = reread(conn, crd, read_at, &object).await? else {
                    return Ok(());
                };
                object = match to_v1(&fresh) {
                    Converted::Ready { object, .. } => object,
                    Converted::Unchanged => fresh,
                    Converted::Manual(reasons) => {
                        return Err(Failure::new(
                            FailureKind::Refused,
                            format!(
                                "{} {} changed while it was converted: {}",
                                crd.kind,
                                identity(&fresh),
                                reasons.join("; ")
                            ),
                        ));
                    }
                };
            }
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Write `object` again as it is, so that it is stored as v1; re-read on a conflict.
async fn rewrite(conn: &Connection, crd: &StrimziCrd, mut object: Value) -> Result<(), Failure> {
    for attempt in 1..=ATTEMPTS {
        match conversion::rewrite(conn, crd, &object).await {
            Ok(()) => return Ok(()),
            Err(e) if conversion::is_stale(&e) && attempt < ATTEMPTS => match reread(conn, crd, "v1", &object).await? {
                Some(fresh) => object = fresh,
                None => return Ok(()),
            },
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

async fn reread(conn: &Connection, crd: &StrimziCrd, version: &str, object: &Value) -> Result<Option<Value>, Failure> {
    let namespace = object["metadata"]["namespace"].as_str();
    let name = object["metadata"]["name"].as_str().unwrap_or_default();
    Ok(conversion::get_resource(conn, crd, version, namespace, name).await?)
}

/// The conversion needs CRDs that serve both versions (Strimzi 0.49–0.51),
/// or that are done already.
fn check_served(crds: &[StrimziCrd]) -> Result<(), Failure> {
    if crds.is_empty() {
        return Err(
            Failure::usage("no Strimzi CRDs are installed: there is nothing to convert")
                .with_hint("install the Strimzi operator first: kafkactl operator install"),
        );
    }
    let missing_v1: Vec<&str> = crds
        .iter()
        .filter(|c| !c.converted() && !c.served.iter().any(|v| v == "v1"))
        .map(|c| c.name.as_str())
        .collect();
    if missing_v1.is_empty() {
        return Ok(());
    }
    Err(Failure::new(
        FailureKind::Refused,
        format!(
            "the installed Strimzi CRDs do not serve kafka.strimzi.io/v1 ({}); nothing was changed",
            missing_v1.join(", ")
        ),
    )
    .with_hint(
        "install a release that serves both v1beta2 and v1 first (0.49 to 0.51); kafkactl upgrade-plan shows the way",
    ))
}

fn identity(object: &serde_json::Value) -> String {
    format!(
        "{}/{}",
        object["metadata"]["namespace"].as_str().unwrap_or_default(),
        object["metadata"]["name"].as_str().unwrap_or_default()
    )
}

//! Installing the Strimzi operator, as `operator install` and
//! `create --install-operator` both do: one Strimzi operator serves a whole
//! cluster, so an install extends (or upgrades) the one that runs instead of
//! adding a second.

use serde::Serialize;

use crate::actions::requested_spec::{SpecRequest, requested_spec};
use crate::cli::operator::{BundleSourceArgs, OperatorSettingsArgs};
use crate::cli::{CreateArgs, GlobalArgs};
use crate::cluster::apply::{Action, AppliedObject, ApplyLog, ApplyOptions, apply_plan};
use crate::cluster::client::Connection;
use crate::cluster::discovery::{OperatorInfo, StrimziInfo, WatchScope, discover};
use crate::cluster::facts::{AccessRequest, reviews};
use crate::cluster::operator::{self as api, OperatorTarget};
use crate::cluster::readiness::Progress;
use crate::cluster::upgrade_state;
use crate::error::{Failure, FailureKind};
use crate::operator::bundle::{self, Bundle, OPERATOR_NAME};
use crate::operator::impact;
use crate::operator::releases;
use crate::operator::source::{self, BundleSource};
use crate::operator::stored_versions;
use crate::operator::transform::{self, OperatorSettings};
use crate::operator::upgrade_checks::{self, Finding, Installed};
use crate::render::Plan;
use crate::ui;
use crate::ui::progress::ProgressView;

/// What an install is asked to do (from `operator install` or `create`).
#[derive(Debug, Clone)]
pub struct InstallRequest {
    pub source: BundleSourceArgs,
    pub settings: OperatorSettingsArgs,
    /// Where a new operator runs (`-n`, default kafka).
    pub namespace: String,
    pub force_conflicts: bool,
    pub no_wait: bool,
}

/// What `operator install` did.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct InstallOutcome {
    /// `installed`, `extended`, `upgraded`, `downgraded`, `reconfigured`, `unchanged`, `applied` (no wait).
    pub result: InstallResult,
    pub version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_version: Option<String>,
    pub namespace: String,
    pub watches: WatchScope,
    pub image: String,
    pub objects: Vec<AppliedObject>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub progress: Option<Progress>,
}

/// Server-side apply needs create and patch on every object of the plan. A
/// user without them (typically: no RBAC for CRDs and ClusterRoles) is told
/// before anything is applied, not after half the bundle went in.
async fn check_permissions(conn: &Connection, plan: &Plan) -> Result<(), Failure> {
    let mut requests = std::collections::BTreeSet::new();
    for object in &plan.objects {
        let Some((resource, namespaced)) = crate::cluster::resources::resolve(object.api_version(), object.kind())
        else {
            continue;
        };
        for verb in ["create", "patch"] {
            requests.insert(AccessRequest {
                verb: verb.to_string(),
                group: resource.group.clone(),
                resource: resource.plural.clone(),
                namespace: if namespaced {
                    object.namespace().map(str::to_string)
                } else {
                    None
                },
            });
        }
    }
    let requests: Vec<AccessRequest> = requests.into_iter().collect();
    // A review that could not be asked is left to the apply to find out.
    let denied: Vec<String> = reviews(conn, &requests)
        .await
        .into_iter()
        .filter(|a| a.allowed == Ok(false))
        .map(|a| {
            let r = &a.request;
            let group = if r.group.is_empty() {
                String::new()
            } else {
                format!(".{}", r.group)
            };
            let scope = r.namespace.as_deref().map(|ns| format!(" in {ns}")).unwrap_or_default();
            format!("{} {}{group}{scope}", r.verb, r.resource)
        })
        .collect();
    if denied.is_empty() {
        return Ok(());
    }
    Err(Failure::new(
        FailureKind::Refused,
        format!(
            "installing the Strimzi operator needs permissions your user lacks: {}; nothing was changed",
            denied.join(", ")
        ),
    )
    .with_hint("ask a cluster admin to install the operator (kafkactl operator install), or to grant you these permissions; `kubectl auth can-i` checks them"))
}

/// What stands between the running operator (if any) and `bundle`, read
/// from the cluster (reads only); `None` when no Strimzi CRDs exist, so
/// nothing could be orphaned.
pub async fn release_findings(
    conn: &Connection,
    info: &StrimziInfo,
    existing: Option<&OperatorInfo>,
    bundle: &Bundle,
    watch: &WatchScope,
) -> Result<Option<upgrade_checks::Findings>, Failure> {
    let Some(served) = info.api().map(|api| api.as_str()) else {
        return Ok(None);
    };
    let state = upgrade_state::read(conn, served).await?;
    let watched = |objects: Vec<serde_json::Value>| -> Vec<serde_json::Value> {
        objects
            .into_iter()
            .filter(|o| watch.includes(o["metadata"]["namespace"].as_str().unwrap_or_default()))
            .collect()
    };
    let installed = Installed {
        operator: existing.and_then(|op| {
            op.version
                .as_deref()
                .map(|v| releases::facts_for(v, op.kafka_versions.clone()))
        }),
        kafkas: watched(state.kafkas),
        users: watched(state.users),
        mirror_makers: watched(state.mirror_makers),
        dropped_stored_versions: stored_versions::dropped_stored_versions(bundle, &state.crds),
        kubernetes_minor: state.kubernetes_minor,
    };
    let bundle_versions = bundle.kafka_images().into_iter().map(|(v, _)| v).collect();
    let target = releases::facts_for(&bundle.version, bundle_versions);
    Ok(Some(upgrade_checks::check(&target, &installed)))
}

/// Before the bundle goes in: every reason this release would orphan a
/// cluster or stop half-way (a ZooKeeper cluster on a KRaft-only release, a
/// Kafka version it does not know, a stored API version its CRDs drop, …) is
/// a refusal listing them all with their fixes, nothing written; what Strimzi
/// itself lets go on (1.x over an unsupported Kafka version) is asked about.
async fn check_release_change(
    global: &GlobalArgs,
    conn: &Connection,
    info: &StrimziInfo,
    existing: Option<&OperatorInfo>,
    bundle: &Bundle,
    watch: &WatchScope,
) -> Result<(), Failure> {
    let Some(findings) = release_findings(conn, info, existing, bundle, watch).await? else {
        return Ok(());
    };
    if !findings.refusals.is_empty() {
        return Err(release_change_refused(bundle, existing, &findings.refusals));
    }
    if !findings.cautions.is_empty() {
        let listed: Vec<String> = findings
            .cautions
            .iter()
            .map(|c| format!("{} {} (then: {})", c.subject, c.why, c.fix))
            .collect();
        let question = format!("install Strimzi {} anyway? {}", bundle.version, listed.join("; "));
        ui::prompts::require_confirmation(&global.prompt, &question, "--yes")?;
    }
    Ok(())
}

pub fn release_change_refused(bundle: &Bundle, existing: Option<&OperatorInfo>, refusals: &[Finding]) -> Failure {
    let running = existing
        .and_then(|op| op.version.as_deref())
        .map(|v| format!(" over the running {v}"))
        .unwrap_or_default();
    let lines: Vec<String> = refusals
        .iter()
        .map(|f| format!("{} {}\n    fix: {}", f.subject, f.why, f.fix))
        .collect();
    let mut failure = Failure::new(
        FailureKind::Refused,
        format!(
            "Strimzi {} cannot be installed{running} yet; nothing was changed:\n  {}",
            bundle.version,
            lines.join("\n  ")
        ),
    );
    if refusals.iter().any(|f| !f.why.contains("storedVersions")) || refusals.is_empty() {
        failure = failure.with_hint(format!(
            "kafkactl upgrade-plan --to {} lists every step in order",
            bundle.version
        ));
    }
    if refusals.iter().any(|f| f.why.contains("storedVersions")) {
        failure = failure
            .with_hint(
                "the conversion is what Strimzi's v1-api-conversion tool does with convert-resource --all-namespaces, then crd-upgrade",
            )
            .with_hint("`kafkactl operator status -o yaml` shows each CRD's stored versions");
    }
    failure
}

/// How an install meets what is already there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// No operator yet: the whole bundle.
    Install,
    /// Same version, same settings: only the watched namespaces grow.
    Extend,
    /// The whole bundle again, over the running operator.
    Reconfigure,
    Upgrade,
    Downgrade,
}

/// Install the operator, or extend / upgrade the one that runs; wait unless told not to.
pub async fn install_operator(
    global: &GlobalArgs,
    conn: &Connection,
    info: &StrimziInfo,
    request: &InstallRequest,
    log: &ApplyLog,
) -> Result<InstallOutcome, Failure> {
    let existing = running_operator(info, &request.namespace, global.connection.namespace.is_some())?;
    let source = bundle_source(&request.source, existing.and_then(|o| o.version.as_deref()));
    let bundle = load_bundle(source).await?;
    let asked = asked_watch(&request.settings);
    let mut view = ProgressView::new(global.output.quiet);
    let (mode, namespace, watch) = match existing {
        None => (
            Mode::Install,
            request.namespace.clone(),
            asked.unwrap_or_else(|| own_only(&request.namespace)),
        ),
        Some(op) => {
            let watch = transform::merge_watch(&op.watches, asked.as_ref().unwrap_or(&op.watches));
            view.message(&format!(
                "found the Strimzi operator {}/{} ({}, watching {}): {}",
                op.namespace,
                op.name,
                op.version.as_deref().unwrap_or("unknown version"),
                op.watches,
                "kafkactl changes it instead of installing a second one"
            ));
            (mode_for(op, &bundle, &request.settings), op.namespace.clone(), watch)
        }
    };
    if mode == Mode::Downgrade {
        let from = existing.and_then(|o| o.version.clone()).unwrap_or_default();
        let question = format!(
            "downgrade the Strimzi operator from {from} to {}? Clusters it manages may use features the older one lacks",
            bundle.version
        );
        ui::prompts::require_confirmation(&global.prompt, &question, "--yes")?;
    }
    if mode != Mode::Extend {
        check_release_change(global, conn, info, existing, &bundle, &watch).await?;
    }
    if let (Some(op), Some(api)) = (existing, info.api()) {
        // The clusters it manages roll to the new release (some it may not
        // manage at all), or to the images of another registry mirror.
        let new_registry = request
            .settings
            .registry
            .as_deref()
            .filter(|r| mode == Mode::Reconfigure && Some(*r) != running_registry(op, &bundle).as_deref());
        if mode == Mode::Upgrade || new_registry.is_some() {
            let kafkas = api::watched_kafkas(conn, api.as_str(), op).await?;
            let from = op.version.as_deref().unwrap_or("its version");
            let question = match new_registry {
                Some(registry) => impact::registry_question(&kafkas, registry),
                None => impact::of_upgrade(&bundle, &kafkas).question(from, &bundle.version),
            };
            if let Some(question) = question {
                ui::prompts::require_confirmation(&global.prompt, &question, "--yes")?;
            }
        }
    }
    let (plan, env_patched) = match (mode, existing) {
        (Mode::Extend, Some(op)) => extend(conn, op, &bundle, &watch).await?,
        (_, Some(op)) => reconfigure(conn, op, &bundle, &watch, &request.settings).await?,
        (_, None) => {
            let settings = settings(&namespace, watch.clone(), &request.settings, None);
            (
                transform::install_plan(&bundle, &settings).map_err(transform_failure)?,
                false,
            )
        }
    };
    check_permissions(conn, &plan).await?;
    let before = Some(api::before_state(conn, &plan).await?);
    if existing.is_some() {
        // Over a running operator, the bundle's cluster-wide objects (CRDs and
        // their RBAC, where conflicts and refused CRD updates happen) are tried
        // on the server first (dry run): a conflict or a refused object then
        // stops the install before anything is written, not half-way through it.
        let rehearsal = ApplyOptions {
            force_conflicts: request.force_conflicts,
            dry_run: true,
        };
        // Cluster-scoped objects only: namespaced ones may be in a namespace
        // the real apply creates first (a newly watched one).
        let mut cluster_scoped = Plan::default();
        for object in plan.objects.iter().filter(|o| {
            matches!(
                o.object["kind"].as_str(),
                Some("CustomResourceDefinition" | "ClusterRole" | "ClusterRoleBinding")
            )
        }) {
            cluster_scoped.push(object.wave, object.object.clone());
        }
        apply_plan(conn, &cluster_scoped, rehearsal, &before, &ApplyLog::default())
            .await
            .map_err(|e| {
                Failure::from(e)
                    .with_hint("nothing was changed: the bundle's CRDs and cluster roles were tried as a server-side dry run first")
            })?;
    }
    let options = ApplyOptions {
        force_conflicts: request.force_conflicts,
        dry_run: false,
    };
    apply_plan(conn, &plan, options, &before, log)
        .await
        .map_err(|f| applied_so_far(f.into(), log))?;
    let objects = log.applied();
    view.message(&format!("applied {}", super::change::summarize_actions(&objects)));
    let unchanged = !env_patched && objects.iter().all(|o| o.action == Action::Unchanged);
    let progress = if request.no_wait {
        None
    } else {
        let crds = match mode {
            Mode::Extend => Vec::new(),
            _ => bundle.crd_names(),
        };
        let target = OperatorTarget {
            namespace: &namespace,
            deployment: existing.map_or(OPERATOR_NAME, |o| o.name.as_str()),
            crds: &crds,
        };
        let progress = api::wait_for_operator(conn, &target, global.connection.timeout, |p| view.update(p)).await?;
        view.finish();
        Some(progress)
    };
    let image = plan
        .objects
        .iter()
        .find(|o| bundle::is_operator_deployment(&o.object))
        .and_then(|o| bundle::operator_container(&o.object))
        .and_then(|c| c["image"].as_str())
        .map(str::to_string)
        .or_else(|| existing.map(|o| o.image.clone()))
        .unwrap_or_default();
    Ok(InstallOutcome {
        result: result_word(mode, unchanged, request.no_wait),
        version: bundle.version.clone(),
        previous_version: existing
            .and_then(|o| o.version.clone())
            .filter(|v| *v != bundle.version),
        namespace,
        watches: watch,
        image,
        objects,
        progress,
    })
}

crate::result_word! {
    /// How an operator install ended.
    pub enum InstallResult {
        Upgraded => "upgraded",
        Downgraded => "downgraded",
        Unchanged => "unchanged",
        Applied => "applied",
        Installed => "installed",
        Extended => "extended",
        Reconfigured => "reconfigured",
    }
}

fn result_word(mode: Mode, unchanged: bool, no_wait: bool) -> InstallResult {
    match (mode, unchanged, no_wait) {
        (Mode::Upgrade, _, _) => InstallResult::Upgraded,
        (Mode::Downgrade, _, _) => InstallResult::Downgraded,
        (_, true, _) => InstallResult::Unchanged,
        (_, false, true) => InstallResult::Applied,
        (Mode::Install, false, false) => InstallResult::Installed,
        (Mode::Extend, false, false) => InstallResult::Extended,
        (Mode::Reconfigure, false, false) => InstallResult::Reconfigured,
    }
}

/// The operator an install changes: the only one, or the one in `-n`.
pub fn running_operator<'a>(
    info: &'a StrimziInfo,
    namespace: &str,
    namespace_given: bool,
) -> Result<Option<&'a OperatorInfo>, Failure> {
    match info.operators.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(one)),
        many => {
            if let Some(op) = many
                .iter()
                .find(|o| o.namespace == namespace)
                .filter(|_| namespace_given)
            {
                return Ok(Some(op));
            }
            let list: Vec<String> = many.iter().map(|o| format!("{}/{}", o.namespace, o.name)).collect();
            Err(Failure::usage(format!(
                "this cluster runs more than one Strimzi operator ({}); kafkactl does not know which one to change",
                list.join(", ")
            ))
            .with_hint("pass -n with the namespace of the operator to change"))
        }
    }
}

fn mode_for(op: &OperatorInfo, bundle: &Bundle, settings: &OperatorSettingsArgs) -> Mode {
    let reconfigure =
        settings.registry.is_some() || !settings.image_pull_secrets.is_empty() || !settings.env.is_empty();
    match op.version.as_deref() {
        Some(v) if bundle::older(&bundle.version, v) => Mode::Downgrade,
        Some(v) if bundle::older(v, &bundle.version) => Mode::Upgrade,
        Some(_) if !reconfigure => Mode::Extend,
        _ => Mode::Reconfigure,
    }
}

/// Extend a running operator: namespaces and bindings for everything it
/// watches, then `STRIMZI_NAMESPACE` (patched, whoever installed it).
async fn extend(
    conn: &Connection,
    op: &OperatorInfo,
    bundle: &Bundle,
    watch: &WatchScope,
) -> Result<(Plan, bool), Failure> {
    let plan = transform::watch_plan(bundle, &op.namespace, watch).map_err(transform_failure)?;
    let patched = match transform::strimzi_namespace_value(watch, &op.namespace) {
        Some(value) if *watch != op.watches => api::set_watched_namespaces(conn, op, &value).await?,
        _ => false,
    };
    Ok((plan, patched))
}

/// The whole bundle over a running operator, in its namespace. The registry
/// mirror it uses is kept unless another is asked for; a literal
/// `STRIMZI_NAMESPACE` is set first (by patch) so that applying never leaves
/// both a value and the bundle's `valueFrom` on the variable.
async fn reconfigure(
    conn: &Connection,
    op: &OperatorInfo,
    bundle: &Bundle,
    watch: &WatchScope,
    asked: &OperatorSettingsArgs,
) -> Result<(Plan, bool), Failure> {
    let registry = asked.registry.clone().or_else(|| running_registry(op, bundle));
    let mut settings = settings(&op.namespace, watch.clone(), asked, registry);
    let own_only = transform::strimzi_namespace_value(watch, &op.namespace).is_none();
    let follows_pod =
        *watch == op.watches && own_only && !crate::cluster::discovery::uses_literal_watch(conn, op).await?;
    let mut patched = false;
    if !follows_pod {
        let value = match watch {
            WatchScope::All => "*".to_string(),
            WatchScope::Namespaces(list) => list.join(","),
        };
        patched = api::set_watched_namespaces(conn, op, &value).await?;
        settings.literal_watch = true;
    }
    let plan = transform::install_plan(bundle, &settings).map_err(transform_failure)?;
    Ok((plan, patched))
}

/// `harbor.corp/mirror` when the running operator image is
/// `harbor.corp/mirror/strimzi/operator:X` and the bundle's is `quay.io/strimzi/operator:Y`.
fn running_registry(op: &OperatorInfo, bundle: &Bundle) -> Option<String> {
    let bundle_image = bundle
        .deployment()
        .and_then(bundle::operator_container)
        .and_then(|c| c["image"].as_str())?;
    let repository = |image: &str| image.rsplit_once(':').map_or(image, |(r, _)| r).to_string();
    let bundle_repo = repository(bundle_image);
    let path = bundle_repo.split_once('/').map(|(_, p)| p)?.to_string();
    let running = repository(&op.image);
    let prefix = running.strip_suffix(&format!("/{path}"))?;
    let bundle_registry = bundle_repo.strip_suffix(&format!("/{path}"))?;
    (prefix != bundle_registry && !prefix.is_empty()).then(|| prefix.to_string())
}

pub fn settings(
    namespace: &str,
    watch: WatchScope,
    asked: &OperatorSettingsArgs,
    registry: Option<String>,
) -> OperatorSettings {
    OperatorSettings {
        namespace: namespace.to_string(),
        watch,
        registry: asked.registry.clone().or(registry),
        image_pull_secrets: asked.image_pull_secrets.clone(),
        env: asked.env.clone(),
        literal_watch: false,
    }
}

pub fn own_only(namespace: &str) -> WatchScope {
    WatchScope::Namespaces(vec![namespace.to_string()])
}

/// `--watch-all`, `--watch a,b`, or nothing asked.
pub fn asked_watch(settings: &OperatorSettingsArgs) -> Option<WatchScope> {
    if settings.watch_all {
        return Some(WatchScope::All);
    }
    let list: Vec<String> = settings
        .watch
        .iter()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    (!list.is_empty()).then_some(WatchScope::Namespaces(list))
}

/// `--from`, else `--version`, else the running operator's version, else the newest kafkactl knows.
pub fn bundle_source(args: &BundleSourceArgs, running: Option<&str>) -> BundleSource {
    match (&args.from, &args.version) {
        (Some(path), _) => BundleSource::Path(path.clone()),
        (None, Some(version)) => BundleSource::Release(version.clone()),
        (None, None) => BundleSource::Release(running.unwrap_or(source::DEFAULT_VERSION).to_string()),
    }
}

/// Reading and downloading block: off the runtime's worker threads.
async fn load_bundle(source: BundleSource) -> Result<Bundle, Failure> {
    tokio::task::spawn_blocking(move || source::load(&source))
        .await
        .map_err(|e| Failure::runtime(format!("reading the Strimzi bundle failed: {e}")))?
}

pub fn transform_failure(error: transform::TransformError) -> Failure {
    Failure::usage(error.to_string()).with_hint("nothing was changed in the cluster")
}

fn applied_so_far(failure: Failure, log: &ApplyLog) -> Failure {
    let applied = log.applied();
    if applied.is_empty() {
        return failure.with_hint("nothing was applied; fix the cause and run the same command again");
    }
    failure.with_hint(format!(
        "{} were applied before the failure; running the same command again converges",
        super::change::summarize_actions(&applied)
    ))
}

// ------------------------------------------------------ create --install-operator

/// `create --install-operator`: when no operator watches the cluster's
/// namespace, install one there (or extend the running one to it) before
/// `create` checks for it. Returns what discovery finds afterwards.
pub async fn install_for_create(
    global: &GlobalArgs,
    args: &CreateArgs,
    conn: &Connection,
    info: StrimziInfo,
) -> Result<StrimziInfo, Failure> {
    if !args.operator.install_operator {
        return Ok(info);
    }
    let namespace = create_namespace(global, args);
    if crate::check::strimzi::ready_operator_watches(&info, &namespace) {
        return Ok(info);
    }
    let request = InstallRequest {
        source: args.operator.source(),
        settings: OperatorSettingsArgs {
            watch: vec![namespace.clone()],
            ..OperatorSettingsArgs::default()
        },
        namespace,
        force_conflicts: args.apply.force_conflicts,
        no_wait: false,
    };
    install_operator(global, conn, &info, &request, &ApplyLog::default()).await?;
    Ok(discover(conn).await?)
}

/// The namespace `create` will use: the spec's (preset or `-n`), else the default.
fn create_namespace(global: &GlobalArgs, args: &CreateArgs) -> String {
    let fallback = super::change::namespace(global).to_string();
    let Some(name) = args.name.as_deref() else {
        return fallback;
    };
    let request = SpecRequest {
        name,
        preset: args.preset.as_deref(),
        overrides: args.spec.to_overrides(global.connection.namespace.as_deref()),
        served_api: None,
        existing: None,
        update: false,
    };
    requested_spec(request)
        .map(|(spec, _)| spec.namespace)
        .unwrap_or(fallback)
}

//! `kafkactl expose NAME kafka|jmx|zookeeper|prometheus`: change the stored
//! spec so that a component is reachable from outside the Kubernetes cluster
//! (or, with `--remove`, no longer is), apply it through the shared change
//! path, wait, and say where it answers, to whom it is open, and where the
//! credentials are.
//!
//! Glue only: the flags become a request (`spec::exposure_change`), which decides the
//! `Change` and the words about it; here are the I/O (loading, the NodePort check,
//! applying, the client KafkaUser), the refusals in the flags' words, and the outcome
//! (`outcome`, with the addresses read back in `addresses` and `--dry-run` in `dry_run`).

mod addresses;
mod dry_run;
mod outcome;

use serde_json::Value;

use super::shared::change::{ChangeOptions, apply_change, confirm_change, load_cluster};
use crate::actions::LoadedCluster;
use crate::actions::change::{guard_change, live_context, validated};
use crate::actions::lock::lock_loaded;
use crate::cli::GlobalArgs;
use crate::cli::expose::{
    ExposeApplyArgs, ExposeArgs, ExposeTarget, JmxExposeArgs, KafkaAuthArg, KafkaExposeArgs, KafkaExposeType,
    PrometheusExposeArgs, ReachArgs, ServiceExposeType, ZookeeperExposeArgs,
};
use crate::cluster::apply::{Action, ApplyLog, ApplyOptions, apply_plan};
use crate::cluster::exposure::{delete_if_present, taken_node_ports};
use crate::cluster::inventory::before_state;
use crate::commands::shared::runner::{SoFar, run_and_print};
use crate::error::{Failure, FailureKind};
use crate::render::kafka_user;
use crate::render::{Plan, RenderContext, Wave};
use crate::spec::exposure_change::{
    self, Broker, Change, ExposeRefusal, JmxExposeRequest, KafkaExposeRequest, ListenerOption, PrometheusExposeRequest,
    Reach, Target, UserChange, ZookeeperExposeRequest,
};
use crate::spec::{ClusterSpec, ExposureType, ListenerAuth, ListenerType};
use crate::ui;
use outcome::{ExposeOutcome, ExposeResult, credentials};

pub fn run(global: &GlobalArgs, args: ExposeArgs) -> anyhow::Result<()> {
    let log = ApplyLog::default();
    run_and_print(global, SoFar::Applied(&log), expose(global, &args, &log))
}

async fn expose(global: &GlobalArgs, args: &ExposeArgs, log: &ApplyLog) -> Result<ExposeOutcome, Failure> {
    let loaded = load_cluster(global, &args.name).await?;
    let ctx = live_context(&loaded.conn, loaded.api, &loaded.spec).await?;
    let brokers = brokers(&loaded.spec, &ctx);
    let (change, apply_args) = decide(&loaded.spec, &args.target, &brokers)?;
    let report = validated(&change.spec)?;
    let mut warnings: Vec<String> = report
        .warnings
        .iter()
        .map(|p| format!("{}: {}", p.field, p.message))
        .collect();
    warnings.extend(exposure_change::risks(&change));
    check_node_ports(&loaded, &change, &brokers).await?;
    // The stored spec is applied whole: the guards of every change name what it would
    // remove from the live cluster (a broker a `kubectl patch` added, say).
    let verdict = guard_change(&loaded.conn, loaded.api, &loaded.spec, &change.spec).await?;
    if apply_args.dry_run {
        return dry_run::dry_run(&loaded, &change, &ctx, warnings).await;
    }
    if let Some(question) = &change.confirm {
        ui::prompts::require_confirmation(&global.prompt, question, "--yes")
            .map_err(|refused| refused.with_hint(ui::prompts::same_command_with("--yes")))?;
    }
    confirm_change(global, &loaded.spec.name, &verdict)?;
    lock_loaded(&loaded, "expose").await?;
    let options = ChangeOptions {
        force_conflicts: apply_args.force_conflicts,
        no_wait: apply_args.no_wait,
        prune: true,
    };
    // A NodePort taken after the check above is refused by the API server as a typed
    // `ApiError::NodePortTaken`, which the edge words as a refusal naming --node-port.
    let applied = apply_change(global, &loaded, &change.spec, options, log).await?;
    let user_log = ApplyLog::default();
    let user_action = apply_user(&loaded, &change, apply_args, &user_log).await?;
    let mut outcome = ExposeOutcome {
        cluster: change.spec.name.clone(),
        namespace: change.spec.namespace.clone(),
        target: change.target.as_str(),
        listener: match &change.target {
            Target::Kafka { listener } => Some(listener.clone()),
            _ => None,
        },
        result: ExposeResult::Exposed,
        access: Vec::new(),
        warnings,
        notes: change.notes.clone(),
        bootstrap_servers: None,
        addresses: Vec::new(),
        credentials: credentials(&change),
        objects: log.applied().into_iter().chain(user_log.applied()).collect(),
        pruned: applied.pruned.clone(),
        dry_run: None,
    };
    let mut ports = Vec::new();
    if apply_args.no_wait {
        outcome.result = ExposeResult::Applied;
        outcome.notes.push(format!(
            "not waiting; `kafkactl status {}` shows the addresses once they are there",
            change.spec.name
        ));
    } else {
        ports = addresses::read_addresses(global, &loaded, &change, &ctx, &mut outcome).await?;
    }
    outcome.access = exposure_change::access(&change, &ports);
    let untouched = outcome.objects.iter().all(|o| o.action == Action::Unchanged)
        && outcome.pruned.is_empty()
        && user_action != UserAction::Changed;
    if outcome.result != ExposeResult::Applied {
        outcome.result = match (untouched, change.removing) {
            (true, _) => ExposeResult::Unchanged,
            (false, true) => ExposeResult::Removed,
            (false, false) => ExposeResult::Exposed,
        };
    }
    Ok(outcome)
}

/// The flags as a request, decided below the commands layer: the change (with the
/// question to ask before it opens anything to anyone) and how to apply it.
fn decide<'a>(
    spec: &ClusterSpec,
    target: &'a ExposeTarget,
    brokers: &[Broker],
) -> Result<(Change, &'a ExposeApplyArgs), Failure> {
    let (change, apply_args) = match target {
        ExposeTarget::Kafka(a) => (
            exposure_change::kafka_change(spec, &kafka_request(a), brokers),
            &a.apply,
        ),
        ExposeTarget::Jmx(a) => (Ok(exposure_change::jmx_change(spec, jmx_request(a))), &a.apply),
        ExposeTarget::Zookeeper(a) => (exposure_change::zookeeper_change(spec, &zookeeper_request(a)), &a.apply),
        ExposeTarget::Prometheus(a) => (
            exposure_change::prometheus_change(spec, &prometheus_request(a)),
            &a.apply,
        ),
    };
    let change = change.map_err(refusal)?;
    let change = Change {
        confirm: exposure_change::confirmation(&change, spec),
        ..change
    };
    Ok((change, apply_args))
}

/// Refuse NodePorts another Service holds before writing anything. Strimzi
/// writes the Kafka listener Services itself, so a taken port would only
/// show up later as a failed reconciliation.
async fn check_node_ports(loaded: &LoadedCluster, change: &Change, brokers: &[Broker]) -> Result<(), Failure> {
    let pinned = exposure_change::pinned_node_ports(change);
    if pinned.is_empty() {
        return Ok(());
    }
    let Some(taken) = taken_node_ports(&loaded.conn).await? else {
        return Ok(());
    };
    let own = exposure_change::own_services(change, brokers);
    for (port, what) in pinned {
        if let Some(holder) = taken.iter().find(|t| t.node_port == port && !own.contains(&t.service)) {
            return Err(Failure::new(
                FailureKind::Refused,
                format!(
                    "NodePort {port} (for {what}) is already allocated to Service {}",
                    holder.service
                ),
            )
            .with_hint("pick another --node-port in 30000-32767, or leave it out to let Kubernetes choose; nothing was changed"));
        }
    }
    Ok(())
}

/// Whether the client KafkaUser changed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum UserAction {
    Unchanged,
    Changed,
}

async fn apply_user(
    loaded: &LoadedCluster,
    change: &Change,
    apply_args: &ExposeApplyArgs,
    log: &ApplyLog,
) -> Result<UserAction, Failure> {
    let spec = &change.spec;
    match (&change.user, client_user(change)) {
        (UserChange::Apply, Some(user)) => {
            let mut plan = Plan::default();
            plan.push(Wave::Workloads, user);
            let before = Some(before_state(&loaded.conn, &plan, &spec.name).await?);
            let options = ApplyOptions {
                force_conflicts: apply_args.force_conflicts,
                dry_run: false,
            };
            apply_plan(&loaded.conn, &plan, options, &before, log).await?;
            let changed = log.applied().iter().any(|o| o.action != Action::Unchanged);
            Ok(if changed {
                UserAction::Changed
            } else {
                UserAction::Unchanged
            })
        }
        (UserChange::Delete, _) => {
            let Some(name) = client_user_name(change) else {
                return Ok(UserAction::Unchanged);
            };
            let deleted = delete_if_present(
                &loaded.conn,
                spec.strimzi_api.api_version(),
                "KafkaUser",
                &spec.namespace,
                &name,
            )
            .await?;
            Ok(if deleted {
                UserAction::Changed
            } else {
                UserAction::Unchanged
            })
        }
        _ => Ok(UserAction::Unchanged),
    }
}

/// The brokers of `spec` with the node ids `ctx` knows (or predicts), in node-id order.
fn brokers(spec: &ClusterSpec, ctx: &RenderContext) -> Vec<Broker> {
    exposure_change::brokers(spec, |pool| ctx.node_ids(spec, pool))
}

/// The client KafkaUser of the listener the change is about, rendered, when it applies one.
fn client_user(change: &Change) -> Option<Value> {
    let Target::Kafka { listener } = &change.target else {
        return None;
    };
    let authentication = change.spec.listeners.get(listener)?.authentication;
    (change.user == UserChange::Apply)
        .then(|| kafka_user::kafka_user(&change.spec, listener, authentication))
        .flatten()
}

/// The name of the listener's client KafkaUser, for a Kafka change.
fn client_user_name(change: &Change) -> Option<String> {
    match &change.target {
        Target::Kafka { listener } => Some(kafka_user::client_user_name(&change.spec.name, listener)),
        _ => None,
    }
}

// ---- the flags as requests, and refusals in the flags' words ---------------

fn kafka_request(args: &KafkaExposeArgs) -> KafkaExposeRequest {
    KafkaExposeRequest {
        listener: args.listener.clone(),
        remove: args.remove.clone(),
        kind: args.kind.map(|kind| match kind {
            KafkaExposeType::Nodeport => ListenerType::Nodeport,
            KafkaExposeType::Loadbalancer => ListenerType::Loadbalancer,
            KafkaExposeType::Ingress => ListenerType::Ingress,
            KafkaExposeType::Route => ListenerType::Route,
        }),
        port: args.port,
        tls: args.tls,
        authentication: match args.auth {
            None => ListenerAuth::None,
            Some(KafkaAuthArg::ScramSha512) => ListenerAuth::ScramSha512,
            Some(KafkaAuthArg::Tls) => ListenerAuth::Tls,
        },
        node_port: args.node_port,
        host: args.host.clone(),
        ingress_class: args.ingress_class.clone(),
        annotations: args.annotations.clone(),
        allow_from: args.allow_from.clone(),
    }
}

fn jmx_request(args: &JmxExposeArgs) -> JmxExposeRequest {
    JmxExposeRequest {
        remove: args.remove,
        password: !args.no_auth,
    }
}

fn zookeeper_request(args: &ZookeeperExposeArgs) -> ZookeeperExposeRequest {
    ZookeeperExposeRequest {
        remove: args.remove,
        kind: service_type(args.kind),
        reach: reach(&args.reach),
    }
}

fn prometheus_request(args: &PrometheusExposeArgs) -> PrometheusExposeRequest {
    PrometheusExposeRequest {
        remove: args.remove,
        ingress: args.ingress.clone(),
        ingress_class: args.ingress_class.clone(),
        tls_secret: args.tls_secret.clone(),
        kind: args.kind.map(service_type),
        reach: reach(&args.reach),
    }
}

fn service_type(kind: ServiceExposeType) -> ExposureType {
    match kind {
        ServiceExposeType::Loadbalancer => ExposureType::Loadbalancer,
        ServiceExposeType::Nodeport => ExposureType::Nodeport,
    }
}

fn reach(args: &ReachArgs) -> Reach {
    Reach {
        internal_load_balancer: args.lb.map(|preset| preset.as_str()),
        annotations: args.annotations.clone(),
        allow_from: args.allow_from.clone(),
        public: args.public,
        node_port: args.node_port,
    }
}

/// A refused request, said with the flags that would fix it; nothing was changed.
fn refusal(refused: ExposeRefusal) -> Failure {
    match refused {
        ExposeRefusal::ListenerTypeMissing => {
            Failure::usage("--type is required (nodeport, loadbalancer, ingress or route)")
        }
        ExposeRefusal::ListenerIsInternal { .. } => Failure::usage(refused.to_string())
            .with_hint("pick another name with --listener, e.g. --listener external"),
        ExposeRefusal::OptionMisfit { option, kind } => option_misfit(option, kind),
        ExposeRefusal::IngressNeedsHost => Failure::usage("--type ingress needs --host HOST, the bootstrap host name")
            .with_hint("brokers get broker-<id>.HOST; point HOST and *.HOST at the ingress controller"),
        ExposeRefusal::NoZookeeper { .. } => Failure::usage(refused.to_string()).with_hint(
            "expose zookeeper is for ZooKeeper-mode clusters (Strimzi 0.45); `kafkactl expose NAME kafka` opens Kafka itself",
        ),
        ExposeRefusal::NoStandalonePrometheus { .. } => Failure::usage(refused.to_string()).with_hint(
            "`kafkactl monitor` deploys kafkactl's Prometheus; expose an operator-run Prometheus where it runs",
        ),
        ExposeRefusal::ServiceSettingsWithIngress => Failure::usage(
            "--lb, --allow-from, --public and --node-port shape a Service; with --ingress only --annotation, --ingress-class and --tls-secret apply",
        )
        .with_hint("limit who reaches an Ingress with your ingress controller's allow-list annotation (--annotation)"),
        ExposeRefusal::PrometheusExposureMissing => {
            Failure::usage("say how to expose Prometheus: --ingress HOST or --type loadbalancer|nodeport")
        }
        ExposeRefusal::InternalLoadBalancerOnNodePort => {
            Failure::usage("--lb makes a load balancer internal; it does not apply to --type nodeport")
                .with_hint("leave --lb out, or use --type loadbalancer")
        }
        ExposeRefusal::UnknownInternalLoadBalancer { preset } => {
            Failure::runtime(format!("no annotations known for --lb {preset}"))
        }
    }
}

/// A listener flag that only some listener types take, named as a flag (validation
/// would name spec fields).
fn option_misfit(option: ListenerOption, kind: ListenerType) -> Failure {
    let (flag, types) = match option {
        ListenerOption::NodePort => ("--node-port", "nodeport"),
        ListenerOption::Host => ("--host", "ingress or route"),
        ListenerOption::IngressClass => ("--ingress-class", "ingress"),
        ListenerOption::AllowFrom => ("--allow-from", "nodeport or loadbalancer"),
    };
    let failure = Failure::usage(format!("{flag} only applies to --type {types}, not {}", kind.as_str()))
        .with_hint(format!("leave {flag} out, or pick --type {types}"));
    match option {
        ListenerOption::AllowFrom => {
            failure.with_hint("an ingress controller's own allow-list annotation (--annotation) restricts an ingress")
        }
        _ => failure,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_listener_option_of_another_type_is_refused_naming_the_flag_and_the_type() {
        let failure = refusal(ExposeRefusal::OptionMisfit {
            option: ListenerOption::AllowFrom,
            kind: ListenerType::Ingress,
        });
        assert_eq!(failure.kind, FailureKind::Usage);
        assert_eq!(
            failure.message,
            "--allow-from only applies to --type nodeport or loadbalancer, not ingress"
        );
        assert_eq!(
            failure.hints[0],
            "leave --allow-from out, or pick --type nodeport or loadbalancer"
        );
        assert!(failure.hints[1].contains("--annotation"), "{:?}", failure.hints);
    }

    #[test]
    fn the_flags_become_a_request_with_the_spec_words() {
        let args = KafkaExposeArgs {
            kind: Some(KafkaExposeType::Loadbalancer),
            listener: "external".into(),
            port: None,
            tls: true,
            auth: Some(KafkaAuthArg::ScramSha512),
            node_port: None,
            host: None,
            ingress_class: None,
            annotations: vec![("a".into(), "b".into())],
            allow_from: vec!["10.0.0.0/8".into()],
            remove: None,
            apply: ExposeApplyArgs {
                dry_run: false,
                force_conflicts: false,
                no_wait: false,
            },
        };
        let request = kafka_request(&args);
        assert_eq!(request.kind, Some(ListenerType::Loadbalancer));
        assert_eq!(request.authentication, ListenerAuth::ScramSha512);
        assert_eq!(request.allow_from, vec!["10.0.0.0/8".to_string()]);
    }
}

//! What pools, ZooKeeper and Prometheus share: CPU and memory, JVM heap,
//! storage and scheduling. Each takes the field prefix of its owner
//! (`pools.brokers`, `zookeeper`, `prometheus`).

use std::collections::BTreeSet;

use super::syntax::subdomain_violations;
use crate::spec::model::{AntiAffinity, JvmSpec, Resources, SchedulingSpec, StorageSpec, StorageType};
use crate::spec::problem::Report;
use crate::spec::quantity::{
    QuantityError, format_bytes, format_cpu, format_jvm, parse_cpu_millis, parse_jvm_bytes, parse_memory_bytes,
    parse_storage_bytes,
};

/// Parse an optional quantity, reporting a bad one at `field`.
fn parsed(
    report: &mut Report,
    field: String,
    value: Option<&String>,
    parse: fn(&str) -> Result<u64, QuantityError>,
) -> Option<u64> {
    match parse(value?) {
        Ok(n) => Some(n),
        Err(e) => {
            report.error(field, e.to_string());
            None
        }
    }
}

/// CPU and memory requests and limits parse, and no request is above its limit.
pub(super) fn validate_resources(prefix: &str, resources: &Resources, report: &mut Report) {
    let field = |rest: &str| format!("{prefix}.resources.{rest}");
    let cpu_request = parsed(
        report,
        field("requests.cpu"),
        resources.requests.cpu.as_ref(),
        parse_cpu_millis,
    );
    let cpu_limit = parsed(
        report,
        field("limits.cpu"),
        resources.limits.cpu.as_ref(),
        parse_cpu_millis,
    );
    let memory_request = parsed(
        report,
        field("requests.memory"),
        resources.requests.memory.as_ref(),
        parse_memory_bytes,
    );
    let memory_limit = parsed(
        report,
        field("limits.memory"),
        resources.limits.memory.as_ref(),
        parse_memory_bytes,
    );
    if let (Some(request), Some(limit)) = (cpu_request, cpu_limit)
        && request > limit
    {
        report.error(
            field("requests.cpu"),
            format!(
                "the CPU request {} is above the limit {}; Kubernetes refuses a request above its limit: raise limits.cpu or lower requests.cpu",
                format_cpu(request),
                format_cpu(limit)
            ),
        );
    }
    if let (Some(request), Some(limit)) = (memory_request, memory_limit)
        && request > limit
    {
        report.error(
            field("requests.memory"),
            format!(
                "the memory request {} is above the limit {}; Kubernetes refuses a request above its limit: raise limits.memory or lower requests.memory",
                format_bytes(request),
                format_bytes(limit)
            ),
        );
    }
}

/// Heap sizes parse, `-Xms` ≤ `-Xmx`, and the heap leaves room below the
/// memory limit: Kafka and ZooKeeper live off the page cache and off-heap
/// memory, so the heap should be about half to three quarters of the limit.
pub(super) fn validate_heap(prefix: &str, jvm: &JvmSpec, resources: &Resources, report: &mut Report) {
    let xms_field = format!("{prefix}.jvm.xms");
    let xmx_field = format!("{prefix}.jvm.xmx");
    let xms = parse_heap(report, &xms_field, jvm.xms.as_deref());
    let xmx = parse_heap(report, &xmx_field, jvm.xmx.as_deref());
    if let (Some(xms), Some(xmx)) = (xms, xmx)
        && xms > xmx
    {
        report.error(
            xms_field.clone(),
            format!(
                "-Xms {} is above -Xmx {}; the initial heap cannot exceed the maximum (the JVM refuses to start): set xms to at most {}",
                format_jvm(xms),
                format_jvm(xmx),
                format_jvm(xmx)
            ),
        );
    }
    let (heap, heap_field) = match (xmx, xms) {
        (Some(xmx), _) => (xmx, xmx_field),
        (None, Some(xms)) => (xms, xms_field),
        (None, None) => return,
    };
    match resources.limits.memory.as_deref().map(parse_memory_bytes) {
        Some(Ok(limit)) => heap_against_limit(heap, limit, heap_field, report),
        Some(Err(_)) => {}
        None => report.warning(
            format!("{prefix}.resources.limits.memory"),
            format!(
                "the heap is set ({}) but there is no memory limit, so nothing reserves memory for the page cache; set a limit of about 1.5-2x the heap (e.g. {})",
                format_jvm(heap),
                format_bytes(round_up_to_gib(heap.saturating_mul(2)))
            ),
        ),
    }
}

fn parse_heap(report: &mut Report, field: &str, value: Option<&str>) -> Option<u64> {
    match parse_jvm_bytes(value?) {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            report.error(field.to_string(), e.to_string());
            None
        }
    }
}

fn heap_against_limit(heap: u64, limit: u64, field: String, report: &mut Report) {
    let range = format!(
        "{}-{} (50-75% of the limit)",
        format_jvm(limit / 2),
        format_jvm(limit / 4 * 3)
    );
    if heap >= limit {
        report.error(
            field,
            format!(
                "the heap {} is not below the memory limit {}: the container would be OOM-killed and nothing is left for the page cache; use about {range}",
                format_jvm(heap),
                format_bytes(limit)
            ),
        );
    } else if u128::from(heap) * 4 > u128::from(limit) * 3 {
        report.warning(
            field,
            format!(
                "the heap {} is over 75% of the memory limit {}, which leaves little for the page cache and off-heap memory; {range} is the usual size",
                format_jvm(heap),
                format_bytes(limit)
            ),
        );
    }
}

fn round_up_to_gib(bytes: u64) -> u64 {
    bytes.div_ceil(1 << 30).saturating_mul(1 << 30)
}

/// Storage of a pool (`allow_jbod`) or of ZooKeeper (no JBOD in Strimzi).
pub(super) fn validate_storage(prefix: &str, storage: &StorageSpec, allow_jbod: bool, report: &mut Report) {
    let field = |rest: &str| format!("{prefix}.storage.{rest}");
    let size = storage.size.as_ref();
    match storage.kind {
        StorageType::PersistentClaim => {
            match size {
                None => report.error(
                    field("size"),
                    "persistent-claim storage needs a size, e.g. size: 100Gi (or --storage-size 100Gi)",
                ),
                Some(_) => _ = parsed(report, field("size"), size, parse_storage_bytes),
            }
            validate_storage_class(field("class"), storage.class.as_deref(), report);
        }
        StorageType::Ephemeral => {
            // An emptyDir may have a size limit; it has no claim and no class.
            parsed(report, field("size"), size, parse_storage_bytes);
            if storage.class.is_some() {
                report.error(
                    field("class"),
                    "ephemeral storage is an emptyDir and has no storage class; remove class, or use type: persistent-claim",
                );
            }
            if storage.delete_claim {
                report.warning(
                    field("deleteClaim"),
                    "deleteClaim has no effect on ephemeral storage (there is no claim; the data goes with the pod)",
                );
            }
        }
        StorageType::Jbod if !allow_jbod => report.error(
            field("type"),
            "ZooKeeper does not support jbod storage; use persistent-claim or ephemeral",
        ),
        StorageType::Jbod => validate_jbod(prefix, storage, report),
    }
    if storage.kind != StorageType::Jbod && !storage.volumes.is_empty() {
        report.warning(
            field("volumes"),
            format!(
                "volumes are only used with type: jbod; they are ignored for {}",
                storage.kind.as_str()
            ),
        );
    }
}

fn validate_jbod(prefix: &str, storage: &StorageSpec, report: &mut Report) {
    if storage.volumes.is_empty() {
        report.error(
            format!("{prefix}.storage.volumes"),
            "jbod storage needs at least one volume, e.g. volumes: [{id: 0, size: 100Gi}]",
        );
    }
    let mut ids = BTreeSet::new();
    for (i, volume) in storage.volumes.iter().enumerate() {
        let field = |rest: &str| format!("{prefix}.storage.volumes[{i}].{rest}");
        if volume.id < 0 {
            report.error(
                field("id"),
                format!("volume id {} is negative; ids are 0 or more", volume.id),
            );
        } else if !ids.insert(volume.id) {
            report.error(
                field("id"),
                format!(
                    "volume id {} is used twice; every JBOD volume needs its own id",
                    volume.id
                ),
            );
        }
        if volume.size.is_empty() {
            report.error(field("size"), "a JBOD volume needs a size, e.g. size: 100Gi");
        } else {
            parsed(report, field("size"), Some(&volume.size), parse_storage_bytes);
        }
        validate_storage_class(field("class"), volume.class.as_deref(), report);
    }
}

pub(super) fn validate_storage_class(field: String, class: Option<&str>, report: &mut Report) {
    let Some(class) = class else { return };
    let violations = subdomain_violations(class);
    if !violations.is_empty() {
        report.error(
            field,
            format!(
                "\"{class}\" is not a storage class name: it {} (kubectl get storageclass lists the classes)",
                violations.join(", ")
            ),
        );
    }
}

const TOLERATION_OPERATORS: [&str; 2] = ["Exists", "Equal"];
const TAINT_EFFECTS: [&str; 3] = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

/// Anti-affinity needs a topology key; tolerations follow Kubernetes' rules.
pub(super) fn validate_scheduling(prefix: &str, scheduling: &SchedulingSpec, report: &mut Report) {
    if scheduling.anti_affinity != AntiAffinity::None && scheduling.topology_key.trim().is_empty() {
        report.error(
            format!("{prefix}.scheduling.topologyKey"),
            "anti-affinity needs a topology key: kubernetes.io/hostname (one pod per node) or topology.kubernetes.io/zone (one per zone); or set antiAffinity: none",
        );
    }
    for (i, toleration) in scheduling.tolerations.iter().enumerate() {
        let field = |rest: &str| format!("{prefix}.scheduling.tolerations[{i}].{rest}");
        let operator = toleration.operator.as_deref().unwrap_or("Equal");
        if !TOLERATION_OPERATORS.contains(&operator) {
            report.error(
                field("operator"),
                format!("\"{operator}\" is not a toleration operator; use Exists or Equal (case matters)"),
            );
        }
        let key_empty = toleration.key.as_deref().is_none_or(str::is_empty);
        if key_empty && operator == "Equal" {
            report.error(
                field("operator"),
                "a toleration without a key must use operator: Exists (it then tolerates every taint)",
            );
        }
        if operator == "Exists" && toleration.value.as_deref().is_some_and(|v| !v.is_empty()) {
            report.error(
                field("value"),
                "operator Exists matches any value; remove value, or use operator: Equal",
            );
        }
        let effect = toleration.effect.as_deref().unwrap_or_default();
        if !effect.is_empty() && !TAINT_EFFECTS.contains(&effect) {
            report.error(
                field("effect"),
                format!(
                    "\"{effect}\" is not a taint effect; use NoSchedule, PreferNoSchedule or NoExecute (or leave it empty for all)"
                ),
            );
        }
        if toleration.toleration_seconds.is_some() && effect != "NoExecute" {
            report.error(
                field("tolerationSeconds"),
                "tolerationSeconds only applies to effect: NoExecute (Kubernetes refuses it otherwise)",
            );
        }
    }
}

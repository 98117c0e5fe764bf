//! The cluster lock: a `coordination.k8s.io/v1` Lease `kafkactl-<cluster>` in
//! the cluster's namespace, held by every command that changes the cluster
//! while it runs, so that a second writer is stopped at once instead of
//! racing the first (two `create`s both said "created").
//!
//! A lock is taken by creating the Lease, or by taking it over when it has
//! expired (its holder stopped renewing) or its holder process is gone on
//! this machine; every change of the Lease is a replace with the
//! resourceVersion read, so of two takers only one wins. It is renewed in the
//! background while the command runs (a long wait keeps it), and released —
//! deleted with the resourceVersion last written as a precondition, so a
//! lock someone else took over is never deleted — when the command ends,
//! also on Ctrl-C and on errors ([`release_all`], called by the command
//! runtime). A process that dies without releasing leaves a Lease that
//! expires after [`LEASE_DURATION`].

use std::sync::{Arc, Mutex};
use std::time::Duration;

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::MicroTime;
use k8s_openapi::jiff::{SignedDuration, Timestamp};
use kube::Api;
use kube::api::{DeleteParams, ObjectMeta, PostParams, Preconditions};

use super::client::Connection;
use super::errors::{ApiError, Operation, api_error};
use crate::spec::names::{CLUSTER_LABEL, MANAGED_BY, MANAGED_BY_LABEL};

/// How long a lock outlives its last renewal: a process that died without
/// releasing blocks the cluster at most this long (on this machine, not at
/// all: its pid is checked).
pub const LEASE_DURATION: Duration = Duration::from_secs(30);
/// How often a held lock is renewed; three tries fit in one duration.
const RENEW_EVERY: Duration = Duration::from_secs(10);
/// Releasing must not keep an interrupted command from ending.
const RELEASE_TIMEOUT: Duration = Duration::from_secs(5);

const COMMAND_ANNOTATION: &str = "kafkactl.io/command";
const TOKEN_ANNOTATION: &str = "kafkactl.io/lock-token";
const PROCESS_ANNOTATION: &str = "kafkactl.io/process";

/// The Lease that locks `cluster`.
pub fn lease_name(cluster: &str) -> String {
    format!("kafkactl-{cluster}")
}

/// Who holds a lock, as its Lease says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    /// `alice@laptop pid 4242`.
    pub identity: String,
    /// The kafkactl command that took it (`create`, `scale`, …).
    pub command: Option<String>,
    pub acquired: Option<Timestamp>,
    /// When it expires unless renewed.
    pub expires: Option<Timestamp>,
}

/// Why a lock could not be taken.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("cluster {namespace}/{cluster} is locked by {}", holder.identity)]
    Held {
        namespace: String,
        cluster: String,
        holder: Holder,
    },
    /// The namespace does not exist (yet): there is nothing to lock.
    #[error("namespace {0} does not exist")]
    NoNamespace(String),
    /// The Lease changed under every attempt to take it: another taker is at it right now.
    #[error("cannot lock cluster {namespace}/{cluster}: Lease {lease} changed under every attempt to take it")]
    Contended {
        namespace: String,
        cluster: String,
        lease: String,
    },
    #[error(transparent)]
    Api(#[from] ApiError),
}

/// What releasing the locks found, for warnings.
#[derive(Debug, Default)]
pub struct ReleaseReport {
    /// Locks another process took over while this one held them (its renewals
    /// failed for longer than the lease duration).
    pub lost: Vec<String>,
    /// Locks that could not be deleted (the API server did not answer): they
    /// expire by themselves.
    pub not_released: Vec<String>,
}

/// This process, as lock holder.
struct Me {
    identity: String,
    token: String,
    process: Option<String>,
}

fn me() -> &'static Me {
    static ME: std::sync::OnceLock<Me> = std::sync::OnceLock::new();
    ME.get_or_init(|| {
        let pid = std::process::id();
        let user = std::env::var("USER")
            .or_else(|_| std::env::var("USERNAME"))
            .unwrap_or_else(|_| "unknown".into());
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|h| h.trim().to_string())
            .ok()
            .filter(|h| !h.is_empty())
            .or_else(|| std::env::var("HOSTNAME").ok())
            .unwrap_or_else(|| "unknown-host".into());
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        Me {
            identity: format!("{user}@{host} pid {pid}"),
            token: format!("{:x}-{pid:x}", nanos),
            process: process::key_of(pid),
        }
    })
}

/// One lock this process holds.
struct Held {
    api: Api<Lease>,
    namespace: String,
    name: String,
    uid: Option<String>,
    /// The resourceVersion of our last write (the renewal task updates it).
    resource_version: Arc<Mutex<Option<String>>>,
    /// Set by the renewal task when another holder took the lock over.
    lost_to: Arc<Mutex<Option<String>>>,
    renewal: tokio::task::JoinHandle<()>,
}

/// Told when this process takes a lock.
static LOCK_TAKEN: tokio::sync::Notify = tokio::sync::Notify::const_new();

/// Until this process takes a lock.
pub async fn lock_taken() {
    LOCK_TAKEN.notified().await;
}

fn held() -> &'static Mutex<Vec<Held>> {
    static HELD: Mutex<Vec<Held>> = Mutex::new(Vec::new());
    &HELD
}

fn lock_held() -> std::sync::MutexGuard<'static, Vec<Held>> {
    held().lock().unwrap_or_else(|p| p.into_inner())
}

/// Take the lock of `cluster` in `namespace` for `command`, or say who holds
/// it. Taking a lock this process already holds is a no-op.
pub async fn acquire(conn: &Connection, namespace: &str, cluster: &str, command: &str) -> Result<(), LockError> {
    let name = lease_name(cluster);
    if lock_held().iter().any(|h| h.namespace == namespace && h.name == name) {
        return Ok(());
    }
    let api: Api<Lease> = Api::namespaced(conn.client.clone(), namespace);
    let op = |verb| Operation::new(verb, format!("Lease {namespace}/{name}"));
    // Create first (the usual case: nobody holds it); when it exists, read it
    // and take it over if it is free. Each turn either wins or sees what
    // another taker wrote; three are plenty.
    for _ in 0..3 {
        let now = Timestamp::now();
        let fresh = our_lease(&name, cluster, command, now, None);
        let existing = match api.create(&PostParams::default(), &fresh).await {
            Ok(written) => {
                hold(api, namespace, &name, written);
                return Ok(());
            }
            Err(kube::Error::Api(s)) if s.code == 409 => {
                api.get_opt(&name).await.map_err(api_error(op("get"), &conn.server))?
            }
            Err(kube::Error::Api(s)) if s.is_not_found() => {
                return Err(LockError::NoNamespace(namespace.to_string()));
            }
            Err(e) => return Err(ApiError::new(e, op("create"), &conn.server).into()),
        };
        // Released between the create and the read: create again.
        let Some(lease) = existing else { continue };
        if !free(&lease, now) {
            return Err(LockError::Held {
                namespace: namespace.to_string(),
                cluster: cluster.to_string(),
                holder: holder_of(&lease),
            });
        }
        let taken = our_lease(&name, cluster, command, now, Some(&lease));
        match api.replace(&name, &PostParams::default(), &taken).await {
            Ok(written) => {
                hold(api, namespace, &name, written);
                return Ok(());
            }
            // Someone else wrote it since we read it: try again.
            Err(kube::Error::Api(s)) if s.code == 409 || s.is_not_found() => continue,
            Err(e) => return Err(ApiError::new(e, op("update"), &conn.server).into()),
        }
    }
    Err(LockError::Contended {
        namespace: namespace.to_string(),
        cluster: cluster.to_string(),
        lease: name,
    })
}

/// Whether a lease can be taken: released, expired, or held by a process of
/// this machine that is gone.
fn free(lease: &Lease, now: Timestamp) -> bool {
    let spec = lease.spec.clone().unwrap_or_default();
    if spec.holder_identity.as_deref().is_none_or(str::is_empty) {
        return true;
    }
    if expiry(&spec).is_none_or(|expires| expires <= now) {
        return true;
    }
    annotation(lease, PROCESS_ANNOTATION).is_some_and(process::is_gone)
}

fn expiry(spec: &LeaseSpec) -> Option<Timestamp> {
    let renewed = spec.renew_time.as_ref().or(spec.acquire_time.as_ref())?.0;
    let seconds = i64::from(spec.lease_duration_seconds.unwrap_or(0));
    renewed.checked_add(SignedDuration::from_secs(seconds)).ok()
}

fn annotation<'a>(lease: &'a Lease, key: &str) -> Option<&'a str> {
    lease.metadata.annotations.as_ref()?.get(key).map(String::as_str)
}

fn holder_of(lease: &Lease) -> Holder {
    let spec = lease.spec.clone().unwrap_or_default();
    Holder {
        identity: spec.holder_identity.clone().unwrap_or_default(),
        command: annotation(lease, COMMAND_ANNOTATION).map(str::to_string),
        acquired: spec.acquire_time.as_ref().map(|t| t.0),
        expires: expiry(&spec),
    }
}

fn is_ours(lease: &Lease) -> bool {
    annotation(lease, TOKEN_ANNOTATION) == Some(me().token.as_str())
}

/// The Lease saying this process holds the lock; `taken` is the one it takes
/// over (its resourceVersion makes the replace conditional).
fn our_lease(name: &str, cluster: &str, command: &str, now: Timestamp, taken: Option<&Lease>) -> Lease {
    let me = me();
    let mut annotations = std::collections::BTreeMap::from([
        (COMMAND_ANNOTATION.to_string(), command.to_string()),
        (TOKEN_ANNOTATION.to_string(), me.token.clone()),
    ]);
    if let Some(process) = &me.process {
        annotations.insert(PROCESS_ANNOTATION.to_string(), process.clone());
    }
    let transitions = taken
        .and_then(|l| l.spec.as_ref())
        .map(|s| s.lease_transitions.unwrap_or(0) + 1)
        .unwrap_or(0);
    Lease {
        metadata: ObjectMeta {
            name: Some(name.to_string()),
            resource_version: taken.and_then(|l| l.metadata.resource_version.clone()),
            labels: Some(std::collections::BTreeMap::from([
                (MANAGED_BY_LABEL.to_string(), MANAGED_BY.to_string()),
                (CLUSTER_LABEL.to_string(), cluster.to_string()),
            ])),
            annotations: Some(annotations),
            ..ObjectMeta::default()
        },
        spec: Some(LeaseSpec {
            holder_identity: Some(me.identity.clone()),
            lease_duration_seconds: Some(LEASE_DURATION.as_secs() as i32),
            acquire_time: Some(MicroTime(now)),
            renew_time: Some(MicroTime(now)),
            lease_transitions: Some(transitions),
            ..LeaseSpec::default()
        }),
    }
}

fn hold(api: Api<Lease>, namespace: &str, name: &str, written: Lease) {
    let resource_version = Arc::new(Mutex::new(written.metadata.resource_version.clone()));
    let lost_to = Arc::new(Mutex::new(None));
    let renewal = tokio::spawn(renew(
        api.clone(),
        name.to_string(),
        written.clone(),
        resource_version.clone(),
        lost_to.clone(),
    ));
    lock_held().push(Held {
        api,
        namespace: namespace.to_string(),
        name: name.to_string(),
        uid: written.metadata.uid.clone(),
        resource_version,
        lost_to,
        renewal,
    });
    LOCK_TAKEN.notify_one();
}

/// Renew every [`RENEW_EVERY`] until released, or until another holder took
/// the lock over. A failed renewal is tried again at the next turn: the lease
/// lasts three turns.
async fn renew(
    api: Api<Lease>,
    name: String,
    mut lease: Lease,
    resource_version: Arc<Mutex<Option<String>>>,
    lost_to: Arc<Mutex<Option<String>>>,
) {
    loop {
        tokio::time::sleep(RENEW_EVERY).await;
        if let Some(spec) = lease.spec.as_mut() {
            spec.renew_time = Some(MicroTime(Timestamp::now()));
        }
        match api.replace(&name, &PostParams::default(), &lease).await {
            Ok(written) => {
                if let Ok(mut rv) = resource_version.lock() {
                    rv.clone_from(&written.metadata.resource_version);
                }
                lease = written;
            }
            Err(kube::Error::Api(s)) if s.code == 409 || s.is_not_found() => match api.get_opt(&name).await {
                // Our own write whose answer was lost: carry on from it.
                Ok(Some(current)) if is_ours(&current) => lease = current,
                Ok(current) => {
                    let holder = current.map(|l| holder_of(&l).identity);
                    if let Ok(mut lost) = lost_to.lock() {
                        *lost = Some(holder.unwrap_or_else(|| "nobody (the Lease was deleted)".into()));
                    }
                    return;
                }
                Err(_) => {}
            },
            Err(_) => {}
        }
    }
}

/// Release every lock this process holds: stop renewing, and delete each
/// Lease unless another process took it over.
pub async fn release_all() -> ReleaseReport {
    let held: Vec<Held> = std::mem::take(&mut *lock_held());
    let mut report = ReleaseReport::default();
    for h in held {
        h.renewal.abort();
        let what = format!("Lease {}/{}", h.namespace, h.name);
        if let Some(holder) = h.lost_to.lock().ok().and_then(|l| l.clone()) {
            report.lost.push(format!("{what} (now held by {holder})"));
            continue;
        }
        let rv = h.resource_version.lock().ok().and_then(|rv| rv.clone());
        match tokio::time::timeout(RELEASE_TIMEOUT, release(&h.api, &h.name, h.uid.clone(), rv)).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => report.not_released.push(format!("{what}: {e}")),
            Err(_) => report.not_released.push(format!("{what}: no answer in time")),
        }
    }
    report
}

async fn release(api: &Api<Lease>, name: &str, uid: Option<String>, rv: Option<String>) -> Result<(), kube::Error> {
    let params = |rv: Option<String>| DeleteParams {
        preconditions: Some(Preconditions {
            uid: uid.clone(),
            resource_version: rv,
        }),
        ..DeleteParams::default()
    };
    match api.delete(name, &params(rv)).await {
        Ok(_) => Ok(()),
        Err(kube::Error::Api(s)) if s.is_not_found() => Ok(()),
        // A renewal written after the one we know of (its answer cut off by
        // the abort): delete it if it is still ours.
        Err(kube::Error::Api(s)) if s.code == 409 => match api.get_opt(name).await? {
            Some(current) if is_ours(&current) => {
                match api
                    .delete(name, &params(current.metadata.resource_version.clone()))
                    .await
                {
                    Ok(_) => Ok(()),
                    Err(kube::Error::Api(s)) if s.is_not_found() => Ok(()),
                    Err(e) => Err(e),
                }
            }
            _ => Ok(()),
        },
        Err(e) => Err(e),
    }
}

/// Whether the process that holds a lock still runs, when it ran on this
/// machine: `<boot id>/<pid namespace>/<pid>/<start time>` identifies a
/// process across pid reuse. Linux only; elsewhere a lock waits out its
/// duration.
mod process {
    fn boot_id() -> Option<String> {
        Some(
            std::fs::read_to_string("/proc/sys/kernel/random/boot_id")
                .ok()?
                .trim()
                .to_string(),
        )
    }

    fn pid_namespace() -> Option<String> {
        let link = std::fs::read_link("/proc/self/ns/pid").ok()?;
        Some(link.to_string_lossy().trim_start_matches("pid:").to_string())
    }

    /// Field 22 of `/proc/<pid>/stat`: start time in clock ticks since boot;
    /// `None` when no such process runs (a zombie has ended too).
    fn start_time(pid: u32) -> Option<String> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // The command name (field 2) may hold spaces and parentheses.
        let mut fields = stat[stat.rfind(')')? + 1..].split_whitespace();
        let state = fields.next()?;
        if matches!(state, "Z" | "X" | "x") {
            return None;
        }
        fields.nth(18).map(str::to_string)
    }

    pub fn key_of(pid: u32) -> Option<String> {
        Some(format!(
            "{}/{}/{pid}/{}",
            boot_id()?,
            pid_namespace()?,
            start_time(pid)?
        ))
    }

    /// True only when `key` names a process of this machine and pid namespace
    /// that no longer runs.
    pub fn is_gone(key: &str) -> bool {
        let parts: Vec<&str> = key.split('/').collect();
        let [boot, pid_ns, pid, started] = parts[..] else {
            return false;
        };
        if Some(boot) != boot_id().as_deref() || Some(pid_ns) != pid_namespace().as_deref() {
            return false;
        }
        let Ok(pid) = pid.parse::<u32>() else {
            return false;
        };
        start_time(pid).as_deref() != Some(started)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lease(holder: Option<&str>, renewed_secs_ago: i64, duration: i32, process: Option<&str>) -> Lease {
        let renewed = Timestamp::now()
            .checked_sub(SignedDuration::from_secs(renewed_secs_ago))
            .unwrap();
        let mut annotations = std::collections::BTreeMap::new();
        if let Some(p) = process {
            annotations.insert(PROCESS_ANNOTATION.to_string(), p.to_string());
        }
        Lease {
            metadata: ObjectMeta {
                annotations: Some(annotations),
                ..ObjectMeta::default()
            },
            spec: Some(LeaseSpec {
                holder_identity: holder.map(str::to_string),
                lease_duration_seconds: Some(duration),
                renew_time: Some(MicroTime(renewed)),
                ..LeaseSpec::default()
            }),
        }
    }

    #[test]
    fn a_renewed_lease_of_a_live_holder_is_not_free() {
        let me = process::key_of(std::process::id());
        assert!(!free(&lease(Some("a@h pid 1"), 5, 30, me.as_deref()), Timestamp::now()));
        assert!(!free(&lease(Some("a@h pid 1"), 5, 30, None), Timestamp::now()));
    }

    #[test]
    fn an_expired_or_released_lease_is_free() {
        assert!(free(&lease(Some("a@h pid 1"), 31, 30, None), Timestamp::now()));
        assert!(free(&lease(None, 0, 30, None), Timestamp::now()));
        assert!(free(&lease(Some(""), 0, 30, None), Timestamp::now()));
    }

    #[test]
    fn a_lease_of_a_process_gone_from_this_machine_is_free() {
        let Some(me) = process::key_of(std::process::id()) else {
            return; // not Linux
        };
        let gone = me.rsplit_once('/').map(|(rest, _)| format!("{rest}/1")).unwrap();
        assert!(process::is_gone(&gone));
        assert!(free(&lease(Some("a@h pid 1"), 0, 30, Some(&gone)), Timestamp::now()));
        assert!(!process::is_gone(&me));
        // Another machine's process cannot be judged: only its expiry counts.
        assert!(!process::is_gone("other-boot/4026531836/1/1"));
        assert!(!process::is_gone("garbage"));
    }
}

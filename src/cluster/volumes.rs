//! Whether volumes may grow: the StorageClass each resized volume uses (the
//! one its spec names, else the cluster's default class) must allow volume
//! expansion. Reading the classes is the only API call; the judgement is pure.

use k8s_openapi::api::storage::v1::StorageClass;
use kube::api::{Api, ListParams};

use super::client::Connection;
use super::errors::{Operation, describe};
use crate::error::{Failure, FailureKind};
use crate::spec::scaling::VolumeChange;

const DEFAULT_CLASS: &str = "storageclass.kubernetes.io/is-default-class";
const BETA_DEFAULT_CLASS: &str = "storageclass.beta.kubernetes.io/is-default-class";

/// Every StorageClass of the cluster.
pub async fn storage_classes(conn: &Connection) -> Result<Vec<StorageClass>, Failure> {
    let api: Api<StorageClass> = Api::all(conn.client.clone());
    api.list(&ListParams::default())
        .await
        .map(|l| l.items)
        .map_err(|e| describe(e, &Operation::new("list", "StorageClasses"), &conn.server))
}

fn is_default(class: &StorageClass) -> bool {
    class.metadata.annotations.as_ref().is_some_and(|a| {
        [DEFAULT_CLASS, BETA_DEFAULT_CLASS]
            .iter()
            .any(|k| a.get(*k).map(String::as_str) == Some("true"))
    })
}

/// Refuse growing a volume whose class does not allow expansion (or does
/// not exist, or is the missing default), naming the volume and the class.
pub fn check_expansion(changes: &[VolumeChange], classes: &[StorageClass]) -> Result<(), Failure> {
    for change in changes {
        let class = match &change.class {
            Some(name) => classes
                .iter()
                .find(|c| c.metadata.name.as_deref() == Some(name.as_str())),
            None => classes.iter().find(|c| is_default(c)),
        };
        let size = format!(
            "{} from {} to {}",
            change.field,
            change.from.as_deref().unwrap_or("?"),
            change.to
        );
        let Some(class) = class else {
            let which = match &change.class {
                Some(name) => format!("its StorageClass \"{name}\" does not exist"),
                None => "it names no StorageClass and the cluster has no default class".to_string(),
            };
            return Err(refused(format!("cannot grow {size}: {which}"))
                .with_hint("kubectl get storageclass shows the classes this cluster has"));
        };
        let name = class.metadata.name.clone().unwrap_or_default();
        if class.allow_volume_expansion != Some(true) {
            return Err(refused(format!(
                "cannot grow {size}: StorageClass \"{name}\" does not allow volume expansion (allowVolumeExpansion is not true)"
            ))
            .with_hint(format!(
                "a cluster admin can set allowVolumeExpansion: true on \"{name}\" when its provisioner can resize volumes"
            ))
            .with_hint("nothing was changed"));
        }
    }
    Ok(())
}

fn refused(message: String) -> Failure {
    Failure::new(FailureKind::Refused, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn class(name: &str, expand: bool, default: bool) -> StorageClass {
        serde_json::from_value(json!({
            "metadata": {"name": name, "annotations": {DEFAULT_CLASS: default.to_string()}},
            "provisioner": "x", "allowVolumeExpansion": expand
        }))
        .unwrap()
    }

    fn grow(class: Option<&str>) -> VolumeChange {
        VolumeChange {
            field: "pools.brokers.storage".into(),
            class: class.map(str::to_string),
            from: Some("100Gi".into()),
            to: "200Gi".into(),
        }
    }

    #[test]
    fn growth_needs_a_class_that_allows_expansion() {
        let classes = [class("standard", true, true), class("fixed", false, false)];
        assert!(check_expansion(&[grow(None)], &classes).is_ok());
        assert!(check_expansion(&[grow(Some("standard"))], &classes).is_ok());
        let err = check_expansion(&[grow(Some("fixed"))], &classes).unwrap_err();
        assert_eq!(err.kind, FailureKind::Refused);
        assert!(
            err.message.contains("\"fixed\" does not allow volume expansion"),
            "{}",
            err.message
        );
        let err = check_expansion(&[grow(Some("gone"))], &classes).unwrap_err();
        assert!(err.message.contains("\"gone\" does not exist"), "{}", err.message);
        let err = check_expansion(&[grow(None)], &[class("fixed", false, true)]).unwrap_err();
        assert!(err.message.contains("from 100Gi to 200Gi"), "{}", err.message);
    }
}

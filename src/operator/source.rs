//! Where a release bundle comes from: `--from` (one multi-document file or the
//! `install/cluster-operator/` directory), or `--version` (the GitHub release
//! asset, downloaded once into the user's cache directory). The only I/O of
//! the `operator` module; blocking (call it off the async runtime's threads).

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::bundle::{Bundle, BundleFile};
use crate::error::{Failure, FailureKind};

/// Default base of release downloads; `KAFKACTL_STRIMZI_RELEASES_URL` replaces it
/// (an internal mirror of GitHub releases, or a test server).
pub const RELEASES_URL: &str = "https://github.com/strimzi/strimzi-kafka-operator/releases/download";
pub const RELEASES_URL_ENV: &str = "KAFKACTL_STRIMZI_RELEASES_URL";

/// The release kafkactl installs when no version is given and none is installed.
pub const DEFAULT_VERSION: &str = "1.2.0";

/// A bundle to load.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BundleSource {
    Path(PathBuf),
    Release(String),
}

/// Read, or download (once) and read, a bundle.
pub fn load(source: &BundleSource) -> Result<Bundle, Failure> {
    match source {
        BundleSource::Path(path) => load_path(path),
        BundleSource::Release(version) => load_release(version),
    }
}

/// `--from PATH`: a file, or a directory whose `*.yaml` files are read in name order.
pub fn load_path(path: &Path) -> Result<Bundle, Failure> {
    let origin = path.display().to_string();
    let metadata = std::fs::metadata(path).map_err(|e| {
        Failure::usage(format!("cannot read the Strimzi bundle {origin}: {e}")).with_hint(
            "pass the release's strimzi-cluster-operator-X.Y.Z.yaml or its install/cluster-operator/ directory",
        )
    })?;
    let files: Vec<PathBuf> = if metadata.is_dir() {
        yaml_files(path)?
    } else {
        vec![path.to_path_buf()]
    };
    if files.is_empty() {
        return Err(Failure::usage(format!("{origin} holds no .yaml files")).with_hint(
            "pass the release's install/cluster-operator/ directory, or strimzi-cluster-operator-X.Y.Z.yaml",
        ));
    }
    let texts = files
        .iter()
        .map(|f| {
            std::fs::read_to_string(f)
                .map(|text| (f.display().to_string(), text))
                .map_err(|e| Failure::usage(format!("cannot read {}: {e}", f.display())))
        })
        .collect::<Result<Vec<_>, _>>()?;
    parse(&origin, &texts)
}

fn yaml_files(dir: &Path) -> Result<Vec<PathBuf>, Failure> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| Failure::usage(format!("cannot read the directory {}: {e}", dir.display())))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|e| e == "yaml" || e == "yml"))
        .collect();
    files.sort();
    Ok(files)
}

fn parse(origin: &str, texts: &[(String, String)]) -> Result<Bundle, Failure> {
    let files: Vec<BundleFile<'_>> = texts.iter().map(|(origin, text)| BundleFile { origin, text }).collect();
    Bundle::parse(origin, &files).map_err(|e| {
        Failure::usage(e.to_string())
            .with_hint("use an unmodified Strimzi release bundle (strimzi-cluster-operator-X.Y.Z.yaml or install/cluster-operator/)")
    })
}

/// `--bundles DIR`: every release bundle under `DIR/<version>/install/cluster-operator/`
/// (the layout of Strimzi's release archives unpacked side by side), oldest first.
pub fn load_bundles(dir: &Path) -> Result<Vec<Bundle>, Failure> {
    let entries = std::fs::read_dir(dir).map_err(|e| {
        Failure::usage(format!("--bundles: cannot read the directory {}: {e}", dir.display()))
            .with_hint("pass a directory holding <version>/install/cluster-operator/ for each Strimzi release")
    })?;
    let mut bundles = Vec::new();
    for entry in entries.filter_map(Result::ok) {
        let path = entry.path().join("install").join("cluster-operator");
        if path.is_dir() {
            bundles.push(load_path(&path)?);
        }
    }
    if bundles.is_empty() {
        return Err(Failure::usage(format!(
            "--bundles: {} holds no <version>/install/cluster-operator/ directory",
            dir.display()
        ))
        .with_hint("unpack each Strimzi release there, e.g. 0.45.2/install/cluster-operator/"));
    }
    bundles.sort_by_key(|b| super::bundle::version_key(&b.version));
    Ok(bundles)
}

/// `--version V`: the cached asset, else a download into the cache.
pub fn load_release(version: &str) -> Result<Bundle, Failure> {
    check_version(version)?;
    let cached = cache_path(version);
    if let Some(path) = &cached
        && path.is_file()
    {
        return load_path(path);
    }
    let url = release_url(version);
    let text = download(&url, version)?;
    let bundle = parse(&url, &[(url.clone(), text.clone())])?;
    if let Some(path) = &cached {
        // A cache that cannot be written only costs a download next time.
        let _ = write_atomically(path, &text);
    }
    Ok(bundle)
}

/// Release tags are plain versions; anything else could escape the cache directory.
fn check_version(version: &str) -> Result<(), Failure> {
    let valid = !version.is_empty()
        && version.chars().next().is_some_and(|c| c.is_ascii_digit())
        && version
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-');
    if valid {
        Ok(())
    } else {
        Err(
            Failure::usage(format!("--version: \"{version}\" is not a Strimzi release version"))
                .with_hint("pass one such as 1.2.0 or 0.45.2"),
        )
    }
}

/// `https://github.com/strimzi/strimzi-kafka-operator/releases/download/V/strimzi-cluster-operator-V.yaml`.
pub fn release_url(version: &str) -> String {
    let base = std::env::var(RELEASES_URL_ENV)
        .ok()
        .filter(|v| !v.trim().is_empty())
        .unwrap_or_else(|| RELEASES_URL.to_string());
    format!(
        "{}/{version}/strimzi-cluster-operator-{version}.yaml",
        base.trim_end_matches('/')
    )
}

/// `<cache dir>/kafkactl/strimzi/V/strimzi-cluster-operator-V.yaml`
/// (`$XDG_CACHE_HOME`, else `~/.cache` on Linux).
pub fn cache_path(version: &str) -> Option<PathBuf> {
    let base = dirs::cache_dir()?;
    Some(
        base.join("kafkactl")
            .join("strimzi")
            .join(version)
            .join(format!("strimzi-cluster-operator-{version}.yaml")),
    )
}

fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let partial = path.with_extension("yaml.partial");
    std::fs::write(&partial, text)?;
    std::fs::rename(&partial, path)
}

/// GET the asset (ureq follows GitHub's redirect and honours HTTPS_PROXY).
fn download(url: &str, version: &str) -> Result<String, Failure> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(Duration::from_secs(120)))
        .timeout_connect(Some(Duration::from_secs(15)))
        .http_status_as_error(false)
        .build()
        .into();
    let offline_hint = || {
        format!(
            "kafkactl could not reach {url}; on a machine without internet, download \
             strimzi-cluster-operator-{version}.yaml elsewhere and pass it with --from FILE \
             (or the release's install/cluster-operator/ directory)"
        )
    };
    let started = std::time::Instant::now();
    let mut response = agent.get(url).call().map_err(|e| {
        tracing::debug!(target: crate::cluster::trace::TARGET, "GET {url} failed after {}ms: {e}", started.elapsed().as_millis());
        Failure::runtime(format!("cannot download Strimzi {version} (offline?): {e}")).with_hint(offline_hint())
    })?;
    let status = response.status();
    // -v shows this request too, in the words of the API server's.
    tracing::debug!(target: crate::cluster::trace::TARGET, "GET {url} {} {}ms", status.as_u16(), started.elapsed().as_millis());
    if status == 404 {
        return Err(Failure::new(
            FailureKind::NotFound,
            format!("Strimzi release {version} has no asset strimzi-cluster-operator-{version}.yaml ({url}: 404)"),
        )
        .with_hint("check the version on https://github.com/strimzi/strimzi-kafka-operator/releases, or pass --from"));
    }
    if !status.is_success() {
        return Err(
            Failure::runtime(format!("cannot download Strimzi {version}: {url} answered {status}"))
                .with_hint(offline_hint()),
        );
    }
    response
        .body_mut()
        .with_config()
        .limit(64 * 1024 * 1024)
        .read_to_string()
        .map_err(|e| Failure::runtime(format!("cannot download Strimzi {version}: {e}")).with_hint(offline_hint()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bundles_directory_yields_every_release_oldest_first() {
        let shared = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/strimzi");
        let bundles = load_bundles(&shared).unwrap_or_else(|e| panic!("{}", e.message));
        let versions: Vec<&str> = bundles.iter().map(|b| b.version.as_str()).collect();
        assert_eq!(versions, ["0.45.2", "0.46.1", "0.48.0", "0.51.0", "1.0.0", "1.2.0"]);
        let empty = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
        let error = load_bundles(empty.path()).err().map(|e| e.message).unwrap_or_default();
        assert!(
            error.contains("holds no <version>/install/cluster-operator/"),
            "{error}"
        );
    }

    #[test]
    fn versions_that_could_escape_the_cache_are_refused() {
        assert!(check_version("1.2.0").is_ok());
        assert!(check_version("0.46.0-rc1").is_ok());
        assert!(check_version("../etc").is_err());
        assert!(check_version("1.2.0/x").is_err());
        assert!(check_version("").is_err());
    }
}

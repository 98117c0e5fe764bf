//! Syntax rules the validators share: Kubernetes names, CIDRs, image
//! references, Prometheus durations and sizes. Each check returns what is
//! wrong as a phrase for a message, or nothing.

use std::net::IpAddr;

/// Longest DNS label (Kubernetes object and label names).
pub const DNS_LABEL_MAX: usize = 63;
/// Longest DNS subdomain (Secret names, host names).
pub const DNS_SUBDOMAIN_MAX: usize = 253;

/// The rules of a Kubernetes name, for messages.
pub const DNS_1035_RULES: &str = "use lowercase letters, digits and '-', starting with a letter and ending with a letter or digit, at most 63 characters";
pub const DNS_1123_RULES: &str =
    "use lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters";

fn is_lower_alnum(c: char) -> bool {
    c.is_ascii_lowercase() || c.is_ascii_digit()
}

/// What breaks a DNS-1123 label (`letter_first`: a DNS-1035 label, which
/// Service names must be), as phrases such as "has uppercase letters".
pub fn label_violations(name: &str, letter_first: bool) -> Vec<String> {
    let length = name.chars().count();
    let mut found = Vec::new();
    if length > DNS_LABEL_MAX {
        found.push(format!("is {length} characters long (at most {DNS_LABEL_MAX})"));
    }
    found.extend(label_character_violations(name, letter_first));
    found
}

/// The label rules except the length, for names whose length is judged
/// by what is derived from them.
pub fn label_character_violations(name: &str, letter_first: bool) -> Vec<String> {
    let mut found = Vec::new();
    let Some(first) = name.chars().next() else {
        return vec!["is empty".to_string()];
    };
    found.extend(character_violations(name, |c| is_lower_alnum(c) || c == '-'));
    // Uppercase letters and foreign characters are already named above.
    if letter_first && first.is_ascii_digit() {
        found.push(format!("starts with the digit '{first}' (must start with a letter)"));
    } else if first == '-' {
        found.push("starts with '-'".to_string());
    }
    if name.ends_with('-') {
        found.push("ends with '-' (must end with a letter or digit)".to_string());
    }
    found
}

/// "has uppercase letters", "contains ' ', '_'": characters outside `allowed`.
fn character_violations(name: &str, allowed: impl Fn(char) -> bool) -> Vec<String> {
    let mut found = Vec::new();
    if name.chars().any(|c| c.is_ascii_uppercase()) {
        found.push("has uppercase letters".to_string());
    }
    let mut others: Vec<char> = name
        .chars()
        .filter(|c| !allowed(*c) && !c.is_ascii_uppercase())
        .collect();
    others.sort_unstable();
    others.dedup();
    if !others.is_empty() {
        let listed: Vec<String> = others.iter().map(|c| format!("{c:?}")).collect();
        found.push(format!("contains {}", listed.join(", ")));
    }
    found
}

/// What breaks a DNS-1123 subdomain (Secret, StorageClass and host names).
pub fn subdomain_violations(name: &str) -> Vec<String> {
    if name.is_empty() {
        return vec!["is empty".to_string()];
    }
    let mut found = Vec::new();
    if name.len() > DNS_SUBDOMAIN_MAX {
        found.push(format!(
            "is {} characters long (at most {DNS_SUBDOMAIN_MAX})",
            name.len()
        ));
    }
    found.extend(character_violations(name, |c| {
        is_lower_alnum(c) || c == '-' || c == '.'
    }));
    let parts: Vec<&str> = name.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        found.push("has an empty part between dots".to_string());
    }
    if parts.iter().any(|p| p.starts_with('-') || p.ends_with('-')) {
        found.push("has a part starting or ending with '-'".to_string());
    }
    found
}

/// A name that follows the label rules, close to `name`, for "e.g." hints.
pub fn suggest_label(name: &str, letter_first: bool, max: usize) -> Option<String> {
    let mut out = String::new();
    for c in name.chars().flat_map(char::to_lowercase) {
        let c = if is_lower_alnum(c) { c } else { '-' };
        if !(c == '-' && (out.is_empty() || out.ends_with('-'))) {
            out.push(c);
        }
    }
    let start = out.find(is_lower_alnum)?;
    let mut out = out[start..].to_string();
    if letter_first && out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert_str(0, "kafka-");
    }
    let mut out: String = out.chars().take(max).collect();
    while out.ends_with('-') {
        out.pop();
    }
    (!out.is_empty() && out != name).then_some(out)
}

/// Parse `address/prefix` (IPv4 or IPv6) as Kubernetes' loadBalancerSourceRanges take it.
pub fn cidr_problem(text: &str) -> Option<String> {
    let Some((address, prefix)) = text.split_once('/') else {
        return Some("it has no prefix length".to_string());
    };
    let Ok(address) = address.parse::<IpAddr>() else {
        return Some(format!("\"{address}\" is not an IPv4 or IPv6 address"));
    };
    let max = if address.is_ipv4() { 32 } else { 128 };
    match prefix.parse::<u8>() {
        Ok(bits) if bits <= max && !prefix.starts_with('+') => None,
        _ => Some(format!("prefix length \"{prefix}\" is not a number from 0 to {max}")),
    }
}

/// Prometheus' duration units, largest first, in milliseconds.
const DURATION_UNITS: [(&str, u64); 7] = [
    ("y", 365 * 86_400_000),
    ("w", 7 * 86_400_000),
    ("d", 86_400_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1_000),
    ("ms", 1),
];

/// A Prometheus duration (`15d`, `1w`, `1d12h`: units y w d h m s ms, each at
/// most once, largest first) in milliseconds.
pub fn prometheus_duration_ms(text: &str) -> Option<u64> {
    let mut rest = text;
    let mut total: u64 = 0;
    let mut next_unit = 0;
    if rest == "0" {
        return Some(0);
    }
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let value: u64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        // "ms" before "m", so that "30ms" is not 30 minutes followed by "s".
        let (index, (unit, millis)) = DURATION_UNITS
            .iter()
            .enumerate()
            .skip(next_unit)
            .filter(|(_, (unit, _))| rest.starts_with(unit))
            .max_by_key(|(_, (unit, _))| unit.len())?;
        rest = &rest[unit.len()..];
        total = total.checked_add(value.checked_mul(*millis)?)?;
        next_unit = index + 1;
    }
    (!text.is_empty()).then_some(total)
}

/// A Prometheus byte size for `--storage.tsdb.retention.size` (`18GB`; units
/// B KB MB GB TB PB EB, powers of two) in bytes.
pub fn prometheus_bytes(text: &str) -> Option<u64> {
    const UNITS: [(&str, u32); 7] = [
        ("EB", 60),
        ("PB", 50),
        ("TB", 40),
        ("GB", 30),
        ("MB", 20),
        ("KB", 10),
        ("B", 0),
    ];
    let digits = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    let shift = UNITS.iter().find(|(u, _)| *u == unit)?.1;
    let value: u64 = number.parse().ok()?;
    value.checked_mul(1u64 << shift)
}

fn is_path_component(part: &str) -> bool {
    let starts_and_ends = |p: &str| p.starts_with(is_lower_alnum) && p.ends_with(is_lower_alnum);
    !part.is_empty() && part.chars().all(|c| is_lower_alnum(c) || matches!(c, '.' | '_' | '-')) && starts_and_ends(part)
}

/// `host[:port]` of a registry: letters, digits, '-' and '.', optional numeric port.
fn is_registry_host(host: &str) -> bool {
    let (name, port) = host.split_once(':').unwrap_or((host, ""));
    let name_ok = !name.is_empty()
        && name
            .split('.')
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'));
    let port_ok = host.contains(':') != port.is_empty() && port.chars().all(|c| c.is_ascii_digit());
    name_ok && port_ok
}

/// Whether the first component of an image name is a registry host: Docker's
/// rule, a dot or a port, or `localhost`.
fn looks_like_host(component: &str) -> bool {
    component.contains('.') || component.contains(':') || component == "localhost"
}

/// What is wrong with an image reference (`[host[:port]/]path[:tag][@digest]`).
pub fn image_problem(text: &str) -> Option<String> {
    if text.is_empty() {
        return Some("is empty".to_string());
    }
    if text.chars().any(char::is_whitespace) {
        return Some("contains blanks".to_string());
    }
    if text.contains("://") {
        return Some("has a URL scheme; image references have none".to_string());
    }
    let (name, digest) = match text.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (text, None),
    };
    if let Some(digest) = digest
        && !is_digest(digest)
    {
        return Some(format!(
            "digest \"{digest}\" is not algorithm:hex (e.g. sha256:<64 hex digits>)"
        ));
    }
    let last_slash = name.rfind('/').map_or(0, |i| i + 1);
    let (repository, tag) = match name[last_slash..].rfind(':') {
        Some(i) => (&name[..last_slash + i], Some(&name[last_slash + i + 1..])),
        None => (name, None),
    };
    if let Some(tag) = tag
        && !is_tag(tag)
    {
        return Some(format!(
            "tag \"{tag}\" is not valid (letters, digits, '_', '.', '-', at most 128, not starting with '.' or '-')"
        ));
    }
    repository_problem(repository)
}

fn repository_problem(repository: &str) -> Option<String> {
    let components: Vec<&str> = repository.split('/').collect();
    match components.as_slice() {
        [host, path @ ..] if !path.is_empty() && looks_like_host(host) => {
            if !is_registry_host(host) {
                return Some(format!(
                    "registry host \"{host}\" is not a host name with an optional :port"
                ));
            }
            path_problem(path)
        }
        all => path_problem(all),
    }
}

/// The repository path below the registry host: lowercase components.
fn path_problem(path: &[&str]) -> Option<String> {
    if path.iter().any(|p| p.chars().any(|c| c.is_ascii_uppercase())) {
        return Some("has uppercase letters in the repository (repositories are lowercase)".to_string());
    }
    match path.iter().copied().find(|p| !is_path_component(p)) {
        Some("") => Some("has an empty path component (\"//\" or a trailing '/')".to_string()),
        Some(bad) => Some(format!(
            "path component \"{bad}\" is not lowercase letters and digits separated by '.', '_' or '-'"
        )),
        None => None,
    }
}

fn is_tag(tag: &str) -> bool {
    let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-');
    !tag.is_empty() && tag.len() <= 128 && tag.chars().all(ok_char) && !tag.starts_with(['.', '-'])
}

fn is_digest(digest: &str) -> bool {
    match digest.split_once(':') {
        Some((algorithm, hex)) => {
            !algorithm.is_empty()
                && algorithm
                    .chars()
                    .all(|c| is_lower_alnum(c) || matches!(c, '+' | '.' | '_' | '-'))
                && hex.len() >= 32
                && hex.chars().all(|c| c.is_ascii_hexdigit())
        }
        None => false,
    }
}

/// What is wrong with a registry mirror prefix (`host[:port][/path]`, no
/// scheme, no tag): kafkactl puts it in front of every image's repository.
pub fn registry_problem(text: &str) -> Option<String> {
    if text.is_empty() {
        return Some("is empty".to_string());
    }
    if text.chars().any(char::is_whitespace) {
        return Some("contains blanks".to_string());
    }
    if let Some((scheme, _)) = text.split_once("://") {
        return Some(format!(
            "starts with the scheme \"{scheme}://\"; a registry is written without one"
        ));
    }
    if text.contains('@') {
        return Some("has a digest; a registry is only a host and path".to_string());
    }
    if text.ends_with('/') {
        return Some("ends with '/'".to_string());
    }
    let mut components = text.split('/');
    let host = components.next().unwrap_or_default();
    if !looks_like_host(host) || !is_registry_host(host) {
        return Some(format!(
            "\"{host}\" is not a registry host (a host name with a dot or a port, or localhost)"
        ));
    }
    let path: Vec<&str> = components.collect();
    if path.iter().any(|p| p.contains(':')) {
        return Some("has a tag; a registry is only a host and path".to_string());
    }
    path_problem(&path).filter(|_| !path.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cluster_names_follow_dns_1035() {
        assert!(label_violations("my-cluster", true).is_empty());
        assert!(label_violations("a1", true).is_empty());
        assert_eq!(label_violations("My", true), vec!["has uppercase letters"]);
        assert_eq!(label_violations("-a", false), vec!["starts with '-'"]);
        assert_eq!(
            label_violations("1kafka", true),
            vec!["starts with the digit '1' (must start with a letter)"]
        );
        assert!(label_violations("1kafka", false).is_empty());
        assert_eq!(label_violations("a_b c", true), vec!["contains ' ', '_'"]);
        assert_eq!(
            label_violations("kafka-", true),
            vec!["ends with '-' (must end with a letter or digit)"]
        );
        assert_eq!(
            label_violations(&"a".repeat(64), true),
            vec!["is 64 characters long (at most 63)"]
        );
    }

    #[test]
    fn suggested_labels_are_valid() {
        assert_eq!(suggest_label("My_Cluster", true, 63).as_deref(), Some("my-cluster"));
        assert_eq!(
            suggest_label("1st-kafka-", true, 63).as_deref(),
            Some("kafka-1st-kafka")
        );
        assert_eq!(suggest_label("ok", true, 63), None);
        assert_eq!(suggest_label("___", true, 63), None);
    }

    #[test]
    fn subdomains_allow_dots() {
        assert!(subdomain_violations("regcred").is_empty());
        assert!(subdomain_violations("kafka.example.com").is_empty());
        assert_eq!(subdomain_violations("a..b"), vec!["has an empty part between dots"]);
        assert_eq!(
            subdomain_violations("Reg_Cred"),
            vec!["has uppercase letters", "contains '_'"]
        );
    }

    #[test]
    fn cidrs_need_an_address_and_a_prefix_in_range() {
        assert_eq!(cidr_problem("10.0.0.0/8"), None);
        assert_eq!(cidr_problem("2001:db8::/32"), None);
        assert_eq!(cidr_problem("0.0.0.0/0"), None);
        assert!(cidr_problem("10.0.0.0").unwrap().contains("no prefix"));
        assert!(cidr_problem("10.0.0.0/33").unwrap().contains("0 to 32"));
        assert!(cidr_problem("2001:db8::/129").unwrap().contains("0 to 128"));
        assert!(cidr_problem("10.0.0.256/8").unwrap().contains("not an IPv4 or IPv6"));
        assert!(cidr_problem("corp-net/8").is_some());
    }

    #[test]
    fn prometheus_durations_take_units_largest_first() {
        assert_eq!(prometheus_duration_ms("15d"), Some(15 * 86_400_000));
        assert_eq!(prometheus_duration_ms("1d12h"), Some(36 * 3_600_000));
        assert_eq!(prometheus_duration_ms("30m"), Some(30 * 60_000));
        assert_eq!(prometheus_duration_ms("500ms"), Some(500));
        assert_eq!(prometheus_duration_ms("1m30s"), Some(90_000));
        assert_eq!(prometheus_duration_ms("1w"), Some(7 * 86_400_000));
        for bad in ["", "15", "d", "15 days", "12h1d", "1d1d", "1.5d", "15D", "-1d"] {
            assert_eq!(prometheus_duration_ms(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn prometheus_sizes_take_base_two_byte_units() {
        assert_eq!(prometheus_bytes("18GB"), Some(18 << 30));
        assert_eq!(prometheus_bytes("512MB"), Some(512 << 20));
        assert_eq!(prometheus_bytes("100B"), Some(100));
        for bad in ["18Gi", "18", "18 GB", "GB", "18gb"] {
            assert_eq!(prometheus_bytes(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn image_references_are_checked_like_docker_does() {
        for good in [
            "quay.io/strimzi/kafka:0.45.2-kafka-3.9.2",
            "registry:5000/team/kafka",
            "localhost/kafka:dev",
            "busybox",
            "ghcr.io/scholzj/zoo-entrance:latest",
            "repo/kafka@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
            "Harbor.Corp/team/kafka:v1",
        ] {
            assert_eq!(image_problem(good), None, "{good}");
        }
        assert!(image_problem("quay.io/Strimzi/Kafka:1").unwrap().contains("uppercase"));
        assert!(image_problem("quay.io/strimzi/kafka: 1").unwrap().contains("blanks"));
        assert!(
            image_problem("https://quay.io/strimzi/kafka")
                .unwrap()
                .contains("scheme")
        );
        assert!(image_problem("quay.io//kafka").unwrap().contains("empty path"));
        assert!(image_problem("kafka:-bad").unwrap().contains("tag"));
        assert!(image_problem("kafka@sha256:xyz").unwrap().contains("digest"));
    }

    #[test]
    fn registries_are_a_host_with_an_optional_path() {
        for good in ["harbor.corp", "harbor.corp/mirror", "registry:5000", "localhost/a/b"] {
            assert_eq!(registry_problem(good), None, "{good}");
        }
        assert!(registry_problem("https://harbor.corp").unwrap().contains("scheme"));
        assert!(registry_problem("harbor.corp/mirror:1").unwrap().contains("tag"));
        assert!(registry_problem("mirror").unwrap().contains("not a registry host"));
        assert!(registry_problem("harbor.corp/").unwrap().contains("ends with '/'"));
        assert!(registry_problem("harbor.corp/Mirror").unwrap().contains("uppercase"));
    }
}

//! `kafkactl expose` against the fake API server with the simulated operator:
//! listeners (with their KafkaUser), JMX, zoo-entrance and Prometheus opened
//! and closed again, addresses read back, refusals, idempotency, dry runs.

use std::path::PathBuf;

use fake_kube::StrimziRelease;
use fake_kube::schema::{crd_version_schema, validate_strict};
use serde_json::{Value, json};

use crate::common::{Env, dev_preset_with, env, output_text};

const NS: &str = "kafka";

/// The CRD schema of `kind` in a Strimzi release bundle, for strict checks.
fn crd_schema(release: StrimziRelease, file: &str) -> Value {
    let (dir, version) = (release.version(), release.storage_version());
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/strimzi")
        .join(dir)
        .join("install/cluster-operator")
        .join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let crd: Value = serde_saphyr::from_str(&text).unwrap();
    crd_version_schema(&crd, version).unwrap()
}

/// `spec` (and the identity) of a stored object, validated strictly: status
/// and server-set metadata are the server's, not kafkactl's.
fn assert_valid(release: StrimziRelease, file: &str, object: &Value) {
    let checked = json!({
        "apiVersion": object["apiVersion"],
        "kind": object["kind"],
        "metadata": { "name": object["metadata"]["name"] },
        "spec": object["spec"],
    });
    let violations = validate_strict(&crd_schema(release, file), &checked);
    assert!(violations.is_empty(), "{violations:?} in {checked:#}");
}

/// A ready cluster made by `kafkactl create`.
fn cluster(release: StrimziRelease, name: &str, preset: &str, extra: &[&str]) -> Env {
    let env = env(release).start();
    let out = env
        .kafkactl()
        .args(["create", name, "--preset", preset, "--timeout", "90s"])
        .args(extra)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    env
}

/// Run `kafkactl <args> -o json`; the outcome, or the failed output.
fn run_json(env: &Env, args: &[&str]) -> Value {
    let out = env
        .kafkactl()
        .args(args)
        .args(["-o", "json", "--timeout", "60s"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", output_text(&out));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", output_text(&out)))
}

fn service(env: &Env, name: &str) -> Option<Value> {
    env.fake.store().get("v1", "Service", Some(NS), name)
}

fn listener<'a>(kafka: &'a Value, name: &str) -> Option<&'a Value> {
    kafka["spec"]["kafka"]["listeners"]
        .as_array()?
        .iter()
        .find(|l| l["name"] == name)
}

fn node_internal_ips(env: &Env) -> Vec<String> {
    env.fake
        .store()
        .list("v1", "Node", None, None)
        .iter()
        .filter_map(|n| {
            n["status"]["addresses"]
                .as_array()?
                .iter()
                .find(|a| a["type"] == "InternalIP")
                .and_then(|a| a["address"].as_str().map(str::to_string))
        })
        .collect()
}

fn kafka_user(env: &Env, name: &str) -> Option<Value> {
    env.fake.store().get(env.kafka_api(), "KafkaUser", Some(NS), name)
}

#[test]
fn nodeport_listener_with_scram_prints_node_addresses_and_the_users_secret() {
    let release = StrimziRelease::V1_2_0;
    let env = cluster(release, "c1", "dev", &["--brokers", "2"]);
    let outcome = run_json(
        &env,
        &[
            "expose",
            "c1",
            "kafka",
            "--type",
            "nodeport",
            "--tls",
            "--auth",
            "scram-sha-512",
        ],
    );
    assert_eq!(outcome["result"], "exposed", "{outcome:#}");

    let kafka = env.kafka("c1").unwrap();
    let external = listener(&kafka, "external").expect("the external listener is in the Kafka CR");
    assert_eq!(external["type"], "nodeport");
    assert_eq!(external["port"], 9094);
    assert_eq!(external["tls"], true);
    assert_eq!(external["authentication"]["type"], "scram-sha-512");
    assert_valid(release, "040-Crd-kafka.yaml", &kafka);

    // Addresses: the status's bootstrap servers, brokers on their nodes' addresses.
    let status_servers = kafka["status"]["listeners"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["name"] == "external")
        .unwrap()["bootstrapServers"]
        .clone();
    assert_eq!(outcome["bootstrapServers"], status_servers);
    let bootstrap_port = service(&env, "c1-kafka-external-bootstrap").unwrap()["spec"]["ports"][0]["nodePort"]
        .as_i64()
        .unwrap();
    let ips = node_internal_ips(&env);
    let servers = outcome["bootstrapServers"].as_str().unwrap();
    assert!(servers.contains(&format!(":{bootstrap_port}")), "{servers}");
    assert!(
        ips.iter().any(|ip| servers.contains(ip.as_str())),
        "{servers} vs {ips:?}"
    );
    let brokers = outcome["addresses"].as_array().unwrap();
    assert_eq!(brokers.len(), 2, "{outcome:#}");
    for b in brokers {
        let id = b["broker"].as_i64().unwrap();
        let port = service(&env, &format!("c1-c1-dual-external-{id}")).unwrap()["spec"]["ports"][0]["nodePort"]
            .as_i64()
            .unwrap();
        let address = b["address"].as_str().unwrap();
        assert!(address.ends_with(&format!(":{port}")), "{address}");
        assert!(ips.iter().any(|ip| address.starts_with(ip.as_str())), "{address}");
    }
    let opens = outcome["access"][0].as_str().unwrap();
    assert!(opens.contains(&format!("NodePorts {bootstrap_port}")), "{opens}");
    assert!(opens.contains("to anyone who can reach the nodes"), "{opens}");

    // The KafkaUser and where its credentials are.
    let user = kafka_user(&env, "c1-external-client").expect("the client KafkaUser");
    assert_eq!(user["spec"]["authentication"]["type"], "scram-sha-512");
    assert_eq!(user["metadata"]["labels"]["strimzi.io/cluster"], "c1");
    assert_valid(release, "044-Crd-kafkauser.yaml", &user);
    let credentials = &outcome["credentials"];
    assert_eq!(credentials["secret"], "c1-external-client");
    assert_eq!(credentials["keys"], json!(["password", "sasl.jaas.config"]));
    let properties: Vec<&str> = credentials["clientProperties"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l.as_str().unwrap())
        .collect();
    assert!(properties.contains(&"security.protocol=SASL_SSL"), "{properties:?}");
    assert!(properties.contains(&"sasl.mechanism=SCRAM-SHA-512"), "{properties:?}");
}

#[test]
fn running_the_same_expose_again_changes_nothing() {
    let env = cluster(StrimziRelease::V1_2_0, "c1", "dev", &[]);
    let args = [
        "expose",
        "c1",
        "kafka",
        "--type",
        "nodeport",
        "--auth",
        "scram-sha-512",
        "--tls",
    ];
    run_json(&env, &args);
    let kafka_rv = env.kafka("c1").unwrap()["metadata"]["resourceVersion"].clone();
    let user_rv = kafka_user(&env, "c1-external-client").unwrap()["metadata"]["resourceVersion"].clone();
    let again = run_json(&env, &args);
    assert_eq!(again["result"], "unchanged", "{again:#}");
    assert!(
        again["objects"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["action"] == "unchanged"),
        "{again:#}"
    );
    assert_eq!(env.kafka("c1").unwrap()["metadata"]["resourceVersion"], kafka_rv);
    assert_eq!(
        kafka_user(&env, "c1-external-client").unwrap()["metadata"]["resourceVersion"],
        user_rv
    );
    assert!(again["bootstrapServers"].as_str().is_some_and(|s| !s.is_empty()));
}

#[test]
fn remove_takes_the_listener_and_its_user_away() {
    let env = cluster(StrimziRelease::V1_2_0, "c1", "dev", &[]);
    run_json(
        &env,
        &["expose", "c1", "kafka", "--type", "nodeport", "--tls", "--auth", "tls"],
    );
    assert_eq!(
        kafka_user(&env, "c1-external-client").unwrap()["spec"]["authentication"]["type"],
        "tls"
    );
    let removed = run_json(&env, &["expose", "c1", "kafka", "--remove", "external"]);
    assert_eq!(removed["result"], "removed", "{removed:#}");
    let kafka = env.kafka("c1").unwrap();
    assert!(listener(&kafka, "external").is_none(), "{kafka:#}");
    assert!(listener(&kafka, "plain").is_some(), "the internal listener stays");
    assert!(kafka_user(&env, "c1-external-client").is_none());
    let stored: Value =
        serde_json::from_str(kafka["metadata"]["annotations"]["kafkactl.io/spec"].as_str().unwrap()).unwrap();
    assert!(stored["listeners"].get("external").is_none());
    // Removing what is not there is not an error.
    let again = run_json(&env, &["expose", "c1", "kafka", "--remove", "external"]);
    assert_eq!(again["result"], "unchanged", "{again:#}");
    // A typo is visible: the note names the listeners there are.
    let notes = again["notes"].to_string();
    assert!(
        notes.contains("is not there") && notes.contains("(listeners: plain)"),
        "{again:#}"
    );
}

#[test]
fn load_balancer_listener_on_0_45_prints_the_load_balancer_addresses() {
    let release = StrimziRelease::V0_45_2;
    let env = cluster(release, "zk", "zookeeper-classic", &[]);
    let outcome = run_json(
        &env,
        &[
            "expose",
            "zk",
            "kafka",
            "--type",
            "loadbalancer",
            "--listener",
            "lb",
            "--annotation",
            "service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type=intranet",
            "--allow-from",
            "10.0.0.0/8",
            "--tls",
            "--auth",
            "scram-sha-512",
        ],
    );
    let kafka = env.kafka("zk").unwrap();
    let lb = listener(&kafka, "lb").unwrap();
    assert_eq!(lb["configuration"]["loadBalancerSourceRanges"], json!(["10.0.0.0/8"]));
    assert_valid(release, "040-Crd-kafka.yaml", &kafka);
    assert_valid(
        release,
        "044-Crd-kafkauser.yaml",
        &kafka_user(&env, "zk-lb-client").unwrap(),
    );

    let lb_ip = |name: &str| {
        service(&env, name).unwrap()["status"]["loadBalancer"]["ingress"][0]["ip"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let bootstrap = outcome["bootstrapServers"].as_str().unwrap();
    assert_eq!(bootstrap, format!("{}:9094", lb_ip("zk-kafka-lb-bootstrap")));
    let addresses = outcome["addresses"].as_array().unwrap();
    assert_eq!(addresses.len(), 3, "{outcome:#}");
    for a in addresses {
        let id = a["broker"].as_i64().unwrap();
        assert_eq!(a["address"], format!("{}:9094", lb_ip(&format!("zk-kafka-lb-{id}"))));
    }
    let access = outcome["access"][0].as_str().unwrap();
    assert!(access.contains("to clients from 10.0.0.0/8 only"), "{access}");
}

#[test]
fn a_taken_node_port_is_refused_before_anything_is_written() {
    let env = cluster(StrimziRelease::V1_2_0, "c1", "dev", &[]);
    env.fake
        .store()
        .put(json!({ "apiVersion": "v1", "kind": "Namespace", "metadata": { "name": "other" } }))
        .unwrap();
    env.fake
        .store()
        .put(json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": { "name": "holder", "namespace": "other" },
            "spec": { "type": "NodePort", "ports": [{ "port": 80, "nodePort": 31234 }] },
        }))
        .unwrap();
    let rv = env.kafka("c1").unwrap()["metadata"]["resourceVersion"].clone();
    let out = env
        .kafkactl()
        .args(["expose", "c1", "kafka", "--type", "nodeport", "--node-port", "31234"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("NodePort 31234"), "{stderr}");
    assert!(stderr.contains("already allocated to Service other/holder"), "{stderr}");
    assert!(stderr.contains("--node-port"), "{stderr}");
    assert_eq!(env.kafka("c1").unwrap()["metadata"]["resourceVersion"], rv);
}

/// A NodePort that only the API server finds taken (a preset pins it and the preflight
/// is skipped) is told apart by the Status causes and refused as such, naming
/// the field and the port, not reported as a generic invalid object (exit 1 before).
#[test]
fn a_taken_node_port_the_api_server_refuses_is_a_refusal_naming_the_field() {
    let env = env(StrimziRelease::V1_2_0).start();
    env.fake
        .store()
        .put(json!({ "apiVersion": "v1", "kind": "Namespace", "metadata": { "name": "other" } }))
        .unwrap();
    env.fake
        .store()
        .put(json!({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": { "name": "holder", "namespace": "other" },
            "spec": { "type": "NodePort", "ports": [{ "port": 80, "nodePort": 31234 }] },
        }))
        .unwrap();
    let dir = tempfile::TempDir::new().unwrap();
    let preset = dev_preset_with(dir.path(), "pinned.yaml", |dev| {
        dev.replace(
            "prometheus: { enabled: false }",
            "prometheus: { enabled: true, expose: { type: nodeport, public: true, nodePort: 31234 } }",
        )
    });
    let out = env
        .kafkactl()
        .args(["create", "p1", "--preset", &preset, "--skip-checks", "--timeout", "90s"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("a NodePort is already allocated to another Service"),
        "{stderr}"
    );
    assert!(stderr.contains("cannot apply Service kafka/p1-prometheus"), "{stderr}");
    assert!(
        stderr.contains("spec.ports[0].nodePort: Invalid value: 31234"),
        "{stderr}"
    );
    assert!(stderr.contains("--node-port"), "{stderr}");
}

#[test]
fn jmx_services_follow_the_brokers_up_and_down() {
    let env = cluster(StrimziRelease::V1_2_0, "c1", "dev", &["--brokers", "2"]);
    let jmx_services = |env: &Env| {
        let mut names: Vec<String> = env
            .fake
            .store()
            .list("v1", "Service", Some(NS), Some("app.kubernetes.io/name=jmx"))
            .iter()
            .map(|s| s["metadata"]["name"].as_str().unwrap().to_string())
            .collect();
        names.sort();
        names
    };
    let outcome = run_json(&env, &["expose", "c1", "jmx"]);
    assert_eq!(jmx_services(&env), ["c1-c1-dual-0-jmx", "c1-c1-dual-1-jmx"]);
    let svc = service(&env, "c1-c1-dual-1-jmx").unwrap();
    assert_eq!(svc["spec"]["selector"]["strimzi.io/pod-name"], "c1-c1-dual-1");
    assert_eq!(svc["spec"]["ports"][0]["port"], 9999);
    let kafka = env.kafka("c1").unwrap();
    assert_eq!(
        kafka["spec"]["kafka"]["jmxOptions"],
        json!({ "authentication": { "type": "password" } })
    );
    assert_eq!(outcome["credentials"]["secret"], "c1-kafka-jmx");
    assert_eq!(outcome["credentials"]["keys"], json!(["jmx-username", "jmx-password"]));
    assert!(env.fake.store().get("v1", "Secret", Some(NS), "c1-kafka-jmx").is_some());
    let addresses = outcome["addresses"].as_array().unwrap();
    assert_eq!(addresses.len(), 2);
    let port = svc["spec"]["ports"][0]["nodePort"].as_i64().unwrap();
    assert!(
        addresses[1]["address"].as_str().unwrap().ends_with(&format!(":{port}")),
        "{outcome:#}"
    );

    // Scale up and down with `create --update`, then expose again: new
    // brokers get a Service, removed brokers lose theirs.
    for (brokers, expected) in [
        (3, vec!["c1-c1-dual-0-jmx", "c1-c1-dual-1-jmx", "c1-c1-dual-2-jmx"]),
        // Not down to 1: with min.insync.replicas 1 the guards every change
        // runs (scale's) keep 2 brokers.
        (2, vec!["c1-c1-dual-0-jmx", "c1-c1-dual-1-jmx"]),
    ] {
        let out = env
            .kafkactl()
            .args([
                "create",
                "c1",
                "--preset",
                "dev",
                "--update",
                // 3 → 2 removes broker 2, which needs a yes.
                "--yes",
                "--timeout",
                "90s",
                "--brokers",
            ])
            .arg(brokers.to_string())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", output_text(&out));
        let outcome = run_json(&env, &["expose", "c1", "jmx"]);
        assert_eq!(jmx_services(&env), expected, "{outcome:#}");
        assert_eq!(outcome["addresses"].as_array().unwrap().len(), expected.len());
    }

    // `scale` alone (no second expose): the Services follow at once, up and down.
    for (brokers, expected) in [
        (3, vec!["c1-c1-dual-0-jmx", "c1-c1-dual-1-jmx", "c1-c1-dual-2-jmx"]),
        (2, vec!["c1-c1-dual-0-jmx", "c1-c1-dual-1-jmx"]),
    ] {
        let out = env
            .kafkactl()
            .args(["scale", "c1", "--yes", "--timeout", "90s", "--brokers"])
            .arg(brokers.to_string())
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", output_text(&out));
        assert_eq!(jmx_services(&env), expected, "after scale --brokers {brokers}");
    }

    let removed = run_json(&env, &["expose", "c1", "jmx", "--remove"]);
    assert_eq!(removed["result"], "removed", "{removed:#}");
    assert!(jmx_services(&env).is_empty());
}

#[test]
fn unauthenticated_jmx_is_refused_without_confirmation() {
    let env = cluster(StrimziRelease::V1_2_0, "c1", "dev", &[]);
    let out = env
        .kafkactl()
        .args(["--no-input", "expose", "c1", "jmx", "--no-auth"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--yes"), "{stderr}");
    assert!(env.kafka("c1").unwrap()["spec"]["kafka"].get("jmxOptions").is_none());
    assert!(service(&env, "c1-c1-dual-0-jmx").is_none());

    let outcome = run_json(&env, &["--yes", "expose", "c1", "jmx", "--no-auth"]);
    assert_eq!(env.kafka("c1").unwrap()["spec"]["kafka"]["jmxOptions"], json!({}));
    assert!(service(&env, "c1-c1-dual-0-jmx").is_some());
    let warnings = outcome["warnings"].to_string();
    assert!(warnings.contains("no password"), "{warnings}");
}

#[test]
fn zookeeper_behind_an_internal_load_balancer_on_0_45() {
    let release = StrimziRelease::V0_45_2;
    let env = cluster(release, "zk", "zookeeper-classic", &[]);
    let outcome = run_json(
        &env,
        &[
            "expose",
            "zk",
            "zookeeper",
            "--lb",
            "aliyun-intranet",
            "--allow-from",
            "10.0.0.0/8",
        ],
    );
    assert_eq!(outcome["result"], "exposed", "{outcome:#}");
    let svc = service(&env, "zk-zoo-entrance").unwrap();
    assert_eq!(svc["spec"]["type"], "LoadBalancer");
    assert_eq!(
        svc["metadata"]["annotations"]["service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type"],
        "intranet"
    );
    assert_eq!(svc["spec"]["loadBalancerSourceRanges"], json!(["10.0.0.0/8"]));
    assert_eq!(svc["spec"]["externalTrafficPolicy"], "Local");
    let policy = env
        .fake
        .store()
        .get("networking.k8s.io/v1", "NetworkPolicy", Some(NS), "zk-zoo-entrance")
        .unwrap();
    assert_eq!(
        policy["spec"]["ingress"][1]["from"],
        json!([{ "ipBlock": { "cidr": "10.0.0.0/8" } }])
    );
    let ip = svc["status"]["loadBalancer"]["ingress"][0]["ip"].as_str().unwrap();
    assert_eq!(outcome["addresses"][0]["address"], format!("{ip}:2181"));
    let access = outcome["access"][0].as_str().unwrap();
    assert!(access.contains("to clients from 10.0.0.0/8 only"), "{access}");
    assert_valid(release, "040-Crd-kafka.yaml", &env.kafka("zk").unwrap());

    let again = run_json(
        &env,
        &[
            "expose",
            "zk",
            "zookeeper",
            "--lb",
            "aliyun-intranet",
            "--allow-from",
            "10.0.0.0/8",
        ],
    );
    assert_eq!(again["result"], "unchanged", "{again:#}");

    let removed = run_json(&env, &["expose", "zk", "zookeeper", "--remove"]);
    assert_eq!(removed["result"], "removed", "{removed:#}");
    let svc = service(&env, "zk-zoo-entrance").unwrap();
    assert_eq!(svc["spec"]["type"], "ClusterIP");
    assert!(svc["metadata"].get("annotations").is_none_or(|a| {
        a.get("service.beta.kubernetes.io/alibaba-cloud-loadbalancer-address-type")
            .is_none()
    }));
    let policy = env
        .fake
        .store()
        .get("networking.k8s.io/v1", "NetworkPolicy", Some(NS), "zk-zoo-entrance")
        .unwrap();
    assert_eq!(policy["spec"]["ingress"].as_array().unwrap().len(), 1);
}

#[test]
fn a_public_zookeeper_needs_public_and_kraft_clusters_have_none() {
    let env = cluster(StrimziRelease::V0_45_2, "zk", "zookeeper-classic", &[]);
    let out = env
        .kafkactl()
        .args(["expose", "zk", "zookeeper", "--type", "loadbalancer"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("--public") && stderr.contains("--lb"), "{stderr}");
    assert_eq!(service(&env, "zk-zoo-entrance").unwrap()["spec"]["type"], "ClusterIP");

    // A public ZooKeeper is opened only after a yes (issue 21 case 9; this ran without one before).
    let outcome = run_json(
        &env,
        &["--yes", "expose", "zk", "zookeeper", "--type", "nodeport", "--public"],
    );
    let warnings = outcome["warnings"].to_string();
    assert!(warnings.contains("public and unauthenticated"), "{warnings}");
    let policy = env
        .fake
        .store()
        .get("networking.k8s.io/v1", "NetworkPolicy", Some(NS), "zk-zoo-entrance")
        .unwrap();
    assert!(policy["spec"]["ingress"][1].get("from").is_none(), "{policy:#}");

    let kraft = cluster(StrimziRelease::V1_2_0, "c1", "dev", &[]);
    let out = kraft
        .kafkactl()
        .args(["expose", "c1", "zookeeper", "--lb", "aws-internal"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", output_text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("KRaft"));
}

#[test]
fn prometheus_behind_an_ingress_and_back() {
    let env = cluster(StrimziRelease::V1_2_0, "p1", "production", &[]);
    let outcome = run_json(
        &env,
        &[
            "--yes", // open to anyone who reaches the ingress controller: asked first (issue 21 case 9)
            "expose",
            "p1",
            "prometheus",
            "--ingress",
            "prometheus.example.com",
            "--ingress-class",
            "nginx",
            "--tls-secret",
            "prometheus-tls",
        ],
    );
    let ingress = env
        .fake
        .store()
        .get("networking.k8s.io/v1", "Ingress", Some(NS), "p1-prometheus")
        .expect("the Ingress");
    assert_eq!(ingress["spec"]["ingressClassName"], "nginx");
    assert_eq!(ingress["spec"]["rules"][0]["host"], "prometheus.example.com");
    assert_eq!(
        ingress["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"],
        json!({ "name": "p1-prometheus", "port": { "name": "web" } })
    );
    assert_eq!(ingress["spec"]["tls"][0]["secretName"], "prometheus-tls");
    assert_eq!(outcome["addresses"][0]["address"], "https://prometheus.example.com/");

    // Monitoring cannot be removed from under its exposure: the refusal names the fix.
    env.fake.clear_requests();
    let out = env.kafkactl().args(["monitor", "p1", "uninstall"]).output().unwrap();
    assert_eq!(out.status.code(), Some(4), "{}", crate::common::output_text(&out));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("kafkactl expose p1 prometheus --remove -n kafka"),
        "{stderr}"
    );
    assert!(env.fake.write_requests().is_empty(), "nothing was written");

    let removed = run_json(&env, &["expose", "p1", "prometheus", "--remove"]);
    assert_eq!(removed["result"], "removed", "{removed:#}");
    assert!(
        env.fake
            .store()
            .get("networking.k8s.io/v1", "Ingress", Some(NS), "p1-prometheus")
            .is_none()
    );
    assert!(removed["pruned"].to_string().contains("p1-prometheus"), "{removed:#}");
}

#[test]
fn dry_run_prints_the_changed_objects_and_writes_nothing() {
    let env = cluster(StrimziRelease::V1_2_0, "c1", "dev", &[]);
    env.fake.clear_requests();
    let outcome = run_json(
        &env,
        &[
            "expose",
            "c1",
            "kafka",
            "--type",
            "loadbalancer",
            "--auth",
            "scram-sha-512",
            "--tls",
            "--dry-run",
        ],
    );
    assert!(env.fake.write_requests().is_empty(), "{:?}", env.fake.write_requests());
    assert_eq!(outcome["result"], "dry-run");
    let kinds: Vec<&str> = outcome["dryRun"]["apply"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"Kafka"), "{kinds:?}");
    assert!(kinds.contains(&"KafkaUser"), "{kinds:?}");
    assert!(
        !kinds.contains(&"KafkaNodePool"),
        "unchanged objects are left out: {kinds:?}"
    );
    assert!(listener(&env.kafka("c1").unwrap(), "external").is_none());
}

// ---- opening to anyone asks first (issue 21 case 9) ------------------------

fn code(out: &std::process::Output) -> Option<i32> {
    out.status.code()
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn prometheus_ingress(env: &Env, name: &str) -> Option<Value> {
    env.fake.store().get("networking.k8s.io/v1", "Ingress", Some(NS), name)
}

#[test]
fn a_public_zookeeper_is_opened_only_after_a_yes_on_a_terminal_and_off_it() {
    let env = cluster(StrimziRelease::V0_45_2, "zk", "zookeeper-classic", &[]);
    let kafka_rv = env.kafka("zk").unwrap()["metadata"]["resourceVersion"].clone();
    env.fake.clear_requests();

    // Off a terminal (CI): a refusal naming --yes, with the exact command; nothing written.
    let out = env
        .kafkactl()
        .args(["expose", "zk", "zookeeper", "--public"])
        .output()
        .unwrap();
    assert_eq!(code(&out), Some(4), "{}", output_text(&out));
    let text = stderr(&out);
    assert!(text.contains("anyone who reaches it"), "{text}");
    assert!(text.contains("read and change Kafka's metadata"), "{text}");
    assert!(text.contains("expose zk zookeeper --public --yes"), "{text}");
    assert!(env.fake.write_requests().is_empty(), "{:?}", env.fake.write_requests());
    assert_eq!(env.kafka("zk").unwrap()["metadata"]["resourceVersion"], kafka_rv);
    assert_eq!(service(&env, "zk-zoo-entrance").unwrap()["spec"]["type"], "ClusterIP");

    // On a terminal: the question, and "no" changes nothing.
    let dir = tempfile::tempdir().unwrap();
    let run = crate::wizard::script(
        dir.path(),
        env.fake.kubeconfig_path(),
        "expose zk zookeeper --public --timeout 60s",
    );
    let term = crate::wizard::Terminal::start(dir.path(), &run);
    term.wait_for("Open ZooKeeper of zk");
    term.answer("n");
    assert_eq!(crate::wizard::wait_for_exit(dir.path(), &term), 4, "{}", term.screen());
    assert!(env.fake.write_requests().is_empty(), "{:?}", env.fake.write_requests());
    assert_eq!(service(&env, "zk-zoo-entrance").unwrap()["spec"]["type"], "ClusterIP");

    // --yes opens it, and says to whom.
    let outcome = run_json(&env, &["--yes", "expose", "zk", "zookeeper", "--public"]);
    assert_eq!(outcome["result"], "exposed", "{outcome:#}");
    assert_eq!(
        service(&env, "zk-zoo-entrance").unwrap()["spec"]["type"],
        "LoadBalancer"
    );
    assert!(outcome["access"][0].as_str().unwrap().contains("ANYONE"), "{outcome:#}");
    // The same exposure again opens nothing new: no question.
    let again = run_json(&env, &["expose", "zk", "zookeeper", "--public"]);
    assert_eq!(again["result"], "unchanged", "{again:#}");
}

#[test]
fn an_exposed_prometheus_asks_first_and_its_lifecycle_api_is_off() {
    let env = cluster(StrimziRelease::V1_2_0, "p1", "production", &[]);
    env.fake.clear_requests();
    for args in [
        &["expose", "p1", "prometheus", "--ingress", "prometheus.example.com"][..],
        &["expose", "p1", "prometheus", "--type", "nodeport"][..],
        &["expose", "p1", "prometheus", "--type", "loadbalancer", "--public"][..],
    ] {
        let out = env.kafkactl().args(args).output().unwrap();
        assert_eq!(code(&out), Some(4), "{args:?}: {}", output_text(&out));
        let text = stderr(&out);
        assert!(
            text.contains("Open Prometheus of p1") && text.contains("--yes"),
            "{text}"
        );
    }
    assert!(env.fake.write_requests().is_empty(), "{:?}", env.fake.write_requests());
    assert!(prometheus_ingress(&env, "p1-prometheus").is_none());
    assert_eq!(service(&env, "p1-prometheus").unwrap()["spec"]["type"], "ClusterIP");

    let outcome = run_json(
        &env,
        &[
            "--yes",
            "expose",
            "p1",
            "prometheus",
            "--ingress",
            "prometheus.example.com",
        ],
    );
    assert_eq!(outcome["result"], "exposed", "{outcome:#}");
    assert!(prometheus_ingress(&env, "p1-prometheus").is_some());
    // Nobody who reaches it can stop or reload it: the lifecycle API is off.
    let sts = env
        .fake
        .store()
        .get("apps/v1", "StatefulSet", Some(NS), "p1-prometheus")
        .unwrap();
    let args = sts["spec"]["template"]["spec"]["containers"][0]["args"].to_string();
    assert!(!args.contains("--web.enable-lifecycle"), "{args}");
    assert!(!args.contains("--web.enable-admin-api"), "{args}");
}

#[test]
fn an_unauthenticated_listener_open_to_anyone_needs_a_yes_and_a_limited_one_does_not() {
    let env = cluster(StrimziRelease::V1_2_0, "c1", "dev", &[]);
    let kafka_rv = env.kafka("c1").unwrap()["metadata"]["resourceVersion"].clone();
    let out = env
        .kafkactl()
        .args(["expose", "c1", "kafka", "--type", "nodeport"])
        .output()
        .unwrap();
    assert_eq!(code(&out), Some(4), "{}", output_text(&out));
    let text = stderr(&out);
    assert!(
        text.contains("WITHOUT authentication") && text.contains("--yes"),
        "{text}"
    );
    assert_eq!(env.kafka("c1").unwrap()["metadata"]["resourceVersion"], kafka_rv);
    assert!(listener(&env.kafka("c1").unwrap(), "external").is_none());

    // Limited to a network: no question.
    let outcome = run_json(
        &env,
        &[
            "expose",
            "c1",
            "kafka",
            "--type",
            "nodeport",
            "--allow-from",
            "10.0.0.0/8",
        ],
    );
    assert_eq!(outcome["result"], "exposed", "{outcome:#}");
    assert!(listener(&env.kafka("c1").unwrap(), "external").is_some());
}

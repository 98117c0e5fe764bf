//! Serves fake-kube for manual poking: `cargo run -p fake-kube --example serve -- KUBECONFIG [1.2.0|0.45.2]`.
//! (The root crate's `fake-cluster` example is the full-featured one.)

use fake_kube::{FakeCluster, StrimziRelease};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().unwrap_or_else(|| "/tmp/fake-kube.kubeconfig".into());
    let mut b = FakeCluster::builder()
        .nodes(3)
        .storage_class("standard", true, true)
        .namespace("kafka");
    if let Some(r) = args.next().as_deref().and_then(StrimziRelease::parse) {
        b = b.strimzi(r);
    }
    let c = b.start();
    std::fs::copy(c.kubeconfig_path(), &path).expect("write kubeconfig");
    println!("{}", c.url());
    loop {
        std::thread::sleep(std::time::Duration::from_secs(3600));
    }
}

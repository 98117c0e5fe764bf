//! The kubeconfig that points clients at the fake: plain HTTP, no auth, context `fake`.

/// A kubeconfig for `server` (`http://127.0.0.1:PORT`) with one context, `fake`, and no
/// namespace set (clients fall back to their own default).
pub fn render(server: &str) -> String {
    format!(
        "apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster:
    server: {server}
users:
- name: fake
  user: {{}}
contexts:
- name: fake
  context:
    cluster: fake
    user: fake
current-context: fake
preferences: {{}}
"
    )
}

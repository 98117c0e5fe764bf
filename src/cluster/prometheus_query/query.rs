//! Sending a query through the service proxy, and the pure parsing of
//! Prometheus' answers (and of its errors, also inside proxy errors).

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use crate::cluster::client::Connection;

use super::target::PrometheusTarget;

/// One series of an instant vector.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sample {
    pub labels: BTreeMap<String, String>,
    pub value: f64,
}

impl Sample {
    pub(super) fn label(&self, name: &str) -> &str {
        self.labels.get(name).map(String::as_str).unwrap_or_default()
    }
}

/// Why a query gave no result.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum QueryError {
    /// Prometheus itself refused or failed the query.
    #[error("Prometheus answered {error_type}: {message}")]
    Prometheus { error_type: String, message: String },
    /// The API server or its proxy said no (404: no such Service, 503: no ready endpoints).
    #[error("the API server's service proxy answered {code}: {message}")]
    Proxy { code: u16, message: String },
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    #[error("the answer is not a Prometheus query result: {0}")]
    Malformed(String),
    #[error("the request failed: {0}")]
    Transport(String),
}

/// Percent-encode a query parameter value (RFC 3986 unreserved characters stay).
pub fn encode_component(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Parse an `/api/v1/query` answer: an instant vector (or a scalar, as one
/// unlabelled sample). Values are strings in the API: `"1"`, `"NaN"`, `"+Inf"`.
pub fn parse_query_answer(body: &str) -> Result<Vec<Sample>, QueryError> {
    let answer: Value =
        serde_json::from_str(body).map_err(|e| QueryError::Malformed(format!("{e}: {}", excerpt(body))))?;
    if answer["status"] != "success" {
        return Err(prometheus_error(&answer).unwrap_or_else(|| QueryError::Malformed(excerpt(body))));
    }
    let data = &answer["data"];
    match data["resultType"].as_str() {
        Some("vector") => data["result"]
            .as_array()
            .ok_or_else(|| QueryError::Malformed("data.result is not a list".to_string()))?
            .iter()
            .map(parse_sample)
            .collect(),
        Some("scalar") => Ok(vec![Sample {
            labels: BTreeMap::new(),
            value: parse_value(&data["result"])?,
        }]),
        other => Err(QueryError::Malformed(format!(
            "expected an instant vector, got resultType {}",
            other.unwrap_or("(none)")
        ))),
    }
}

fn parse_sample(item: &Value) -> Result<Sample, QueryError> {
    let labels = item["metric"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default();
    Ok(Sample {
        labels,
        value: parse_value(&item["value"])?,
    })
}

/// `[<unix time>, "<value>"]`.
fn parse_value(pair: &Value) -> Result<f64, QueryError> {
    let text = pair[1]
        .as_str()
        .ok_or_else(|| QueryError::Malformed(format!("a sample value is not [time, \"value\"]: {pair}")))?;
    text.parse::<f64>()
        .map_err(|_| QueryError::Malformed(format!("\"{text}\" is not a number")))
}

/// `{"status":"error","errorType":"…","error":"…"}`, Prometheus' error shape.
fn prometheus_error(answer: &Value) -> Option<QueryError> {
    (answer["status"] == "error").then(|| QueryError::Prometheus {
        error_type: answer["errorType"].as_str().unwrap_or("error").to_string(),
        message: answer["error"].as_str().unwrap_or_default().to_string(),
    })
}

fn excerpt(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(200) {
        Some((end, _)) => format!("{}...", &text[..end]),
        None => text.to_string(),
    }
}

/// A failed proxy request: Prometheus' own error when the body is one
/// (kube keeps a body it cannot read as a Kubernetes Status as the message).
fn from_kube_error(error: kube::Error) -> QueryError {
    match error {
        kube::Error::Api(status) => {
            if let Ok(answer) = serde_json::from_str::<Value>(&status.message)
                && let Some(error) = prometheus_error(&answer)
            {
                return error;
            }
            QueryError::Proxy {
                code: status.code,
                message: status.message.clone(),
            }
        }
        other => QueryError::Transport(crate::cluster::errors::error_chain(&other)),
    }
}

/// Run one instant query, giving up after `timeout` (Prometheus is told the
/// same limit, so it stops working on it too).
pub async fn query(
    conn: &Connection,
    target: &PrometheusTarget,
    promql: &str,
    timeout: Duration,
) -> Result<Vec<Sample>, QueryError> {
    let uri = format!(
        "{}?query={}&timeout={}ms",
        target.proxy_path("api/v1/query"),
        encode_component(promql),
        timeout.as_millis()
    );
    let request = http::Request::get(uri)
        .body(Vec::new())
        .map_err(|e| QueryError::Transport(e.to_string()))?;
    match tokio::time::timeout(timeout, conn.client.request_text(request)).await {
        Err(_) => Err(QueryError::Timeout(timeout)),
        Ok(Err(e)) => Err(from_kube_error(e)),
        Ok(Ok(body)) => parse_query_answer(&body),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cluster::prometheus_query::PrometheusTarget;
    use crate::cluster::prometheus_query::test_support::{spec, vector};

    #[test]
    fn vector_answers_parse_labels_and_string_values() {
        let body = vector(&[
            (&[("pod", "orders-brokers-0")], "1"),
            (&[("pod", "orders-brokers-1")], "NaN"),
        ]);
        let samples = parse_query_answer(&body).unwrap();
        assert_eq!(samples.len(), 2);
        assert_eq!(samples[0].labels["pod"], "orders-brokers-0");
        assert_eq!(samples[0].value, 1.0);
        assert!(samples[1].value.is_nan());
        let inf = vector(&[(&[], "+Inf")]);
        assert_eq!(parse_query_answer(&inf).unwrap()[0].value, f64::INFINITY);
    }

    #[test]
    fn scalar_answers_are_one_unlabelled_sample() {
        let body = r#"{"status":"success","data":{"resultType":"scalar","result":[1700000000,"42"]}}"#;
        assert_eq!(parse_query_answer(body).unwrap()[0].value, 42.0);
    }

    #[test]
    fn prometheus_errors_are_kept() {
        let body = r#"{"status":"error","errorType":"bad_data","error":"parse error at char 4"}"#;
        assert_eq!(
            parse_query_answer(body),
            Err(QueryError::Prometheus {
                error_type: "bad_data".to_string(),
                message: "parse error at char 4".to_string()
            })
        );
        assert!(matches!(parse_query_answer("<html>"), Err(QueryError::Malformed(_))));
        let matrix = r#"{"status":"success","data":{"resultType":"matrix","result":[]}}"#;
        assert!(matches!(parse_query_answer(matrix), Err(QueryError::Malformed(m)) if m.contains("matrix")));
    }

    #[test]
    fn proxy_errors_carrying_a_prometheus_body_become_prometheus_errors() {
        let status = kube::core::Status::failure(
            r#"{"status":"error","errorType":"timeout","error":"query timed out"}"#,
            "Failed to parse error data",
        )
        .with_code(503);
        assert_eq!(
            from_kube_error(kube::Error::Api(status.boxed())),
            QueryError::Prometheus {
                error_type: "timeout".to_string(),
                message: "query timed out".to_string()
            }
        );
        let status = kube::core::Status::failure("no endpoints available for service \"x\"", "ServiceUnavailable")
            .with_code(503);
        assert!(matches!(
            from_kube_error(kube::Error::Api(status.boxed())),
            QueryError::Proxy { code: 503, .. }
        ));
    }

    #[test]
    fn queries_are_percent_encoded() {
        assert_eq!(
            encode_component("up{job=\"kafka\"} > 0"),
            "up%7Bjob%3D%22kafka%22%7D%20%3E%200"
        );
        let target = PrometheusTarget::standalone(&spec());
        assert_eq!(
            target.proxy_path("api/v1/query"),
            "/api/v1/namespaces/kafka/services/orders-prometheus:9090/proxy/api/v1/query"
        );
    }
}

//! Results on stdout, as text or as one JSON or YAML document built from the
//! same outcome value, so machine output never lags behind text output.

use serde::Serialize;
use serde_json::Value;

use crate::cli::OutputFormat;

/// A command's result that knows how to show itself as text.
pub trait TextOutput {
    fn text(&self) -> String;
}

/// Render `value` in `format` (text uses `TextOutput`).
pub fn format_outcome<T: Serialize + TextOutput>(value: &T, format: OutputFormat) -> anyhow::Result<String> {
    Ok(match format {
        OutputFormat::Text => value.text(),
        OutputFormat::Json => {
            let mut s = serde_json::to_string_pretty(value)?;
            s.push('\n');
            s
        }
        OutputFormat::Yaml => to_yaml(value)?,
    })
}

/// Print a result to stdout.
pub fn print_outcome<T: Serialize + TextOutput>(value: &T, format: OutputFormat) -> anyhow::Result<()> {
    let text = format_outcome(value, format)?;
    print_stdout(&text);
    Ok(())
}

/// Write to stdout, ignoring a closed pipe (`kafkactl ... | head`).
pub fn print_stdout(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
    let _ = out.flush();
}

/// `eprintln!` for progress, warnings and errors that ignores a closed stderr
/// (`kafkactl … 2>&1 | head -1`): std's macro panics there (exit 101), and a command must
/// end with the exit code it would have had.
#[macro_export]
macro_rules! eprintln_safe {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($arg)*);
    }};
}

/// `eprint!` that ignores a closed stderr, as `eprintln_safe!`.
#[macro_export]
macro_rules! eprint_safe {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!(std::io::stderr(), $($arg)*);
    }};
}

pub fn to_yaml<T: Serialize>(value: &T) -> anyhow::Result<String> {
    Ok(serde_saphyr::to_string(value)?)
}

/// Objects as a multi-document YAML stream (`---` between documents).
pub fn multi_document_yaml(objects: &[Value]) -> anyhow::Result<String> {
    Ok(serde_saphyr::to_string_multiple(objects)?)
}

/// Objects as one Kubernetes `List`, the shape `kubectl get -o json` prints.
pub fn kubernetes_list(objects: &[Value]) -> Value {
    serde_json::json!({
        "apiVersion": "v1",
        "kind": "List",
        "metadata": {},
        "items": objects,
    })
}

/// A simple left-aligned table with a header row, columns two spaces apart.
pub fn table(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(console::measure_text_width(cell));
            }
        }
    }
    let mut out = String::new();
    let mut line = |cells: Vec<&str>| {
        let last = cells.len().saturating_sub(1);
        for (i, cell) in cells.iter().enumerate() {
            out.push_str(cell);
            if i < last {
                let pad = widths[i].saturating_sub(console::measure_text_width(cell)) + 2;
                out.push_str(&" ".repeat(pad));
            }
        }
        out.push('\n');
    };
    line(header.to_vec());
    for row in rows {
        line(row.iter().map(String::as_str).collect());
    }
    out
}

/// An outcome's result word (`result` in JSON and YAML, and in text): an enum
/// whose variants are written as the given words, never text compared as text.
#[macro_export]
macro_rules! result_word {
    ($(#[$meta:meta])* $vis:vis enum $name:ident { $($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        $vis enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_columns() {
        let t = table(
            &["NAME", "READY"],
            &[vec!["a".into(), "1/1".into()], vec!["long-name".into(), "0/3".into()]],
        );
        assert_eq!(t, "NAME       READY\na          1/1\nlong-name  0/3\n");
    }

    #[test]
    fn multi_document_yaml_separates_documents() {
        let yaml = multi_document_yaml(&[serde_json::json!({"a": 1}), serde_json::json!({"b": 2})]).unwrap();
        assert_eq!(yaml, "a: 1\n---\nb: 2\n");
    }
}

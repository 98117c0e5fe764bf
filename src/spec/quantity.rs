//! Kubernetes quantities (`500m`, `4Gi`, `1e3`) and JVM sizes (`-Xmx3072m`),
//! parsed into comparable numbers with errors that teach the syntax.
//!
//! kafkactl is stricter than Kubernetes in one place on purpose: memory and
//! storage must use binary suffixes (`Gi`), because `100G` is valid Kubernetes
//! that means 100×10⁹ bytes, and in a runbook it is almost always a typo for
//! `100Gi`.

use std::fmt;
use std::str::FromStr;

use thiserror::Error;

/// A parsed Kubernetes quantity, in thousandths of its unit so that CPU
/// millicores and whole bytes compare exactly. Sub-milli precision is rounded
/// up, as Kubernetes does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Quantity {
    millis: i128,
}

impl Quantity {
    /// Parse any quantity Kubernetes accepts (sign, decimal or binary SI
    /// suffix, `m`, or a decimal exponent).
    pub fn parse(text: &str) -> Result<Quantity, QuantityError> {
        Ok(Quantity {
            millis: parse_parts(text, Unit::Any)?.millis,
        })
    }

    /// The value in thousandths (millicores for CPU, millibytes for memory).
    pub fn millis(self) -> i128 {
        self.millis
    }
}

impl FromStr for Quantity {
    type Err = QuantityError;
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        Quantity::parse(text)
    }
}

/// What a quantity measures; it decides which forms are accepted and which
/// examples an error shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// No extra rules beyond the Kubernetes grammar.
    Any,
    /// CPU: cores or millicores.
    Cpu,
    /// Memory and storage: bytes, binary suffixes only.
    Bytes,
}

impl Unit {
    fn valid_forms(self) -> &'static str {
        match self {
            Unit::Any => {
                "write a number with an optional suffix: binary Ki Mi Gi Ti Pi Ei (4Gi), decimal k M G T P E, m for milli (500m), or an exponent (1e3)"
            }
            Unit::Cpu => "write cores (1, 2, 0.5, 1.5) or millicores (500m)",
            Unit::Bytes => "write bytes with a binary suffix Ki Mi Gi Ti Pi Ei, e.g. 512Mi, 4Gi, 100Gi",
        }
    }
}

/// Why a quantity was refused; the message says what would be valid.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum QuantityError {
    #[error("\"{text}\" is not a valid quantity; {}{}", unit.valid_forms(), did_you_mean(suggestion.as_deref()))]
    Syntax {
        text: String,
        unit: Unit,
        suggestion: Option<String>,
    },
    #[error(
        "\"{text}\" is {number}×10^{exponent} bytes (decimal \"{suffix}\"), not {number} {suffix}iB; kafkactl wants binary suffixes for memory and storage: did you mean \"{suggestion}\"?"
    )]
    DecimalBytes {
        text: String,
        number: String,
        suffix: String,
        exponent: u32,
        suggestion: String,
    },
    #[error("\"{text}\" is thousandths of a byte (\"m\" means milli){}", did_you_mean(suggestion.as_deref()))]
    MilliBytes { text: String, suggestion: Option<String> },
    #[error("\"{text}\" would be {text_cores} cores: CPU takes cores (1, 0.5) or millicores (500m), not binary suffixes", text_cores = binary_cores(text))]
    BinaryCpu { text: String },
    #[error("\"{text}\" must be more than zero; {}", unit.valid_forms())]
    NotPositive { text: String, unit: Unit },
    #[error("\"{text}\" {}", fraction_message(*unit))]
    Fraction { text: String, unit: Unit },
    #[error("\"{text}\" is too large to be meant seriously")]
    TooLarge { text: String },
}

fn did_you_mean(suggestion: Option<&str>) -> String {
    suggestion
        .map(|s| format!("; did you mean \"{s}\"?"))
        .unwrap_or_default()
}

fn fraction_message(unit: Unit) -> &'static str {
    match unit {
        Unit::Cpu => "is finer than 1m, the smallest CPU unit; round it to millicores (e.g. 1m, 250m)",
        _ => "is not a whole number of bytes; use a smaller binary suffix (e.g. 1536Mi instead of 1.5001Gi)",
    }
}

fn binary_cores(text: &str) -> String {
    Quantity::parse(text)
        .map(|q| (q.millis() / 1000).to_string())
        .unwrap_or_else(|_| "thousands of".to_string())
}

/// The suffix a quantity was written with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Suffix {
    None,
    Milli,
    /// `k M G T P E`: the letter and its power of ten.
    Decimal(char, u32),
    /// `Ki … Ei`: the power of two.
    Binary(u32),
    Exponent,
}

struct Parsed {
    millis: i128,
    /// False when precision below a thousandth was rounded away.
    exact: bool,
    suffix: Suffix,
}

fn syntax_error(text: &str, unit: Unit) -> QuantityError {
    let suggestion = match unit {
        Unit::Bytes => suggest_binary(text),
        Unit::Cpu => suggest_cpu(text),
        Unit::Any => None,
    };
    QuantityError::Syntax {
        text: text.to_string(),
        unit,
        suggestion,
    }
}

/// `[+-]digits[.digits](suffix)`, where the suffix is a binary or decimal SI
/// suffix, `m`, or `e`/`E` followed by a signed integer exponent.
fn parse_parts(text: &str, unit: Unit) -> Result<Parsed, QuantityError> {
    let invalid = || syntax_error(text, unit);
    let too_large = || QuantityError::TooLarge { text: text.to_string() };
    let (negative, rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    let number_len = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(rest.len());
    let (number, suffix_text) = rest.split_at(number_len);
    let (int_part, frac_part) = number.split_once('.').unwrap_or((number, ""));
    if int_part.is_empty() && frac_part.is_empty() || frac_part.contains('.') {
        return Err(invalid());
    }
    let (suffix, mut exponent10, power2) = parse_suffix(suffix_text).ok_or_else(invalid)?;
    let digits = format!("{int_part}{frac_part}");
    let digits = digits.trim_start_matches('0');
    if digits.len() > 30 {
        return Err(too_large());
    }
    let mantissa: i128 = if digits.is_empty() {
        0
    } else {
        digits.parse().map_err(|_| invalid())?
    };
    // Thousandths: shift by three decimal places, and back by the fraction's length.
    exponent10 += 3 - frac_part.len() as i64;
    let scaled = mantissa.checked_mul(1i128 << power2).ok_or_else(too_large)?;
    let (magnitude, exact) = if exponent10 >= 0 {
        let factor = 10i128
            .checked_pow(u32::try_from(exponent10).map_err(|_| too_large())?)
            .ok_or_else(too_large)?;
        (scaled.checked_mul(factor).ok_or_else(too_large)?, true)
    } else {
        divide_rounding_up(scaled, exponent10.unsigned_abs())
    };
    Ok(Parsed {
        millis: if negative { -magnitude } else { magnitude },
        exact,
        suffix,
    })
}

/// `value / 10^places`, rounded up, and whether nothing was rounded away.
fn divide_rounding_up(value: i128, places: u64) -> (i128, bool) {
    match u32::try_from(places).ok().and_then(|p| 10i128.checked_pow(p)) {
        Some(divisor) => {
            let quotient = value / divisor;
            let exact = value % divisor == 0;
            (if exact { quotient } else { quotient + 1 }, exact)
        }
        None => (i128::from(value > 0), value == 0),
    }
}

/// The suffix, its power of ten and its power of two.
fn parse_suffix(text: &str) -> Option<(Suffix, i64, u32)> {
    let binary = |p: u32| Some((Suffix::Binary(p), 0, p));
    let decimal = |c: char, e: u32| Some((Suffix::Decimal(c, e), i64::from(e), 0));
    match text {
        "" => Some((Suffix::None, 0, 0)),
        "m" => Some((Suffix::Milli, -3, 0)),
        "k" => decimal('k', 3),
        "M" => decimal('M', 6),
        "G" => decimal('G', 9),
        "T" => decimal('T', 12),
        "P" => decimal('P', 15),
        "E" => decimal('E', 18),
        "Ki" => binary(10),
        "Mi" => binary(20),
        "Gi" => binary(30),
        "Ti" => binary(40),
        "Pi" => binary(50),
        "Ei" => binary(60),
        _ => {
            let exponent = text.strip_prefix('e').or_else(|| text.strip_prefix('E'))?;
            let unsigned = exponent.strip_prefix(['+', '-']).unwrap_or(exponent);
            if unsigned.is_empty() || !unsigned.bytes().all(|b| b.is_ascii_digit()) || unsigned.len() > 4 {
                return None;
            }
            Some((Suffix::Exponent, exponent.parse().ok()?, 0))
        }
    }
}

/// CPU in millicores: positive, at most millicore precision, no binary suffix.
pub fn parse_cpu_millis(text: &str) -> Result<u64, QuantityError> {
    let parsed = parse_parts(text, Unit::Cpu)?;
    if matches!(parsed.suffix, Suffix::Binary(_)) {
        return Err(QuantityError::BinaryCpu { text: text.to_string() });
    }
    if parsed.millis <= 0 {
        return Err(QuantityError::NotPositive {
            text: text.to_string(),
            unit: Unit::Cpu,
        });
    }
    if !parsed.exact {
        return Err(QuantityError::Fraction {
            text: text.to_string(),
            unit: Unit::Cpu,
        });
    }
    u64::try_from(parsed.millis).map_err(|_| QuantityError::TooLarge { text: text.to_string() })
}

/// Memory in bytes: positive, whole, and written with a binary suffix (or
/// plain bytes, or an explicit exponent). `100G` is refused with a hint.
pub fn parse_memory_bytes(text: &str) -> Result<u64, QuantityError> {
    let parsed = parse_parts(text, Unit::Bytes)?;
    match parsed.suffix {
        Suffix::Decimal(suffix, exponent) => {
            let number = text.trim_end_matches(suffix).to_string();
            return Err(QuantityError::DecimalBytes {
                text: text.to_string(),
                suggestion: format!("{number}{}i", suffix.to_ascii_uppercase()),
                number,
                suffix: suffix.to_ascii_uppercase().to_string(),
                exponent,
            });
        }
        Suffix::Milli => {
            return Err(QuantityError::MilliBytes {
                text: text.to_string(),
                suggestion: suggest_binary(text),
            });
        }
        _ => {}
    }
    if parsed.millis <= 0 {
        return Err(QuantityError::NotPositive {
            text: text.to_string(),
            unit: Unit::Bytes,
        });
    }
    if !parsed.exact || parsed.millis % 1000 != 0 {
        return Err(QuantityError::Fraction {
            text: text.to_string(),
            unit: Unit::Bytes,
        });
    }
    u64::try_from(parsed.millis / 1000).map_err(|_| QuantityError::TooLarge { text: text.to_string() })
}

/// Storage sizes follow the same rules as memory.
pub fn parse_storage_bytes(text: &str) -> Result<u64, QuantityError> {
    parse_memory_bytes(text)
}

/// Split a loosely written size into its number and its unit letters, ignoring blanks.
fn split_loose(text: &str) -> Option<(String, String)> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    let number_len = compact
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(compact.len());
    let (number, unit) = compact.split_at(number_len);
    if number.is_empty() || !number.starts_with(|c: char| c.is_ascii_digit()) || number.matches('.').count() > 1 {
        return None;
    }
    Some((number.to_string(), unit.to_ascii_lowercase()))
}

/// The binary-suffixed form someone most likely meant: `100G`, `100GB`,
/// `100 gi` → `100Gi`.
fn suggest_binary(text: &str) -> Option<String> {
    let (number, unit) = split_loose(text)?;
    let letter = unit
        .strip_suffix("ib")
        .or_else(|| unit.strip_suffix('b'))
        .or_else(|| unit.strip_suffix('i'))
        .unwrap_or(&unit);
    let binary = match letter {
        "k" => "Ki",
        "m" => "Mi",
        "g" => "Gi",
        "t" => "Ti",
        "p" => "Pi",
        "e" => "Ei",
        _ => return None,
    };
    let suggestion = format!("{number}{binary}");
    (suggestion != text).then_some(suggestion)
}

/// `2 cores` → `2`, `500 m` → `500m`.
fn suggest_cpu(text: &str) -> Option<String> {
    let (number, unit) = split_loose(text)?;
    let suggestion = match unit.as_str() {
        "" | "core" | "cores" | "cpu" | "cpus" | "vcpu" | "vcpus" => number,
        "m" | "millicores" | "millicpu" => format!("{number}m"),
        _ => return None,
    };
    (suggestion != text && parse_cpu_millis(&suggestion).is_ok()).then_some(suggestion)
}

/// Why a JVM heap size was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum JvmSizeError {
    #[error(
        "\"{text}\" is not a JVM heap size; write a whole number with an optional unit k, m, g or t, as -Xmx takes it (e.g. 512m, 3072m, 2g){}",
        did_you_mean(suggestion.as_deref())
    )]
    Syntax { text: String, suggestion: Option<String> },
    #[error("\"{text}\" must be more than zero (e.g. 512m, 2g)")]
    Zero { text: String },
    #[error("\"{text}\" is too large to be meant seriously")]
    TooLarge { text: String },
}

/// A JVM size (`-Xms`/`-Xmx` syntax: digits and an optional `k|m|g|t` in
/// either case) in bytes.
pub fn parse_jvm_bytes(text: &str) -> Result<u64, JvmSizeError> {
    let syntax = || JvmSizeError::Syntax {
        text: text.to_string(),
        suggestion: suggest_jvm(text),
    };
    let digits_len = text.find(|c: char| !c.is_ascii_digit()).unwrap_or(text.len());
    let (digits, unit) = text.split_at(digits_len);
    if digits.is_empty() {
        return Err(syntax());
    }
    let shift = match unit {
        "" => 0,
        "k" | "K" => 10,
        "m" | "M" => 20,
        "g" | "G" => 30,
        "t" | "T" => 40,
        _ => return Err(syntax()),
    };
    let too_large = || JvmSizeError::TooLarge { text: text.to_string() };
    let value: u64 = digits.parse().map_err(|_| too_large())?;
    if value == 0 {
        return Err(JvmSizeError::Zero { text: text.to_string() });
    }
    value.checked_mul(1u64 << shift).ok_or_else(too_large)
}

/// `2Gi` → `2g`, `1.5g` → `1536m`, `512 MB` → `512m`.
fn suggest_jvm(text: &str) -> Option<String> {
    let (number, unit) = split_loose(text)?;
    let letter = unit
        .strip_suffix("ib")
        .or_else(|| unit.strip_suffix('b'))
        .or_else(|| unit.strip_suffix('i'))
        .unwrap_or(&unit);
    const UNITS: [&str; 5] = ["", "k", "m", "g", "t"];
    let index = UNITS.iter().position(|u| *u == letter)?;
    let suggestion = match number.split_once('.') {
        None => format!("{number}{letter}"),
        Some(_) if index > 0 => {
            let value: f64 = number.parse().ok()?;
            let smaller = value * 1024.0;
            (smaller.fract() == 0.0).then(|| format!("{}{}", smaller as u64, UNITS[index - 1]))?
        }
        Some(_) => return None,
    };
    (suggestion != text && parse_jvm_bytes(&suggestion).is_ok()).then_some(suggestion)
}

const BINARY_UNITS: [(&str, u32); 6] = [("Ei", 60), ("Pi", 50), ("Ti", 40), ("Gi", 30), ("Mi", 20), ("Ki", 10)];

/// Bytes as a Kubernetes quantity for messages: `4Gi`, `1536Mi`, or `1.3Gi`
/// when no unit divides it.
pub fn format_bytes(bytes: u64) -> String {
    if let Some((unit, shift)) = BINARY_UNITS
        .iter()
        .find(|(_, s)| bytes >= 1 << s && bytes.is_multiple_of(1 << s))
    {
        return format!("{}{unit}", bytes >> shift);
    }
    match BINARY_UNITS.iter().find(|(_, s)| bytes >= 1 << s) {
        Some((unit, shift)) => format!("{:.1}{unit}", bytes as f64 / (1u64 << shift) as f64),
        None => bytes.to_string(),
    }
}

/// Bytes as a JVM size for messages and suggestions, rounded down to a
/// mebibyte: `4096m` (the form the presets use).
pub fn format_jvm(bytes: u64) -> String {
    match bytes >> 20 {
        0 => format!("{}k", (bytes >> 10).max(1)),
        mebibytes => format!("{mebibytes}m"),
    }
}

/// Millicores as a CPU quantity: `2`, `500m`.
pub fn format_cpu(millis: u64) -> String {
    if millis.is_multiple_of(1000) {
        (millis / 1000).to_string()
    } else {
        format!("{millis}m")
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.millis % 1000 == 0 {
            write!(f, "{}", self.millis / 1000)
        } else {
            write!(f, "{}m", self.millis)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn millis(text: &str) -> i128 {
        Quantity::parse(text).unwrap().millis()
    }

    #[test]
    fn plain_numbers_and_fractions_parse() {
        assert_eq!(millis("2"), 2000);
        assert_eq!(millis("0.5"), 500);
        assert_eq!(millis("1.5"), 1500);
        assert_eq!(millis(".5"), 500);
        assert_eq!(millis("5."), 5000);
        assert_eq!(millis("0"), 0);
    }

    #[test]
    fn signs_are_part_of_the_grammar() {
        assert_eq!(millis("+3"), 3000);
        assert_eq!(millis("-1"), -1000);
        assert_eq!(millis("-500m"), -500);
    }

    #[test]
    fn decimal_suffixes_are_powers_of_ten() {
        assert_eq!(millis("500m"), 500);
        assert_eq!(millis("1k"), 1_000_000);
        assert_eq!(millis("1M"), 1_000_000_000);
        assert_eq!(millis("1G"), 1_000_000_000_000);
        assert_eq!(millis("2T"), 2 * 10i128.pow(15));
        assert_eq!(millis("1P"), 10i128.pow(18));
        assert_eq!(millis("1E"), 10i128.pow(21));
    }

    #[test]
    fn binary_suffixes_are_powers_of_two() {
        assert_eq!(millis("1Ki"), 1024 * 1000);
        assert_eq!(millis("4Gi"), 4 * (1 << 30) * 1000);
        assert_eq!(millis("1.5Gi"), 1536 * (1 << 20) * 1000);
        assert_eq!(millis("1Ei"), (1i128 << 60) * 1000);
    }

    #[test]
    fn exponents_take_a_signed_integer() {
        assert_eq!(millis("1e3"), 1_000_000);
        assert_eq!(millis("1E3"), 1_000_000);
        assert_eq!(millis("5e-3"), 5);
        assert_eq!(millis("2e+2"), 200_000);
    }

    #[test]
    fn sub_milli_precision_rounds_up_like_kubernetes() {
        assert_eq!(millis("0.0001"), 1);
        assert_eq!(millis("1e-9"), 1);
    }

    #[test]
    fn malformed_quantities_are_refused_with_the_valid_forms() {
        for text in [
            "", "abc", "100 Gi", "100GB", "1.2.3", "Gi", "1e", "1gi", "--1", "1KiB", " 1", "1e3.5", ".",
        ] {
            let err = Quantity::parse(text).unwrap_err();
            assert!(matches!(err, QuantityError::Syntax { .. }), "{text:?}: {err:?}");
            assert!(err.to_string().contains("Ki Mi Gi"), "{text:?}: {err}");
        }
    }

    #[test]
    fn absurd_quantities_are_too_large_not_a_panic() {
        assert!(matches!(Quantity::parse("1e9999"), Err(QuantityError::TooLarge { .. })));
        assert!(matches!(
            Quantity::parse("99999999999999999999999999999999999Ei"),
            Err(QuantityError::TooLarge { .. })
        ));
        assert_eq!(millis("1e-9999"), 1);
    }

    #[test]
    fn cpu_takes_cores_and_millicores() {
        assert_eq!(parse_cpu_millis("500m").unwrap(), 500);
        assert_eq!(parse_cpu_millis("2").unwrap(), 2000);
        assert_eq!(parse_cpu_millis("0.5").unwrap(), 500);
        assert_eq!(parse_cpu_millis("1.5").unwrap(), 1500);
    }

    #[test]
    fn cpu_zero_negative_and_words_are_refused() {
        assert!(matches!(parse_cpu_millis("0"), Err(QuantityError::NotPositive { .. })));
        assert!(matches!(parse_cpu_millis("-1"), Err(QuantityError::NotPositive { .. })));
        let err = parse_cpu_millis("2 cores").unwrap_err().to_string();
        assert!(
            err.contains("millicores (500m)") && err.contains("did you mean \"2\"?"),
            "{err}"
        );
        assert!(matches!(parse_cpu_millis("1Ki"), Err(QuantityError::BinaryCpu { .. })));
        assert!(matches!(
            parse_cpu_millis("0.0001"),
            Err(QuantityError::Fraction { .. })
        ));
    }

    #[test]
    fn memory_takes_binary_suffixes_and_plain_bytes() {
        assert_eq!(parse_memory_bytes("4Gi").unwrap(), 4 << 30);
        assert_eq!(parse_memory_bytes("512Mi").unwrap(), 512 << 20);
        assert_eq!(parse_memory_bytes("1073741824").unwrap(), 1 << 30);
        assert_eq!(parse_memory_bytes("1e9").unwrap(), 1_000_000_000);
        assert_eq!(parse_memory_bytes("0.5Ki").unwrap(), 512);
    }

    #[test]
    fn decimal_memory_suffix_is_refused_with_the_binary_hint() {
        let err = parse_storage_bytes("100G").unwrap_err();
        assert!(matches!(err, QuantityError::DecimalBytes { .. }));
        let message = err.to_string();
        assert!(message.contains("100×10^9 bytes"), "{message}");
        assert!(message.contains("did you mean \"100Gi\"?"), "{message}");
        assert!(
            parse_memory_bytes("8M")
                .unwrap_err()
                .to_string()
                .contains("did you mean \"8Mi\"?")
        );
        assert!(
            parse_memory_bytes("2T")
                .unwrap_err()
                .to_string()
                .contains("did you mean \"2Ti\"?")
        );
        assert!(
            parse_memory_bytes("64k")
                .unwrap_err()
                .to_string()
                .contains("did you mean \"64Ki\"?")
        );
    }

    #[test]
    fn milli_bytes_are_refused() {
        let message = parse_memory_bytes("512m").unwrap_err().to_string();
        assert!(
            message.contains("milli") && message.contains("did you mean \"512Mi\"?"),
            "{message}"
        );
    }

    #[test]
    fn loosely_written_memory_gets_a_suggestion() {
        for (text, suggestion) in [
            ("100GB", "100Gi"),
            ("100 Gi", "100Gi"),
            ("4gi", "4Gi"),
            ("1 GiB", "1Gi"),
        ] {
            let message = parse_memory_bytes(text).unwrap_err().to_string();
            assert!(
                message.contains(&format!("did you mean \"{suggestion}\"?")),
                "{text}: {message}"
            );
        }
        let message = parse_memory_bytes("abc").unwrap_err().to_string();
        assert!(
            !message.contains("did you mean") && message.contains("100Gi"),
            "{message}"
        );
    }

    #[test]
    fn memory_must_be_positive_whole_bytes() {
        assert!(matches!(
            parse_memory_bytes("0"),
            Err(QuantityError::NotPositive { .. })
        ));
        assert!(matches!(
            parse_memory_bytes("-1Gi"),
            Err(QuantityError::NotPositive { .. })
        ));
        assert!(matches!(parse_memory_bytes("1.5"), Err(QuantityError::Fraction { .. })));
    }

    #[test]
    fn jvm_sizes_take_java_units_in_either_case() {
        assert_eq!(parse_jvm_bytes("3072m").unwrap(), 3072 << 20);
        assert_eq!(parse_jvm_bytes("2g").unwrap(), 2 << 30);
        assert_eq!(parse_jvm_bytes("2G").unwrap(), 2 << 30);
        assert_eq!(parse_jvm_bytes("512M").unwrap(), 512 << 20);
        assert_eq!(parse_jvm_bytes("64k").unwrap(), 64 << 10);
        assert_eq!(parse_jvm_bytes("1T").unwrap(), 1 << 40);
        assert_eq!(parse_jvm_bytes("1048576").unwrap(), 1 << 20);
    }

    #[test]
    fn kubernetes_style_heap_sizes_are_refused_with_the_java_form() {
        for (text, suggestion) in [("2Gi", "2g"), ("512MB", "512m"), ("1.5g", "1536m"), ("4 g", "4g")] {
            let message = parse_jvm_bytes(text).unwrap_err().to_string();
            assert!(
                message.contains(&format!("did you mean \"{suggestion}\"?")),
                "{text}: {message}"
            );
        }
        assert!(matches!(parse_jvm_bytes("-1g"), Err(JvmSizeError::Syntax { .. })));
        assert!(matches!(parse_jvm_bytes("0m"), Err(JvmSizeError::Zero { .. })));
        assert!(matches!(
            parse_jvm_bytes("99999999999999t"),
            Err(JvmSizeError::TooLarge { .. })
        ));
    }

    #[test]
    fn formatting_picks_the_largest_exact_unit() {
        assert_eq!(format_bytes(4 << 30), "4Gi");
        assert_eq!(format_bytes(1536 << 20), "1536Mi");
        assert_eq!(format_bytes(100), "100");
        assert_eq!(format_bytes((1 << 30) + 1), "1.0Gi");
        assert_eq!(format_jvm(6 << 30), "6144m");
        assert_eq!(format_cpu(1500), "1500m");
        assert_eq!(format_cpu(2000), "2");
    }
}

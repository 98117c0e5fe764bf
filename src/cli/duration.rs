//! Durations on the command line: `90s`, `15m`, `1h30m`, or bare seconds.

use std::time::Duration;

/// Parse `1h30m`, `15m`, `90s`, `500ms` or a bare number of seconds.
pub fn parse_duration(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let invalid = || format!("\"{text}\" is not a duration; use for example 90s, 15m or 1h30m");
    if text.is_empty() {
        return Err(invalid());
    }
    if let Ok(secs) = text.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.find(|c: char| !c.is_ascii_digit()).ok_or_else(invalid)?;
        if digits == 0 {
            return Err(invalid());
        }
        let value: u64 = rest[..digits].parse().map_err(|_| invalid())?;
        rest = &rest[digits..];
        let unit_len = rest.find(|c: char| c.is_ascii_digit()).unwrap_or(rest.len());
        let unit = match &rest[..unit_len] {
            "ms" => Duration::from_millis(value),
            "s" => Duration::from_secs(value),
            "m" => Duration::from_secs(value.saturating_mul(60)),
            "h" => Duration::from_secs(value.saturating_mul(3600)),
            _ => return Err(invalid()),
        };
        total = total.saturating_add(unit);
        rest = &rest[unit_len..];
    }
    Ok(total)
}

/// `--timeout`: a duration of at least one second. Less cannot apply and watch anything,
/// and a zero timeout failed only after applying.
pub fn parse_timeout(text: &str) -> Result<Duration, String> {
    let timeout = parse_duration(text)?;
    if timeout < Duration::from_secs(1) {
        return Err(format!(
            "\"{}\" is too short to apply and wait for anything; use at least 1s (for example 90s, 15m or 1h30m)",
            text.trim()
        ));
    }
    Ok(timeout)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_timeout_under_a_second_is_refused() {
        for short in ["0", "0s", "100ms", "999ms"] {
            let err = parse_timeout(short).unwrap_err();
            assert!(err.contains("at least 1s"), "{short}: {err}");
        }
        assert_eq!(parse_timeout("1s"), Ok(Duration::from_secs(1)));
        assert_eq!(parse_timeout("1500ms"), Ok(Duration::from_millis(1500)));
    }

    #[test]
    fn durations_parse_in_kubectl_style() {
        assert_eq!(parse_duration("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse_duration("15m"), Ok(Duration::from_secs(900)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5400)));
        assert_eq!(parse_duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(parse_duration("42"), Ok(Duration::from_secs(42)));
    }

    #[test]
    fn bad_durations_name_the_valid_forms() {
        for bad in ["", "m", "10x", "1.5h", "-3s"] {
            let err = parse_duration(bad).unwrap_err();
            assert!(err.contains("90s, 15m or 1h30m"), "{bad}: {err}");
        }
    }
}

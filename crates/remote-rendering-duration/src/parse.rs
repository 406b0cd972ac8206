//! The grammar: unit form (compound, decimals, bare seconds) and clock form.

use std::time::Duration;

use crate::{MAX, ParseDurationError};

const FORMS: &str = "use a form like 4h, 90m, 1h30m, 45s, 1.5s or hh:mm:ss";
const NANOS_PER_MS: u128 = 1_000_000;

/// Parses a duration in unit form (`1h30m`, `45s`, `2d`, `250ms`, `1.5s`, a
/// bare `90` meaning seconds) or clock form (`hh:mm:ss`, `h:m:s`,
/// `d.hh:mm:ss`).
pub fn parse_duration(text: &str) -> Result<Duration, ParseDurationError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(error(format!("empty duration; {FORMS}")));
    }
    if text.contains(':') {
        parse_clock(text)
    } else {
        parse_units(text)
    }
}

fn error(message: String) -> ParseDurationError {
    ParseDurationError::new(message)
}

fn too_large(text: &str) -> ParseDurationError {
    error(format!("`{text}` is too large"))
}

/// A number with an optional fraction (`12`, `1.5`, `.5`), as nanoseconds per
/// unit scaled by `scale_nanos`.
fn scaled(number: &str, scale_nanos: u128, text: &str) -> Result<u128, ParseDurationError> {
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    if whole.is_empty() && fraction.is_empty() {
        return Err(error(format!("`{text}` is not a duration; {FORMS}")));
    }
    let whole: u128 = if whole.is_empty() {
        0
    } else {
        whole.parse().map_err(|_| too_large(text))?
    };
    let mut total = whole
        .checked_mul(scale_nanos)
        .ok_or_else(|| too_large(text))?;
    // Digits past nanosecond precision cannot change the result.
    let mut place = scale_nanos;
    for digit in fraction.bytes() {
        place /= 10;
        if place == 0 {
            break;
        }
        total += u128::from(digit - b'0') * place;
    }
    Ok(total)
}

fn parse_units(text: &str) -> Result<Duration, ParseDurationError> {
    let is_number = |c: char| c.is_ascii_digit() || c == '.';
    let mut total: u128 = 0;
    let mut rest = text;
    let mut seen = Vec::new();
    while !rest.is_empty() {
        let number_len = rest.find(|c: char| !is_number(c)).unwrap_or(rest.len());
        let number = &rest[..number_len];
        if number.is_empty() || number.matches('.').count() > 1 {
            return Err(error(format!("`{text}` is not a duration; {FORMS}")));
        }
        rest = rest[number_len..].trim_start();
        let unit_len = rest
            .find(|c: char| is_number(c) || c.is_whitespace())
            .unwrap_or(rest.len());
        let (unit, tail) = rest.split_at(unit_len);
        let scale_nanos: u128 = match unit {
            "d" => 86_400_000_000_000,
            "h" => 3_600_000_000_000,
            "m" | "min" => 60_000_000_000,
            "s" => 1_000_000_000,
            "ms" => 1_000_000,
            // A bare number is seconds, but only on its own: `1h30` is
            // more likely a typo than 1h and 30 seconds.
            "" if seen.is_empty() && tail.is_empty() => 1_000_000_000,
            "" => {
                return Err(error(format!(
                    "`{text}` needs a unit after {number}; {FORMS}"
                )));
            }
            other => {
                return Err(error(format!(
                    "unknown unit `{other}` in `{text}`; {FORMS}"
                )));
            }
        };
        // `1h1h` is almost certainly a typo; refuse it rather than guess.
        if seen.contains(&scale_nanos) {
            return Err(error(format!("`{text}` repeats a unit; {FORMS}")));
        }
        seen.push(scale_nanos);
        total = total
            .checked_add(scaled(number, scale_nanos, text)?)
            .ok_or_else(|| too_large(text))?;
        rest = tail.trim_start();
    }
    from_nanos(total, text)
}

fn from_nanos(total: u128, text: &str) -> Result<Duration, ParseDurationError> {
    if total / NANOS_PER_MS > MAX.as_millis() {
        return Err(too_large(text));
    }
    let secs = u64::try_from(total / 1_000_000_000).map_err(|_| too_large(text))?;
    let nanos = u32::try_from(total % 1_000_000_000).map_err(|_| too_large(text))?;
    Ok(Duration::new(secs, nanos))
}

fn parse_clock(text: &str) -> Result<Duration, ParseDurationError> {
    let bad = || error(format!("`{text}` is not hh:mm:ss; {FORMS}"));
    let (days, clock) = match text.split_once('.') {
        // .NET TimeSpan writes 24 hours as `1.00:00:00`.
        Some((days, clock)) if !days.contains(':') => {
            (days.parse::<u64>().map_err(|_| bad())?, clock)
        }
        _ => (0, text),
    };
    let parts: Vec<&str> = clock.split(':').collect();
    let [h, m, s] = parts.as_slice() else {
        return Err(bad());
    };
    let number = |part: &str| -> Result<u64, ParseDurationError> {
        if part.is_empty() || !part.chars().all(|c| c.is_ascii_digit()) {
            return Err(bad());
        }
        part.parse().map_err(|_| bad())
    };
    let (h, m, s) = (number(h)?, number(m)?, number(s)?);
    if m >= 60 || s >= 60 {
        return Err(error(format!(
            "`{text}`: minutes and seconds must be below 60"
        )));
    }
    let total = days
        .checked_mul(24)
        .and_then(|d| d.checked_add(h))
        .and_then(|h| h.checked_mul(3600))
        .and_then(|v| v.checked_add(m * 60 + s))
        .ok_or_else(|| too_large(text))?;
    from_nanos(u128::from(total) * 1_000_000_000, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mins(m: u64) -> Duration {
        Duration::from_secs(m * 60)
    }

    fn ok(text: &str) -> Duration {
        parse_duration(text).unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    #[test]
    fn unit_forms_as_arr_accepted_them() {
        assert_eq!(ok("4h"), mins(240));
        assert_eq!(ok("90m"), mins(90));
        assert_eq!(ok("1h30m"), mins(90));
        assert_eq!(ok("45s"), Duration::from_secs(45));
        assert_eq!(ok("1d"), mins(1440));
        assert_eq!(ok("2m30s"), Duration::from_secs(150));
        assert_eq!(ok("250ms"), Duration::from_millis(250));
    }

    #[test]
    fn forms_the_emulator_accepted() {
        assert_eq!(ok("3s"), Duration::from_secs(3));
        assert_eq!(ok("1.5"), Duration::from_millis(1500));
        assert_eq!(ok("90"), Duration::from_secs(90));
        assert_eq!(ok("2m"), Duration::from_secs(120));
        assert_eq!(ok("2min"), Duration::from_secs(120));
        assert_eq!(ok("1.5h"), mins(90));
        assert_eq!(ok("0.25s"), Duration::from_millis(250));
        assert_eq!(ok(".5s"), Duration::from_millis(500));
        assert_eq!(ok("3 s"), Duration::from_secs(3));
        assert_eq!(ok("1h 30m"), mins(90));
    }

    #[test]
    fn clock_forms() {
        assert_eq!(ok("04:00:00"), mins(240));
        assert_eq!(ok("4:0:0"), mins(240));
        assert_eq!(ok("01:30:00"), mins(90));
        assert_eq!(ok("1.00:00:00"), mins(1440));
        assert_eq!(ok("24:00:00"), mins(1440));
    }

    #[test]
    fn rejects_nonsense_with_the_accepted_forms() {
        for bad in [
            "",
            "h",
            "1x",
            "1h1h",
            "1:2",
            "1:60:00",
            "a:b:c",
            "-1h",
            "1h30",
            "1..5s",
            ".s",
            "3 parsecs",
            "fast",
            "1.2.3",
        ] {
            let error = parse_duration(bad).expect_err(bad).to_string();
            assert!(
                error.contains("4h, 90m") || error.contains(bad),
                "{bad}: {error}"
            );
        }
    }

    #[test]
    fn both_forms_share_one_upper_bound() {
        // Found by the `duration` fuzz target: a clock-form duration too
        // large for the unit form printed as text that did not parse.
        assert!(parse_duration("244073709559516:15:0").is_err());
        assert!(parse_duration("18446744073709551616ms").is_err());
        assert_eq!(ok("18446744073709551615ms"), crate::MAX);
        let largest = ok("5124095576030:00:00");
        assert_eq!(ok(&crate::format_duration(largest)), largest);
    }
}

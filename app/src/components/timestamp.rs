//! Times as the portal shows them.

use leptos::prelude::*;

/// An RFC 3339 time as `<time datetime=…>` with a short readable text ("2026-11-26 09:30 UTC").
#[component]
pub fn Timestamp(rfc3339: String) -> impl IntoView {
    let text = readable_time(&rfc3339);
    view! { <time datetime=rfc3339>{text}</time> }
}

/// "YYYY-MM-DD HH:MM" plus the zone: "UTC" for `Z`/`+00:00` (what the server sends), else the
/// offset as written.
pub fn readable_time(rfc3339: &str) -> String {
    let minute: String = rfc3339
        .chars()
        .take(16)
        .collect::<String>()
        .replace('T', " ");
    if rfc3339.ends_with('Z') || rfc3339.ends_with('z') || rfc3339.ends_with("+00:00") {
        format!("{minute} UTC")
    } else {
        let offset: String = rfc3339
            .char_indices()
            .skip(19)
            .find(|(_, c)| *c == '+' || *c == '-')
            .map(|(i, _)| rfc3339[i..].to_owned())
            .unwrap_or_default();
        format!("{minute} {offset}").trim_end().to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_shown_to_the_minute_in_utc() {
        assert_eq!(
            readable_time("2026-11-26T09:30:12Z"),
            "2026-11-26 09:30 UTC"
        );
        assert_eq!(
            readable_time("2026-11-26T09:30:12.123456Z"),
            "2026-11-26 09:30 UTC"
        );
        assert_eq!(
            readable_time("2026-11-26T09:30:12+00:00"),
            "2026-11-26 09:30 UTC"
        );
    }

    #[test]
    fn another_offset_is_named_rather_than_called_utc() {
        assert_eq!(
            readable_time("2026-11-26T10:30:12+01:00"),
            "2026-11-26 10:30 +01:00"
        );
        assert_eq!(
            readable_time("2026-11-26T04:30:12.5-05:00"),
            "2026-11-26 04:30 -05:00"
        );
        assert_eq!(readable_time("not a time"), "not a time");
    }
}

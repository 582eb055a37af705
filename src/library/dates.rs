//! When a photo was taken, read from its file name when its metadata does not say: messaging
//! apps strip EXIF but name their copies by date (`IMG-20190714-WA0003.jpg`), as do phones'
//! screenshots (`Screenshot_20190714-150322.png`), Pixel and Android cameras
//! (`PXL_20210714_150322123.jpg`, `IMG_20190714_150322.jpg`), Dropbox's camera uploads
//! (`2019-07-14 15.03.22.jpg`) and macOS (`Screenshot 2019-07-14 at 15.03.22.png`). Before
//! the name comes the date in a photo's Google Takeout file, where Google Photos keeps the
//! date of photos whose EXIF has none (and of those the user re-dated there).

use std::path::Path;

/// The date (and time, when the name has one) in a photo's file name, as the library stores
/// dates: `YYYY-MM-DD HH:MM:SS`, or `YYYY-MM-DD` alone. `None` unless the name holds a real
/// calendar date from 1900 to 2099 — a run of digits of any other length (an id, a counter)
/// is not taken for one.
pub fn date_in_file_name(path: &Path) -> Option<String> {
    let stem = path.file_stem()?.to_str()?;
    let bytes = stem.as_bytes();
    let mut start = 0;
    while start < bytes.len() {
        if !bytes[start].is_ascii_digit() || (start > 0 && bytes[start - 1].is_ascii_digit()) {
            start += 1;
            continue;
        }
        if let Some(found) = date_at(bytes, start) {
            return Some(found);
        }
        start += 1;
    }
    None
}

/// A photo's date: the one its metadata gives, else the one its Google Takeout file gives,
/// else the one in its file name; and whether it is the file name's.
pub fn date_of_photo(metadata: Option<String>, path: &Path) -> (Option<String>, bool) {
    match metadata.or_else(|| date_in_takeout_file(path)) {
        Some(date) => (Some(date), false),
        None => {
            let named = date_in_file_name(path);
            let by_name = named.is_some();
            (named, by_name)
        }
    }
}

/// Larger than any Takeout file (a few KB); a file this large is not one.
const TAKEOUT_FILE_LIMIT: u64 = 1 << 20;

/// The date the photo's Google Takeout file gives, if it has one, in this computer's time zone.
pub fn date_in_takeout_file(photo: &Path) -> Option<String> {
    let file = super::walk::takeout_json_of(photo)?;
    if std::fs::metadata(&file).ok()?.len() > TAKEOUT_FILE_LIMIT {
        return None;
    }
    let json = std::fs::read_to_string(file).ok()?;
    takeout_date(&json, &jiff::tz::TimeZone::system())
}

/// The date a Google Takeout file gives for its photo, as the library stores dates, in `zone`.
/// Google gives the instant (`photoTakenTime.timestamp`: seconds since 1970 in UTC, as a
/// string), not the zone it was taken in; the computer's zone is where most photos were taken
/// and is how Google Photos shows them, where EXIF dates are the camera's local time. `None`
/// without one, for 0 (Google's "not known"), or outside 1900–2099 as for names.
pub fn takeout_date(json: &str, zone: &jiff::tz::TimeZone) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Metadata {
        #[serde(rename = "photoTakenTime")]
        taken: Option<Taken>,
    }
    #[derive(serde::Deserialize)]
    struct Taken {
        timestamp: serde_json::Value,
    }
    let metadata: Metadata = serde_json::from_str(json).ok()?;
    let seconds = match metadata.taken?.timestamp {
        serde_json::Value::String(text) => text.trim().parse::<i64>().ok()?,
        serde_json::Value::Number(number) => number.as_i64()?,
        _ => return None,
    };
    if seconds == 0 {
        return None;
    }
    let local = jiff::Timestamp::from_second(seconds)
        .ok()?
        .to_zoned_datetime(zone.clone());
    (1900..=2099)
        .contains(&local.year())
        .then(|| local.strftime("%Y-%m-%d %H:%M:%S").to_string())
}

/// A date starting at `at` (the first digit of a run): `YYYYMMDD` as a run of exactly 8
/// digits, `YYYYMMDDHHMMSS` as one of 14 or more, or `YYYY-MM-DD` with `-`, `_` or `.`.
fn date_at(bytes: &[u8], at: usize) -> Option<String> {
    let run = bytes[at..]
        .iter()
        .take_while(|b| b.is_ascii_digit())
        .count();
    let number = |from: usize, len: usize| -> Option<u32> {
        let digits = bytes.get(from..from + len)?;
        digits
            .iter()
            .all(u8::is_ascii_digit)
            .then(|| std::str::from_utf8(digits).ok()?.parse().ok())?
    };
    let (year, month, day, after) = match run {
        8 | 14.. => (
            number(at, 4)?,
            number(at + 4, 2)?,
            number(at + 6, 2)?,
            at + 8,
        ),
        4 => {
            let sep = *bytes.get(at + 4)?;
            if !matches!(sep, b'-' | b'_' | b'.') || bytes.get(at + 7) != Some(&sep) {
                return None;
            }
            let day_end = at + 10;
            if bytes.get(day_end).is_some_and(u8::is_ascii_digit) {
                return None;
            }
            (
                number(at, 4)?,
                number(at + 5, 2)?,
                number(at + 8, 2)?,
                day_end,
            )
        }
        _ => return None,
    };
    if !(1900..=2099).contains(&year) || !is_real_day(year, month, day) {
        return None;
    }
    let date = format!("{year:04}-{month:02}-{day:02}");
    Some(match time_at(bytes, after, run >= 14) {
        Some((h, m, s)) => format!("{date} {h:02}:{m:02}:{s:02}"),
        None => date,
    })
}

/// A time of day right after a date: `HHMMSS` (straight on in a 14-digit run, else after one
/// of ` _-T`), or `HH.MM.SS` / `HH-MM-SS` / `HH:MM:SS`, also after macOS's " at ".
fn time_at(bytes: &[u8], mut at: usize, joined: bool) -> Option<(u32, u32, u32)> {
    if !joined {
        if bytes[at..].starts_with(b" at ") {
            at += 4;
        } else if matches!(bytes.get(at), Some(b' ' | b'_' | b'-' | b'T')) {
            at += 1;
        } else {
            return None;
        }
    }
    let two = |from: usize| -> Option<u32> {
        let d = bytes.get(from..from + 2)?;
        d.iter()
            .all(u8::is_ascii_digit)
            .then(|| u32::from(d[0] - b'0') * 10 + u32::from(d[1] - b'0'))
    };
    let hour = two(at)?;
    let (minute, second) = match bytes.get(at + 2) {
        Some(b'.' | b'-' | b':') => {
            let sep = bytes[at + 2];
            if bytes.get(at + 5) != Some(&sep) {
                return None;
            }
            (two(at + 3)?, two(at + 6)?)
        }
        _ => (two(at + 2)?, two(at + 4)?),
    };
    is_real_time(hour, minute, second).then_some((hour, minute, second))
}

/// Whether a month and day are a day of that year's calendar.
pub(crate) fn is_real_day(year: u32, month: u32, day: u32) -> bool {
    (1..=12).contains(&month) && (1..=days_in_month(year, month)).contains(&day)
}

/// Whether hours, minutes and seconds are a time of day (a leap second included).
pub(crate) fn is_real_time(hour: u32, minute: u32, second: u32) -> bool {
    hour < 24 && minute < 60 && second < 61
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 → proleptic Gregorian (year, month, day), counting in 400-year eras.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Proleptic Gregorian (year, month, day) → days since 1970-01-01: the inverse of
/// [`civil_from_days`].
pub fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let (y, m) = if month <= 2 {
        (year - 1, month + 9)
    } else {
        (year, month - 3)
    };
    let era = y.div_euclid(400);
    let year_of_era = y - era * 400;
    let day_of_year = (153 * m + 2) / 5 + day - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_dates_from_unix_days() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(20_513), (2026, 3, 1));
        for days in [-719_468, -1, 0, 11_016, 19_723, 20_513, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, i64::from(m), i64::from(d)), days);
        }
    }

    fn date(name: &str) -> Option<String> {
        date_in_file_name(Path::new(name))
    }

    #[test]
    fn the_metadata_date_wins_and_the_name_says_so_when_it_gives_it() {
        let name = Path::new("IMG-20190714-WA0003.jpg");
        let exif = Some("2019-07-13 10:00:00".to_string());
        assert_eq!(date_of_photo(exif.clone(), name), (exif, false));
        assert_eq!(date_of_photo(None, name), (Some("2019-07-14".into()), true));
        assert_eq!(
            date_of_photo(None, Path::new("DSC_0042.jpg")),
            (None, false)
        );
    }

    /// Google Takeout's file for 2019-07-14 15:03:22 UTC, as Google writes it.
    const TAKEN_IN_JULY: &str = r#"{
        "title": "IMG-20190714-WA0003.jpg",
        "creationTime": { "timestamp": "1600000000", "formatted": "13 Sep 2020, 12:26:40 UTC" },
        "photoTakenTime": { "timestamp": "1563116602", "formatted": "14 Jul 2019, 15:03:22 UTC" },
        "people": [{ "name": "Anna" }]
    }"#;

    #[test]
    fn a_takeout_file_gives_the_instant_the_photo_was_taken_in_local_time() {
        use jiff::tz::{Offset, TimeZone};
        let zone = |hours| TimeZone::fixed(Offset::constant(hours));
        assert_eq!(
            takeout_date(TAKEN_IN_JULY, &TimeZone::UTC).as_deref(),
            Some("2019-07-14 15:03:22")
        );
        assert_eq!(
            takeout_date(TAKEN_IN_JULY, &zone(2)).as_deref(),
            Some("2019-07-14 17:03:22")
        );
        // Late in the evening in UTC, it is the same evening to the west and the next
        // morning to the east.
        let late = r#"{"photoTakenTime": {"timestamp": "1563147000"}}"#;
        assert_eq!(
            takeout_date(late, &zone(-5)).as_deref(),
            Some("2019-07-14 18:30:00")
        );
        assert_eq!(
            takeout_date(late, &zone(9)).as_deref(),
            Some("2019-07-15 08:30:00")
        );
        // A number is taken as well as Google's string.
        let number = r#"{"photoTakenTime": {"timestamp": 1267790400}}"#;
        assert_eq!(
            takeout_date(number, &TimeZone::UTC).as_deref(),
            Some("2010-03-05 12:00:00")
        );
        for no_date in [
            r#"{"photoTakenTime": {"timestamp": "0"}}"#,
            r#"{"photoTakenTime": {"timestamp": "soon"}}"#,
            r#"{"photoTakenTime": {"timestamp": "99999999999999"}}"#,
            r#"{"photoTakenTime": {"formatted": "14 Jul 2019"}}"#,
            r#"{"creationTime": {"timestamp": "1600000000"}}"#,
            r#"{"photoTakenTime": null}"#,
            "not JSON",
        ] {
            assert_eq!(takeout_date(no_date, &TimeZone::UTC), None, "{no_date}");
        }
    }

    #[test]
    fn the_takeout_files_date_comes_after_the_metadatas_and_before_the_names() {
        let dir = tempfile::tempdir().unwrap();
        let photo = dir.path().join("IMG-20190714-WA0003.jpg");
        std::fs::write(&photo, b"").unwrap();
        assert_eq!(
            date_of_photo(None, &photo),
            (Some("2019-07-14".into()), true)
        );
        let json = dir
            .path()
            .join("IMG-20190714-WA0003.jpg.supplemental-metadata.json");
        std::fs::write(&json, TAKEN_IN_JULY).unwrap();
        let local = takeout_date(TAKEN_IN_JULY, &jiff::tz::TimeZone::system());
        assert!(local.is_some());
        assert_eq!(date_of_photo(None, &photo), (local, false));
        let exif = Some("2019-07-13 10:00:00".to_string());
        assert_eq!(date_of_photo(exif.clone(), &photo), (exif, false));
        // A file far larger than Google's is not read.
        let padded = format!("{TAKEN_IN_JULY}{}", " ".repeat(TAKEOUT_FILE_LIMIT as usize));
        std::fs::write(&json, padded).unwrap();
        assert_eq!(date_in_takeout_file(&photo), None);
    }

    #[test]
    fn the_names_phones_apps_and_cloud_folders_give_photos() {
        for (name, expected) in [
            ("IMG-20190714-WA0003.jpg", "2019-07-14"),
            ("IMG_20190714_150322.jpg", "2019-07-14 15:03:22"),
            ("PXL_20210714_150322123.jpg", "2021-07-14 15:03:22"),
            ("Screenshot_20190714-150322.png", "2019-07-14 15:03:22"),
            (
                "Screenshot_20190714-150322_Chrome.jpg",
                "2019-07-14 15:03:22",
            ),
            ("20190714_150322.jpg", "2019-07-14 15:03:22"),
            ("20190714150322.jpg", "2019-07-14 15:03:22"),
            ("2019-07-14 15.03.22.jpg", "2019-07-14 15:03:22"),
            (
                "Screenshot 2019-07-14 at 15.03.22.png",
                "2019-07-14 15:03:22",
            ),
            ("signal-2019-07-14-150322.jpg", "2019-07-14 15:03:22"),
            ("photo_2019-07-14_15-03-22.jpg", "2019-07-14 15:03:22"),
            ("Wedding 1975-06-01.jpg", "1975-06-01"),
            ("2020_02_29 party.jpg", "2020-02-29"),
        ] {
            assert_eq!(date(name).as_deref(), Some(expected), "{name}");
        }
    }

    #[test]
    fn numbers_that_are_not_dates_are_left_alone() {
        for name in [
            "DSC_0042.JPG",
            "P1010001.JPG",
            "IMG_12345678.jpg",
            "10155555555555555_n.jpg",
            "20191332_120000.jpg",
            "2019-02-29.jpg",
            "1850-01-01.jpg",
            "2019-07.jpg",
            "2019-07-140.jpg",
            "scan 12.05.2019.jpg",
            "photo.jpg",
        ] {
            assert_eq!(date(name), None, "{name}");
        }
    }

    #[test]
    fn a_time_that_cannot_be_is_dropped_but_the_date_kept() {
        assert_eq!(
            date("IMG_20190714_256099.jpg").as_deref(),
            Some("2019-07-14")
        );
    }
}

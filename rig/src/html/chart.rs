//! A scenario's sequence chart: a lane per party, time running down, one
//! row per thing that happened (keys pressed together are one row, a
//! receipt is one row), steps as bands, long waits as breaks. Drawn as SVG
//! on the server side, so the page needs no script to show it; a click on a
//! message shows its details (fields by name, the masked frame, a TLV tree).

use crate::decisions::tag_names;
use crate::iso8583::codec::spec;
use crate::trace_tools::{Recorded, line};
use html_escape::encode_text as esc;
use serde_json::{Value, json};

/// The parties, left to right.
pub const LANES: [&str; 5] = ["cashier / ECR", "keypad", "card, stripe, scanner", "terminal", "host"];
const CASHIER: usize = 0;
const KEYPAD: usize = 1;
const CARD: usize = 2;
const TERMINAL: usize = 3;
const HOST: usize = 4;

const ROW: i64 = 24;
const LEFT: i64 = 250;
const LANE_W: i64 = 190;
/// A gap longer than this between two rows is drawn as a break with its length.
const BREAK_US: u64 = 300_000;

enum Mark {
    Arrow {
        from: usize,
        to: usize,
        class: &'static str,
        label: String,
    },
    Box {
        lane: usize,
        class: &'static str,
        label: String,
    },
    Break(u64),
}

struct Row {
    t_us: u64,
    mark: Mark,
    detail: Option<Value>,
}

/// Steps as (first row, last row, text, passed, error).
struct Band {
    from: usize,
    to: usize,
    text: String,
    passed: bool,
    error: String,
}

/// The chart's SVG and the details its marks refer to.
pub fn chart(events: &[Recorded]) -> (String, Vec<Value>) {
    let mut rows: Vec<Row> = Vec::new();
    let mut bands: Vec<Band> = Vec::new();
    let mut open: Option<(usize, String)> = None;
    for e in events {
        let push = |rows: &mut Vec<Row>, mark: Mark, detail: Option<Value>| {
            if let Some(last) = rows.last() {
                if e.t_us.saturating_sub(last.t_us) > BREAK_US {
                    rows.push(Row {
                        t_us: e.t_us,
                        mark: Mark::Break(e.t_us - last.t_us),
                        detail: None,
                    });
                }
            }
            rows.push(Row {
                t_us: e.t_us,
                mark,
                detail,
            });
        };
        match e.kind.as_str() {
            "step-started" => open = Some((rows.len(), e.str("text").to_string())),
            "step-finished" => {
                let (from, text) = open.take().unwrap_or((rows.len(), e.str("text").to_string()));
                bands.push(Band {
                    from,
                    to: rows.len().max(from + 1),
                    text,
                    passed: e.str("status") == "passed",
                    error: e.str("error").to_string(),
                });
                if e.str("status") != "passed" {
                    // The failing step's message as its own row.
                    rows.push(Row {
                        t_us: e.t_us,
                        mark: Mark::Box {
                            lane: TERMINAL,
                            class: "failure",
                            label: first_line(e.str("error")),
                        },
                        detail: Some(json!({ "failed step": e.str("text"), "error": e.str("error") })),
                    });
                }
            }
            "key-press" => {
                let key = e.str("key").to_string();
                // Keys pressed one after another are one row, followed by the
                // screen they led to: an amount, a PIN (masked as keyed).
                let n = rows.len();
                let keys_at = match rows.last() {
                    Some(Row {
                        mark: Mark::Arrow { class: "keys", .. },
                        ..
                    }) => Some(n - 1),
                    Some(Row {
                        mark: Mark::Box { class: "display", .. },
                        ..
                    }) if n >= 2 && is_keys(&rows[n - 2]) => Some(n - 2),
                    _ => None,
                };
                if let Some(Row {
                    mark: Mark::Arrow { label, .. },
                    t_us,
                    ..
                }) = keys_at.and_then(|i| rows.get_mut(i))
                {
                    if e.t_us.saturating_sub(*t_us) < BREAK_US {
                        label.push(' ');
                        label.push_str(&key);
                        *t_us = e.t_us;
                        continue;
                    }
                }
                push(
                    &mut rows,
                    Mark::Arrow {
                        from: KEYPAD,
                        to: TERMINAL,
                        class: "keys",
                        label: key,
                    },
                    None,
                );
            }
            "display" => {
                // The screen after a run of keys shows only as it ended.
                let n = rows.len();
                if n >= 2 && is_keys(&rows[n - 2]) && matches!(rows[n - 1].mark, Mark::Box { class: "display", .. }) {
                    rows.pop();
                }
                push(
                    &mut rows,
                    Mark::Box {
                        lane: TERMINAL,
                        class: "display",
                        label: e.str("text").to_string(),
                    },
                    None,
                )
            }
            "print" => {
                if let Some(Row {
                    mark:
                        Mark::Box {
                            class: "receipt",
                            label,
                            ..
                        },
                    detail: Some(Value::String(text)),
                    ..
                }) = rows.last_mut()
                {
                    text.push('\n');
                    text.push_str(e.str("text"));
                    *label = format!("receipt ({} lines)", text.lines().count());
                    continue;
                }
                push(
                    &mut rows,
                    Mark::Box {
                        lane: TERMINAL,
                        class: "receipt",
                        label: "receipt (1 line)".into(),
                    },
                    Some(Value::String(e.str("text").to_string())),
                );
            }
            "cut" => push(
                &mut rows,
                Mark::Box {
                    lane: TERMINAL,
                    class: "receipt",
                    label: "-- cut --".into(),
                },
                None,
            ),
            "swipe" => push(
                &mut rows,
                Mark::Arrow {
                    from: CARD,
                    to: TERMINAL,
                    class: "card",
                    label: "swipe".into(),
                },
                Some(json!({ "track 2": e.str("track2") })),
            ),
            "card-inserted" => push(
                &mut rows,
                Mark::Arrow {
                    from: CARD,
                    to: TERMINAL,
                    class: "card",
                    label: "card in".into(),
                },
                Some(json!({ "ATR": e.str("atr") })),
            ),
            "card-removed" => push(
                &mut rows,
                Mark::Arrow {
                    from: CARD,
                    to: TERMINAL,
                    class: "card",
                    label: "card out".into(),
                },
                None,
            ),
            "code-shown" => push(
                &mut rows,
                Mark::Arrow {
                    from: CARD,
                    to: TERMINAL,
                    class: "card",
                    label: "payment code".into(),
                },
                Some(json!({ "code": e.str("code") })),
            ),
            "apdu" => {
                let label = line::describe(e)
                    .unwrap_or_default()
                    .trim_start_matches("card: ")
                    .to_string();
                push(
                    &mut rows,
                    Mark::Arrow {
                        from: TERMINAL,
                        to: CARD,
                        class: "apdu",
                        label,
                    },
                    Some(apdu_detail(e)),
                );
            }
            "ecr-sent" => push(
                &mut rows,
                Mark::Arrow {
                    from: CASHIER,
                    to: TERMINAL,
                    class: "ecr",
                    label: e.str("line").to_string(),
                },
                None,
            ),
            "ecr-received" => push(
                &mut rows,
                Mark::Arrow {
                    from: TERMINAL,
                    to: CASHIER,
                    class: "ecr",
                    label: e.str("line").to_string(),
                },
                None,
            ),
            "host-received" | "host-sent" => {
                let label = line::describe(e).unwrap_or_default();
                let label = label
                    .trim_start_matches("terminal -> host ")
                    .trim_start_matches("host -> terminal ")
                    .to_string();
                let (from, to) = if e.kind == "host-received" {
                    (TERMINAL, HOST)
                } else {
                    (HOST, TERMINAL)
                };
                push(
                    &mut rows,
                    Mark::Arrow {
                        from,
                        to,
                        class: "host",
                        label,
                    },
                    Some(host_detail(e)),
                );
            }
            "host-error" => push(
                &mut rows,
                Mark::Box {
                    lane: HOST,
                    class: "failure",
                    label: e.str("error").to_string(),
                },
                None,
            ),
            "power-on" | "power-off" | "boot" | "boot-failure" => push(
                &mut rows,
                Mark::Box {
                    lane: TERMINAL,
                    class: "power",
                    label: line::describe(e).unwrap_or_default(),
                },
                None,
            ),
            _ => {}
        }
    }
    if let Some((from, text)) = open {
        bands.push(Band {
            from,
            to: rows.len().max(from + 1),
            text,
            passed: false,
            error: "did not finish".into(),
        });
    }
    svg(&rows, &bands)
}

fn is_keys(row: &Row) -> bool {
    matches!(row.mark, Mark::Arrow { class: "keys", .. })
}

fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or("").to_string()
}

fn x(lane: usize) -> i64 {
    LEFT + LANE_W / 2 + lane as i64 * LANE_W
}

fn svg(rows: &[Row], bands: &[Band]) -> (String, Vec<Value>) {
    let top = 40;
    let height = top + rows.len() as i64 * ROW + 20;
    let width = LEFT + LANE_W * LANES.len() as i64 + 20;
    let mut s = format!(
        r#"<svg class="chart" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}">"#
    );
    s.push_str(r#"<defs><marker id="tip" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker></defs>"#);
    for band in bands {
        let y = top + band.from as i64 * ROW;
        let h = (band.to - band.from) as i64 * ROW;
        let class = if band.passed { "step passed" } else { "step failed" };
        s.push_str(&format!(
            r#"<g class="{class}"><title>{}</title><rect x="0" y="{y}" width="{width}" height="{h}"/><text x="6" y="{}">{}</text></g>"#,
            esc(&format!("{}{}", band.text, if band.error.is_empty() { String::new() } else { format!("\n{}", band.error) })),
            y + 16,
            esc(&clip(&band.text, 36))
        ));
    }
    for (i, name) in LANES.iter().enumerate() {
        let lx = x(i);
        s.push_str(&format!(
            r#"<g class="lane"><text x="{lx}" y="20" text-anchor="middle">{}</text><line x1="{lx}" y1="28" x2="{lx}" y2="{}"/></g>"#,
            esc(name),
            height - 10
        ));
    }
    let mut details = Vec::new();
    for (i, row) in rows.iter().enumerate() {
        let y = top + i as i64 * ROW + ROW / 2;
        let detail = row.detail.as_ref().map(|d| {
            details.push(d.clone());
            format!(r#" data-detail="{}""#, details.len() - 1)
        });
        let detail = detail.unwrap_or_default();
        let time = format!("{:.3} s", row.t_us as f64 / 1e6);
        match &row.mark {
            Mark::Arrow { from, to, class, label } => {
                let (x1, x2) = (x(*from), x(*to));
                s.push_str(&format!(
                    r#"<g class="arrow {class}"{detail}><title>{time}: {}</title><line x1="{x1}" y1="{y}" x2="{x2}" y2="{y}" marker-end="url(#tip)"/><text x="{}" y="{}" text-anchor="middle">{}</text></g>"#,
                    esc(label),
                    (x1 + x2) / 2,
                    y - 4,
                    esc(&clip(label, 44))
                ));
            }
            Mark::Box { lane, class, label } => {
                let bx = x(*lane) - LANE_W / 2 + 6;
                s.push_str(&format!(
                    r#"<g class="box {class}"{detail}><title>{time}: {}</title><rect x="{bx}" y="{}" width="{}" height="{}" rx="3"/><text x="{}" y="{}">{}</text></g>"#,
                    esc(label),
                    y - ROW / 2 + 3,
                    LANE_W - 12,
                    ROW - 6,
                    bx + 4,
                    y + 4,
                    esc(&clip(label, 24))
                ));
            }
            Mark::Break(gap) => {
                s.push_str(&format!(
                    r#"<g class="break"><line x1="{LEFT}" y1="{y}" x2="{width}" y2="{y}"/><text x="{}" y="{}" text-anchor="middle">… {:.2} s …</text></g>"#,
                    LEFT + (width - LEFT) / 2,
                    y + 4,
                    *gap as f64 / 1e6
                ));
            }
        }
    }
    s.push_str("</svg>");
    (s, details)
}

fn clip(text: &str, n: usize) -> String {
    if text.chars().count() <= n {
        text.to_string()
    } else {
        format!("{}…", text.chars().take(n).collect::<String>())
    }
}

/// A host message: its fields by number and name, and the masked frame.
fn host_detail(e: &Recorded) -> Value {
    let fields: Vec<Value> = line::fields(e)
        .into_iter()
        .map(|(n, v)| {
            let name = u8::try_from(n).ok().and_then(spec).map_or("", |s| s.name);
            json!(format!("{n:>3} {name}: {v}"))
        })
        .collect();
    json!({ "message": format!("{} {}", e.str("mti"), e.str("txn")), "fields": fields, "frame (masked)": e.str("raw") })
}

/// An APDU: command and answer, and the answer's data as a BER-TLV tree.
fn apdu_detail(e: &Recorded) -> Value {
    let response = e.str("response");
    let data = hex::decode(response.get(..response.len().saturating_sub(4)).unwrap_or("")).unwrap_or_default();
    let mut tree = String::new();
    tlv_tree(&data, 0, &mut tree);
    json!({ "command": e.str("command"), "response": response, "TLV": tree })
}

fn tlv_tree(mut data: &[u8], depth: usize, out: &mut String) {
    use iso7816_tlv::ber::{Tlv, Value as TlvValue};
    while !data.is_empty() {
        let (parsed, rest) = Tlv::parse(data);
        let Ok(tlv) = parsed else {
            out.push_str(&format!(
                "{}(not TLV) {}\n",
                "  ".repeat(depth),
                hex::encode_upper(data)
            ));
            return;
        };
        let tag = hex::encode_upper(tlv.tag().to_bytes());
        // The tag's name, and what a decision object (TVR, TSI, CVM
        // results, CID) says, next to the bytes.
        let named = tag_names::name(&tag).map_or(tag.clone(), |n| format!("{tag} {n}"));
        match tlv.value() {
            TlvValue::Constructed(inner) => {
                out.push_str(&format!("{}{named}\n", "  ".repeat(depth)));
                for t in inner {
                    tlv_tree(&t.to_vec(), depth + 1, out);
                }
            }
            TlvValue::Primitive(v) => {
                let meaning = tag_names::meaning(&tag, v).map_or(String::new(), |m| format!(" ({m})"));
                out.push_str(&format!(
                    "{}{named}: {}{meaning}\n",
                    "  ".repeat(depth),
                    hex::encode_upper(v)
                ));
            }
        }
        data = rest;
    }
}

//! The HTML report of a run: `index.html` (every scenario by feature, with
//! status, failure class, flaky marker, duration; filters; totals; bench,
//! terminal model and firmware) and one page per scenario (its sequence
//! chart, the failure, receipts, console log, links to the trace files).
//! Self-contained: inline CSS and script, no network, works from file://.
//! Everything on it comes from the masked files of the run folder, so it
//! is masked exactly as they are.

pub mod chart;

use crate::outcome::History;
use crate::trace_tools::{self, Recorded};
use html_escape::encode_text as esc;
use std::path::Path;

const STYLE: &str = r#"
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; } td, th { padding: 3px 10px; border-bottom: 1px solid #ddd; text-align: left; }
.passed { color: #17702a; } .failed { color: #b00020; } .skipped { color: #8a6d00; } .flaky { color: #a15c00; }
.failure { background: #fde7ea; border-left: 4px solid #b00020; padding: 6px 10px; white-space: pre-wrap; }
svg.chart text { font: 11px monospace; } svg.chart .lane line { stroke: #999; stroke-dasharray: 4 3; }
svg.chart .lane text { font-weight: bold; }
svg.chart .arrow line { stroke: #333; } svg.chart .arrow.host line { stroke: #0a5fa8; } svg.chart .arrow.apdu line { stroke: #7b2fa8; }
svg.chart .arrow.keys line { stroke: #a67c00; } svg.chart .box rect { fill: #eef5ee; stroke: #6a9b6a; }
svg.chart .box.receipt rect { fill: #fff; stroke: #555; } svg.chart .box.failure rect { fill: #fde7ea; stroke: #b00020; }
svg.chart .step rect { fill: #f4f8f4; } svg.chart .step.failed rect { fill: #fbe3e6; } svg.chart .step text { fill: #555; }
svg.chart .break line { stroke: #bbb; stroke-dasharray: 2 6; } svg.chart [data-detail] { cursor: pointer; }
#detail { position: sticky; top: 0; background: #fafafa; border: 1px solid #ccc; padding: 8px; min-height: 2em; white-space: pre-wrap; font: 12px monospace; }
pre.slip { display: inline-block; border: 1px dashed #999; padding: 8px; margin: 4px; background: #fff; }
"#;

/// Writes the run's index and every scenario's page; returns the index path.
pub fn write(run_dir: &Path, histories: &[History], bench: &str, model: &str) -> std::io::Result<std::path::PathBuf> {
    write_pages(run_dir, histories, bench, model, None)
}

/// Writes the run's index (whole, then renamed: a killed run leaves a valid
/// one) and the pages of every scenario, or only of the one in folder `only`
/// (the scenario that just finished, while the run goes on).
pub fn write_pages(
    run_dir: &Path,
    histories: &[History],
    bench: &str,
    model: &str,
    only: Option<&Path>,
) -> std::io::Result<std::path::PathBuf> {
    let mut firmware = String::new();
    let mut rows = String::new();
    let mut tags = std::collections::BTreeSet::new();
    let (mut passed, mut failed, mut skipped, mut flaky) = (0, 0, 0, 0);
    for h in histories {
        let last = h.last();
        let (status, class) = match &last.failure {
            None => ("passed", String::new()),
            Some(f) if f.class.is_skip() => ("skipped", f.class.to_string()),
            Some(f) => ("failed", f.class.to_string()),
        };
        let is_flaky = last.failure.is_none() && !h.earlier().is_empty();
        match status {
            "passed" => passed += 1,
            "skipped" => skipped += 1,
            _ => failed += 1,
        }
        flaky += usize::from(is_flaky);
        let mut link = esc(&last.scenario).to_string();
        if let Some(dir) = &last.dir {
            if firmware.is_empty() {
                firmware = firmware_booted(dir);
            }
            // Only the pages asked for read their traces: the index is
            // rewritten after every scenario, and reading every trace each
            // time made a run quadratic in its scenarios.
            if only.is_none_or(|o| o == dir.as_path()) {
                let events = trace_tools::load(dir).unwrap_or_default();
                scenario_page(
                    dir,
                    &last.place(),
                    status,
                    last.failure
                        .as_ref()
                        .map(|f| format!("{}: {}\n{}", f.class, f.step, f.message)),
                    &events,
                )?;
            }
            if let Ok(rel) = dir.strip_prefix(run_dir) {
                link = format!(
                    r#"<a href="{}/index.html">{}</a>"#,
                    esc(&rel.display().to_string()),
                    esc(&last.scenario)
                );
            }
        }
        tags.extend(last.tags.iter().cloned());
        let tag_list = last.tags.iter().map(|t| format!("@{t}")).collect::<Vec<_>>().join(" ");
        rows.push_str(&format!(
            r#"<tr class="scenario" data-status="{status}" data-tags="{}"><td>{}</td><td>{link}</td><td class="{status}">{status}{}</td><td>{}</td><td>{:.2} s</td><td>{}</td></tr>"#,
            html_escape::encode_double_quoted_attribute(&tag_list),
            esc(&last.feature),
            if is_flaky { r#" <span class="flaky">(flaky)</span>"# } else { "" },
            esc(&class),
            last.duration.as_secs_f64(),
            esc(&tag_list)
        ));
    }
    let tag_options: String = tags.iter().map(|t| format!("<option>@{}</option>", esc(t))).collect();
    let index = format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>rig run</title><style>{STYLE}</style></head><body>
<h1>rig run</h1>
<p>bench <b>{}</b>, terminal <b>{}</b>, firmware <b>{}</b></p>
<p class="totals">{} scenarios: <span class="passed">{passed} passed</span>, <span class="failed">{failed} failed</span>, <span class="skipped">{skipped} skipped</span>, <span class="flaky">{flaky} flaky</span></p>
<p>show <select id="status"><option value="">all</option><option>passed</option><option>failed</option><option>skipped</option></select>
tagged <select id="tag"><option value="">any</option>{tag_options}</select></p>
<table><tr><th>feature</th><th>scenario</th><th>status</th><th>class</th><th>time</th><th>tags</th></tr>{rows}</table>
<script>
function filter() {{
  var status = document.getElementById('status').value, tag = document.getElementById('tag').value;
  document.querySelectorAll('tr.scenario').forEach(function (r) {{
    var ok = (!status || r.dataset.status === status) && (!tag || (' ' + r.dataset.tags + ' ').indexOf(' ' + tag + ' ') >= 0);
    r.style.display = ok ? '' : 'none';
  }});
}}
document.getElementById('status').addEventListener('change', filter);
document.getElementById('tag').addEventListener('change', filter);
</script></body></html>
"#,
        esc(bench),
        esc(model),
        esc(&firmware),
        histories.len()
    );
    let (path, part) = (run_dir.join("index.html"), run_dir.join("index.html.part"));
    std::fs::write(&part, index)?;
    std::fs::rename(&part, &path)?;
    Ok(path)
}

/// The firmware version the boot banner of the trace in `dir` gave, read up
/// to that line only; empty when the trace has none (or cannot be read).
fn firmware_booted(dir: &Path) -> String {
    use std::io::BufRead;
    let Ok(file) = trace_tools::trace_file(dir)
        .and_then(|f| std::fs::File::open(&f).map_err(|source| trace_tools::TraceError::Read { path: f, source }))
    else {
        return String::new();
    };
    std::io::BufReader::new(file)
        .lines()
        .map_while(Result::ok)
        .filter(|l| l.contains(r#""kind":"boot""#))
        .find_map(|l| {
            let event: serde_json::Value = serde_json::from_str(&l).ok()?;
            Some(event.get("version")?.as_str()?.to_string())
        })
        .unwrap_or_default()
}

fn scenario_page(
    dir: &Path,
    place: &str,
    status: &str,
    failure: Option<String>,
    events: &[Recorded],
) -> std::io::Result<()> {
    let (svg, details) = chart::chart(events);
    let mut receipts = String::new();
    let mut names: Vec<_> = std::fs::read_dir(dir)?
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("receipt-") && n.ends_with(".txt"))
        .collect();
    names.sort();
    for name in &names {
        let text = std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        for slip in text.split("--8<--") {
            receipts.push_str(&format!(r#"<pre class="slip">{}</pre>"#, esc(slip.trim_matches('\n'))));
        }
    }
    let console = std::fs::read_to_string(dir.join("console.log")).unwrap_or_default();
    let failure = failure.map_or_else(String::new, |f| {
        format!(r#"<div class="failure" id="failure">{}</div>"#, esc(&f))
    });
    // `<` escaped so the JSON cannot close the script element.
    let details = serde_json::to_string(&details)
        .unwrap_or_else(|_| "[]".into())
        .replace('<', "\\u003c");
    let page = format!(
        r#"<!doctype html><html><head><meta charset="utf-8"><title>{}</title><style>{STYLE}</style></head><body>
<p><a href="{}">all scenarios</a></p>
<h1 class="{status}">{}</h1>
<p>status <b class="{status}">{status}</b> · files: <a href="trace.jsonl">trace.jsonl</a> <a href="console.log">console.log</a> <a href="host-messages.yaml">host-messages.yaml</a></p>
{failure}
<div id="detail">click a message for its fields, an APDU for its TLV tree</div>
{svg}
<h2>Receipts</h2>{}
<details><summary>console log</summary><pre>{}</pre></details>
<script type="application/json" id="details">{details}</script>
<script>
var details = JSON.parse(document.getElementById('details').textContent);
document.querySelectorAll('[data-detail]').forEach(function (g) {{
  g.addEventListener('click', function () {{
    var d = details[+g.dataset.detail], out = [];
    Object.keys(d).forEach(function (k) {{ out.push(k + ':\n' + (Array.isArray(d[k]) ? d[k].join('\n') : d[k])); }});
    document.getElementById('detail').textContent = out.join('\n\n');
  }});
}});
</script></body></html>
"#,
        esc(place),
        up_to_run(dir),
        esc(place),
        if receipts.is_empty() {
            "<p>none</p>".to_string()
        } else {
            receipts
        },
        esc(&console)
    );
    std::fs::write(dir.join("index.html"), page)
}

/// The run's index from a scenario folder (<run>/<feature>/<scenario>/).
fn up_to_run(_dir: &Path) -> &'static str {
    "../../index.html"
}

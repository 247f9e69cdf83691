//! cucumber.json as the usual HTML reporters (multiple-cucumber-html-reporter,
//! cucumber-html-reporter) read it. cucumber-rs writes it with each feature's
//! `uri` relative to the working directory (an absolute path loses its `/`),
//! no feature `id`, and each Background after its scenario with the
//! scenario's name. After a run this rewrites the file: uris relative to the
//! features folder (`FeatureRoots`), an `id` per feature, each Background
//! before its scenario under its own keyword, and on each scenario's last
//! step the evidence as embeddings: its receipts (text) and the path of its
//! trace folder. What is embedded is the masked evidence the folder holds.

use crate::outcome::ScenarioOutcome;
use crate::report::FeatureRoots;
use base64::Engine as _;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// Rewrites the cucumber.json at `json` (see the module's doc).
pub fn tidy(
    json: &Path,
    roots: &FeatureRoots,
    played: &[PathBuf],
    outcomes: &[ScenarioOutcome],
) -> std::io::Result<()> {
    let text = std::fs::read_to_string(json)?;
    let mut report: Value =
        serde_json::from_str(&text).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
    let played: Vec<PathBuf> = played.iter().map(|f| crate::report::absolute(f)).collect();
    for feature in report.as_array_mut().into_iter().flatten() {
        // The uri cucumber wrote is the file's path less a prefix and a leading `/`.
        let file = feature["uri"]
            .as_str()
            .and_then(|uri| played.iter().find(|f| f.ends_with(uri)))
            .cloned();
        if let Some(file) = &file {
            feature["uri"] = Value::String(roots.shown(file));
        }
        if feature.get("id").is_none() {
            let id = crate::report::slug(feature["name"].as_str().unwrap_or_default());
            feature["id"] = Value::String(id);
        }
        if let Some(elements) = feature.get_mut("elements").and_then(Value::as_array_mut) {
            backgrounds_first(elements);
            for element in elements.iter_mut().filter(|e| e["type"] == "scenario") {
                let line = element["line"].as_u64().unwrap_or_default() as usize;
                let outcome = outcomes
                    .iter()
                    .find(|o| o.line == line && o.file.as_deref().map(crate::report::absolute) == file);
                if let Some(dir) = outcome.and_then(|o| o.dir.as_deref()) {
                    embed_evidence(element, dir);
                }
            }
        }
    }
    let text = serde_json::to_string_pretty(&report).map_err(std::io::Error::other)?;
    std::fs::write(json, text)
}

/// cucumber-rs puts each Background after the scenario it ran for, named
/// and tagged as that scenario; reporters expect it before, as itself.
fn backgrounds_first(elements: &mut [Value]) {
    for i in 1..elements.len() {
        if elements[i]["type"] == "background"
            && elements[i - 1]["type"] == "scenario"
            && elements[i]["id"] == elements[i - 1]["id"]
        {
            elements.swap(i - 1, i);
            let background = &mut elements[i - 1];
            background["name"] = Value::String(String::new());
            background["tags"] = json!([]);
        }
    }
}

/// The scenario's receipts and the path of its trace folder, on its last step.
fn embed_evidence(scenario: &mut Value, dir: &Path) {
    let engine = base64::engine::general_purpose::STANDARD;
    let mut embeddings = Vec::new();
    let mut receipts: Vec<PathBuf> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("receipt-"))
        })
        .collect();
    receipts.sort();
    for receipt in receipts {
        if let Ok(text) = std::fs::read_to_string(&receipt) {
            embeddings.push(json!({
                "mime_type": "text/plain",
                "name": receipt.file_name().map(|n| n.to_string_lossy().into_owned()),
                "data": engine.encode(text),
            }));
        }
    }
    let trace = dir.join("trace.jsonl");
    embeddings.push(json!({
        "mime_type": "text/plain",
        "name": "trace",
        "data": engine.encode(format!("trace: {}\n", trace.display())),
    }));
    if let Some(last) = scenario
        .get_mut("steps")
        .and_then(Value::as_array_mut)
        .and_then(|s| s.last_mut())
    {
        last["embeddings"] = Value::Array(embeddings);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_background_goes_before_its_scenario_as_itself() {
        let mut elements = vec![
            json!({"type": "scenario", "id": "f/s", "name": "S", "tags": [{"name": "@smoke"}]}),
            json!({"type": "background", "id": "f/s", "name": "S", "tags": [{"name": "@smoke"}]}),
        ];
        backgrounds_first(&mut elements);
        assert_eq!(elements[0]["type"], "background");
        assert_eq!(elements[0]["name"], "");
        assert_eq!(elements[0]["tags"], json!([]));
        assert_eq!(elements[1]["type"], "scenario");
        assert_eq!(elements[1]["name"], "S");
    }
}

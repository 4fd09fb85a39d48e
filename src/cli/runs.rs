//! `conclave runs`: the table (or JSON) of past runs.

use super::args::RunsArgs;
use super::{Context, Outcome};
use crate::store::RunSummary;
use crate::util::{format_utc, shorten};

pub fn list(ctx: &Context, a: &RunsArgs) -> Outcome {
    if let Some(super::args::RunsShow::Show { run }) = &a.show {
        return super::runs_show::show(ctx, run);
    }
    let store = ctx.open_store()?;
    let mut runs = store.summaries()?;
    if let Some(repo) = &ctx.repo {
        let want = std::fs::canonicalize(repo).unwrap_or_else(|_| repo.clone());
        runs.retain(|r| {
            std::fs::canonicalize(&r.repo).unwrap_or_else(|_| r.repo.clone().into()) == want
        });
    }
    for r in &mut runs {
        r.status = r.status_shown().to_string();
    }
    if a.json {
        println!(
            "{}",
            serde_json::to_string_pretty(&runs).unwrap_or_else(|_| "[]".into())
        );
        return Ok(0);
    }
    if runs.is_empty() {
        println!("No runs yet. Start one with `conclave run \"GOAL\"` or try `conclave demo`.");
        return Ok(0);
    }
    print!("{}", table(&runs));
    Ok(0)
}

pub fn table(runs: &[RunSummary]) -> String {
    let mut out = format!(
        "{:<12} {:<19} {:<24} {:<32} {:>2} {:<11} {:>7} {:>9} {:>8}\n",
        "RUN", "STARTED (UTC)", "REPO", "GOAL", "L", "STATUS", "TASKS", "TOKENS", "COST"
    );
    for r in runs {
        let repo = std::path::Path::new(&r.repo)
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| r.repo.clone());
        out.push_str(&format!(
            "{:<12} {:<19} {:<24} {:<32} {:>2} {:<11} {:>7} {:>9} {:>8}\n",
            &r.id.to_string()[..12],
            format_utc(r.started_at_ms),
            shorten(&repo, 24),
            shorten(&r.goal, 32),
            r.level.map(|l| l.to_string()).unwrap_or_else(|| "-".into()),
            r.status_shown(),
            format!("{}/{}", r.tasks_done, r.tasks_total),
            r.input_tokens + r.output_tokens,
            crate::util::cost_short(r.cost_usd, r.unpriced),
        ));
    }
    out
}

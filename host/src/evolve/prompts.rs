//! The prompts, as plain text files in `prompts/` (like Eureka's), filled from data.
//! `{{name}}` placeholders are replaced; a template with a placeholder left unfilled is a
//! bug, caught by the tests.

use rewardsmith_envs::EnvSpec;
use rewardsmith_guest::envs::EnvLayout;

use crate::schema::Schema;
use crate::selection::Selection;
use crate::train::TrainResult;

pub const SYSTEM: &str = include_str!("../../../prompts/system.txt");
pub const TASK: &str = include_str!("../../../prompts/task.txt");
pub const SCHEMA_TASK: &str = include_str!("../../../prompts/schema_task.txt");
pub const REFLECTION: &str = include_str!("../../../prompts/reflection.txt");
pub const ERROR_FEEDBACK: &str = include_str!("../../../prompts/error_feedback.txt");
pub const NO_CODE: &str = include_str!("../../../prompts/no_code.txt");
pub const HUMAN_FEEDBACK: &str = include_str!("../../../prompts/human_feedback.txt");
pub const PREFERENCE_FEEDBACK: &str = include_str!("../../../prompts/preference_feedback.txt");

/// Replaces every `{{key}}` in `template` with its value.
pub fn fill(template: &str, vars: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (k, v) in vars {
        out = out.replace(&format!("{{{{{k}}}}}"), v);
    }
    out
}

/// The SDK module of an env id: `cartpole-v0` → `cartpole`.
fn module_name(id: &str) -> &str {
    rewardsmith_envs::registry::base_name(id)
}

/// The system prompt for rewards of `env` (an SDK env such as `cartpole`, or a schema env).
pub fn system(env: &EnvLayout, max_terms: usize) -> String {
    let import = match rewardsmith_guest::envs::find(env.id) {
        Some(_) => format!("rewardsmith_guest::envs::{}::*", module_name(env.id)),
        None => crate::schema::codegen::IMPORT.to_owned(),
    };
    fill(SYSTEM, &[("env_import", &import), ("max_terms", &max_terms.to_string())])
}

/// The task prompt for a schema env: the schema's task text, how a trained policy is judged
/// (`fitness`: what an evolve run's training function measures; the prompt says it is
/// not given when `None`) and its generated module, which is exactly what the reward is
/// compiled with.
pub fn schema_task(schema: &Schema, fitness: Option<&str>) -> String {
    let task = if schema.task.trim().is_empty() { "(no task text given in the schema)" } else { schema.task.trim() };
    let fitness = match fitness.map(str::trim) {
        Some(f) if !f.is_empty() => format!("A trained policy is judged by its task fitness (higher is better): {f}"),
        _ => "How a trained policy is judged is not given beyond the task text.".to_owned(),
    };
    let module = crate::schema::codegen::module_source(schema);
    fill(SCHEMA_TASK, &[("env_id", &schema.id), ("task", task), ("fitness", &fitness), ("state_source", module.trim())])
}

/// The task prompt: the env's description, fitness and its `State`/`Action` source verbatim.
pub fn task(spec: &EnvSpec) -> String {
    let module = module_name(spec.reward_env);
    let source = crate::compiler::sdk_source(&format!("src/envs/{module}.rs")).unwrap_or("(source unavailable)");
    fill(
        TASK,
        &[
            ("env_id", spec.id),
            ("description", spec.description),
            ("fitness_doc", spec.fitness_doc),
            ("solved", &spec.solved_fitness.to_string()),
            ("max_steps", &spec.max_episode_steps.to_string()),
            ("control_dt", &spec.control_dt.to_string()),
            ("state_source", source.trim()),
        ],
    )
}

fn num(v: Option<f64>) -> String {
    match v {
        None => "–".into(),
        Some(x) if x != 0.0 && (x.abs() >= 1e4 || x.abs() < 1e-3) => format!("{x:.2e}"),
        Some(x) => format!("{x:.3}"),
    }
}

/// Eureka's reward reflection: each term's values at the checkpoints with max/mean/min,
/// then task fitness and episode length.
pub fn reflection_table(r: &TrainResult) -> String {
    let mut lines = Vec::new();
    let mut row = |name: &str, c: &crate::train::Curve| {
        let values: Vec<String> = c.values.iter().map(|v| num(*v)).collect();
        lines.push(format!(
            "{name}: [{}], max {}, mean {}, min {}",
            values.join(", "),
            num(c.max),
            num(c.mean),
            num(c.min)
        ));
    };
    for t in &r.terms {
        row(&t.name, t);
    }
    row("task_fitness", &r.fitness);
    row("episode_length", &r.episode_length);
    lines.join("\n")
}

/// The reflection prompt for a trained candidate, with its selection fitness when it was
/// retrained on more seeds.
pub fn reflection(candidate: &str, source: &str, r: &TrainResult, selection: Option<&Selection>) -> String {
    let selected = match selection {
        Some(s) if s.seeds > 1 => format!(
            " on the seed these statistics come from, and {} ± {} as the mean over {} seeds (what selected it)",
            num(Some(s.mean)),
            num(Some(s.std)),
            s.seeds
        ),
        _ => String::new(),
    };
    fill(
        REFLECTION,
        &[
            ("candidate", candidate),
            ("steps", &r.steps.to_string()),
            ("checkpoints", &r.checkpoint_steps.len().to_string()),
            ("table", &reflection_table(r)),
            ("late_fitness", &late(r)),
            ("selection", &selected),
            ("source", source.trim()),
        ],
    )
}

/// The late-window fitness selection used, with its spread and episode count.
fn late(r: &TrainResult) -> String {
    match r.late_fitness {
        Some(m) => format!("{} ± {} over {} episodes", num(Some(m.mean)), num(Some(m.std)), m.n),
        None => "none (no episode ended)".into(),
    }
}

/// Where a failed candidate failed, as the feedback's first line says it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailedAt {
    /// The screen or rustc refused it, or the module did not load.
    Compile,
    /// The sandbox stopped it while the policy trained on it (panic, NaN/∞, runaway code).
    Training,
}

/// Feedback for a candidate that failed to compile or to run.
pub fn error_feedback(source: &str, error: &str, at: FailedAt) -> String {
    let stage = match at {
        FailedAt::Compile => "did not compile",
        FailedAt::Training => {
            "stopped the training that ran on it (the sandbox ends a reward that panics, returns NaN or ∞, or runs away)"
        }
    };
    fill(ERROR_FEEDBACK, &[("stage", stage), ("error", error.trim()), ("source", source.trim())])
}

/// The one request that ends an iteration's follow-up turn: what to do about everything
/// above it (`goals`, each a short clause), and how to answer.
pub fn closing(goals: &[&str]) -> String {
    let what = match goals {
        [] => String::new(),
        [one] => format!(": {one}"),
        [init @ .., last] => format!(": {}, and {last}", init.join(", ")),
    };
    format!("Write the next reward function{what}. {ANSWER}")
}

/// How every answer should look.
pub const ANSWER: &str =
    "Answer with one ```rust block containing the whole program, ending with `export_reward!(reward);`.";

pub fn human_feedback(text: &str) -> String {
    fill(HUMAN_FEEDBACK, &[("feedback", text.trim())])
}

/// A person's preference between candidates (and optional words).
pub fn preference_feedback(best: &str, best_source: &str, worst: &str, worst_source: &str, text: &str) -> String {
    let text = if text.trim().is_empty() { String::new() } else { format!(" They add: \"{}\"", text.trim()) };
    fill(
        PREFERENCE_FEEDBACK,
        &[
            ("best", best),
            ("worst", worst),
            ("text", &text),
            ("best_source", best_source.trim()),
            ("worst_source", worst_source.trim()),
        ],
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_placeholder_is_filled_for_every_env() {
        for reg in rewardsmith_envs::registry() {
            let layout = rewardsmith_guest::envs::find(reg.spec.reward_env).unwrap();
            let sys = system(layout, 32);
            let module = rewardsmith_envs::registry::base_name(reg.spec.reward_env);
            assert!(sys.contains(&format!("rewardsmith_guest::envs::{module}::*;")), "{sys}");
            for text in [sys, task(reg.spec)] {
                assert!(!text.contains("{{"), "{}: unfilled placeholder in\n{text}", reg.spec.id);
            }
            let task = task(reg.spec);
            assert!(!task.contains("(source unavailable)"), "{}: the State source is missing", reg.spec.id);
            let layout = rewardsmith_guest::envs::find(reg.spec.reward_env).unwrap();
            assert!(layout.state_fields.iter().all(|f| task.contains(f.name)), "{task}");
            assert!(task.contains(reg.spec.fitness_doc));
        }
        let schema = crate::schema::Schema::parse(include_str!("../../../python/examples/half_cheetah/schema.toml"))
            .expect("the example schema is valid");
        let layout = crate::schema::register(&schema).unwrap();
        let sys = system(layout, 32);
        assert!(sys.contains("`use crate::env::*;`") && !sys.contains("rewardsmith_guest::envs::"), "{sys}");
        let task = schema_task(&schema, None);
        assert!(task.contains("half_cheetah-v0") && task.contains("run forward"), "{task}");
        assert!(schema.state.iter().chain(&schema.action).all(|f| task.contains(&f.doc)), "{task}");
        assert!(task.contains("is not given beyond the task text"), "{task}");
        let judged = schema_task(&schema, Some("mean Gymnasium return over 3 episodes"));
        assert!(judged.contains("task fitness (higher is better): mean Gymnasium return over 3 episodes"), "{judged}");
        for text in [
            judged,
            sys,
            task,
            error_feedback("fn x() {}", "line 3: error[E0425]", FailedAt::Compile),
            human_feedback("too jittery"),
            preference_feedback("3", "a", "5", "b", ""),
            NO_CODE.to_owned(),
        ] {
            assert!(!text.contains("{{"), "unfilled placeholder in\n{text}");
        }
    }
}

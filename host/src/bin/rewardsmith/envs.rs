//! `rewardsmith envs` and `rewardsmith envs show ID`.

use std::process::ExitCode;

use rewardsmith_envs::{Registration, Space, registry};
use rewardsmith_guest::Field;
use serde_json::{Value, json};

/// List the environments, or show one: spaces, state fields with units, the task
/// description and the fitness definition.
#[derive(clap::Args, Debug)]
#[command(
    after_help = "Examples:\n  rewardsmith envs\n  rewardsmith envs show cartpole\n  rewardsmith envs show ant-v0 --json"
)]
pub struct Args {
    #[command(subcommand)]
    command: Option<Sub>,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    json: bool,
}

#[derive(clap::Subcommand, Debug)]
enum Sub {
    /// Show one env in full.
    Show {
        /// A versioned id (`cartpole-v0`) or a name (`cartpole`, the latest version).
        id: String,
    },
}

pub fn run(args: Args) -> ExitCode {
    match args.command {
        None => {
            if args.json {
                let list: Vec<Value> = registry().iter().map(summary).collect();
                println!("{}", Value::Array(list));
            } else {
                println!("{:<26} {:>8} {:>6} {:>10}  task", "id", "action", "steps", "dt (s)");
                for r in registry() {
                    let s = r.spec;
                    let first = s.description.split(". ").next().unwrap_or("");
                    println!(
                        "{:<26} {:>8} {:>6} {:>10}  {first}.",
                        s.id,
                        space_short(&(s.action_space)()),
                        s.max_episode_steps,
                        s.control_dt
                    );
                }
            }
            ExitCode::SUCCESS
        }
        Some(Sub::Show { id }) => match rewardsmith_envs::registry::find(&id) {
            Ok(r) => {
                if args.json {
                    println!("{}", details(r));
                } else {
                    print_details(r);
                }
                ExitCode::SUCCESS
            }
            Err(e) => {
                if args.json {
                    println!(
                        "{}",
                        json!({ "ok": false, "error": { "kind": "unknown_env", "message": e.to_string() } })
                    );
                } else {
                    eprintln!("error: {e}");
                }
                ExitCode::from(1)
            }
        },
    }
}

fn space_short(s: &Space) -> String {
    match s {
        Space::Discrete { n } => format!("D({n})"),
        Space::Box { low, .. } => format!("Box({})", low.len()),
    }
}

fn summary(r: &Registration) -> Value {
    let s = r.spec;
    json!({
        "id": s.id,
        "reward_env": s.reward_env,
        "action_space": (s.action_space)(),
        "observation_dim": (s.observation_space)().dim(),
        "max_episode_steps": s.max_episode_steps,
        "control_dt": s.control_dt,
    })
}

fn fields(fields: &[Field]) -> Value {
    fields.iter().map(|f| json!({ "name": f.name, "len": f.len, "unit": f.unit, "doc": f.doc.trim() })).collect()
}

fn details(r: &Registration) -> Value {
    let s = r.spec;
    let layout = rewardsmith_guest::envs::find(s.reward_env).expect("layout");
    json!({
        "id": s.id,
        "reward_env": s.reward_env,
        "description": s.description,
        "fitness": { "kind": s.fitness, "definition": s.fitness_doc, "range": [s.fitness_range.0, s.fitness_range.1], "solved": s.solved_fitness },
        "control_dt": s.control_dt,
        "substeps": s.substeps,
        "max_episode_steps": s.max_episode_steps,
        "observation_space": (s.observation_space)(),
        "action_space": (s.action_space)(),
        "state": fields(layout.state_fields),
        "action": fields(layout.action_fields),
        "reward_module": format!("rewardsmith_guest::envs::{}", layout.name),
    })
}

fn print_details(r: &Registration) {
    let s = r.spec;
    let layout = rewardsmith_guest::envs::find(s.reward_env).expect("layout");
    println!("{}\n\n{}\n", s.id, s.description);
    println!("fitness: {}; solved at {}", s.fitness_doc, s.solved_fitness);
    println!(
        "control: {} s per step, {} physics substeps, episodes truncated after {} steps",
        s.control_dt, s.substeps, s.max_episode_steps
    );
    println!("observation: {}", describe_space(&(s.observation_space)()));
    println!("action: {}", describe_space(&(s.action_space)()));
    println!("\nState (rewards read `rewardsmith_guest::envs::{}::State`):", layout.name);
    print_fields(layout.state_fields);
    println!("\nAction (as rewards see it):");
    print_fields(layout.action_fields);
}

fn describe_space(s: &Space) -> String {
    match s {
        Space::Discrete { n } => format!("Discrete({n}): one float holding 0..{}", n - 1),
        Space::Box { low, high } => {
            let fmt = |v: &[f32]| {
                let one = |x: &f32| match *x {
                    x if x > 1e30 => "inf".to_string(),
                    x if x < -1e30 => "-inf".to_string(),
                    x => format!("{x}"),
                };
                v.iter().map(one).collect::<Vec<_>>().join(", ")
            };
            format!("Box({}) low [{}] high [{}]", low.len(), fmt(low), fmt(high))
        }
    }
}

fn print_fields(fields: &[Field]) {
    for f in fields {
        let ty = if f.len == 1 { "f32".to_string() } else { format!("[f32; {}]", f.len) };
        println!("  {:<16} {:<10} {:<7} {}", f.name, ty, f.unit, f.doc.trim());
    }
}

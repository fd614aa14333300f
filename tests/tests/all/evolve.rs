//! The evolve loop end to end against a scripted OpenAI-compatible server on 127.0.0.1:
//! every kind of bad answer is classified, diagnostics are fed back, the best is selected
//! by late-window fitness, and an unreachable endpoint is a clear error.

use std::sync::Arc;
use std::time::Duration;

use rewardsmith::compiler::Compiler;
use rewardsmith::evolve::llm::{LlmClient, LlmConfig, LlmError};
use rewardsmith::evolve::llm_proposer::{LlmProposer, NoLog};
use rewardsmith::evolve::{
    EvolveConfig, EvolveError, MemoryJournal, Offline, Origin, ProposerError, Resources, Status, Target, evolve,
};
use rewardsmith::sandbox::{Limits, Sandbox};
use rewardsmith_tests::compiler;
use rewardsmith_tests::scripted_llm::{Reply, ScriptedServer};

fn fenced(src: &str) -> String {
    format!("Here is the reward.\n\n```rust\n{src}\n```\n")
}

const HEAD: &str = "use rewardsmith_guest::envs::cartpole::*;\nuse rewardsmith_guest::prelude::*;\n";

fn program(body: &str) -> String {
    format!(
        "{HEAD}\nfn reward(_s: &State, _a: &Action, next: &State, t: &mut Terms) -> f32 {{\n{body}\n}}\n\nexport_reward!(reward);"
    )
}

fn good() -> String {
    program(
        "    let up = t.add(\"upright\", 1.0 - abs(next.pole_angle) / 0.21);\n    let alive = t.add(\"alive\", 1.0);\n    up + alive",
    )
}

/// Teaches the wrong thing: reward for leaning (trains, but worse than `good`).
fn leaning() -> String {
    program("    t.add(\"lean\", abs(next.pole_angle))")
}

fn compile_error() -> String {
    program("    t.add(\"upright\", 1.0 - abs(next.pole_angel))")
}

fn endless() -> String {
    program(
        "    let mut x = 0.0f32;\n    loop {\n        x += next.cart_pos;\n        if x.is_nan() { break; }\n    }\n    t.add(\"x\", x)",
    )
}

fn panics() -> String {
    program("    if abs(next.pole_angle) > 0.05 { panic!(\"tilted\"); }\n    t.add(\"alive\", 1.0)")
}

fn nan() -> String {
    program("    t.add(\"bad\", sqrt(next.cart_pos - 10.0))")
}

fn resources<'a>(
    compiler: &'a Compiler,
    sandbox: &'a Sandbox,
    pool: &'a Arc<rayon::ThreadPool>,
    dir: &'a std::path::Path,
) -> Resources<'a> {
    Resources { compiler, sandbox, pool, artifacts: dir, cancel: None, executor: None }
}

fn small_config() -> EvolveConfig {
    let mut cfg = EvolveConfig::new("cartpole");
    cfg.iterations = 2;
    cfg.samples = 6;
    cfg.final_seeds = 1;
    cfg.steps = Some(8192);
    cfg.candidate_seconds = 60.0;
    cfg.threads = 2;
    // Each iteration's leader retrained on one more seed (the default is 2 × 2).
    (cfg.recheck_top, cfg.recheck_seeds) = (1, 1);
    cfg
}

fn fast_llm(url: String) -> LlmConfig {
    let mut c = LlmConfig::new("scripted");
    c.base_url = url;
    c.api_key = Some("sk-test-never-shown".into());
    c.timeout = Duration::from_millis(1500);
    c.backoff_base = Duration::from_millis(10);
    c.backoff_max = Duration::from_millis(50);
    c.max_retries = 4;
    c
}

#[test]
fn an_llm_run_classifies_every_answer_feeds_errors_back_and_selects_the_best() {
    let first = Reply::Chat(vec![
        fenced(&good()),
        fenced(&compile_error()),
        fenced(&endless()),
        fenced(&panics()),
        fenced(&nan()),
        "I would reward the pole for being upright.".into(),
    ]);
    let second = Reply::Chat(vec![
        fenced(&good().replace("1.0 - abs", "1.0 - 0.5 * abs")), // the compile error, fixed
        fenced(&leaning()),
        fenced(&good()),
        fenced(&leaning()),
        fenced(&leaning()),
        fenced(&leaning()),
    ]);
    let server = ScriptedServer::start(vec![
        Reply::RetryAfter(1),
        Reply::Status(500, "{\"error\":\"overloaded\"}".into()),
        first,
        Reply::Malformed,
        Reply::Slow(Duration::from_secs(3), Box::new(Reply::chat("too late"))),
        second,
    ]);
    let client = LlmClient::new(fast_llm(server.url())).unwrap();
    let mut proposer = LlmProposer::new(client, NoLog);
    let sandbox = Sandbox::new(Limits { deadline: Duration::from_secs(2), ..Limits::default() }).unwrap();
    let pool = Arc::new(rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let mut journal = MemoryJournal::default();
    let cfg = small_config();
    let summary =
        evolve(&cfg, &mut proposer, &mut journal, &resources(compiler(), &sandbox, &pool, dir.path()), &mut |_| {})
            .unwrap();

    let search: Vec<_> = journal.candidates.iter().filter(|c| c.key.origin == Origin::Llm).collect();
    assert_eq!(search.len(), 12);
    let status = |it: u32, s: u32| {
        let c = search.iter().find(|c| c.key.iteration == it && c.key.sample == s).unwrap();
        (c.status, c.error_kind.clone().unwrap_or_default())
    };
    assert_eq!(status(0, 0).0, Status::Trained);
    assert_eq!(status(0, 1), (Status::CompileError, "rustc".into()));
    assert_eq!(status(0, 2), (Status::RewardError, "timeout".into()));
    assert_eq!(status(0, 3), (Status::RewardError, "panicked".into()));
    assert_eq!(status(0, 4), (Status::RewardError, "non_finite".into()));
    assert_eq!(status(0, 5).0, Status::NoCode);
    assert!(
        (0..6).all(|s| status(1, s).0 == Status::Trained),
        "{:?}",
        (0..6).map(|s| status(1, s)).collect::<Vec<_>>()
    );

    // The requests: 2 retried failures + the first answer; then malformed and too slow, both
    // retried, then the second answer.
    let requests = server.requests();
    assert_eq!(requests.len(), 6, "{requests:#?}");
    assert!(requests.iter().all(|r| r.header("authorization") == Some("Bearer sk-test-never-shown")));
    let last = requests.last().unwrap().body.to_string();
    assert!(last.contains("pole_angel") && last.contains("E0"), "the compile diagnostics were not fed back: {last}");
    assert!(last.contains("panicked") || last.contains("tilted"), "the panic was not fed back");
    assert!(!last.contains("sk-test-never-shown"));
    // One request per turn (issue 14, item 8): the follow-up turn gives the reflection and the
    // failures as context — each saying where it failed — and ends in one request; the
    // reflection states the late-window fitness selection ranked by.
    assert_eq!(last.matches("Answer with one ```rust block containing the whole program").count(), 1, "{last}");
    assert!(last.contains("Your previous reward function did not compile"), "{last}");
    assert!(last.contains("Your previous reward function stopped the training"), "{last}");
    assert!(last.contains("ranks candidates by the task fitness of the episodes that ended late"), "{last}");
    assert!(!last.contains("failed before training could judge it"), "{last}");
    assert!(last.contains("at most 32 distinct terms"), "the sandbox's term limit: {last}");

    // Selection (issue 14, item 7): each iteration's leader by single-seed fitness (ties to
    // the earlier) is retrained on seed + 1, and the best is the rechecked candidate with the
    // highest mean over its two seeds; the per-iteration best never decreases.
    let rechecks: Vec<_> = journal.candidates.iter().filter(|c| c.key.origin == Origin::Recheck).collect();
    assert_eq!(rechecks.len(), 2, "one leader per iteration, one extra seed");
    let mut means = Vec::new();
    for r in &rechecks {
        let leader = search
            .iter()
            .filter(|c| c.key.iteration == r.key.iteration && c.fitness.is_some_and(f64::is_finite))
            .min_by(|a, b| b.fitness.partial_cmp(&a.fitness).unwrap().then(a.id.cmp(&b.id)))
            .unwrap();
        assert_eq!((r.key.sample, r.key.seed, &r.source), (leader.key.sample, cfg.seed + 1, &leader.source));
        assert_eq!(r.status, Status::Trained, "{r:?}");
        means.push((leader.id, (leader.fitness.unwrap() + r.fitness.unwrap()) / 2.0));
    }
    let (best_id, best_mean) = means.iter().copied().fold((0, f64::NEG_INFINITY), |a, b| if b.1 > a.1 { b } else { a });
    assert_eq!(summary.best_id, Some(best_id));
    assert_eq!(summary.best_fitness, Some(best_mean));
    assert_eq!((summary.best_fitness_seeds, summary.rechecks), (Some(2), 2));
    assert!(summary.best_per_iteration.windows(2).all(|w| w[1] >= w[0]), "{:?}", summary.best_per_iteration);
    assert_eq!(summary.failed, 5);
    assert!(summary.human.mean_std.is_some() && summary.sparse.mean_std.is_some());

    // Where people look (issue 14, item 5): the report's candidate table shows the first
    // diagnostic of the failed compile, not an empty "compile error:".
    let config = serde_json::json!({});
    let data = rewardsmith::evolve::report::ReportData {
        run_id: 1,
        env: "cartpole-v0",
        proposer: "llm",
        config: &config,
        candidates: &journal.candidates,
        summary: Some(&summary),
    };
    let md = rewardsmith::evolve::report::markdown(&data);
    assert!(md.contains("compile error: line 5:"), "{md}");
    assert!(md.contains("no field `pole_angel`"), "{md}");
    // Lineage (issue 13): iteration 1's answers were asked to improve on i0.s0, the only
    // candidate that trained in iteration 0, and say so.
    assert!(md.contains("| i1.s0 | i0.s0 | trained |"), "{md}");
    assert!(md.contains("llm, improving on i0.s0"), "{md}");
}

#[test]
fn an_unreachable_endpoint_names_the_url_and_suggests_the_offline_proposer() {
    let client = LlmClient::new(fast_llm("http://127.0.0.1:9/v1".into())).unwrap();
    let mut proposer = LlmProposer::new(client, NoLog);
    let sandbox = Sandbox::new(Limits::default()).unwrap();
    let pool = Arc::new(rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap());
    let dir = tempfile::tempdir().unwrap();
    let err = evolve(
        &small_config(),
        &mut proposer,
        &mut MemoryJournal::default(),
        &resources(compiler(), &sandbox, &pool, dir.path()),
        &mut |_| {},
    )
    .unwrap_err();
    // Typed through the seam (issue 13): the LLM client's own error, not its text.
    let EvolveError::Proposer(proposer_error) = &err else { panic!("{err:?}") };
    assert!(matches!(proposer_error, ProposerError::Llm(LlmError::Unreachable { .. })), "{err:?}");
    assert_eq!(proposer_error.kind(), "unreachable");
    let text = err.to_string();
    assert!(text.contains("127.0.0.1:9") && text.contains("--proposer offline"), "{text}");
}

#[test]
fn the_offline_proposer_improves_on_the_sparse_reward_and_is_deterministic() {
    let sandbox = Sandbox::new(Limits::default()).unwrap();
    let pool = Arc::new(rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap());
    let mut cfg = small_config();
    cfg.samples = 4;
    cfg.steps = Some(40_000);
    let run = || {
        let dir = tempfile::tempdir().unwrap();
        let mut journal = MemoryJournal::default();
        let spec = rewardsmith_envs::registry::find("cartpole").unwrap().spec;
        let s = evolve(
            &cfg,
            &mut Offline::new(&Target::Builtin(spec)),
            &mut journal,
            &resources(compiler(), &sandbox, &pool, dir.path()),
            &mut |_| {},
        )
        .unwrap();
        (s, journal)
    };
    let (a, ja) = run();
    let (b, jb) = run();
    let sources = |j: &MemoryJournal| j.candidates.iter().map(|c| c.source.clone()).collect::<Vec<_>>();
    assert_eq!(sources(&ja), sources(&jb), "same seed, same programs");
    assert_eq!(a.best_fitness, b.best_fitness, "same seed, same training bits");
    let (best, sparse) = (a.best.mean_std.unwrap().mean, a.sparse.mean_std.unwrap().mean);
    assert!(best > sparse, "offline best {best} is not better than the sparse reward {sparse}");
    assert!(a.human_normalized_score.unwrap() > 0.0);
}

/// A store with one LLM run (2 samples an iteration) whose iteration-0 answer `texts` was
/// logged, as if the process died right after receiving it.
fn store_with_logged_answer(
    dir: &std::path::Path,
    texts: Vec<String>,
) -> (rewardsmith::store::Store, rewardsmith::store::RunRow, EvolveConfig) {
    use rewardsmith::store::{LlmCallStatus, NewLlmCall, NewRun, Proposer as StoreProposer, Store};
    let store = Store::open(dir.join("runs.db")).unwrap();
    let mut cfg = small_config();
    cfg.samples = 2;
    let new_run = NewRun {
        env: cfg.env.clone(),
        proposer: StoreProposer::Llm,
        model: Some("scripted".into()),
        config: serde_json::to_value(&cfg).unwrap(),
    };
    let run = store.create_run(&new_run).unwrap();
    let call = NewLlmCall {
        run_id: run.id,
        iteration: 0,
        attempt: 0,
        request_key: "i0a0".into(),
        prompt: serde_json::json!({"messages": []}),
        response: None,
        texts: Some(texts),
        prompt_tokens: Some(10),
        completion_tokens: Some(20),
        latency_ms: 5,
        status: LlmCallStatus::Ok,
        error_text: None,
    };
    store.record_llm_call(&call).unwrap();
    (store, run, cfg)
}

/// Resume never asks an answered question again: an answer logged in the store (as if the
/// process died right after receiving it) is used instead of a new request, and an
/// iteration whose candidates exist is not proposed again.
#[test]
fn a_resumed_llm_run_reuses_logged_answers_and_stored_candidates() {
    use rewardsmith::evolve::stored::{StoreJournal, StoreLlmLog};
    let dir = tempfile::tempdir().unwrap();
    let (store, run, cfg) = store_with_logged_answer(dir.path(), vec![fenced(&good()), fenced(&leaning())]);
    // The server can answer exactly one request: iteration 1's.
    let server = ScriptedServer::start(vec![Reply::Chat(vec![fenced(&good()), fenced(&good())])]);
    let sandbox = Sandbox::new(Limits::default()).unwrap();
    let pool = Arc::new(rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap());
    let mut fast = fast_llm(server.url());
    fast.max_retries = 0;
    let mut proposer = LlmProposer::new(LlmClient::new(fast).unwrap(), StoreLlmLog { store: &store, run_id: run.id });
    let mut journal = StoreJournal { store: &store, run_id: run.id };
    let res = resources(compiler(), &sandbox, &pool, &run.artifact_dir);
    let summary = evolve(&cfg, &mut proposer, &mut journal, &res, &mut |_| {}).unwrap();
    assert_eq!(server.requests().len(), 1, "iteration 0 was asked again");
    let cands = store.candidates(run.id, Some(0)).unwrap();
    assert!(cands.iter().any(|c| c.source.contains("\"lean\"")), "iteration 0 did not use the logged answer");
    assert_eq!(summary.candidates, 4);

    // Running the finished run again asks nothing and trains nothing new.
    let before = store.candidates(run.id, None).unwrap();
    let server2 = ScriptedServer::start(vec![]);
    let mut proposer2 = LlmProposer::new(
        LlmClient::new(fast_llm(server2.url())).unwrap(),
        StoreLlmLog { store: &store, run_id: run.id },
    );
    evolve(&cfg, &mut proposer2, &mut journal, &res, &mut |_| {}).unwrap();
    assert!(server2.requests().is_empty());
    let after = store.candidates(run.id, None).unwrap();
    assert_eq!(
        before.iter().map(|c| (c.id, c.finished_unix)).collect::<Vec<_>>(),
        after.iter().map(|c| (c.id, c.finished_unix)).collect::<Vec<_>>()
    );
}

/// Issue 12: a 40 KB nesting bomb as an LLM answer aborted `evolve` (the screen overflowed
/// its stack), and every `--resume` aborted again because the stored answer is replayed.
/// Now it is one refused candidate; the run finishes, and so does its resume.
#[test]
fn a_nesting_bomb_in_a_stored_llm_answer_is_one_refused_candidate_and_the_run_resumes() {
    use rewardsmith::evolve::stored::{StoreJournal, StoreLlmLog};
    let bomb = program(&format!("    let x = {}1.0{};\n    t.add(\"x\", x)", "(".repeat(20_000), ")".repeat(20_000)));
    assert!(bomb.len() > 40_000);
    let dir = tempfile::tempdir().unwrap();
    let (store, run, cfg) = store_with_logged_answer(dir.path(), vec![fenced(&bomb), fenced(&good())]);
    let sandbox = Sandbox::new(Limits::default()).unwrap();
    let pool = Arc::new(rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap());
    let res = resources(compiler(), &sandbox, &pool, &run.artifact_dir);
    let run_once = |replies: Vec<Reply>| {
        let server = ScriptedServer::start(replies);
        let mut fast = fast_llm(server.url());
        fast.max_retries = 0;
        let log = StoreLlmLog { store: &store, run_id: run.id };
        let mut proposer = LlmProposer::new(LlmClient::new(fast).unwrap(), log);
        let mut journal = StoreJournal { store: &store, run_id: run.id };
        let summary = evolve(&cfg, &mut proposer, &mut journal, &res, &mut |_| {});
        (summary, server.requests().len())
    };
    let (summary, asked) = run_once(vec![Reply::Chat(vec![fenced(&good()), fenced(&leaning())])]);
    let summary = summary.expect("the run finishes");
    assert_eq!((summary.candidates, summary.failed, asked), (4, 1, 1));
    let first = store.candidates(run.id, Some(0)).unwrap();
    let refused = first.iter().find(|c| c.source.starts_with(HEAD) && c.source.len() > 40_000).expect("the bomb");
    assert_eq!(refused.error_kind.as_deref(), Some("refused"), "{refused:?}");
    assert!(refused.error_text.as_deref().unwrap_or("").contains("nesting deeper than"), "{refused:?}");

    // The resume replays the stored answer (the bomb included) and asks nothing new.
    let (again, asked) = run_once(vec![]);
    assert_eq!((again.expect("the resume finishes").failed, asked), (1, 0));
}

/// Issue 13: a candidate whose training ended no episode has fitness −∞ in the loop, but the
/// store keeps non-finite numbers as NULL, and a resumed run read that back as "no fitness".
/// Now a trained candidate's NULL reads back as −∞, and a run resumed over such candidates
/// judges them as the straight run did: trained, not an all-failed iteration to retry.
#[test]
fn a_resumed_run_judges_a_candidate_that_ended_no_episode_as_a_straight_run() {
    use rewardsmith::evolve::stored::StoreJournal;
    use rewardsmith::evolve::{Candidate, Journal, Key};
    use rewardsmith::store::{NewRun, Proposer as StoreProposer, Store};
    let sandbox = Sandbox::new(Limits::default()).unwrap();
    let pool = Arc::new(rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap());
    let mut cfg = small_config();
    (cfg.iterations, cfg.samples) = (1, 2);
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("runs.db")).unwrap();
    let config = serde_json::to_value(&cfg).unwrap();
    let run = store
        .create_run(&NewRun { env: cfg.env.clone(), proposer: StoreProposer::Offline, model: None, config })
        .unwrap();
    let mut journal = StoreJournal { store: &store, run_id: run.id };
    // Iteration 0 as the loop left it before a crash: both candidates trained, neither saw an
    // episode end (the loop's −∞).
    for sample in 0..2 {
        let key = Key { iteration: 0, attempt: 0, sample, origin: Origin::Offline, seed: cfg.seed };
        let mut c = journal.propose(&Candidate::new(key, good())).unwrap();
        c.status = Status::Trained;
        c.fitness = Some(f64::NEG_INFINITY);
        journal.update(&c).unwrap();
    }
    let read_back: Vec<_> = journal.candidates().unwrap().iter().map(|c| c.fitness).collect();
    assert_eq!(read_back, vec![Some(f64::NEG_INFINITY); 2], "the store's NULL reads back as −∞");

    let res = resources(compiler(), &sandbox, &pool, &run.artifact_dir);
    let spec = rewardsmith_envs::registry::find(&cfg.env).unwrap().spec;
    let summary = evolve(&cfg, &mut Offline::new(&Target::Builtin(spec)), &mut journal, &res, &mut |_| {}).unwrap();
    assert_eq!((summary.best_label.as_deref(), summary.best_fitness), (Some("i0.s0"), Some(f64::NEG_INFINITY)));
    assert_eq!((summary.candidates, summary.failed), (2, 0));
    let attempts: Vec<_> = store.iterations(run.id).unwrap().iter().map(|i| (i.idx, i.attempt)).collect();
    assert_eq!(attempts, vec![(0, 0)], "no iteration was judged all-failed and retried");
}

;; Built for pendulum, checked on cartpole (kind: env_mismatch).
;; Check it: rewardsmith check tests/fixtures/hostile/wrong_env.wat --env cartpole   (expected: exit 1)
(module
  (memory (export "memory") 2)
  (data (i32.const 16) "pendulum-v0")
  (func (export "rewardsmith_abi_version") (result i32) (i32.const 1))
  (func (export "rewardsmith_env_id") (result i64) (i64.const 47244640272))
  (func (export "rewardsmith_layout") (result i64) (i64.const 4294967301))
  (func (export "rewardsmith_input") (param $n i32) (result i32) (i32.const 8192))
  (func (export "rewardsmith_run") (param $n i32) (result i32) (i32.const 4096))
  (func (export "rewardsmith_term_count") (result i32) (i32.const 0))
  (func (export "rewardsmith_term_name") (param i32) (result i64) (i64.const 0))
  (func (export "rewardsmith_panic_message") (result i64) (i64.const 0))
)

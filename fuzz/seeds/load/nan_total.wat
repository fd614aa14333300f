;; Transition 3's total is NaN (kind: non_finite).
;; Check it: rewardsmith check tests/fixtures/hostile/nan_total.wat --env cartpole   (expected: exit 1)
(module
  (memory (export "memory") 2)
  (data (i32.const 16) "cartpole-v0")
  (func (export "rewardsmith_abi_version") (result i32) (i32.const 1))
  (func (export "rewardsmith_env_id") (result i64) (i64.const 47244640272))
  (func (export "rewardsmith_layout") (result i64) (i64.const 4294967301))
  (func (export "rewardsmith_input") (param $n i32) (result i32) (i32.const 8192))
  (func (export "rewardsmith_run") (param $n i32) (result i32) (f32.store (i32.const 4108) (f32.div (f32.const 0) (f32.const 0))) (i32.const 4096))
  (func (export "rewardsmith_term_count") (result i32) (i32.const 0))
  (func (export "rewardsmith_term_name") (param i32) (result i64) (i64.const 0))
  (func (export "rewardsmith_panic_message") (result i64) (i64.const 0))
)

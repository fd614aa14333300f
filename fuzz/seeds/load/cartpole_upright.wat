;; A cartpole reward written by hand in WebAssembly text: proof that any language that
;; emits a core wasm module can target the rewardsmith ABI (docs/abi.md), not only Rust.
;;
;;   upright = 1 - |next.pole_angle| / 0.2095
;;   centred = -0.1 * next.cart_pos^2
;;   total   = upright + centred
;;
;; Memory map: 16: env id, 32/48: term names, 1024: input (n × 11 f32), then output
;; (n totals, then n × 2 terms).
(module
  (memory (export "memory") 1)
  (data (i32.const 16) "cartpole-v0")
  (data (i32.const 32) "upright")
  (data (i32.const 48) "centred")
  (global $terms (mut i32) (i32.const 0))

  (func (export "rewardsmith_abi_version") (result i32) (i32.const 1))
  ;; strings are (len << 32) | ptr
  (func (export "rewardsmith_env_id") (result i64) (i64.const 0x0000000b_00000010))
  ;; (action_len << 32) | state_len: cartpole has 5 state floats and 1 action float
  (func (export "rewardsmith_layout") (result i64) (i64.const 0x00000001_00000005))

  ;; Makes room for n transitions (44 bytes each) plus outputs (12 bytes each).
  (func (export "rewardsmith_input") (param $n i32) (result i32)
    (local $need i32)
    (local.set $need (i32.add (i32.const 1024) (i32.mul (local.get $n) (i32.const 56))))
    (if (i32.gt_u (local.get $need) (i32.mul (memory.size) (i32.const 65536)))
      (then
        (if (i32.eq
              (memory.grow (i32.sub (i32.div_u (i32.add (local.get $need) (i32.const 65535)) (i32.const 65536)) (memory.size)))
              (i32.const -1))
          (then (return (i32.const 0))))))
    (i32.const 1024))

  (func (export "rewardsmith_run") (param $n i32) (result i32)
    (local $i i32) (local $in i32) (local $out i32) (local $terms_out i32)
    (local $upright f32) (local $centred f32) (local $pos f32)
    (local.set $out (i32.add (i32.const 1024) (i32.mul (local.get $n) (i32.const 44))))
    (local.set $terms_out (i32.add (local.get $out) (i32.mul (local.get $n) (i32.const 4))))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        ;; next state starts after state (5 floats) and action (1 float): byte 24
        (local.set $in (i32.add (i32.const 1024) (i32.mul (local.get $i) (i32.const 44))))
        (local.set $upright
          (f32.sub (f32.const 1)
            (f32.div (f32.abs (f32.load offset=32 (local.get $in))) (f32.const 0.2095))))
        (local.set $pos (f32.load offset=24 (local.get $in)))
        (local.set $centred (f32.mul (f32.const -0.1) (f32.mul (local.get $pos) (local.get $pos))))
        (f32.store (i32.add (local.get $out) (i32.mul (local.get $i) (i32.const 4)))
          (f32.add (local.get $upright) (local.get $centred)))
        (f32.store (i32.add (local.get $terms_out) (i32.mul (local.get $i) (i32.const 8)))
          (local.get $upright))
        (f32.store offset=4 (i32.add (local.get $terms_out) (i32.mul (local.get $i) (i32.const 8)))
          (local.get $centred))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $each)))
    (global.set $terms (i32.const 2))
    (local.get $out))

  (func (export "rewardsmith_term_count") (result i32) (global.get $terms))
  (func (export "rewardsmith_term_name") (param $i i32) (result i64)
    (if (result i64) (i32.eqz (local.get $i))
      (then (i64.const 0x00000007_00000020))
      (else (i64.const 0x00000007_00000030))))
  (func (export "rewardsmith_panic_message") (result i64) (i64.const 0))
)

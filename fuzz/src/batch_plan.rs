//! A reward module described by fuzz input: a WAT template whose returned pointers and
//! lengths, term count, term table, strings, memory size, growth, stores, traps and data
//! segments all come from the input. Most choices lean towards a valid module, so that the
//! fuzzer spends its time past instantiation, in batch calls.
//!
//! Memory map of the template: 16.. the string pool (env ids, then the input's strings),
//! `COUNT` the term count the `Memory` mode reads, `TABLE` the term table (packed strings,
//! 8 bytes each), `OUTPUT` and `INPUT` the default buffers; anything else only where the
//! input's data segments and stores put it.

use std::fmt::Write;

use arbitrary::Arbitrary;

const STRINGS: u32 = 16;
const COUNT: u32 = 2040;
const TABLE: u32 = 2048;
/// Longest string pool, bytes: it ends before `COUNT`.
const POOL_MAX: usize = (COUNT - STRINGS) as usize;
/// Env ids at the start of the pool: the right one first, then others the host knows.
const ENV_IDS: &[&str] = &["cartpole-v0", "pendulum-v0", "cartpole-v1"];
/// Where outputs and inputs go by default: room for 69 rows of 1 + 8 terms, and for 69
/// cartpole transitions of 44 bytes, in the first page.
const OUTPUT: u32 = 4096;
const INPUT: u32 = 8192;

/// An address: most inputs pick one that lies in or next to memory.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum Addr {
    /// 4-byte aligned, in the first page.
    Low(u16),
    /// Up to 4 KiB below the end of the initial memory (may straddle it, may be unaligned).
    End(u16),
    /// Any 32-bit value.
    Wild(u32),
}

impl Addr {
    fn at(self, memory: u32) -> u32 {
        match self {
            Addr::Low(x) => u32::from(x) & !3,
            Addr::End(x) => memory.wrapping_sub(u32::from(x) % 4096),
            Addr::Wild(x) => x,
        }
    }
}

/// A packed string reference `(len << 32) | ptr` as a guest returns it.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum Str {
    /// A pool string with its true length.
    Pool(u8),
    /// A pool string with another length.
    PoolLen(u8, u32),
    /// Any address and length.
    At(Addr, u16),
    /// Any 64-bit value.
    Wild(u64),
}

/// Which export a trap or a growth happens in.
#[derive(Arbitrary, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Func {
    Start,
    AbiVersion,
    EnvId,
    Layout,
    Input,
    Run,
    TermCount,
    TermName,
    PanicMessage,
}

/// How a function fails.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum TrapKind {
    Unreachable,
    Spin,
    DivZero,
    Recurse,
    LoadOutOfBounds,
    /// Grows memory until refused, then traps (what a Rust allocator does).
    GrowBomb,
}

#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum TermCount {
    /// `small(c)`: mostly 0..=11 around the limit of 8.
    Const(u8),
    /// `i32.load` at `COUNT` (the data segments and stores set it).
    Memory,
    /// `k ×` the number of exported calls so far: changes from batch to batch.
    PerCall(i8),
}

#[derive(Arbitrary, Clone, Copy, Debug)]
pub enum TermName {
    /// `i64.load` at `base + 8·i`: a term table in memory.
    Table(Option<Addr>),
    Const(Str),
}

#[derive(Arbitrary, Clone, Copy, Debug)]
pub struct Trap {
    pub func: Func,
    /// Traps from the `on_call % 16`-th exported call on (counting every export and the
    /// start function; a batch makes at least 4), so that a batch can succeed before a
    /// later one fails.
    pub on_call: u8,
    pub kind: TrapKind,
}

/// One batch call.
#[derive(Arbitrary, Clone, Copy, Debug)]
pub struct Batch {
    /// Transitions: 255 is none, else `1 + n % 69` (more than the limit of 64 included).
    pub n: u8,
    /// Bits of the float every input slot is filled with.
    pub fill: u32,
    /// Which call: `run_batch`, `run_batch_unchecked`, `run_batch_with`.
    pub how: u8,
}

#[derive(Arbitrary, Debug)]
pub struct Plan {
    // Scalars first: arbitrary's collections take whatever input is left, and fields after
    // them would mostly get zeros.
    pub batch: Batch,
    /// Initial pages: 0 for 0, else 1..=17 (the fuzz limit is 16 pages); an optional maximum.
    pub pages: u8,
    pub max_pages: Option<u8>,
    /// A funcref table: initial size (× 4, around the limit of 1,000) and elements grown
    /// per `rewardsmith_run` call.
    pub table: Option<(u8, u16)>,
    /// ABI version: 1 unless the selector is ≥ 248.
    pub abi: (u8, i32),
    /// Env id: `cartpole-v0` unless the selector is ≥ 224.
    pub env: (u8, Str),
    /// Layout: cartpole's `(1 << 32) | 5` unless the selector is ≥ 240.
    pub layout: (u8, u64),
    /// `rewardsmith_input` returns `base + n × scale`: 8192 unless the selector is ≥ 192,
    /// a fuzzed base from 192, and a fuzzed scale from 224.
    pub input: (u8, Addr, i32),
    /// `rewardsmith_run` likewise, 4096 by default.
    pub output: (u8, Addr, i32),
    pub term_count: TermCount,
    pub term_name: TermName,
    pub panic_message: Str,
    /// The value at `COUNT`: `small(count)`.
    pub count: u8,
    /// Pages grown by one export on each call.
    pub grow: Option<(Func, u8)>,
    pub trap: Option<Trap>,
    /// Strings after the env ids in the pool (term names, messages).
    pub strings: Vec<Vec<u8>>,
    /// The term table's packed entries.
    pub terms: Vec<Str>,
    /// More active data segments: inside the initial memory when the flag is set, else
    /// anywhere (an out-of-bounds segment fails instantiation).
    pub data: Vec<(bool, Addr, Vec<u8>)>,
    /// `i32.store`s `rewardsmith_run` makes on every call.
    pub stores: Vec<(Addr, u32)>,
    pub more_batches: Vec<Batch>,
}

/// Mostly 0..=11 (around the term limit of 8), sometimes a value far outside.
fn small(x: u8) -> i32 {
    if x >= 240 { [-1, i32::MAX, i32::MIN, 1 << 20][usize::from(x % 4)] } else { i32::from(x % 12) }
}

impl Batch {
    /// Transitions in this batch.
    pub fn transitions(&self) -> usize {
        if self.n == 255 { 0 } else { 1 + usize::from(self.n % 69) }
    }
}

impl Plan {
    /// Initial memory size, bytes.
    fn memory(&self) -> u32 {
        self.page_count() * 65536
    }

    fn page_count(&self) -> u32 {
        match self.pages {
            0 => 0,
            p => 1 + u32::from(p - 1) % 17,
        }
    }

    /// The string pool: env ids, then the input's strings, as `(offset, bytes)`.
    fn pool(&self) -> Vec<(u32, Vec<u8>)> {
        let mut pool = Vec::new();
        let mut at = STRINGS;
        let strings = ENV_IDS.iter().map(|s| s.as_bytes().to_vec()).chain(self.strings.iter().cloned());
        for s in strings {
            if (at - STRINGS) as usize + s.len() > POOL_MAX {
                break;
            }
            let len = s.len() as u32;
            pool.push((at, s));
            at += len;
        }
        pool
    }

    fn packed(&self, s: Str, pool: &[(u32, Vec<u8>)]) -> i64 {
        let entry = |i: u8| &pool[usize::from(i) % pool.len()];
        let pack = |ptr: u32, len: u32| ((u64::from(len) << 32) | u64::from(ptr)) as i64;
        match s {
            Str::Pool(i) => {
                let (at, bytes) = entry(i);
                pack(*at, bytes.len() as u32)
            }
            Str::PoolLen(i, len) => pack(entry(i).0, len),
            Str::At(addr, len) => pack(addr.at(self.memory()), u32::from(len)),
            Str::Wild(x) => x as i64,
        }
    }

    /// The batches to run: one to four.
    pub fn batches(&self) -> impl Iterator<Item = Batch> + '_ {
        std::iter::once(self.batch).chain(self.more_batches.iter().copied().take(3))
    }

    /// The module in WebAssembly text.
    pub fn wat(&self) -> String {
        let memory = self.memory();
        let pool = self.pool();
        let mut m = String::from("(module\n");
        let max = self.max_pages.map(|p| format!(" {p}")).unwrap_or_default();
        writeln!(m, "  (memory (export \"memory\") {}{max})", self.page_count()).unwrap();
        if let Some((initial, _)) = self.table {
            writeln!(m, "  (table $t {} funcref)", u32::from(initial) * 4).unwrap();
        }
        m.push_str("  (global $calls (mut i32) (i32.const 0))\n");
        for (at, bytes) in &pool {
            writeln!(m, "  (data (i32.const {at}) \"{}\")", escape(bytes)).unwrap();
        }
        writeln!(m, "  (data (i32.const {COUNT}) \"{}\")", escape(&small(self.count).to_le_bytes())).unwrap();
        let table: Vec<u8> = self.terms.iter().take(16).flat_map(|s| self.packed(*s, &pool).to_le_bytes()).collect();
        writeln!(m, "  (data (i32.const {TABLE}) \"{}\")", escape(&table)).unwrap();
        for (inside, addr, bytes) in self.data.iter().take(8) {
            let bytes = &bytes[..bytes.len().min(512)];
            let room = memory.saturating_sub(bytes.len() as u32) + 1;
            let at = if *inside { addr.at(memory) % room } else { addr.at(memory) };
            writeln!(m, "  (data (i32.const {}) \"{}\")", at as i32, escape(bytes)).unwrap();
        }

        let abi = if self.abi.0 < 248 { 1 } else { self.abi.1 };
        let env = if self.env.0 < 224 { self.packed(Str::Pool(0), &pool) } else { self.packed(self.env.1, &pool) };
        let layout = if self.layout.0 < 240 { (1i64 << 32) | 5 } else { self.layout.1 as i64 };
        let scaled = |(sel, base, scale): (u8, Addr, i32), usual: u32| {
            let base = if sel < 192 { usual } else { base.at(memory) };
            let scale = if sel < 224 { 0 } else { scale };
            format!("(i32.add (i32.const {}) (i32.mul (local.get 0) (i32.const {scale})))", base as i32)
        };
        let stores: String = self
            .stores
            .iter()
            .take(8)
            .map(|(addr, v)| format!("(i32.store (i32.const {}) (i32.const {}))", addr.at(memory) as i32, *v as i32))
            .collect();
        let table_grow = match self.table {
            Some((_, grow)) => format!("(drop (table.grow $t (ref.null func) (i32.const {grow})))"),
            None => String::new(),
        };
        let term_count = match self.term_count {
            TermCount::Const(c) => format!("(i32.const {})", small(c)),
            TermCount::Memory => format!("(i32.load (i32.const {COUNT}))"),
            TermCount::PerCall(k) => format!("(i32.mul (global.get $calls) (i32.const {k}))"),
        };
        let term_name = match self.term_name {
            TermName::Table(base) => {
                let base = base.map_or(TABLE, |a| a.at(memory)) as i32;
                format!("(i64.load (i32.add (i32.const {base}) (i32.shl (local.get 0) (i32.const 3))))")
            }
            TermName::Const(s) => format!("(i64.const {})", self.packed(s, &pool)),
        };
        let panic = format!("(i64.const {})", self.packed(self.panic_message, &pool));

        let funcs = [
            (Func::AbiVersion, "rewardsmith_abi_version", "(result i32)", format!("(i32.const {abi})")),
            (Func::EnvId, "rewardsmith_env_id", "(result i64)", format!("(i64.const {env})")),
            (Func::Layout, "rewardsmith_layout", "(result i64)", format!("(i64.const {layout})")),
            (Func::Input, "rewardsmith_input", "(param i32) (result i32)", scaled(self.input, INPUT)),
            (
                Func::Run,
                "rewardsmith_run",
                "(param i32) (result i32)",
                format!("{stores}{table_grow}{}", scaled(self.output, OUTPUT)),
            ),
            (Func::TermCount, "rewardsmith_term_count", "(result i32)", term_count),
            (Func::TermName, "rewardsmith_term_name", "(param i32) (result i64)", term_name),
            (Func::PanicMessage, "rewardsmith_panic_message", "(result i64)", panic),
        ];
        for (func, name, sig, body) in funcs {
            let prologue = self.prologue(func);
            writeln!(m, "  (func (export \"{name}\") {sig}\n    {prologue}\n    {body})").unwrap();
        }
        writeln!(m, "  (func $start {})\n  (start $start)", self.prologue(Func::Start)).unwrap();
        m.push_str(
            "  (func $recurse (param i32) (result i32) (i32.add (call $recurse (local.get 0)) (i32.const 1)))\n",
        );
        m.push_str(")\n");
        m
    }

    /// What `func` does before its result: count the call, grow, maybe trap.
    fn prologue(&self, func: Func) -> String {
        let mut p = String::from("(global.set $calls (i32.add (global.get $calls) (i32.const 1)))");
        if let Some((f, pages)) = self.grow
            && f == func
        {
            write!(p, " (drop (memory.grow (i32.const {pages})))").unwrap();
        }
        if let Some(trap) = self.trap
            && trap.func == func
        {
            let fail = match trap.kind {
                TrapKind::Unreachable => "unreachable",
                TrapKind::Spin => "(loop $l (br $l))",
                TrapKind::DivZero => "(drop (i32.div_s (i32.const 1) (global.get $calls)))",
                TrapKind::Recurse => "(drop (call $recurse (i32.const 0)))",
                TrapKind::LoadOutOfBounds => "(drop (i32.load (i32.const -4)))",
                TrapKind::GrowBomb => {
                    "(block $full (loop $l (br_if $full (i32.eq (memory.grow (i32.const 1)) (i32.const -1))) (br $l))) unreachable"
                }
            };
            // DivZero divides by `$calls - on_call`, which is zero on that call.
            let on_call = trap.on_call % 16;
            let fail =
                fail.replace("(global.get $calls)", &format!("(i32.sub (global.get $calls) (i32.const {on_call}))"));
            write!(p, " (if (i32.ge_u (global.get $calls) (i32.const {on_call})) (then {fail}))").unwrap();
        }
        p
    }
}

/// Bytes as a WAT string body: every byte as a `\hh` escape.
fn escape(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("\\{b:02x}")).collect()
}

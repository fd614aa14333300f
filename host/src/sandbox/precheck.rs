//! What a module declares, checked in one streaming pass before Cranelift sees it: no
//! imports, memories and tables within the limits, and a shape within [`CompileLimits`].
//!
//! Cranelift's time and memory grow faster than a function's size: with its locals ×
//! blocks (a 504 KB module of 50,000 locals and 100,000 blocks took 4–6 GB), with the
//! square of its blocks (2,500 `if`s with a result: 2.5 s; blocks with parameters: memory
//! quadratic in their number) and with the square of the locals used in nested loops. So
//! the pass counts per function and stops at the first limit crossed. It never recurses;
//! its only state is a control stack no deeper than the nesting limit.

use wasmparser::{BlockType, CompositeInnerType, Encoding, FunctionBody, Operator, Parser, Payload};

use super::error::{Phase, RewardError, Shape};
use super::limits::{CompileLimits, Limits};

/// Checks `bytes` against `limits`; parse errors are reported as malformed.
pub(crate) fn check(bytes: &[u8], limits: &Limits) -> Result<(), RewardError> {
    let shape = &limits.compile;
    let mut types: Vec<TypeArity> = Vec::new();
    // Parameters of each defined function, in index order.
    let mut func_params: Vec<u32> = Vec::new();
    let mut next_function = 0u32;
    let mut module_cost = 0u64;
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(malformed)? {
            Payload::Version { encoding: Encoding::Component, .. } => {
                return Err(RewardError::Malformed {
                    reason: "this is a wasm component; reward modules are core modules".into(),
                });
            }
            Payload::ImportSection(section) => {
                if let Some(import) = section.into_imports().next() {
                    let import = import.map_err(malformed)?;
                    return Err(RewardError::ForbiddenImport {
                        module: import.module.into(),
                        name: import.name.into(),
                    });
                }
            }
            Payload::TypeSection(section) => {
                for group in section {
                    for sub in group.map_err(malformed)?.into_types() {
                        let arity = match &sub.composite_type.inner {
                            CompositeInnerType::Func(f) => {
                                TypeArity { params: f.params().len() as u32, results: f.results().len() as u32 }
                            }
                            _ => TypeArity::default(),
                        };
                        let type_index = types.len() as u32;
                        over(
                            Shape::TypeArity { type_index },
                            u64::from(arity.params + arity.results),
                            shape.type_arity,
                        )?;
                        types.push(arity);
                    }
                }
            }
            Payload::FunctionSection(section) => {
                over(Shape::Functions, u64::from(section.count()), shape.functions)?;
                for ty in section {
                    let ty = ty.map_err(malformed)?;
                    func_params.push(types.get(ty as usize).map_or(0, |t| t.params));
                }
            }
            Payload::MemorySection(section) => {
                for memory in section {
                    let memory = memory.map_err(malformed)?;
                    let requested = memory.initial.saturating_mul(1 << memory.page_size_log2.unwrap_or(16));
                    if requested > limits.memory_bytes {
                        return Err(RewardError::MemoryLimit {
                            requested,
                            limit: limits.memory_bytes,
                            phase: Phase::Load,
                        });
                    }
                }
            }
            Payload::TableSection(section) => {
                for table in section {
                    let table = table.map_err(malformed)?;
                    if table.ty.initial > limits.table_elements {
                        return Err(RewardError::TableLimit {
                            requested: table.ty.initial,
                            limit: limits.table_elements,
                            phase: Phase::Load,
                        });
                    }
                }
            }
            Payload::CodeSectionStart { count, size, .. } => {
                over(Shape::Functions, u64::from(count), shape.functions)?;
                over(Shape::CodeBytes, u64::from(size), shape.code_bytes as u64)?;
            }
            Payload::CodeSectionEntry(body) => {
                let params = func_params.get(next_function as usize).copied().unwrap_or(0);
                let cost = check_function(next_function, params, &body, &types, shape)?;
                module_cost = module_cost.saturating_add(cost);
                over(Shape::ModuleCost, module_cost, shape.module_cost)?;
                next_function += 1;
            }
            _ => {}
        }
    }
    Ok(())
}

#[derive(Clone, Copy, Debug, Default)]
struct TypeArity {
    params: u32,
    results: u32,
}

/// An open `block`, `loop`, `if` or the function body itself.
struct Frame {
    is_loop: bool,
    /// Local accesses before the frame opened (for a loop: how many are inside it).
    uses_at_start: u64,
    /// The last `br_table` that counted this frame (a table's targets count once each).
    table: u64,
}

/// One function body: size, locals, nesting and compile cost, in one pass over its
/// operators. Returns the cost.
///
/// The cost (docs/abi.md has the measurements, wasmtime 48): with P control points
/// (blocks, loops and ifs, each weighted by 1 + its type's values; elses; distinct branch
/// targets) and L locals, `P × (P + L) + 16 L` plus, per loop, the square of the locals
/// used in it (capped at L). One unit is at most about 25 ns of Cranelift time.
fn check_function(
    index: u32,
    params: u32,
    body: &FunctionBody<'_>,
    types: &[TypeArity],
    limits: &CompileLimits,
) -> Result<u64, RewardError> {
    over(Shape::FunctionBytes { function: index }, body.range().len() as u64, limits.function_bytes as u64)?;
    let mut locals = u64::from(params);
    for entry in body.get_locals_reader().map_err(malformed)? {
        let (count, _) = entry.map_err(malformed)?;
        locals += u64::from(count);
        over(Shape::Locals { function: index }, locals, limits.locals)?;
    }
    let mut points = 0u64;
    let mut loops = 0u64;
    let mut uses = 0u64;
    let mut tables = 0u64;
    let mut frames = vec![Frame { is_loop: false, uses_at_start: 0, table: 0 }];
    let mut ops = body.get_operators_reader().map_err(malformed)?;
    while !ops.eof() {
        let mut opened = None;
        match ops.read().map_err(malformed)? {
            Operator::Block { blockty } | Operator::If { blockty } => opened = Some((false, blockty)),
            Operator::Loop { blockty } => opened = Some((true, blockty)),
            Operator::TryTable { try_table } => opened = Some((false, try_table.ty)),
            Operator::Else | Operator::Br { .. } | Operator::BrIf { .. } | Operator::Return => points += 1,
            Operator::BrTable { targets } => {
                tables += 1;
                for depth in targets.targets().chain(std::iter::once(Ok(targets.default()))) {
                    let depth = depth.map_err(malformed)? as usize;
                    let Some(at) = frames.len().checked_sub(1 + depth) else {
                        return Err(RewardError::Malformed {
                            reason: format!("branch to depth {depth} outside any block"),
                        });
                    };
                    if frames[at].table != tables {
                        frames[at].table = tables;
                        points += 1;
                    }
                }
            }
            Operator::LocalGet { .. } | Operator::LocalSet { .. } | Operator::LocalTee { .. } => uses += 1,
            Operator::End => {
                if let Some(frame) = frames.pop().filter(|f| f.is_loop) {
                    let live = (uses - frame.uses_at_start).min(locals);
                    loops = loops.saturating_add(live * live);
                }
            }
            _ => {}
        }
        if let Some((is_loop, ty)) = opened {
            // The function body is frame 0, so the new frame's depth is the stack's length.
            over(Shape::Nesting { function: index }, frames.len() as u64, limits.nesting)?;
            frames.push(Frame { is_loop, uses_at_start: uses, table: 0 });
            points += 1 + block_values(ty, types);
        }
        over(Shape::FunctionCost { function: index }, cost(points, locals, loops), limits.function_cost)?;
    }
    Ok(cost(points, locals, loops))
}

/// See [`check_function`]; a local costs about as much as 16 control points (declaring and
/// zeroing it).
fn cost(points: u64, locals: u64, loops: u64) -> u64 {
    points.saturating_mul(points.saturating_add(locals)).saturating_add(loops).saturating_add(16 * locals)
}

/// Parameters plus results of a block type.
fn block_values(ty: BlockType, types: &[TypeArity]) -> u64 {
    match ty {
        BlockType::Empty => 0,
        BlockType::Type(_) => 1,
        BlockType::FuncType(i) => types.get(i as usize).map_or(0, |t| u64::from(t.params + t.results)),
    }
}

/// `Err(TooComplex)` when `found` is over `limit`.
fn over(what: Shape, found: u64, limit: impl Into<u64>) -> Result<(), RewardError> {
    let limit = limit.into();
    if found > limit { Err(RewardError::TooComplex { what, found, limit }) } else { Ok(()) }
}

fn malformed(e: wasmparser::BinaryReaderError) -> RewardError {
    RewardError::Malformed { reason: e.to_string() }
}

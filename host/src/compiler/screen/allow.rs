//! The allow-list: what a reward program may contain, checked on the parsed source.
//!
//! A reward is one file of ordinary Rust: functions, consts, structs, enums, traits, impls,
//! inline modules and `use`s, plus `export_reward!`. Everything that reaches past that file
//! at compile time is a macro or an attribute (`include_str!`, `env!`, `#[path]`, `#[link]`,
//! `#[debugger_visualizer]`), so macros and attributes are allowed by name from short lists
//! and everything else is refused — wherever it stands, also inside the arguments of an
//! allowed macro (parsed and walked like any other code). `macro_rules!` is refused: a
//! macro fragment (`$a:meta`, `$($t:tt)*`) can assemble any attribute, which is how the
//! lexical screen this replaced was defeated.

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};
use syn::{Attribute, Expr, Meta, Token};

use super::Refusal;

/// Macros a reward may invoke, by name, and how their arguments parse.
const MACROS: &[(&str, Args)] = &[
    ("export_reward", Args::Path),
    ("format", Args::List),
    ("format_args", Args::List),
    ("write", Args::List),
    ("writeln", Args::List),
    ("print", Args::List),
    ("println", Args::List),
    ("eprint", Args::List),
    ("eprintln", Args::List),
    ("panic", Args::List),
    ("assert", Args::List),
    ("assert_eq", Args::List),
    ("assert_ne", Args::List),
    ("debug_assert", Args::List),
    ("debug_assert_eq", Args::List),
    ("debug_assert_ne", Args::List),
    ("unreachable", Args::List),
    ("todo", Args::List),
    ("unimplemented", Args::List),
    ("vec", Args::Vec),
    ("matches", Args::Matches),
];

/// How an allowed macro's arguments are read (so they can be walked like other code).
#[derive(Clone, Copy, Debug)]
enum Args {
    /// One path: `export_reward!(reward)`.
    Path,
    /// Comma-separated expressions, each maybe `name = expr`: the formatting and assertion
    /// macros.
    List,
    /// `vec![a, b]` or `vec![x; n]`.
    Vec,
    /// `matches!(expr, pattern)` with an optional `if` guard.
    Matches,
}

/// Crates an allowed macro may be named through (`std::format!`, `rewardsmith_guest::export_reward!`).
const MACRO_CRATES: &[&str] = &["std", "core", "alloc", "rewardsmith_guest"];

/// Attributes a reward may carry. `no_std` only as an inner attribute (`#![no_std]`).
const ATTRIBUTES: &[&str] = &[
    "inline",
    "cold",
    "must_use",
    "track_caller",
    "allow",
    "warn",
    "deny",
    "forbid",
    "expect",
    "derive",
    "doc",
    "cfg",
    "repr",
    "test",
    "no_std",
];

/// Traits `#[derive]` may name.
const DERIVES: &[&str] = &["Clone", "Copy", "Debug", "Default", "PartialEq", "Eq", "PartialOrd", "Ord", "Hash"];

/// `#[repr(...)]` arguments (`align(N)` is checked apart).
const REPRS: &[&str] =
    &["C", "transparent", "u8", "u16", "u32", "u64", "usize", "i8", "i16", "i32", "i64", "isize", "packed"];

/// Crates `extern crate` may name: the SDK and the sysroot's (`#![no_std]` code links
/// `alloc` explicitly). Nothing else is on rustc's search path anyway.
const EXTERN_CRATES: &[&str] = &["rewardsmith_guest", "alloc", "core", "std"];

/// Walks a parsed file; stops at the first refusal.
pub fn check(file: &syn::File) -> Result<(), Refusal> {
    let mut v = Allow { refusal: None };
    for attr in &file.attrs {
        v.inner_attribute(attr);
    }
    for item in &file.items {
        v.visit_item(item);
        if v.refusal.is_some() {
            break;
        }
    }
    v.refusal.map_or(Ok(()), Err)
}

struct Allow {
    refusal: Option<Refusal>,
}

impl Allow {
    fn refuse(&mut self, span: Span, what: impl Into<String>, why: impl Into<String>) {
        if self.refusal.is_none() {
            let start = span.start();
            self.refusal =
                Some(Refusal { line: start.line, column: start.column + 1, what: what.into(), why: why.into() });
        }
    }

    fn done(&self) -> bool {
        self.refusal.is_some()
    }

    /// `#![...]` at the top of the file: the outer list plus `no_std`.
    fn inner_attribute(&mut self, attr: &Attribute) {
        if attr.path().is_ident("no_std") && matches!(attr.meta, Meta::Path(_)) {
            return;
        }
        self.attribute(attr);
    }

    fn attribute(&mut self, attr: &Attribute) {
        let path = attr.path();
        let name = path.get_ident().map(|i| i.to_string());
        let allowed = match name.as_deref() {
            Some("inline") => matches!(&attr.meta, Meta::Path(_)) || list_of_idents(&attr.meta, &["always", "never"]),
            Some("cold" | "track_caller" | "test") => matches!(attr.meta, Meta::Path(_)),
            Some("must_use") => matches!(attr.meta, Meta::Path(_)) || is_string_value(&attr.meta),
            Some("allow" | "warn" | "deny" | "forbid" | "expect") => lint_list(&attr.meta),
            Some("derive") => return self.derive(attr),
            Some("doc") => is_string_value(&attr.meta) || list_of_idents(&attr.meta, &["hidden"]),
            // `cfg` only removes code; its predicate cannot carry an attribute.
            Some("cfg") => matches!(attr.meta, Meta::List(_)),
            Some("repr") => repr_list(&attr.meta),
            Some("cfg_attr") => {
                return self.refuse(
                    path.span(),
                    "attribute `cfg_attr`",
                    "it can apply any attribute; write the attribute itself (one of the allowed ones)",
                );
            }
            Some("no_std") => {
                return self.refuse(
                    path.span(),
                    "`#[no_std]` here",
                    "write it once, as `#![no_std]` on the first line",
                );
            }
            _ => {
                let shown = path.segments.iter().map(|s| s.ident.to_string()).collect::<Vec<_>>().join("::");
                return self.refuse(
                    attr.span(),
                    format!("attribute `{shown}`"),
                    format!("a reward may use only these attributes: {}", ATTRIBUTES.join(", ")),
                );
            }
        };
        if !allowed {
            let shown = name.unwrap_or_default();
            self.refuse(attr.span(), format!("this form of `#[{shown}]`"), attribute_hint(&shown));
        }
    }

    fn derive(&mut self, attr: &Attribute) {
        let parsed = attr.parse_args_with(Punctuated::<syn::Path, Token![,]>::parse_terminated);
        let Ok(paths) = parsed else {
            return self.refuse(attr.span(), "this form of `#[derive]`", "write `#[derive(Clone, Copy, Debug)]`");
        };
        for p in &paths {
            let last = p.segments.last().map(|s| s.ident.unraw().to_string()).unwrap_or_default();
            let through_std = p.segments.len() == 1 || ["std", "core"].iter().any(|c| p.segments[0].ident == c);
            if !DERIVES.contains(&last.as_str()) || !through_std {
                return self.refuse(
                    p.span(),
                    format!("`#[derive({last})]`"),
                    format!("a reward may derive only {}", DERIVES.join(", ")),
                );
            }
        }
    }

    /// An invocation of `name!(...)`: allowed by name, then its arguments are walked.
    fn macro_call(&mut self, mac: &syn::Macro) {
        let name = mac.path.segments.last().map(|s| s.ident.unraw().to_string()).unwrap_or_default();
        let through_crate = mac.path.segments.len() == 1
            || (mac.path.segments.len() == 2 && MACRO_CRATES.iter().any(|c| mac.path.segments[0].ident == c));
        let known = MACROS.iter().find(|(n, _)| *n == name).map(|(_, a)| *a);
        let Some(args) = known.filter(|_| through_crate) else {
            let why = if name == "macro_rules" {
                "rewards do not need their own macros; write a function (`fn name(x: f32) -> f32 { ... }`)".to_owned()
            } else {
                let names: Vec<String> = MACROS.iter().map(|(n, _)| format!("{n}!")).collect();
                format!("a reward may use only these macros: {}", names.join(", "))
            };
            return self.refuse(mac.path.span(), format!("macro `{name}!`"), why);
        };
        let parsed = match args {
            Args::Path => mac.parse_body::<syn::Path>().map(|p| self.visit_path(&p)),
            Args::List => mac.parse_body_with(parse_list).map(|exprs| exprs.iter().for_each(|e| self.visit_expr(e))),
            Args::Vec => mac.parse_body_with(parse_vec).map(|exprs| exprs.iter().for_each(|e| self.visit_expr(e))),
            Args::Matches => mac.parse_body_with(parse_matches).map(|(e, p, g)| {
                self.visit_expr(&e);
                self.visit_pat(&p);
                if let Some(g) = g {
                    self.visit_expr(&g);
                }
            }),
        };
        if let Err(e) = parsed {
            let start = e.span().start();
            let at = if start.line == 0 { mac.path.span() } else { e.span() };
            self.refuse(
                at,
                format!("the arguments of `{name}!`"),
                format!("they do not read as Rust expressions ({e}); write `{name}!` as in the standard library"),
            );
        }
    }

    fn no_unsafe(&mut self, unsafety: Option<&Token![unsafe]>) {
        if let Some(u) = unsafety {
            self.refuse(u.span, "`unsafe`", "reward programs are safe Rust; the SDK does the unsafe parts");
        }
    }

    fn use_tree(&mut self, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(p) => self.use_tree(&p.tree),
            syn::UseTree::Group(g) => g.items.iter().for_each(|t| self.use_tree(t)),
            syn::UseTree::Rename(r) => {
                let to = r.rename.unraw().to_string();
                let reserved = MACROS.iter().any(|(n, _)| *n == to) || ATTRIBUTES.contains(&to.as_str());
                if reserved || DERIVES.contains(&to.as_str()) {
                    self.refuse(
                        r.rename.span(),
                        format!("`use … as {to}`"),
                        "that name belongs to an allowed macro, attribute or derive; import under another name",
                    );
                }
            }
            syn::UseTree::Name(_) | syn::UseTree::Glob(_) => {}
        }
    }
}

impl<'ast> Visit<'ast> for Allow {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        if self.done() {
            return;
        }
        match item {
            syn::Item::Mod(m) if m.content.is_none() => self.refuse(
                m.ident.span(),
                format!("`mod {};`", m.ident),
                "out-of-line modules load other files; write `mod name { ... }` inline",
            ),
            syn::Item::ExternCrate(c) if !EXTERN_CRATES.contains(&c.ident.to_string().as_str()) => self.refuse(
                c.ident.span(),
                format!("`extern crate {}`", c.ident),
                "a reward may name only rewardsmith_guest, alloc, core and std (`use rewardsmith_guest::prelude::*;`)",
            ),
            syn::Item::ForeignMod(f) => self.refuse(
                f.abi.extern_token.span,
                "an `extern` block",
                "reward programs cannot link foreign functions",
            ),
            syn::Item::Union(u) => {
                self.refuse(u.union_token.span, "`union`", "reading a union needs `unsafe`; use a struct or an enum")
            }
            syn::Item::Static(s) if matches!(s.mutability, syn::StaticMutability::Mut(_)) => self.refuse(
                s.static_token.span,
                "`static mut`",
                "mutable statics need `unsafe`; keep state in local variables or `Terms`",
            ),
            syn::Item::Impl(i) => self.no_unsafe(i.unsafety.as_ref()),
            syn::Item::Trait(t) => self.no_unsafe(t.unsafety.as_ref()),
            syn::Item::TraitAlias(t) => {
                self.refuse(t.trait_token.span, "a trait alias", "trait aliases are unstable; write a trait")
            }
            syn::Item::Use(u) => self.use_tree(&u.tree),
            syn::Item::Verbatim(t) => self.refuse(t.span(), "this item", "it is not stable Rust syntax"),
            _ => {}
        }
        if !self.done() {
            visit::visit_item(self, item);
        }
    }

    fn visit_attribute(&mut self, attr: &'ast Attribute) {
        if self.done() {
            return;
        }
        if matches!(attr.style, syn::AttrStyle::Inner(_)) && attr.path().is_ident("no_std") {
            // Inside a module or fn body `#![no_std]` is meaningless; rustc says so.
            return self.inner_attribute(attr);
        }
        self.attribute(attr);
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        if !self.done() {
            self.macro_call(mac);
        }
    }

    fn visit_signature(&mut self, sig: &'ast syn::Signature) {
        self.no_unsafe(sig.unsafety.as_ref());
        if let Some(abi) = &sig.abi {
            self.refuse(
                abi.extern_token.span,
                "an `extern` function",
                "write a plain `fn`; export_reward! emits the exports",
            );
        }
        if !self.done() {
            visit::visit_signature(self, sig);
        }
    }

    fn visit_expr(&mut self, expr: &'ast Expr) {
        if self.done() {
            return;
        }
        match expr {
            Expr::Unsafe(u) => self.no_unsafe(Some(&u.unsafe_token)),
            Expr::Verbatim(t) => self.refuse(t.span(), "this expression", "it is not stable Rust syntax"),
            _ => visit::visit_expr(self, expr),
        }
    }

    fn visit_type(&mut self, ty: &'ast syn::Type) {
        if self.done() {
            return;
        }
        match ty {
            syn::Type::Verbatim(t) => self.refuse(t.span(), "this type", "it is not stable Rust syntax"),
            syn::Type::BareFn(f) if f.unsafety.is_some() || f.abi.is_some() => self.refuse(
                f.fn_token.span,
                "an `unsafe`/`extern` fn pointer type",
                "use a plain `fn(f32) -> f32` type",
            ),
            _ => visit::visit_type(self, ty),
        }
    }

    fn visit_pat(&mut self, pat: &'ast syn::Pat) {
        if self.done() {
            return;
        }
        match pat {
            syn::Pat::Verbatim(t) => self.refuse(t.span(), "this pattern", "it is not stable Rust syntax"),
            _ => visit::visit_pat(self, pat),
        }
    }

    fn visit_impl_item(&mut self, item: &'ast syn::ImplItem) {
        if self.done() {
            return;
        }
        match item {
            syn::ImplItem::Verbatim(t) => self.refuse(t.span(), "this item", "it is not stable Rust syntax"),
            _ => visit::visit_impl_item(self, item),
        }
    }

    fn visit_trait_item(&mut self, item: &'ast syn::TraitItem) {
        if self.done() {
            return;
        }
        match item {
            syn::TraitItem::Verbatim(t) => self.refuse(t.span(), "this item", "it is not stable Rust syntax"),
            _ => visit::visit_trait_item(self, item),
        }
    }
}

/// `a, b, name = c` (trailing comma allowed): the formatting and assertion macros.
fn parse_list(input: ParseStream) -> syn::Result<Vec<Expr>> {
    let mut out = Vec::new();
    while !input.is_empty() {
        if input.peek(syn::Ident) && input.peek2(Token![=]) && !input.peek2(Token![==]) {
            input.parse::<syn::Ident>()?;
            input.parse::<Token![=]>()?;
        }
        out.push(input.parse::<Expr>()?);
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    Ok(out)
}

/// `vec![x; n]` or `vec![a, b, c]`.
fn parse_vec(input: ParseStream) -> syn::Result<Vec<Expr>> {
    if input.is_empty() {
        return Ok(Vec::new());
    }
    let first: Expr = input.parse()?;
    if input.peek(Token![;]) {
        input.parse::<Token![;]>()?;
        let n: Expr = input.parse()?;
        return Ok(vec![first, n]);
    }
    let mut out = vec![first];
    while !input.is_empty() {
        input.parse::<Token![,]>()?;
        if input.is_empty() {
            break;
        }
        out.push(input.parse()?);
    }
    Ok(out)
}

/// `matches!(expr, pattern)` or `matches!(expr, pattern if guard)`.
fn parse_matches(input: ParseStream) -> syn::Result<(Expr, syn::Pat, Option<Expr>)> {
    let e: Expr = input.parse()?;
    input.parse::<Token![,]>()?;
    let p = syn::Pat::parse_multi_with_leading_vert(input)?;
    let guard = if input.peek(Token![if]) {
        input.parse::<Token![if]>()?;
        Some(input.parse::<Expr>()?)
    } else {
        None
    };
    if input.peek(Token![,]) {
        input.parse::<Token![,]>()?;
    }
    Ok((e, p, guard))
}

/// `#[name(a, b)]` with every argument one of `allowed`.
fn list_of_idents(meta: &Meta, allowed: &[&str]) -> bool {
    let Meta::List(list) = meta else { return false };
    let parsed = Punctuated::<syn::Ident, Token![,]>::parse_terminated.parse2(list.tokens.clone());
    parsed.is_ok_and(|ids| !ids.is_empty() && ids.iter().all(|i| allowed.contains(&i.to_string().as_str())))
}

/// `#[name = "text"]`.
fn is_string_value(meta: &Meta) -> bool {
    matches!(meta, Meta::NameValue(nv) if matches!(&nv.value, Expr::Lit(l) if matches!(l.lit, syn::Lit::Str(_))))
}

/// `#[allow(dead_code, clippy::x, reason = "...")]`: lint paths and an optional reason.
fn lint_list(meta: &Meta) -> bool {
    let Meta::List(list) = meta else { return false };
    let parsed = Punctuated::<Meta, Token![,]>::parse_terminated.parse2(list.tokens.clone());
    parsed.is_ok_and(|items| {
        items.iter().all(|m| match m {
            Meta::Path(_) => true,
            Meta::NameValue(nv) => nv.path.is_ident("reason") && is_string_value(m),
            Meta::List(_) => false,
        })
    })
}

/// `#[repr(C)]`, `#[repr(u8)]`, `#[repr(align(16))]`, ...
fn repr_list(meta: &Meta) -> bool {
    let Meta::List(list) = meta else { return false };
    let parsed = Punctuated::<Meta, Token![,]>::parse_terminated.parse2(list.tokens.clone());
    parsed.is_ok_and(|items| {
        items.iter().all(|m| match m {
            Meta::Path(p) => p.get_ident().is_some_and(|i| REPRS.contains(&i.to_string().as_str())),
            Meta::List(l) => l.path.is_ident("align") && syn::parse2::<syn::LitInt>(l.tokens.clone()).is_ok(),
            Meta::NameValue(_) => false,
        })
    })
}

fn attribute_hint(name: &str) -> String {
    match name {
        "inline" => "write `#[inline]`, `#[inline(always)]` or `#[inline(never)]`".into(),
        "doc" => "doc attributes take a string literal: `/// text` or `#[doc = \"text\"]`".into(),
        "allow" | "warn" | "deny" | "forbid" | "expect" => {
            format!("write lint names only, e.g. `#[{name}(dead_code)]`")
        }
        "repr" => format!("`#[repr]` takes {} or align(N)", REPRS.join(", ")),
        _ => format!("write `#[{name}]` without arguments"),
    }
}

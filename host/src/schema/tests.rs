use super::*;

const TOML: &str = r#"
id = "arm_sim-v0"
task = "Reach the target."

[[state]]
name = "tip"
shape = [3]
unit = "m"
doc = "Fingertip position."
range = [-0.5, 0.5]

[[state]]
name = "gripper"
shape = [2, 2]

[[state]]
name = "time"
unit = "s"

[[action]]
name = "torque"
shape = [2]
range = [-1, 1]
"#;

fn schema() -> Schema {
    Schema::parse(TOML).expect("valid schema")
}

/// The schema with `edit` applied, validated: the error's `at` and `why`.
fn refused(edit: impl FnOnce(&mut Schema)) -> (String, String) {
    let mut s = schema();
    edit(&mut s);
    match s.validate() {
        Err(SchemaError::Invalid { at, why }) => (at, why),
        other => panic!("expected Invalid, got {other:?}"),
    }
}

#[test]
fn toml_and_json_give_the_same_schema_and_lengths() {
    let s = schema();
    let json = serde_json::to_string(&s).unwrap();
    assert_eq!(Schema::parse(&json).unwrap(), s);
    assert_eq!((s.state_len(), s.action_len(), s.name()), (3 + 4 + 1, 2, "arm_sim"));
    assert_eq!(s.state[2].range(), DEFAULT_RANGE);
    assert_eq!(s.state[0].range(), (-0.5, 0.5));
}

#[test]
fn parse_errors_name_the_format_and_unknown_keys_are_refused() {
    let e = Schema::parse("id = ").unwrap_err();
    assert!(matches!(e, SchemaError::Parse { format: "TOML", .. }), "{e:?}");
    let e = Schema::parse(r#"{"id": "a-v0", "state": [], "action": [], "reward": "x"}"#).unwrap_err();
    assert!(matches!(&e, SchemaError::Parse { format: "JSON", message } if message.contains("reward")), "{e:?}");
    assert_eq!(e.kind(), "schema");
}

#[test]
fn ids_are_lowercase_names_with_a_version_and_not_built_in() {
    for bad in ["arm", "Arm-v0", "arm-v", "arm-vx", "-v0", "arm sim-v0", "arm-v0\n", "reacher-v1", "cartpole-v9"] {
        let (at, why) = refused(|s| s.id = bad.into());
        assert_eq!(at, "id", "{bad}: {why}");
        assert!(!why.contains('\n'), "the id is echoed escaped: {why}");
    }
    let (_, why) = refused(|s| s.id = "reacher-v1".into());
    assert!(why.contains("built-in"), "{why}");
}

#[test]
fn field_names_are_identifiers_that_are_not_keywords() {
    for bad in ["", "1x", "a b", "x: f32 } mod evil {", "tip\"", "é", "_", "r#type", &"a".repeat(MAX_NAME + 1)] {
        let (at, why) = refused(|s| s.state[1].name = bad.into());
        assert_eq!(at, "state field 2", "{bad:?}: {why}");
        assert!(why.contains("not an identifier"), "{why}");
    }
    let (_, why) = refused(|s| s.action[0].name = "type".into());
    assert!(why.contains("keyword"), "{why}");
    let (at, why) = refused(|s| s.state[2].name = "tip".into());
    assert_eq!((at.as_str(), why.contains("twice")), ("state.tip", true));
}

#[test]
fn shapes_sizes_texts_and_ranges_are_bounded() {
    assert!(refused(|s| s.state[0].shape = vec![3, 0]).1.contains("at least 1"));
    assert!(refused(|s| s.state[0].shape = vec![1, 1, 1, 1, 1]).1.contains("4 dimensions"));
    assert!(refused(|s| s.state[0].shape = vec![MAX_STATE_FLOATS]).1.contains("more than"));
    assert!(refused(|s| s.state[0].shape = vec![usize::MAX, 2]).1.contains("more than"));
    assert!(refused(|s| s.action[0].shape = vec![MAX_ACTION_FLOATS + 1]).1.contains("more than"));
    assert_eq!(refused(|s| s.action.clear()), ("action".into(), "has no fields; give at least one".into()));
    let many: Vec<FieldSpec> = (0..=MAX_FIELDS)
        .map(|i| FieldSpec {
            name: format!("f{i}"),
            shape: vec![],
            unit: String::new(),
            doc: String::new(),
            range: None,
        })
        .collect();
    assert!(refused(|s| s.state = many).1.contains("fields; the limit"));
    assert_eq!(refused(|s| s.state[0].doc = "one\ntwo".into()).0, "state.tip.doc");
    assert_eq!(refused(|s| s.state[0].unit = "m\u{1b}[31m".into()).0, "state.tip.unit");
    assert_eq!(refused(|s| s.state[0].doc = "x".repeat(MAX_DOC + 1)).0, "state.tip.doc");
    assert_eq!(refused(|s| s.task = "\u{0}".into()).0, "task");
    for range in [[1.0, 1.0], [2.0, 1.0], [f32::NAN, 1.0], [0.0, f32::INFINITY]] {
        assert_eq!(refused(|s| s.state[0].range = Some(range)).0, "state.tip", "{range:?}");
    }
    // A task may span lines.
    let mut s = schema();
    s.task = "Line one.\nLine two.".into();
    s.validate().unwrap();
}

/// Every doc attribute's string in `source`, in order.
fn docs(source: &str) -> Vec<String> {
    fn walk(tokens: proc_macro2::TokenStream, out: &mut Vec<String>) {
        let tokens: Vec<proc_macro2::TokenTree> = tokens.into_iter().collect();
        for w in tokens.windows(3) {
            if let (
                proc_macro2::TokenTree::Ident(i),
                proc_macro2::TokenTree::Punct(p),
                proc_macro2::TokenTree::Literal(l),
            ) = (&w[0], &w[1], &w[2])
                && i == "doc"
                && p.as_char() == '='
            {
                let lit: syn::LitStr = syn::parse_str(&l.to_string()).expect("a string literal");
                out.push(lit.value());
            }
        }
        for t in tokens {
            if let proc_macro2::TokenTree::Group(g) = t {
                walk(g.stream(), out);
            }
        }
    }
    let mut out = Vec::new();
    walk(source.parse().expect("tokens"), &mut out);
    out
}

#[test]
fn generated_code_holds_texts_as_literals_whatever_they_contain() {
    let mut s = schema();
    let hostile = r#"x"] }} } pub fn evil() { loop {} } /* \" \\ "#;
    s.state[0].doc = hostile.into();
    s.state[0].unit = r#"m"]}"#.into();
    s.validate().unwrap();
    let source = codegen::module_source(&s);
    let file = syn::parse_file(&source).expect("the module parses");
    // One module, holding exactly: ID, two layouts, the env-state declaration.
    let [syn::Item::Mod(module)] = file.items.as_slice() else { panic!("one module: {source}") };
    let items = &module.content.as_ref().unwrap().1;
    assert_eq!(items.len(), 4, "{source}");
    assert!(matches!(&items[0], syn::Item::Const(c) if c.ident == "ID"));
    assert!(items[1..].iter().all(|i| matches!(i, syn::Item::Macro(_))), "{source}");
    let docs = docs(&source);
    assert!(docs.contains(&hostile.to_owned()), "{docs:?}");
    assert!(source.contains(r#""m\"]}""#), "{source}");
}

#[test]
fn generated_fields_follow_the_schema() {
    let source = codegen::module_source(&schema());
    for line in [
        r#"tip: [f32; 3] => ["m", (-0.5, 0.5)],"#,
        r#"gripper: [f32; 4] => ["", (-1.0, 1.0)],"#,
        r#"time: f32 => ["s", (-1.0, 1.0)],"#,
        r#"torque: [f32; 2] => ["", (-1.0, 1.0)],"#,
        r#"pub const ID: &str = "arm_sim-v0";"#,
    ] {
        assert!(source.contains(line), "missing {line}\n{source}");
    }
    assert!(docs(&source).contains(&"(no description given) Shape [2, 2], flattened row-major.".to_owned()));
}

#[test]
fn registering_binds_an_id_to_one_schema() {
    let mut s = schema();
    s.id = "registry_probe-v3".into();
    let layout = register(&s).unwrap();
    assert!(std::ptr::eq(layout, register(&s.clone()).unwrap()), "the same schema gives the same layout");
    assert!(std::ptr::eq(layout, registry::layout("registry_probe").unwrap()));
    assert_eq!(
        (layout.id, layout.name, layout.state_len, layout.action_len),
        ("registry_probe-v3", "registry_probe", 8, 2)
    );
    assert_eq!(layout.state_fields[0].name, "tip");
    assert_eq!(layout.state_fields[2].range, DEFAULT_RANGE);
    assert!(registry::known_ids().contains(&"registry_probe-v3"));
    assert_eq!(registry::schema("registry_probe-v3"), Some(s.clone()));
    s.state[0].shape = vec![2];
    let e = register(&s).unwrap_err();
    assert_eq!(e, SchemaError::Conflict { id: "registry_probe-v3".into(), next: "registry_probe-v4".into() });
    assert_eq!(e.kind(), "schema_conflict");
    // Built-ins are found first and are not registrable.
    assert_eq!(registry::layout("reacher").map(|l| l.id), Some("reacher-v0"));
    s.id = "reacher-v0".into();
    assert!(matches!(register(&s), Err(SchemaError::Invalid { .. })));
}

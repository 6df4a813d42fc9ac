//! The crate graph drawn in ARCHITECTURE.md, checked: a function crate depends only on
//! libraries, never on another function crate; libraries never depend on functions; only
//! HTTP functions use the HTTP layer; test helpers are dev-dependencies only.
//!
//! Reads `cargo metadata` of the workspace, so a new crate or dependency is checked the day it
//! is added.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// Where a workspace crate sits, by the folder that holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layer {
    /// `shared/`: the IVS Chat library.
    Shared,
    /// `moderation/`: the review engine.
    Moderation,
    /// `local/`: the IVS Chat emulator.
    Emulator,
    /// `libs/*`: libraries the functions share.
    FunctionLibrary,
    /// `functions/*`: deployable Lambda crates.
    Function,
    /// `tests/*`: test crates.
    Tests,
}

/// One workspace crate and its dependencies on other workspace crates.
#[derive(Debug)]
struct Crate {
    name: String,
    layer: Layer,
    has_binary: bool,
    /// (dependency name, is a dev-dependency)
    workspace_deps: Vec<(String, bool)>,
    /// Every dependency name, workspace or not, normal dependencies only.
    normal_deps: Vec<String>,
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

fn layer_of(root: &Path, manifest: &Path) -> Layer {
    let relative = manifest
        .strip_prefix(root)
        .expect("a crate of this workspace");
    let top = relative
        .components()
        .next()
        .and_then(|c| c.as_os_str().to_str())
        .expect("a folder");
    match top {
        "shared" => Layer::Shared,
        "moderation" => Layer::Moderation,
        "local" => Layer::Emulator,
        "libs" => Layer::FunctionLibrary,
        "functions" => Layer::Function,
        "tests" => Layer::Tests,
        other => panic!(
            "{}: crates live in shared/, moderation/, local/, libs/, functions/ or tests/, not {other}/",
            manifest.display()
        ),
    }
}

fn workspace_crates() -> Vec<Crate> {
    let root = workspace_root();
    let output = Command::new(env!("CARGO"))
        .args([
            "metadata",
            "--no-deps",
            "--format-version",
            "1",
            "--offline",
        ])
        .current_dir(&root)
        .output()
        .expect("cargo metadata runs");
    assert!(
        output.status.success(),
        "cargo metadata failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).expect("metadata is JSON");
    let packages = metadata["packages"].as_array().expect("packages");
    packages
        .iter()
        .map(|package| {
            let manifest = PathBuf::from(package["manifest_path"].as_str().expect("manifest"));
            let dependencies = package["dependencies"].as_array().expect("dependencies");
            Crate {
                name: package["name"].as_str().expect("name").to_owned(),
                layer: layer_of(&root, &manifest),
                has_binary: package["targets"]
                    .as_array()
                    .expect("targets")
                    .iter()
                    .any(|t| {
                        t["kind"]
                            .as_array()
                            .is_some_and(|k| k.iter().any(|k| k == "bin"))
                    }),
                workspace_deps: dependencies
                    .iter()
                    .filter(|d| d["path"].is_string())
                    .map(|d| {
                        (
                            d["name"].as_str().expect("dependency name").to_owned(),
                            d["kind"] == "dev",
                        )
                    })
                    .collect(),
                normal_deps: dependencies
                    .iter()
                    .filter(|d| d["kind"].is_null())
                    .map(|d| d["name"].as_str().expect("dependency name").to_owned())
                    .collect(),
            }
        })
        .collect()
}

/// The layers a crate of `layer` may depend on (normal dependencies).
fn allowed(layer: Layer) -> &'static [Layer] {
    match layer {
        Layer::Shared => &[],
        Layer::Moderation | Layer::Emulator => &[Layer::Shared],
        Layer::FunctionLibrary => &[Layer::Shared, Layer::FunctionLibrary],
        Layer::Function => &[Layer::Shared, Layer::Moderation, Layer::FunctionLibrary],
        Layer::Tests => &[
            Layer::Shared,
            Layer::Moderation,
            Layer::Emulator,
            Layer::FunctionLibrary,
            Layer::Function,
            Layer::Tests,
        ],
    }
}

/// Every broken rule, one line each.
fn violations(crates: &[Crate]) -> Vec<String> {
    let layer = |name: &str| {
        crates
            .iter()
            .find(|c| c.name == name)
            .map(|c| c.layer)
            .unwrap_or_else(|| panic!("{name} is a path dependency outside the workspace"))
    };
    let mut broken = Vec::new();
    for krate in crates {
        if krate.layer == Layer::Function && !krate.has_binary {
            broken.push(format!(
                "{}: every crate under functions/ is a deployable with a binary; a library the functions share belongs in libs/",
                krate.name
            ));
        }
        for (dependency, dev) in &krate.workspace_deps {
            let target = layer(dependency);
            if *dev {
                // Tests may use the emulator and the shared test helpers, never a function.
                if target == Layer::Function && krate.layer != Layer::Tests {
                    broken.push(format!(
                        "{}: dev-depends on the function crate {dependency}",
                        krate.name
                    ));
                }
                continue;
            }
            if !allowed(krate.layer).contains(&target) {
                broken.push(format!(
                    "{} ({:?}) depends on {dependency} ({target:?}), which its layer may not use",
                    krate.name, krate.layer
                ));
            }
        }
        let uses_http_layer = krate.normal_deps.iter().any(|d| d == "http-api");
        let serves_http = krate.normal_deps.iter().any(|d| d == "lambda_http");
        if krate.layer == Layer::Function && uses_http_layer && !serves_http {
            broken.push(format!(
                "{}: depends on http-api but serves no HTTP route (no lambda_http)",
                krate.name
            ));
        }
    }
    broken
}

#[test]
fn the_workspace_keeps_its_dependency_rules() {
    let crates = workspace_crates();
    assert!(
        crates.iter().filter(|c| c.layer == Layer::Function).count() >= 6,
        "the function crates were found: {crates:#?}"
    );
    let broken = violations(&crates);
    assert!(
        broken.is_empty(),
        "dependency rules broken:\n{}",
        broken.join("\n")
    );
}

#[test]
fn a_function_depending_on_another_function_is_caught() {
    // GIVEN a function crate that depends on another function crate (as tag-manager once
    // depended on room-provisioner)
    let crates = vec![
        Crate {
            name: "room-provisioner".into(),
            layer: Layer::Function,
            has_binary: true,
            workspace_deps: vec![],
            normal_deps: vec![],
        },
        Crate {
            name: "tag-manager".into(),
            layer: Layer::Function,
            has_binary: true,
            workspace_deps: vec![("room-provisioner".into(), false)],
            normal_deps: vec!["room-provisioner".into()],
        },
    ];
    // WHEN the rules are checked THEN that dependency is reported
    let broken = violations(&crates);
    assert_eq!(broken.len(), 1, "{broken:?}");
    assert!(broken[0].starts_with("tag-manager (Function) depends on room-provisioner"));
}

#[test]
fn a_library_under_functions_and_a_non_http_function_on_the_http_layer_are_caught() {
    let crates = vec![
        Crate {
            name: "http-api".into(),
            layer: Layer::Function,
            has_binary: false,
            workspace_deps: vec![],
            normal_deps: vec![],
        },
        Crate {
            name: "stream-lifecycle".into(),
            layer: Layer::Function,
            has_binary: true,
            workspace_deps: vec![("http-api".into(), false)],
            normal_deps: vec!["http-api".into(), "lambda_runtime".into()],
        },
    ];
    let broken = violations(&crates);
    assert!(
        broken
            .iter()
            .any(|b| b.starts_with("http-api: every crate under functions/"))
    );
    assert!(
        broken
            .iter()
            .any(|b| b.starts_with("stream-lifecycle: depends on http-api but serves no HTTP"))
    );
}

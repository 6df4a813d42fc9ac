//! The crate graph drawn in ARCHITECTURE.md, checked: every crate lives one folder down in
//! shared/, local/, functions/ or tests/, in a folder named as the crate; a function crate
//! depends only on libraries, never on another function crate; libraries never depend on
//! functions; only HTTP functions use the HTTP layer; only ivschat-api depends on the IVS Chat
//! SDK; test helpers are dev-dependencies only.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

/// Where a workspace crate sits, by the folder that holds it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layer {
    /// `shared/ivschat-api/`: the one way into IVS Chat.
    IvsChatApi,
    /// `shared/ivschat-moderation/`: the review engine.
    Moderation,
    /// `local/*`: the IVS Chat emulator and the local front.
    Local,
    /// `shared/*` (the others): libraries the functions share.
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
    /// The name of the folder that holds its `Cargo.toml`.
    folder: String,
    layer: Layer,
    has_binary: bool,
    /// (dependency name, is a dev-dependency)
    workspace_deps: Vec<(String, bool)>,
    /// Every dependency name, workspace or not, normal dependencies only.
    normal_deps: Vec<String>,
    /// Every dev-dependency name, workspace or not.
    dev_deps: Vec<String>,
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .expect("workspace root")
}

/// The top folder and the crate's own folder of `manifest`, relative to the workspace root.
fn folders_of(root: &Path, manifest: &Path) -> (String, String) {
    let relative = manifest
        .strip_prefix(root)
        .expect("a crate of this workspace");
    let parts: Vec<String> = relative
        .parent()
        .expect("a manifest in a folder")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        parts.len(),
        2,
        "{}: every crate lives one level down, in shared/, local/, functions/ or tests/",
        relative.display()
    );
    (parts[0].clone(), parts[1].clone())
}

fn layer_of(top: &str, folder: &str, manifest: &Path) -> Layer {
    match (top, folder) {
        ("shared", "ivschat-api") => Layer::IvsChatApi,
        ("shared", "ivschat-moderation") => Layer::Moderation,
        ("shared", _) => Layer::FunctionLibrary,
        ("local", _) => Layer::Local,
        ("functions", _) => Layer::Function,
        ("tests", _) => Layer::Tests,
        (other, _) => panic!(
            "{}: crates live in shared/, local/, functions/ or tests/, not {other}/",
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
            let (top, folder) = folders_of(&root, &manifest);
            Crate {
                name: package["name"].as_str().expect("name").to_owned(),
                layer: layer_of(&top, &folder, &manifest),
                folder,
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
                dev_deps: dependencies
                    .iter()
                    .filter(|d| d["kind"] == "dev")
                    .map(|d| d["name"].as_str().expect("dependency name").to_owned())
                    .collect(),
            }
        })
        .collect()
}

/// The layers a crate of `layer` may depend on (normal dependencies).
fn allowed(layer: Layer) -> &'static [Layer] {
    match layer {
        Layer::IvsChatApi => &[],
        Layer::Moderation | Layer::Local => &[Layer::IvsChatApi],
        Layer::FunctionLibrary => &[Layer::IvsChatApi, Layer::FunctionLibrary],
        Layer::Function => &[Layer::IvsChatApi, Layer::Moderation, Layer::FunctionLibrary],
        Layer::Tests => &[
            Layer::IvsChatApi,
            Layer::Moderation,
            Layer::Local,
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
        if krate.folder != krate.name {
            broken.push(format!(
                "{}: lives in a folder named {}; each crate's folder is named as the crate",
                krate.name, krate.folder
            ));
        }
        // One way into IVS Chat: only ivschat-api builds SDK calls. The emulator's tests may
        // drive it with the bare SDK too (that is what they check: the SDK's own wire format).
        let sdk = "aws-sdk-ivschat";
        if krate.layer != Layer::IvsChatApi && krate.normal_deps.iter().any(|d| d == sdk) {
            broken.push(format!(
                "{}: depends on {sdk}; IVS Chat is reached only through ivschat-api",
                krate.name
            ));
        }
        if !matches!(krate.layer, Layer::IvsChatApi | Layer::Local)
            && krate.dev_deps.iter().any(|d| d == sdk)
        {
            broken.push(format!(
                "{}: dev-depends on {sdk}; its tests reach IVS Chat through ivschat-api",
                krate.name
            ));
        }
        if krate.layer == Layer::Function && !krate.has_binary {
            broken.push(format!(
                "{}: every crate under functions/ is a deployable with a binary; a library the functions share belongs in shared/",
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

/// A crate in its own folder with the given normal dependencies, for the rule tests.
fn crate_in(layer: Layer, name: &str, has_binary: bool, normal_deps: &[&str]) -> Crate {
    Crate {
        name: name.into(),
        folder: name.into(),
        layer,
        has_binary,
        workspace_deps: normal_deps
            .iter()
            .filter(|d| !d.starts_with("aws-sdk-") && !d.starts_with("lambda_"))
            .map(|d| ((*d).to_owned(), false))
            .collect(),
        normal_deps: normal_deps.iter().map(|d| (*d).to_owned()).collect(),
        dev_deps: vec![],
    }
}

#[test]
fn a_function_depending_on_another_function_is_caught() {
    // GIVEN a function crate that depends on another function crate (as tag-manager once
    // depended on room-provisioner)
    let crates = vec![
        crate_in(Layer::Function, "room-provisioner", true, &[]),
        crate_in(Layer::Function, "tag-manager", true, &["room-provisioner"]),
    ];
    // WHEN the rules are checked THEN that dependency is reported
    let broken = violations(&crates);
    assert_eq!(broken.len(), 1, "{broken:?}");
    assert!(broken[0].starts_with("tag-manager (Function) depends on room-provisioner"));
}

#[test]
fn a_library_under_functions_and_a_non_http_function_on_the_http_layer_are_caught() {
    let crates = vec![
        crate_in(Layer::Function, "http-api", false, &[]),
        crate_in(
            Layer::Function,
            "stream-lifecycle",
            true,
            &["http-api", "lambda_runtime"],
        ),
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

#[test]
fn a_second_way_into_ivs_chat_is_caught() {
    // GIVEN a function and a shared library that call the IVS Chat SDK themselves, and a
    // function whose tests do
    let mut tested = crate_in(Layer::Function, "token-api", true, &[]);
    tested.dev_deps.push("aws-sdk-ivschat".into());
    let crates = vec![
        crate_in(
            Layer::IvsChatApi,
            "ivschat-api",
            false,
            &["aws-sdk-ivschat"],
        ),
        crate_in(Layer::Function, "tag-manager", true, &["aws-sdk-ivschat"]),
        crate_in(
            Layer::FunctionLibrary,
            "http-api",
            false,
            &["aws-sdk-ivschat"],
        ),
        tested,
    ];
    // WHEN the rules are checked THEN each of the three is reported, and ivschat-api is not
    let broken = violations(&crates);
    assert_eq!(broken.len(), 3, "{broken:?}");
    assert!(
        broken
            .iter()
            .any(|b| b.starts_with("tag-manager: depends on aws-sdk-ivschat"))
    );
    assert!(
        broken
            .iter()
            .any(|b| b.starts_with("http-api: depends on aws-sdk-ivschat"))
    );
    assert!(
        broken
            .iter()
            .any(|b| b.starts_with("token-api: dev-depends on aws-sdk-ivschat"))
    );
}

#[test]
fn a_crate_in_a_folder_of_another_name_is_caught() {
    // GIVEN the IVS Chat library in a folder named `shared` (where it once was)
    let mut misplaced = crate_in(Layer::IvsChatApi, "ivschat-api", false, &[]);
    misplaced.folder = "shared".into();
    // WHEN the rules are checked THEN the folder is reported
    let broken = violations(&[misplaced]);
    assert_eq!(
        broken,
        vec![
            "ivschat-api: lives in a folder named shared; each crate's folder is named as the crate"
        ]
    );
}

//! The supported Rust version is stated once, in the workspace's `rust-version`; every place the
//! docs name a Rust version must say the same (a newcomer with an older toolchain otherwise
//! meets a build error the README said would not happen).

use std::path::Path;

fn read(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The workspace's `rust-version`, from the root Cargo.toml.
fn workspace_rust_version() -> String {
    let manifest = read("Cargo.toml");
    manifest
        .lines()
        .find_map(|line| {
            let value = line.trim().strip_prefix("rust-version")?.trim();
            let value = value.strip_prefix('=')?.trim();
            Some(value.trim_matches('"').to_owned())
        })
        .expect("the workspace sets rust-version")
}

/// Every `Rust X.Y[.Z]` stated in `text`, with what follows it.
fn stated_versions(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find("Rust 1.") {
        let version: String = rest[at + 5..]
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == '.' || *c == '+')
            .collect();
        found.push(version.trim_end_matches('.').to_owned());
        rest = &rest[at + 5..];
    }
    found
}

#[test]
fn the_readme_states_the_workspace_rust_version() {
    let required = workspace_rust_version();
    let readme = read("README.md");
    let stated = stated_versions(&readme);
    assert!(
        !stated.is_empty(),
        "the README names the Rust version it needs"
    );
    for version in stated {
        assert_eq!(
            version, required,
            "the README says Rust {version}, the workspace requires {required}: say \
             \"Rust {required} or newer\""
        );
    }
}

#[test]
fn versions_are_read_with_their_patch_and_a_plus_sign() {
    assert_eq!(
        stated_versions("needs Rust 1.94+ and later Rust 1.94.1 or newer."),
        ["1.94+", "1.94.1"]
    );
}

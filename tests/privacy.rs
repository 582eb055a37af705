//! Kindred never talks to the network. Two checks: nothing in the shipped dependency graph is
//! a network client (HTTP, TLS, DNS, WebSocket), and a full scan works inside a Linux network
//! namespace that has no network at all.

use std::process::Command;

/// Crates whose presence would mean Kindred could reach out over the network.
const NETWORK_CRATES: &[&str] = &[
    "reqwest",
    "hyper",
    "ureq",
    "curl",
    "curl-sys",
    "isahc",
    "surf",
    "attohttpc",
    "h2",
    "h3",
    "quinn",
    "rustls",
    "native-tls",
    "openssl",
    "openssl-sys",
    "tokio-rustls",
    "trust-dns-resolver",
    "hickory-resolver",
    "tungstenite",
    "websocket",
    "socket2",
    "mio",
];

#[test]
fn no_network_client_is_compiled_into_kindred() {
    let out = Command::new(env!("CARGO"))
        .args([
            "tree",
            "--offline",
            "--edges",
            "normal,build",
            "--prefix",
            "none",
        ])
        .args([
            "--manifest-path",
            concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml"),
        ])
        .output()
        .expect("cargo runs");
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tree = String::from_utf8_lossy(&out.stdout);
    let crates: std::collections::BTreeSet<&str> = tree
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(
        crates.contains("kindred") && crates.contains("eframe"),
        "{crates:?}"
    );
    let found: Vec<_> = NETWORK_CRATES
        .iter()
        .filter(|c| crates.contains(*c))
        .collect();
    assert!(
        found.is_empty(),
        "network crates in the dependency graph: {found:?}"
    );
}

/// Linux only: network namespaces are how the test takes the network away.
#[test]
#[cfg(target_os = "linux")]
fn a_scan_finds_faces_with_no_network_at_all() {
    let dir = tempfile::tempdir().unwrap();
    let photos = dir.path().join("photos");
    std::fs::create_dir(&photos).unwrap();
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/people");
    for name in ["Laura_Bush_0002.jpg", "Tony_Blair_0001.jpg"] {
        std::fs::copy(fixtures.join(name), photos.join(name)).unwrap();
    }
    let library = dir.path().join("library.kindred");
    // `unshare -rn`: a new user and network namespace, in which not even loopback is up.
    let out = Command::new("unshare")
        .args(["--map-root-user", "--net", "--"])
        .arg(env!("CARGO_BIN_EXE_kindred"))
        .arg("--library")
        .arg(&library)
        .args(["scan", "--quiet"])
        .arg(&photos)
        .env_remove("KINDRED_MODELS")
        .output()
        .expect("`unshare` (util-linux) runs; it is how this test takes the network away");
    assert!(
        out.status.success(),
        "scan without a network failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let status = Command::new(env!("CARGO_BIN_EXE_kindred"))
        .arg("--library")
        .arg(&library)
        .args(["status", "--json"])
        .output()
        .unwrap();
    let status: serde_json::Value = serde_json::from_slice(&status.stdout).unwrap();
    assert_eq!(status["photos_analysed"], 2, "{status}");
    assert!(status["faces"].as_u64().unwrap() >= 2, "{status}");
}

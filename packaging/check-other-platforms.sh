#!/usr/bin/env bash
# Type-checks and lints every target (library, app, tests, benches) for Windows and macOS from
# Linux, so code behind `cfg(windows)`, `cfg(not(unix))` or `cfg(not(target_arch = "x86_64"))`
# is compiled somewhere before a user on those systems meets it. Nothing is linked or run.
#
# Needs: rustup (adds the two targets' standard libraries) and, for Windows, the MinGW C
# compiler (Debian/Ubuntu: apt-get install gcc-mingw-w64-x86-64), which builds SQLite.
# There is no C cross compiler for macOS here, so for macOS the C parts (SQLite) are stood in
# for by empty objects: fine for checking the Rust code, useless for a build.
set -euo pipefail
cd "$(dirname "$0")/.."
target_dir=${CARGO_TARGET_DIR:-target}/other-platforms

rustup target add x86_64-pc-windows-gnu aarch64-apple-darwin >/dev/null

echo "== Windows (x86_64-pc-windows-gnu)"
CARGO_TARGET_DIR=$target_dir cargo clippy --quiet --target x86_64-pc-windows-gnu \
    --all-targets -- -D warnings

echo "== macOS (aarch64-apple-darwin)"
stand_in=$(mktemp -d)
trap 'rm -rf "$stand_in"' EXIT
cat >"$stand_in/cc" <<'EOF'
#!/usr/bin/env bash
# Preprocessing is the host gcc's, so cc-rs, which preprocesses a probe to learn the
# compiler's family, takes this for a GNU-style compiler (else it assumes MSVC's options).
# A compile writes an empty object wherever the build script asks for one.
for arg in "$@"; do
    if [[ $arg == -E ]]; then
        exec gcc "$@"
    fi
done
out=""
while (($#)); do
    case $1 in
        -o) out=$2; shift ;;
        -o*) out=${1#-o} ;;
    esac
    shift
done
# Anything else (cc-rs's `-?`, asking whether this is MSVC's cl) fails, as gcc would.
[[ -n $out ]] || exit 1
echo "" | gcc -x c -c - -o "$out"
EOF
chmod +x "$stand_in/cc"
CC_aarch64_apple_darwin="$stand_in/cc" AR_aarch64_apple_darwin=ar \
    CARGO_TARGET_DIR=$target_dir cargo clippy --quiet --target aarch64-apple-darwin \
    --all-targets -- -D warnings

echo "both platforms check cleanly"

#!/usr/bin/env bash
# Builds the .deb, checks what it installs, then extracts it into a scratch root and runs the
# installed binary there: --version must find the models under the scratch root's
# /usr/share/kindred/models (not the source tree's), and `analyze` must find the faces of a
# fixture photo with them.
#
# Needs: cargo-deb (installed here with `cargo install --locked cargo-deb` if missing), dpkg-deb.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! cargo deb --version >/dev/null 2>&1; then
    cargo install --locked --quiet cargo-deb
fi
deb=$(cargo deb --quiet 2>/dev/null | tail -n 1)
[[ -f $deb ]] || { echo "cargo deb did not report a package (got: $deb)"; exit 1; }
echo "built $deb ($(du -h "$deb" | cut -f1))"

contents=$(dpkg-deb -c "$deb")
for path in \
    ./usr/bin/kindred \
    ./usr/share/kindred/models/dlib_face_recognition_resnet_model_v1.dat \
    ./usr/share/kindred/models/mmod_human_face_detector.dat \
    ./usr/share/kindred/models/shape_predictor_5_face_landmarks.dat \
    ./usr/share/applications/org.kindred.Kindred.desktop \
    ./usr/share/metainfo/org.kindred.Kindred.metainfo.xml \
    ./usr/share/icons/hicolor/scalable/apps/org.kindred.Kindred.svg \
    ./usr/share/icons/hicolor/256x256/apps/org.kindred.Kindred.png; do
    grep -q " $path\$" <<<"$contents" || { echo "missing from the package: $path"; exit 1; }
done
dpkg-deb -f "$deb" Package Version Depends

scratch=$(mktemp -d /tmp/kindred-deb-root.XXXXXX)
trap 'rm -rf "$scratch"' EXIT
dpkg-deb -x "$deb" "$scratch"
# The source tree must not be a fallback: run from elsewhere, with KINDRED_MODELS unset, and
# with the installed models the only ones the binary can reach.
cd "$scratch"
version=$(env -u KINDRED_MODELS "$scratch/usr/bin/kindred" --version)
echo "$version"
grep -q "models in $scratch/usr/bin/../share/kindred/models" <<<"$version" \
    || { echo "the installed binary did not use the installed models"; exit 1; }
faces=$(env -u KINDRED_MODELS "$scratch/usr/bin/kindred" analyze "$OLDPWD/tests/fixtures/golden/images/2008_002506.png")
count=$(python3 -c 'import json,sys; print(len(json.loads(sys.stdin.readline())["faces"]))' <<<"$faces")
[[ $count -ge 1 ]] || { echo "the installed binary found no face: $faces"; exit 1; }
echo "installed kindred found $count face(s) in the fixture photo"
echo "deb check passed"

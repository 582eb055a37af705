#!/usr/bin/env bash
# Builds Kindred, makes a sample library from labelled photos, names some of its people through
# the CLI, then opens the real window under Xvfb and lets it photograph its own views
# (KINDRED_SCREENSHOTS) into docs/screenshots/.
#
# Needs: apt-get install xvfb libgl1-mesa-dri   (software OpenGL is enough)
# Usage: packaging/screenshots.sh [PHOTO_DIR]      (default: ../shared/data/lfw-cluster-dev/images,
#                                                 else tests/fixtures/people)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
out=$root/docs/screenshots
work=$(mktemp -d /tmp/kindred-screens.XXXXXX)
trap 'rm -rf "$work"' EXIT

source_dir=${1:-}
if [[ -z $source_dir ]]; then
    if [[ -d ../shared/data/lfw-cluster-dev/images ]]; then
        source_dir=../shared/data/lfw-cluster-dev/images
    else
        source_dir=tests/fixtures/people
    fi
fi

cargo build --release --quiet
kindred=$root/target/release/kindred
library=$work/library.kindred
# A home folder of its own, so the window shows the photos where a user keeps them (~/Pictures).
export HOME=$work/home
photos=$HOME/Pictures

# A family-sized sample: the first 6 photos of each of 30 people.
mkdir -p "$photos"
if [[ -d $source_dir/Tony_Blair ]]; then
    for person in $(ls "$source_dir" | head -30); do
        mkdir -p "$photos/$person"
        ls "$source_dir/$person" | head -6 | while read -r f; do cp "$source_dir/$person/$f" "$photos/$person/"; done
    done
else
    cp "$source_dir"/* "$photos/"
fi

"$kindred" --library "$library" scan --quiet "$photos"

# Name the eight largest groups after the person most of their photos show.
"$kindred" --library "$library" people --json > "$work/people.json"
python3 - "$kindred" "$library" "$work/people.json" <<'PY'
import collections, json, subprocess, sys
kindred, library, people_file = sys.argv[1:]
people = json.load(open(people_file))
for person in people[:8]:
    faces = json.loads(subprocess.check_output(
        [kindred, "--library", library, "faces", "--person", str(person["id"]), "--json"]))
    names = collections.Counter(f["path"].split("/")[-1].rsplit("_", 1)[0] for f in faces)
    if names:
        name = names.most_common(1)[0][0].replace("_", " ")
        subprocess.check_call([kindred, "--library", library, "name", str(person["id"]), name],
                              stdout=subprocess.DEVNULL)
PY

# Then a later import: two more photos of each of them, which Review asks about.
if [[ -d $source_dir/Tony_Blair ]]; then
    for person in $(ls "$source_dir" | head -30); do
        ls "$source_dir/$person" | sed -n 7,8p | while read -r f; do cp "$source_dir/$person/$f" "$photos/$person/"; done
    done
    "$kindred" --library "$library" scan --quiet "$photos"
fi

export XDG_RUNTIME_DIR=${XDG_RUNTIME_DIR:-$work/xdg}
mkdir -p "$XDG_RUNTIME_DIR" && chmod 700 "$XDG_RUNTIME_DIR"
export LIBGL_ALWAYS_SOFTWARE=1
rm -f "$out"/{people,person,photo,review,folders}.png
# A fresh window state, so the screenshots do not depend on the last session.
export XDG_DATA_HOME=$work/data XDG_CONFIG_HOME=$work/config XDG_CACHE_HOME=$work/cache
KINDRED_SCREENSHOTS=$out timeout 600 xvfb-run -a -s "-screen 0 1440x900x24" \
    "$kindred" --library "$library"
ls -l "$out"

#!/usr/bin/env python3
"""A simulated user who labels every face of a labelled photo set through Kindred's CLI.

The photos are an LFW-style tree (`DIR/<Person_Name>/<file>.jpg`, the folder names the person
in the photo). They are split in two halves, scanned one after the other into one library, and
after each scan the user works until every face is either confirmed as its true person or
ignored. Each CLI command that changes something counts as one action (one click or key in the
app, where several faces can be selected at once):

* a named person's suggested faces: `move … --to` for the right ones (confirms them; reported
  apart, as suggested faces already carry the right name), `reject … --from` for the wrong ones;
* an unnamed cluster: `reject` the faces of other people, `ignore` the faces of strangers (faces
  that are not a photo's labelled person), then `name` it after the person most of its faces
  show (a name someone already has merges the two).

In each photo the face nearest the centre is the labelled person; other faces are strangers.
The second half is also labelled in a fresh library, from scratch: the difference is what the
first half's corrections saved.

    python3 docs/tools/simulate_user.py --kindred target/release/kindred \\
        --photos ../shared/data/lfw-cluster-dev/images --work /tmp/sim
"""

import argparse
import collections
import json
import os
import shutil
import subprocess
import sys
import time


class Library:
    def __init__(self, kindred, path):
        self.kindred = kindred
        self.path = path
        self.actions = collections.Counter()

    def run(self, *args, parse=True):
        out = subprocess.run(
            [self.kindred, "--library", self.path, *args],
            check=True,
            capture_output=True,
            text=True,
        )
        return json.loads(out.stdout) if parse else out.stdout

    def act(self, kind, *args, counted_as=None):
        self.actions[counted_as or kind] += 1
        self.run(kind, *args, parse=False)


def split_photos(photos, work):
    """Copies every second photo of each person to `work/first`, the others to `work/second`."""
    halves = {"first": [], "second": []}
    for person in sorted(os.listdir(photos)):
        files = sorted(os.listdir(os.path.join(photos, person)))
        for i, name in enumerate(files):
            half = "first" if i % 2 == 0 else "second"
            target = os.path.join(work, half, person)
            os.makedirs(target, exist_ok=True)
            shutil.copy(os.path.join(photos, person, name), os.path.join(target, name))
            halves[half].append(os.path.join(target, name))
    return halves


def truth_of_faces(lib):
    """Face id → true person (the photo's folder) or None for a stranger."""
    faces = []
    for person in lib.run("people", "--json"):
        faces.extend(lib.run("faces", "--person", str(person["id"]), "--json"))
    by_photo = collections.defaultdict(list)
    for f in faces:
        by_photo[f["path"]].append(f)
    truth = {}
    for path, group in by_photo.items():
        # LFW photos are 250×250 with the labelled person centred.
        def off_centre(f):
            l, t, r, b = f["rect"]
            return ((l + r) / 2 - 125) ** 2 + ((t + b) / 2 - 125) ** 2

        central = min(group, key=off_centre)
        for f in group:
            truth[f["id"]] = os.path.basename(os.path.dirname(path)) if f is central else None
    return truth


def label_everything(lib, truth):
    """Works until every face is confirmed as its true person or ignored."""
    while True:
        people = lib.run("people", "--json")
        todo = [p for p in people if p["faces"] > p["confirmed"]]
        if not todo:
            return
        person = todo[0]
        pid = str(person["id"])
        faces = lib.run("faces", "--person", pid, "--json")
        open_faces = [f for f in faces if f["state"] != "confirmed"]
        strangers = [f["id"] for f in open_faces if truth.get(f["id"]) is None]
        if person["name"] is not None:
            right = [f["id"] for f in open_faces if truth.get(f["id"]) == person["name"]]
            wrong = [
                f["id"]
                for f in open_faces
                if truth.get(f["id"]) not in (None, person["name"])
            ]
            if right:
                lib.act("move", *map(str, right), "--to", pid, counted_as="confirm")
        else:
            votes = collections.Counter(truth[f["id"]] for f in faces if truth.get(f["id"]))
            if not votes:
                lib.act("ignore", *map(str, strangers))
                continue
            majority = min(votes, key=lambda name: (-votes[name], name))
            wrong = [f["id"] for f in faces if truth.get(f["id"]) not in (None, majority)]
        if wrong:
            kind = "reject suggestion" if person["name"] is not None else "reject from cluster"
            lib.act("reject", *map(str, wrong), "--from", pid, counted_as=kind)
        if strangers:
            lib.act("ignore", *map(str, strangers))
        if person["name"] is None:
            lib.act("name", pid, majority)


def phase(lib, folder, label):
    started = time.time()
    lib.run("scan", folder, parse=False)
    scanned = time.time() - started
    truth = truth_of_faces(lib)
    before = sum(lib.actions.values())
    counts_before = collections.Counter(lib.actions)
    started = time.time()
    label_everything(lib, truth)
    actions = sum(lib.actions.values()) - before
    detail = dict(lib.actions - counts_before)
    people = len({t for t in truth.values() if t})
    result = {
        "phase": label,
        "faces": len(truth),
        "people": people,
        "actions": actions,
        # Suggested faces already carry the right person's name; confirming them is optional.
        "actions_without_confirming": actions - detail.get("confirm", 0),
        "by_kind": detail,
        "scan_s": round(scanned, 1),
        "labelling_s": round(time.time() - started, 1),
    }
    print(json.dumps(result), flush=True)
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kindred", required=True)
    ap.add_argument("--photos", required=True)
    ap.add_argument("--work", required=True, help="scratch folder (emptied first)")
    args = ap.parse_args()
    kindred = os.path.abspath(args.kindred)
    shutil.rmtree(args.work, ignore_errors=True)
    os.makedirs(args.work)
    split_photos(args.photos, args.work)

    learned = Library(kindred, os.path.join(args.work, "learned.kindred"))
    phase(learned, os.path.join(args.work, "first"), "first half")
    second = phase(learned, os.path.join(args.work, "second"), "second half, after the first")

    fresh = Library(kindred, os.path.join(args.work, "fresh.kindred"))
    scratch = phase(fresh, os.path.join(args.work, "second"), "second half, from scratch")
    for key, what in [("actions", "confirming every suggestion"),
                      ("actions_without_confirming", "leaving right suggestions as they are")]:
        saved = 1 - second[key] / max(scratch[key], 1)
        print(
            f"{what}: the first half's corrections cut the actions on the second half from "
            f"{scratch[key]} to {second[key]} ({saved:.0%} fewer)",
            file=sys.stderr,
        )


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""What a "No" in Review is worth: a simulated reviewer on a library scanned from an LFW-style
tree (`DIR/<Person_Name>/<file>.jpg`; in each photo the face nearest the centre is that person,
the others strangers).

For each person with at least 4 photos, the faces in every second photo are theirs (confirmed);
Review then asks about the other faces nearest first and stops at the match distance, as the app
does. The reviewer answers truthfully: a yes makes the face one of theirs (it is compared with
from then on), a no rejects it from them. Counted: the yes and no answers, and how many of the
person's held-back faces were found. Rules compared:

* `distance`: by distance to the nearest of the person's faces alone;
* `rejected +m`: a face nearer (by more than m) to a face rejected from the person than to any
  of theirs waits past the stop (what Kindred does, with m = 0).

With `--everyone-named`, everyone's first halves are confirmed, so the faces asked about are
only the held-back ones and the strangers (a library where the user has named everybody).

Then the new faces after a scan: each person's photos in three parts; the first part's faces
are confirmed (everyone is named), Review of each person goes over the second part's faces as
above (the rejections it leaves are what is learnt), and the third part's faces arrive new. Each
new face is suggested for the named person it is nearest to within the match distance, or,
with the rule, not when it is nearer to a face rejected from that person than to any of theirs
(then it waits in an unnamed group). Counted: suggestions right and wrong.

    kindred --library /tmp/lfw.kindred scan ../shared/data/lfw-cluster-dev/images
    python3 docs/tools/review_after_no.py --library /tmp/lfw.kindred \\
        --photos ../shared/data/lfw-cluster-dev/images [--everyone-named]
"""

import argparse
import collections
import os
import sqlite3

import numpy as np

STOP = 0.6


def read_faces(library, photos):
    db = sqlite3.connect(f"file:{library}?mode=ro", uri=True)
    rows = db.execute(
        """SELECT f.id, p.path, f.left, f.top, f.right, f.bottom, f.descriptor, p.id, p.width,
                  p.height
           FROM faces f JOIN photos p ON p.id = f.photo_id
           WHERE p.status = 'done' AND substr(p.path, 1, length(?1)) = ?1""",
        (os.path.join(os.path.abspath(photos), ""),),
    ).fetchall()
    by_photo = collections.defaultdict(list)
    for r in rows:
        by_photo[r[1]].append(r)
    descriptors, truth, photo = [], [], []
    for path, faces in by_photo.items():
        person = path.split("/")[-2]

        def off_centre(f):
            cx, cy = (f[2] + f[4]) / 2, (f[3] + f[5]) / 2
            return (cx - f[8] / 2) ** 2 + (cy - f[9] / 2) ** 2

        centre = min(faces, key=off_centre)
        for f in faces:
            descriptors.append(np.frombuffer(f[6], dtype="<f4"))
            truth.append(person if f is centre else None)
            photo.append(f[7])
    return np.array(descriptors), truth, photo


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--library", required=True)
    parser.add_argument("--photos", required=True, help="the LFW-style tree it was scanned from")
    parser.add_argument("--everyone-named", action="store_true")
    args = parser.parse_args()

    descriptors, truth, photo = read_faces(args.library, args.photos)
    n = len(descriptors)
    sq = (descriptors * descriptors).sum(1)
    dist = np.sqrt(np.maximum(sq[:, None] + sq[None, :] - 2 * descriptors @ descriptors.T, 0))
    people = collections.Counter(t for t in truth if t)

    def halves(person):
        theirs = sorted((i for i in range(n) if truth[i] == person), key=lambda i: photo[i])
        return set(theirs[0::2]), set(theirs[1::2])

    first_halves = set()
    if args.everyone_named:
        for person in people:
            first_halves |= halves(person)[0]

    def review(person, margin):
        confirmed, held_back = halves(person)
        others_confirmed = {i for i in first_halves if truth[i] != person}
        rejected, asked = set(), set()
        yes = no = 0
        while True:
            photos = {photo[i] for i in confirmed}
            candidates = [
                i
                for i in range(n)
                if i not in confirmed | rejected | asked | others_confirmed
                and photo[i] not in photos
            ]
            if not candidates:
                break
            c = np.array(candidates)
            to_theirs = dist[np.ix_(c, sorted(confirmed))].min(1)
            asks = to_theirs < STOP
            if margin is not None and rejected:
                to_rejected = dist[np.ix_(c, sorted(rejected))].min(1)
                asks &= ~(to_rejected + margin < to_theirs)
            if not asks.any():
                break
            i = candidates[int(np.argmin(np.where(asks, to_theirs, np.inf)))]
            asked.add(i)
            if truth[i] == person:
                yes += 1
                confirmed.add(i)
            else:
                no += 1
                rejected.add(i)
        return yes, no, len(held_back & confirmed), len(held_back)

    print(f"{n} faces, {len(people)} people; match distance {STOP}")
    print()
    print("Review:")
    print("| rule | people | yes | no | held-back faces found |")
    print("|---|---|---|---|---|")
    for label, margin in [
        ("distance", None),
        ("rejected +0.00", 0.0),
        ("rejected +0.03", 0.03),
        ("rejected +0.06", 0.06),
        ("rejected -0.03", -0.03),
    ]:
        total = collections.Counter()
        for person, count in people.items():
            if count < 4:
                continue
            yes, no, found, held_back = review(person, margin)
            total.update(people=1, yes=yes, no=no, found=found, held_back=held_back)
        print(
            f"| {label} | {total['people']} | {total['yes']} | {total['no']} | "
            f"{total['found']} / {total['held_back']} |"
        )
    new_faces(dist, truth, photo)


def new_faces(dist, truth, photo):
    n = len(truth)
    part = {}
    for person in set(t for t in truth if t):
        photos = sorted({photo[i] for i in range(n) if truth[i] == person})
        for k, p in enumerate(photos):
            part[p] = k % 3
    confirmed = collections.defaultdict(set)
    for i in range(n):
        if part[photo[i]] == 0 and truth[i]:
            confirmed[truth[i]].add(i)
    confirmed_in_photo = collections.defaultdict(set)
    for person, faces in confirmed.items():
        for i in faces:
            confirmed_in_photo[photo[i]].add(person)
    reviewed = [i for i in range(n) if part[photo[i]] == 1 or (part[photo[i]] == 0 and not truth[i])]
    rejected = collections.defaultdict(set)
    taken = set()  # given to someone by a yes
    for person in sorted(confirmed):
        asked = set()
        while True:
            candidates = [
                i
                for i in reviewed
                if i not in asked | confirmed[person] | rejected[person] | taken
                and person not in confirmed_in_photo[photo[i]]
            ]
            if not candidates:
                break
            c = np.array(candidates)
            to_theirs = dist[np.ix_(c, sorted(confirmed[person]))].min(1)
            asks = to_theirs < STOP
            if rejected[person]:
                asks &= ~(dist[np.ix_(c, sorted(rejected[person]))].min(1) < to_theirs)
            if not asks.any():
                break
            i = candidates[int(np.argmin(np.where(asks, to_theirs, np.inf)))]
            asked.add(i)
            if truth[i] == person:
                confirmed[person].add(i)
                confirmed_in_photo[photo[i]].add(person)
                taken.add(i)
            else:
                rejected[person].add(i)
    arriving = [i for i in range(n) if part[photo[i]] == 2]
    print()
    print(
        f"New faces: {len(arriving)} arrive; {sum(len(f) for f in confirmed.values())} faces "
        f"confirmed and {sum(len(f) for f in rejected.values())} rejected before"
    )
    print("| rule | suggested right | suggested wrong |")
    print("|---|---|---|")
    for label, learns in [("distance", False), ("rejected +0.00", True)]:
        right = wrong = 0
        for i in arriving:
            nearest = min(
                ((dist[i, sorted(faces)].min(), person) for person, faces in confirmed.items()),
                default=(np.inf, None),
            )
            to_theirs, person = nearest
            if to_theirs >= STOP:
                continue
            if learns and rejected[person]:
                if dist[i, sorted(rejected[person])].min() < to_theirs:
                    continue
            if truth[i] == person:
                right += 1
            else:
                wrong += 1
        print(f"| {label} | {right} | {wrong} |")


if __name__ == "__main__":
    main()

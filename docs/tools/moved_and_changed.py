"""Photos moved and changed by another app: does the scan know them as the photos gone missing?

Makes, from lfw-cluster-dev, three folders of 400 JPEGs each with an EXIF date, two photos to
each second (as a burst would):
  A/  the photos as a camera wrote them (IMG_0000.jpg, ...);
  B/  the same photos as another app left them: brightened 8 %, saved at quality 85 instead
      of 92, renamed after their date;
  C/  400 other photos of lfw-cluster-dev given the same 400 dates.

Then, with `kindred` at KINDRED (default: target/release/kindred):
  1. scan A, note each photo's id and face ids; replace A by B, scan again: every photo of B
     should keep the id and face ids of its photo in A;
  2. scan A afresh, replace it by C, scan again: no photo of C should take a photo of A's id.

Needs Pillow (pip install pillow). Usage: python3 moved_and_changed.py WORKDIR
"""

import json
import os
import random
import shutil
import sqlite3
import subprocess
import sys

from PIL import Image

SOURCE = "/work/shared/data/lfw-cluster-dev"
KINDRED = os.environ.get("KINDRED", "target/release/kindred")


def date_of(i):
    second = i // 2
    return "2021:06:%02d %02d:%02d:%02d" % (
        1 + second // 3600 % 28,
        second // 3600 % 24,
        second // 60 % 60,
        second % 60,
    )


def save(image, path, date, quality):
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = date  # DateTimeOriginal in the EXIF sub-IFD
    image.save(path, quality=quality, exif=exif)


def make_folders(work):
    files = sorted(
        os.path.join(root, f)
        for root, _, names in os.walk(SOURCE)
        for f in names
        if f.lower().endswith(".jpg")
    )
    random.seed(7)
    first = random.sample(files, 400)
    random.seed(8)
    taken = set(first)
    others = random.sample([f for f in files if f not in taken], 400)
    for name in "ABC":
        os.makedirs(os.path.join(work, name), exist_ok=True)
    for i, f in enumerate(first):
        image = Image.open(f).convert("RGB")
        save(image, os.path.join(work, "A", "IMG_%04d.jpg" % i), date_of(i), 92)
        brighter = image.point(lambda v: min(255, int(v * 1.08)))
        stamp = date_of(i).replace(":", "").replace(" ", "_")
        save(brighter, os.path.join(work, "B", "%s_edited_%d.jpg" % (stamp, i)), date_of(i), 85)
    for i, f in enumerate(others):
        image = Image.open(f).convert("RGB")
        save(image, os.path.join(work, "C", "other_%d.jpg" % i), date_of(i), 90)


def photos(library):
    """Each photo's id -> (path, status, face ids)."""
    db = sqlite3.connect(library)
    return {
        pid: (path, status, sorted(r[0] for r in db.execute(
            "SELECT id FROM faces WHERE photo_id = ?", (pid,))))
        for pid, path, status in db.execute("SELECT id, path, status FROM photos")
    }


def scan_then_replace(work, by):
    library = os.path.join(work, "library-%s.kindred" % by)
    photos_dir = os.path.join(work, "photos-%s" % by)
    shutil.rmtree(photos_dir, ignore_errors=True)
    for suffix in ("", "-wal", "-shm", ".lock"):
        if os.path.exists(library + suffix):
            os.remove(library + suffix)
    os.makedirs(photos_dir)
    shutil.copytree(os.path.join(work, "A"), os.path.join(photos_dir, "Camera"))
    scan = [KINDRED, "--library", library, "scan", "--no-xmp-names", photos_dir]
    subprocess.run(scan, check=True, capture_output=True)
    before = photos(library)
    shutil.rmtree(os.path.join(photos_dir, "Camera"))
    shutil.copytree(os.path.join(work, by), os.path.join(photos_dir, "Later"))
    said = subprocess.run(scan, check=True, capture_output=True, text=True)
    return before, photos(library), said.stdout


def number_in(path):
    return int(os.path.basename(path).rsplit("_", 1)[1].split(".")[0])


def main():
    work = sys.argv[1]
    make_folders(work)
    before, after, said = scan_then_replace(work, "B")
    print(said.strip())
    taken_over = [k for k in before if after.get(k, ("", "missing"))[1] == "done"]
    right = sum(number_in(after[k][0]) == number_in(before[k][0]) for k in taken_over)
    same_faces = sum(after[k][2] == before[k][2] for k in taken_over)
    print("B: %d of %d photos known again (%d the right file, %d with the same face ids)"
          % (len(taken_over), len(before), right, same_faces))
    before, after, said = scan_then_replace(work, "C")
    print(said.strip())
    wrong = [k for k in before if after.get(k, ("", "missing"))[1] == "done"]
    print("C: %d of %d missing photos taken by another photo" % (len(wrong), len(before)))


if __name__ == "__main__":
    main()

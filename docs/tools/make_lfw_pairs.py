#!/usr/bin/env python3
"""Writes an LFW-style pairs file (10 folds of N same-person and N different-person pairs)
from a folder laid out like LFW (DIR/<name>/<name>_<iiii>.jpg), with a fixed seed, so
`kindred bench lfw` can be run with 10-fold cross-validation on a development set.

Usage: make_lfw_pairs.py IMAGES_DIR [--folds 10] [--per-fold 60] [--seed 1] > pairs.txt

Folds are disjoint by person (like View 2): a person's photos appear in one fold only.
"""
import argparse
import os
import random
import re

parser = argparse.ArgumentParser()
parser.add_argument("images")
parser.add_argument("--folds", type=int, default=10)
parser.add_argument("--per-fold", type=int, default=60)
parser.add_argument("--seed", type=int, default=1)
args = parser.parse_args()

rng = random.Random(args.seed)
people = {}
for name in sorted(os.listdir(args.images)):
    folder = os.path.join(args.images, name)
    if not os.path.isdir(folder):
        continue
    numbers = []
    for f in sorted(os.listdir(folder)):
        m = re.fullmatch(re.escape(name) + r"_(\d{4})\.jpg", f)
        if m:
            numbers.append(int(m.group(1)))
    if numbers:
        people[name] = numbers

names = sorted(people)
rng.shuffle(names)
folds = [names[i :: args.folds] for i in range(args.folds)]
print(f"{args.folds}\t{args.per_fold}")
for fold in folds:
    multi = [n for n in fold if len(people[n]) >= 2]
    same = set()
    while len(same) < args.per_fold:
        n = rng.choice(multi)
        i, j = sorted(rng.sample(people[n], 2))
        same.add((n, i, j))
    diff = set()
    while len(diff) < args.per_fold:
        a, b = sorted(rng.sample(fold, 2))
        diff.add((a, rng.choice(people[a]), b, rng.choice(people[b])))
    for n, i, j in sorted(same):
        print(f"{n}\t{i}\t{j}")
    for a, i, b, j in sorted(diff):
        print(f"{a}\t{i}\t{b}\t{j}")

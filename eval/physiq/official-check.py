#!/usr/bin/env python3
"""Physics-IQ metrics computed the way DeepMind's code does (OpenCV + NumPy), for official.test.ts.

Reads the clips official-fixture.ts wrote (raw RGB bytes and a JSON list of comparisons), runs
the official per-view pipeline on each comparison -- cv2.cvtColor BGR2GRAY, GaussianBlur 5x5,
accumulateWeighted 0.3 into a float64 background, convertScaleAbs, absdiff, threshold > 10,
morphological open then close with a 5x5 kernel, masks stored as 0/255 frames; frames and masks
cv2.resize'd to a quarter of the reference's size; masks > 127; frames / 255 then float32 MSE;
the first fps*5 frames -- and prints JSON: for each comparison the four metrics with the masks
kept losslessly, and with the masks stored as the official code stores them (an mp4v video
written by cv2.VideoWriter and read back), to measure what that storage costs.

Needs python3 with numpy and cv2 (Debian: apt-get install python3-opencv). Usage:
    python3 official-check.py DIR > out.json
"""
import json
import os
import sys
import tempfile

import cv2
import numpy as np


def read_clip(folder, clip):
    raw = np.fromfile(os.path.join(folder, clip["file"]), dtype=np.uint8)
    rgb = raw.reshape(clip["frames"], clip["height"], clip["width"], 3)
    return [np.ascontiguousarray(f[:, :, ::-1]) for f in rgb]  # BGR, as cv2.VideoCapture gives


def motion_masks(frames):
    kernel = np.ones((5, 5), np.uint8)
    gray = cv2.GaussianBlur(cv2.cvtColor(frames[0], cv2.COLOR_BGR2GRAY), (5, 5), 0)
    background = gray.astype("float")
    masks = [np.zeros_like(gray, dtype=np.uint8)]
    for frame in frames[1:]:
        gray = cv2.GaussianBlur(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), (5, 5), 0)
        cv2.accumulateWeighted(gray, background, 0.3)
        diff = cv2.absdiff(gray, cv2.convertScaleAbs(background))
        _, binary = cv2.threshold(diff, 10, 255, cv2.THRESH_BINARY)
        binary = cv2.morphologyEx(binary, cv2.MORPH_OPEN, kernel)
        binary = cv2.morphologyEx(binary, cv2.MORPH_CLOSE, kernel)
        masks.append(binary)
    return masks


def stored_losslessly(masks):
    return [cv2.cvtColor(m, cv2.COLOR_GRAY2BGR) for m in masks]


def stored_as_mp4v(masks, fps):
    height, width = masks[0].shape
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "mask.mp4")
        out = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*"mp4v"), fps, (width, height), isColor=False)
        for m in masks:
            out.write(m)
        out.release()
        cap = cv2.VideoCapture(path)
        back = []
        while True:
            ok, frame = cap.read()
            if not ok:
                break
            back.append(frame)
        cap.release()
    return back


def shrink(frames, count, size, normalize):
    out = []
    for frame in frames[:count]:
        frame = cv2.resize(frame, size)
        out.append(frame / 255.0 if normalize else frame)
    return out


def iou_counts(a, b):
    union = np.logical_or(a, b).sum()
    return 1.0 if union == 0 else np.logical_and(a, b).sum() / union


def metrics(gen, ref, fps, variance, storage):
    count = fps * 5
    size = (ref[0].shape[1] // 4, ref[0].shape[0] // 4)
    gen_frames, ref_frames = shrink(gen, count, size, True), shrink(ref, count, size, True)
    gm = [(m > 127).astype(np.uint8) for m in shrink(storage(motion_masks(gen[:count])), count, size, False)]
    rm = [(m > 127).astype(np.uint8) for m in shrink(storage(motion_masks(ref[:count])), count, size, False)]
    if len(gen_frames) != len(ref_frames):
        raise ValueError("Videos must have the same number of frames.")
    mse = [np.mean((a.astype(np.float32) - b.astype(np.float32)) ** 2) for a, b in zip(gen_frames, ref_frames)]
    st = [iou_counts(a, b) for a, b in zip(gm, rm)]
    spatial = iou_counts((np.max(gm, axis=0) > 0), (np.max(rm, axis=0) > 0))
    wg = np.sum(gm, axis=0, dtype=np.uint16) / len(gm)
    wr = np.sum(rm, axis=0, dtype=np.uint16) / len(rm)
    lo, hi = np.minimum(wg, wr), np.maximum(wg, wr)
    if variance:  # the official code's variance: sums over every pixel
        weighted = 1.0 if np.sum(hi) == 0 else np.sum(lo) / np.sum(hi)
    else:
        valid = hi > 0
        weighted = 1.0 if np.sum(valid) == 0 else np.sum(lo[valid]) / np.sum(hi[valid])
    return {
        "spatialIou": float(spatial),
        "spatiotemporalIou": float(np.mean([float(v) for v in st])),
        "weightedSpatialIou": float(weighted),
        "mse": float(np.mean([float(v) for v in mse])),
    }


def main():
    folder = sys.argv[1]
    spec = json.load(open(os.path.join(folder, "clips.json")))
    clips = {c["name"]: c for c in spec["clips"]}
    frames = {name: read_clip(folder, c) for name, c in clips.items()}
    results = []
    for cmp in spec["comparisons"]:
        gen, ref = frames[cmp["generated"]], frames[cmp["reference"]]
        fps = round(clips[cmp["reference"]]["fps"])
        results.append({
            **cmp,
            "lossless": metrics(gen, ref, fps, cmp["variance"], stored_losslessly),
            "mp4v": metrics(gen, ref, fps, cmp["variance"], lambda m: stored_as_mp4v(m, fps)),
        })
    json.dump({"opencv": cv2.__version__, "numpy": np.__version__, "results": results}, sys.stdout, indent=1)


if __name__ == "__main__":
    main()

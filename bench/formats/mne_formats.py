#!/usr/bin/python3
"""Read + ZUNA preprocessing chain with MNE 1.3 (Debian python3-mne) for the non-FIF formats, timed per file, for
comparison with `zuna bench preprocess`. The reader is picked by extension (read_raw_edf/bdf/brainvision/eeglab,
read_epochs for -epo.fif, read_epochs_eeglab for -epo.set, numpy.loadtxt + RawArray for CSV); channels without a file
position get standard_1005 by name (unknown names left out, as Zuna does). Epochs files take the original's epochs path (resample, average reference,
per-epoch per-channel z-score).

    /usr/bin/python3 bench/formats/mne_formats.py FILE [FILE ...]

Prints one JSON line per file, with the same keys as bench/preprocess/mne_preprocess.py.
"""
import json
import os
import sys
import time

import mne
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "preprocess"))
from mne_preprocess import peak_rss_mb, reset_peak_rss  # noqa: E402

mne.set_log_level("error")


def read(path):
    ext = os.path.splitext(path)[1].lower()
    if ext == ".edf":
        return mne.io.read_raw_edf(path, preload=True)
    if ext == ".bdf":
        return mne.io.read_raw_bdf(path, preload=True)
    if ext == ".vhdr":
        return mne.io.read_raw_brainvision(path, preload=True)
    if path.endswith("-epo.set"):  # epoched EEGLAB sets as bench/formats/epoched_set.py names them
        return mne.read_epochs_eeglab(path)
    if ext == ".set":
        return mne.io.read_raw_eeglab(path, preload=True)  # MAT v7.3 needs pymatreader, absent here: reported as an error
    if path.endswith("-epo.fif"):
        return mne.read_epochs(path, preload=True)
    if ext == ".csv":
        lines = [l for l in open(path) if not l.startswith("#") and l.strip()]
        names = [s.strip() for s in lines[0].split(",")][1:]
        x = np.loadtxt(lines[1:], delimiter=",", ndmin=2)
        info = mne.create_info(names, round(1.0 / (x[1, 0] - x[0, 0]), 3), "eeg")
        return mne.io.RawArray(x[:, 1:].T.copy(), info)
    if ext == ".npy":  # [channels, samples] with the sidecar beside it, as Zuna reads it
        meta = json.load(open(path[:-4] + ".json"))
        scale = {"uV": 1e-6, "µV": 1e-6, "V": 1.0}[meta.get("units", "V")]
        info = mne.create_info(meta["channel_names"], meta["sfreq"], "eeg")
        return mne.io.RawArray(np.load(path).astype(np.float64) * scale, info)
    raise SystemExit(f"unsupported: {path}")


def preprocess_epochs(ep):
    ep.pick(mne.pick_types(ep.info, meg=False, eeg=True, exclude=[]))
    if ep.info["sfreq"] != 256.0:
        ep.resample(256.0)
    ep.set_eeg_reference("average", projection=False)
    x = ep.get_data()
    m, s = x.mean(axis=2, keepdims=True), x.std(axis=2, keepdims=True)
    return np.where(s > 0, (x - m) / np.where(s > 0, s, 1.0), x).astype(np.float32)


def preprocess(raw):
    if isinstance(raw, mne.BaseEpochs):
        return preprocess_epochs(raw)
    raw.pick(mne.pick_types(raw.info, meg=False, eeg=True, exclude=[]))
    montage = raw.get_montage()
    pos = montage.get_positions()["ch_pos"] if montage is not None else {}
    keep = [n for n in raw.ch_names if n in pos and np.isfinite(pos[n]).all() and not np.allclose(pos[n], 0)]
    if not keep:
        raw.set_montage(mne.channels.make_standard_montage("standard_1005"), match_case=False, on_missing="ignore")
        keep = [c["ch_name"] for c in raw.info["chs"] if np.isfinite(c["loc"][:3]).all() and not np.allclose(c["loc"][:3], 0)]
    raw.pick(keep)
    if raw.info["sfreq"] != 256.0:
        raw.resample(256.0)
    raw.filter(l_freq=0.5, h_freq=None)
    raw.set_eeg_reference("average", projection=False)
    data = raw.get_data()
    mean, std = data.mean(), data.std()
    raw._data = (raw._data - mean) / std
    epochs = mne.make_fixed_length_epochs(raw, duration=5.0, preload=True)
    epochs.apply_baseline((None, None))
    return epochs.get_data().astype(np.float32)


def measure(path):
    reset_peak_rss()
    c0, t0 = time.process_time(), time.perf_counter()
    try:
        raw = read(path)
    except Exception as e:  # e.g. MAT v7.3 without pymatreader
        return dict(file=path, read_ms=float("nan"), preprocess_ms=float("nan"), total_ms=float("nan"), cpu_ms=float("nan"),
                    peak_rss_mb=peak_rss_mb(), result="unreadable: " + type(e).__name__)
    t1 = time.perf_counter()
    try:
        result = "x".join(str(v) for v in preprocess(raw).shape)
    except Exception as e:  # too short, no 10-05 name, flat: still report the read time
        result = "rejected: " + type(e).__name__
    t2, c2 = time.perf_counter(), time.process_time()
    return dict(file=path, read_ms=(t1 - t0) * 1e3, preprocess_ms=(t2 - t1) * 1e3, total_ms=(t2 - t0) * 1e3,
                cpu_ms=(c2 - c0) * 1e3, peak_rss_mb=peak_rss_mb(), result=result)


if __name__ == "__main__":
    measure(sys.argv[1])  # warm-up (imports, first calls), untimed
    for f in sys.argv[1:]:
        print(json.dumps(measure(f)), flush=True)

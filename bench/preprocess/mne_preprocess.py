#!/usr/bin/python3
"""The ZUNA preprocessing chain with MNE 1.3 (Debian python3-mne), timed per file, for comparison with
`zuna bench preprocess`. Same steps as zuna.preprocessing() (raw path, defaults) and as Zuna.Engine's Preprocessor:
read (preload) -> keep EEG channels with positions (else set standard_1005) -> resample 256 Hz -> high-pass 0.5 Hz
-> average reference -> global z-score -> 5-s fixed-length epochs (reject_by_annotation) -> per-epoch baseline.

    /usr/bin/python3 bench/preprocess/mne_preprocess.py [--warmup FILE.fif] FILE.fif [FILE2.fif ...]

A warm-up run (untimed) comes first. Prints one JSON line per file: read_ms, preprocess_ms, total_ms (wall clock),
cpu_ms (CPU time of all threads: steadier than wall clock on a shared machine), peak_rss_mb (VmHWM while handling
that file, reset through /proc/self/clear_refs).
"""
import json
import resource
import sys
import time

import mne
import numpy as np


def preprocess(raw):
    picks = mne.pick_types(raw.info, meg=False, eeg=True, exclude=[])
    raw.pick(picks)
    montage = raw.get_montage()
    pos = montage.get_positions()["ch_pos"] if montage is not None else {}
    keep = [n for n in raw.ch_names if n in pos and not np.allclose(pos[n], 0) and np.isfinite(pos[n]).all()]
    if not keep:
        raw.set_montage(mne.channels.make_standard_montage("standard_1005"), match_case=False)
        keep = raw.ch_names
    raw.pick(keep)
    if raw.info["sfreq"] != 256.0:
        raw.resample(256.0)
    raw.filter(l_freq=0.5, h_freq=None)
    raw.set_eeg_reference("average", projection=False)
    good = mne.pick_types(raw.info, eeg=True, exclude="bads")
    data = raw.get_data()
    mean = data[good].mean()
    std = data[good].std()
    raw._data = (raw._data - mean) / std
    epochs = mne.make_fixed_length_epochs(raw, duration=5.0, preload=True)
    epochs.apply_baseline((None, None))
    x = epochs.get_data().astype(np.float32)
    return x, mean, std


def reset_peak_rss():
    # Writing 5 to clear_refs resets VmHWM (Linux >= 4.0), so each file gets its own peak.
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def peak_rss_mb():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def measure(path):
    reset_peak_rss()
    c0 = time.process_time()
    t0 = time.perf_counter()
    raw = mne.io.read_raw_fif(path, preload=True)
    t1 = time.perf_counter()
    try:
        x, mean, std = preprocess(raw)
        result = "x".join(str(v) for v in x.shape)
    except Exception as e:  # too short, no positions, ...: still report the read time
        result = "rejected: " + type(e).__name__
    t2 = time.perf_counter()
    c2 = time.process_time()
    return dict(file=path, read_ms=(t1 - t0) * 1e3, preprocess_ms=(t2 - t1) * 1e3, total_ms=(t2 - t0) * 1e3,
                cpu_ms=(c2 - c0) * 1e3,
                peak_rss_mb=peak_rss_mb(), result=result)


def main(argv):
    mne.set_log_level("ERROR")
    warmup = None
    if argv and argv[0] == "--warmup":
        warmup, argv = argv[1], argv[2:]
    measure(warmup or argv[0])  # untimed: imports, FFT set-up, first-call costs
    for path in argv:
        print(json.dumps(measure(path)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])

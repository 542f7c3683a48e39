#!/usr/bin/python3
"""The ZUNA preprocessing chain with MNE 1.3 (Debian python3-mne), timed per file, for comparison with
`zuna bench preprocess`. Same steps as zuna.preprocessing() (raw path, defaults) and as Zuna.Engine's Preprocessor:
read (preload) -> keep EEG channels with positions (else set standard_1005) -> resample 256 Hz -> high-pass 0.5 Hz
-> average reference -> global z-score -> 5-s fixed-length epochs (reject_by_annotation) -> per-epoch baseline.

    /usr/bin/python3 bench/preprocess/mne_preprocess.py FILE.fif [FILE2.fif ...]

Prints one JSON line per file: read_s, preprocess_s, total_s (wall clock), peak_rss_mb of this process so far
(run one file per process to get a per-file peak).
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


def main(paths):
    mne.set_log_level("ERROR")
    for path in paths:
        t0 = time.perf_counter()
        raw = mne.io.read_raw_fif(path, preload=True)
        t1 = time.perf_counter()
        x, mean, std = preprocess(raw)
        t2 = time.perf_counter()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
        print(json.dumps(dict(file=path, read_s=t1 - t0, preprocess_s=t2 - t1, total_s=t2 - t0,
                              peak_rss_mb=peak, epochs=list(x.shape), std=std)), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])

"""Small EEGLAB .set seeds for the fuzzer, written with scipy.io.savemat (MAT v5, as EEGLAB saves without -v7.3).

The harness gives every .set input the same companion `fuzz.fdt` (4 channels x 640 float32 samples, see
harness/Companions.cs), so the seed whose EEG.data names it matches it in size; a second seed embeds its data, a
third is epoched (2 trials of 320). Small seeds keep each execution short: the shared corpus's sets name data files
of up to 4 MB.
    python3 bench/fuzz/set_seeds.py OUT_DIR
"""
import os
import sys

import numpy as np
import scipy.io

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
labels = ["Fp1", "Fp2", "Cz", "Pz"]
xyz = [(80.8, 26.1, -4.0), (80.8, -26.1, -4.0), (0.0, 0.0, 88.0), (-58.5, 0.0, 66.5)]
chan = np.zeros(4, dtype=[("labels", "O"), ("type", "O"), ("X", "O"), ("Y", "O"), ("Z", "O")])
for i, name in enumerate(labels):
    chan[i] = (name, "EEG", *xyz[i])
event = np.zeros(2, dtype=[("type", "O"), ("latency", "O"), ("duration", "O")])
event[0] = ("stim", 100.0, 0.0)
event[1] = ("BAD_seg", 300.0, 40.0)


def save(name, data, pnts, trials):
    eeg = dict(setname="fuzz", nbchan=4.0, pnts=float(pnts), trials=float(trials), srate=128.0, xmin=0.0,
               xmax=(pnts - 1) / 128.0, data=data, chanlocs=chan, event=event)
    scipy.io.savemat(os.path.join(out, name), {"EEG": eeg}, appendmat=False)


signal = (20 * np.sin(np.arange(4 * 640) * 0.05)).reshape(4, 640).astype(np.float32)
save("fdt_4ch.set", "fuzz.fdt", 640, 1)
save("embedded_4ch.set", signal, 640, 1)
save("epoched_4ch.set", signal.reshape(4, 320, 2), 320, 2)

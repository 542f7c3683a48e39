#!/usr/bin/python3
"""Writes two epoched EEGLAB datasets for bench/formats/epoched_set.sh, as scipy.io.savemat saves an EEG struct: 64 EEG
channels (standard_1020 names, chanlocs X/Y/Z in EEGLAB's frame), 500 Hz, 200 epochs of 2 s from -0.2 s, noisy sines
in µV; one with the data embedded (double), one with a float32 .fdt. Names end in -epo.set, which mne_formats.py reads
with read_epochs_eeglab.

    /usr/bin/python3 bench/formats/epoched_set.py OUT_DIR
"""
import os
import sys

import mne
import numpy as np
import scipy.io

out_dir = sys.argv[1]
montage = mne.channels.make_standard_montage("standard_1020")
pos = montage.get_positions()["ch_pos"]
labels = [n for n in montage.ch_names if n in pos][:64]
nbchan, pnts, trials, srate, xmin = len(labels), 1000, 200, 500.0, -0.2
rng = np.random.default_rng(1)
t = np.arange(pnts) / srate
freqs = rng.uniform(2, 30, size=(nbchan, 1, trials))
data = 30 * np.sin(2 * np.pi * freqs * t[None, :, None]) + 8 * rng.standard_normal((nbchan, pnts, trials))

chan = np.zeros(nbchan, dtype=[("labels", "O"), ("type", "O"), ("X", "O"), ("Y", "O"), ("Z", "O")])
for i, name in enumerate(labels):
    x, y, z = pos[name] * 1000  # MNE head frame (m) → EEGLAB's (mm, X to the nose): X = y, Y = −x
    chan[i] = (name, "EEG", y, -x, z)
event = np.zeros(trials, dtype=[("type", "O"), ("latency", "O"), ("epoch", "O")])
epoch = np.zeros(trials, dtype=[("event", "O"), ("eventtype", "O"), ("eventlatency", "O")])
for e in range(trials):
    kind = "target" if e % 3 == 0 else "standard"
    event[e] = (kind, float(e * pnts + round(-xmin * srate) + 1), float(e + 1))
    epoch[e] = (float(e + 1), kind, 0.0)


def save(name, eeg_data):
    eeg = dict(setname=name, nbchan=float(nbchan), pnts=float(pnts), trials=float(trials), srate=srate, xmin=xmin,
               xmax=xmin + (pnts - 1) / srate, data=eeg_data, chanlocs=chan, event=event, epoch=epoch)
    scipy.io.savemat(os.path.join(out_dir, name), {"EEG": eeg}, appendmat=False)


save("b_embedded_64ch_200tr-epo.set", data)
save("b_fdt_64ch_200tr-epo.set", "b_fdt_64ch_200tr-epo.fdt")
data.ravel(order="F").astype("<f4").tofile(os.path.join(out_dir, "b_fdt_64ch_200tr-epo.fdt"))

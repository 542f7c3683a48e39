#!/usr/bin/python3
"""One fresh MNE 1.3 process doing what `zuna preprocess FILE --out OUT` does: import, read, the ZUNA preprocessing chain
(the same steps as mne_preprocess.py), write the epochs. Timed from outside (bench/preprocess/run.sh), start-up included.

    /usr/bin/python3 bench/preprocess/mne_end_to_end.py FILE.fif OUT.npy
"""
import sys

import mne
import numpy as np

from mne_preprocess import preprocess

mne.set_log_level("ERROR")
x, mean, std = preprocess(mne.io.read_raw_fif(sys.argv[1], preload=True))
np.save(sys.argv[2], x)

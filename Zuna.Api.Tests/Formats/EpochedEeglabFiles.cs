using System.Diagnostics;
using System.Text.Json;
using Zuna.Api.Tests.Fif;

namespace Zuna.Api.Tests.Formats;

/// <summary>
/// Epoched EEGLAB datasets written at test time with Debian's Python (scipy.io.savemat of an EEG struct, as EEGLAB
/// saves one) and MNE 1.3's reading of them: "embedded.set" (double data inside the .set), "fdt.set" + "fdt.fdt"
/// (float32 beside it), "mismatch.set" (data for 4 trials, EEG.trials = 5), "noxmin.set"
/// (no EEG.xmin) and, where h5py is installed, "v73.set"
/// (the same dataset as MATLAB 7.3 saves it: HDF5, fields at the top level, single data; MNE 1.3 reads it only with
/// pymatreader, which Debian lacks, so it is compared with MNE's reading of embedded.set). Each good file holds 4 epochs of 1000
/// samples at 500 Hz from −0.2 s: 7 EEG channels with positions, one EEG channel without one and a VEOG channel.
/// MNE's answer for each good file: the epochs as read and its epochs pipeline (pick the EEG channels with a position,
/// Epochs.resample to 256 Hz with edge padding, average reference, z-score per epoch and channel).
/// </summary>
public sealed class EpochedEeglabFiles : IDisposable
{
    private const string Script = """
        import json, sys, os, numpy as np, scipy.io, mne
        out_dir = sys.argv[1]
        rng = np.random.default_rng(5)
        nbchan, pnts, trials, srate, xmin = 9, 1000, 4, 500.0, -0.2
        labels = ["Fz", "Cz", "Pz", "C3", "C4", "O1", "O2", "Xtra", "VEOG"]
        types = ["EEG"] * 8 + ["EOG"]
        xyz = [(58.5, 0.0, 66.5), (0.0, 0.0, 88.0), (-58.5, 0.0, 66.5), (0.0, 62.0, 62.0), (0.0, -62.0, 62.0),
               (-80.0, 26.0, 6.0), (-80.0, -26.0, 6.0), None, (70.0, 30.0, -20.0)]
        t = np.arange(pnts) / srate
        data = np.empty((nbchan, pnts, trials))
        for c in range(nbchan):
            for e in range(trials):
                data[c, :, e] = 20 * np.sin(2 * np.pi * (3 + c + e) * t + c) + 5 * rng.standard_normal(pnts) + 10 * c
        chan = np.zeros(nbchan, dtype=[("labels", "O"), ("type", "O"), ("X", "O"), ("Y", "O"), ("Z", "O")])
        for i in range(nbchan):
            p = xyz[i] if xyz[i] is not None else (np.array([]),) * 3
            chan[i] = (labels[i], types[i], p[0], p[1], p[2])
        onset = int(round(-xmin * srate)) + 1  # EEGLAB latencies count samples from 1 over the concatenated epochs
        kinds = ["target", "standard", "target", "standard"]
        event = np.zeros(trials, dtype=[("type", "O"), ("latency", "O"), ("epoch", "O")])
        epoch = np.zeros(trials, dtype=[("event", "O"), ("eventtype", "O"), ("eventlatency", "O")])
        for e in range(trials):
            event[e] = (kinds[e], float(e * pnts + onset), float(e + 1))
            epoch[e] = (float(e + 1), kinds[e], 0.0)

        def save(name, eeg_data, n_trials=trials, without=()):
            eeg = dict(setname="epoched", nbchan=float(nbchan), pnts=float(pnts), trials=float(n_trials), srate=srate,
                       xmin=xmin, xmax=xmin + (pnts - 1) / srate, data=eeg_data, chanlocs=chan, event=event, epoch=epoch)
            for field in without:
                del eeg[field]
            scipy.io.savemat(os.path.join(out_dir, name), {"EEG": eeg}, appendmat=False)

        save("embedded.set", data)
        save("fdt.set", "fdt.fdt")
        data.ravel(order="F").astype("<f4").tofile(os.path.join(out_dir, "fdt.fdt"))
        save("mismatch.set", data, n_trials=5)
        save("noxmin.set", data, without=("xmin",))

        try:
            import h5py
            has_h5py = True
        except ImportError:
            has_h5py = False


        def write_v73(path, fields):
            # MATLAB's layout: a 512-byte text header (the HDF5 user block), then one dataset or group per variable, each
            # marked with MATLAB_class; arrays transposed (HDF5 holds the reverse of MATLAB's dims), char as uint16,
            # struct arrays as groups of reference datasets into #refs#.
            with h5py.File(path, "w", userblock_size=512) as f:
                refs = f.create_group("#refs#")
                def put(parent, name, value):
                    if isinstance(value, str):
                        d = parent.create_dataset(name, data=np.array([[ord(c)] for c in value], dtype="<u2"))
                        d.attrs["MATLAB_class"] = np.bytes_("char")
                    elif isinstance(value, np.ndarray) and value.dtype.names:
                        g = parent.create_group(name)
                        g.attrs["MATLAB_class"] = np.bytes_("struct")
                        for field in value.dtype.names:
                            targets = []
                            for i, item in enumerate(value[field]):
                                key = f"{name}_{field}_{i}"
                                put(refs, key, item)
                                targets.append(refs[key].ref)
                            g.create_dataset(field, data=np.array([targets], dtype=h5py.ref_dtype))
                    elif isinstance(value, np.ndarray) and value.size == 0:
                        d = parent.create_dataset(name, data=np.zeros(2, dtype="<u8"))
                        d.attrs["MATLAB_class"] = np.bytes_("double")
                        d.attrs["MATLAB_empty"] = np.uint8(1)
                    else:
                        a = np.asarray(value)
                        a = a.reshape(a.shape + (1,) * (2 - a.ndim)) if a.ndim < 2 else a
                        d = parent.create_dataset(name, data=np.ascontiguousarray(a.T))
                        d.attrs["MATLAB_class"] = np.bytes_("single" if a.dtype == np.float32 else "double")
                for name, value in fields.items():
                    put(f, name, value)
            with open(path, "r+b") as f:
                f.write(b"MATLAB 7.3 MAT-file, written by the Zuna tests".ljust(116) + b"\0" * 8 + b"\x00\x02IM")

        if has_h5py:
            write_v73(os.path.join(out_dir, "v73.set"), dict(setname="epoched", nbchan=float(nbchan), pnts=float(pnts), trials=float(trials),
                      srate=srate, xmin=xmin, xmax=xmin + (pnts - 1) / srate, data=data.astype(np.float32), chanlocs=chan, event=event, epoch=epoch))

        result = {}
        for name in ["embedded.set", "fdt.set"]:
            epochs = mne.read_epochs_eeglab(os.path.join(out_dir, name), verbose="error")
            read = {"ch_names": epochs.ch_names, "sfreq": epochs.info["sfreq"], "n_epochs": len(epochs), "tmin": epochs.tmin,
                    "data": epochs.get_data().tolist()}
            picks = [ch["ch_name"] for ch in epochs.info["chs"]
                     if ch["kind"] == mne.io.constants.FIFF.FIFFV_EEG_CH and np.all(np.isfinite(ch["loc"][:3])) and np.any(ch["loc"][:3] != 0)]
            epochs.pick(picks).resample(256.0, npad="auto", pad="edge").set_eeg_reference("average", projection=False, verbose="error")
            x = epochs.get_data()
            z = (x - x.mean(axis=-1, keepdims=True)) / x.std(axis=-1, keepdims=True)
            read["pipeline"] = {"ch_names": epochs.ch_names, "pos": [ch["loc"][:3].tolist() for ch in epochs.info["chs"]], "epochs": z.tolist()}
            result[name] = read
        print(json.dumps(result))
        """;

    public string Folder { get; } = Directory.CreateTempSubdirectory("zuna-epoched-set-").FullName;

    /// <summary>MNE's answer per good file name; null where Python or MNE is missing (the tests are then skipped).</summary>
    public JsonElement? Mne { get; }

    public EpochedEeglabFiles()
    {
        if (!File.Exists(PythonMneFactAttribute.Python)) return;
        var start = new ProcessStartInfo(PythonMneFactAttribute.Python, ["-c", Script, Folder]) { RedirectStandardOutput = true, RedirectStandardError = true };
        using var python = Process.Start(start)!;
        var stdout = python.StandardOutput.ReadToEndAsync();
        string stderr = python.StandardError.ReadToEnd();
        python.WaitForExit();
        // Without MNE (or scipy) the attribute skips each test; with it, a failing script is a failure worth reading.
        if (python.ExitCode != 0 && stderr.Contains("ModuleNotFoundError", StringComparison.Ordinal)) return;
        if (python.ExitCode != 0) throw new InvalidOperationException("generating the epoched .set files failed: " + stderr);
        Mne = JsonDocument.Parse(stdout.Result).RootElement.Clone();
    }

    public string PathOf(string name) => System.IO.Path.Combine(Folder, name);

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}

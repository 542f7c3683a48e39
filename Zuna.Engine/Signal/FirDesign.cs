using MathNet.Numerics;

namespace Zuna.Engine.Signal;

/// <summary>
/// MNE's FIR high-pass design with its defaults (mne/filter.py <c>create_filter</c>, <c>_triage_filter_params</c>,
/// <c>_firwin_design</c>; scipy.signal.firwin): fir_design='firwin', window 'hamming', filter_length='auto',
/// l_trans_bandwidth='auto'.
/// </summary>
public static class FirDesign
{
    /// <summary>Main-lobe factor of the Hamming window (MNE's _length_factors['hamming']).</summary>
    private const double HammingLengthFactor = 3.3;

    /// <summary>'auto' transition band of a high-pass: min(max(0.25·l_freq, 2), l_freq) Hz.</summary>
    public static double AutoLowTransitionBandwidth(double lowFreq) => Math.Min(Math.Max(0.25 * lowFreq, 2.0), lowFreq);

    /// <summary>'auto' filter length: ceil(3.3 / transition · sfreq) samples, made odd (1691 at 256 Hz, 0.5 Hz).</summary>
    public static int AutoLength(double sampleRate, double transitionBandwidth)
    {
        int n = (int)Math.Ceiling(HammingLengthFactor / transitionBandwidth * sampleRate);
        return n + (n - 1) % 2;
    }

    /// <summary>
    /// Taps of the zero-phase high-pass at <paramref name="lowFreq"/> Hz: a unit impulse minus a Hamming-windowed
    /// low-pass (firwin) with its −6 dB point at lowFreq − transition/2.
    /// </summary>
    public static double[] HighPass(double sampleRate, double lowFreq)
    {
        double nyquist = sampleRate / 2;
        if (!(lowFreq > 0) || lowFreq >= nyquist)
            throw new ArgumentOutOfRangeException(nameof(lowFreq), $"high-pass frequency {lowFreq} Hz must lie in (0, {nyquist}) Hz");
        double transition = AutoLowTransitionBandwidth(lowFreq);
        double stopFreq = lowFreq - transition;
        int length = AutoLength(sampleRate, transition);

        var h = new double[length];
        h[length / 2] = 1; // gain 1 at Nyquist: start from "all pass"
        // Frequencies normalised by Nyquist; the single 1 -> 0 step lies between stopFreq and lowFreq.
        double fPass = lowFreq / nyquist, fStop = stopFreq / nyquist;
        double halfTransition = (fPass - fStop) / 2;
        int m = (int)Math.Round(HammingLengthFactor / halfTransition, MidpointRounding.ToEven);
        m += 1 - m % 2;
        if (m > length)
            throw new ArgumentException($"filter length {length} is too short for a {halfTransition * nyquist:F2} Hz transition band (needs {m}).");
        double[] lowPass = FirwinLowPass(m, (fPass + fStop) / 2);
        int offset = (length - m) / 2;
        for (int i = 0; i < m; i++) h[offset + i] -= lowPass[i];
        return h;
    }

    /// <summary>
    /// scipy.signal.firwin(numtaps, cutoff, window='hamming', pass_zero=True, scale=True) with the cutoff
    /// relative to Nyquist: c·sinc(c·(i − (M−1)/2)) × symmetric Hamming, scaled to unit DC gain.
    /// </summary>
    public static double[] FirwinLowPass(int numTaps, double cutoff)
    {
        var h = new double[numTaps];
        double alpha = 0.5 * (numTaps - 1);
        double sum = 0;
        for (int i = 0; i < numTaps; i++)
        {
            double m = i - alpha;
            // scipy's Hamming (0.54/0.46), written out: MathNet's Window.Hamming uses 0.53836/0.46164.
            double window = numTaps == 1 ? 1.0 : 0.54 - 0.46 * Math.Cos(2 * Math.PI * i / (numTaps - 1));
            h[i] = cutoff * Trig.Sinc(cutoff * m) * window;
            sum += h[i];
        }
        for (int i = 0; i < numTaps; i++) h[i] /= sum;
        return h;
    }
}

// A recording as the page draws it: one continuous trace per channel (the epochs of the [E, C, T] tensors laid end
// to end, 256 Hz, z-units), with a min/max pyramid so an hour of 64 channels draws in a few thousand steps per frame.

import { SafeTensors } from "./safetensors";

export const SampleRate = 256;
export const CellSamples = 32; // one model token: 0.125 s of one channel

/** Blocks of 8^level samples: level 0 is the signal itself, level k keeps the min and max of each block. */
export class Trace {
  readonly mins: Float32Array[] = [];
  readonly maxs: Float32Array[] = [];

  constructor(readonly samples: Float32Array) {
    let min = samples, max = samples;
    this.mins.push(min); this.maxs.push(max);
    while (min.length > 64) {
      const n = Math.ceil(min.length / 8);
      const nextMin = new Float32Array(n), nextMax = new Float32Array(n);
      for (let b = 0; b < n; b++) {
        let lo = Infinity, hi = -Infinity;
        for (let i = b * 8, end = Math.min(min.length, i + 8); i < end; i++) {
          if (min[i] < lo) lo = min[i];
          if (max[i] > hi) hi = max[i];
        }
        nextMin[b] = lo; nextMax[b] = hi;
      }
      min = nextMin; max = nextMax;
      this.mins.push(min); this.maxs.push(max);
    }
  }

  /** Robust spread (mean absolute value over a strided sample), for a first per-channel scale. */
  spread(): number {
    const x = this.samples, step = Math.max(1, Math.floor(x.length / 20000));
    let sum = 0, n = 0;
    for (let i = 0; i < x.length; i += step) { sum += Math.abs(x[i]); n++; }
    return n > 0 && sum > 0 ? sum / n : 1;
  }
}

export class Recording {
  constructor(
    readonly names: string[],
    readonly positions: Float32Array, // [C, 3] metres, head frame
    readonly traces: Trace[],
    readonly metadata: Record<string, string>,
  ) {}

  get channelCount(): number { return this.names.length; }
  get sampleCount(): number { return this.traces[0]?.samples.length ?? 0; }
  get duration(): number { return this.sampleCount / SampleRate; }

  indexOf(name: string): number { return this.names.indexOf(name); }

  /** From a preprocess or reconstruction result: tensor [E, C, T] named `tensor`, chan_pos, channel_names. */
  static fromResult(file: SafeTensors, tensor: string): Recording {
    const t = file.tensor(tensor);
    const [epochs, channels, samples] = t.shape;
    const data = file.floats(tensor);
    const names = JSON.parse(file.metadata["channel_names"] ?? "[]") as string[];
    if (names.length !== channels) throw new Error(`channel_names lists ${names.length} names for ${channels} channels`);
    const traces: Trace[] = [];
    for (let c = 0; c < channels; c++) {
      const x = new Float32Array(epochs * samples);
      for (let e = 0; e < epochs; e++) x.set(data.subarray((e * channels + c) * samples, (e * channels + c + 1) * samples), e * samples);
      traces.push(new Trace(x));
    }
    return new Recording(names, file.floats("chan_pos"), traces, file.metadata);
  }

  /** From a repair result: a continuous [C, N] tensor named `tensor` (volts), chan_pos, channel_names. */
  static fromChannels(file: SafeTensors, tensor: string): Recording {
    const [channels, samples] = file.tensor(tensor).shape;
    const data = file.floats(tensor);
    const names = JSON.parse(file.metadata["channel_names"] ?? "[]") as string[];
    if (names.length !== channels) throw new Error(`channel_names lists ${names.length} names for ${channels} channels`);
    const traces = names.map((_, c) => new Trace(data.slice(c * samples, (c + 1) * samples)));
    return new Recording(names, file.floats("chan_pos"), traces, file.metadata);
  }
}

/** Cells (channel × 32-sample token) the model is asked to fill: whole bad channels and the tokens under each segment. */
export class Mask {
  readonly badChannels = new Set<string>();
  readonly segments: Segment[] = [];

  /** The token range of a segment, widened to whole cells. */
  static cells(segment: Segment): [number, number] {
    return [Math.floor(segment.start * SampleRate / CellSamples), Math.ceil(segment.end * SampleRate / CellSamples)];
  }

  /** The masked cells of one channel as sorted, disjoint [from, to) ranges of cell indices. */
  ranges(channel: string, totalCells: number): [number, number][] {
    if (this.badChannels.has(channel)) return [[0, totalCells]];
    const spans = this.segments.filter(s => s.channel === null || s.channel === channel).map(Mask.cells)
      .map(([a, b]): [number, number] => [Math.max(0, a), Math.min(totalCells, b)]).filter(([a, b]) => b > a)
      .sort((x, y) => x[0] - y[0]);
    const merged: [number, number][] = [];
    for (const [a, b] of spans) {
      const last = merged[merged.length - 1];
      if (last && a <= last[1]) last[1] = Math.max(last[1], b); else merged.push([a, b]);
    }
    return merged;
  }

  /** Masked cell count over the whole recording. */
  count(names: string[], totalCells: number): number {
    return names.reduce((n, name) => n + this.ranges(name, totalCells).reduce((m, [a, b]) => m + b - a, 0), 0);
  }

  get isEmpty(): boolean { return this.badChannels.size === 0 && this.segments.length === 0; }
}

/** A bad stretch of time, for every channel (channel null) or one. Seconds from the start. */
export type Segment = { start: number; end: number; channel: string | null };

// A repair (ZUNA1.1 reconstruct_fif) as the page runs it: the marks become the job's repair_channels and bad_segments,
// and the result's mask, annotations and signals become what the plot shades, labels and compares.

import { Mask, SampleRate, Segment } from "./recording";
import { SafeTensors } from "./safetensors";

/** A span on the time axis, from a file (the recording's annotations) or from the result (ZUNA1.1_infilled). */
export type Annotation = { onset: number; duration: number; description: string; ch_names: string[] };

/** "start-stop" or "start-stop:channel" in seconds, as the bad_segments field takes it. */
export function segmentText(s: Segment): string {
  return `${s.start.toFixed(3)}-${s.end.toFixed(3)}${s.channel === null ? "" : `:${s.channel}`}`;
}

/** The repair fields for the marks: bad channels are repaired throughout, dragged spans become bad segments. */
export function repairFields(mask: Mask): [string, string][] {
  const f: [string, string][] = [];
  if (mask.badChannels.size > 0) f.push(["repair_channels", [...mask.badChannels].join(",")]);
  if (mask.segments.length > 0) f.push(["bad_segments", mask.segments.map(segmentText).join(",")]);
  return f;
}

/** The annotations listed in a file's metadata (JSON list of {onset, duration, description, ch_names}); none when absent or unreadable. */
export function annotationsOf(metadata: Record<string, string>): Annotation[] {
  try {
    const list = JSON.parse(metadata["annotations"] ?? "[]") as Partial<Annotation>[];
    return list.filter(a => typeof a.onset === "number" && typeof a.duration === "number")
      .map(a => ({ onset: a.onset!, duration: a.duration!, description: String(a.description ?? ""), ch_names: (a.ch_names ?? []).map(String) }));
  } catch { return []; }
}

/** The repaired cells of each channel from the result's mask [C, N] (1 = infilled), as [start, end) seconds. */
export function infilledSpans(file: SafeTensors): Map<string, [number, number][]> {
  const [channels, samples] = file.tensor("mask").shape, mask = file.bytes("mask");
  const names = JSON.parse(file.metadata["channel_names"] ?? "[]") as string[];
  const spans = new Map<string, [number, number][]>();
  for (let c = 0; c < channels; c++) {
    const row = mask.subarray(c * samples, (c + 1) * samples), list: [number, number][] = [];
    for (let i = 0; i < samples; i++) {
      if (!row[i]) continue;
      let j = i;
      while (j < samples && row[j]) j++;
      list.push([i / SampleRate, j / SampleRate]);
      i = j;
    }
    spans.set(names[c], list);
  }
  return spans;
}

/**
 * Per channel, the RMS difference between the full reconstruction and the filtered recording over the cells that were
 * not repaired (there the recording is trustworthy), in microvolts; channels with no such cells (added electrodes,
 * channels repaired throughout) are left out.
 */
export function reconstructionErrors(file: SafeTensors): Map<string, number> {
  const [channels, samples] = file.tensor("mask").shape;
  const mask = file.bytes("mask"), full = file.floats("full_reconstruction"), original = file.floats("preprocessed");
  const names = JSON.parse(file.metadata["channel_names"] ?? "[]") as string[];
  const errors = new Map<string, number>();
  for (let c = 0; c < channels; c++) {
    let sum = 0, n = 0;
    for (let i = c * samples; i < (c + 1) * samples; i++) {
      if (mask[i]) continue;
      sum += (full[i] - original[i]) ** 2;
      n++;
    }
    if (n > 0) errors.set(names[c], Math.sqrt(sum / n) * 1e6);
  }
  return errors;
}

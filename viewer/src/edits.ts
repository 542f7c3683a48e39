// Bad segments become part of the request by editing the preprocessed input: the marked cells (whole 32-sample
// tokens) are set to 0, as the service does for bad channels, and the edited file is uploaded in place of the
// recording (the service takes its own preprocess output as input).

import { CellSamples, Mask } from "./recording";
import { SafeTensors } from "./safetensors";

export function maskedInput(preprocessed: SafeTensors, mask: Mask): SafeTensors {
  const eeg = preprocessed.tensor("eeg");
  const [epochs, channels, samples] = eeg.shape;
  const data = new Float32Array(preprocessed.floats("eeg"));
  const names = JSON.parse(preprocessed.metadata["channel_names"]) as string[];
  const cellsPerEpoch = samples / CellSamples, totalCells = epochs * cellsPerEpoch;
  names.forEach((name, c) => {
    for (const [from, to] of mask.ranges(name, totalCells)) {
      for (let cell = from; cell < to; cell++) {
        const e = Math.floor(cell / cellsPerEpoch), first = (e * channels + c) * samples + (cell % cellsPerEpoch) * CellSamples;
        data.fill(0, first, first + CellSamples);
      }
    }
  });
  const tensors = new Map(preprocessed.tensors);
  tensors.set("eeg", { ...eeg, data });
  return new SafeTensors(preprocessed.metadata, tensors);
}

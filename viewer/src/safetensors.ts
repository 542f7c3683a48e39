// The safetensors container (8-byte little-endian header length, JSON header, raw little-endian data): every result
// of the service and its preprocessed input format. Read in the browser so results are never turned into JSON text.

export type Tensor = { dtype: string; shape: number[]; data: Float32Array<ArrayBuffer> | BigInt64Array<ArrayBuffer> | Uint8Array<ArrayBuffer> };

export class SafeTensors {
  constructor(readonly metadata: Record<string, string>, readonly tensors: Map<string, Tensor>) {}

  static parse(buffer: ArrayBuffer): SafeTensors {
    if (buffer.byteLength < 8) throw new Error("not a safetensors file (shorter than its header length)");
    const headerLength = Number(new DataView(buffer).getBigUint64(0, true));
    if (headerLength > buffer.byteLength - 8) throw new Error("not a safetensors file (header longer than the file)");
    const header = JSON.parse(new TextDecoder().decode(new Uint8Array(buffer, 8, headerLength))) as Record<string, unknown>;
    const base = 8 + headerLength;
    const tensors = new Map<string, Tensor>();
    let metadata: Record<string, string> = {};
    for (const [name, entry] of Object.entries(header)) {
      if (name === "__metadata__") { metadata = entry as Record<string, string>; continue; }
      const { dtype, shape, data_offsets } = entry as { dtype: string; shape: number[]; data_offsets: [number, number] };
      const bytes = buffer.slice(base + data_offsets[0], base + data_offsets[1]); // a copy: aligned for the typed array
      if (dtype === "F32") tensors.set(name, { dtype, shape, data: new Float32Array(bytes) });
      else if (dtype === "I64") tensors.set(name, { dtype, shape, data: new BigInt64Array(bytes) });
      else if (dtype === "U8") tensors.set(name, { dtype, shape, data: new Uint8Array(bytes) });
    }
    return new SafeTensors(metadata, tensors);
  }

  tensor(name: string): Tensor {
    const t = this.tensors.get(name);
    if (!t) throw new Error(`the result has no tensor '${name}' (it has ${[...this.tensors.keys()].join(", ") || "none"})`);
    return t;
  }

  floats(name: string): Float32Array<ArrayBuffer> {
    const t = this.tensor(name);
    if (!(t.data instanceof Float32Array)) throw new Error(`tensor '${name}' is ${t.dtype}, expected F32`);
    return t.data;
  }

  bytes(name: string): Uint8Array<ArrayBuffer> {
    const t = this.tensor(name);
    if (!(t.data instanceof Uint8Array)) throw new Error(`tensor '${name}' is ${t.dtype}, expected U8`);
    return t.data;
  }

  /** The file again, with the given float tensors replaced (same shapes): the edited input a job uploads. */
  serialize(): Blob {
    const entries = [...this.tensors.entries()];
    const header: Record<string, unknown> = { __metadata__: this.metadata };
    let offset = 0;
    for (const [name, t] of entries) {
      header[name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
      offset += t.data.byteLength;
    }
    const json = JSON.stringify(header);
    const padding = (8 - ((new TextEncoder().encode(json).byteLength + 8) % 8)) % 8; // data 8-byte aligned, as the writers do
    const headerBytes = new TextEncoder().encode(json + " ".repeat(padding));
    const length = new ArrayBuffer(8);
    new DataView(length).setBigUint64(0, BigInt(headerBytes.byteLength), true);
    return new Blob([length, headerBytes, ...entries.map(([, t]) => t.data)], { type: "application/octet-stream" });
  }
}

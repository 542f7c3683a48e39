// Latents [E, S, 32] of an embeddings result: one epoch as a heatmap (tokens × dimensions, channel-major so each
// channel is a band of rows), and all tokens projected on their two principal components, coloured by channel.

const Palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"];

export function channelColor(channel: number): string { return Palette[channel % Palette.length]; }

export function drawHeatmap(canvas: HTMLCanvasElement, latents: Float32Array, shape: number[], epoch: number): void {
  const [, tokens, width] = shape;
  const offset = epoch * tokens * width;
  let limit = 0;
  for (let i = 0; i < tokens * width; i++) limit = Math.max(limit, Math.abs(latents[offset + i]));
  limit = limit || 1;
  canvas.width = width; canvas.height = tokens;
  const ctx = canvas.getContext("2d")!;
  const image = ctx.createImageData(width, tokens);
  for (let s = 0; s < tokens; s++) {
    for (let d = 0; d < width; d++) {
      const v = latents[offset + s * width + d] / limit, p = (s * width + d) * 4;
      // Diverging blue–white–red.
      image.data[p] = v < 0 ? 255 * (1 + v) : 255;
      image.data[p + 1] = 255 * (1 - Math.abs(v));
      image.data[p + 2] = v > 0 ? 255 * (1 - v) : 255;
      image.data[p + 3] = 255;
    }
  }
  ctx.putImageData(image, 0, 0);
  canvas.dataset.epoch = String(epoch);
}

/** The first two principal components of every token (power iteration on the 32×32 covariance, deflated once). */
export function project(latents: Float32Array, width: number): { x: Float32Array; y: Float32Array } {
  const count = latents.length / width, mean = new Float64Array(width), cov = new Float64Array(width * width);
  for (let i = 0; i < count; i++) for (let d = 0; d < width; d++) mean[d] += latents[i * width + d] / count;
  for (let i = 0; i < count; i++) {
    for (let a = 0; a < width; a++) {
      const va = latents[i * width + a] - mean[a];
      for (let b = a; b < width; b++) cov[a * width + b] += va * (latents[i * width + b] - mean[b]);
    }
  }
  for (let a = 0; a < width; a++) for (let b = 0; b < a; b++) cov[a * width + b] = cov[b * width + a];
  const components: Float64Array[] = [];
  for (let k = 0; k < 2; k++) {
    let v = new Float64Array(width).map((_, i) => 1 + i * 0.01);
    for (let iteration = 0; iteration < 100; iteration++) {
      const next = new Float64Array(width);
      for (let a = 0; a < width; a++) for (let b = 0; b < width; b++) next[a] += cov[a * width + b] * v[b];
      for (const u of components) { const dot = next.reduce((s, x, i) => s + x * u[i], 0); for (let i = 0; i < width; i++) next[i] -= dot * u[i]; }
      const norm = Math.hypot(...next) || 1;
      v = next.map(x => x / norm);
    }
    components.push(v);
  }
  const x = new Float32Array(count), y = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    for (let d = 0; d < width; d++) {
      const c = latents[i * width + d] - mean[d];
      x[i] += c * components[0][d]; y[i] += c * components[1][d];
    }
  }
  return { x, y };
}

export function drawProjection(canvas: HTMLCanvasElement, points: { x: Float32Array; y: Float32Array }, channelOf: (token: number) => number): void {
  const dpr = window.devicePixelRatio || 1, size = canvas.clientWidth;
  canvas.width = Math.round(size * dpr); canvas.height = Math.round(size * dpr);
  const ctx = canvas.getContext("2d")!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, size, size);
  const extent = (a: Float32Array) => { let lo = Infinity, hi = -Infinity; for (const v of a) { lo = Math.min(lo, v); hi = Math.max(hi, v); } return [lo, hi - lo || 1]; };
  const [x0, xs] = extent(points.x), [y0, ys] = extent(points.y), pad = 8;
  const step = Math.max(1, Math.floor(points.x.length / 20000)); // at most ~20k dots
  for (let i = 0; i < points.x.length; i += step) {
    ctx.fillStyle = channelColor(channelOf(i));
    ctx.fillRect(pad + (points.x[i] - x0) / xs * (size - 2 * pad) - 1, size - pad - (points.y[i] - y0) / ys * (size - 2 * pad) - 1, 2, 2);
  }
}

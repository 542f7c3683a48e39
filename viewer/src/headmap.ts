// The montage seen from above: head outline, nose up, every electrode by an azimuthal equidistant projection of its
// head-frame position (x right, y front, z up). Bad channels in red, electrodes the model added in orange.

import { Colors } from "./traces";

export type Electrode = { name: string; x: number; y: number; z: number; bad: boolean; added: boolean };

export function drawHeadMap(canvas: HTMLCanvasElement, electrodes: Electrode[]): void {
  const dpr = window.devicePixelRatio || 1, size = canvas.clientWidth;
  canvas.width = Math.round(size * dpr); canvas.height = Math.round(size * dpr);
  const ctx = canvas.getContext("2d")!;
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, size, size);
  const cx = size / 2, cy = size / 2 + 6, radius = size * 0.36;

  ctx.strokeStyle = "#555"; ctx.lineWidth = 1.5;
  ctx.beginPath(); ctx.arc(cx, cy, radius, 0, 2 * Math.PI); ctx.stroke();
  ctx.beginPath(); ctx.moveTo(cx - radius * 0.12, cy - radius * 0.99); ctx.lineTo(cx, cy - radius * 1.15); ctx.lineTo(cx + radius * 0.12, cy - radius * 0.99); ctx.stroke();
  for (const side of [-1, 1]) { ctx.beginPath(); ctx.ellipse(cx + side * radius * 1.04, cy, radius * 0.07, radius * 0.18, 0, 0, 2 * Math.PI); ctx.stroke(); }

  // Centre of the electrodes as the projection's pole, so a montage in any head frame sits on the outline.
  const n = Math.max(1, electrodes.length);
  const mx = electrodes.reduce((s, e) => s + e.x, 0) / n, my = electrodes.reduce((s, e) => s + e.y, 0) / n;
  const mz = Math.min(...electrodes.map(e => e.z));
  ctx.font = "10px system-ui, sans-serif"; ctx.textAlign = "center"; ctx.textBaseline = "bottom";
  let drawn = 0;
  for (const e of electrodes) {
    const x = e.x - mx, y = e.y - my, z = e.z - mz * 0.35;
    const r = Math.hypot(x, y, z);
    if (!(r > 0)) continue;
    const polar = Math.acos(Math.max(-1, Math.min(1, z / r))) / (Math.PI / 2), azimuth = Math.atan2(y, x);
    const px = cx + polar * radius * Math.cos(azimuth), py = cy - polar * radius * Math.sin(azimuth);
    ctx.fillStyle = e.bad ? Colors.bad : e.added ? Colors.added : Colors.reconstruction;
    ctx.beginPath(); ctx.arc(px, py, 4, 0, 2 * Math.PI); ctx.fill();
    ctx.fillStyle = "#333";
    ctx.fillText(e.name, px, py - 5, 80);
    drawn++;
  }
  canvas.dataset.electrodes = String(drawn);
}

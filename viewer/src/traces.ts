// The trace plot: one row per channel on a canvas, min/max decimation from each trace's pyramid (a frame costs
// about width × channels steps whatever the recording's length), the original in grey under the reconstruction,
// masked cells shaded. Wheel zooms around the pointer, shift+wheel (or the slider) scrolls, a drag marks a segment
// (with shift: for the channel under the pointer only), a click on a channel's name toggles it bad.

import { CellSamples, Mask, Recording, SampleRate, Trace } from "./recording";
import type { Annotation } from "./repair";

const Gutter = 110, AxisHeight = 24;
export const Colors = { original: "#2b2b2b", underlay: "#9aa0a6", reconstruction: "#1a66d9", added: "#e8590c", bad: "#c92a2a", mask: "rgba(250, 82, 82, 0.22)", infilled: "rgba(132, 94, 247, 0.25)", annotation: "#2f9e44", selection: "rgba(26, 102, 217, 0.15)" };

export type TraceViewEvents = { toggleBad(name: string): void; addSegment(start: number, end: number, channel: string | null): void; viewChanged(): void };

export class TraceView {
  recording: Recording | null = null;
  overlay: Recording | null = null;
  added = new Set<string>();
  /** A repair's infilled cells per channel, [start, end) seconds (from the result's mask); null before a repair. */
  infilled: Map<string, [number, number][]> | null = null;
  /** Spans shown on the time axis with their text: the recording's annotations, then a repair's ZUNA1.1_infilled ones. */
  annotations: Annotation[] = [];
  start = 0;
  span = 10;
  gain = 1;
  readonly channelScale = new Map<string, number>();
  private drag: { x0: number; x1: number; channel: string | null } | null = null;

  constructor(readonly canvas: HTMLCanvasElement, readonly mask: Mask, readonly events: TraceViewEvents) {
    canvas.addEventListener("wheel", e => this.onWheel(e), { passive: false });
    canvas.addEventListener("mousedown", e => this.onDown(e));
    window.addEventListener("mousemove", e => this.onMove(e));
    window.addEventListener("mouseup", e => this.onUp(e));
    new ResizeObserver(() => this.draw()).observe(canvas);
  }

  /** Rows in drawing order: the reconstruction's channels when there is one (added electrodes last), else the recording's. */
  get rows(): string[] { return this.overlay?.names ?? this.recording?.names ?? []; }

  get duration(): number { return Math.max(this.recording?.duration ?? 0, this.overlay?.duration ?? 0); }

  show(recording: Recording): void {
    this.recording = recording;
    this.overlay = null;
    this.infilled = null;
    this.added.clear();
    this.channelScale.clear();
    for (let c = 0; c < recording.channelCount; c++) this.channelScale.set(recording.names[c], 1 / (3 * recording.traces[c].spread()));
    this.start = 0;
    this.span = Math.min(10, recording.duration);
    this.draw();
  }

  /** <paramref name="added"/>: electrodes the model added (a repair lists them; else those the recording lacks). */
  setOverlay(reconstruction: Recording, added?: Iterable<string>): void {
    this.overlay = reconstruction;
    this.added = new Set(added ?? reconstruction.names.filter(n => this.recording?.indexOf(n) === -1));
    for (let c = 0; c < reconstruction.channelCount; c++)
      if (!this.channelScale.has(reconstruction.names[c]) || this.added.has(reconstruction.names[c]))
        this.channelScale.set(reconstruction.names[c], 1 / (3 * reconstruction.traces[c].spread()));
    this.draw();
  }

  scaleChannel(name: string, factor: number): void {
    this.channelScale.set(name, (this.channelScale.get(name) ?? 1) * factor);
    this.draw();
  }

  setWindow(start: number, span: number): void {
    const total = this.duration;
    this.span = Math.min(Math.max(span, 0.25), Math.max(total, 0.25));
    this.start = Math.min(Math.max(0, start), Math.max(0, total - this.span));
    this.draw();
    this.events.viewChanged();
  }

  draw(): void {
    const canvas = this.canvas, dpr = window.devicePixelRatio || 1;
    const width = canvas.clientWidth, height = canvas.clientHeight;
    if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
      canvas.width = Math.round(width * dpr); canvas.height = Math.round(height * dpr);
    }
    const ctx = canvas.getContext("2d")!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const rows = this.rows;
    let drawnTraces = 0, drawnMaskRanges = 0, drawnInfilled = 0;
    if (rows.length > 0) {
      const plotWidth = width - Gutter, rowHeight = (height - AxisHeight) / rows.length;
      const totalCells = Math.ceil(this.duration * SampleRate / CellSamples);
      const secondsToX = (t: number) => Gutter + (t - this.start) / this.span * plotWidth;
      ctx.font = `${Math.min(13, Math.max(9, rowHeight * 0.7))}px system-ui, sans-serif`;
      ctx.textBaseline = "middle";
      ctx.fillStyle = "#f4f5f7"; // alternate rows banded, under every trace
      for (let row = 1; row < rows.length; row += 2) ctx.fillRect(Gutter, row * rowHeight, plotWidth, rowHeight);
      rows.forEach((name, row) => {
        const top = row * rowHeight, mid = top + rowHeight / 2;
        ctx.fillStyle = this.mask.badChannels.has(name) ? Colors.bad : this.added.has(name) ? Colors.added : Colors.original;
        ctx.fillText(name, 6, mid, Gutter - 10); // canvas text: never parsed as markup
        const k = (this.channelScale.get(name) ?? 1) * this.gain * rowHeight / 2;
        // An added electrode has no recorded signal (a repair's input holds zeros there): only its reconstruction is drawn.
        const original = this.added.has(name) ? undefined : this.recording?.traces[this.recording.indexOf(name)];
        const reconstructed = this.overlay?.traces[this.overlay.indexOf(name)];
        ctx.save();
        // Each trace stays within its own row and half of each neighbour, so one wild channel cannot cover the others.
        const clipTop = Math.max(0, top - rowHeight / 2), clipBottom = Math.min(height - AxisHeight, top + rowHeight * 1.5);
        ctx.beginPath(); ctx.rect(Gutter, clipTop, plotWidth, clipBottom - clipTop); ctx.clip();
        if (original) { this.drawTrace(ctx, original, mid, k, plotWidth, this.overlay ? Colors.underlay : Colors.original); drawnTraces++; }
        if (reconstructed) { this.drawTrace(ctx, reconstructed, mid, k, plotWidth, this.added.has(name) ? Colors.added : Colors.reconstruction); drawnTraces++; }
        ctx.restore();
        // Masked cells tinted over the traces, so they show however dense the traces are.
        for (const [a, b] of this.mask.ranges(name, totalCells)) {
          const x0 = Math.max(Gutter, secondsToX(a * CellSamples / SampleRate)), x1 = Math.min(width, secondsToX(b * CellSamples / SampleRate));
          if (x1 <= x0) continue;
          ctx.fillStyle = Colors.mask;
          ctx.fillRect(x0, top, x1 - x0, rowHeight);
          drawnMaskRanges++;
        }
        for (const [a, b] of this.infilled?.get(name) ?? []) {
          const x0 = Math.max(Gutter, secondsToX(a)), x1 = Math.min(width, secondsToX(b));
          if (x1 <= x0) continue;
          ctx.fillStyle = Colors.infilled;
          ctx.fillRect(x0, top, x1 - x0, rowHeight);
          drawnInfilled++;
        }
      });
      canvas.dataset.drawnAnnotations = String(this.drawAnnotations(ctx, rows, rowHeight, width, height, secondsToX));
      if (this.drag) {
        const x0 = Math.min(this.drag.x0, this.drag.x1), x1 = Math.max(this.drag.x0, this.drag.x1);
        ctx.fillStyle = Colors.selection;
        const row = this.drag.channel === null ? -1 : rows.indexOf(this.drag.channel);
        ctx.fillRect(x0, row < 0 ? 0 : row * rowHeight, x1 - x0, row < 0 ? height - AxisHeight : rowHeight);
      }
      this.drawAxis(ctx, width, height);
    }
    // What this frame drew, for the browser test and for anyone checking the page from the console.
    canvas.dataset.drawnTraces = String(drawnTraces);
    canvas.dataset.drawnMaskRanges = String(drawnMaskRanges);
    canvas.dataset.drawnInfilledRanges = String(drawnInfilled);
    canvas.dataset.rows = String(rows.length);
  }

  /** Each visible annotation: a line at its onset over its channels' rows (all rows when it lists none), a bar for its
   *  duration just above the axis, and its text beside the line — canvas text, so markup in a description stays text. */
  private drawAnnotations(ctx: CanvasRenderingContext2D, rows: string[], rowHeight: number, width: number, height: number,
    secondsToX: (t: number) => number): number {
    const axis = height - AxisHeight;
    let drawn = 0;
    ctx.save();
    ctx.font = "11px system-ui, sans-serif";
    ctx.textBaseline = "bottom";
    for (const a of this.annotations) {
      const x0 = secondsToX(a.onset), x1 = secondsToX(a.onset + a.duration);
      if (x1 < Gutter || x0 > width) continue;
      const listed = a.ch_names.map(n => rows.indexOf(n)).filter(r => r >= 0);
      const spans = listed.length > 0 ? listed.map(r => [r * rowHeight, (r + 1) * rowHeight]) : [[0, axis]];
      ctx.strokeStyle = Colors.annotation; ctx.fillStyle = Colors.annotation; ctx.lineWidth = 1;
      const left = Math.max(Gutter, x0);
      for (const [top, bottom] of spans) { ctx.beginPath(); ctx.moveTo(left + 0.5, top); ctx.lineTo(left + 0.5, bottom); ctx.stroke(); }
      ctx.fillRect(left, axis - 4, Math.max(1, Math.min(width, x1) - left), 3);
      ctx.fillText(a.description, left + 3, axis - 5, Math.max(40, Math.min(width, x1) - left + 80));
      drawn++;
    }
    ctx.restore();
    return drawn;
  }

  private drawTrace(ctx: CanvasRenderingContext2D, trace: Trace, mid: number, k: number, plotWidth: number, color: string): void {
    const first = this.start * SampleRate, perPixel = this.span * SampleRate / plotWidth, n = trace.samples.length;
    ctx.strokeStyle = color;
    ctx.lineWidth = 1;
    ctx.beginPath();
    if (perPixel <= 2) {
      const x = trace.samples;
      const i0 = Math.max(0, Math.floor(first)), i1 = Math.min(n - 1, Math.ceil(first + this.span * SampleRate));
      for (let i = i0; i <= i1; i++) {
        const px = Gutter + (i - first) / perPixel, py = mid - x[i] * k;
        if (i === i0) ctx.moveTo(px, py); else ctx.lineTo(px, py);
      }
    } else {
      // The coarsest level whose blocks still fit in one pixel; each column spans a few of its blocks.
      const level = Math.min(trace.mins.length - 1, Math.floor(Math.log(perPixel) / Math.log(8)));
      const block = 8 ** level, mins = trace.mins[level], maxs = trace.maxs[level];
      for (let px = 0; px < plotWidth; px++) {
        const a = Math.floor((first + px * perPixel) / block), b = Math.min(mins.length, Math.max(a + 1, Math.ceil((first + (px + 1) * perPixel) / block)));
        if (a >= mins.length || b <= 0) continue;
        let lo = Infinity, hi = -Infinity;
        for (let i = Math.max(0, a); i < b; i++) { if (mins[i] < lo) lo = mins[i]; if (maxs[i] > hi) hi = maxs[i]; }
        ctx.moveTo(Gutter + px + 0.5, mid - hi * k);
        ctx.lineTo(Gutter + px + 0.5, mid - lo * k + 0.5);
      }
    }
    ctx.stroke();
  }

  private drawAxis(ctx: CanvasRenderingContext2D, width: number, height: number): void {
    const plotWidth = width - Gutter, y = height - AxisHeight;
    ctx.strokeStyle = "#ccc"; ctx.fillStyle = "#444"; ctx.lineWidth = 1;
    ctx.beginPath(); ctx.moveTo(Gutter, y + 0.5); ctx.lineTo(width, y + 0.5); ctx.stroke();
    const target = this.span / Math.max(1, plotWidth / 90);
    const step = [0.125, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600, 1200].find(s => s >= target) ?? 3600;
    ctx.textBaseline = "top"; ctx.font = "11px system-ui, sans-serif";
    for (let t = Math.ceil(this.start / step) * step; t <= this.start + this.span; t += step) {
      const x = Gutter + (t - this.start) / this.span * plotWidth;
      ctx.beginPath(); ctx.moveTo(x + 0.5, y); ctx.lineTo(x + 0.5, y + 5); ctx.stroke();
      ctx.fillText(`${+t.toFixed(3)} s`, x + 2, y + 7);
    }
  }

  private timeAt(clientX: number): number {
    const r = this.canvas.getBoundingClientRect();
    return this.start + (clientX - r.left - Gutter) / (r.width - Gutter) * this.span;
  }

  private rowAt(clientY: number): string | null {
    const r = this.canvas.getBoundingClientRect(), rows = this.rows;
    const row = Math.floor((clientY - r.top) / ((r.height - AxisHeight) / rows.length));
    return row >= 0 && row < rows.length ? rows[row] : null;
  }

  private onWheel(e: WheelEvent): void {
    if (!this.recording) return;
    e.preventDefault();
    if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
      this.setWindow(this.start + (e.shiftKey ? e.deltaY : e.deltaX) / 500 * this.span, this.span);
      return;
    }
    const t = this.timeAt(e.clientX), factor = Math.exp(e.deltaY / 400);
    const span = this.span * factor;
    this.setWindow(t - (t - this.start) * (span / this.span), span);
  }

  private onDown(e: MouseEvent): void {
    if (!this.recording || e.button !== 0) return;
    const x = e.clientX - this.canvas.getBoundingClientRect().left;
    const channel = this.rowAt(e.clientY);
    if (x < Gutter) { if (channel) this.events.toggleBad(channel); return; }
    this.drag = { x0: x, x1: x, channel: e.shiftKey ? channel : null };
    e.preventDefault();
  }

  private onMove(e: MouseEvent): void {
    if (!this.drag) return;
    this.drag.x1 = Math.max(Gutter, Math.min(this.canvas.clientWidth, e.clientX - this.canvas.getBoundingClientRect().left));
    this.draw();
  }

  private onUp(e: MouseEvent): void {
    if (!this.drag) return;
    const { x0, channel } = this.drag;
    this.drag = null;
    const left = this.canvas.getBoundingClientRect().left;
    const x1 = Math.max(Gutter, Math.min(this.canvas.clientWidth, e.clientX - left));
    if (Math.abs(x1 - x0) >= 3) {
      const a = this.timeAt(Math.min(x0, x1) + left), b = this.timeAt(Math.max(x0, x1) + left);
      this.events.addSegment(Math.max(0, a), Math.min(this.duration, b), channel);
    }
    this.draw();
  }
}

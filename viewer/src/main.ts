// The page: load a recording, mark what is bad, run a job, compare, download. Wiring only; the parts live beside it.

import { Api, curlCommand, JobSnapshot } from "./api";
import { byId, element, saveBlob } from "./dom";
import { maskedInput } from "./edits";
import { drawHeadMap } from "./headmap";
import { drawHeatmap, drawProjection, project } from "./latents";
import { CellSamples, Mask, Recording, SampleRate } from "./recording";
import { Annotation, annotationsOf, infilledSpans, reconstructionErrors, repairFields } from "./repair";
import { SafeTensors } from "./safetensors";
import { TraceView } from "./traces";

const api = new Api();
const mask = new Mask();
const status = byId<HTMLElement>("status");
let file: File | null = null;
let preprocessed: SafeTensors | null = null;
let recording: Recording | null = null;
let errors = new Map<string, number>();
let job: { id: string; abort: AbortController } | null = null;
let lastOperation = "reconstructions";
let result: { blob: Blob; name: string; fields: [string, string][]; file: string; operation: string } | null = null;
let recordingAnnotations: Annotation[] = [];
/** The last repair's signals: the filtered recording under the hybrid or the full reconstruction. */
let repair: { hybrid: Recording; full: Recording; added: string[] } | null = null;

const view = new TraceView(byId<HTMLCanvasElement>("traces"), mask, {
  toggleBad: name => toggleBad(name),
  addSegment: (start, end, channel) => { mask.segments.push({ start, end, channel }); refreshMarks(); },
  viewChanged: () => syncScroll(),
});

function say(text: string, isError = false): void {
  status.textContent = text;
  status.classList.toggle("error", isError);
}

function baseName(name: string): string { return name.replace(/\.(fif(\.gz)?|safetensors)$/i, ""); }

async function load(chosen: File): Promise<void> {
  file = chosen;
  say(`Reading ${chosen.name}…`);
  const form = new FormData();
  form.append("file", chosen, chosen.name);
  try {
    preprocessed = SafeTensors.parse(await api.bytes("POST", "/v1/preprocess", form));
    recording = Recording.fromResult(preprocessed, "eeg");
  } catch (e) {
    say(`Could not read ${chosen.name}: ${(e as Error).message}`, true);
    return;
  }
  mask.badChannels.clear();
  mask.segments.length = 0;
  errors = new Map();
  result = null;
  repair = null;
  byId("repair-view").hidden = true;
  view.show(recording);
  recordingAnnotations = annotationsOf(preprocessed.metadata);
  showAnnotations(recordingAnnotations);
  byId("latents").hidden = true;
  refreshMarks();
  setRunning(false);
  say(`${recording.channelCount} channels, ${recording.duration.toFixed(1)} s at ${SampleRate} Hz (preprocessed: z-units).`);
}

function toggleBad(name: string): void {
  if (!recording || recording.indexOf(name) < 0) return; // added electrodes are not in the upload
  if (mask.badChannels.has(name)) mask.badChannels.delete(name); else mask.badChannels.add(name);
  refreshMarks();
}

/** Channel list, segment list, head map and plot after any change of marks or results. */
function refreshMarks(): void {
  const list = byId<HTMLUListElement>("channels");
  list.replaceChildren();
  for (const name of view.rows) {
    const item = element("li");
    const label = element("button", name, "channel-name");
    label.title = "Click to mark bad (the model reconstructs it)";
    label.addEventListener("click", () => toggleBad(name));
    item.classList.toggle("bad", mask.badChannels.has(name));
    item.classList.toggle("added", view.added.has(name));
    item.dataset.channel = name;
    const infilled = view.infilled?.get(name);
    if (infilled) item.dataset.infilled = infilled.map(([a, b]) => `${a}-${b}`).join(","); // seconds, for tests and the curious
    item.append(label);
    const error = errors.get(name);
    if (error !== undefined) item.append(element("span", `rmse ${error.toFixed(3)}`, "error-value"));
    for (const [text, factor] of [["−", 0.8], ["+", 1.25]] as const) {
      const button = element("button", text, "scale");
      button.title = factor > 1 ? "Larger" : "Smaller";
      button.addEventListener("click", () => view.scaleChannel(name, factor));
      item.append(button);
    }
    list.append(item);
  }
  const segments = byId<HTMLUListElement>("segments");
  segments.replaceChildren();
  mask.segments.forEach((s, i) => {
    const item = element("li", `${s.start.toFixed(2)}–${s.end.toFixed(2)} s, ${s.channel ?? "all channels"} `);
    const [from, to] = Mask.cells(s);
    item.dataset.cells = `${from}-${to}`;
    const remove = element("button", "×", "remove");
    remove.title = "Remove this segment";
    remove.addEventListener("click", () => { mask.segments.splice(i, 1); refreshMarks(); });
    item.append(remove);
    segments.append(item);
  });
  const cells = recording ? Math.ceil(view.duration * SampleRate / CellSamples) : 0;
  const total = mask.count(view.rows, cells);
  byId("mask-summary").textContent = `${mask.badChannels.size} bad channel(s), ${mask.segments.length} segment(s): ${total} masked cells of 0.125 s`;
  byId("mask-summary").dataset.maskedCells = String(total);
  drawHead();
  view.draw();
  syncScroll();
  updateCurl();
}

function drawHead(): void {
  const source = view.overlay ?? recording;
  if (!source) return;
  drawHeadMap(byId<HTMLCanvasElement>("head"), source.names.map((name, c) => ({
    name, x: source.positions[c * 3], y: source.positions[c * 3 + 1], z: source.positions[c * 3 + 2],
    bad: mask.badChannels.has(name), added: view.added.has(name),
  })));
}

function syncScroll(): void {
  const scroll = byId<HTMLInputElement>("scroll"), room = view.duration - view.span;
  scroll.value = String(room > 0 ? Math.round(view.start / room * 1000) : 0);
  byId("window").textContent = `${view.start.toFixed(2)}–${(view.start + view.span).toFixed(2)} s of ${view.duration.toFixed(1)} s`;
}

/** The annotations on the plot's time axis and in the list beside it (as text: descriptions come from files). */
function showAnnotations(list: Annotation[]): void {
  view.annotations = list;
  const items = byId<HTMLUListElement>("annotations");
  items.replaceChildren(...list.map(a => {
    const item = element("li", `${a.onset.toFixed(2)} s +${a.duration.toFixed(2)} s: ${a.description}${a.ch_names.length ? ` (${a.ch_names.join(", ")})` : ""}`);
    item.dataset.description = a.description;
    return item;
  }));
  byId("annotations-section").hidden = list.length === 0;
}

/** The form fields of a job for the current marks (the upload itself is chosen in upload()). */
function fields(operation: string): [string, string][] {
  const f: [string, string][] = [["operation", operation], ["format", "safetensors"]];
  // A repair takes the marks as its own fields (and the recording itself); the other jobs as zeroed input.
  if (operation === "repairs") f.push(...repairFields(mask));
  else if (mask.badChannels.size > 0) f.push(["bad_channels", [...mask.badChannels].join(",")]);
  const targets = byId<HTMLInputElement>("targets").value.trim();
  if (targets) f.push(["target_channels", targets]);
  if (operation !== "embeddings") {
    f.push(["steps", byId<HTMLInputElement>("steps").value || "50"]);
    const seed = byId<HTMLInputElement>("seed").value.trim();
    if (seed) f.push(["seed", seed]);
  }
  return f;
}

/** The recording as chosen, or (not for a repair) the preprocessed input with the segments' cells zeroed when there are segments. */
function upload(operation: string): { blob: Blob; name: string } {
  if (operation === "repairs" || mask.segments.length === 0 || !preprocessed) return { blob: file!, name: file!.name };
  return { blob: maskedInput(preprocessed, mask).serialize(), name: `${baseName(file!.name)}.edited.safetensors` };
}

function updateCurl(): void {
  if (!file) return;
  const { name } = upload(lastOperation);
  byId("curl").textContent = curlCommand(location.origin, name, fields(lastOperation), api.apiKey !== "");
  byId("download-input").hidden = mask.segments.length === 0 || lastOperation === "repairs";
}

function setRunning(running: boolean): void {
  for (const id of ["run-reconstruct", "run-embed", "run-repair"]) byId<HTMLButtonElement>(id).disabled = running || !file;
  byId<HTMLButtonElement>("cancel").disabled = !running;
}

async function run(operation: string): Promise<void> {
  if (!file || !recording) return;
  lastOperation = operation;
  updateCurl();
  const { blob, name } = upload(operation);
  const form = new FormData();
  form.append("file", blob, name);
  const sent = fields(operation);
  for (const [k, v] of sent) form.append(k, v);
  setRunning(true);
  const progress = byId<HTMLProgressElement>("progress");
  progress.value = 0;
  try {
    const submitted = await api.submitJob(form);
    job = { id: submitted.id, abort: new AbortController() };
    say(`Job ${submitted.id}: ${submitted.status}`);
    const final = await api.followJob(submitted.id, s => showProgress(s), job.abort.signal);
    if (final.status !== "succeeded") {
      say(`Job ${final.status}${final.error?.detail ? `: ${final.error.detail}` : ""}`, final.status === "failed");
      return;
    }
    const bytes = await api.bytes("GET", `/v1/jobs/${submitted.id}/result`);
    result = { blob: new Blob([bytes]), name: `${baseName(file.name)}.${operation}.safetensors`, fields: sent, file: name, operation };
    if (operation === "repairs") showRepair(SafeTensors.parse(bytes)); else show(operation, SafeTensors.parse(bytes));
    byId("results").hidden = false;
    byId("download-fif").hidden = operation === "embeddings";
  } catch (e) {
    if ((e as Error).name !== "AbortError") say(`Failed: ${(e as Error).message}`, true);
  } finally {
    job = null;
    setRunning(false);
  }
}

function showProgress(s: JobSnapshot): void {
  const p = s.progress, progress = byId<HTMLProgressElement>("progress");
  if (p && p.epochs_total > 0) {
    const stepShare = p.steps_total > 0 ? p.steps_done / p.steps_total : 0;
    progress.value = Math.min(1, (p.epochs_done + stepShare * (p.epochs_total - p.epochs_done > 0 ? 1 : 0)) / p.epochs_total);
  }
  const unit = s.operation === "repairs" ? "windows" : "epochs";
  say(`Job ${s.id}: ${s.status}${p ? ` — ${unit} ${p.epochs_done}/${p.epochs_total}, step ${p.steps_done}/${p.steps_total}` : ""}`);
}

function show(operation: string, file: SafeTensors): void {
  if (operation === "embeddings") {
    showLatents(file);
    say(`Embeddings: ${file.tensor("latents").shape.join(" × ")} latents.`);
    return;
  }
  const reconstruction = Recording.fromResult(file, "reconstruction");
  if (repair) {
    // Back from a repair's volts to the recording's z-units.
    repair = null;
    byId("repair-view").hidden = true;
    view.show(recording!);
    showAnnotations(recordingAnnotations);
  }
  view.setOverlay(reconstruction);
  errors = new Map();
  for (let c = 0; c < reconstruction.channelCount; c++) {
    const original = recording!.traces[recording!.indexOf(reconstruction.names[c])];
    if (!original) continue;
    const a = original.samples, b = reconstruction.traces[c].samples;
    let sum = 0;
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) sum += (a[i] - b[i]) ** 2;
    errors.set(reconstruction.names[c], Math.sqrt(sum / Math.max(1, n)));
  }
  refreshMarks();
  say(`Reconstruction: ${reconstruction.channelCount} channels (${view.added.size} added), seed ${file.metadata["seed"] ?? "?"}, ${file.metadata["steps"] ?? "?"} steps. Grey: original, blue: reconstruction, orange: added electrodes.`);
  byId("results").dataset.seed = file.metadata["seed"] ?? "";
}

/** A repair result: the filtered recording under the hybrid (or full) reconstruction, in volts, infilled cells shaded. */
function showRepair(file: SafeTensors): void {
  const added = JSON.parse(file.metadata["upsampled_channels"] ?? "[]") as string[];
  repair = { hybrid: Recording.fromChannels(file, "hybrid"), full: Recording.fromChannels(file, "full_reconstruction"), added };
  view.show(Recording.fromChannels(file, "preprocessed"));
  view.infilled = infilledSpans(file);
  byId("repair-view").hidden = false;
  showRepairSignal();
  errors = reconstructionErrors(file);
  const infill = annotationsOf(file.metadata);
  showAnnotations([...recordingAnnotations, ...infill]);
  refreshMarks();
  say(`Repair: ${repair.hybrid.channelCount} channels (${added.length} added), ${infill.length} infilled span(s), seed ${file.metadata["seed"] ?? "?"}, ` +
    `${file.metadata["steps"] ?? "?"} steps. Grey: filtered recording, blue: ${signalName()}, orange: added electrodes, violet: infilled cells. Error: µV RMS outside the infilled cells (full reconstruction).`);
  byId("results").dataset.seed = file.metadata["seed"] ?? "";
}

function signalName(): string { return byId<HTMLSelectElement>("repair-signal").value === "full" ? "full reconstruction" : "hybrid"; }

function showRepairSignal(): void {
  if (!repair) return;
  view.setOverlay(byId<HTMLSelectElement>("repair-signal").value === "full" ? repair.full : repair.hybrid, repair.added);
  refreshMarks();
}

function showLatents(file: SafeTensors): void {
  const latents = file.floats("latents"), shape = file.tensor("latents").shape;
  const section = byId("latents");
  section.hidden = false;
  const epoch = byId<HTMLInputElement>("epoch");
  epoch.max = String(shape[0] - 1);
  epoch.value = "0";
  const draw = () => drawHeatmap(byId<HTMLCanvasElement>("heatmap"), latents, shape, Math.min(shape[0] - 1, Math.max(0, +epoch.value || 0)));
  epoch.oninput = draw;
  draw();
  const tokensPerChannel = shape[1] / (file.tensor("chan_pos").shape[0]);
  drawProjection(byId<HTMLCanvasElement>("projection"), project(latents, shape[2]), token => Math.floor((token % shape[1]) / tokensPerChannel));
}

async function downloadFif(): Promise<void> {
  if (!result) return;
  const form = new FormData();
  form.append("file", upload(result.operation).blob, result.file);
  const seed = byId("results").dataset.seed;
  for (const [k, v] of result.fields) if (k !== "operation" && k !== "format" && k !== "seed") form.append(k, v);
  if (seed) form.append("seed", seed); // the same seed gives the same reconstruction
  const repairing = result.operation === "repairs";
  say(repairing ? "Repairing again as FIF (the hybrid, volts)…" : "Reconstructing again as FIF (volts)…");
  try {
    saveBlob(new Blob([await api.bytes("POST", repairing ? "/v1/repairs?format=fif" : "/v1/reconstructions?format=fif", form)]),
      `${baseName(file!.name)}.${repairing ? "hybrid" : "reconstruction"}_raw.fif`);
    say("FIF saved.");
  } catch (e) { say(`Failed: ${(e as Error).message}`, true); }
}

// Wiring.
byId<HTMLInputElement>("file").addEventListener("change", e => { const f = (e.target as HTMLInputElement).files?.[0]; if (f) void load(f); });
document.addEventListener("dragover", e => { e.preventDefault(); document.body.classList.add("dropping"); });
document.addEventListener("dragleave", () => document.body.classList.remove("dropping"));
document.addEventListener("drop", e => {
  e.preventDefault();
  document.body.classList.remove("dropping");
  const f = e.dataTransfer?.files[0];
  if (f) { byId("file-name").textContent = `Dropped: ${f.name}`; void load(f); }
});
byId("run-reconstruct").addEventListener("click", () => void run("reconstructions"));
byId("run-embed").addEventListener("click", () => void run("embeddings"));
byId("run-repair").addEventListener("click", () => void run("repairs"));
byId("cancel").addEventListener("click", () => {
  if (!job) return;
  const current = job;
  void api.cancelJob(current.id).then(() => say(`Job ${current.id} cancelled.`)).catch(e => say(`Cancel failed: ${(e as Error).message}`, true));
});
byId("download").addEventListener("click", () => { if (result) saveBlob(result.blob, result.name); });
byId("download-fif").addEventListener("click", () => void downloadFif());
byId("download-input").addEventListener("click", () => { if (file) { const u = upload(lastOperation); saveBlob(u.blob, u.name); } });
byId("repair-signal").addEventListener("change", showRepairSignal);
byId("copy-curl").addEventListener("click", () => {
  const text = byId("curl").textContent ?? "";
  navigator.clipboard?.writeText(text).then(() => say("curl command copied."), () => say("Copy failed: select the command and copy it by hand.", true));
});
byId("clear-marks").addEventListener("click", () => { mask.badChannels.clear(); mask.segments.length = 0; refreshMarks(); });
byId<HTMLInputElement>("gain").addEventListener("input", e => { view.gain = +(e.target as HTMLInputElement).value; view.draw(); });
byId<HTMLInputElement>("scroll").addEventListener("input", e => view.setWindow(+(e.target as HTMLInputElement).value / 1000 * Math.max(0, view.duration - view.span), view.span));
byId("zoom-in").addEventListener("click", () => view.setWindow(view.start + view.span / 4, view.span / 2));
byId("zoom-out").addEventListener("click", () => view.setWindow(view.start - view.span / 2, view.span * 2));
byId("zoom-all").addEventListener("click", () => view.setWindow(0, view.duration));
byId<HTMLInputElement>("api-key").addEventListener("change", e => { api.apiKey = (e.target as HTMLInputElement).value.trim(); updateCurl(); });
for (const id of ["targets", "steps", "seed"]) byId(id).addEventListener("input", updateCurl);
document.addEventListener("keydown", e => {
  if ((e.target as HTMLElement).tagName === "INPUT") return;
  if (e.key === "ArrowRight") view.setWindow(view.start + view.span / 2, view.span);
  if (e.key === "ArrowLeft") view.setWindow(view.start - view.span / 2, view.span);
});
setRunning(false);
void api.offers("/v1/repairs").then(has => { byId("run-repair").hidden = !has; });
document.body.dataset.ready = "true";

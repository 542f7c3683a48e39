// The service's HTTP API as the page uses it: same origin, an optional API key, problem details turned into errors.

export type JobSnapshot = {
  id: string; operation: string; status: string;
  progress?: { epochs_done: number; epochs_total: number; steps_done: number; steps_total: number };
  error?: { detail?: string; title?: string };
};

export class ServiceError extends Error {}

export class Api {
  apiKey = "";

  private headers(): HeadersInit { return this.apiKey ? { Authorization: `Bearer ${this.apiKey}` } : {}; }

  async request(method: string, path: string, body?: FormData): Promise<Response> {
    const response = await fetch(path, { method, body, headers: this.headers() });
    if (!response.ok) {
      let detail = `${response.status} ${response.statusText}`;
      try { const problem = await response.json() as { title?: string; detail?: string }; detail = problem.detail ?? problem.title ?? detail; } catch { /* not JSON */ }
      throw new ServiceError(detail);
    }
    return response;
  }

  async bytes(method: string, path: string, body?: FormData): Promise<ArrayBuffer> {
    return (await this.request(method, path, body)).arrayBuffer();
  }

  /** Whether the service's OpenAPI document lists a path (a repair endpoint appears there once the service has one). */
  async offers(path: string): Promise<boolean> {
    try {
      const doc = await (await fetch("/openapi/v1.json")).json() as { paths?: Record<string, unknown> };
      return Object.keys(doc.paths ?? {}).some(p => p === path || p === `${path}/`);
    } catch { return false; }
  }

  async submitJob(form: FormData): Promise<JobSnapshot> {
    return await (await this.request("POST", "/v1/jobs", form)).json() as JobSnapshot;
  }

  /**
   * Follows /v1/jobs/{id}/events (Server-Sent Events) until the job ends. Read with fetch rather than EventSource,
   * which cannot send the Authorization header.
   */
  async followJob(id: string, onStatus: (job: JobSnapshot) => void, signal: AbortSignal): Promise<JobSnapshot> {
    const response = await fetch(`/v1/jobs/${id}/events`, { headers: this.headers(), signal });
    if (!response.ok || !response.body) throw new ServiceError(`events: ${response.status}`);
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "", last: JobSnapshot | null = null;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        const event = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        const data = event.split("\n").filter(l => l.startsWith("data:")).map(l => l.slice(5).trim()).join("\n");
        if (!data) continue;
        last = JSON.parse(data) as JobSnapshot;
        onStatus(last);
      }
    }
    if (!last) throw new ServiceError("the job's event stream ended without a status");
    return last;
  }

  async cancelJob(id: string): Promise<void> { await this.request("DELETE", `/v1/jobs/${id}`); }
}

/** A single-quoted shell word: safe for any channel name or file name. */
export function shellQuote(text: string): string { return `'${text.replaceAll("'", `'"'"'`)}'`; }

/** The curl command that submits the same job. */
export function curlCommand(origin: string, fileName: string, fields: [string, string][], withKey: boolean): string {
  const lines = [`curl -sS -X POST ${shellQuote(`${origin}/v1/jobs`)}`];
  if (withKey) lines.push(`-H "Authorization: Bearer $ZUNA_API_KEY"`);
  lines.push(`-F ${shellQuote(`file=@${fileName}`)}`);
  for (const [name, value] of fields) lines.push(`-F ${shellQuote(`${name}=${value}`)}`);
  return lines.join(" \\\n  ");
}

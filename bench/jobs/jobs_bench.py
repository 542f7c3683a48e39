"""Drives real zuna processes (tiny model) over HTTP; see run.sh. Standard library only."""
import http.client, json, os, re, shutil, socket, statistics, subprocess, sys, tempfile, time, urllib.request, uuid

DLL, SHARED = sys.argv[1], sys.argv[2]
REPEAT = int(os.environ.get("REPEAT", "1"))
LATENCY_JOBS = int(os.environ.get("LATENCY_JOBS", "20"))  # jobs per store per run for each latency median
SAMPLE = open(os.path.join(SHARED, "data/fif/zuna__sample1_raw.fif"), "rb").read()
PG_BIN = "/usr/lib/postgresql/15/bin"
AS_POSTGRES = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def request(port, method, path, body=None, headers=None):
    req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method=method, headers=headers or {})
    with urllib.request.urlopen(req, timeout=120) as r:
        return r.status, r.read()


def upload(operation="embeddings"):
    boundary = uuid.uuid4().hex
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="operation"\r\n\r\n{operation}\r\n'.encode(),
             f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="s_raw.fif"\r\n'
             f'Content-Type: application/octet-stream\r\n\r\n'.encode() + SAMPLE + b"\r\n",
             f"--{boundary}--\r\n".encode()]
    return b"".join(parts), {"Content-Type": f"multipart/form-data; boundary={boundary}"}


class Zuna:
    def __init__(self, workdir, settings):
        self.port = free_port()
        env = dict(os.environ, Zuna__Model__Path=os.path.join(SHARED, "fixtures/tiny"), Zuna__Model__Device="cpu",
                   Zuna__Batching__MaxBatchDelayMs="0", Zuna__Jobs__PollMilliseconds="100",
                   Serilog__MinimumLevel__Default="Warning", **settings)
        self.process = subprocess.Popen(["dotnet", DLL, "--urls", f"http://127.0.0.1:{self.port}"], cwd=workdir, env=env,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(1200):
            try:
                if request(self.port, "GET", "/health/ready")[0] == 200:
                    return
            except Exception:
                time.sleep(0.1)
        raise RuntimeError("zuna did not become ready")

    def submit(self, operation="embeddings"):
        body, headers = upload(operation)
        return json.loads(request(self.port, "POST", "/v1/jobs", body, headers)[1])["id"]

    def job(self, job_id):
        return json.loads(request(self.port, "GET", f"/v1/jobs/{job_id}")[1])

    def wait(self, job_id, until=lambda j: j["status"] in ("succeeded", "failed", "canceled")):
        while True:
            j = self.job(job_id)
            if until(j):
                return j
            time.sleep(0.01)

    def follow(self, job_id):
        """Reads the job's event stream (SSE) until its final status: the moment a client following /events learns it."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        try:
            conn.request("GET", f"/v1/jobs/{job_id}/events")
            response = conn.getresponse()
            for line in response:
                if line.startswith(b"data:") and json.loads(line[5:])["status"] in ("succeeded", "failed", "canceled"):
                    return
            raise RuntimeError("event stream ended without a final status")
        finally:
            conn.close()

    def phases(self):
        """Seconds summed and counts of the job store's phases (zuna_phase_duration_seconds{phase="job_*"}) and claim waits."""
        text = request(self.port, "GET", "/metrics")[1].decode()
        sums = {}
        for m in re.finditer(r'^zuna_phase_duration_seconds_(sum|count)\{[^}]*phase="(job_[a-z_]+)"[^}]*\} ([0-9.eE+-]+)', text, re.M):
            sums[(m.group(2), m.group(1))] = float(m.group(3))
        for m in re.finditer(r'^zuna_jobs_claim_latency_seconds_(sum|count)(?:\{[^}]*\})? ([0-9.eE+-]+)', text, re.M):
            sums[("claim_wait", m.group(1))] = sums.get(("claim_wait", m.group(1)), 0) + float(m.group(2))
        return sums

    def kill(self):
        self.process.kill()
        self.process.wait()


def measure(name, settings, workdir, n_latency=LATENCY_JOBS, n_throughput=40):
    z = Zuna(workdir, settings)
    try:
        for _ in range(3):
            z.wait(z.submit())  # warm-up
        accept, total, polled = [], [], []
        before = z.phases()
        for _ in range(n_latency):
            t0 = time.perf_counter()
            job_id = z.submit()
            t1 = time.perf_counter()
            z.follow(job_id)
            accept.append((t1 - t0) * 1000)
            total.append((time.perf_counter() - t0) * 1000)
        after = z.phases()
        phases = {}
        for (phase, kind) in after:
            if kind == "sum":
                count = after.get((phase, "count"), 0) - before.get((phase, "count"), 0)
                if count > 0:
                    phases[phase] = (after[(phase, "sum")] - before.get((phase, "sum"), 0)) / count * 1000
        # The same, seen by a client that polls GET /v1/jobs/{id} every 10 ms instead: it learns of the end up to one
        # poll late, and each poll is a store read.
        for _ in range(n_latency):
            t0 = time.perf_counter()
            z.wait(z.submit())
            polled.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        ids = [z.submit() for _ in range(n_throughput)]
        for job_id in ids:
            z.wait(job_id)
        rate = n_throughput / (time.perf_counter() - t0)
        return name, statistics.median(accept), statistics.median(total), rate, phases, statistics.median(polled)
    finally:
        z.kill()


def postgres(root):
    data = os.path.join(root, "pg")
    if AS_POSTGRES:
        shutil.chown(root, "postgres", "postgres")
    subprocess.run(AS_POSTGRES + [f"{PG_BIN}/initdb", "-D", data, "-U", "postgres", "--auth=trust", "--no-sync"], check=True,
                   stdout=subprocess.DEVNULL)
    port = free_port()
    subprocess.run(AS_POSTGRES + [f"{PG_BIN}/pg_ctl", "-D", data, "-l", os.path.join(root, "pg.log"), "-w", "-o",
                                  f"-p {port} -c listen_addresses=127.0.0.1 -k {root}", "start"], check=True, stdout=subprocess.DEVNULL)
    return data, port


def main():
    root = tempfile.mkdtemp(prefix="zuna-jobs-bench-")
    os.chmod(root, 0o755)
    data, pg_port = postgres(root)
    try:
        def pg(db):
            subprocess.run(AS_POSTGRES + [f"{PG_BIN}/psql", "-h", "127.0.0.1", "-p", str(pg_port), "-U", "postgres", "-qc",
                                          f"CREATE DATABASE {db}"], check=True, stdout=subprocess.DEVNULL)
            return f"Host=127.0.0.1;Port={pg_port};Username=postgres;Database={db}"

        print(f"load average before: {open('/proc/loadavg').read().strip()}")
        runs = []
        for r in range(REPEAT):
            # The three stores in the same run, so they share the machine's load; repeated, medians over the runs.
            runs.append([measure("memory", {"Zuna__Jobs__Store": "memory"}, root),
                         measure("sqlite", {"Zuna__Jobs__Store": "sqlite", "Zuna__Jobs__Directory": os.path.join(root, f"sqlite{r}")}, root),
                         measure("postgres", {"Zuna__Jobs__Store": "postgres", "Zuna__Jobs__ConnectionString": pg(f"bench{r}")}, root)])
        print(f"load average after: {open('/proc/loadavg').read().strip()}  (runs: {REPEAT}; medians over runs)")
        rows = []
        for i, name in enumerate(["memory", "sqlite", "postgres"]):
            mine = [run[i] for run in runs]
            phases = {p: statistics.median(m[4][p] for m in mine if p in m[4]) for p in sorted({p for m in mine for p in m[4]})}
            rows.append((name, statistics.median(m[1] for m in mine), statistics.median(m[2] for m in mine),
                         statistics.median(m[3] for m in mine), phases,
                         statistics.median(m[2] - run[0][2] for m, run in zip(mine, runs)),
                         statistics.median(m[5] for m in mine), statistics.median(m[5] - run[0][5] for m, run in zip(mine, runs))))
        print("| store | POST /v1/jobs → 202 (median) | submit → succeeded on /events (median) | added vs memory | "
              "submit → succeeded polling every 10 ms | added vs memory | jobs/s (40 embeddings jobs) |")
        print("|---|---|---|---|---|---|---|")
        for name, accept, total, rate, _, added, polled, polled_added in rows:
            print(f"| {name} | {accept:.1f} ms | {total:.1f} ms | {added:+.1f} ms | {polled:.1f} ms | {polled_added:+.1f} ms | {rate:.1f} |")
        names = sorted({p for row in rows for p in row[4]})
        print("\nmean ms per job-store phase during the latency runs (zuna_phase_duration_seconds{phase=job_*}; claim_wait: queued → claimed)")
        print("| store | " + " | ".join(names) + " |")
        print("|---|" + "---|" * len(names))
        for row in rows:
            name, phases = row[0], row[4]
            print(f"| {name} | " + " | ".join(f"{phases[p]:.2f}" if p in phases else "–" for p in names) + " |")

        # Re-queue after a crash: two replicas on one PostgreSQL, the one running a job killed with SIGKILL.
        lease = 10
        settings = {"Zuna__Jobs__Store": "postgres", "Zuna__Jobs__ConnectionString": pg("crash"),
                    "Zuna__Jobs__LeaseSeconds": str(lease), "Zuna__Jobs__MaxConcurrent": "1", "Zuna__Limits__MaxSteps": "1000"}
        a, b = Zuna(root, settings), Zuna(root, settings)
        try:
            body, headers = upload("reconstructions")
            boundary = headers["Content-Type"].split("=")[1]
            body = body.replace(f"--{boundary}--".encode(), f'--{boundary}\r\nContent-Disposition: form-data; name="steps"\r\n\r\n1000\r\n--{boundary}--'.encode())
            job_id = json.loads(request(a.port, "POST", "/v1/jobs", body, headers)[1])["id"]
            a.wait(job_id, lambda j: j["status"] == "running")
            out = subprocess.run(AS_POSTGRES + [f"{PG_BIN}/psql", "-h", "127.0.0.1", "-p", str(pg_port), "-U", "postgres", "-d", "crash",
                                                "-tAc", f"SELECT owner FROM zuna_jobs WHERE id = '{job_id}'"], check=True, capture_output=True, text=True)
            pid = int(out.stdout.strip().split(":")[1])
            victim, survivor = (a, b) if a.process.pid == pid else (b, a)
            killed = time.perf_counter()
            victim.kill()
            survivor.wait(job_id, lambda j: j["status"] == "running" and j.get("attempts", 0) >= 2)
            print(f"\nre-queued and running on the other replica {time.perf_counter() - killed:.1f} s after SIGKILL "
                  f"(Zuna:Jobs:LeaseSeconds={lease}; the sweep runs every lease/2)")
        finally:
            a.kill()
            b.kill()
    finally:
        subprocess.run(AS_POSTGRES + [f"{PG_BIN}/pg_ctl", "-D", data, "-m", "immediate", "stop"], stdout=subprocess.DEVNULL)
        shutil.rmtree(root, ignore_errors=True)


main()

# Zuna inference service image. One Dockerfile, two backends:
#   docker build -t zuna:cpu  --build-arg TORCH_BACKEND=cpu  .
#   docker build -t zuna:cuda --build-arg TORCH_BACKEND=cuda .
# TORCH_BACKEND is handed to MSBuild as TorchBackend, which swaps libtorch-cpu-linux-x64 for
# libtorch-cuda-12.8-linux-x64 (Directory.Packages.props, Zuna.Engine/Zuna.Engine.csproj).
# The CUDA image carries the CUDA 12.8 runtime and cuDNN inside the libtorch package; the host only
# needs an NVIDIA driver that supports CUDA 12.8 (r570+) and the NVIDIA Container Toolkit.
# Weights are never baked in: mount a Hugging Face cache at /data/huggingface (HF_HOME).

ARG TORCH_BACKEND=cpu
# Base images are arguments so the image can be built where registries cannot be reached (deploy/local/build-and-run.sh
# builds stand-ins and passes them); the defaults are the official .NET 10 images.
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0
ARG RUNTIME_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0

# ---------------------------------------------------------------------------------------------
# Build: restore first (only project files and build props copied) so that source edits reuse
# the restore layer and the packages (several GB for CUDA) are not fetched again. The packages
# live in this stage's layers only; the runtime stage copies the published output alone.
FROM ${SDK_IMAGE} AS build
ARG TORCH_BACKEND
WORKDIR /src

COPY global.json Directory.Build.props Directory.Build.targets Directory.Packages.props ./
COPY build/ build/
COPY Zuna.Engine/Zuna.Engine.csproj Zuna.Engine/
COPY Zuna.Api/Zuna.Api.csproj Zuna.Api/
RUN dotnet restore Zuna.Api/Zuna.Api.csproj -r linux-x64 -p:TorchBackend=$TORCH_BACKEND

COPY Zuna.Engine/ Zuna.Engine/
COPY Zuna.Api/ Zuna.Api/
# The SDK image is Ubuntu 24.04 (libstdc++ with GLIBCXX_3.4.33), so the GLIBCXX patch in
# build/TorchSharpNative.targets sees a new enough host and leaves libLibTorchSharp.so untouched.
RUN dotnet publish Zuna.Api/Zuna.Api.csproj -c Release -r linux-x64 --self-contained false \
      --no-restore -p:TorchBackend=$TORCH_BACKEND -o /app/publish \
 && test -x /app/publish/zuna

# ---------------------------------------------------------------------------------------------
# Runtime: ASP.NET 10 on Ubuntu 24.04 (glibc-based, which libtorch needs; no Alpine).
FROM ${RUNTIME_IMAGE} AS runtime-base
WORKDIR /app
# MALLOC_ARENA_MAX=2: glibc gives threads that allocate at once their own malloc arenas (up to 8 per core), and
# freed tensor buffers scattered over many arenas are rarely returned, so a long-running service's RSS crept by
# ≈ 0.7 MB/min (+5–6 % over a 30-min soak); with two arenas it stayed flat (+0.4 %). README "Reliability".
ENV ASPNETCORE_HTTP_PORTS=8080 \
    HF_HOME=/data/huggingface \
    Zuna__Jobs__Directory=/data/jobs \
    DOTNET_CLI_TELEMETRY_OPTOUT=1 \
    MALLOC_ARENA_MAX=2
# The HF cache folder belongs to the non-root app user so that a fresh named volume mounted here
# inherits that owner and the service can download into it on first start.
# Same for the SQLite job store (the default store): mount a volume at /data/jobs to keep jobs across containers.
RUN mkdir -p /data/huggingface /data/jobs && chown "$APP_UID:$APP_UID" /data/huggingface /data/jobs
# Chart text (zuna reconstruct --figures): ScottPlot draws with SkiaSharp, whose bundled native library finds fonts in
# /usr/share/fonts without fontconfig; the base images carry none, and without one every title and label is blank.
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-dejavu-core >/dev/null \
 && rm -rf /var/lib/apt/lists/*
# Owned by root: the app user can read and run the binaries but not change them.
COPY --from=build /app/publish/ /app/
USER $APP_UID
EXPOSE 8080
# The image has no curl; the app's own verb does the GET (exit 0 on 2xx, 1 otherwise). Model load
# (and a 1.5 GB download on a cold cache) takes minutes, hence the long start period.
HEALTHCHECK --interval=30s --timeout=10s --start-period=10m --retries=3 \
  CMD ["/app/zuna", "probe", "--url", "http://127.0.0.1:8080/health/ready", "--timeout-seconds", "5"]
ENTRYPOINT ["/app/zuna"]

FROM runtime-base AS runtime-cpu

FROM runtime-base AS runtime-cuda
# The aspnet image does not set these (nvidia/cuda images do); the NVIDIA Container Toolkit reads
# them to inject the driver libraries (libcuda.so) into the container.
ENV NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility

# The default (last) stage: the runtime matching the backend the app was built for.
FROM runtime-${TORCH_BACKEND} AS final

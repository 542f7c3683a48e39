// libFuzzer front end for a .NET fuzz target that uses SharpFuzz's Fuzzer.LibFuzzer.Run.
//
// libFuzzer runs in this process; the .NET harness runs as a child started once. For each input we copy the bytes into
// a System V shared memory segment, write the length on the control pipe and wait for a status word on the status pipe.
// The child's SharpFuzz instrumentation records edge hits in the first 64 KiB of the segment, which we copy into
// libFuzzer's extra-counters section so that coverage of the .NET code steers mutation. A non-zero status (an escaped
// exception) or a vanished child is reported to libFuzzer as a crash; hangs are caught by libFuzzer's -timeout alarm.
//
// Protocol (as SharpFuzz expects it): environment __LIBFUZZER_SHM_ID (shmget id), __LIBFUZZER_CONTROL_PIPE_ID and
// __LIBFUZZER_STATUS_PIPE_ID (file descriptor numbers); 4-byte native-endian length and status words.
//
//   zuna-libfuzzer --target=/usr/bin/dotnet --target_arg=harness.dll [libFuzzer flags] corpus-dir seed-dirs...
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/shm.h>
#include <unistd.h>

namespace {

constexpr size_t kCoverageBytes = 1 << 16;
constexpr size_t kMaxInputBytes = 1 << 20;
constexpr int kControlFd = 198; // child reads input lengths here
constexpr int kStatusFd = 199;  // child writes statuses here

int control_write = -1;
int status_read = -1;
int segment_id = -1;
uint8_t *segment = nullptr;
pid_t child = -1;

[[noreturn]] void fail(const char *what) {
  fprintf(stderr, "zuna-libfuzzer: %s: %s\n", what, errno ? strerror(errno) : "unexpected");
  exit(1);
}

const char *flag(int argc, char **argv, const char *name) {
  size_t length = strlen(name);
  for (int i = 1; i < argc; ++i)
    if (strncmp(argv[i], name, length) == 0 && argv[i][length] == '=') return argv[i] + length + 1;
  return nullptr;
}

void write_all(int fd, const void *data, size_t size) {
  const char *p = static_cast<const char *>(data);
  while (size > 0) {
    ssize_t n = write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail("writing to the .NET child");
    p += n;
    size -= static_cast<size_t>(n);
  }
}

// False when the child closed its end (it died).
bool read_all(int fd, void *data, size_t size) {
  char *p = static_cast<char *>(data);
  while (size > 0) {
    ssize_t n = read(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) fail("reading from the .NET child");
    if (n == 0) return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

void cleanup() {
  if (child > 0) kill(child, SIGKILL);
  if (segment_id >= 0) shmctl(segment_id, IPC_RMID, nullptr);
}

} // namespace

// libFuzzer folds these counters into its coverage, as it does for its own instrumented code.
__attribute__((section("__libfuzzer_extra_counters"))) uint8_t dotnet_edges[kCoverageBytes];

extern "C" int LLVMFuzzerInitialize(int *argc, char ***argv) {
  const char *target = flag(*argc, *argv, "--target");
  const char *target_arg = flag(*argc, *argv, "--target_arg");
  if (!target) {
    fprintf(stderr, "zuna-libfuzzer: give the .NET program with --target=PATH [--target_arg=ARG]\n");
    exit(1);
  }
  int control[2], status[2];
  if (pipe(control) || pipe(status)) fail("pipe");
  segment_id = shmget(IPC_PRIVATE, kCoverageBytes + kMaxInputBytes, IPC_CREAT | IPC_EXCL | 0600);
  if (segment_id < 0) fail("shmget");
  atexit(cleanup);
  segment = static_cast<uint8_t *>(shmat(segment_id, nullptr, 0));
  if (segment == reinterpret_cast<void *>(-1)) fail("shmat");

  pid_t parent = getpid();
  child = fork();
  if (child < 0) fail("fork");
  if (child == 0) {
    // The child dies with us, also when libFuzzer leaves through _Exit after a timeout.
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(1);
    if (dup2(control[0], kControlFd) < 0 || dup2(status[1], kStatusFd) < 0) fail("dup2");
    close(control[0]); close(control[1]); close(status[0]); close(status[1]);
    char id[16];
    snprintf(id, sizeof id, "%d", segment_id);
    setenv("__LIBFUZZER_SHM_ID", id, 1);
    snprintf(id, sizeof id, "%d", kControlFd);
    setenv("__LIBFUZZER_CONTROL_PIPE_ID", id, 1);
    snprintf(id, sizeof id, "%d", kStatusFd);
    setenv("__LIBFUZZER_STATUS_PIPE_ID", id, 1);
    if (target_arg) execlp(target, target, target_arg, static_cast<char *>(nullptr));
    else execlp(target, target, static_cast<char *>(nullptr));
    fail("exec of the .NET target");
  }
  close(control[0]);
  close(status[1]);
  control_write = control[1];
  status_read = status[0];
  int32_t ready;
  if (!read_all(status_read, &ready, sizeof ready)) fail("the .NET target exited before it was ready");
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size > kMaxInputBytes) return -1; // libFuzzer's -max_len keeps inputs below this; never hand over a partial one
  memset(segment, 0, kCoverageBytes);
  memcpy(segment + kCoverageBytes, data, size);
  int32_t length = static_cast<int32_t>(size);
  write_all(control_write, &length, sizeof length);
  int32_t status;
  bool alive = read_all(status_read, &status, sizeof status);
  memcpy(dotnet_edges, segment, kCoverageBytes);
  if (!alive) {
    fprintf(stderr, "zuna-libfuzzer: the .NET target died on this input\n");
    __builtin_trap();
  }
  if (status != 0) __builtin_trap(); // an exception escaped the harness: its stack is on the child's stderr
  return 0;
}

#pragma once

#include "trace/trace_sink.h"
#include "trace/tracer.h"

#include <csignal>
#include <memory>
#include <string>
#include <vector>

namespace swb {

// One run of a container under runc with the ptrace tracer attached to its init process: `runc
// create` leaves the init process (runc init, in the container's namespaces) waiting before its
// exec; the tracer seizes it there, `runc start` lets it exec the container's program, and the
// trace starts at that execve (the runtime's syscalls before it are counted apart, see
// TracerOptions::untilExec). Beside the container a client command may run inside the container's
// network namespace (loopback only, whatever the bundle's network), and the run ends when the
// container exits, the client ends, the duration is over or a stop is requested; the container is
// then sent STOPSIGNAL and, after STOPTIMEOUT, SIGKILL, so a server's own shutdown is traced.
struct ContainerRunOptions {
    std::string bundleDir;           // holds config.json (writeOciBundle)
    std::string rootfs;              // the bundle's root on the host: exec'd paths are recorded inside it
    std::string id;                  // the container id (unique on the runc state root)
    std::string runc;                // empty: runc from PATH
    std::string stateRoot;           // runc --root (empty: runc's default)
    std::vector<std::string> client; // PROGRAM ARGS... (PATH searched), run after start
    int waitPort = 0;                // before the client: wait until 127.0.0.1:PORT accepts (container netns)
    double waitTimeout = 30;         // seconds for waitPort
    double duration = 0;             // seconds after start, then stop (with a client: at most); 0 = no limit
    double stopTimeout = 10;         // seconds between STOPSIGNAL and SIGKILL
    int stopSignal = SIGTERM;
    std::string outputFile;       // the container's stdout/stderr (created); empty: swb's own
    std::string clientOutputFile; // the client's stdout/stderr (created); empty: swb's own
    bool seccompStops = false;    // the bundle's profile sends syscalls to the tracer (tracingProfile)
    bool stacks = false;          // a user stack at every syscall (else only at violations)
    std::vector<std::string> traceCommand; // recorded as the trace's command (the container's argv)
};

struct ContainerRunResult {
    TracerResult tracer;       // its exitStatus is the container process's (128+N when killed by N)
    int clientStatus = -1;     // shell-style; -1 when there was no client or it never started
    bool portOpened = true;    // waitPort: the port accepted before the client started
    bool stoppedByUs = false;  // the container was still running when the run ended it
    bool killed = false;       // it needed SIGKILL after STOPSIGNAL
    int startStatus = 0;       // `runc start`'s status (non-zero: the container never ran its program)
    std::string runtimeErrors; // runc's error messages (create and start)
    std::string runtimeLog;    // runc's JSON log
};

class ContainerRun {
public:
    ContainerRun(ContainerRunOptions options, TraceSink& sink);
    ~ContainerRun();
    ContainerRun(const ContainerRun&) = delete;
    ContainerRun& operator=(const ContainerRun&) = delete;

    // Runs to the end; the container is deleted afterwards in every case. Throws swb::Error when
    // runc cannot create the container (with its messages) or the tracer cannot attach.
    ContainerRunResult run();
    // Ends the run early: the container is stopped as at the end of a duration, and the trace up to
    // its exit is delivered. Async-signal-safe.
    void requestStop();

private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// One run of an image by a container engine (Docker, or rootful Podman with runc) under a seccomp
// profile the engine loads itself (`--security-opt seccomp=FILE`), with the same client, duration
// and stop as ContainerRun. The engine's containers cannot be traced from their first syscall, so
// violations are not seen by a tracer: enforce mode tells whether the workload passes (the exit
// statuses); complain mode exports the profile's denials as SCMP_ACT_LOG and reads the kernel's
// audit records of the container's processes (type 1326) from /dev/kmsg, which the kernel
// rate-limits (the names are then a lower bound, and said so).
struct EngineRunOptions {
    std::string engine = "docker"; // "docker" or "podman"
    std::string client;            // the engine's client program (empty: from PATH)
    std::string image;             // the engine's image name
    std::string profileFile;       // the seccomp profile (Docker JSON) given to the engine
    bool complain = false;         // the profile's denials are SCMP_ACT_LOG: read the audit records
    bool hostNetwork = false;
    std::vector<std::string> clientCommand;
    int waitPort = 0;
    double waitTimeout = 30;
    double duration = 0;
    double stopTimeout = 10;
    std::string outputFile; // the container's logs (docker logs), written at the end
    std::string clientOutputFile;
    std::string name; // the container's name (unique)
};

struct EngineViolation {
    int nr = -1;
    std::string name;
    std::uint32_t pid = 0;
    std::string comm;
    std::size_t count = 0;
};

struct EngineRunResult {
    int containerStatus = -1; // the container's exit code (docker wait)
    int clientStatus = -1;
    bool portOpened = true;
    bool stoppedByUs = false;
    std::string engineErrors;                // the engine's messages when it failed
    std::vector<EngineViolation> violations; // complain mode: per (syscall, process)
    bool auditSuppressed = false;            // the kernel dropped audit messages (rate limit)
};

// Throws swb::Error when the engine cannot start the container (with its message).
EngineRunResult runInEngine(const EngineRunOptions& options);

} // namespace swb

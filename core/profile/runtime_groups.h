#pragma once

#include "phase/evidence.h"
#include "profile/profile.h"
#include "profile/project.h"

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace swb {

// A container runtime whose own syscalls, made after it loaded the container's seccomp filter and up
// to the execve of the container process, must be in every profile it enforces.
enum class Runtime : std::uint8_t { None, Runc, Crun };

std::string_view runtimeName(Runtime runtime); // "none", "runc", "crun"
std::optional<Runtime> runtimeFromName(std::string_view name);
// The profile group of a runtime's syscalls: "runtime:runc", "runtime:crun" ("" for None).
std::string runtimeGroupName(Runtime runtime);

struct RuntimeSyscall {
    std::string_view name;
    std::string_view reason; // what the runtime does with it at that point
};

// The runtime's syscalls after the filter is loaded (empty for None).
std::span<const RuntimeSyscall> runtimeSyscalls(Runtime runtime);

// Adds an unconditional Allow rule in group runtimeGroupName(runtime) for each of the runtime's
// syscalls the profile does not already allow unconditionally. Runtime::None adds nothing.
void addRuntimeGroup(Profile& profile, Runtime runtime);

// The syscalls libswb-phase.so makes under the start filter to load and stack the serving filter;
// the start filter of a two-phase profile must allow them (group "phase-switch").
std::span<const RuntimeSyscall> phaseSwitchSyscalls();
void addPhaseSwitchGroup(Profile& profile);

// The kernel-issued syscalls (model/kernel_issued.h) in group "kernel", in every exported phase
// unless a review decision denies them in that phase.

// The serving filter of a trace-based profile: the memory calls glibc's allocator makes whenever a
// thread first allocates (a new arena) or an arena grows or shrinks. Whether a thread's first
// malloc falls before or after the boundary is timing, so each of these seen during init is
// allowed while serving too (group "allocator") unless a review decision denies it there.
std::span<const RuntimeSyscall> allocatorSyscalls();
void addAllocatorGroup(Profile& profile, const EvidenceSet& evidence,
                       const std::vector<ReviewDecision>& decisions);
void addKernelGroup(Profile& profile, const std::vector<ReviewDecision>& decisions, PhaseSelection phase);

} // namespace swb

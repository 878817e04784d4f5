#pragma once

#include "profile/profile.h"

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace swb {

struct FilterOptions {
    // Replaces the profile's default action (complain mode: Trace, so that a tracer sees every
    // syscall the profile does not allow and lets it run).
    std::optional<SeccompAction> defaultAction;
    int defaultValue = 0; // errno for Errno, message for Trace
    // Replaces every non-Allow rule's action the same way (complain mode).
    bool overrideDenyRules = false;
    // Enforce mode under a tracer: every Errno action (the default's and each rule's, after the
    // replacements above) becomes Trace with the message errnoAsTraceFlag | errno, so the tracer
    // fails the syscall with that same errno itself and reports it. 0 = off.
    std::uint16_t errnoAsTraceFlag = 0;
};

// The profile compiled by libseccomp to a classic-BPF program: the bytes of a struct sock_filter
// array, ready for seccomp(2). Throws swb::Error when libseccomp rejects a rule.
std::vector<std::uint8_t> compileSeccompBpf(const Profile& profile, const FilterOptions& options = {});

// libseccomp's pseudo-filter-code text of the same filter (human-readable).
std::string exportSeccompPfc(const Profile& profile, const FilterOptions& options = {});

// Installs a compiled filter on the calling thread: PR_SET_NO_NEW_PRIVS, then seccomp(2) with
// SECCOMP_FILTER_FLAG_TSYNC when threads is true. Async-signal-safe (usable between fork and exec).
// Returns 0 or an errno value.
int installSeccompBpf(const std::uint8_t* bpf, std::size_t size, bool threads = false) noexcept;

} // namespace swb

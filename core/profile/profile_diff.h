#pragma once

#include "profile/profile.h"

#include <string>
#include <vector>

namespace swb {

// One syscall's rules on each side, described for a reader ("allow", "allow if arg0 == 1",
// "SCMP_ACT_ERRNO(38)"), sorted. Rules whose effect is the profile's default action are left out.
struct SyscallDiff {
    std::string name;
    std::vector<std::string> a;
    std::vector<std::string> b;
};

// What differs between two profiles, by syscall number on the first profile's architecture (names
// are the table's, so aliases meet). Rules of syscalls unknown on the architecture match nothing and
// are not compared (the loader's warnings name them).
struct ProfileDiff {
    std::vector<SyscallDiff> onlyInA; // rules in A only (b empty)
    std::vector<SyscallDiff> onlyInB; // rules in B only (a empty)
    std::vector<SyscallDiff> changed; // rules on both sides, different (action, errno or conditions)
    std::vector<std::string> common;  // the same rules on both sides
    std::string defaultA, defaultB;   // "SCMP_ACT_ERRNO(1)", ...; empty when not compared
    bool archDiffers = false;

    bool equal() const {
        return onlyInA.empty() && onlyInB.empty() && changed.empty() && defaultA == defaultB && !archDiffers;
    }
};

struct DiffOptions {
    // Compare the default actions (false when one side is a plain syscall set, which has none).
    bool compareDefaults = true;
};

ProfileDiff diffProfiles(const Profile& a, const Profile& b, const DiffOptions& options = {});

// An allowlist of plain names (a trace's or an analysis's syscall set) as a Profile with the default
// action ERRNO(EPERM); names unknown on the architecture go to Profile::warnings.
Profile profileFromSyscallNames(const std::vector<std::string>& names, Arch arch, const std::string& group,
                                const std::string& reason);

// Readable text: "- name" (only in A), "+ name" (only in B), "~ name" (different rules), with the
// rules in brackets unless they are a plain allow, then the default actions and the counts.
std::string formatDiffText(const ProfileDiff& diff, const std::string& labelA, const std::string& labelB);
// The same as a JSON document (docs/formats.md, "Profile diff").
std::string formatDiffJson(const ProfileDiff& diff, const std::string& labelA, const std::string& labelB);

} // namespace swb

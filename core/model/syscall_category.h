#pragma once

#include "model/syscall_table.h"

#include <cstdint>
#include <string_view>
#include <vector>

namespace swb {

// What a system call is about, for colouring and grouping. The value is semantic: a view maps it
// to a colour of its palette.
enum class SyscallCategory : std::uint8_t {
    File,
    Network,
    Process,
    Memory,
    Signal,
    Time,
    Ipc,
    Security,
    System,
    Other,
};
inline constexpr int kSyscallCategoryCount = static_cast<int>(SyscallCategory::Other) + 1;

// The category of a syscall name, by a rule table: exact names first, then name prefixes. Names the
// table does not cover (including "syscall_N") are Other.
SyscallCategory syscallCategory(std::string_view name);
// "file", "network", ..., "other".
std::string_view syscallCategoryName(SyscallCategory category);
// The category of every number 0..max of TABLE, for lookups in a loop over many events.
std::vector<SyscallCategory> syscallCategoriesByNumber(const SyscallTable& table);

} // namespace swb

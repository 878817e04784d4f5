#include "model/syscall_table.h"

#include <seccomp.h>

#include <charconv>
#include <cstdlib>

namespace swb {

namespace {
constexpr int kMaxProbe = 1024; // x86-64 numbers are below 512; leave room for growth

std::uint32_t scmpArch(Arch arch) {
    switch (arch) {
    case Arch::X86_64:
        return SCMP_ARCH_X86_64;
    }
    return SCMP_ARCH_X86_64;
}
} // namespace

std::string_view archName(Arch arch) {
    switch (arch) {
    case Arch::X86_64:
        return "x86_64";
    }
    return "unknown";
}

std::optional<Arch> archFromName(std::string_view name) {
    if (name == "x86_64" || name == "amd64" || name == "SCMP_ARCH_X86_64")
        return Arch::X86_64;
    return std::nullopt;
}

SyscallTable::SyscallTable(Arch arch)
    : arch_(arch) {
    names_.resize(kMaxProbe);
    for (int nr = 0; nr < kMaxProbe; ++nr) {
        char* resolved = seccomp_syscall_resolve_num_arch(scmpArch(arch), nr);
        if (resolved) {
            names_[static_cast<std::size_t>(nr)] = resolved;
            numbers_.push_back(nr);
            std::free(resolved);
        }
    }
}

const SyscallTable& SyscallTable::forArch(Arch arch) {
    switch (arch) {
    case Arch::X86_64: {
        static const SyscallTable table(Arch::X86_64);
        return table;
    }
    }
    std::abort();
}

bool SyscallTable::known(int nr) const {
    return nr >= 0 && static_cast<std::size_t>(nr) < names_.size() &&
           !names_[static_cast<std::size_t>(nr)].empty();
}

std::string SyscallTable::name(int nr) const {
    if (known(nr))
        return names_[static_cast<std::size_t>(nr)];
    return "syscall_" + std::to_string(nr);
}

std::optional<int> SyscallTable::number(std::string_view name) const {
    if (name.starts_with("syscall_")) {
        int nr = 0;
        auto digits = name.substr(8);
        auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), nr);
        if (ec == std::errc() && ptr == digits.data() + digits.size() && nr >= 0)
            return nr;
        return std::nullopt;
    }
    const std::string key(name);
    int nr = seccomp_syscall_resolve_name_arch(scmpArch(arch_), key.c_str());
    if (nr < 0) // __NR_SCMP_ERROR or a pseudo-syscall of another architecture
        return std::nullopt;
    return nr;
}

} // namespace swb

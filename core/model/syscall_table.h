#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace swb {

// Architectures are explicit everywhere so that aarch64 can follow x86-64.
enum class Arch : std::uint8_t { X86_64 = 1 };

std::string_view archName(Arch arch);
std::optional<Arch> archFromName(std::string_view name);

// Syscall names and numbers, resolved through libseccomp (never a hand-kept table).
// Unknown numbers stay visible as "syscall_N".
class SyscallTable {
public:
    static const SyscallTable& forArch(Arch arch);

    Arch arch() const { return arch_; }
    // The name for a number; "syscall_N" when the number is unknown.
    std::string name(int nr) const;
    // Whether libseccomp knows this number.
    bool known(int nr) const;
    // The number for a name, also accepting "syscall_N"; nullopt when unknown.
    std::optional<int> number(std::string_view name) const;
    // Every known number, ascending.
    const std::vector<int>& numbers() const { return numbers_; }

private:
    explicit SyscallTable(Arch arch);

    Arch arch_;
    std::vector<std::string> names_; // index = number; empty when unknown
    std::vector<int> numbers_;
};

} // namespace swb

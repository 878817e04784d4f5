#pragma once

#include "static/code_analysis.h"

#include <array>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace swb {

// What linking needs from the code analysis of one module (FunctionFacts without the CFG and the
// diagnostics), in flat arrays: a module's facts are a handful of allocations however many
// functions it has, so reading them from the cache costs little more than reading the file.
struct ModuleFacts {
    // A RegValue: constants live in `constants`, reasons in `reasonText`.
    struct Value {
        RegValue::Kind kind = RegValue::Kind::Unknown;
        std::uint8_t param = 0;  // Param: the argument register; Unknown: 1 when `first` is a cause
        std::uint16_t count = 0; // Constants: how many, from `first` in `constants`
        std::uint32_t first = 0; // Constants: index into `constants`; Unknown: the reason's index,
                                 // or the cause's (param 1)
    };
    // Why an Unknown value is unknown, when the analysis gave a cause rather than text
    // (RegValue::cause; describeUnknown writes the text).
    struct Cause {
        std::int64_t at = 0;
        std::uint8_t code = 0;
        std::uint8_t reg = 0xff;
        bool operator==(const Cause&) const = default;
    };
    struct Call {
        std::array<Value, 6> args; // rdi, rsi, rdx, rcx, r8, r9 at the call
        std::uint64_t address = 0; // of the call/jmp instruction
        std::uint64_t target = 0;  // Direct / TailJump: the target; ViaSlot: the slot
        CallSite::Kind kind = CallSite::Kind::Direct;
    };
    struct Syscall {
        std::uint64_t address = 0;
        Value rax;
    };
    // A function's items are [its index, the next function's index) in each array.
    struct Function {
        std::uint64_t start = 0;
        std::uint64_t end = 0;
        std::uint32_t calls = 0;
        std::uint32_t syscalls = 0;
        std::uint32_t codeReferences = 0;
        std::uint32_t dataReferences = 0;
    };

    std::vector<Function> functions; // sorted by start, followed by one end marker
    std::vector<Call> calls;
    std::vector<Syscall> syscalls;
    std::vector<std::uint64_t> codeReferences;
    std::vector<std::uint64_t> dataReferences;
    std::vector<std::int64_t> constants;
    std::vector<Cause> causes;
    // Reasons of Unknown values, each once: reason i is reasonText[reasonEnds[i-1], reasonEnds[i]).
    // Nearly every one names an address, so there are as many as there are call arguments; one
    // string holds them all: the `storage` it points into (a copy of the facts shares it), which is
    // the mapped cache file itself when the facts were read from one.
    std::string_view reasonText;
    std::vector<std::uint32_t> reasonEnds;
    std::shared_ptr<const void> storage;

    std::size_t size() const { return functions.empty() ? 0 : functions.size() - 1; }
    const Function& function(std::size_t fi) const { return functions[fi]; }
    std::span<const Call> callsOf(std::size_t fi) const {
        return range(calls, functions[fi].calls, functions[fi + 1].calls);
    }
    std::span<const Syscall> syscallsOf(std::size_t fi) const {
        return range(syscalls, functions[fi].syscalls, functions[fi + 1].syscalls);
    }
    std::span<const std::uint64_t> codeReferencesOf(std::size_t fi) const {
        return range(codeReferences, functions[fi].codeReferences, functions[fi + 1].codeReferences);
    }
    std::span<const std::uint64_t> dataReferencesOf(std::size_t fi) const {
        return range(dataReferences, functions[fi].dataReferences, functions[fi + 1].dataReferences);
    }
    std::span<const std::int64_t> constantsOf(const Value& v) const {
        if (v.kind != RegValue::Kind::Constants)
            return {};
        return {constants.data() + v.first, v.count};
    }
    std::size_t reasonCount() const { return reasonEnds.size(); }
    std::string_view reason(std::size_t i) const {
        const std::size_t begin = i == 0 ? 0 : reasonEnds[i - 1];
        return reasonText.substr(begin, reasonEnds[i] - begin);
    }
    // The reason of an Unknown value given as text (empty for other kinds and for causes).
    std::string_view reasonOf(const Value& v) const {
        return v.kind == RegValue::Kind::Unknown && v.param == 0 ? reason(v.first) : std::string_view();
    }
    // The cause of an Unknown value given as one; nullptr otherwise.
    const Cause* causeOf(const Value& v) const {
        return v.kind == RegValue::Kind::Unknown && v.param == 1 ? &causes[v.first] : nullptr;
    }
    RegValue regValue(const Value& v) const;

    // The summary of analyzeCode's result (functions sorted by start).
    static ModuleFacts from(const std::vector<FunctionFacts>& facts);
    bool operator==(const ModuleFacts& other) const;

private:
    static void fill(ModuleFacts& out, const std::vector<FunctionFacts>& facts);
    template <typename T>
    static std::span<const T> range(const std::vector<T>& v, std::uint32_t begin, std::uint32_t end) {
        return {v.data() + begin, end - begin};
    }
};

} // namespace swb

#pragma once

// Internal to the static analyzer: the CFG of one function as the data-flow sees it.

#include "static/code_analysis.h"
#include "static/x86_insn.h"

#include <cstdint>
#include <vector>

namespace swb::detail {

struct FnCfg {
    struct Block {
        std::uint32_t first = 0; // index in `insns`
        std::uint32_t count = 0;
        std::vector<std::uint32_t> succ; // block indices
    };
    std::vector<std::int32_t> insns; // instruction ids in the cache, block after block, by address
    std::vector<Block> blocks;       // by address
    std::uint32_t entry = 0;         // block holding the function's start
};

// Runs the register/stack-slot data-flow over `cfg` and fills `facts.syscalls` (the value of rax at
// every `syscall`) and the `args` of every entry of `facts.calls` (sorted by address). Calls and
// jumps are probed before the instruction; a TailJump recorded on an instruction that merely falls
// through into another function is probed after it.
// With `reasonText` false, Unknown values get a cause code instead of their reason (see
// CodeInput::reasonText).
void runDataflow(const FnCfg& cfg, const x86::InsnCache& cache, x86::InsnPrinter& printer,
                 FunctionFacts& facts, bool reasonText = true);

} // namespace swb::detail

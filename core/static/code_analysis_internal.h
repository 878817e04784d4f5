#pragma once

// Internal to the static analyzer: the CFG of one function as the data-flow sees it.

#include "static/code_analysis.h"
#include "static/x86_insn.h"

#include <cstdint>
#include <span>
#include <vector>

namespace swb::detail {

struct FnCfg {
    struct Block {
        std::uint32_t first = 0; // index in `insns`
        std::uint32_t count = 0;
        std::uint32_t succ = 0; // its successors: successors[succ, the next block's succ)
    };
    std::vector<std::int32_t> insns;       // instruction ids in the cache, block after block, by address
    std::vector<Block> blocks;             // by address
    std::vector<std::uint32_t> successors; // block indices, sorted and unique per block
    std::uint32_t entry = 0;               // block holding the function's start

    std::span<const std::uint32_t> successorsOf(std::uint32_t b) const {
        const std::uint32_t end =
            b + 1 < blocks.size() ? blocks[b + 1].succ : static_cast<std::uint32_t>(successors.size());
        return {successors.data() + blocks[b].succ, end - blocks[b].succ};
    }
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

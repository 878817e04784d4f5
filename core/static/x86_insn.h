#pragma once

// Internal to the static analyzer: a compact, Capstone-free view of decoded x86-64 instructions and
// a cache that decodes every address at most once. Capstone itself stays in x86_insn.cpp.

#include "static/code_analysis.h"

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace swb::x86 {

// General-purpose registers, in hardware encoding order.
enum Gpr : std::uint8_t {
    RAX,
    RCX,
    RDX,
    RBX,
    RSP,
    RBP,
    RSI,
    RDI,
    R8,
    R9,
    R10,
    R11,
    R12,
    R13,
    R14,
    R15,
    kGprCount,
    kRip = 16,
    kNoReg = 0xff, // not a GPR (vector, segment, flags registers) or absent
};

const char* gprName(unsigned gpr); // "rax", ...

enum class Flow : std::uint8_t {
    Normal,   // falls through
    Syscall,  // `syscall`: falls through
    CondJump, // jcc / loop / jrcxz: target and fall-through
    Jump,     // jmp (direct or indirect)
    Call,     // call (direct or indirect)
    Return,   // ret, iret, sysret: leaves the function
    Stop,     // hlt, ud2, int3: execution does not continue
};

enum class OpType : std::uint8_t { None, Reg, Imm, Mem };

struct Operand {
    OpType type = OpType::None;
    std::uint8_t size = 0;       // bytes
    std::uint8_t access = 0;     // kRead | kWrite; 0 when Capstone does not say
    std::uint8_t reg = kNoReg;   // Reg: the GPR (kNoReg for other registers)
    std::uint8_t high8 = 0;      // Reg: ah/bh/ch/dh
    std::uint8_t base = kNoReg;  // Mem: GPR, kRip or kNoReg
    std::uint8_t index = kNoReg; // Mem
    std::uint8_t scale = 1;      // Mem
    std::int64_t value = 0;      // Imm: the immediate (sign-extended); Mem: the displacement
};

constexpr std::uint8_t kRead = 1;
constexpr std::uint8_t kWrite = 2;

// Insn::flags
constexpr std::uint8_t kRepPrefix = 1;   // rep / repne
constexpr std::uint8_t kSegPrefix = 2;   // memory operand uses fs/gs (thread-local, not the stack)
constexpr std::uint8_t kWritesFlags = 4; // modifies the arithmetic flags
constexpr std::uint8_t kMemWriteFar = 8; // writes memory through an operand beyond op[1] (or anywhere)
constexpr std::uint8_t kOpaque = 16;     // Capstone could not decode it; only its length is known

struct Insn {
    std::uint64_t address = 0;
    std::uint16_t id = 0; // Capstone x86_insn
    std::uint8_t size = 0;
    Flow flow = Flow::Normal;
    std::uint8_t opCount = 0; // explicit operands (only the first two are kept)
    std::uint8_t flags = 0;
    std::uint8_t memWrite = 0xff; // index in op[] of a memory operand written, 0xff if none
    std::uint16_t writeMask = 0;  // GPRs written (explicitly or implicitly), bit = Gpr
    Operand op[2];

    std::uint64_t next() const { return address + size; }
    // Direct branch/call target (op[0] immediate).
    bool hasDirectTarget() const { return opCount >= 1 && op[0].type == OpType::Imm; }
    std::uint64_t target() const { return static_cast<std::uint64_t>(op[0].value); }
    // call/jmp qword ptr [rip + X]
    bool isRipSlot() const {
        return opCount >= 1 && op[0].type == OpType::Mem && op[0].base == kRip && op[0].index == kNoReg;
    }
    std::uint64_t ripTarget(const Operand& o) const { return next() + static_cast<std::uint64_t>(o.value); }
};

// Capstone instruction ids the analyses look at (values of x86_insn, kept out of Capstone's header).
namespace id {
extern const std::uint16_t Mov, Movabs, Movzx, Movsx, Movsxd, Lea, Xor, Sub, Add, And, Or, Shl, Shr, Sar, Inc,
    Dec, Neg, Not, Push, Pop, Leave, Cmp, Xchg, Cdqe, Ja, Jae, Jb, Jbe;
bool isCmov(std::uint16_t insnId);
} // namespace id

// Decodes the code regions of one image; each address is decoded at most once.
class InsnCache {
public:
    explicit InsnCache(std::vector<CodeInput::Region> regions);
    ~InsnCache();
    InsnCache(const InsnCache&) = delete;
    InsnCache& operator=(const InsnCache&) = delete;

    // Linear sweep of every region, split across `threads` (fills the cache; results do not depend on
    // the split because decoding an address gives the same instruction whoever does it).
    void sweep(unsigned threads);
    // The instruction at `address`, decoding it if needed: its id, or kInvalid (undecodable bytes)
    // or kOutside (not in a code region). Not thread-safe.
    std::int32_t decode(std::uint64_t address);
    // Read-only lookup: kNotDecoded when `decode` was never asked. Thread-safe once decoding is over.
    std::int32_t lookup(std::uint64_t address) const;
    static constexpr std::int32_t kNotDecoded = -1, kInvalid = -2, kOutside = -3;

    const Insn& at(std::int32_t i) const { return insns_[static_cast<std::size_t>(i)]; }
    std::size_t size() const { return insns_.size(); }
    bool inCode(std::uint64_t address) const { return regionOf(address) >= 0; }
    const std::vector<CodeInput::Region>& regions() const { return regions_; }

private:
    int regionOf(std::uint64_t address) const;

    std::vector<CodeInput::Region> regions_; // sorted by address
    std::vector<std::vector<std::int32_t>>
        index_; // per region, per byte: instruction id or kNotDecoded/kInvalid
    std::vector<Insn> insns_;
    struct Decoder;
    std::unique_ptr<Decoder> decoder_; // for on-demand decoding
};

// Prints single instructions ("mov rax, qword ptr [rbx + 8]") for messages. One per thread.
class InsnPrinter {
public:
    explicit InsnPrinter(const InsnCache& cache);
    explicit InsnPrinter(std::vector<CodeInput::Region> regions); // sorted by address
    ~InsnPrinter();
    InsnPrinter(const InsnPrinter&) = delete;
    InsnPrinter& operator=(const InsnPrinter&) = delete;
    std::string text(std::uint64_t address);

private:
    std::vector<CodeInput::Region> regions_;
    std::size_t handle_ = 0;
};

std::string hex(std::uint64_t v);

} // namespace swb::x86

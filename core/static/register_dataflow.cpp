// Intraprocedural forward data-flow over one function's CFG: what each general-purpose register and
// each tracked stack slot holds (a small set of constants, the function's k-th argument unchanged, an
// address in the function's own stack frame, or unknown with the instruction that made it so).

#include "static/code_analysis_internal.h"

#include <algorithm>
#include <array>
#include <limits>
#include <span>
#include <tuple>
#include <unordered_map>

namespace swb::detail {

namespace {

using namespace x86;

constexpr std::size_t kMaxConstants = 16;

enum class Why : std::uint8_t {
    Entry,         // value from the caller in a register that is not an argument
    Load,          // loaded from memory that is not a tracked stack slot
    StackSlot,     // loaded from a stack slot the function did not write (or no longer tracks)
    Clobbered,     // clobbered by a call (v = the call) or by a syscall
    SyscallResult, // rax after a syscall
    Op,            // computed by an instruction the analysis does not model (v = the instruction)
    TooMany,       // more than kMaxConstants values
    Mixed,         // different kinds of values on paths that merge (v = the merge point)
};

// RegValue::cause: why a value is unknown, as describeCause words it.
enum class Cause : std::uint8_t {
    None,
    Entry,              // `reg` is not set in the function
    Load,               // loaded from memory at `at`
    StackSlot,          // loaded from an untracked stack slot at `at`
    ClobberedByCall,    // clobbered by the call at `at`
    ClobberedBySyscall, // clobbered by the syscall at `at`
    SyscallResult,      // the result of the syscall at `at`
    Op,                 // computed by the instruction at `at`
    TooMany,            // more than kMaxConstants values at `at`
    Mixed,              // differs between the paths that merge at `at`
    StackAddress,       // a stack address, `at` = offset from the entry rsp
    Last = StackAddress,
};

template <typename Text>
std::string describeCause(Cause cause, std::uint8_t regNo, std::int64_t v, const Text& text) {
    const auto at = static_cast<std::uint64_t>(v);
    const std::string reg = regNo < kGprCount ? gprName(regNo) : "value";
    switch (cause) {
    case Cause::StackAddress: {
        const std::string off =
            v < 0 ? "-" + hex(static_cast<std::uint64_t>(-v)) : "+" + hex(static_cast<std::uint64_t>(v));
        return "holds a stack address (entry rsp" + off + ")";
    }
    case Cause::Entry:
        return reg + " is not set in the function (the caller's value)";
    case Cause::Load:
        return reg + " loaded from memory at " + hex(at) + " (" + text(at) + ")";
    case Cause::StackSlot:
        return reg + " loaded from an untracked stack slot at " + hex(at) + " (" + text(at) + ")";
    case Cause::ClobberedByCall:
        return reg + " clobbered by call at " + hex(at);
    case Cause::ClobberedBySyscall:
        return reg + " clobbered by the syscall at " + hex(at);
    case Cause::SyscallResult:
        return reg + " holds the result of the syscall at " + hex(at);
    case Cause::Op:
        return reg + " computed by `" + text(at) + "` at " + hex(at);
    case Cause::TooMany:
        return reg + " has more than " + std::to_string(kMaxConstants) + " possible values at " + hex(at);
    case Cause::Mixed:
        return reg + " differs between the paths that merge at " + hex(at);
    case Cause::None:
        break;
    }
    return reg;
}

struct Val {
    enum Kind : std::uint8_t { Unk, Const, Set, Param, Stack };
    Kind k = Unk;
    Why why = Why::Entry;
    std::uint8_t reg = kNoReg; // Unk: the register the reason is about
    std::int64_t v = 0;        // Const: value; Set: set id; Param: index; Stack: offset from the entry rsp;
                               // Unk: address of the instruction (or merge point) responsible
    bool operator==(const Val&) const = default;

    static Val unk(Why why, std::uint64_t at, std::uint8_t reg) {
        return {Unk, why, reg, static_cast<std::int64_t>(at)};
    }
    static Val constant(std::int64_t c) { return {Const, Why::Entry, kNoReg, c}; }
    static Val param(int k) { return {Param, Why::Entry, kNoReg, k}; }
    static Val stack(std::int64_t off) { return {Stack, Why::Entry, kNoReg, off}; }
    bool isConst() const { return k == Const || k == Set; }
};

struct Slot {
    std::int64_t off = 0;
    std::uint8_t size = 0;
    Val val;
    bool operator==(const Slot&) const = default;
};

struct State {
    std::array<Val, kGprCount> r;
    std::vector<Slot> slots; // sorted by offset, non-overlapping
    // Lowest stack offset whose address was put in a register other than rsp/rbp: a callee may write
    // there, so calls forget the slots at and above it.
    std::int64_t escaped = std::numeric_limits<std::int64_t>::max();
    bool operator==(const State&) const = default;
};

std::int64_t truncate(std::int64_t v, unsigned width) {
    if (width >= 8)
        return v;
    const std::uint64_t mask = (std::uint64_t{1} << (8 * width)) - 1;
    return static_cast<std::int64_t>(static_cast<std::uint64_t>(v) & mask);
}

std::int64_t signExtend(std::int64_t v, unsigned width) {
    switch (width) {
    case 1:
        return static_cast<std::int8_t>(v);
    case 2:
        return static_cast<std::int16_t>(v);
    case 4:
        return static_cast<std::int32_t>(v);
    default:
        return v;
    }
}

class RegisterFlow {
public:
    RegisterFlow(const FnCfg& cfg, const InsnCache& cache, InsnPrinter& printer, FunctionFacts& facts,
                 bool reasonText)
        : cfg_(cfg)
        , cache_(cache)
        , printer_(printer)
        , facts_(facts)
        , reasonText_(reasonText) {
        sets_.emplace_back(); // id 0 unused
    }

    void run() {
        if (cfg_.blocks.empty())
            return;
        const std::size_t n = cfg_.blocks.size();
        in_.assign(n, State{});
        has_.assign(n, false);
        State entry;
        for (unsigned g = 0; g < kGprCount; ++g)
            entry.r[g] = Val::unk(Why::Entry, facts_.start, static_cast<std::uint8_t>(g));
        const std::uint8_t params[] = {RDI, RSI, RDX, RCX, R8, R9};
        for (int k = 0; k < 6; ++k)
            entry.r[params[k]] = Val::param(k);
        entry.r[RSP] = Val::stack(0);
        in_[cfg_.entry] = entry;
        has_[cfg_.entry] = true;

        // Reverse post-order, then iterate to a fixpoint.
        std::vector<std::uint32_t> rpo;
        {
            std::vector<std::uint8_t> mark(n, 0);
            std::vector<std::pair<std::uint32_t, std::size_t>> stack{{cfg_.entry, 0}};
            mark[cfg_.entry] = 1;
            while (!stack.empty()) {
                auto& [b, i] = stack.back();
                if (const auto succ = cfg_.successorsOf(b); i < succ.size()) {
                    const std::uint32_t s = succ[i++];
                    if (!mark[s]) {
                        mark[s] = 1;
                        stack.emplace_back(s, 0);
                    }
                } else {
                    rpo.push_back(b);
                    stack.pop_back();
                }
            }
            std::reverse(rpo.begin(), rpo.end());
        }
        std::vector<std::uint8_t> dirty(n, 0);
        dirty[cfg_.entry] = 1;
        bool any = true;
        while (any) {
            any = false;
            for (const std::uint32_t b : rpo) {
                if (!dirty[b])
                    continue;
                dirty[b] = 0;
                State& s = cur_;
                s = in_[b];
                transferBlock(b, s, false);
                for (const std::uint32_t succ : cfg_.successorsOf(b)) {
                    if (!has_[succ]) {
                        in_[succ] = s;
                        has_[succ] = true;
                    } else if (!joinInto(in_[succ], s, blockAddress(succ))) {
                        continue;
                    }
                    dirty[succ] = 1;
                    any = true;
                }
            }
        }
        // Recording pass, in address order (so a cursor walks the sorted call sites).
        for (std::uint32_t b = 0; b < n; ++b) {
            if (!has_[b])
                continue;
            cur_ = in_[b];
            transferBlock(b, cur_, true);
        }
    }

private:
    std::uint64_t blockAddress(std::uint32_t b) const {
        return cache_.at(cfg_.insns[cfg_.blocks[b].first]).address;
    }

    // ---- values ----

    // The constants of a Const/Set value (a view into `v` itself or into the set pool).
    std::span<const std::int64_t> valuesOf(const Val& v) const {
        if (v.k == Val::Const)
            return {&v.v, 1};
        const auto& set = sets_[static_cast<std::size_t>(v.v)];
        return {set.data(), set.size()};
    }

    Val makeConsts(std::vector<std::int64_t> values, std::uint64_t at, std::uint8_t reg) {
        std::sort(values.begin(), values.end());
        values.erase(std::unique(values.begin(), values.end()), values.end());
        if (values.size() == 1)
            return Val::constant(values[0]);
        if (values.size() > kMaxConstants)
            return Val::unk(Why::TooMany, at, reg);
        sets_.push_back(std::move(values));
        return {Val::Set, Why::Entry, kNoReg, static_cast<std::int64_t>(sets_.size() - 1)};
    }

    Val joinVal(const Val& a, const Val& b, std::uint64_t at, std::uint8_t reg) {
        if (a == b)
            return a;
        if (a.k == Val::Unk && b.k == Val::Unk) // keep the earliest reason: deterministic and monotone
            return std::tie(a.v, a.why, a.reg) <= std::tie(b.v, b.why, b.reg) ? a : b;
        if (a.k == Val::Unk)
            return a;
        if (b.k == Val::Unk)
            return b;
        if (a.isConst() && b.isConst()) {
            const auto va = valuesOf(a), vb = valuesOf(b);
            if (std::includes(va.begin(), va.end(), vb.begin(), vb.end()))
                return a;
            std::vector<std::int64_t> u;
            u.reserve(va.size() + vb.size());
            std::set_union(va.begin(), va.end(), vb.begin(), vb.end(), std::back_inserter(u));
            return makeConsts(std::move(u), at, reg);
        }
        return Val::unk(Why::Mixed, at, reg);
    }

    // dst = join(dst, src); true when dst changed.
    bool joinInto(State& dst, const State& src, std::uint64_t at) {
        bool changed = false;
        for (unsigned g = 0; g < kGprCount; ++g) {
            if (dst.r[g] == src.r[g])
                continue;
            const Val j = joinVal(dst.r[g], src.r[g], at, static_cast<std::uint8_t>(g));
            if (!(j == dst.r[g])) {
                dst.r[g] = j;
                changed = true;
            }
        }
        // Slots: those both sides track with the same size, values joined.
        std::size_t out = 0;
        auto ib = src.slots.begin();
        for (std::size_t i = 0; i < dst.slots.size(); ++i) {
            Slot sl = dst.slots[i];
            while (ib != src.slots.end() && ib->off < sl.off)
                ++ib;
            if (ib == src.slots.end() || ib->off != sl.off || ib->size != sl.size) {
                changed = true;
                continue;
            }
            const Val j = joinVal(sl.val, ib->val, at, kNoReg);
            if (!(j == sl.val)) {
                sl.val = j;
                changed = true;
            }
            dst.slots[out++] = sl;
        }
        dst.slots.resize(out);
        if (src.escaped < dst.escaped) {
            dst.escaped = src.escaped;
            changed = true;
        }
        return changed;
    }

    template <typename F> Val mapConsts(const Val& v, F f, std::uint64_t at, std::uint8_t reg) {
        if (v.k == Val::Const) // one value: what makeConsts gives for it, without the vector
            return Val::constant(f(v.v));
        std::vector<std::int64_t> out;
        for (const std::int64_t c : valuesOf(v))
            out.push_back(f(c));
        return makeConsts(std::move(out), at, reg);
    }

    // ---- registers ----

    // The value of a register operand at its width (narrow constants are truncated).
    Val readReg(const State& s, const Operand& op, std::uint64_t at) {
        if (op.reg >= kGprCount)
            return Val::unk(Why::Op, at, kNoReg);
        const Val& full = s.r[op.reg];
        if (op.size >= 8)
            return full;
        if (full.isConst()) {
            const unsigned w = op.size;
            const bool high = op.high8;
            return mapConsts(
                full, [&](std::int64_t c) { return truncate(high ? (c >> 8) : c, w); }, at, op.reg);
        }
        if (full.k == Val::Param && op.size == 4)
            return full; // a 32-bit argument (int syscall numbers)
        if (full.k == Val::Unk)
            return full;
        return Val::unk(Why::Op, at, op.reg);
    }

    void setReg(State& s, unsigned g, const Val& v) {
        s.r[g] = v;
        if (v.k == Val::Stack && g != RSP && g != RBP)
            s.escaped = std::min(s.escaped, v.v);
    }

    // Writes `v` (already at the operand's width) to a register operand: 32-bit writes zero-extend,
    // 8/16-bit writes keep the other bits.
    void writeReg(State& s, const Operand& op, const Val& v, std::uint64_t at) {
        if (op.reg >= kGprCount)
            return;
        const std::uint8_t g = op.reg;
        if (op.size >= 8) {
            setReg(s, g, v);
            return;
        }
        if (op.size == 4) {
            if (v.isConst())
                setReg(s, g,
                       mapConsts(
                           v, [](std::int64_t c) { return truncate(c, 4); }, at, g));
            else if (v.k == Val::Param || v.k == Val::Unk)
                setReg(s, g, v);
            else
                setReg(s, g, Val::unk(Why::Op, at, g));
            return;
        }
        const Val old = s.r[g];
        if (old.isConst() && v.isConst()) {
            const auto olds = valuesOf(old), news = valuesOf(v);
            if (olds.size() * news.size() <= kMaxConstants) {
                const unsigned shift = op.high8 ? 8 : 0;
                const std::uint64_t mask = ((std::uint64_t{1} << (8 * op.size)) - 1) << shift;
                std::vector<std::int64_t> out;
                for (const std::int64_t o : olds)
                    for (const std::int64_t n : news)
                        out.push_back(
                            static_cast<std::int64_t>((static_cast<std::uint64_t>(o) & ~mask) |
                                                      ((static_cast<std::uint64_t>(n) << shift) & mask)));
                setReg(s, g, makeConsts(std::move(out), at, g));
                return;
            }
        }
        setReg(s, g, Val::unk(Why::Op, at, g));
    }

    // ---- memory ----

    enum class Where { NotStack, StackAt, StackSomewhere };
    struct MemLoc {
        Where where = Where::NotStack;
        std::int64_t off = 0;
    };

    MemLoc locate(const State& s, const Insn& x, const Operand& op) const {
        if (op.type != OpType::Mem || op.base >= kGprCount || (x.flags & kSegPrefix))
            return {};
        const Val& base = s.r[op.base];
        if (base.k != Val::Stack)
            return op.base == RSP ? MemLoc{Where::StackSomewhere, 0} : MemLoc{};
        std::int64_t off = base.v + op.value;
        if (op.index != kNoReg) {
            const Val& idx = op.index < kGprCount ? s.r[op.index] : Val{};
            if (idx.k != Val::Const)
                return {Where::StackSomewhere, 0};
            off += idx.v * op.scale;
        }
        return {Where::StackAt, off};
    }

    Val load(const State& s, const Insn& x, const Operand& op, std::uint8_t dst) {
        const MemLoc loc = locate(s, x, op);
        if (loc.where == Where::NotStack)
            return Val::unk(Why::Load, x.address, dst);
        if (loc.where == Where::StackAt) {
            for (const Slot& sl : s.slots) {
                if (sl.off != loc.off)
                    continue;
                if (sl.size == op.size)
                    return sl.val;
                if (sl.size > op.size && sl.val.isConst()) {
                    const unsigned w = op.size;
                    return mapConsts(
                        sl.val, [&](std::int64_t c) { return truncate(c, w); }, x.address, dst);
                }
                break;
            }
        }
        return Val::unk(Why::StackSlot, x.address, dst);
    }

    static void forgetRange(State& s, std::int64_t lo, std::int64_t hi) {
        std::erase_if(s.slots, [&](const Slot& sl) { return sl.off < hi && sl.off + sl.size > lo; });
    }

    void store(State& s, const Insn& x, const Operand& op, const Val& v, bool unboundedLength = false) {
        const MemLoc loc = locate(s, x, op);
        if (loc.where == Where::StackSomewhere) {
            s.slots.clear();
            return;
        }
        if (loc.where == Where::NotStack) {
            if (v.k == Val::Stack)
                s.escaped = std::min(s.escaped, v.v);
            return;
        }
        if (unboundedLength) {
            forgetRange(s, loc.off, std::numeric_limits<std::int64_t>::max());
            return;
        }
        const std::uint8_t size = op.size ? op.size : 8;
        forgetRange(s, loc.off, loc.off + size);
        if (v.k == Val::Stack && size != 8)
            return;
        Val stored = v;
        if (v.isConst() && size < 8)
            stored = mapConsts(
                v, [&](std::int64_t c) { return truncate(c, size); }, x.address, kNoReg);
        else if (v.k == Val::Param && size < 4)
            return;
        const Slot sl{loc.off, size, stored};
        s.slots.insert(std::upper_bound(s.slots.begin(), s.slots.end(), sl,
                                        [](const Slot& a, const Slot& b) { return a.off < b.off; }),
                       sl);
    }

    Val readOperand(const State& s, const Insn& x, const Operand& op, std::uint8_t dst) {
        switch (op.type) {
        case OpType::Reg:
            return readReg(s, op, x.address);
        case OpType::Imm:
            return Val::constant(op.value);
        case OpType::Mem:
            return load(s, x, op, dst);
        default:
            return Val::unk(Why::Op, x.address, dst);
        }
    }

    // ---- instructions ----

    void clobberGeneric(State& s, const Insn& x) {
        for (unsigned g = 0; g < kGprCount; ++g)
            if (x.writeMask & (1u << g))
                setReg(s, g, Val::unk(Why::Op, x.address, static_cast<std::uint8_t>(g)));
        if (x.memWrite != 0xff)
            store(s, x, x.op[x.memWrite], Val::unk(Why::Op, x.address, kNoReg), (x.flags & kRepPrefix) != 0);
        if (x.flags & kMemWriteFar)
            s.slots.clear();
    }

    void call(State& s, const Insn& x) {
        // The callee may write below rsp and wherever an escaped stack address points.
        if (s.r[RSP].k == Val::Stack)
            forgetRange(s, std::numeric_limits<std::int64_t>::min(), s.r[RSP].v);
        else
            s.slots.clear();
        if (s.escaped != std::numeric_limits<std::int64_t>::max())
            forgetRange(s, s.escaped, std::numeric_limits<std::int64_t>::max());
        for (const std::uint8_t g : {RAX, RCX, RDX, RSI, RDI, R8, R9, R10, R11})
            s.r[g] = Val::unk(Why::Clobbered, x.address, g);
    }

    std::int64_t arith(std::uint16_t op, std::int64_t a, std::int64_t b, unsigned width) const {
        const auto ua = static_cast<std::uint64_t>(truncate(a, width));
        const auto ub = static_cast<std::uint64_t>(truncate(b, width));
        const unsigned count = static_cast<unsigned>(ub & (width == 8 ? 63 : 31));
        std::uint64_t r = 0;
        if (op == id::Add)
            r = ua + ub;
        else if (op == id::Sub)
            r = ua - ub;
        else if (op == id::And)
            r = ua & ub;
        else if (op == id::Or)
            r = ua | ub;
        else if (op == id::Xor)
            r = ua ^ ub;
        else if (op == id::Shl)
            r = count >= 64 ? 0 : ua << count;
        else if (op == id::Shr)
            r = ua >> count;
        else if (op == id::Sar)
            r = static_cast<std::uint64_t>(signExtend(static_cast<std::int64_t>(ua), width) >> count);
        return truncate(static_cast<std::int64_t>(r), width);
    }

    Val binary(const Insn& x, const Val& a, const Val& b, unsigned width, std::uint8_t dst) {
        if (a.isConst() && b.isConst()) {
            const auto va = valuesOf(a), vb = valuesOf(b);
            if (va.size() * vb.size() > kMaxConstants)
                return Val::unk(Why::TooMany, x.address, dst);
            std::vector<std::int64_t> out;
            for (const std::int64_t p : va)
                for (const std::int64_t q : vb)
                    out.push_back(arith(x.id, p, q, width));
            return makeConsts(std::move(out), x.address, dst);
        }
        if (width == 8 && a.k == Val::Stack && b.k == Val::Const && (x.id == id::Add || x.id == id::Sub))
            return Val::stack(x.id == id::Add ? a.v + b.v : a.v - b.v);
        // Arithmetic on an unknown value: keep the reason it is unknown (the root cause).
        if (a.k == Val::Unk)
            return a;
        if (b.k == Val::Unk)
            return b;
        return Val::unk(Why::Op, x.address, dst);
    }

    // The address `lea` computes: constants, rip-relative addresses and stack addresses are followed.
    Val address(const State& s, const Insn& x, const Operand& m, std::uint8_t dst) {
        const std::uint64_t at = x.address;
        if (x.flags & kSegPrefix)
            return Val::unk(Why::Op, at, dst);
        if (m.base == kRip)
            return m.index == kNoReg ? Val::constant(static_cast<std::int64_t>(x.ripTarget(m)))
                                     : Val::unk(Why::Op, at, dst);
        if ((m.base != kNoReg && m.base >= kGprCount) || (m.index != kNoReg && m.index >= kGprCount))
            return Val::unk(Why::Op, at, dst);
        if (m.index == kNoReg && m.value == 0 && m.base != kNoReg)
            return s.r[m.base]; // lea r, [r2]: a copy
        Val sum = m.base == kNoReg ? Val::constant(0) : s.r[m.base];
        if (m.index != kNoReg) {
            Val idx = s.r[m.index];
            if (idx.k == Val::Unk)
                return idx;
            if (!idx.isConst() && !(idx.k == Val::Stack && m.scale == 1))
                return Val::unk(Why::Op, at, dst);
            if (idx.isConst() && m.scale != 1) {
                const std::int64_t scale = m.scale;
                idx = mapConsts(
                    idx, [&](std::int64_t c) { return c * scale; }, at, dst);
            }
            if (sum.k == Val::Stack && idx.k == Val::Stack)
                return Val::unk(Why::Op, at, dst);
            sum = sum.k == Val::Stack ? addTo(x, sum, idx, dst) : addTo(x, idx, sum, dst);
        }
        return m.value == 0 ? sum : addTo(x, sum, Val::constant(m.value), dst);
    }

    // p + q where p may be a stack address and q constants.
    Val addTo(const Insn& x, const Val& p, const Val& q, std::uint8_t dst) {
        if (p.k == Val::Unk)
            return p;
        if (q.k == Val::Unk)
            return q;
        if (p.k == Val::Stack) {
            if (q.k != Val::Const)
                return Val::unk(Why::Op, x.address, dst);
            return Val::stack(p.v + q.v);
        }
        if (!p.isConst() || !q.isConst())
            return Val::unk(Why::Op, x.address, dst);
        const auto vp = valuesOf(p), vq = valuesOf(q);
        if (vp.size() * vq.size() > kMaxConstants)
            return Val::unk(Why::TooMany, x.address, dst);
        std::vector<std::int64_t> out;
        for (const std::int64_t a : vp)
            for (const std::int64_t b : vq)
                out.push_back(
                    static_cast<std::int64_t>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b)));
        return makeConsts(std::move(out), x.address, dst);
    }

    static bool isReg(const Operand& o) { return o.type == OpType::Reg && o.reg < kGprCount; }

    void transfer(State& s, const Insn& x) {
        const Operand& a = x.op[0];
        const Operand& b = x.op[1];
        const std::uint64_t at = x.address;
        switch (x.flow) {
        case x86::Flow::Call:
            call(s, x);
            return;
        case x86::Flow::Syscall:
            s.r[RAX] = Val::unk(Why::SyscallResult, at, RAX);
            s.r[RCX] = Val::unk(Why::Clobbered, at, RCX);
            s.r[R11] = Val::unk(Why::Clobbered, at, R11);
            return;
        case x86::Flow::Normal:
            break;
        default:
            if (x.writeMask || x.memWrite != 0xff)
                clobberGeneric(s, x);
            return;
        }
        const std::uint16_t op = x.id;
        if ((op == id::Mov || op == id::Movabs) && x.opCount == 2) {
            if (isReg(a)) {
                writeReg(s, a,
                         b.type == OpType::Imm ? Val::constant(truncate(b.value, a.size))
                                               : readOperand(s, x, b, a.reg),
                         at);
                return;
            }
            if (a.type == OpType::Mem && (b.type == OpType::Imm || isReg(b))) {
                store(s, x, a, readOperand(s, x, b, kNoReg));
                return;
            }
        } else if ((op == id::Movzx || op == id::Movsx || op == id::Movsxd) && x.opCount == 2 && isReg(a) &&
                   (isReg(b) || b.type == OpType::Mem)) {
            Val v = readOperand(s, x, b, a.reg);
            if (v.isConst() && op != id::Movzx) {
                const unsigned w = b.size;
                v = mapConsts(
                    v, [&](std::int64_t c) { return signExtend(c, w); }, at, a.reg);
            } else if (v.k == Val::Param && !(op != id::Movzx && b.size == 4)) {
                v = Val::unk(Why::Op, at, a.reg);
            } else if (v.k == Val::Stack) {
                v = Val::unk(Why::Op, at, a.reg);
            }
            writeReg(s, a, v, at);
            return;
        } else if (op == id::Lea && x.opCount == 2 && isReg(a) && b.type == OpType::Mem) {
            writeReg(s, a, address(s, x, b, a.reg), at);
            return;
        } else if ((op == id::Xor || op == id::Sub) && x.opCount == 2 && isReg(a) && isReg(b) &&
                   a.reg == b.reg && a.size == b.size && a.high8 == b.high8) {
            writeReg(s, a, Val::constant(0), at);
            return;
        } else if ((op == id::Add || op == id::Sub || op == id::And || op == id::Or || op == id::Xor ||
                    op == id::Shl || op == id::Shr || op == id::Sar) &&
                   x.opCount == 2 && isReg(a) && !a.high8) {
            const Val lhs = readReg(s, a, at);
            const Val rhs = readOperand(s, x, b, a.reg);
            writeReg(s, a, binary(x, lhs, rhs, a.size, a.reg), at);
            return;
        } else if ((op == id::Inc || op == id::Dec || op == id::Neg || op == id::Not) && x.opCount == 1 &&
                   isReg(a) && !a.high8) {
            const Val v = readReg(s, a, at);
            Val r = Val::unk(Why::Op, at, a.reg);
            if (v.isConst()) {
                const unsigned w = a.size;
                r = mapConsts(
                    v,
                    [&](std::int64_t c) {
                        const auto u = static_cast<std::uint64_t>(c);
                        const std::uint64_t res = op == id::Inc   ? u + 1
                                                  : op == id::Dec ? u - 1
                                                  : op == id::Neg ? std::uint64_t{0} - u
                                                                  : ~u;
                        return truncate(static_cast<std::int64_t>(res), w);
                    },
                    at, a.reg);
            } else if (v.k == Val::Stack && a.size == 8 && (op == id::Inc || op == id::Dec)) {
                r = Val::stack(v.v + (op == id::Inc ? 1 : -1));
            } else if (v.k == Val::Unk) {
                r = v;
            }
            writeReg(s, a, r, at);
            return;
        } else if (op == id::Push && x.opCount == 1) {
            const Val v = a.type == OpType::Imm ? Val::constant(a.value) : readOperand(s, x, a, kNoReg);
            if (s.r[RSP].k == Val::Stack) {
                const std::int64_t off = s.r[RSP].v - 8;
                s.r[RSP] = Val::stack(off);
                Operand slot;
                slot.type = OpType::Mem;
                slot.size = 8;
                slot.base = RSP;
                store(s, x, slot, a.size == 8 || a.type == OpType::Imm ? v : Val::unk(Why::Op, at, kNoReg));
            } else {
                s.slots.clear();
            }
            return;
        } else if (op == id::Pop && x.opCount == 1) {
            Val v = Val::unk(Why::StackSlot, at, a.reg);
            if (s.r[RSP].k == Val::Stack) {
                Operand slot;
                slot.type = OpType::Mem;
                slot.size = 8;
                slot.base = RSP;
                v = load(s, x, slot, isReg(a) ? a.reg : std::uint8_t{kNoReg});
                s.r[RSP] = Val::stack(s.r[RSP].v + 8);
            }
            if (isReg(a) && a.size == 8) {
                setReg(s, a.reg, v);
                return;
            }
            if (a.type == OpType::Mem) {
                store(s, x, a, v);
                return;
            }
        } else if (op == id::Leave) {
            if (s.r[RBP].k == Val::Stack) {
                s.r[RSP] = s.r[RBP];
                Operand slot;
                slot.type = OpType::Mem;
                slot.size = 8;
                slot.base = RSP;
                const Val saved = load(s, x, slot, RBP);
                s.r[RSP] = Val::stack(s.r[RSP].v + 8);
                s.r[RBP] = saved;
            } else {
                s.r[RSP] = Val::unk(Why::Op, at, RSP);
                s.r[RBP] = Val::unk(Why::Op, at, RBP);
            }
            return;
        } else if (op == id::Xchg && x.opCount == 2 && isReg(a) && isReg(b) && a.size == b.size &&
                   a.size >= 4) {
            const Val va = readReg(s, a, at), vb = readReg(s, b, at);
            writeReg(s, a, vb, at);
            writeReg(s, b, va, at);
            return;
        } else if (id::isCmov(op) && x.opCount == 2 && isReg(a) && a.size >= 4) {
            const Val moved = readOperand(s, x, b, a.reg);
            const Val kept = readReg(s, a, at);
            writeReg(s, a, joinVal(kept, moved, at, a.reg), at);
            return;
        } else if (op == id::Cdqe) {
            Operand eax;
            eax.type = OpType::Reg;
            eax.size = 4;
            eax.reg = RAX;
            const Val v = readReg(s, eax, at);
            if (v.isConst())
                s.r[RAX] = mapConsts(
                    v, [](std::int64_t c) { return signExtend(c, 4); }, at, RAX);
            else if (v.k != Val::Param && v.k != Val::Unk)
                s.r[RAX] = Val::unk(Why::Op, at, RAX);
            else
                s.r[RAX] = v;
            return;
        }
        if (x.writeMask || x.memWrite != 0xff || (x.flags & kMemWriteFar))
            clobberGeneric(s, x);
    }

    void transferBlock(std::uint32_t b, State& s, bool record) {
        const auto& blk = cfg_.blocks[b];
        for (std::uint32_t i = 0; i < blk.count; ++i) {
            const Insn& x = cache_.at(cfg_.insns[blk.first + i]);
            if (record) {
                if (x.flow == x86::Flow::Syscall)
                    facts_.syscalls.push_back({x.address, materialize(s.r[RAX])});
                const bool before =
                    x.flow == x86::Flow::Call || x.flow == x86::Flow::Jump || x.flow == x86::Flow::CondJump;
                if (before)
                    recordArgs(s, x.address);
                transfer(s, x);
                if (!before)
                    recordArgs(s, x.address);
            } else {
                transfer(s, x);
            }
        }
    }

    void recordArgs(const State& s, std::uint64_t address) {
        auto& calls = facts_.calls;
        if (callCursor_ < calls.size() && calls[callCursor_].address > address)
            callCursor_ = 0; // blocks are in address order; only overlapping code goes back
        while (callCursor_ < calls.size() && calls[callCursor_].address < address)
            ++callCursor_;
        const std::uint8_t params[] = {RDI, RSI, RDX, RCX, R8, R9};
        for (auto it = calls.begin() + static_cast<std::ptrdiff_t>(callCursor_);
             it != calls.end() && it->address == address; ++it)
            for (int k = 0; k < 6; ++k)
                it->args[static_cast<std::size_t>(k)] = materialize(s.r[params[k]]);
    }

    const std::string& text(std::uint64_t at) {
        auto it = text_.find(at);
        if (it == text_.end())
            it = text_.emplace(at, printer_.text(at)).first;
        return it->second;
    }

    RegValue materialize(const Val& v) {
        switch (v.k) {
        case Val::Const:
            return RegValue::constant(v.v);
        case Val::Set: {
            RegValue r;
            r.kind = RegValue::Kind::Constants;
            r.constants = sets_[static_cast<std::size_t>(v.v)];
            return r;
        }
        case Val::Param:
            return RegValue::fromParam(static_cast<int>(v.v));
        case Val::Stack:
            return unknown(Cause::StackAddress, kNoReg, v.v);
        case Val::Unk:
            break;
        }
        const auto at = static_cast<std::uint64_t>(v.v);
        switch (v.why) {
        case Why::Entry:
            return unknown(Cause::Entry, v.reg, v.v);
        case Why::Load:
            return unknown(Cause::Load, v.reg, v.v);
        case Why::StackSlot:
            return unknown(Cause::StackSlot, v.reg, v.v);
        case Why::Clobbered: {
            const std::int32_t i = cache_.lookup(at);
            const bool bySyscall = i >= 0 && cache_.at(i).flow == x86::Flow::Syscall;
            return unknown(bySyscall ? Cause::ClobberedBySyscall : Cause::ClobberedByCall, v.reg, v.v);
        }
        case Why::SyscallResult:
            return unknown(Cause::SyscallResult, v.reg, v.v);
        case Why::Op:
            return unknown(Cause::Op, v.reg, v.v);
        case Why::TooMany:
            return unknown(Cause::TooMany, v.reg, v.v);
        case Why::Mixed:
            return unknown(Cause::Mixed, v.reg, v.v);
        }
        return unknown(Cause::None, v.reg, v.v);
    }

    RegValue unknown(Cause cause, std::uint8_t reg, std::int64_t at) {
        if (reasonText_)
            return RegValue::unknown(
                describeCause(cause, reg, at, [this](std::uint64_t a) { return text(a); }));
        RegValue r;
        r.cause = static_cast<std::uint8_t>(cause);
        r.causeReg = reg;
        r.causeAt = at;
        return r;
    }

    const FnCfg& cfg_;
    const InsnCache& cache_;
    InsnPrinter& printer_;
    FunctionFacts& facts_;
    std::vector<State> in_;
    State cur_;
    std::size_t callCursor_ = 0;
    std::vector<bool> has_;
    std::vector<std::vector<std::int64_t>> sets_;
    std::unordered_map<std::uint64_t, std::string> text_;
    bool reasonText_;
};

} // namespace

void runDataflow(const FnCfg& cfg, const InsnCache& cache, InsnPrinter& printer, FunctionFacts& facts,
                 bool reasonText) {
    RegisterFlow(cfg, cache, printer, facts, reasonText).run();
}

} // namespace swb::detail

namespace swb {

std::string describeUnknown(std::uint8_t cause, std::uint8_t reg, std::int64_t at,
                            const std::function<std::string(std::uint64_t)>& instruction) {
    using detail::Cause;
    if (cause > static_cast<std::uint8_t>(Cause::Last))
        cause = static_cast<std::uint8_t>(Cause::None);
    return detail::describeCause(static_cast<Cause>(cause), reg, at, instruction);
}

} // namespace swb

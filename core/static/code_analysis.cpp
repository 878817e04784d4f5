// Code analysis of one x86-64 image:
//  1. every code region is decoded once (linear sweep split across threads, then on demand for
//     addresses the sweep did not reach, such as jumps into the middle of an instruction);
//  2. exploration: recursive descent over the whole image from the known starts finds the targets of
//     direct calls (new functions), code references (function pointers) and resolves jump tables;
//  3. per function, a CFG by recursive descent from its start that stops at other functions' starts
//     (tail calls) and after calls to functions that never return;
//  4. steps 2-3 repeat while new no-return functions appear; then the data-flow runs per function.
// Steps 3 and 4 run in parallel over functions; every function's result depends only on the shared,
// read-only exploration, so the output does not depend on the number of threads.

#include "static/code_analysis.h"
#include "static/code_analysis_internal.h"
#include "static/x86_insn.h"

#include <algorithm>
#include <atomic>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <tuple>
#include <unordered_map>

namespace swb {

namespace {

using namespace x86;
using detail::FnCfg;

std::uint64_t truncate(std::int64_t v, unsigned width) {
    return width >= 8 ? static_cast<std::uint64_t>(v)
                      : static_cast<std::uint64_t>(v) & ((std::uint64_t{1} << (8 * width)) - 1);
}

bool contains(const std::vector<std::uint64_t>& sorted, std::uint64_t v) {
    return std::binary_search(sorted.begin(), sorted.end(), v);
}

void sortUnique(std::vector<std::uint64_t>& v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
}

struct TableInfo {
    bool shaped = false; // a table-like load feeds the jump
    std::vector<std::uint64_t> targets;
    std::string problem; // why it is not (fully) resolved
    bool operator==(const TableInfo&) const = default;
};

struct Exploration {
    std::vector<std::uint64_t> primary;   // given starts and call targets: jumps to them are tail calls
    std::vector<std::uint64_t> secondary; // code references that are not primary
    std::unordered_map<std::uint64_t, TableInfo> tables; // by address of the indirect jmp
    std::vector<std::uint8_t> primaryInsn;               // by instruction id: starts a primary function
};

// Recursive descent over the whole image (function boundaries do not matter here).
class Explorer {
public:
    Explorer(InsnCache& cache, const CodeInput& input, const std::vector<std::uint64_t>& noReturn,
             const std::vector<std::uint64_t>& noReturnSlots)
        : cache_(cache)
        , input_(input)
        , noReturn_(noReturn)
        , noReturnSlots_(noReturnSlots) {}

    Exploration run(const std::vector<std::uint64_t>& starts) {
        for (const std::uint64_t s : starts) {
            out_.primary.push_back(s);
            push(s, -1);
        }
        while (!work_.empty()) {
            const auto [address, from] = work_.back();
            work_.pop_back();
            walk(address, from);
        }
        sortUnique(out_.primary);
        sortUnique(out_.secondary);
        std::erase_if(out_.secondary, [&](std::uint64_t a) { return contains(out_.primary, a); });
        return std::move(out_);
    }

private:
    struct Edge {
        std::int32_t from;
        std::int32_t next;
    };

    void grow() {
        if (predHead_.size() < cache_.size()) {
            predHead_.resize(cache_.size(), -1);
            visited_.resize(cache_.size(), 0);
        }
    }
    void addEdge(std::int32_t to, std::int32_t from) {
        edges_.push_back({from, predHead_[static_cast<std::size_t>(to)]});
        predHead_[static_cast<std::size_t>(to)] = static_cast<std::int32_t>(edges_.size() - 1);
    }
    template <typename F> void forPreds(std::int32_t id, F f) const {
        for (std::int32_t e = predHead_[static_cast<std::size_t>(id)]; e >= 0;
             e = edges_[static_cast<std::size_t>(e)].next)
            f(edges_[static_cast<std::size_t>(e)].from);
    }
    bool hasPreds(std::int32_t id) const { return predHead_[static_cast<std::size_t>(id)] >= 0; }

    void push(std::uint64_t address, std::int32_t from) { work_.push_back({address, from}); }

    void noteReferences(const Insn& x) {
        auto note = [&](std::uint64_t a) {
            if (cache_.inCode(a)) {
                out_.secondary.push_back(a);
                push(a, -1);
            }
        };
        if (x.id == id::Lea && x.op[1].base == kRip && x.op[1].index == kNoReg)
            note(x.ripTarget(x.op[1]));
        else if (input_.positionDependent && (x.id == id::Mov || x.id == id::Movabs || x.id == id::Push)) {
            const Operand& imm = x.id == id::Push ? x.op[0] : x.op[1];
            if (imm.type == OpType::Imm && imm.value > 0)
                note(static_cast<std::uint64_t>(imm.value));
        }
    }

    void walk(std::uint64_t address, std::int32_t from) {
        std::int32_t id = cache_.decode(address);
        if (id < 0)
            return;
        grow();
        if (from >= 0)
            addEdge(id, from);
        while (!visited_[static_cast<std::size_t>(id)]) {
            visited_[static_cast<std::size_t>(id)] = 1;
            const Insn x = cache_.at(id); // a copy: decoding below may grow the cache
            noteReferences(x);
            bool fallThrough = false;
            switch (x.flow) {
            case Flow::Normal:
            case Flow::Syscall:
                fallThrough = true;
                break;
            case Flow::CondJump:
                if (x.hasDirectTarget())
                    push(x.target(), id);
                fallThrough = true;
                break;
            case Flow::Jump:
                if (x.hasDirectTarget()) {
                    push(x.target(), id);
                } else if (!x.isRipSlot()) {
                    TableInfo t = resolveTable(id);
                    for (const std::uint64_t target : t.targets)
                        push(target, id);
                    if (t.shaped)
                        out_.tables.emplace(x.address, std::move(t));
                }
                break;
            case Flow::Call:
                fallThrough = !(x.isRipSlot() && contains(noReturnSlots_, x.ripTarget(x.op[0])));
                if (x.hasDirectTarget() && x.target() != x.next()) {
                    if (cache_.inCode(x.target())) {
                        out_.primary.push_back(x.target());
                        push(x.target(), -1);
                    }
                    fallThrough = !contains(noReturn_, x.target());
                }
                break;
            case Flow::Return:
            case Flow::Stop:
                break;
            }
            if (!fallThrough)
                return;
            const std::int32_t next = cache_.decode(x.next());
            if (next < 0)
                return;
            grow();
            addEdge(next, id);
            id = next;
        }
    }

    // ---- jump tables ----

    // The instructions that last wrote `gpr` on the paths reaching `from`; nullopt when a path reaches
    // an entry (no predecessor) first or the search is too long.
    std::optional<std::vector<std::int32_t>> definitions(std::int32_t from, unsigned gpr) const {
        std::vector<std::int32_t> defs, stack, seen;
        if (!hasPreds(from))
            return std::nullopt;
        forPreds(from, [&](std::int32_t p) { stack.push_back(p); });
        while (!stack.empty()) {
            const std::int32_t id = stack.back();
            stack.pop_back();
            if (std::find(seen.begin(), seen.end(), id) != seen.end())
                continue;
            seen.push_back(id);
            if (seen.size() > 96)
                return std::nullopt;
            if (cache_.at(id).writeMask & (1u << gpr)) {
                defs.push_back(id);
                continue;
            }
            if (!hasPreds(id))
                return std::nullopt;
            forPreds(id, [&](std::int32_t p) { stack.push_back(p); });
        }
        std::sort(defs.begin(), defs.end());
        defs.erase(std::unique(defs.begin(), defs.end()), defs.end());
        return defs;
    }

    std::optional<std::int32_t> uniqueDefinition(std::int32_t from, unsigned gpr) const {
        const auto defs = definitions(from, gpr);
        if (!defs || defs->size() != 1)
            return std::nullopt;
        return defs->front();
    }

    // The constant `gpr` holds at `from` when every definition is a lea of a rip-relative address, a mov
    // of an immediate or a copy of such a register.
    std::optional<std::uint64_t> constantAt(std::int32_t from, unsigned gpr, int depth = 0) const {
        if (depth > 4)
            return std::nullopt;
        const auto defs = definitions(from, gpr);
        if (!defs || defs->empty())
            return std::nullopt;
        std::optional<std::uint64_t> value;
        for (const std::int32_t d : *defs) {
            const Insn& x = cache_.at(d);
            std::optional<std::uint64_t> v;
            if (x.opCount == 2 && x.op[0].type == OpType::Reg && x.op[0].reg == gpr) {
                const Operand& src = x.op[1];
                if (x.id == id::Lea && src.base == kRip && src.index == kNoReg)
                    v = x.ripTarget(src);
                else if ((x.id == id::Mov || x.id == id::Movabs) && src.type == OpType::Imm)
                    v = x.op[0].size == 4 ? static_cast<std::uint32_t>(src.value)
                                          : static_cast<std::uint64_t>(src.value);
                else if (x.id == id::Mov && src.type == OpType::Reg && src.reg < kGprCount && src.size == 8 &&
                         x.op[0].size == 8)
                    v = constantAt(d, src.reg, depth + 1);
            }
            if (!v || (value && *value != *v))
                return std::nullopt;
            value = v;
        }
        return value;
    }

    // Entries read from a table whose bound is not visible (see resolveTable).
    static constexpr std::uint64_t kUnboundedTableEntries = 512;

    struct Bound {
        std::uint64_t count = 0;
        bool checked = false; // a cmp/and bounds every path; otherwise only the index's width does
    };

    // Whether operand p of instruction x and operand q of instruction y name the same memory. A
    // rip-relative displacement depends on where its instruction is: compare the addresses.
    static bool sameMemory(const Insn& x, const Operand& p, const Insn& y, const Operand& q) {
        if (p.type != OpType::Mem || q.type != OpType::Mem || p.base != q.base || p.index != q.index ||
            p.scale != q.scale || p.size != q.size)
            return false;
        if (p.base == kRip)
            return p.index == kNoReg && x.ripTarget(p) == y.ripTarget(q);
        return p.value == q.value;
    }

    // The number of entries: the bound the index is checked against (cmp idx, N; ja) on every path to
    // `load`, following register copies and a load of the index from memory (then a cmp of that same
    // memory operand counts). An index zero-extended from a byte (movzx) is below 256 even unchecked.
    // nullopt when some path has no bound.
    std::optional<Bound> tableBound(std::int32_t load, unsigned gpr) const {
        struct Step {
            std::int32_t id;
            std::uint64_t successor; // address of the instruction we came from
            std::uint16_t aliases;   // registers holding the index
            std::int32_t memory;     // instruction whose memory operand holds the index, or -1
            std::int32_t jcc;        // the conditional jump consuming the flags on this path, or -1
            bool fall;               // reached through the jcc's fall-through
            std::uint32_t implied;   // bound implied by the index's width, 0 if none
            std::uint8_t pendingReg; // a register checked by the jcc that an earlier copy may alias
            std::uint64_t pendingCount;
        };
        std::vector<Step> stack;
        std::vector<std::tuple<std::int32_t, std::uint16_t, std::int32_t>> seen;
        Bound bound;
        bound.checked = true;
        bool failed = false;
        auto endPath = [&](const Step& st) { // no check on this path: only a width-implied bound holds
            if (st.implied) {
                bound.count = std::max<std::uint64_t>(bound.count, st.implied);
                bound.checked = false;
            } else {
                failed = true;
            }
        };
        auto pushPreds = [&](std::int32_t id, const Step& st, std::uint64_t successor) {
            if (!hasPreds(id))
                return endPath(st);
            forPreds(id, [&](std::int32_t p) {
                Step next = st;
                next.id = p;
                next.successor = successor;
                stack.push_back(next);
            });
        };
        pushPreds(load, {load, 0, static_cast<std::uint16_t>(1u << gpr), -1, -1, false, 0, kNoReg, 0},
                  cache_.at(load).address);
        std::size_t steps = 0;
        while (!stack.empty() && !failed) {
            Step st = stack.back();
            stack.pop_back();
            if (std::find(seen.begin(), seen.end(), std::tuple{st.id, st.aliases, st.memory}) != seen.end())
                continue; // a loop: the other paths decide
            seen.emplace_back(st.id, st.aliases, st.memory);
            if (++steps > 256)
                return std::nullopt;
            const Insn& x = cache_.at(st.id);
            const Operand& a = x.op[0];
            const Operand& b = x.op[1];
            const bool comparesIndex =
                x.id == id::Cmp && x.opCount == 2 && b.type == OpType::Imm &&
                ((a.type == OpType::Reg && a.reg < kGprCount && (st.aliases & (1u << a.reg))) ||
                 (st.memory >= 0 && sameMemory(x, a, cache_.at(st.memory), cache_.at(st.memory).op[1])));
            auto checkedCount = [&]() -> std::uint64_t { // entries allowed by `cmp a, imm` + the jcc
                const std::uint16_t j = cache_.at(st.jcc).id;
                const std::uint64_t n = truncate(b.value, a.size);
                if ((j == id::Ja && st.fall) || (j == id::Jbe && !st.fall))
                    return n + 1;
                if ((j == id::Jae && st.fall) || (j == id::Jb && !st.fall))
                    return n;
                return 0;
            };
            auto found = [&](std::uint64_t count) {
                if (st.implied && (count == 0 || count > st.implied))
                    count = st.implied;
                if (count == 0 || count > 4096)
                    return false;
                bound.count = std::max(bound.count, count);
                return true;
            };
            if (x.flow == Flow::CondJump) {
                st.jcc = st.id;
                st.fall = st.successor == x.next();
            } else if (comparesIndex && st.jcc >= 0) {
                if (!found(checkedCount()))
                    return std::nullopt;
                continue;
            } else if (x.id == id::Cmp && x.opCount == 2 && b.type == OpType::Imm && a.type == OpType::Reg &&
                       a.reg < kGprCount && st.jcc >= 0 && st.pendingReg == kNoReg && checkedCount()) {
                // `mov idx, r; ...; cmp r, N; ja`: the check applies if idx is a copy of r.
                st.pendingReg = a.reg;
                st.pendingCount = checkedCount();
                st.jcc = -1;
            } else {
                std::uint16_t written = x.writeMask & st.aliases;
                if (st.memory >= 0) {
                    const Operand& m = cache_.at(st.memory).op[1];
                    if ((m.base < kGprCount && (x.writeMask & (1u << m.base))) ||
                        (m.index < kGprCount && (x.writeMask & (1u << m.index)))) {
                        endPath(st); // the index's address changes: its check cannot be matched
                        continue;
                    }
                }
                if (st.pendingReg != kNoReg && (x.writeMask & (1u << st.pendingReg))) {
                    st.pendingReg = kNoReg; // the checked register changes before the check
                }
                if (written && x.id == id::Cdqe) {
                    written = 0; // rax = sign-extended eax: still the index
                } else if (written) {
                    const bool toReg = x.opCount == 2 && a.type == OpType::Reg && written == (1u << a.reg);
                    const bool fromReg = b.type == OpType::Reg && b.reg < kGprCount && !b.high8;
                    if (toReg && fromReg && st.pendingReg == b.reg && a.size >= 4 &&
                        (x.id == id::Mov || x.id == id::Movsxd || x.id == id::Movzx)) {
                        if (!found(st.pendingCount))
                            return std::nullopt;
                        continue;
                    }
                    st.aliases = static_cast<std::uint16_t>(st.aliases & ~written);
                    if (toReg && (x.id == id::Mov || x.id == id::Movsxd || x.id == id::Movzx) &&
                        a.size >= 4) {
                        if (x.id == id::Movzx && b.size == 1)
                            st.implied = 256; // a byte index: at most 256 entries, fewer if checked
                        else if (b.size < 4)
                            written = 0; // a 16-bit index: follow it no further
                        if (written && fromReg)
                            st.aliases = static_cast<std::uint16_t>(st.aliases | (1u << b.reg));
                        else if (written && b.type == OpType::Mem && st.memory < 0 && !(x.flags & kSegPrefix))
                            st.memory = st.id;
                    } else if (x.id == id::And && toReg && b.type == OpType::Imm && b.value >= 0 &&
                               b.value < 4096) {
                        bound.count =
                            std::max<std::uint64_t>(bound.count, static_cast<std::uint64_t>(b.value) + 1);
                        continue;
                    }
                    if (!st.aliases && st.memory < 0) {
                        endPath(st);
                        continue;
                    }
                }
                if (x.flags & kWritesFlags)
                    st.jcc = -1;
            }
            pushPreds(st.id, st, x.address);
        }
        if (failed || bound.count == 0)
            return std::nullopt;
        return bound;
    }

    static bool isRelativeLoad(const Insn& x) {
        const Operand& m = x.op[1];
        return x.id == id::Movsxd && x.opCount == 2 && x.op[0].type == OpType::Reg && m.type == OpType::Mem &&
               m.base < kGprCount && m.index < kGprCount && m.scale == 4 && m.value == 0 && m.size == 4;
    }

    static bool isAbsoluteLoad(const Operand& m) {
        return m.type == OpType::Mem && m.index < kGprCount && m.scale == 8 && m.size == 8 &&
               (m.base == kNoReg || m.base < kGprCount);
    }

    // gcc/clang switch tables:
    //   PIC:     lea rB, [rip+T]; movsxd rX, dword ptr [rB + rI*4]; add rX, rB; jmp rX   (entries T-relative)
    //   non-PIC: jmp qword ptr [rI*8 + T]   or   mov rX, qword ptr [rI*8 + T]; jmp rX
    // with the bound from a dominating `cmp rI, N; ja default`.
    TableInfo resolveTable(std::int32_t jmp) {
        TableInfo info;
        const Insn& j = cache_.at(jmp);
        std::int32_t load = -1;
        unsigned index = kNoReg;
        bool relative = false;
        std::optional<std::uint64_t> table, base;
        auto absolute = [&](std::int32_t at, const Operand& m) {
            load = at;
            index = m.index;
            table = static_cast<std::uint64_t>(m.value);
            if (m.base != kNoReg) {
                const auto b = constantAt(at, m.base);
                table = b ? std::optional<std::uint64_t>(*b + *table) : std::nullopt;
            }
        };
        if (j.op[0].type == OpType::Mem) {
            if (!isAbsoluteLoad(j.op[0]))
                return info;
            absolute(jmp, j.op[0]);
        } else if (j.op[0].type == OpType::Reg && j.op[0].reg < kGprCount) {
            const auto def = uniqueDefinition(jmp, j.op[0].reg);
            if (!def)
                return info;
            const Insn& d = cache_.at(*def);
            const Operand& a = d.op[0];
            const Operand& b = d.op[1];
            if (d.id == id::Mov && d.opCount == 2 && isAbsoluteLoad(b)) {
                absolute(*def, b);
            } else {
                unsigned p = kNoReg, q = kNoReg; // the two registers summed into the target
                if (d.id == id::Add && d.opCount == 2 && a.type == OpType::Reg && b.type == OpType::Reg &&
                    a.size == 8 && b.size == 8) {
                    p = a.reg;
                    q = b.reg;
                } else if (d.id == id::Lea && d.opCount == 2 && b.base < kGprCount && b.index < kGprCount &&
                           b.scale == 1 && b.value == 0) {
                    p = b.base;
                    q = b.index;
                }
                if (p >= kGprCount || q >= kGprCount)
                    return info;
                for (const auto& [loaded, other] : {std::pair{p, q}, std::pair{q, p}}) {
                    const auto l = uniqueDefinition(*def, loaded);
                    if (!l || !isRelativeLoad(cache_.at(*l)))
                        continue;
                    load = *l;
                    relative = true;
                    index = cache_.at(*l).op[1].index;
                    table = constantAt(*l, cache_.at(*l).op[1].base);
                    base = constantAt(*def, other);
                    break;
                }
                if (load < 0)
                    return info;
            }
        } else {
            return info;
        }
        info.shaped = true;
        if (!table || (relative && !base)) {
            info.problem = "jump table address is not a constant";
            return info;
        }
        auto bound = tableBound(load, index);
        if (!bound) {
            // Soundness first: a table whose bound we cannot see is read like an unchecked one, entry
            // by entry until the first that is not an instruction the sweep found. Extra entries only
            // add code; a missed one would hide code (and its syscalls) entirely.
            info.problem = std::string("no bound check (cmp ") + gprName(index) +
                           ", N; ja) found for the jump table at " + hex(*table) +
                           "; read until the first entry that is not code";
            bound = Bound{};
            bound->count = kUnboundedTableEntries;
            bound->checked = false;
        }
        for (std::uint64_t i = 0; i < bound->count; ++i) {
            std::optional<std::uint64_t> target;
            if (relative) {
                const auto off = input_.readInt32 ? input_.readInt32(*table + 4 * i) : std::nullopt;
                if (off)
                    target = *base + static_cast<std::uint64_t>(static_cast<std::int64_t>(*off));
            } else {
                target = input_.readPointer ? input_.readPointer(*table + 8 * i) : std::nullopt;
            }
            // Without a check, the table may be shorter than the index's width allows: it ends at the
            // first entry that is not an instruction boundary the sweep already found.
            const bool valid =
                target && (bound->checked ? cache_.decode(*target) >= 0 : cache_.lookup(*target) >= 0);
            if (!valid && !bound->checked)
                break; // the table is shorter than the index's width allows: it ends at the first non-code
                       // entry
            if (!target) {
                info.problem = "jump table at " + hex(*table) + ": entry " + std::to_string(i) + " of " +
                               std::to_string(bound->count) + " is not readable";
                break;
            }
            if (!valid) {
                info.problem = "jump table at " + hex(*table) + ": entry " + std::to_string(i) +
                               " points to " + hex(*target) +
                               (cache_.inCode(*target) ? ", which cannot be decoded" : ", outside the code");
                continue;
            }
            info.targets.push_back(*target);
        }
        sortUnique(info.targets);
        return info;
    }

    InsnCache& cache_;
    const CodeInput& input_;
    const std::vector<std::uint64_t>& noReturn_;
    const std::vector<std::uint64_t>& noReturnSlots_;
    Exploration out_;
    std::vector<std::pair<std::uint64_t, std::int32_t>> work_;
    std::vector<std::int32_t> predHead_;
    std::vector<Edge> edges_;
    std::vector<std::uint8_t> visited_;
};

// ---- per function ----

struct Built {
    FunctionFacts facts;
    FnCfg cfg;
};

// Per-thread scratch arrays indexed by instruction id; `stamp` tells which function wrote them.
struct Scratch {
    std::vector<std::uint32_t> seen, leader;
    std::vector<std::uint8_t> flags;
    std::vector<std::int32_t> blockOf;
    std::vector<std::pair<std::uint32_t, std::uint32_t>> edges; // a CFG's block edges while built
    std::uint32_t stamp = 0;
    void prepare(std::size_t n) {
        if (seen.size() < n) {
            seen.resize(n, 0);
            leader.resize(n, 0);
            flags.resize(n, 0);
            blockOf.resize(n, -1);
        }
    }
};

constexpr std::uint8_t kFallsThrough = 1;
constexpr std::uint8_t kEndsBlock = 2;

class FunctionBuilder {
public:
    FunctionBuilder(const InsnCache& cache, const Exploration& ex, const std::vector<std::uint64_t>& noReturn,
                    const std::vector<std::uint64_t>& noReturnSlots, bool positionDependent, Scratch& scratch)
        : cache_(cache)
        , ex_(ex)
        , noReturn_(noReturn)
        , noReturnSlots_(noReturnSlots)
        , positionDependent_(positionDependent)
        , sc_(scratch) {}

    Built build(std::uint64_t start, FunctionFacts::Origin origin) {
        Built out;
        FunctionFacts& f = out.facts;
        f.start = start;
        f.origin = origin;
        facts_ = &f;
        problems_.clear();
        mayReturn_ = false;
        opaque_ = 0;
        ++sc_.stamp;
        const std::uint32_t stamp = sc_.stamp;
        std::vector<std::int32_t> order;
        std::vector<std::pair<std::int32_t, std::int32_t>> jumps; // intra-function edges (from, to)
        std::vector<std::uint64_t> work;

        const std::int32_t first = cache_.lookup(start);
        if (first < 0) {
            problem(start, first == InsnCache::kOutside
                               ? "function start is outside the code"
                               : "cannot decode the instruction at the function start");
            mayReturn_ = true;
            f.end = start;
            finish(f);
            return out;
        }
        sc_.leader[static_cast<std::size_t>(first)] = stamp;
        work.push_back(start);

        auto branch = [&](const Insn& x, std::int32_t xid, std::uint64_t t) {
            const std::int32_t tid = cache_.lookup(t);
            if (tid == InsnCache::kOutside) {
                problem(x.address, "jumps to " + hex(t) + ", outside the code");
                mayReturn_ = true;
                return;
            }
            if (tid < 0) {
                problem(x.address, "jumps to " + hex(t) + ", which cannot be decoded");
                mayReturn_ = true;
                return;
            }
            if (t != start && ex_.primaryInsn[static_cast<std::size_t>(tid)]) {
                tailCall(x.address, t);
                return;
            }
            sc_.leader[static_cast<std::size_t>(tid)] = stamp;
            jumps.emplace_back(xid, tid);
            work.push_back(t);
        };

        while (!work.empty()) {
            std::int32_t id = cache_.lookup(work.back());
            work.pop_back();
            while (sc_.seen[static_cast<std::size_t>(id)] != stamp) {
                sc_.seen[static_cast<std::size_t>(id)] = stamp;
                order.push_back(id);
                const Insn& x = cache_.at(id);
                noteReferences(x);
                if ((x.flags & kOpaque) && opaque_++ == 0)
                    firstOpaque_ = x.address;
                std::uint8_t fl = 0;
                bool cont = false;
                switch (x.flow) {
                case Flow::Normal:
                case Flow::Syscall:
                    cont = true;
                    break;
                case Flow::CondJump:
                    fl |= kEndsBlock;
                    if (x.hasDirectTarget())
                        branch(x, id, x.target());
                    cont = true;
                    break;
                case Flow::Jump:
                    fl |= kEndsBlock;
                    if (x.hasDirectTarget()) {
                        branch(x, id, x.target());
                    } else if (x.isRipSlot()) {
                        addCall(CallSite::Kind::ViaSlot, x.address, 0, x.ripTarget(x.op[0]));
                        if (!contains(noReturnSlots_, x.ripTarget(x.op[0])))
                            mayReturn_ = true;
                    } else {
                        const auto it = ex_.tables.find(x.address);
                        const TableInfo* t = it == ex_.tables.end() ? nullptr : &it->second;
                        if (t && !t->problem.empty())
                            problem(x.address, "indirect jump not resolved (" + t->problem + ")");
                        if (t && !t->targets.empty()) {
                            ++f.jumpTables;
                            for (const std::uint64_t target : t->targets)
                                branch(x, id, target);
                        } else {
                            addCall(CallSite::Kind::Indirect, x.address, 0, 0);
                            mayReturn_ = true;
                        }
                    }
                    break;
                case Flow::Call:
                    fl |= kEndsBlock;
                    cont = true;
                    if (x.hasDirectTarget()) {
                        const std::uint64_t t = x.target();
                        if (t != x.next()) {
                            addCall(CallSite::Kind::Direct, x.address, t, 0);
                            if (!cache_.inCode(t))
                                problem(x.address, "calls " + hex(t) + ", outside the code");
                            cont = !contains(noReturn_, t);
                        }
                    } else if (x.isRipSlot()) {
                        addCall(CallSite::Kind::ViaSlot, x.address, 0, x.ripTarget(x.op[0]));
                        cont = !contains(noReturnSlots_, x.ripTarget(x.op[0]));
                    } else {
                        addCall(CallSite::Kind::Indirect, x.address, 0, 0);
                    }
                    break;
                case Flow::Return:
                    mayReturn_ = true;
                    break;
                case Flow::Stop:
                    break;
                }
                if (cont) {
                    const std::uint64_t n = x.next();
                    const std::int32_t nid = cache_.lookup(n);
                    if (nid < 0) {
                        problem(x.address,
                                nid == InsnCache::kOutside
                                    ? "execution runs off the end of the code"
                                    : "falls through into bytes that cannot be decoded at " + hex(n));
                        mayReturn_ = true;
                    } else if (n != start && ex_.primaryInsn[static_cast<std::size_t>(nid)]) {
                        tailCall(x.address, n);
                    } else {
                        fl |= kFallsThrough;
                        if (fl & kEndsBlock)
                            sc_.leader[static_cast<std::size_t>(nid)] = stamp;
                        else if (sc_.seen[static_cast<std::size_t>(nid)] == stamp)
                            sc_.leader[static_cast<std::size_t>(nid)] = stamp;
                        sc_.flags[static_cast<std::size_t>(id)] = fl;
                        id = nid;
                        continue;
                    }
                }
                sc_.flags[static_cast<std::size_t>(id)] = fl;
                break;
            }
        }

        // Blocks: runs of instructions in address order, split at leaders and after block ends.
        std::sort(order.begin(), order.end(), [&](std::int32_t a, std::int32_t b) {
            return cache_.at(a).address < cache_.at(b).address;
        });
        for (std::size_t i = 0; i < order.size(); ++i) {
            const auto id = static_cast<std::size_t>(order[i]);
            if (!(sc_.flags[id] & kFallsThrough))
                continue;
            const std::int32_t nid = cache_.lookup(cache_.at(order[i]).next());
            if (i + 1 >= order.size() || order[i + 1] != nid)
                sc_.leader[static_cast<std::size_t>(nid)] = stamp;
        }
        FnCfg& cfg = out.cfg;
        cfg.insns = order;
        for (std::size_t i = 0; i < order.size(); ++i) {
            const auto id = static_cast<std::size_t>(order[i]);
            bool startsBlock = i == 0 || sc_.leader[id] == stamp;
            if (!startsBlock) {
                const auto prev = static_cast<std::size_t>(order[i - 1]);
                startsBlock = (sc_.flags[prev] & kEndsBlock) || !(sc_.flags[prev] & kFallsThrough) ||
                              cache_.at(order[i - 1]).next() != cache_.at(order[i]).address;
            }
            if (startsBlock)
                cfg.blocks.push_back({static_cast<std::uint32_t>(i), 0, 0});
            ++cfg.blocks.back().count;
            sc_.blockOf[id] = static_cast<std::int32_t>(cfg.blocks.size() - 1);
        }
        // Edges as (from block, to block), then sorted into one array (no allocation per block).
        auto& edges = sc_.edges;
        edges.clear();
        for (std::uint32_t bi = 0; bi < cfg.blocks.size(); ++bi) {
            const auto& b = cfg.blocks[bi];
            const std::int32_t last = order[b.first + b.count - 1];
            if (sc_.flags[static_cast<std::size_t>(last)] & kFallsThrough) {
                const std::int32_t nid = cache_.lookup(cache_.at(last).next());
                edges.emplace_back(bi,
                                   static_cast<std::uint32_t>(sc_.blockOf[static_cast<std::size_t>(nid)]));
            }
        }
        for (const auto& [from, to] : jumps)
            edges.emplace_back(static_cast<std::uint32_t>(sc_.blockOf[static_cast<std::size_t>(from)]),
                               static_cast<std::uint32_t>(sc_.blockOf[static_cast<std::size_t>(to)]));
        std::sort(edges.begin(), edges.end());
        edges.erase(std::unique(edges.begin(), edges.end()), edges.end());
        cfg.successors.reserve(edges.size());
        std::size_t e = 0;
        for (std::uint32_t bi = 0; bi < cfg.blocks.size(); ++bi) {
            cfg.blocks[bi].succ = static_cast<std::uint32_t>(cfg.successors.size());
            for (; e < edges.size() && edges[e].first == bi; ++e)
                cfg.successors.push_back(edges[e].second);
        }
        cfg.entry = static_cast<std::uint32_t>(sc_.blockOf[static_cast<std::size_t>(first)]);
        for (const auto& b : cfg.blocks)
            f.blocks.push_back(cache_.at(order[b.first]).address);
        for (const std::int32_t id : order)
            f.end = std::max(f.end, cache_.at(id).next());
        finish(f);
        return out;
    }

    bool mayReturn() const { return mayReturn_; }

private:
    void problem(std::uint64_t at, std::string msg) { problems_.emplace_back(at, std::move(msg)); }

    void addCall(CallSite::Kind kind, std::uint64_t at, std::uint64_t target, std::uint64_t slot) {
        CallSite c;
        c.kind = kind;
        c.address = at;
        c.target = target;
        c.slot = slot;
        facts_->calls.push_back(std::move(c));
    }

    void tailCall(std::uint64_t at, std::uint64_t target) {
        addCall(CallSite::Kind::TailJump, at, target, 0);
        if (!contains(noReturn_, target))
            mayReturn_ = true;
    }

    void noteReferences(const Insn& x) {
        if (x.id == id::Lea && x.op[1].base == kRip && x.op[1].index == kNoReg) {
            const std::uint64_t a = x.ripTarget(x.op[1]);
            if (cache_.inCode(a))
                facts_->codeReferences.push_back(a);
        } else if (positionDependent_ && (x.id == id::Mov || x.id == id::Movabs || x.id == id::Push)) {
            const Operand& imm = x.id == id::Push ? x.op[0] : x.op[1];
            if (imm.type == OpType::Imm && imm.value > 0 &&
                cache_.inCode(static_cast<std::uint64_t>(imm.value)))
                facts_->codeReferences.push_back(static_cast<std::uint64_t>(imm.value));
        }
        for (std::uint8_t k = 0; k < std::min<std::uint8_t>(x.opCount, 2); ++k) {
            const Operand& o = x.op[k];
            std::uint64_t a = 0;
            if (o.type == OpType::Mem && o.base == kRip && o.index == kNoReg)
                a = x.ripTarget(o);
            else if (positionDependent_ && o.type == OpType::Mem && o.base == kNoReg && o.index == kNoReg &&
                     o.value > 0)
                a = static_cast<std::uint64_t>(o.value);
            else if (positionDependent_ && o.type == OpType::Imm && o.value > 0 && x.flow == Flow::Normal)
                a = static_cast<std::uint64_t>(o.value);
            if (a != 0 && !cache_.inCode(a))
                facts_->dataReferences.push_back(a);
        }
    }

    void finish(FunctionFacts& f) {
        if (opaque_)
            problem(firstOpaque_,
                    std::to_string(opaque_) +
                        " instruction(s) Capstone 4 cannot decode (AVX-512 mask forms, rdpkru); "
                        "length-decoded and assumed to overwrite every register (first here)");
        std::stable_sort(f.calls.begin(), f.calls.end(), [](const CallSite& a, const CallSite& b) {
            return std::tie(a.address, a.kind, a.target) < std::tie(b.address, b.kind, b.target);
        });
        sortUnique(f.codeReferences);
        sortUnique(f.dataReferences);
        std::sort(problems_.begin(), problems_.end());
        problems_.erase(std::unique(problems_.begin(), problems_.end()), problems_.end());
        for (const auto& [at, msg] : problems_)
            f.problems.push_back(hex(at) + ": " + msg);
        f.noReturn = !mayReturn_ || contains(noReturn_, f.start);
    }

    const InsnCache& cache_;
    const Exploration& ex_;
    const std::vector<std::uint64_t>& noReturn_;
    const std::vector<std::uint64_t>& noReturnSlots_;
    bool positionDependent_;
    Scratch& sc_;
    FunctionFacts* facts_ = nullptr;
    std::vector<std::pair<std::uint64_t, std::string>> problems_;
    bool mayReturn_ = false;
    std::size_t opaque_ = 0;
    std::uint64_t firstOpaque_ = 0;
};

// Runs fn(i, threadIndex) for i in [0, n) on `threads` threads.
template <typename F> void parallelFor(std::size_t n, unsigned threads, F fn) {
    threads =
        std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(std::max<std::size_t>(n / 8, 1))));
    if (threads == 1) {
        for (std::size_t i = 0; i < n; ++i)
            fn(i, 0u);
        return;
    }
    std::atomic<std::size_t> next{0};
    auto worker = [&](unsigned t) {
        for (;;) {
            const std::size_t begin = next.fetch_add(16);
            if (begin >= n)
                return;
            for (std::size_t i = begin; i < std::min(n, begin + 16); ++i)
                fn(i, t);
        }
    };
    std::vector<std::thread> pool;
    for (unsigned t = 1; t < threads; ++t)
        pool.emplace_back(worker, t);
    worker(0);
    for (auto& th : pool)
        th.join();
}

} // namespace

std::vector<FunctionFacts> analyzeCode(const CodeInput& input, unsigned threads) {
    threads = std::max(1u, threads);
    InsnCache cache(input.code);
    cache.sweep(threads);

    std::vector<std::uint64_t> given = input.functionStarts;
    sortUnique(given);
    std::vector<std::uint64_t> noReturn = input.noReturnFunctions;
    sortUnique(noReturn);
    std::vector<std::uint64_t> noReturnSlots = input.noReturnSlots;
    sortUnique(noReturnSlots);

    std::vector<Scratch> scratch(threads);
    Exploration ex;
    std::vector<std::pair<std::uint64_t, FunctionFacts::Origin>> functions;
    std::vector<Built> built;
    std::vector<std::uint8_t> mayReturn;
    std::vector<std::uint64_t> added; // functions found never to return in the previous round
    // Each round may find functions that never return; calls to them end their blocks in the next
    // round, which can make their callers no-return too. The set only grows, so this terminates.
    //
    // Exploring the whole image again every round is what the rounds cost (libc: 30 rounds, each
    // adding one or two functions), and it nearly always finds what it found before. So the rounds
    // first keep the last exploration (`lazy`), and the image is explored again once the set of
    // no-return functions is stable: when that gives the same exploration, every round saw what a
    // fresh exploration would have shown it (the exploration only shrinks as the set grows, and is
    // the same at both ends) and the result is that of exploring every round. Otherwise the rounds
    // run again from the start, exploring every time.
    const std::vector<std::uint64_t> declaredNoReturn = noReturn;
    for (const bool lazy : {true, false}) {
        noReturn = declaredNoReturn;
        ex = Exploration{};
        functions.clear();
        built.clear();
        mayReturn.clear();
        added.clear();
        bool explore = true;    // explore this round
        bool verifying = false; // this round only checks a lazy run's exploration
        bool stale = false;     // a lazy run's exploration differed from a fresh one
        for (bool firstRound = true;; firstRound = false) {
            bool sameStarts = true;
            if (explore) {
                Exploration next = Explorer(cache, input, noReturn, noReturnSlots).run(given);
                // A function's CFG depends on the exploration (function starts, jump tables) and on
                // which of its callees never return: when the exploration is unchanged, only the
                // callers of the new no-return functions are rebuilt.
                sameStarts = !firstRound && next.primary == ex.primary && next.secondary == ex.secondary &&
                             next.tables == ex.tables;
                if (verifying && !sameStarts) {
                    stale = true;
                    break;
                }
                ex = std::move(next);
                ex.primaryInsn.assign(cache.size(), 0);
                for (const std::uint64_t s : ex.primary)
                    if (const std::int32_t id = cache.lookup(s); id >= 0)
                        ex.primaryInsn[static_cast<std::size_t>(id)] = 1;
            }
            std::vector<std::size_t> todo;
            if (sameStarts) {
                for (std::size_t i = 0; i < built.size(); ++i)
                    if (std::any_of(built[i].facts.calls.begin(), built[i].facts.calls.end(),
                                    [&](const CallSite& c) {
                                        return (c.kind == CallSite::Kind::Direct ||
                                                c.kind == CallSite::Kind::TailJump) &&
                                               contains(added, c.target);
                                    }))
                        todo.push_back(i);
            } else {
                functions.clear();
                for (const std::uint64_t s : ex.primary)
                    functions.emplace_back(s, contains(given, s) ? FunctionFacts::Origin::Given
                                                                 : FunctionFacts::Origin::CallTarget);
                for (const std::uint64_t s : ex.secondary)
                    functions.emplace_back(s, FunctionFacts::Origin::CodeReference);
                std::sort(functions.begin(), functions.end());
                built.assign(functions.size(), Built{});
                mayReturn.assign(functions.size(), 0);
                todo.resize(functions.size());
                for (std::size_t i = 0; i < todo.size(); ++i)
                    todo[i] = i;
            }
            for (auto& s : scratch)
                s.prepare(cache.size());
            parallelFor(todo.size(), threads, [&](std::size_t k, unsigned t) {
                const std::size_t i = todo[k];
                FunctionBuilder b(cache, ex, noReturn, noReturnSlots, input.positionDependent, scratch[t]);
                built[i] = b.build(functions[i].first, functions[i].second);
                mayReturn[i] = b.mayReturn();
            });
            std::vector<std::uint64_t> grown = noReturn;
            for (std::size_t i = 0; i < functions.size(); ++i)
                if (!mayReturn[i])
                    grown.push_back(functions[i].first);
            sortUnique(grown);
            if (grown == noReturn) {
                if (explore)
                    break;
                // Stable with the kept exploration: check it against a fresh one (nothing to rebuild
                // when it is the same).
                added.clear();
                explore = verifying = true;
                continue;
            }
            added.clear();
            std::set_difference(grown.begin(), grown.end(), noReturn.begin(), noReturn.end(),
                                std::back_inserter(added));
            noReturn = std::move(grown);
            explore = !lazy;
        }
        if (!stale)
            break;
    }

    std::vector<std::unique_ptr<InsnPrinter>> printers;
    for (unsigned t = 0; t < threads; ++t)
        printers.push_back(std::make_unique<InsnPrinter>(cache));
    parallelFor(built.size(), threads, [&](std::size_t i, unsigned t) {
        // The data-flow only fills in the calls' arguments and the syscalls' numbers: a function
        // with neither has nothing to gain from it.
        const auto& cfg = built[i].cfg;
        if (built[i].facts.calls.empty() &&
            std::none_of(cfg.insns.begin(), cfg.insns.end(),
                         [&](std::int32_t id) { return cache.at(id).flow == Flow::Syscall; }))
            return;
        detail::runDataflow(cfg, cache, *printers[t], built[i].facts, input.reasonText);
    });
    std::vector<FunctionFacts> result;
    result.reserve(built.size());
    for (auto& b : built)
        result.push_back(std::move(b.facts));
    return result;
}

} // namespace swb

#include "static/x86_insn.h"

#include "util/error.h"

#include <capstone/capstone.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <mutex>
#include <thread>

namespace swb::x86 {

namespace id {
const std::uint16_t Mov = X86_INS_MOV, Movabs = X86_INS_MOVABS, Movzx = X86_INS_MOVZX, Movsx = X86_INS_MOVSX,
                    Movsxd = X86_INS_MOVSXD, Lea = X86_INS_LEA, Xor = X86_INS_XOR, Sub = X86_INS_SUB,
                    Add = X86_INS_ADD, And = X86_INS_AND, Or = X86_INS_OR, Shl = X86_INS_SHL,
                    Shr = X86_INS_SHR, Sar = X86_INS_SAR, Inc = X86_INS_INC, Dec = X86_INS_DEC,
                    Neg = X86_INS_NEG, Not = X86_INS_NOT, Push = X86_INS_PUSH, Pop = X86_INS_POP,
                    Leave = X86_INS_LEAVE, Cmp = X86_INS_CMP, Xchg = X86_INS_XCHG, Cdqe = X86_INS_CDQE,
                    Ja = X86_INS_JA, Jae = X86_INS_JAE, Jb = X86_INS_JB, Jbe = X86_INS_JBE;

bool isCmov(std::uint16_t i) {
    switch (i) {
    case X86_INS_CMOVE:
    case X86_INS_CMOVNE:
    case X86_INS_CMOVA:
    case X86_INS_CMOVAE:
    case X86_INS_CMOVB:
    case X86_INS_CMOVBE:
    case X86_INS_CMOVG:
    case X86_INS_CMOVGE:
    case X86_INS_CMOVL:
    case X86_INS_CMOVLE:
    case X86_INS_CMOVS:
    case X86_INS_CMOVNS:
    case X86_INS_CMOVO:
    case X86_INS_CMOVNO:
    case X86_INS_CMOVP:
    case X86_INS_CMOVNP:
        return true;
    default:
        return false;
    }
}
} // namespace id

namespace {

struct RegInfo {
    std::uint8_t gpr = kNoReg;
    std::uint8_t high8 = 0;
};

const std::array<RegInfo, X86_REG_ENDING>& regTable() {
    static const auto table = [] {
        std::array<RegInfo, X86_REG_ENDING> t;
        t.fill(RegInfo{kNoReg, 0});
        auto set = [&](x86_reg r, std::uint8_t g, std::uint8_t high = 0) {
            t[r] = {g, high};
        };
        set(X86_REG_RAX, RAX), set(X86_REG_EAX, RAX), set(X86_REG_AX, RAX), set(X86_REG_AL, RAX);
        set(X86_REG_AH, RAX, 1);
        set(X86_REG_RCX, RCX), set(X86_REG_ECX, RCX), set(X86_REG_CX, RCX), set(X86_REG_CL, RCX);
        set(X86_REG_CH, RCX, 1);
        set(X86_REG_RDX, RDX), set(X86_REG_EDX, RDX), set(X86_REG_DX, RDX), set(X86_REG_DL, RDX);
        set(X86_REG_DH, RDX, 1);
        set(X86_REG_RBX, RBX), set(X86_REG_EBX, RBX), set(X86_REG_BX, RBX), set(X86_REG_BL, RBX);
        set(X86_REG_BH, RBX, 1);
        set(X86_REG_RSP, RSP), set(X86_REG_ESP, RSP), set(X86_REG_SP, RSP), set(X86_REG_SPL, RSP);
        set(X86_REG_RBP, RBP), set(X86_REG_EBP, RBP), set(X86_REG_BP, RBP), set(X86_REG_BPL, RBP);
        set(X86_REG_RSI, RSI), set(X86_REG_ESI, RSI), set(X86_REG_SI, RSI), set(X86_REG_SIL, RSI);
        set(X86_REG_RDI, RDI), set(X86_REG_EDI, RDI), set(X86_REG_DI, RDI), set(X86_REG_DIL, RDI);
        const x86_reg q[] = {X86_REG_R8,  X86_REG_R9,  X86_REG_R10, X86_REG_R11,
                             X86_REG_R12, X86_REG_R13, X86_REG_R14, X86_REG_R15};
        const x86_reg d[] = {X86_REG_R8D,  X86_REG_R9D,  X86_REG_R10D, X86_REG_R11D,
                             X86_REG_R12D, X86_REG_R13D, X86_REG_R14D, X86_REG_R15D};
        const x86_reg w[] = {X86_REG_R8W,  X86_REG_R9W,  X86_REG_R10W, X86_REG_R11W,
                             X86_REG_R12W, X86_REG_R13W, X86_REG_R14W, X86_REG_R15W};
        const x86_reg b[] = {X86_REG_R8B,  X86_REG_R9B,  X86_REG_R10B, X86_REG_R11B,
                             X86_REG_R12B, X86_REG_R13B, X86_REG_R14B, X86_REG_R15B};
        for (std::uint8_t i = 0; i < 8; ++i) {
            const auto g = static_cast<std::uint8_t>(R8 + i);
            set(q[i], g), set(d[i], g), set(w[i], g), set(b[i], g);
        }
        set(X86_REG_RIP, kRip), set(X86_REG_EIP, kRip);
        return t;
    }();
    return table;
}

RegInfo regInfo(unsigned r) {
    return r < X86_REG_ENDING ? regTable()[r] : RegInfo{};
}

Flow flowOf(unsigned i) {
    switch (i) {
    case X86_INS_SYSCALL:
        return Flow::Syscall;
    case X86_INS_JMP:
    case X86_INS_LJMP:
        return Flow::Jump;
    case X86_INS_JAE:
    case X86_INS_JA:
    case X86_INS_JBE:
    case X86_INS_JB:
    case X86_INS_JCXZ:
    case X86_INS_JECXZ:
    case X86_INS_JRCXZ:
    case X86_INS_JE:
    case X86_INS_JGE:
    case X86_INS_JG:
    case X86_INS_JLE:
    case X86_INS_JL:
    case X86_INS_JNE:
    case X86_INS_JNO:
    case X86_INS_JNP:
    case X86_INS_JNS:
    case X86_INS_JO:
    case X86_INS_JP:
    case X86_INS_JS:
    case X86_INS_LOOP:
    case X86_INS_LOOPE:
    case X86_INS_LOOPNE:
    case X86_INS_XBEGIN: // the abort path continues at the operand
        return Flow::CondJump;
    case X86_INS_CALL:
    case X86_INS_LCALL:
        return Flow::Call;
    case X86_INS_RET:
    case X86_INS_RETF:
    case X86_INS_RETFQ:
    case X86_INS_IRET:
    case X86_INS_IRETD:
    case X86_INS_IRETQ:
    case X86_INS_SYSRET:
    case X86_INS_SYSEXIT:
        return Flow::Return;
    case X86_INS_HLT:
    case X86_INS_UD2:
    case X86_INS_UD2B:
    case X86_INS_UD0:
    case X86_INS_INT3:
        return Flow::Stop;
    default:
        return Flow::Normal;
    }
}

// Instructions that store through their memory operand although Capstone 4 marks it read-only.
bool storesDespiteFlags(unsigned i) {
    switch (i) {
    case X86_INS_CMPXCHG:
    case X86_INS_CMPXCHG8B:
    case X86_INS_CMPXCHG16B:
    case X86_INS_XSAVE:
    case X86_INS_XSAVE64:
    case X86_INS_XSAVEC:
    case X86_INS_XSAVEC64:
    case X86_INS_XSAVEOPT:
    case X86_INS_XSAVEOPT64:
    case X86_INS_XSAVES:
    case X86_INS_XSAVES64:
    case X86_INS_FXSAVE:
    case X86_INS_FXSAVE64:
        return true;
    default:
        return false;
    }
}

constexpr std::uint64_t kFlagWrites =
    X86_EFLAGS_MODIFY_AF | X86_EFLAGS_MODIFY_CF | X86_EFLAGS_MODIFY_SF | X86_EFLAGS_MODIFY_ZF |
    X86_EFLAGS_MODIFY_PF | X86_EFLAGS_MODIFY_OF | X86_EFLAGS_RESET_OF | X86_EFLAGS_RESET_CF |
    X86_EFLAGS_RESET_SF | X86_EFLAGS_RESET_AF | X86_EFLAGS_RESET_PF | X86_EFLAGS_RESET_ZF |
    X86_EFLAGS_SET_CF | X86_EFLAGS_SET_OF | X86_EFLAGS_SET_SF | X86_EFLAGS_SET_ZF | X86_EFLAGS_SET_AF |
    X86_EFLAGS_SET_PF | X86_EFLAGS_UNDEFINED_OF | X86_EFLAGS_UNDEFINED_SF | X86_EFLAGS_UNDEFINED_ZF |
    X86_EFLAGS_UNDEFINED_PF | X86_EFLAGS_UNDEFINED_AF | X86_EFLAGS_UNDEFINED_CF;

Insn convert(const cs_insn& in) {
    Insn x;
    x.address = in.address;
    x.id = static_cast<std::uint16_t>(in.id);
    x.size = static_cast<std::uint8_t>(in.size);
    x.flow = flowOf(in.id);
    const cs_x86& d = in.detail->x86;
    x.opCount = d.op_count;
    if (d.prefix[0] == X86_PREFIX_REP || d.prefix[0] == X86_PREFIX_REPNE)
        x.flags |= kRepPrefix;
    const bool isFpu = std::find(in.detail->groups, in.detail->groups + in.detail->groups_count,
                                 X86_GRP_FPU) != in.detail->groups + in.detail->groups_count;
    if (!isFpu && (d.eflags & kFlagWrites))
        x.flags |= kWritesFlags;
    for (std::uint8_t k = 0; k < in.detail->regs_write_count; ++k) {
        const unsigned r = in.detail->regs_write[k];
        if (r == X86_REG_EFLAGS)
            x.flags |= kWritesFlags;
        const RegInfo ri = regInfo(r);
        if (ri.gpr < kGprCount)
            x.writeMask |= static_cast<std::uint16_t>(1u << ri.gpr);
    }
    const bool noMemAccess = in.id == X86_INS_LEA || in.id == X86_INS_NOP || in.id == X86_INS_PREFETCH ||
                             in.id == X86_INS_PREFETCHNTA || in.id == X86_INS_PREFETCHT0 ||
                             in.id == X86_INS_PREFETCHT1 || in.id == X86_INS_PREFETCHT2 ||
                             in.id == X86_INS_PREFETCHW;
    for (std::uint8_t k = 0; k < d.op_count; ++k) {
        const cs_x86_op& o = d.operands[k];
        Operand op;
        op.size = o.size;
        op.access = o.access;
        switch (o.type) {
        case X86_OP_REG: {
            op.type = OpType::Reg;
            const RegInfo ri = regInfo(o.reg);
            op.reg = ri.gpr;
            op.high8 = ri.high8;
            // Capstone 4 leaves some operands' access unset: assume they are written.
            if (ri.gpr < kGprCount && (o.access == 0 || (o.access & CS_AC_WRITE)))
                x.writeMask |= static_cast<std::uint16_t>(1u << ri.gpr);
            break;
        }
        case X86_OP_IMM:
            op.type = OpType::Imm;
            op.value = o.imm;
            break;
        case X86_OP_MEM: {
            op.type = OpType::Mem;
            op.base = regInfo(o.mem.base).gpr;
            op.index = regInfo(o.mem.index).gpr;
            op.scale = static_cast<std::uint8_t>(o.mem.scale);
            op.value = o.mem.disp;
            if (o.mem.segment == X86_REG_FS || o.mem.segment == X86_REG_GS)
                x.flags |= kSegPrefix;
            if (!noMemAccess && (o.access == 0 || (o.access & CS_AC_WRITE) || storesDespiteFlags(in.id))) {
                if (k < 2 && x.memWrite == 0xff)
                    x.memWrite = k;
                else if (k >= 2)
                    x.flags |= kMemWriteFar;
            }
            break;
        }
        default:
            break;
        }
        if (k < 2)
            x.op[k] = op;
    }
    // Capstone 4 omits these implicit writes.
    if (in.id == X86_INS_SYSCALL)
        x.writeMask |= (1u << RAX) | (1u << RCX) | (1u << R11);
    if (in.id == X86_INS_CMPXCHG)
        x.writeMask |= (1u << RAX);
    return x;
}

// Length of the VEX/EVEX-encoded instructions Capstone 4 does not know (AVX-512 mask forms such as
// vptestmb / vpcmpeqb k, kmovd) and of rdpkru/wrpkru; 0 when the bytes are not one of those.
std::size_t opaqueLength(const std::uint8_t* p, std::size_t n) {
    std::size_t i = 0;
    while (i < n && i < 4 &&
           (p[i] == 0x26 || p[i] == 0x2e || p[i] == 0x36 || p[i] == 0x3e || p[i] == 0x64 || p[i] == 0x65 ||
            p[i] == 0x67))
        ++i;
    if (i + 3 <= n && p[i] == 0x0f && p[i + 1] == 0x01 && (p[i + 2] == 0xee || p[i + 2] == 0xef))
        return i + 3;
    unsigned map = 0;
    if (i + 2 < n && p[i] == 0xc5) {
        map = 1;
        i += 2;
    } else if (i + 3 < n && p[i] == 0xc4) {
        map = p[i + 1] & 0x1f;
        i += 3;
    } else if (i + 4 < n && p[i] == 0x62) {
        map = p[i + 1] & 0x07;
        i += 4;
    } else {
        return 0;
    }
    if (map == 0 || i >= n)
        return 0;
    const std::uint8_t opcode = p[i++];
    if (map == 1 && opcode == 0x77) // vzeroupper / vzeroall: no ModRM
        return i;
    if (i >= n)
        return 0;
    const std::uint8_t modrm = p[i++];
    const unsigned mod = modrm >> 6, rm = modrm & 7;
    if (mod != 3) {
        if (rm == 4) {
            if (i >= n)
                return 0;
            const std::uint8_t sib = p[i++];
            if (mod == 0 && (sib & 7) == 5)
                i += 4;
        } else if (mod == 0 && rm == 5) {
            i += 4;
        }
        i += mod == 1 ? 1 : mod == 2 ? 4 : 0;
    }
    if (map == 3 || (map == 1 && (opcode == 0x70 || opcode == 0x71 || opcode == 0x72 || opcode == 0x73 ||
                                  opcode == 0xc2 || opcode == 0xc4 || opcode == 0xc5 || opcode == 0xc6)))
        i += 1;
    return i <= n && i <= 15 ? i : 0;
}

// An instruction known only by its length: assumed to write every register but rsp, and memory.
Insn opaque(const std::uint8_t* p, std::size_t length, std::uint64_t address) {
    Insn x;
    x.address = address;
    x.size = static_cast<std::uint8_t>(length);
    x.flags = kOpaque | kMemWriteFar | kWritesFlags;
    x.writeMask = static_cast<std::uint16_t>(0xffff & ~(1u << RSP));
    if (length >= 3 && p[length - 3] == 0x0f && p[length - 2] == 0x01) { // rdpkru / wrpkru
        x.flags = kOpaque;
        x.writeMask = p[length - 1] == 0xee ? static_cast<std::uint16_t>((1u << RAX) | (1u << RDX)) : 0;
    }
    return x;
}

// Capstone 4 initializes global tables lazily and without locking (its architecture list in cs_open,
// and X86_insn_reg_intel sorts a static table on the first instruction printed), so concurrent first
// uses race and decode some instructions wrongly. Do that once, before any analysis thread exists.
void warmUpCapstone() {
    static std::once_flag once;
    std::call_once(once, [] {
        csh h = 0;
        if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
            throw Error("capstone: cannot open an x86-64 disassembler");
        cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
        const std::uint8_t addEaxOne[] = {0x83, 0xc0, 0x01};
        cs_insn* insn = nullptr;
        const std::size_t n = cs_disasm(h, addEaxOne, sizeof addEaxOne, 0, 1, &insn);
        cs_free(insn, n);
        cs_close(&h);
    });
}

struct Handle {
    csh h = 0;
    cs_insn* insn = nullptr;
    explicit Handle(bool detail) {
        warmUpCapstone();
        if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
            throw Error("capstone: cannot open an x86-64 disassembler");
        if (detail)
            cs_option(h, CS_OPT_DETAIL, CS_OPT_ON);
        insn = cs_malloc(h);
    }
    ~Handle() {
        cs_free(insn, 1);
        cs_close(&h);
    }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    bool decode(const std::uint8_t* bytes, std::size_t size, std::uint64_t address) {
        return cs_disasm_iter(h, &bytes, &size, &address, insn);
    }
};

} // namespace

const char* gprName(unsigned gpr) {
    static const char* const names[] = {"rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
                                        "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15"};
    return gpr < kGprCount ? names[gpr] : "?";
}

std::string hex(std::uint64_t v) {
    char buf[24] = {'0', 'x'};
    const auto r = std::to_chars(buf + 2, buf + sizeof buf, v, 16);
    return std::string(buf, r.ptr);
}

struct InsnCache::Decoder {
    Handle handle{true};
};

InsnCache::InsnCache(std::vector<CodeInput::Region> regions)
    : regions_(std::move(regions)) {
    std::sort(regions_.begin(), regions_.end(),
              [](const CodeInput::Region& a, const CodeInput::Region& b) { return a.address < b.address; });
    index_.reserve(regions_.size());
    for (const auto& r : regions_)
        index_.emplace_back(r.bytes.size(), kNotDecoded);
    decoder_ = std::make_unique<Decoder>();
}

InsnCache::~InsnCache() = default;

int InsnCache::regionOf(std::uint64_t address) const {
    auto it = std::upper_bound(regions_.begin(), regions_.end(), address,
                               [](std::uint64_t a, const CodeInput::Region& r) { return a < r.address; });
    if (it == regions_.begin())
        return -1;
    --it;
    if (address - it->address >= it->bytes.size())
        return -1;
    return static_cast<int>(it - regions_.begin());
}

std::int32_t InsnCache::lookup(std::uint64_t address) const {
    const int r = regionOf(address);
    if (r < 0)
        return kOutside;
    return index_[static_cast<std::size_t>(r)][address - regions_[static_cast<std::size_t>(r)].address];
}

std::int32_t InsnCache::decode(std::uint64_t address) {
    const int r = regionOf(address);
    if (r < 0)
        return kOutside;
    const auto& region = regions_[static_cast<std::size_t>(r)];
    const std::size_t off = address - region.address;
    std::int32_t& slot = index_[static_cast<std::size_t>(r)][off];
    if (slot != kNotDecoded)
        return slot;
    const std::uint8_t* p = region.bytes.data() + off;
    const std::size_t avail = region.bytes.size() - off;
    if (decoder_->handle.decode(p, avail, address)) {
        slot = static_cast<std::int32_t>(insns_.size());
        insns_.push_back(convert(*decoder_->handle.insn));
    } else if (const std::size_t len = opaqueLength(p, avail)) {
        slot = static_cast<std::int32_t>(insns_.size());
        insns_.push_back(opaque(p, len, address));
    } else {
        slot = kInvalid;
    }
    return slot;
}

void InsnCache::sweep(unsigned threads) {
    // Chunks of at most 256 KiB within regions; each chunk decodes linearly from its first byte.
    struct Chunk {
        std::size_t region, begin, end;
        std::vector<Insn> insns;
    };
    std::vector<Chunk> chunks;
    constexpr std::size_t kChunk = 256 * 1024;
    for (std::size_t r = 0; r < regions_.size(); ++r)
        for (std::size_t b = 0; b < regions_[r].bytes.size(); b += kChunk)
            chunks.push_back({r, b, std::min(b + kChunk, regions_[r].bytes.size()), {}});
    auto work = [&](std::size_t first, std::size_t step) {
        Handle h(true);
        for (std::size_t c = first; c < chunks.size(); c += step) {
            Chunk& ch = chunks[c];
            ch.insns.reserve((ch.end - ch.begin) / 3); // about 4 bytes per instruction
            const auto& region = regions_[ch.region];
            auto& index = index_[ch.region];
            std::size_t off = ch.begin;
            while (off < ch.end) {
                if (index[off] != kNotDecoded) {
                    ++off;
                    continue;
                }
                const std::uint8_t* p = region.bytes.data() + off;
                const std::size_t avail = region.bytes.size() - off;
                if (h.decode(p, avail, region.address + off)) {
                    index[off] = static_cast<std::int32_t>(ch.insns.size());
                    ch.insns.push_back(convert(*h.insn));
                    off += h.insn->size;
                } else if (const std::size_t len = opaqueLength(p, avail)) {
                    index[off] = static_cast<std::int32_t>(ch.insns.size());
                    ch.insns.push_back(opaque(p, len, region.address + off));
                    off += len;
                } else {
                    index[off] = kInvalid;
                    ++off;
                }
            }
        }
    };
    if (!insns_.empty())
        throw Error("internal: the instruction cache is swept before any on-demand decoding");
    threads = std::max(1u, std::min<unsigned>(threads, static_cast<unsigned>(chunks.size())));
    if (threads == 1) {
        work(0, 1);
    } else {
        std::vector<std::thread> pool;
        for (unsigned t = 0; t < threads; ++t)
            pool.emplace_back(work, t, threads);
        for (auto& th : pool)
            th.join();
    }
    std::size_t total = insns_.size();
    for (const auto& ch : chunks)
        total += ch.insns.size();
    // Room for the instructions decoded on demand later (jumps into the middle of an instruction,
    // code the sweep desynchronized on): growing would copy every instruction.
    insns_.reserve(total + total / 16 + 1024);
    for (auto& ch : chunks) {
        const auto base = static_cast<std::int32_t>(insns_.size());
        auto& index = index_[ch.region];
        for (std::size_t off = ch.begin; off < ch.end; ++off)
            if (index[off] >= 0)
                index[off] += base;
        insns_.insert(insns_.end(), ch.insns.begin(), ch.insns.end());
    }
}

InsnPrinter::InsnPrinter(const InsnCache& cache)
    : InsnPrinter(cache.regions()) {}

InsnPrinter::InsnPrinter(std::vector<CodeInput::Region> regions)
    : regions_(std::move(regions)) {
    warmUpCapstone();
    csh h = 0;
    if (cs_open(CS_ARCH_X86, CS_MODE_64, &h) != CS_ERR_OK)
        throw Error("capstone: cannot open an x86-64 disassembler");
    handle_ = h;
}

InsnPrinter::~InsnPrinter() {
    csh h = handle_;
    cs_close(&h);
}

std::string InsnPrinter::text(std::uint64_t address) {
    for (const auto& r : regions_) {
        if (address < r.address || address - r.address >= r.bytes.size())
            continue;
        cs_insn* insn = nullptr;
        const std::size_t off = address - r.address;
        const std::size_t n =
            cs_disasm(handle_, r.bytes.data() + off, r.bytes.size() - off, address, 1, &insn);
        if (n == 0) {
            std::string s = "(not decodable by Capstone:";
            const std::size_t len =
                std::max<std::size_t>(opaqueLength(r.bytes.data() + off, r.bytes.size() - off), 1);
            for (std::size_t i = 0; i < len; ++i) {
                char b[4];
                std::snprintf(b, sizeof b, " %02x", r.bytes[off + i]);
                s += b;
            }
            return s + ")";
        }
        std::string s = insn[0].mnemonic;
        if (insn[0].op_str[0]) {
            s += ' ';
            s += insn[0].op_str;
        }
        cs_free(insn, n);
        return s;
    }
    return "(outside the code)";
}

} // namespace swb::x86

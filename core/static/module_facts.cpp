#include "static/module_facts.h"

#include <algorithm>
#include <unordered_map>

namespace swb {

namespace {

class Builder {
public:
    explicit Builder(ModuleFacts& out)
        : out_(out) {}
    ~Builder() {
        auto text = std::make_shared<const std::string>(std::move(text_));
        out_.reasonText = *text;
        out_.storage = std::move(text);
    }

    ModuleFacts::Value value(const RegValue& v) {
        ModuleFacts::Value out;
        out.kind = v.kind;
        switch (v.kind) {
        case RegValue::Kind::Constants:
            out.first = static_cast<std::uint32_t>(out_.constants.size());
            out.count = static_cast<std::uint16_t>(v.constants.size());
            out_.constants.insert(out_.constants.end(), v.constants.begin(), v.constants.end());
            break;
        case RegValue::Kind::Param:
            out.param = static_cast<std::uint8_t>(v.param);
            break;
        case RegValue::Kind::Unknown: {
            if (v.cause != 0) {
                out.param = 1;
                out.first = static_cast<std::uint32_t>(out_.causes.size());
                out_.causes.push_back({v.causeAt, v.cause, v.causeReg});
                break;
            }
            // The key views the reason in `v`, which outlives the builder (see ModuleFacts::from).
            const auto [it, added] =
                strings_.emplace(std::string_view(v.reason), static_cast<std::uint32_t>(out_.reasonCount()));
            if (added) {
                text_ += v.reason;
                out_.reasonEnds.push_back(static_cast<std::uint32_t>(text_.size()));
            }
            out.first = it->second;
            break;
        }
        }
        return out;
    }

private:
    ModuleFacts& out_;
    std::unordered_map<std::string_view, std::uint32_t> strings_;
    std::string text_;
};

bool sameValue(const ModuleFacts& a, const ModuleFacts::Value& va, const ModuleFacts& b,
               const ModuleFacts::Value& vb) {
    if (va.kind != vb.kind)
        return false;
    switch (va.kind) {
    case RegValue::Kind::Constants: {
        const auto ca = a.constantsOf(va), cb = b.constantsOf(vb);
        return std::equal(ca.begin(), ca.end(), cb.begin(), cb.end());
    }
    case RegValue::Kind::Param:
        return va.param == vb.param;
    case RegValue::Kind::Unknown:
        if (va.param != vb.param)
            return false;
        return va.param == 1 ? *a.causeOf(va) == *b.causeOf(vb) : a.reasonOf(va) == b.reasonOf(vb);
    }
    return false;
}

} // namespace

RegValue ModuleFacts::regValue(const Value& v) const {
    switch (v.kind) {
    case RegValue::Kind::Constants: {
        const auto c = constantsOf(v);
        return {RegValue::Kind::Constants, {c.begin(), c.end()}, -1, {}};
    }
    case RegValue::Kind::Param:
        return RegValue::fromParam(v.param);
    case RegValue::Kind::Unknown:
        if (const auto* c = causeOf(v)) {
            RegValue r;
            r.cause = c->code;
            r.causeReg = c->reg;
            r.causeAt = c->at;
            return r;
        }
        return RegValue::unknown(std::string(reasonOf(v)));
    }
    return {};
}

ModuleFacts ModuleFacts::from(const std::vector<FunctionFacts>& facts) {
    ModuleFacts out;
    fill(out, facts);
    return out;
}

void ModuleFacts::fill(ModuleFacts& out, const std::vector<FunctionFacts>& facts) {
    Builder b(out);
    out.functions.reserve(facts.size() + 1);
    std::size_t calls = 0, syscalls = 0, code = 0, data = 0;
    for (const auto& f : facts) {
        calls += f.calls.size();
        syscalls += f.syscalls.size();
        code += f.codeReferences.size();
        data += f.dataReferences.size();
    }
    out.calls.reserve(calls);
    out.syscalls.reserve(syscalls);
    out.codeReferences.reserve(code);
    out.dataReferences.reserve(data);
    for (const auto& f : facts) {
        out.functions.push_back({f.start, f.end, static_cast<std::uint32_t>(out.calls.size()),
                                 static_cast<std::uint32_t>(out.syscalls.size()),
                                 static_cast<std::uint32_t>(out.codeReferences.size()),
                                 static_cast<std::uint32_t>(out.dataReferences.size())});
        for (const auto& c : f.calls) {
            Call call;
            for (std::size_t i = 0; i < c.args.size(); ++i)
                call.args[i] = b.value(c.args[i]);
            call.address = c.address;
            call.target = c.kind == CallSite::Kind::ViaSlot ? c.slot : c.target;
            call.kind = c.kind;
            out.calls.push_back(call);
        }
        for (const auto& s : f.syscalls)
            out.syscalls.push_back({s.address, b.value(s.rax)});
        out.codeReferences.insert(out.codeReferences.end(), f.codeReferences.begin(), f.codeReferences.end());
        out.dataReferences.insert(out.dataReferences.end(), f.dataReferences.begin(), f.dataReferences.end());
    }
    out.functions.push_back({0, 0, static_cast<std::uint32_t>(out.calls.size()),
                             static_cast<std::uint32_t>(out.syscalls.size()),
                             static_cast<std::uint32_t>(out.codeReferences.size()),
                             static_cast<std::uint32_t>(out.dataReferences.size())});
}

bool ModuleFacts::operator==(const ModuleFacts& o) const {
    if (size() != o.size())
        return false;
    for (std::size_t fi = 0; fi < size(); ++fi) {
        const auto &f = functions[fi], &g = o.functions[fi];
        if (f.start != g.start || f.end != g.end)
            return false;
        const auto ca = callsOf(fi), cb = o.callsOf(fi);
        if (ca.size() != cb.size())
            return false;
        for (std::size_t i = 0; i < ca.size(); ++i) {
            if (ca[i].address != cb[i].address || ca[i].target != cb[i].target || ca[i].kind != cb[i].kind)
                return false;
            for (std::size_t k = 0; k < ca[i].args.size(); ++k)
                if (!sameValue(*this, ca[i].args[k], o, cb[i].args[k]))
                    return false;
        }
        const auto sa = syscallsOf(fi), sb = o.syscallsOf(fi);
        if (sa.size() != sb.size())
            return false;
        for (std::size_t i = 0; i < sa.size(); ++i)
            if (sa[i].address != sb[i].address || !sameValue(*this, sa[i].rax, o, sb[i].rax))
                return false;
        const auto ra = codeReferencesOf(fi), rb = o.codeReferencesOf(fi);
        const auto da = dataReferencesOf(fi), db = o.dataReferencesOf(fi);
        if (!std::equal(ra.begin(), ra.end(), rb.begin(), rb.end()) ||
            !std::equal(da.begin(), da.end(), db.begin(), db.end()))
            return false;
    }
    return true;
}

} // namespace swb

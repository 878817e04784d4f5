#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace swb {

// LEB128 varints and zigzag signed varints, the building blocks of the binary file formats.
inline void putVarint(std::string& out, std::uint64_t v) {
    while (v >= 0x80) {
        out.push_back(static_cast<char>((v & 0x7f) | 0x80));
        v >>= 7;
    }
    out.push_back(static_cast<char>(v));
}

inline std::uint64_t zigzag(std::int64_t v) {
    return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}
inline std::int64_t unzigzag(std::uint64_t v) {
    return static_cast<std::int64_t>((v >> 1) ^ (~(v & 1) + 1));
}

inline void putSigned(std::string& out, std::int64_t v) {
    putVarint(out, zigzag(v));
}

inline void putString(std::string& out, std::string_view s) {
    putVarint(out, s.size());
    out.append(s);
}

// Reads from a byte range; on overrun or a malformed value sets failed() and returns zero values.
class ByteReader {
public:
    explicit ByteReader(std::string_view bytes)
        : data_(bytes) {}

    std::uint64_t varint() {
        std::uint64_t v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos_ >= data_.size()) {
                fail();
                return 0;
            }
            auto b = static_cast<std::uint8_t>(data_[pos_++]);
            v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
            if (!(b & 0x80))
                return v;
        }
        fail();
        return 0;
    }
    std::int64_t signedVarint() { return unzigzag(varint()); }
    std::uint8_t byte() {
        if (pos_ >= data_.size()) {
            fail();
            return 0;
        }
        return static_cast<std::uint8_t>(data_[pos_++]);
    }
    // The next n bytes (empty and failed() when fewer remain).
    std::string_view bytes(std::uint64_t n) {
        if (failed_ || n > data_.size() - pos_) {
            fail();
            return {};
        }
        const auto out = data_.substr(pos_, n);
        pos_ += n;
        return out;
    }
    std::string string() {
        auto n = varint();
        if (failed_ || n > data_.size() - pos_) {
            fail();
            return {};
        }
        std::string s(data_.substr(pos_, n));
        pos_ += n;
        return s;
    }
    bool failed() const { return failed_; }
    bool atEnd() const { return pos_ >= data_.size(); }
    std::size_t position() const { return pos_; }
    std::size_t remaining() const { return data_.size() - pos_; }

private:
    void fail() {
        failed_ = true;
        pos_ = data_.size();
    }
    std::string_view data_;
    std::size_t pos_ = 0;
    bool failed_ = false;
};

} // namespace swb

// Difference bounds between values (a "zone", the relational domain of PREVAIL and of
// Miné's DBMs): constraints `x - y <= c` over symbolic values, kept closed (every
// constraint implied by two others is explicit) so that a bound is one lookup.
//
// Used by the loop pass only (docs/loop-verification.md): it proves accesses such as
// `if (i >= len) break; ... mem[i]` whose safety is a relation between two unknowns
// (i < len), which the per-register bounds of the path walk cannot express.
//
// Variables are symbols (RegState::sym) naming one value, not a register: copies (moves,
// spills, fills, call arguments) share the symbol, and an instruction that computes a
// new value gives it a new symbol. The integer model is the value read as unsigned; a
// constraint is only ever added where no wrap-around can make it false (values below
// 2^62), so every constraint holds for the machine's u64 arithmetic too.
//
//   kZero  the constant 0: `x - kZero <= c` is an upper bound of x.
//   kLen   the region's length: data_end - data for packets, the mem program's length.
#pragma once

#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <vector>

namespace ebpfjit::verifier {

class Zone {
public:
    static constexpr uint32_t kZero = 1;
    static constexpr uint32_t kLen = 2;
    static constexpr int64_t kInf = std::numeric_limits<int64_t>::max();
    // Beyond this magnitude a bound is not recorded (no overflow in sums of two).
    static constexpr int64_t kMaxBound = int64_t(1) << 62;
    // Symbols a zone holds at most: the matrix is quadratic and closing it cubic, so past
    // this a value simply gets no symbol (no relations; its bounds stay in its register).
    static constexpr size_t kMaxSymbols = 48;
    bool full() const { return vars_.size() >= kMaxSymbols; }

    Zone(); // kZero and kLen, with kLen >= 0

    // A new symbol with no constraint but x >= 0 (every value is an unsigned number).
    uint32_t fresh();
    bool has(uint32_t x) const { return index_of(x) >= 0; }
    // Adds x - y <= c and closes. False when the constraints became unsatisfiable
    // (the path that added it is infeasible); the zone is then unusable.
    [[nodiscard]] bool add(uint32_t x, uint32_t y, int64_t c);
    // lo <= x <= hi (hi beyond kMaxBound: no upper bound).
    [[nodiscard]] bool bound_value(uint32_t x, uint64_t lo, uint64_t hi);
    // Tightest c with x - y <= c, or kInf.
    int64_t bound(uint32_t x, uint32_t y) const;
    // Drops every constraint on x but x >= 0 (its value changed: kLen after a helper
    // that moves the packet's end).
    void forget(uint32_t x);
    // Forgets every symbol not in `alive` (kZero and kLen stay). Closed constraints
    // between the survivors keep what the dropped ones implied.
    void keep_only(std::span<const uint32_t> alive);
    size_t size() const { return vars_.size(); }
    std::span<const uint32_t> symbols() const { return vars_; }
    // A new symbol at the next free number without constraints; for building a joined
    // zone whose symbols stand for pairs of symbols of two other zones.
    uint32_t next_symbol() const { return next_; }
    // Sets x - y <= c with no closure (joins and widenings build matrices this way).
    void set_raw(uint32_t x, uint32_t y, int64_t c);
    void close();

    // Sums: y = a + b exactly (no wrap). A difference-bound matrix cannot say it, but
    // it can say what it implies under the bounds known now: y - a within b's bounds,
    // and for two sums with a common term, y1 - y2 within the bounds of b1 - b2
    // (`(off + 2) + k` against `(off + 2) + l` when k < l). A sum's symbol stays as long
    // as its terms do, so `off + 2 + l <= len` outlives the register that held it.
    struct Sum {
        uint32_t y, a, b;
        friend bool operator==(const Sum&, const Sum&) = default;
    };
    // A sum of the same terms as one already defined makes y equal to it (the newer keeps
    // the definition); at most kMaxSums are kept, the oldest dropped first.
    static constexpr size_t kMaxSums = 16;
    void define_sum(uint32_t y, uint32_t a, uint32_t b);
    const std::vector<Sum>& sums() const { return sums_; }
    // Adds what the sums imply from the current constraints; false: contradiction.
    [[nodiscard]] bool derive_from_sums();

    std::string to_string() const;
    friend bool operator==(const Zone&, const Zone&) = default;

private:
    int index_of(uint32_t x) const;
    int64_t& at(size_t i, size_t j) { return m_[i * vars_.size() + j]; }
    int64_t at(size_t i, size_t j) const { return m_[i * vars_.size() + j]; }
    size_t add_var(uint32_t x);

    uint32_t next_ = kLen + 1;
    std::vector<uint32_t> vars_; // dense index -> symbol
    std::vector<int64_t> m_;     // vars_.size()^2, row-major: m_[i][j] bounds vars_[i] - vars_[j]
    std::vector<Sum> sums_;
};

// Saturating helpers for bounds (kInf absorbs).
inline int64_t bound_add(int64_t a, int64_t b) {
    if (a == Zone::kInf || b == Zone::kInf) return Zone::kInf;
    const int64_t s = a + b; // |a|, |b| <= 2 * kMaxBound: no overflow
    return s > Zone::kMaxBound ? Zone::kInf : s;
}

} // namespace ebpfjit::verifier

#include "jit/constant_division.hpp"

#include <bit>
#include <limits>
#include <type_traits>

namespace ebpfjit::jit {

namespace {

template <typename T>
constexpr int kBits = std::numeric_limits<T>::digits;

// Hacker's Delight figure 10-2 (magicu), for 2 <= d < 2^W, generalised to W bits.
template <typename T>
MagicDivision unsigned_magic(T d) {
    constexpr T top = T{1} << (kBits<T> - 1);
    MagicDivision m;
    const T nc = static_cast<T>(T(0) - 1 - static_cast<T>(T(0) - d) % d);
    int p = kBits<T> - 1;
    T q1 = top / nc, r1 = static_cast<T>(top - q1 * nc);
    T q2 = static_cast<T>((top - 1) / d), r2 = static_cast<T>((top - 1) - q2 * d);
    T delta;
    do {
        ++p;
        if (r1 >= static_cast<T>(nc - r1)) {
            q1 = static_cast<T>(2 * q1 + 1);
            r1 = static_cast<T>(2 * r1 - nc);
        } else {
            q1 = static_cast<T>(2 * q1);
            r1 = static_cast<T>(2 * r1);
        }
        if (static_cast<T>(r2 + 1) >= static_cast<T>(d - r2)) {
            if (q2 >= static_cast<T>(top - 1)) m.add_form = true;
            q2 = static_cast<T>(2 * q2 + 1);
            r2 = static_cast<T>(2 * r2 + 1 - d);
        } else {
            if (q2 >= top) m.add_form = true;
            q2 = static_cast<T>(2 * q2);
            r2 = static_cast<T>(2 * r2 + 1);
        }
        delta = static_cast<T>(d - 1 - r2);
    } while (p < 2 * kBits<T> && (q1 < delta || (q1 == delta && r1 == 0)));
    m.multiplier = static_cast<T>(q2 + 1);
    const int s = p - kBits<T>;
    m.shift = static_cast<uint8_t>(m.add_form ? s - 1 : s); // the add form shifts by s-1
    return m;
}

// Hacker's Delight figure 10-1 (magic), for 2 <= |d|, generalised to W bits; d is the
// W-bit two's complement pattern.
template <typename T>
MagicDivision signed_magic(T d) {
    using S = std::make_signed_t<T>;
    constexpr T top = T{1} << (kBits<T> - 1);
    MagicDivision m;
    m.is_signed = true;
    const bool negative = static_cast<S>(d) < 0;
    const T ad = negative ? static_cast<T>(T(0) - d) : d;
    const T t = static_cast<T>(top + (negative ? 1 : 0));
    const T anc = static_cast<T>(t - 1 - t % ad);
    int p = kBits<T> - 1;
    T q1 = top / anc, r1 = static_cast<T>(top - q1 * anc);
    T q2 = top / ad, r2 = static_cast<T>(top - q2 * ad);
    T delta;
    do {
        ++p;
        q1 = static_cast<T>(2 * q1);
        r1 = static_cast<T>(2 * r1);
        if (r1 >= anc) {
            ++q1;
            r1 = static_cast<T>(r1 - anc);
        }
        q2 = static_cast<T>(2 * q2);
        r2 = static_cast<T>(2 * r2);
        if (r2 >= ad) {
            ++q2;
            r2 = static_cast<T>(r2 - ad);
        }
        delta = static_cast<T>(ad - r2);
    } while (q1 < delta || (q1 == delta && r1 == 0));
    T magic = static_cast<T>(q2 + 1);
    if (negative) magic = static_cast<T>(T(0) - magic);
    m.multiplier = magic;
    m.shift = static_cast<uint8_t>(p - kBits<T>);
    const bool magic_negative = static_cast<S>(magic) < 0;
    if (!negative && magic_negative) m.correction = 1;
    if (negative && !magic_negative) m.correction = -1;
    return m;
}

template <typename T>
T evaluate_w(const MagicDivision& plan, T x) {
    using S = std::make_signed_t<T>;
    using Wide = std::conditional_t<sizeof(T) == 4, uint64_t, unsigned __int128>;
    using SWide = std::conditional_t<sizeof(T) == 4, int64_t, __int128>;
    const auto mult = static_cast<T>(plan.multiplier);
    T q;
    if (!plan.is_signed) {
        const auto hi = static_cast<T>((Wide{x} * Wide{mult}) >> kBits<T>);
        q = plan.add_form ? static_cast<T>(static_cast<T>(static_cast<T>(x - hi) >> 1) + hi) >> plan.shift
                          : static_cast<T>(hi >> plan.shift);
    } else {
        const auto product = SWide{static_cast<S>(x)} * SWide{static_cast<S>(mult)};
        auto hi = static_cast<T>(static_cast<Wide>(product >> kBits<T>));
        hi = static_cast<T>(hi + static_cast<T>(static_cast<T>(static_cast<S>(plan.correction)) * x));
        q = static_cast<T>(static_cast<S>(hi) >> plan.shift);
        q = static_cast<T>(q + (q >> (kBits<T> - 1)));
    }
    if (!plan.is_mod) return q;
    return static_cast<T>(x - static_cast<T>(q * static_cast<T>(plan.divisor)));
}

} // namespace

std::optional<MagicDivision> plan_magic_division(bool is_signed, bool is_mod, bool is64, uint64_t divisor) {
    const uint64_t d = is64 ? divisor : uint64_t{static_cast<uint32_t>(divisor)};
    const uint64_t minus_one = is64 ? UINT64_MAX : UINT32_MAX;
    if (d == 0 || d == 1) return std::nullopt;
    if (is_signed && d == minus_one) return std::nullopt;
    if (!is_signed && std::has_single_bit(d)) return std::nullopt;
    MagicDivision m;
    if (is64) m = is_signed ? signed_magic<uint64_t>(d) : unsigned_magic<uint64_t>(d);
    else m = is_signed ? signed_magic<uint32_t>(static_cast<uint32_t>(d)) : unsigned_magic<uint32_t>(static_cast<uint32_t>(d));
    m.is_signed = is_signed;
    m.is_mod = is_mod;
    m.is64 = is64;
    m.divisor = d;
    return m;
}

uint64_t evaluate(const MagicDivision& plan, uint64_t x) {
    if (plan.is64) return evaluate_w<uint64_t>(plan, x);
    return evaluate_w<uint32_t>(plan, static_cast<uint32_t>(x));
}

} // namespace ebpfjit::jit

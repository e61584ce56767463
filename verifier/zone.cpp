#include "verifier/zone.hpp"

#include <algorithm>

#include <fmt/format.h>

namespace ebpfjit::verifier {

namespace {

// Sum of bounds in 128 bits; anything above kMaxBound is "no bound", anything below
// -kMaxBound is a contradiction (every value lies in [0, 2^62) where bounds are kept).
int64_t sum(int64_t a, int64_t b, int64_t c = 0) {
    if (a == Zone::kInf || b == Zone::kInf || c == Zone::kInf) return Zone::kInf;
    const __int128 s = __int128(a) + b + c;
    if (s > Zone::kMaxBound) return Zone::kInf;
    if (s < -Zone::kMaxBound) return -Zone::kMaxBound - 1;
    return int64_t(s);
}

} // namespace

Zone::Zone() {
    add_var(kZero);
    add_var(kLen);
    at(0, 1) = 0; // 0 - len <= 0
}

int Zone::index_of(uint32_t x) const {
    for (size_t i = 0; i < vars_.size(); ++i)
        if (vars_[i] == x) return int(i);
    return -1;
}

size_t Zone::add_var(uint32_t x) {
    const size_t n = vars_.size();
    std::vector<int64_t> m((n + 1) * (n + 1), kInf);
    for (size_t i = 0; i < n; ++i)
        for (size_t j = 0; j < n; ++j) m[i * (n + 1) + j] = m_[i * n + j];
    m[n * (n + 1) + n] = 0;
    m_ = std::move(m);
    vars_.push_back(x);
    next_ = std::max(next_, x + 1);
    return n;
}

uint32_t Zone::fresh() {
    const uint32_t x = next_++;
    const size_t i = add_var(x);
    at(0, i) = 0; // 0 - x <= 0
    return x;
}

void Zone::set_raw(uint32_t x, uint32_t y, int64_t c) {
    int i = index_of(x), j = index_of(y);
    if (i < 0) i = int(add_var(x));
    if (j < 0) j = int(add_var(y));
    at(size_t(i), size_t(j)) = std::min(at(size_t(i), size_t(j)), c > kMaxBound ? kInf : c);
}

bool Zone::add(uint32_t x, uint32_t y, int64_t c) {
    if (c > kMaxBound) return true;
    const int xi = index_of(x), yi = index_of(y);
    if (xi < 0 || yi < 0 || x == y) return x != y || c >= 0;
    if (c >= at(size_t(xi), size_t(yi))) return true;
    // Negative cycle through the new edge: y - x <= d with c + d < 0.
    if (sum(c, at(size_t(yi), size_t(xi))) < 0) return false;
    const size_t n = vars_.size();
    // Incremental closure: every i -> x -> y -> j path may now be shorter.
    std::vector<int64_t> to_x(n), from_y(n);
    for (size_t i = 0; i < n; ++i) {
        to_x[i] = at(i, size_t(xi));
        from_y[i] = at(size_t(yi), i);
    }
    for (size_t i = 0; i < n; ++i) {
        if (to_x[i] == kInf) continue;
        for (size_t j = 0; j < n; ++j) {
            const int64_t via = sum(to_x[i], c, from_y[j]);
            if (via < at(i, j)) at(i, j) = via;
        }
    }
    for (size_t i = 0; i < n; ++i)
        if (at(i, i) < 0) return false;
    return true;
}

bool Zone::bound_value(uint32_t x, uint64_t lo, uint64_t hi) {
    if (hi <= uint64_t(kMaxBound))
        if (!add(x, kZero, int64_t(hi))) return false;
    if (lo > 0) return add(kZero, x, -int64_t(std::min<uint64_t>(lo, uint64_t(kMaxBound))));
    return true;
}

int64_t Zone::bound(uint32_t x, uint32_t y) const {
    if (x == y) return 0;
    const int i = index_of(x), j = index_of(y);
    if (i < 0 || j < 0) return kInf;
    return at(size_t(i), size_t(j));
}

void Zone::define_sum(uint32_t y, uint32_t a, uint32_t b) {
    if (!has(y) || !has(a) || !has(b) || y == a || y == b) return;
    for (Sum& s : sums_)
        if ((s.a == a && s.b == b) || (s.a == b && s.b == a)) {
            // The same sum again (i + k at every iteration): y equals the older one, which
            // the matrix now says; y, the newer (likelier held by a register), stays the sum.
            if (s.y != y && add(y, s.y, 0) && add(s.y, y, 0)) s.y = y;
            return;
        }
    // Every sum costs each comparison and derivation a pass over the others: the oldest
    // goes first (a loop's sums of earlier iterations), its bounds stay in the matrix.
    if (sums_.size() >= kMaxSums) sums_.erase(sums_.begin());
    sums_.push_back({y, a, b});
}

bool Zone::derive_from_sums() {
    // y - a <= max(b) and a - y <= -min(b): the bounds of b against 0.
    auto within = [&](uint32_t y, uint32_t a, uint32_t b) {
        return add(y, a, bound(b, kZero)) && add(a, y, bound(kZero, b));
    };
    for (const Sum& s : sums_)
        if (!within(s.y, s.a, s.b) || !within(s.y, s.b, s.a)) return false;
    for (size_t i = 0; i < sums_.size(); ++i)
        for (size_t j = 0; j < sums_.size(); ++j) {
            if (i == j) continue;
            const Sum &s = sums_[i], &t = sums_[j];
            // s.y - t.y = s.other - t.other when they share a term.
            auto other = [](const Sum& u, uint32_t common) { return u.a == common ? u.b : u.a; };
            for (uint32_t common : {s.a, s.b}) {
                if (t.a != common && t.b != common) continue;
                if (!add(s.y, t.y, bound(other(s, common), other(t, common)))) return false;
                break;
            }
        }
    return true;
}

void Zone::forget(uint32_t x) {
    std::erase_if(sums_, [x](const Sum& s) { return s.y == x || s.a == x || s.b == x; });
    const int i = index_of(x);
    if (i < 0) return;
    for (size_t j = 0; j < vars_.size(); ++j) {
        if (size_t(i) == j) continue;
        at(size_t(i), j) = kInf;
        at(j, size_t(i)) = kInf;
    }
    at(0, size_t(i)) = 0; // 0 - x <= 0
}

void Zone::keep_only(std::span<const uint32_t> alive_in) {
    // A sum lives while its terms do (its bound may be what proves a later access).
    std::vector<uint32_t> alive(alive_in.begin(), alive_in.end());
    auto is_alive = [&](uint32_t v) {
        return v == kZero || v == kLen || std::find(alive.begin(), alive.end(), v) != alive.end();
    };
    for (bool grew = true; grew;) {
        grew = false;
        for (const Sum& s : sums_) // only a bound against the length is worth keeping
            if (!is_alive(s.y) && is_alive(s.a) && is_alive(s.b) && bound(s.y, kLen) != kInf)
                alive.push_back(s.y), grew = true;
    }
    std::erase_if(sums_, [&](const Sum& s) { return !is_alive(s.y) || !is_alive(s.a) || !is_alive(s.b); });
    std::vector<size_t> keep;
    for (size_t i = 0; i < vars_.size(); ++i)
        if (is_alive(vars_[i])) keep.push_back(i);
    if (keep.size() == vars_.size()) return;
    const size_t n = vars_.size(), k = keep.size();
    std::vector<int64_t> m(k * k);
    std::vector<uint32_t> vars(k);
    for (size_t a = 0; a < k; ++a) {
        vars[a] = vars_[keep[a]];
        for (size_t b = 0; b < k; ++b) m[a * k + b] = m_[keep[a] * n + keep[b]];
    }
    vars_ = std::move(vars);
    m_ = std::move(m);
}

void Zone::close() {
    const size_t n = vars_.size();
    for (size_t k = 0; k < n; ++k)
        for (size_t i = 0; i < n; ++i) {
            if (at(i, k) == kInf) continue;
            for (size_t j = 0; j < n; ++j) {
                const int64_t via = sum(at(i, k), at(k, j));
                if (via < at(i, j)) at(i, j) = via;
            }
        }
}

std::string Zone::to_string() const {
    std::string out;
    auto name = [](uint32_t v) {
        return v == kZero ? std::string("0") : v == kLen ? std::string("len") : fmt::format("v{}", v);
    };
    for (size_t i = 0; i < vars_.size(); ++i)
        for (size_t j = 0; j < vars_.size(); ++j) {
            if (i == j || at(i, j) == kInf) continue;
            if (vars_[j] == kZero && vars_[i] != kLen) continue; // upper bounds are in the registers
            if (vars_[i] == kZero && vars_[j] != kLen) continue;
            if (!out.empty()) out += ", ";
            out += fmt::format("{}-{}<={}", name(vars_[i]), name(vars_[j]), at(i, j));
        }
    return out;
}

} // namespace ebpfjit::verifier

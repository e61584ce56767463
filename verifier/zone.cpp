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

void Zone::forget(uint32_t x) {
    const int i = index_of(x);
    if (i < 0) return;
    for (size_t j = 0; j < vars_.size(); ++j) {
        if (size_t(i) == j) continue;
        at(size_t(i), j) = kInf;
        at(j, size_t(i)) = kInf;
    }
    at(0, size_t(i)) = 0; // 0 - x <= 0
}

void Zone::keep_only(std::span<const uint32_t> alive) {
    std::vector<size_t> keep;
    for (size_t i = 0; i < vars_.size(); ++i)
        if (vars_[i] == kZero || vars_[i] == kLen || std::find(alive.begin(), alive.end(), vars_[i]) != alive.end())
            keep.push_back(i);
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
